"""Conversations endpoints (decision 0010) under /api/v1/conversations: feedback received and given, giving
feedback, my open 1:1 action items (tick done / reopen), an improvement plan and a development plan.

Each handler parses, passes the gate in permissions.py (or a listing filtered on the reader), calls one service
and answers — the same gates and services as the pages, so they cannot drift apart. Missing and forbidden are
both 404. A rule the service refuses answers 400 with the service's translated message and `fields`; input that
does not fit the schema answers 422, and nothing is written in either case.

Feedback lists are newest first, paged by keyset on (created_at, id) with a signed, opaque cursor.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from jixiao.core.api import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, etag_for, invalid_query, keyset_page
from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.goals.models import Objective
from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context

from . import permissions, selectors_feedback, selectors_idp, selectors_pip, services_feedback, services_meetings
from .models import ActionItem, DevelopmentAction, DevelopmentPlan, Feedback, ImprovementPlan
from .schemas import (
    ActionItemOut,
    ActionItemPage,
    CheckpointOut,
    CompetencyRef,
    DevelopmentActionOut,
    DevelopmentPlanOut,
    DevelopmentRoleOut,
    ExpectationOut,
    FeedbackIn,
    FeedbackOut,
    FeedbackPage,
    ImprovementPlanOut,
    MeetingRef,
    NeedOut,
    NoteOut,
    ObjectiveRef,
    PageFilters,
    PersonRef,
    PlanRoleOut,
    ValueRef,
)

router = Router(tags=["conversations"])

CURSOR_SALT = "jixiao.api.cursor.conversations-feedback"


# ---- answers -----------------------------------------------------------------------------------


def _person(employee: Employee) -> PersonRef:
    return PersonRef(id=employee.pk, name=employee.name, english_name=employee.english_name)


def feedback_out(feedback: Feedback) -> FeedbackOut:
    """Feedback with giver, recipient, objective loaded and values prefetched."""
    objective = feedback.objective
    return FeedbackOut(
        id=feedback.pk,
        kind=Feedback.Kind(feedback.kind),
        text=feedback.text,
        visibility=Feedback.Visibility(feedback.visibility),
        giver=_person(feedback.giver),
        recipient=_person(feedback.recipient),
        values=[ValueRef(id=v.pk, name=v.name, name_en=v.name_en) for v in feedback.values.all()],
        objective=ObjectiveRef(id=objective.pk, title=objective.title) if objective is not None else None,
        request=feedback.request_id,
        created_at=feedback.created_at,
    )


def action_item_out(item: ActionItem, me: int | None) -> ActionItemOut:
    """An action item with its owner, series (both participants) and meeting loaded."""
    series = item.series
    other = series.second if series.first_id == me else series.first
    return ActionItemOut(
        id=item.pk,
        text=item.text,
        owner=_person(item.owner),
        due_on=item.due_on,
        overdue=item.done_at is None and item.due_on is not None and item.due_on < timezone.localdate(),
        done_at=item.done_at,
        series=series.pk,
        other=_person(other),
        meeting=MeetingRef(id=item.meeting.pk, held_on=item.meeting.held_on),
    )


# ---- keyset pages of feedback, newest first --------------------------------------------------------


def _feedback_cursor(cursor: str | None) -> str | None:
    """The selectors' `before` cursor inside the signed one the API hands out; 422 when it was tampered with."""
    if not cursor:
        return None
    try:
        before = signing.loads(cursor, salt=CURSOR_SALT)
    except signing.BadSignature:
        before = None
    if not isinstance(before, str) or selectors_feedback.parse_cursor(before) is None:
        raise invalid_query("cursor", _("This cursor is not valid. Start again without one."))
    return before


def _feedback_page(page: selectors_feedback.Page) -> FeedbackPage:
    return FeedbackPage(
        items=[feedback_out(f) for f in page.rows],
        next_cursor=signing.dumps(page.next_cursor, salt=CURSOR_SALT) if page.next_cursor else None,
    )


# ---- feedback ----------------------------------------------------------------------------------


@router.get(
    "/feedback/received",
    response={200: FeedbackPage, **READ_ERRORS},
    summary="List feedback I received",
    url_name="conversations_feedback_received",
)
def feedback_received(request: AuthedRequest, filters: Query[PageFilters]) -> FeedbackPage:
    """Praise and suggestions given to you, newest first, whatever their visibility."""
    before = _feedback_cursor(filters.cursor)
    return _feedback_page(selectors_feedback.feedback_received(user=request.user, before=before, size=filters.limit))


