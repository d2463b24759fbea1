"""Writes for 360 feedback (issue 5, decision 0009): nominating peers, approving them, sending requests, declining.

Limits come from the cycle's snapshot (`snapshot["feedback"]["peer"]["min"/"max"]`, written from the
template's feedback section) and fall back to the common 3–8 when a cycle has none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.audit.context import current_ip
from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError
from jixiao.core.notifications import Message, notify
from jixiao.org.models import Employee, Status
from jixiao.org.selectors import actor_context

from . import breakdown as bd
from . import permissions
from .models import ANONYMOUS_KINDS, Cycle, Evaluation, EvaluationKind, Invitation, Nomination, PhaseKind, Review
from .services import _clean_answers, _field_errors, _stale, update_row

DEFAULT_PEERS = (3, 8)
OPEN_STATES = (Nomination.State.PROPOSED, Nomination.State.APPROVED)


def peer_limits(cycle: Cycle) -> tuple[int, int]:
    """How many peers a reviewee nominates at least and at most in this cycle."""
    peer = ((cycle.snapshot or {}).get("feedback") or {}).get("peer") or {}
    return int(peer.get("min", DEFAULT_PEERS[0])), int(peer.get("max", DEFAULT_PEERS[1]))


def _require_selection(review: Review) -> None:
    cycle = review.cycle
    if cycle.state != Cycle.State.ACTIVE or cycle.phase != PhaseKind.PEER_SELECTION:
        raise DomainError(_("Peers are chosen during the peer-selection phase only."), code="wrong_phase")


def _may_decide(actor: Any, review: Review) -> bool:
    """The reviewee's manager (as of launch) and HR in scope approve, remove and add raters — never the reviewee."""
    ctx = actor_context(actor)
    if ctx.employee_id is not None and review.reviewee_id == ctx.employee_id:
        return False
    return (review.manager_id is not None and review.manager_id == ctx.employee_id) or (
        permissions.can_administer_review(actor, review)
    )


@transaction.atomic
def nomination_propose(*, actor: Any, review: Review, rater: Employee) -> Nomination:
    """Nominate a peer: the reviewee proposes (her manager approves later); the manager or HR add approved."""
    _require_selection(review)
    ctx = actor_context(actor)
    is_reviewee = review.reviewee_id == ctx.employee_id
    if not (is_reviewee or _may_decide(actor, review)):
        raise DomainError(_("Only the reviewee, her manager or HR choose her peers."), code="forbidden")
    if rater.pk == review.reviewee_id or rater.status == Status.LEFT:
        raise DomainError(_("Pick a current colleague other than the reviewee."), fields={"rater": [_("Not allowed.")]})
    if rater.pk == review.manager_id:
        raise DomainError(
            _("The manager reviews as the manager, not as a peer."), fields={"rater": [_("Not allowed.")]}
        )
    existing = Nomination.objects.filter(review=review, kind=EvaluationKind.PEER, rater=rater).first()
    if existing is not None and existing.state in OPEN_STATES:
        raise DomainError(_("This colleague is already nominated."), fields={"rater": [_("Already nominated.")]})
    _low, high = peer_limits(review.cycle)
    taken = Nomination.objects.filter(review=review, kind=EvaluationKind.PEER, state__in=OPEN_STATES).count()
    if taken >= high:
        raise DomainError(
            _("At most %(n)s peers can be nominated in this cycle.") % {"n": high}, fields={"rater": [_("Too many.")]}
        )
    state = Nomination.State.PROPOSED if is_reviewee else Nomination.State.APPROVED
    if existing is not None:  # nominated before and removed or declined: asked again
        existing.state, existing.nominated_by, existing.decided_by = state, actor, None if is_reviewee else actor
        existing.decline_reason = ""
        existing.save(update_fields=["state", "nominated_by", "decided_by", "decline_reason", "updated_at"])
        nomination = existing
    else:
        nomination = Nomination.objects.create(
            review=review,
            kind=EvaluationKind.PEER,
            rater=rater,
            state=state,
            nominated_by=actor,
            decided_by=None if is_reviewee else actor,
        )
    record_event(
        actor=actor,
        action="nomination.propose" if is_reviewee else "nomination.add",
        target=review,
        after={"rater": rater.pk, "state": state},
    )
    return nomination


@transaction.atomic
def nomination_decide(*, actor: Any, nomination: Nomination, approve: bool) -> Nomination:
    """The manager (or HR) approves a proposed peer or removes any nominated one."""
    review = nomination.review
    _require_selection(review)
    if not _may_decide(actor, review):
        raise DomainError(_("Only the reviewee's manager or HR approve peers."), code="forbidden")
    if nomination.state not in OPEN_STATES:
        raise DomainError(_("This nomination is no longer open."), code="illegal_transition")
    before = nomination.state
    nomination.state = Nomination.State.APPROVED if approve else Nomination.State.REMOVED
    nomination.decided_by = actor
    nomination.save(update_fields=["state", "decided_by", "updated_at"])
    record_event(
        actor=actor,
        action="nomination.approve" if approve else "nomination.remove",
        target=review,
        before={"rater": nomination.rater_id, "state": before},
        after={"state": nomination.state},
    )
    return nomination


