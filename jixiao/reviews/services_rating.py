"""Changing a review's result after the manager's part: calibration and appeals (decision 0011).

The review keeps two answers to "what is her rating?": the band her final score falls into (kept in
`breakdown["band"]`, recomputed whenever the score is) and `band`, what she reads. Calibration and appeals pin
`band_override` with a reason; an appeal may also correct section scores (`corrections`), which rescores the
review through the same pure breakdown. These services are the only writers of those fields; the calibration
and appeals apps call them and keep their own history (who proposed what, in which session or appeal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from jixiao.audit.services import Change, record_event, record_events
from jixiao.core.errors import DomainError

from . import breakdown as bd
from .models import Review
from .services import score_review

S = Review.State
MAX_REASON = 2000
# Where each source may change a result: calibration before release, an appeal after it.
SOURCE_STATES: dict[str, tuple[str, ...]] = {
    Review.OverrideSource.CALIBRATION: (S.READY,),
    Review.OverrideSource.APPEAL: (S.RELEASED, S.ACKNOWLEDGED, S.DISAGREED),
}


def band_codes(review: Review) -> list[str]:
    """The review's cycle's band codes, best first."""
    return bd.band_codes(review.cycle.snapshot)


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError(_("Say why the rating changes."), code="invalid", fields={"reason": [_("Required.")]})
    if len(text) > MAX_REASON:
        raise DomainError(
            _("Too long (at most %(max)s characters).") % {"max": MAX_REASON},
            code="invalid",
            fields={"reason": [_("Too long (at most %(max)s characters).") % {"max": MAX_REASON}]},
        )
    return text


def _check_state(review: Review, source: str) -> None:
    if review.state not in SOURCE_STATES[source]:
        raise DomainError(
            _("This review's result cannot change now (it is “%(state)s”).") % {"state": review.get_state_display()},
            code="illegal_transition",
        )


def _scope(review: Review) -> str:
    return review.department.path if review.department_id and review.department else ""


@transaction.atomic
def review_result_change(
    *,
    actor: Any,
    review: Review,
    reason: str,
    source: str,
    band: str | None = None,
    corrections: Mapping[str, Decimal] | None = None,
) -> Review:
    """Pin the review's band and/or correct section scores (then rescore), with the reason the reviewee reads.

    A band equal to the score's own band unpins it. Corrections without a band let the band follow the new
    score. Refused, writing nothing, without a reason, for an unknown band or section, a score off the scale,
    or a review outside the source's states.
    """
    text = _reason(reason)
    _check_state(review, source)
    if band is None and not corrections:
        raise DomainError(_("Choose a new rating or correct a section score."), code="invalid")
    snapshot = review.cycle.snapshot
    if band is not None and band not in band_codes(review):
        raise DomainError(_("Not one of the cycle's ratings."), code="invalid", fields={"band": [_("Unknown rating.")]})
    before = {"final": review.breakdown.get("final"), "band": review.band}
    updates: dict[str, Any] = {"override_source": source, "override_reason": text}
    if corrections:
        scored = {s["key"] for s in snapshot["sections"] if s["kind"] not in bd.UNSCORED_KINDS}
        lo, hi = Decimal(str(snapshot["scale"]["min"])), Decimal(str(snapshot["scale"]["max"]))
        fields: dict[str, list[str]] = {}
        for key, score in corrections.items():
            if key not in scored:
                fields[f"correction:{key}"] = [_("Not a scored section of this review.")]
            elif not lo <= score <= hi:
                fields[f"correction:{key}"] = [
                    _("Between %(low)s and %(high)s.") % {"low": f"{lo.normalize()}", "high": f"{hi.normalize()}"}
                ]
        if fields:
            raise DomainError(_("Please correct the marked fields."), code="invalid", fields=fields)
        review.corrections = {
            **review.corrections,
            **{key: {"score": str(score), "reason": text} for key, score in corrections.items()},
        }
        result = score_review(review)
        updates.update(
            corrections=review.corrections,
            breakdown=result,
            final_score=None if result["final"] is None else Decimal(result["final"]),
        )
        if band is None:
            updates["band_override"] = ""
    score_band = str(updates.get("breakdown", review.breakdown).get("band", ""))
    if band is not None:
        updates["band_override"] = "" if band == score_band else band
    updates["band"] = updates.get("band_override", review.band_override) or score_band
    Review.objects.filter(pk=review.pk).update(**updates, version=F("version") + 1)
    for name, value in updates.items():
        setattr(review, name, value)
    review.version += 1
    record_event(
        actor=actor,
        action="review.result_change",
        target=review,
        scope_path=_scope(review),
        before=before,
        after={"final": review.breakdown.get("final"), "band": review.band, "source": source, "reason": text},
    )
    return review


def reviews_band_set(*, actor: Any, bands: Mapping[int, str], reasons: Mapping[int, str], source: str) -> int:
    """Pin many reviews' bands at once (calibration closing or a normalisation applied); returns how many moved.

    Set-based: one read, one executemany UPDATE, one batched audit insert. Every review needs a reason; reviews
    outside the source's states or with an unknown band are refused together, writing nothing.
    """
    if not bands:
        return 0
    rows = list(
        Review.objects.filter(pk__in=list(bands)).values_list("pk", "state", "band", "breakdown", "cycle__snapshot")
    )
    if len(rows) != len(bands):
        raise DomainError(_("Not found."), code="not_found")
    updates: list[tuple[str, str, str, str, int]] = []
    changes: list[Change] = []
    for pk, state, old_band, breakdown, snapshot in rows:
        band = bands[pk]
        if state not in SOURCE_STATES[source]:
            raise DomainError(_("Some of these reviews cannot change now."), code="illegal_transition")
        if band not in bd.band_codes(snapshot):
            raise DomainError(_("Not one of the cycle's ratings."), code="invalid")
        text = _reason(reasons.get(pk, ""))
        score_band = str((breakdown or {}).get("band", ""))
        override = "" if band == score_band else band
        updates.append((override, override or score_band, source, text, pk))
        if (override or score_band) != old_band:
            changes.append(
                Change(
                    target=None,
                    target_type="reviews.review",
                    target_id=str(pk),
                    before={"band": old_band},
                    after={"band": override or score_band, "source": source, "reason": text},
                )
            )
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote('reviews_review')} SET band_override = %s, band = %s, override_source = %s, "  # noqa: S608
            "override_reason = %s, version = version + 1 WHERE id = %s",
            updates,
        )
        if changes:
            record_events(actor=actor, action="review.result_change", changes=changes)
    return len(changes)


def reviews_calibration_hold(*, review_ids: Sequence[int], hold: bool) -> int:
    """Hold reviews back from release while they sit in an open calibration session (or let them go)."""
    return Review.objects.filter(pk__in=list(review_ids)).update(calibration_hold=hold)