@router.get(
    "/feedback/given",
    response={200: FeedbackPage, **READ_ERRORS},
    summary="List feedback I gave",
    url_name="conversations_feedback_given",
)
def feedback_given(request: AuthedRequest, filters: Query[PageFilters]) -> FeedbackPage:
    """Praise and suggestions you gave, newest first."""
    before = _feedback_cursor(filters.cursor)
    return _feedback_page(selectors_feedback.feedback_given(user=request.user, before=before, size=filters.limit))


@router.get(
    "/feedback/{feedback_id}",
    response={200: FeedbackOut, **READ_ERRORS},
    summary="Read one piece of feedback",
    url_name="conversations_feedback_read",
)
def feedback_read(request: AuthedRequest, feedback_id: int) -> FeedbackOut:
    """Feedback you may read: yours (given or received), your report's when shared with her manager, public
    praise, or an answer to your request."""
    return feedback_out(permissions.feedback_for_user(request.user, feedback_id))


def _recipient(user: Any, employee_id: int) -> Employee:
    recipient = selectors_feedback.visible_colleague(user, employee_id)
    if recipient is None:
        raise DomainError(_("Person not found."), fields={"recipient": [_("Not found.")]})
    return recipient


def _objective(user: Any, objective_id: int | None) -> Objective | None:
    if objective_id is None:
        return None
    objective = Objective.objects.visible_to(user).filter(pk=objective_id).first()
    if objective is None:
        message = _("Pick one of her objectives that you can see.")
        raise DomainError(message, fields={"objective": [message]})
    return objective


def _request(user: Any, request_id: int | None) -> Any:
    if request_id is None:
        return None
    try:
        return permissions.request_for_user(user, request_id, write=True)
    except Http404:
        raise DomainError(_("This request was not sent to you."), fields={"request": [_("Not found.")]}) from None


@router.post(
    "/feedback",
    response={201: FeedbackOut, **CREATE_ERRORS},
    summary="Give feedback",
    url_name="conversations_feedback_give",
)
def feedback_give(request: AuthedRequest, payload: FeedbackIn, response: HttpResponse) -> Status[FeedbackOut]:
    """Give praise or a suggestion to a colleague, or answer a request for feedback sent to you. The same rules
    as the page: suggestions cannot be public; feedback to your own manager is stored as shared with her manager
    when you chose `private`."""
    feedback = services_feedback.feedback_give(
        actor=request.user,
        recipient=_recipient(request.user, payload.recipient),
        kind=payload.kind,
        text=payload.text,
        visibility=payload.visibility,
        values=payload.values,
        objective=_objective(request.user, payload.objective),
        request=_request(request.user, payload.request),
    )
    response["Location"] = reverse("api:conversations_feedback_read", args=[feedback.pk])
    return Status(201, feedback_out(permissions.feedback_for_user(request.user, feedback.pk)))


# ---- 1:1 action items ----------------------------------------------------------------------------


def _with_series(qs: Any) -> Any:
    return qs.select_related("owner", "series__first", "series__second", "meeting")


@router.get(
    "/action-items",
    response={200: ActionItemPage, **READ_ERRORS},
    summary="List my open 1:1 action items",
    url_name="conversations_action_items",
)
def action_items(request: AuthedRequest, filters: Query[PageFilters]) -> ActionItemPage:
    """The open action items you own in your 1:1s (not archived), oldest first, with the other participant."""
    me = actor_context(request.user).employee_id
    qs = _with_series(ActionItem.objects.filter(owner_id=me, done_at__isnull=True, series__archived=False))
    if me is None:
        qs = qs.none()
    rows, next_cursor = keyset_page(
        qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="conversations-action-items"
    )
    return ActionItemPage(items=[action_item_out(item, me) for item in rows], next_cursor=next_cursor)


def _ticked(request: AuthedRequest, item_id: int, *, done: bool) -> ActionItemOut:
    item = permissions.action_item_for_user(request.user, item_id)
    if done:
        services_meetings.action_item_complete(actor=request.user, item=item)
    else:
        services_meetings.action_item_reopen(actor=request.user, item=item)
    fresh = _with_series(ActionItem.objects.filter(pk=item.pk)).get()
    return action_item_out(fresh, actor_context(request.user).employee_id)


@router.post(
    "/action-items/{item_id}/done",
    response={200: ActionItemOut, **WRITE_ERRORS},
    summary="Tick a 1:1 action item done",
    url_name="conversations_action_item_done",
)
def action_item_done(request: AuthedRequest, item_id: int) -> ActionItemOut:
    """Either participant of the 1:1 ticks an item done; it stops carrying over. Ticking a done item again
    changes nothing."""
    return _ticked(request, item_id, done=True)


