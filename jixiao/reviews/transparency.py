"""What a reader of a scored review learns about changes to its result (decision 0011, "Transparency").

Pure: reads the review's own fields, never a query. A result was changed when calibration or an appeal pinned
a rating other than the score's band (`band_override`) or corrected section scores (`corrections`); the reader
gets the source and the reason, never who argued for it. A rating moved and moved back leaves nothing to say.
Every output that shows a score (page, API, exports) asks the visibility matrix first, then uses these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Review

SOURCE_LABELS: dict[str, Any] = {
    Review.OverrideSource.CALIBRATION: _("Calibration"),
    Review.OverrideSource.APPEAL: _("Appeal"),
}


@dataclass(frozen=True)
class Correction:
    """A section score corrected after the manager's part: the computed score it replaced and why."""

    key: str
    score: str
    corrected_from: str
    reason: str


@dataclass(frozen=True)
class RatingChange:
    source: str  # calibration | appeal
    reason: str
    score_band: str  # the band the final score falls into
    band: str  # the rating the reviewee reads
    corrections: tuple[Correction, ...] = ()

    @property
    def band_moved(self) -> bool:
        """The rating differs from the score's band (pinned in calibration or on appeal)."""
        return bool(self.band) and self.band != self.score_band

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS.get(self.source, self.source))

    def as_api(self) -> dict[str, Any]:
        return {"source": Review.OverrideSource(self.source), "reason": self.reason}


def corrections_of(breakdown: Mapping[str, Any]) -> tuple[Correction, ...]:
    """The corrected sections of a stored breakdown, in the template's order."""
    out = []
    for section in breakdown.get("sections") or []:
        if "corrected_from" in section:
            out.append(
                Correction(
                    key=str(section.get("key", "")),
                    score=_text(section.get("score")),
                    corrected_from=_text(section.get("corrected_from")),
                    reason=str(section.get("correction_reason", "")),
                )
            )
    return tuple(out)


def rating_change(review: Review) -> RatingChange | None:
    """How calibration or an appeal changed this review's result, or None when nothing stands changed."""
    breakdown = review.breakdown or {}
    corrections = corrections_of(breakdown)
    if not review.override_source or not (review.band_override or corrections):
        return None
    return RatingChange(
        source=review.override_source,
        reason=review.override_reason,
        score_band=str(breakdown.get("band", "")),
        band=review.band,
        corrections=corrections,
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)
