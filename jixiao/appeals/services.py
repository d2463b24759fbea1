"""Writes on appeals (decision 0011): file, take up, reassign, respond, decide, escalate.

Each is keyword-only, atomic and audited; a refusal is a translated DomainError and writes nothing (an appeal's
files included: they are checked before anything is stored, and removed again if the write fails). A changed
result goes through `reviews.services_rating.review_result_change`, the only writer of a released result.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from jixiao.audit.services import Change, record_event, record_events
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.org.selectors import actor_context
from jixiao.reviews.models import Review
from jixiao.reviews.selectors import RELEASED_STATES
from jixiao.reviews.services_rating import review_result_change

from . import notify, permissions, selectors
from .files import check_uploads
from .models import Appeal, AppealAttachment

S = Appeal.State
MAX_REASON = 4000
MAX_RESPONSE = 4000
# The outcome of a changed result is also the reason the employee reads on her review (services_rating's limit).
MAX_OUTCOME = 2000


def _scope(appeal: Appeal) -> str:
    return appeal.department.path if appeal.department_id and appeal.department else ""


def _text(value: str, *, field: str, required: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(required, code="invalid", fields={field: [required]})
    if len(text) > limit:
        message = _("Too long (at most %(max)s characters).") % {"max": limit}
        raise DomainError(message, code="invalid", fields={field: [message]})
    return text


def _stale() -> StaleWrite:
    return StaleWrite(_("Someone else changed this appeal. Reload to see what changed."))


def _not_open(appeal: Appeal) -> DomainError:
    return DomainError(
        _("This appeal is closed (“%(state)s”).") % {"state": appeal.get_state_display()}, code="illegal_transition"
    )


def _bump(appeal: Appeal, version: int | None, states: Sequence[str], **changes: Any) -> None:
    """Write `changes` if the appeal is still in one of `states` (and at `version`), else refuse."""
    qs = Appeal.objects.filter(pk=appeal.pk, state__in=list(states))
    if version is not None:
        qs = qs.filter(version=version)
    if not qs.update(**changes, version=F("version") + 1, updated_at=timezone.now()):
        raise _stale()
    for name, value in changes.items():
        setattr(appeal, name, value)
    appeal.version += 1


# ---- filing -----------------------------------------------------------------------------------------------


def _check_can_file(actor: Any, review: Review) -> None:
    ctx = actor_context(actor)
    if ctx.employee_id is None or review.reviewee_id != ctx.employee_id:
        raise DomainError(_("Only the person reviewed can appeal her result."), code="forbidden")
    if review.state not in RELEASED_STATES:
        raise DomainError(_("You can appeal once your result is released."), code="illegal_transition")
    window = selectors.appeal_window(review)
    if not window.takes_appeals:
        raise DomainError(_("This review cycle does not take appeals."), code="illegal_transition")
    if not window.is_open:
        assert window.last_day is not None
        raise DomainError(
            _("The time to appeal ended on %(date)s.") % {"date": date_format(window.last_day, "Y-m-d")},
            code="illegal_transition",
        )
    if Appeal.objects.filter(review_id=review.pk).exists():
        raise DomainError(_("You have already appealed this result."), code="exists")


def appeal_file(*, actor: Any, review: Review, reason: str, files: Sequence[Any] = ()) -> Appeal:
    """The reviewee appeals her released result, within the cycle's window, once, with up to 5 files.

    The owner is picked by selectors.pick_owner (never the manager being appealed); the answer is due
    `appeal_sla_days` after filing. The owner and the manager are told.
    """
    _check_can_file(actor, review)
    text = _text(reason, field="reason", required=_("Say why you appeal this result."), limit=MAX_REASON)
    checked = check_uploads(list(files))
    owner = selectors.pick_owner(review)
    today = selectors.company_today()
    stored: list[str] = []
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                review=review,
                employee_id=review.reviewee_id,
                department_id=review.department_id,
                reason=text,
                owner=owner,
                due_on=today + dt.timedelta(days=int(review.cycle.appeal_sla_days)),
            )
            attachments = []
            for f in checked:
                attachment = AppealAttachment(appeal=appeal, name=f.name, size=f.size, content_type=f.content_type)
                f.upload.seek(0)
                # A random stored name: the person's file name stays in the row, never in the path.
                attachment.file.save(f"{uuid.uuid4().hex}.{f.extension}", f.upload, save=False)
                stored.append(str(attachment.file.name))
                attachments.append(attachment)
            AppealAttachment.objects.bulk_create(attachments)
            record_event(
                actor=actor,
                action="appeal.file",
                target=appeal,
                target_label=str(review),
                scope_path=_scope(appeal),
                after={
                    "state": appeal.state,
                    "owner": owner.pk if owner else None,
                    "due_on": appeal.due_on,
                    "files": [f.name for f in checked],
                    "band": review.band,
                    "final": review.breakdown.get("final") if review.breakdown else None,
                },
            )
            appeal.review = review
            notify.appeal_filed(appeal)
    except IntegrityError:
        _remove(stored)
        raise DomainError(_("You have already appealed this result."), code="exists") from None
    except BaseException:
        _remove(stored)
        raise
    return appeal


def _remove(names: Sequence[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


# ---- handling ---------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_take_up(*, actor: Any, appeal: Appeal, version: int | None = None) -> Appeal:
    """The owner starts on a submitted appeal (under review); the employee is told."""
    if appeal.owner_id != getattr(actor, "pk", None) or not permissions.can_handle(actor, appeal):
        raise DomainError(_("Only the appeal's owner can take it up."), code="forbidden")
    if appeal.state != S.SUBMITTED:
        raise DomainError(_("This appeal is already taken up or decided."), code="illegal_transition")
    _bump(appeal, version, (S.SUBMITTED,), state=S.UNDER_REVIEW)
    record_event(
        actor=actor,
        action="appeal.take_up",
        target=appeal,
        scope_path=_scope(appeal),
        before={"state": S.SUBMITTED},
        after={"state": S.UNDER_REVIEW},
    )
    notify.appeal_taken_up(appeal, actor)
    return appeal


@transaction.atomic
def appeal_reassign(*, actor: Any, appeal: Appeal, owner: Any, version: int | None = None) -> Appeal:
    """HR in scope hands an open appeal to other HR (or an admin): never to the manager being appealed."""
    if not permissions.can_reassign(actor, appeal):
        raise DomainError(_("Only HR in scope can hand this appeal to someone else."), code="forbidden")
    if appeal.state not in selectors.OPEN_STATES:
        raise _not_open(appeal)
    if owner is None:
        raise DomainError(_("Choose who handles it."), code="invalid", fields={"owner": [_("Required.")]})
    review = appeal.review
    parties = selectors.party_user_ids(review)
    if owner.pk in parties:
        manager_user = review.manager.user_id if review.manager_id and review.manager else None
        message = (
            _("The manager being appealed cannot handle the appeal.")
            if owner.pk == manager_user
            else _("The person appealing and her skip-level manager cannot handle the appeal.")
        )
        raise DomainError(message, code="invalid", fields={"owner": [message]})
    if owner.pk == appeal.owner_id:
        message = _("This appeal is already theirs.")
        raise DomainError(message, code="invalid", fields={"owner": [message]})
    if not selectors.is_eligible_owner(owner, appeal):
        message = _("Choose HR whose scope holds this department, company-wide HR or an admin.")
        raise DomainError(message, code="invalid", fields={"owner": [message]})
    before = appeal.owner_id
    _bump(appeal, version, selectors.OPEN_STATES, owner=owner)
    record_event(
        actor=actor,
        action="appeal.reassign",
        target=appeal,
        scope_path=_scope(appeal),
        before={"owner": before},
        after={"owner": owner.pk, "owner_name": selectors.user_label(owner)},
    )
    notify.appeal_reassigned(appeal, actor)
    return appeal


@transaction.atomic
def appeal_respond(*, actor: Any, appeal: Appeal, response: str, version: int | None = None) -> Appeal:
    """The review's manager answers the appeal in writing while it is open; the owner is told."""
    if not permissions.is_reviews_manager(actor, appeal):
        raise DomainError(_("Only the manager of this review can respond."), code="forbidden")
    if appeal.state not in selectors.OPEN_STATES:
        raise _not_open(appeal)
    text = _text(response, field="response", required=_("Write your response."), limit=MAX_RESPONSE)
    first = not appeal.manager_response
    _bump(appeal, version, selectors.OPEN_STATES, manager_response=text, manager_responded_at=timezone.now())
    record_event(
        actor=actor,
        action="appeal.respond",
        target=appeal,
        scope_path=_scope(appeal),
        after={"length": len(text), "first": first},
    )
    notify.appeal_responded(appeal, actor)
    return appeal