@router.post(
    "/action-items/{item_id}/reopen",
    response={200: ActionItemOut, **WRITE_ERRORS},
    summary="Reopen a 1:1 action item",
    url_name="conversations_action_item_reopen",
)
def action_item_reopen(request: AuthedRequest, item_id: int) -> ActionItemOut:
    """Open a done item again: it carries over to the next meetings until done."""
    return _ticked(request, item_id, done=False)


# ---- plans -------------------------------------------------------------------------------------


@router.get(
    "/improvement-plans/{plan_id}",
    response={200: ImprovementPlanOut, **READ_ERRORS},
    summary="Read an improvement plan",
    url_name="conversations_improvement_plan_read",
)
def improvement_plan_read(request: AuthedRequest, plan_id: int, response: HttpResponse) -> ImprovementPlanOut:
    """An improvement plan (PIP) for its readers only: the employee (once sent), her management chain and HR in
    scope. Expectations, checkpoints with both sides' progress notes, and what you may do now."""
    plan = permissions.improvement_plan_for_user(request.user, plan_id)
    page = selectors_pip.plan_page(user=request.user, plan=plan, history=False)
    response["ETag"] = etag_for(plan.version)
    return _improvement_plan_out(plan, page)


def _improvement_plan_out(plan: ImprovementPlan, page: selectors_pip.PlanPage) -> ImprovementPlanOut:
    return ImprovementPlanOut(
        id=plan.pk,
        state=ImprovementPlan.State(plan.state),
        employee=_person(plan.employee),
        manager=_person(plan.manager),
        gaps=plan.gaps,
        support=plan.support,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        acknowledged_at=plan.acknowledged_at,
        extended_at=plan.extended_at,
        expectations_version=plan.expectations_version,
        outcome=plan.outcome,
        expectations=[ExpectationOut(text=e.text, measure=e.measure) for e in page.expectations],
        checkpoints=[
            CheckpointOut(
                id=c.pk,
                title=c.title,
                due_on=c.due_on,
                notes=[
                    NoteOut(author=_person(n.author), text=n.text, created_at=n.created_at)
                    for n in getattr(c, "note_rows", [])
                ],
            )
            for c in page.checkpoints
        ],
        awaiting_acknowledgement=page.awaiting_me,
        you=PlanRoleOut(
            is_employee=page.role.is_employee,
            can_manage=page.role.can_manage,
            can_note=page.role.can_note,
            actions=sorted(page.role.actions),
        ),
        version=plan.version,
    )


@router.get(
    "/development-plans/{plan_id}",
    response={200: DevelopmentPlanOut, **READ_ERRORS},
    summary="Read a development plan",
    url_name="conversations_development_plan_read",
)
def development_plan_read(request: AuthedRequest, plan_id: int, response: HttpResponse) -> DevelopmentPlanOut:
    """A development plan (IDP) for its readers: the employee, her management chain and HR in scope. Needs with
    the competency and review that suggested them, actions and progress."""
    plan = permissions.development_plan_for_user(request.user, plan_id)
    page = selectors_idp.plan_page(request.user, plan)
    response["ETag"] = etag_for(plan.version)
    return _development_plan_out(plan, page)


def _development_plan_out(plan: DevelopmentPlan, page: selectors_idp.PlanPage) -> DevelopmentPlanOut:
    return DevelopmentPlanOut(
        id=plan.pk,
        employee=_person(plan.employee),
        title=plan.title,
        state=DevelopmentPlan.State(plan.state),
        owner_comment=plan.owner_comment,
        manager_comment=plan.manager_comment,
        needs=[
            NeedOut(
                id=n.pk,
                text=n.text,
                competency=(
                    CompetencyRef(id=n.competency.pk, name=n.competency.name, name_en=n.competency.name_en)
                    if n.competency is not None
                    else None
                ),
                review=n.review_id,
            )
            for n in page.needs
        ],
        actions=[
            DevelopmentActionOut(
                id=a.pk,
                kind=DevelopmentAction.Kind(a.kind),
                title=a.title,
                due_on=a.due_on,
                status=DevelopmentAction.Status(a.status),
                need=a.need_id,
            )
            for a in page.actions
        ],
        done=page.done,
        total=page.total,
        progress=page.progress,
        you=DevelopmentRoleOut(role=page.role.role, can_write=page.role.can_write, can_comment=page.role.can_comment),
        version=plan.version,
    )