def rater_load(cycle: Cycle, rater_ids: list[int]) -> dict[int, int]:
    """How many reviewees of the cycle have each of these people nominated (open nominations; one query)."""
    rows = (
        Nomination.objects.filter(review__cycle=cycle, rater_id__in=rater_ids, state__in=OPEN_STATES)
        .values("rater_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["rater_id"]: row["n"] for row in rows}


def overloaded_raters(cycle: Cycle) -> dict[int, int]:
    """People asked by more reviewees than the cycle's limit: flagged before the requests go out (one query)."""
    rows = (
        Nomination.objects.filter(review__cycle=cycle, rater__isnull=False, state__in=OPEN_STATES)
        .values("rater_id")
        .annotate(n=Count("id"))
        .filter(n__gt=cycle.rater_load_limit)
        .order_by("-n", "rater_id")
    )
    return {row["rater_id"]: row["n"] for row in rows}


def reviews_short_of_peers(cycle: Cycle) -> list[int]:
    """Reviews with fewer approved peers than the cycle's minimum (one query)."""
    low, _high = peer_limits(cycle)
    approved = Count(
        "nominations", filter=Q(nominations__kind=EvaluationKind.PEER, nominations__state=Nomination.State.APPROVED)
    )
    return list(Review.objects.filter(cycle=cycle).annotate(n=approved).filter(n__lt=low).values_list("pk", flat=True))


def feedback_requests_send(*, actor: Any, cycle: Cycle) -> int:
    """Turn every approved nomination without an evaluation into one, set-based and safe to run again.

    Returns how many requests were created. Direct reports are added first as approved upward nominations
    from the reporting line of launch day (reviews whose manager is the reviewee).
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    quote = connection.ops.quote_name
    empty = "CAST('{}' AS jsonb)" if connection.vendor == "postgresql" else "'{}'"
    groups = ((cycle.snapshot or {}).get("feedback") or {}).get("groups") or []
    with transaction.atomic(), connection.cursor() as cursor:
        # Upward: each report of a reviewee (her review's snapshotted manager is the reviewee) rates her.
        cursor.execute(
            f"INSERT INTO {quote('reviews_nomination')} (review_id, kind, rater_id, email, name, state, "  # noqa: S608
            "nominated_by_id, decided_by_id, decline_reason, created_at, updated_at) "
            f"SELECT boss.id, %s, report.reviewee_id, '', '', %s, NULL, NULL, '', %s, %s "
            f"FROM {quote('reviews_review')} boss JOIN {quote('reviews_review')} report "
            "ON report.cycle_id = boss.cycle_id AND report.manager_id = boss.reviewee_id "
            "WHERE boss.cycle_id = %s AND %s ON CONFLICT DO NOTHING",
            [EvaluationKind.UPWARD, Nomination.State.APPROVED, now, now, cycle.pk, EvaluationKind.UPWARD in groups],
        )
        before = Evaluation.objects.filter(cycle=cycle, nomination__isnull=False).count()
        cursor.execute(
            f"INSERT INTO {quote('reviews_evaluation')} (review_id, cycle_id, reviewee_id, rater_id, kind, state, "  # noqa: S608
            "answers, private_note, created_at, updated_at, version, nomination_id) "
            f"SELECT r.id, r.cycle_id, r.reviewee_id, n.rater_id, n.kind, %s, {empty}, '', %s, %s, 1, n.id "
            f"FROM {quote('reviews_nomination')} n JOIN {quote('reviews_review')} r ON r.id = n.review_id "
            "WHERE r.cycle_id = %s AND n.state = %s ON CONFLICT DO NOTHING",
            [Evaluation.State.PENDING, now, now, cycle.pk, Nomination.State.APPROVED],
        )
        created = Evaluation.objects.filter(cycle=cycle, nomination__isnull=False).count() - before
        record_event(actor=actor, action="feedback.requests", target=cycle, after={"created": created})
    return created


@transaction.atomic
def feedback_decline(*, actor: Any, evaluation: Evaluation, reason: str) -> Evaluation:
    """A peer or report declines to give feedback, with a reason; the manager is told and may ask someone else."""
    ctx = actor_context(actor)
    if evaluation.rater_id is None or evaluation.rater_id != ctx.employee_id:
        raise DomainError(_("Only the person asked can decline."), code="forbidden")
    if evaluation.kind not in (EvaluationKind.PEER, EvaluationKind.UPWARD):
        raise DomainError(_("Only peer and upward feedback can be declined."), code="illegal_transition")
    if evaluation.state == Evaluation.State.SUBMITTED:
        raise DomainError(_("This feedback is already submitted."), code="already_submitted")
    if not reason.strip():
        raise DomainError(_("Say why you decline."), fields={"reason": [_("Required.")]})
    updated = (
        Evaluation.objects.filter(pk=evaluation.pk)
        .exclude(state=Evaluation.State.SUBMITTED)
        .update(state=Evaluation.State.SKIPPED, version=F("version") + 1)
    )
    if not updated:
        raise DomainError(_("This feedback is already submitted."), code="already_submitted")
    if evaluation.nomination_id:
        Nomination.objects.filter(pk=evaluation.nomination_id).update(
            state=Nomination.State.DECLINED, decline_reason=reason[:2000]
        )
    # The reason goes to the audit log (HR) and to the manager, never to the reviewee (decision 0009).
    record_event(
        actor=actor,
        action="feedback.decline",
        target=evaluation.review,
        after={"evaluation": evaluation.pk, "reason": reason},
    )
    evaluation.refresh_from_db()
    manager_user = getattr(evaluation.review.manager, "user", None) if evaluation.review.manager_id else None
    if manager_user is not None:
        # The manager approved the nominations, so she knows who was asked; she needs the name to ask another.
        reviewee, rater = evaluation.review.reviewee.name, evaluation.rater.name if evaluation.rater else ""
        notify(
            [manager_user],
            lambda _u: Message(
                title=_("%(rater)s declined to give feedback on %(name)s") % {"rater": rater, "name": reviewee},
                body=reason,
                url=evaluation.review.get_absolute_url(),
            ),
        )
    return evaluation


# ---- customers: invitations by link (decision 0009) ---------------------------------------------

INVITATION_DAYS = 21
TOKEN_BYTES = 24  # 192 random bits, above the 128 the issue asks for


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def customer_invite(*, actor: Any, review: Review, email: str, name: str) -> tuple[Nomination, str]:
    """HR or the manager asks an external customer for feedback; returns the nomination and the link's token.

    The token is returned once (to go into the email) and stored only as a hash. When the feedback phase is
    already open, the request is created at once; otherwise it goes out with the others.
    """
    cycle = review.cycle
    if cycle.state != Cycle.State.ACTIVE or cycle.phase not in (PhaseKind.PEER_SELECTION, PhaseKind.FEEDBACK):
        raise DomainError(_("Customers are invited during peer selection or the feedback phase."), code="wrong_phase")
    if not _may_decide(actor, review):
        raise DomainError(_("Only the reviewee's manager or HR invite customers."), code="forbidden")
    errors: dict[str, list[str]] = {}
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid email address.")]
    if not name.strip():
        errors["name"] = [_("Required.")]
    if not errors and Nomination.objects.filter(review=review, email=email).exists():
        errors["email"] = [_("This customer is already invited for this review.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    nomination = Nomination.objects.create(
        review=review,
        kind=EvaluationKind.CUSTOMER,
        email=email,
        name=name.strip()[:100],
        state=Nomination.State.APPROVED,
        nominated_by=actor,
        decided_by=actor,
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    Invitation.objects.create(
        nomination=nomination,
        token_hash=token_hash(token),
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    if cycle.phase == PhaseKind.FEEDBACK:
        feedback_requests_send(actor=actor, cycle=cycle)
    # The customer's address is personal data of an outsider: the audit keeps the nomination, not the email.
    record_event(actor=actor, action="feedback.invite", target=review, after={"nomination": nomination.pk})
    return nomination, token


class InvitationRefused(DomainError):
    """A link that cannot be used: `code` is forged, expired, used or not_open (the page says which)."""

    status = 403


def invitation_open(*, token: str, now: dt.datetime | None = None) -> Evaluation:
    """The customer's evaluation behind a link, or InvitationRefused; reads only, writes nothing."""
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("nomination__review__cycle").filter(token_hash=token_hash(token)).first()
        if 20 <= len(token) <= 100
        else None
    )
    if invitation is None:
        raise InvitationRefused(_("This link is not valid. Check that you copied all of it."), code="forged")
    if invitation.used_at is not None:
        raise InvitationRefused(_("This link has already been used to give feedback. Thank you!"), code="used")
    if invitation.expires_at <= now or invitation.nomination.review.cycle.state != Cycle.State.ACTIVE:
        raise InvitationRefused(_("This link has expired."), code="expired")
    evaluation = Evaluation.objects.filter(nomination=invitation.nomination).select_related("review__cycle").first()
    if evaluation is None:
        raise InvitationRefused(_("Feedback opens later; the link will work then."), code="not_open")
    return evaluation


@transaction.atomic
def invitation_use(*, token: str, evaluation_id: int) -> None:
    """Mark the link used when its evaluation is submitted; a second submission through it is refused."""
    evaluation = invitation_open(token=token)
    if evaluation.pk != evaluation_id:
        raise InvitationRefused(_("This link is not valid. Check that you copied all of it."), code="forged")
    updated = Invitation.objects.filter(token_hash=token_hash(token), used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not updated:
        raise InvitationRefused(_("This link has already been used to give feedback. Thank you!"), code="used")


# ---- writing feedback --------------------------------------------------------------------------


def _record_anonymously(action: str, evaluation: Evaluation, after: dict[str, Any]) -> None:
    """Audit a 360 answer without naming its writer: no actor, no address (decision 0009).

    The audit log is HR's to read; naming the rater there would be a reveal without a reason. The event
    keeps which evaluation changed, which HR's audited reveal can resolve.
    """
    reset = current_ip.set(None)
    try:
        record_event(actor=None, action=action, target=evaluation.review, after={"evaluation": evaluation.pk, **after})
    finally:
        current_ip.reset(reset)


@transaction.atomic
def feedback_save(
    *,
    actor: Any,
    evaluation: Evaluation,
    answers: dict[str, Any],
    version: int,
    submit: bool = False,
    token: str | None = None,
) -> Evaluation:
    """A peer, direct report or customer saves a draft of her 360 answers, or submits them.

    Peers and reports write as themselves; a customer writes through her invitation (`token`, no account),
    and submitting spends the link. Only during the feedback phase; only the 360 section's competencies
    (each rated or "na", not able to judge) and questions are kept. Nothing is written on any refusal.
    """
    review = evaluation.review
    cycle = review.cycle
    if evaluation.kind not in ANONYMOUS_KINDS:
        raise DomainError(_("This part of the review is not 360 feedback."), code="illegal_transition")
    if evaluation.kind == EvaluationKind.CUSTOMER:
        if token is None or invitation_open(token=token).pk != evaluation.pk:
            raise InvitationRefused(_("This link is not valid. Check that you copied all of it."), code="forged")
    elif evaluation.rater_id is None or evaluation.rater_id != actor_context(actor).employee_id:
        raise DomainError(_("Only the person asked can give this feedback."), code="forbidden")
    if cycle.state != Cycle.State.ACTIVE or cycle.phase != PhaseKind.FEEDBACK:
        raise DomainError(_("Feedback is given during the feedback phase only."), code="wrong_phase")
    if evaluation.state in (Evaluation.State.SUBMITTED, Evaluation.State.SKIPPED):
        raise DomainError(_("This feedback is already submitted or declined."), code="already_submitted")
    clean = _clean_answers(cycle.snapshot, review.competency_model, evaluation.kind, answers)
    clean.pop("overall", None)
    clean.pop("comments", None)
    problems = bd.check_answers(
        cycle.snapshot, model_key=review.competency_model, answers=clean, kind=evaluation.kind, submit=submit
    )
    if problems:
        raise DomainError(
            _("Some ratings or answers are missing or invalid.") if submit else _("Please correct the errors below."),
            code="invalid",
            fields=_field_errors(problems),
        )
    now = timezone.now()
    state = Evaluation.State.SUBMITTED if submit else Evaluation.State.DRAFT
    updates: dict[str, Any] = {"answers": clean, "state": state, "updated_at": now}
    if submit:
        # The submission time is kept for the rater's own inbox; no page for the reviewee or managers shows it.
        updates["submitted_at"] = now
    before = evaluation.answers.get("ratings", {})
    if not update_row(Evaluation, evaluation.pk, updates, version=version):
        raise _stale(_("feedback"))
    evaluation.answers, evaluation.state, evaluation.version, evaluation.updated_at = clean, state, version + 1, now
    if submit:
        evaluation.submitted_at = now
        if token is not None:
            invitation_use(token=token, evaluation_id=evaluation.pk)
        _record_anonymously("feedback.submit", evaluation, {"ratings": clean["ratings"]})
    elif before != clean["ratings"]:
        _record_anonymously("feedback.draft", evaluation, {"ratings": clean["ratings"]})
    return evaluation


def feedback_reveal(*, actor: Any, review: Review, reason: str) -> None:
    """HR in scope records why she needs to see who wrote each anonymous answer; the page then shows them once.

    The caller passed the gate and selectors_feedback.feedback_access(...).reveal. A blank reason is refused
    and writes nothing. Nothing about the reveal is stored but this audit event (decision 0009).
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you need to see who wrote what."), fields={"reason": [_("Required.")]})
    record_event(
        actor=actor,
        action="feedback.reveal",
        target=review,
        scope_path=review.department.path if review.department_id and review.department else "",
        after={"reason": reason[:2000]},
    )
