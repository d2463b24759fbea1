"""Writes for choosing 360 raters that services_feedback leaves to the pages (decision 0009).

- `nomination_replace`: during the feedback phase, the manager or HR asks another peer when one declined;
  the request goes out at once (the others went out when the phase opened).
- `customer_invite_send`: invite a customer (services_feedback.customer_invite) and email her the link, in
  one transaction: an invitation exists only if its email went out, and the token lives only in the email.
- `nominations_assign`: HR's bulk assignment (the XLSX import): every pair is added as an approved peer, with
  the rules of services_feedback.nomination_propose checked beforehand by imports_nominations; all or nothing.

Same style as services_feedback: keyword-only, atomic, audited, a translated DomainError on refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from jixiao.audit.services import Change, record_event, record_events
from jixiao.core.errors import DomainError
from jixiao.core.notifications import Message, notify
from jixiao.org.models import Employee, Status
from jixiao.org.selectors import actor_context

from . import permissions, services_feedback
from .anonymity import effective_k
from .models import Cycle, Evaluation, EvaluationKind, Nomination, PhaseKind, Review

logger = logging.getLogger(__name__)
PEER = EvaluationKind.PEER
OPEN_STATES = services_feedback.OPEN_STATES


def may_decide(actor: Any, review: Review) -> bool:
    """The reviewee's manager (as of launch) and HR in scope approve, remove, add and invite raters."""
    ctx = actor_context(actor)
    if ctx.employee_id is not None and review.reviewee_id == ctx.employee_id:
        return False  # nobody decides her own raters, even HR
    return (review.manager_id is not None and review.manager_id == ctx.employee_id) or (
        permissions.can_administer_review(actor, review)
    )


def _check_rater(review: Review, rater: Employee) -> None:
    """The rules of services_feedback.nomination_propose about who may be a peer."""
    if rater.pk == review.reviewee_id or rater.status != Status.ACTIVE:
        raise DomainError(_("Pick a current colleague other than the reviewee."), fields={"rater": [_("Not allowed.")]})
    if rater.pk == review.manager_id:
        raise DomainError(
            _("The manager reviews as the manager, not as a peer."), fields={"rater": [_("Not allowed.")]}
        )


@transaction.atomic
def nomination_replace(*, actor: Any, review: Review, rater: Employee) -> Nomination:
    """Ask another peer after one declined, during the feedback phase; her request goes out at once."""
    cycle = review.cycle
    if cycle.state != Cycle.State.ACTIVE or cycle.phase != PhaseKind.FEEDBACK:
        raise DomainError(_("Another peer is asked during the feedback phase only."), code="wrong_phase")
    if not may_decide(actor, review):
        raise DomainError(_("Only the reviewee's manager or HR ask another peer."), code="forbidden")
    peers = Nomination.objects.filter(review=review, kind=PEER)
    if not peers.filter(state=Nomination.State.DECLINED).exists():
        raise DomainError(_("Another peer is asked only when one declined."), code="illegal_transition")
    _check_rater(review, rater)
    existing = peers.filter(rater=rater).first()
    if existing is not None and existing.state in OPEN_STATES:
        raise DomainError(_("This colleague is already nominated."), fields={"rater": [_("Already nominated.")]})
    if existing is not None and existing.state == Nomination.State.DECLINED:
        raise DomainError(_("This colleague declined already; ask someone else."), fields={"rater": [_("Declined.")]})
    _low, high = services_feedback.peer_limits(cycle)
    if peers.filter(state__in=OPEN_STATES).count() >= high:
        raise DomainError(
            _("At most %(n)s peers can be nominated in this cycle.") % {"n": high}, fields={"rater": [_("Too many.")]}
        )
    if Evaluation.objects.filter(cycle=cycle, reviewee_id=review.reviewee_id, rater=rater, kind=PEER).exists():
        raise DomainError(_("This colleague was asked already; ask someone else."), fields={"rater": [_("Asked.")]})
    if existing is not None:  # removed during peer selection: asked after all
        existing.state, existing.nominated_by, existing.decided_by = Nomination.State.APPROVED, actor, actor
        existing.save(update_fields=["state", "nominated_by", "decided_by", "updated_at"])
        nomination = existing
    else:
        nomination = Nomination.objects.create(
            review=review,
            kind=PEER,
            rater=rater,
            state=Nomination.State.APPROVED,
            nominated_by=actor,
            decided_by=actor,
        )
    evaluation = Evaluation.objects.create(
        review=review,
        cycle=cycle,
        reviewee_id=review.reviewee_id,
        rater=rater,
        kind=PEER,
        nomination=nomination,
    )
    record_event(
        actor=actor,
        action="nomination.replace",
        target=review,
        after={"rater": rater.pk, "state": nomination.state, "evaluation": evaluation.pk},
    )
    user = rater.user if rater.user_id else None
    if user is not None and user.is_active:
        reviewee = review.reviewee.name
        transaction.on_commit(
            lambda: notify(
                [user],
                lambda _u: Message(
                    title=_("Please give feedback on %(name)s") % {"name": reviewee},
                    body=_("Your answers are combined with other colleagues' and shown only as a group."),
                    url=reverse("reviews:feedback_inbox"),
                ),
            )
        )
    return nomination


