"""Writes on continuous feedback: give (or answer a request), ask for feedback, decline a request (decision 0010).

Each service is keyword-only, atomic and audited; a refused write raises DomainError with a translated message
(and `fields` keyed by form field) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError
from jixiao.core.notifications import Message, notify
from jixiao.goals.models import CompanyValue, Objective
from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context

from .models import Feedback, FeedbackRequest
from .selectors_feedback import CURRENT, may_read

MAX_TEXT = 5000
MAX_RATERS = 20


def _me(actor: Any) -> Employee:
    ctx = actor_context(actor)
    if ctx.employee_id is None:
        raise DomainError(
            _("Your account is not linked to an employee record, so you cannot give or ask for feedback.")
        )
    return Employee.objects.select_related("manager").get(pk=ctx.employee_id)


def _visible(actor: Any, employee: Employee) -> bool:
    return (
        Employee.objects.visible_to(actor).filter(pk=employee.pk, status__in=CURRENT).exists()
        and employee.status in CURRENT
    )


def _users_to_tell(employee_ids: Iterable[int | None]) -> list[Any]:
    """The active accounts of these people while they are still with the company."""
    ids = {pk for pk in employee_ids if pk is not None}
    if not ids:
        return []
    people = Employee.objects.filter(pk__in=ids, status__in=CURRENT, user__is_active=True).select_related("user")
    return [p.user for p in people if p.user is not None]


@transaction.atomic
def feedback_give(
    *,
    actor: Any,
    recipient: Employee,
    kind: str,
    text: str,
    visibility: str,
    values: Sequence[CompanyValue | int] = (),
    objective: Objective | None = None,
    request: FeedbackRequest | None = None,
) -> Feedback:
    """Give praise or a suggestion to a colleague (or answer a request for feedback); tell those who may read it.

    Feedback to one's own manager (upward) is stored with at least "manager" visibility: her own manager always
    reads it, so a complaint about a manager cannot be buried with her.
    """
    giver = _me(actor)
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in Feedback.Kind.values:
        errors["kind"] = [_("Choose praise or a suggestion.")]
    if visibility not in Feedback.Visibility.values:
        errors["visibility"] = [_("Choose who can see it.")]
    elif visibility == Feedback.Visibility.PUBLIC and kind == Feedback.Kind.SUGGESTION:
        errors["visibility"] = [
            _("Suggestions cannot be public. Choose “only the recipient” or “the recipient and her manager”.")
        ]
    if not text:
        errors["text"] = [_("Write your feedback.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("Keep it under %(n)s characters.") % {"n": MAX_TEXT}]
    if recipient.pk == giver.pk:
        errors["recipient"] = [_("You cannot give feedback to yourself.")]
    elif not _visible(actor, recipient):
        errors["recipient"] = [_("Pick a current colleague from the search results.")]
    if request is not None:
        if request.rater_id != giver.pk:
            raise DomainError(_("This request was not sent to you."))
        if request.state != FeedbackRequest.State.OPEN:
            raise DomainError(_("This request is already answered or declined."))
        if request.subject_id != recipient.pk:
            errors["recipient"] = [_("The answer goes to the person the request is about.")]
    if objective is not None and not (
        objective.employee_id == recipient.pk and Objective.objects.visible_to(actor).filter(pk=objective.pk).exists()
    ):
        errors["objective"] = [_("Pick one of her objectives that you can see.")]
    elif objective is not None and visibility == Feedback.Visibility.PUBLIC and objective.visibility != "public":
        errors["objective"] = [_("Praise on the wall can only link an objective everyone can see.")]
    value_ids = sorted({v.pk if isinstance(v, CompanyValue) else int(v) for v in values})
    if value_ids and CompanyValue.objects.filter(pk__in=value_ids, active=True).count() != len(value_ids):
        errors["values"] = [_("Pick values from the list.")]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)

    if request is not None:
        # Two answers racing: the second finds the request answered and writes nothing.
        if not FeedbackRequest.objects.filter(pk=request.pk, state=FeedbackRequest.State.OPEN).update(
            state=FeedbackRequest.State.ANSWERED, updated_at=timezone.now()
        ):
            raise DomainError(_("This request is already answered or declined."))
        request.state = FeedbackRequest.State.ANSWERED
    chosen = visibility
    upward = giver.manager_id == recipient.pk
    if upward and visibility == Feedback.Visibility.PRIVATE:
        visibility = Feedback.Visibility.MANAGER
    feedback = Feedback.objects.create(
        giver=giver,
        recipient=recipient,
        kind=kind,
        text=text,
        visibility=visibility,
        objective=objective,
        request=request,
        recipient_manager_id=recipient.manager_id,
    )
    if value_ids:
        feedback.values.set(value_ids)
    record_event(
        actor=actor,
        action="feedback.give",
        target=feedback,
        target_label=recipient.name,
        after={
            "giver": giver.pk,
            "recipient": recipient.pk,
            "kind": kind,
            "visibility": visibility,
            "chosen_visibility": chosen,
            "upward": upward,
            "recipient_manager": recipient.manager_id,
            "values": value_ids,
            "objective": objective.pk if objective else None,
            "request": request.pk if request else None,
        },
    )
    _tell_about(feedback, giver, request)
    return feedback


def _tell_about(feedback: Feedback, giver: Employee, request: FeedbackRequest | None) -> None:
    """The recipient, her manager when she may read it, and the requester of an answered request."""
    requester_id = request.requester_id if request else None
    url = reverse("conversations:feedback_detail", args=[feedback.pk])
    candidates = [feedback.recipient_id, feedback.recipient_manager_id, requester_id]
    readers = [pk for pk in candidates if pk != giver.pk and may_read(pk, feedback, requester_id)]
    # Public praise is for the recipient; her manager reads it on the wall without a message.
    if feedback.visibility == Feedback.Visibility.PUBLIC:
        readers = [pk for pk in readers if pk != feedback.recipient_manager_id or pk == requester_id]
    users = _users_to_tell(readers)
    if not users:
        return
    by_user = {e.user_id: e.pk for e in Employee.objects.filter(user__in=users).only("pk", "user_id")}
    recipient_name = feedback.recipient.name

    def render(user: Any) -> Message:
        who = by_user.get(user.pk)
        if who == feedback.recipient_id:
            title = (
                _("%(name)s praised you") if feedback.kind == Feedback.Kind.PRAISE else _("%(name)s has a suggestion")
            ) % {"name": giver.name}
        elif who == requester_id:
            title = _("%(name)s answered your request for feedback") % {"name": giver.name}
        else:
            title = _("%(giver)s gave feedback to %(name)s") % {"giver": giver.name, "name": recipient_name}
        return Message(title=title, body=feedback.text[:500], url=url)

    notify(users, render)


@transaction.atomic
def feedback_request_create(
    *,
    actor: Any,
    raters: Sequence[Employee],
    subject: Employee,
    topic: str,
    due_on: dt.date | None = None,
) -> list[FeedbackRequest]:
    """Ask chosen colleagues for feedback about something specific, on oneself or someone one manages."""
    requester = _me(actor)
    ctx = actor_context(actor)
    topic = (topic or "").strip()
    errors: dict[str, list[str]] = {}
    if subject.pk != requester.pk and not (ctx.manages(subject.chain) and subject.status in CURRENT):
        errors["subject"] = [_("You can ask for feedback on yourself or on someone in your team.")]
    if not topic:
        errors["topic"] = [_("Say what you would like feedback on.")]
    elif len(topic) > 300:
        errors["topic"] = [_("Keep it under %(n)s characters.") % {"n": 300}]
    if due_on is not None and due_on < timezone.localdate():
        errors["due_on"] = [_("Pick a date from today on.")]
    unique = list({r.pk: r for r in raters}.values())
    if not unique:
        errors["raters"] = [_("Pick at least one colleague to ask.")]
    elif len(unique) > MAX_RATERS:
        errors["raters"] = [_("Ask at most %(n)s people at a time.") % {"n": MAX_RATERS}]
    elif any(r.pk == subject.pk for r in unique):
        errors["raters"] = [_("The person the feedback is about cannot be asked for it.")]
    elif any(r.pk == requester.pk for r in unique):
        errors["raters"] = [_("You cannot ask yourself. Give your feedback directly instead.")]
    else:
        visible = set(
            Employee.objects.visible_to(actor)
            .filter(pk__in=[r.pk for r in unique], status__in=CURRENT)
            .values_list("pk", flat=True)
        )
        if len(visible) != len(unique):
            errors["raters"] = [_("Pick current colleagues from the search results.")]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)

    rows = FeedbackRequest.objects.bulk_create(
        [FeedbackRequest(requester=requester, rater=r, subject=subject, topic=topic, due_on=due_on) for r in unique]
    )
    for row in rows:
        record_event(
            actor=actor,
            action="feedback_request.create",
            target=row,
            target_label=topic[:100],
            after={"rater": row.rater_id, "subject": subject.pk, "due_on": due_on},
        )
    url = reverse("conversations:feedback_requests")
    about_self = subject.pk == requester.pk

    def render(user: Any) -> Message:
        if about_self:
            title = _("%(name)s asks for your feedback") % {"name": requester.name}
        else:
            title = _("%(name)s asks for your feedback on %(subject)s") % {
                "name": requester.name,
                "subject": subject.name,
            }
        return Message(title=title, body=topic, url=url)

    notify(_users_to_tell(r.pk for r in unique), render)
    return rows


@transaction.atomic
def feedback_request_decline(*, actor: Any, request: FeedbackRequest, reason: str) -> FeedbackRequest:
    """The one asked says no, with a reason the requester reads."""
    me = _me(actor)
    reason = (reason or "").strip()
    if request.rater_id != me.pk:
        raise DomainError(_("This request was not sent to you."))
    if request.state != FeedbackRequest.State.OPEN:
        raise DomainError(_("This request is already answered or declined."))
    if not reason:
        raise DomainError(_("Say why you decline, so she can ask someone else."), fields={"reason": [_("Required.")]})
    if len(reason) > 1000:
        raise DomainError(_("Keep it under %(n)s characters.") % {"n": 1000}, fields={"reason": [_("Too long.")]})
    updated = FeedbackRequest.objects.filter(pk=request.pk, state=FeedbackRequest.State.OPEN).update(
        state=FeedbackRequest.State.DECLINED, decline_reason=reason, updated_at=timezone.now()
    )
    if not updated:
        raise DomainError(_("This request is already answered or declined."))
    request.state, request.decline_reason = FeedbackRequest.State.DECLINED, reason
    record_event(actor=actor, action="feedback_request.decline", target=request, after={"reason": reason})
    url = reverse("conversations:feedback_requests")

    def render(user: Any) -> Message:
        return Message(
            title=_("%(name)s declined your request for feedback") % {"name": me.name},
            body=f"{request.topic}\n\n{reason}",
            url=url,
        )

    notify(_users_to_tell([request.requester_id]), render)
    return request
