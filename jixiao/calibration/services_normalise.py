"""Applying a normalisation to a calibration session (decision 0011): previewed, explained, audited; never silent.

The facilitator applies exactly what she previewed: the preview's fingerprint comes back with the request and a
session whose ratings changed since refuses the stale apply, writing nothing. Each moved member's band goes
through `reviews.services_rating.reviews_band_set` (the only writer of a result) with the reason she reads, in her
language; the session keeps one `Adjustment` of kind normalised per moved member and one audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError, NotFound, StaleWrite
from jixiao.reviews.models import Review
from jixiao.reviews.services_rating import reviews_band_set

from . import selectors_bias
from .models import Adjustment, CalibrationSession, Participant


def normalised_reason(language: str) -> str:
    """The reason a normalised employee reads: in her chosen language, else the one the facilitator works in."""
    languages = {code for code, _label in settings.LANGUAGES}
    current = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language if language in languages else current):
        return _("Adjusted for differences between raters' scales.")


@dataclass(frozen=True)
class NormaliseResult:
    moved: int
    up: int
    down: int
    left: int


@transaction.atomic
def session_normalise(*, actor: Any, session: CalibrationSession, fingerprint: str) -> NormaliseResult:
    """Move every member the preview moved, as the preview showed; refused (writing nothing) when it changed.

    Only a facilitator of an open session, while the cycle is in its calibration phase.
    """
    locked = (
        CalibrationSession.objects.select_for_update(of=("self",))
        .select_related("cycle", "department")
        .get(pk=session.pk)
    )
    if not Participant.objects.filter(session=locked, user=actor, facilitator=True).exists():
        raise NotFound(_("Not found."))
    blocked = selectors_bias.blocked_reason(locked)
    if blocked:
        raise DomainError(blocked, code="illegal_transition")
    preview = selectors_bias.normalise_preview(locked)
    if not fingerprint or fingerprint != preview.fingerprint:
        raise StaleWrite(_("The ratings changed since this preview. Check the new preview, then apply it."))
    moved = preview.moved
    if not moved:
        raise DomainError(_("The normalisation moves no one: there is nothing to apply."), code="invalid")
    reasons = {r.review_id: normalised_reason(r.language) for r in moved}
    bands = {r.review_id: r.after.code for r in moved if r.after is not None}
    reviews_band_set(actor=actor, bands=bands, reasons=reasons, source=Review.OverrideSource.CALIBRATION)
    Adjustment.objects.bulk_create(
        Adjustment(
            session=locked,
            review_id=r.review_id,
            from_band=r.before.code if r.before else "",
            to_band=bands[r.review_id],
            reason=reasons[r.review_id],
            kind=Adjustment.Kind.NORMALISED,
            actor=actor,
        )
        for r in moved
    )
    left = {c.code: c.count for c in preview.left}
    result = NormaliseResult(moved=len(moved), up=preview.up, down=preview.down, left=sum(left.values()))
    # Counts only: who moved is in the reviews' own result_change events and the session's adjustments.
    record_event(
        actor=actor,
        action="calibration.normalise",
        target=locked,
        scope_path=locked.department.path if locked.department else "",
        after={
            "members": len(preview.rows),
            "moved": result.moved,
            "up": result.up,
            "down": result.down,
            "left": left,
            "cycle_mean": preview.cycle.mean,
            "cycle_sd": preview.cycle.sd,
            "fingerprint": preview.fingerprint,
        },
    )
    return result