def nomination_add(*, actor: Any, review: Review, rater: Employee) -> Nomination:
    """services_feedback.nomination_propose, and the manager told when the reviewee proposes someone.

    A manager or HR adding a peer (approved at once) tells nobody: requests go out when feedback opens.
    """
    nomination = services_feedback.nomination_propose(actor=actor, review=review, rater=rater)
    manager = review.manager
    user = getattr(manager, "user", None) if manager is not None else None
    if nomination.state == Nomination.State.PROPOSED and user is not None and user.is_active:
        reviewee = review.reviewee.name
        url = reverse("reviews:nominations", args=[review.pk])
        transaction.on_commit(
            lambda: notify(
                [user],
                lambda _u: Message(
                    title=_("%(name)s proposed a peer for 360° feedback") % {"name": reviewee},
                    body=_("Approve or remove the peers she proposed before peer selection ends."),
                    url=url,
                ),
            )
        )
    return nomination


# ---- customers ---------------------------------------------------------------------------------


def _invitation_email(*, review: Review, name: str, inviter: str, link: str, expires: Any) -> tuple[str, str]:
    """Subject and body of a customer's invitation, in the active language."""
    cycle = review.cycle
    english = (translation.get_language() or "").startswith("en")
    cycle_name = cycle.name_en if english and cycle.name_en else cycle.name
    reviewee = review.reviewee.english_name if english and review.reviewee.english_name else review.reviewee.name
    k = effective_k(cycle.anonymity_k)
    subject = _("Your feedback on %(reviewee)s, please") % {"reviewee": reviewee}
    body = "\n\n".join(
        [
            _("Hello %(name)s,") % {"name": name},
            _(
                "%(inviter)s asks for your feedback on %(reviewee)s for the performance review “%(cycle)s”. "
                "It takes about ten minutes and needs no account."
            )
            % {"inviter": inviter, "reviewee": reviewee, "cycle": cycle_name},
            _("Open this link to answer. It works for one submission and until %(date)s:") % {"date": expires},
            link,
            _(
                "Your answers are combined with those of other customers and shown only when at least %(k)s "
                "answered. Please do not forward this email: the link is yours."
            )
            % {"k": k},
            _("Thank you!"),
        ]
    )
    return subject, body


@transaction.atomic
def customer_invite_send(
    *,
    actor: Any,
    review: Review,
    email: str,
    name: str,
    language: str,
    link_for: Callable[[str], str],
) -> Nomination:
    """Invite a customer and email her the link (`link_for(token)`), in `language`; all or nothing.

    The token is in the email alone: it is not returned, shown, stored (only its hash is) or logged.
    If the email cannot be sent, the invitation is rolled back and the person is asked to try again.
    """
    nomination, token = services_feedback.customer_invite(actor=actor, review=review, email=email, name=name)
    invitation = nomination.invitation
    languages = {code for code, _label in settings.LANGUAGES}
    with translation.override(language if language in languages else settings.LANGUAGE_CODE):
        expires = formats.date_format(timezone.localtime(invitation.expires_at).date(), "DATE_FORMAT")
        inviter = _inviter_name(actor)
        subject, body = _invitation_email(
            review=review, name=nomination.name, inviter=inviter, link=link_for(token), expires=expires
        )
    message = EmailMessage(subject=subject, body=body, to=[nomination.email])
    try:
        sent = message.send(fail_silently=False)
    except OSError as exc:  # SMTP and socket errors; never log the message itself: it holds the token
        logger.warning("customer invitation %s: email not sent (%s)", nomination.pk, type(exc).__name__)
        sent = 0
    if not sent:
        raise DomainError(
            _("The invitation email could not be sent, so nothing was saved. Try again in a moment."),
            code="email_failed",
        )
    return nomination