OUTCOMES = (S.UPHELD, S.CHANGED, S.REJECTED)


@transaction.atomic
def appeal_decide(
    *,
    actor: Any,
    appeal: Appeal,
    outcome_state: str,
    outcome: str,
    band: str | None = None,
    corrections: Mapping[str, Decimal] | None = None,
    version: int | None = None,
) -> Appeal:
    """The owner (or HR in scope) decides: upheld, changed (a new band and/or corrected section scores, which
    rescores the review) or not accepted, with a written outcome the employee reads. All three are told."""
    if not permissions.can_handle(actor, appeal):
        raise DomainError(_("Only the appeal's owner or HR in scope can decide it."), code="forbidden")
    if appeal.state not in selectors.OPEN_STATES:
        raise _not_open(appeal)
    if outcome_state not in OUTCOMES:
        message = _("Choose the decision.")
        raise DomainError(message, code="invalid", fields={"outcome_state": [message]})
    text = _text(outcome, field="outcome", required=_("Write the outcome the employee will read."), limit=MAX_OUTCOME)
    band = band or None
    corrections = {k: v for k, v in (corrections or {}).items() if v is not None}
    review = appeal.review
    before = {"state": appeal.state, "band": review.band, "final": review.breakdown.get("final")}
    if outcome_state != S.CHANGED and (band or corrections):
        message = _("A new rating or corrected scores go with “Result changed” only.")
        raise DomainError(message, code="invalid", fields={"outcome_state": [message]})
    if outcome_state == S.CHANGED:
        if not band and not corrections:
            message = _("Choose a new rating or correct a section score.")
            raise DomainError(message, code="invalid", fields={"band": [message]})
        if band == review.band and not corrections:
            message = _("That is the rating she has now. Choose another, or correct a section score.")
            raise DomainError(message, code="invalid", fields={"band": [message]})
        review = review_result_change(
            actor=actor,
            review=review,
            reason=text,
            source=Review.OverrideSource.APPEAL,
            band=band,
            corrections=corrections or None,
        )
        appeal.review = review
    _bump(
        appeal,
        version,
        selectors.OPEN_STATES,
        state=outcome_state,
        outcome=text,
        decided_at=timezone.now(),
        decided_by=actor,
    )
    record_event(
        actor=actor,
        action="appeal.decide",
        target=appeal,
        scope_path=_scope(appeal),
        before=before,
        after={"state": outcome_state, "band": review.band, "final": review.breakdown.get("final")},
    )
    notify.appeal_decided(appeal, actor)
    return appeal


# ---- escalation -----------------------------------------------------------------------------------------------


def appeals_escalate(*, today: dt.date) -> int:
    """Mark open appeals past their answer date as escalated, once, and tell their owners and company-wide HR.

    Safe to run any number of times a day: an appeal is escalated once (`escalated_at`), so a second run
    finds nothing. Returns how many appeals were escalated.
    """
    with transaction.atomic():
        due = list(
            Appeal.objects.select_for_update(of=("self",))
            .filter(state__in=selectors.OPEN_STATES, due_on__lt=today, escalated_at__isnull=True)
            .select_related("employee", "owner", "department", "review__cycle")
            .order_by("due_on", "pk")
        )
        if not due:
            return 0
        now = timezone.now()
        Appeal.objects.filter(pk__in=[a.pk for a in due], escalated_at__isnull=True).update(escalated_at=now)
        record_events(
            actor=None,
            action="appeal.escalate",
            changes=[
                Change(
                    target=a,
                    scope_path=_scope(a),
                    after={"due_on": a.due_on, "owner": a.owner_id, "state": a.state},
                )
                for a in due
            ],
        )
        for a in due:
            a.escalated_at = now
        notify.appeals_escalated(due)
    return len(due)