def _inviter_name(actor: Any) -> str:
    employee = Employee.objects.filter(user=actor).only("name", "english_name").first()
    if employee is None:
        return actor.get_full_name() or actor.get_username()
    english = (translation.get_language() or "").startswith("en")
    return employee.english_name if english and employee.english_name else employee.name


# ---- HR's bulk assignment ----------------------------------------------------------------------


@transaction.atomic
def nominations_assign(*, actor: Any, cycle: Cycle, pairs: Sequence[tuple[Review, Employee]]) -> dict[str, int]:
    """Add each (review, rater) as an approved peer, as HR adding one by one would; returns what changed.

    The caller checked every pair with nomination_propose's rules (imports_nominations); this refuses the whole
    set if the cycle left peer selection or the actor is not HR of every review meanwhile. A pair already
    approved stays as it is; a proposed one is approved; a removed or declined one is asked again.
    """
    if cycle.state != Cycle.State.ACTIVE or cycle.phase != PhaseKind.PEER_SELECTION:
        raise DomainError(_("Peers are chosen during the peer-selection phase only."), code="wrong_phase")
    if any(review.cycle_id != cycle.pk or not permissions.can_administer_review(actor, review) for review, _r in pairs):
        raise DomainError(_("Only HR of these reviewees can assign their peers."), code="forbidden")
    wanted = {(review.pk, rater.pk) for review, rater in pairs}
    # The cycle's peer nominations, read once (a few columns each), rather than an OR of every pair.
    existing = {
        (n.review_id, n.rater_id): n
        for n in Nomination.objects.filter(review__cycle=cycle, kind=PEER).only(
            "id", "review_id", "rater_id", "state", "nominated_by_id"
        )
        if (n.review_id, n.rater_id) in wanted
    }
    now = timezone.now()
    new: list[Nomination] = []
    changed: list[Nomination] = []
    counts = {"added": 0, "approved": 0, "unchanged": 0}
    changes: list[Change] = []
    for review, rater in pairs:
        found = existing.get((review.pk, rater.pk))
        if found is not None and found.state == Nomination.State.APPROVED:
            counts["unchanged"] += 1
            continue
        if found is not None:
            counts["approved" if found.state == Nomination.State.PROPOSED else "added"] += 1
            before = found.state
            found.state, found.decided_by, found.decline_reason, found.updated_at = (
                Nomination.State.APPROVED,
                actor,
                "",
                now,
            )
            if before != Nomination.State.PROPOSED:
                found.nominated_by = actor
            changed.append(found)
        else:
            counts["added"] += 1
            new.append(
                Nomination(
                    review=review,
                    kind=PEER,
                    rater=rater,
                    state=Nomination.State.APPROVED,
                    nominated_by=actor,
                    decided_by=actor,
                )
            )
        changes.append(
            Change(
                target=review,
                before={"rater": rater.pk, "state": found.state if found else None} if found else None,
                after={"rater": rater.pk, "state": Nomination.State.APPROVED, "source": "import"},
            )
        )
    Nomination.objects.bulk_create(new, batch_size=1000)
    Nomination.objects.bulk_update(
        changed, ["state", "decided_by", "nominated_by", "decline_reason", "updated_at"], batch_size=1000
    )
    if changes:
        record_events(actor=actor, action="nomination.add", changes=changes)
    record_event(actor=actor, action="nomination.import", target=cycle, after=counts)
    return counts
