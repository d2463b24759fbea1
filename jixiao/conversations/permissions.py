"""The one gate to conversations (decision 0010). Missing and forbidden both answer 404.

- feedback: `feedback_for_user`, `request_for_user` and Feedback/FeedbackRequest visibility (continuous feedback);
- 1:1s: `one_on_one_for_user`, `meeting_for_user` — the two participants only; private notes their author only;
- plans: `improvement_plan_for_user`, `development_plan_for_user` — the employee, her chain and HR in scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from jixiao.audit.services import access_denied
from jixiao.core.parsing import parse_int
from jixiao.org.selectors import actor_context

from .models import ActionItem, AgendaItem, Meeting, OneOnOne

# ---- continuous feedback (helper G) -----------------------------------------------------------------
# Who reads which feedback is decided once, in selectors_feedback.feedback_visibility_q (decision 0010).


if TYPE_CHECKING:
    from .models import Feedback, FeedbackRequest


def feedback_for_user(user: Any, feedback_id: object) -> Feedback:
    """A piece of feedback `user` may read, with giver, recipient, objective and values; 404 otherwise."""
    from .selectors_feedback import feedback_visible_to

    pk = parse_int(feedback_id)
    feedback = (
        feedback_visible_to(user)
        .filter(pk=pk)
        .select_related("giver", "recipient", "objective", "request")
        .prefetch_related("values")
        .first()
        if pk
        else None
    )
    if feedback is None:
        raise access_denied(user, "conversations.feedback", feedback_id, write=False)
    return feedback


def request_for_user(user: Any, request_id: object, *, write: bool = False) -> FeedbackRequest:
    """A request for feedback its requester or its rater reads (write: the rater, to answer or decline); else 404."""
    from .selectors_feedback import request_visible_to

    pk = parse_int(request_id)
    request = (
        request_visible_to(user).filter(pk=pk).select_related("requester", "rater", "subject__manager").first()
        if pk
        else None
    )
    if request is not None and write and request.rater_id != actor_context(user).employee_id:
        request = None
    if request is None:
        raise access_denied(user, "conversations.feedbackrequest", request_id, write=write)
    return request


# ---- 1:1 meetings (helper H) ------------------------------------------------------------------------
# The two participants only: not the managers above them, not HR, not admins (decision 0010).


def one_on_one_q(user: Any) -> Q | None:
    """The filter on OneOnOne for the series `user` takes part in; None means "none"."""
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return None
    return Q(first_id=ctx.employee_id) | Q(second_id=ctx.employee_id)


def _series_rows(user: Any) -> QuerySet[OneOnOne]:
    q = one_on_one_q(user)
    return OneOnOne.objects.none() if q is None else OneOnOne.objects.filter(q)


def one_on_one_for_user(user: Any, one_on_one_id: object, *, write: bool = False) -> OneOnOne:
    """The 1:1 series if `user` is one of its two participants (and it is not archived, to write); 404 otherwise."""
    pk = parse_int(one_on_one_id)
    series = (
        _series_rows(user).filter(pk=pk).select_related("first__department", "second__department").first()
        if pk
        else None
    )
    if series is None or (write and series.archived):
        raise access_denied(user, "conversations.oneonone", one_on_one_id, write=write)
    return series


def meeting_for_user(user: Any, meeting_id: object, *, write: bool = False) -> Meeting:
    """The meeting if `user` takes part in its series (writing: a series not archived); 404 otherwise."""
    pk = parse_int(meeting_id)
    q = one_on_one_q(user)
    meeting = (
        Meeting.objects.filter(pk=pk, series__in=OneOnOne.objects.filter(q))
        .select_related("series__first__department", "series__second__department")
        .first()
        if pk and q is not None
        else None
    )
    if meeting is None or (write and meeting.series.archived):
        raise access_denied(user, "conversations.meeting", meeting_id, write=write)
    return meeting


def agenda_item_for_user(user: Any, item_id: object) -> AgendaItem:
    """An agenda item of a meeting `user` takes part in (both participants write the agenda); 404 otherwise."""
    pk = parse_int(item_id)
    q = one_on_one_q(user)
    item = (
        AgendaItem.objects.filter(
            pk=pk, meeting__series__in=OneOnOne.objects.filter(q), meeting__series__archived=False
        )
        .select_related("meeting__series")
        .first()
        if pk and q is not None
        else None
    )
    if item is None:
        raise access_denied(user, "conversations.agendaitem", item_id, write=True)
    return item


def action_item_for_user(user: Any, item_id: object) -> ActionItem:
    """An action item of a series `user` takes part in (either participant ticks it); 404 otherwise."""
    pk = parse_int(item_id)
    q = one_on_one_q(user)
    item = (
        ActionItem.objects.filter(pk=pk, series__in=OneOnOne.objects.filter(q), series__archived=False)
        .select_related("series", "meeting")
        .first()
        if pk and q is not None
        else None
    )
    if item is None:
        raise access_denied(user, "conversations.actionitem", item_id, write=True)
    return item


# ---- improvement plans (helper I) -------------------------------------------------------------------
# Read: the employee (once sent), her management chain, HR in scope, admins (selectors_pip.improvement_plan_q).
# Write (edit, send, extend, close): her current manager or HR in scope (services_pip.may_manage).


if TYPE_CHECKING:
    from .models import Checkpoint, ImprovementPlan


def improvement_plan_for_user(user: Any, plan_id: object, *, write: bool = False) -> ImprovementPlan:
    """The improvement plan if `user` may read it (write: manage it); 404 otherwise."""
    from .selectors_pip import visible_to
    from .services_pip import may_manage

    pk = parse_int(plan_id)
    plan = (
        visible_to(user).filter(pk=pk).select_related("employee__department", "employee__user", "manager").first()
        if pk
        else None
    )
    if plan is None or (write and not may_manage(user, plan)):
        raise access_denied(user, "conversations.improvementplan", plan_id, write=write)
    return plan


def checkpoint_for_user(user: Any, checkpoint_id: object) -> Checkpoint:
    """A checkpoint of a plan `user` may read (the service then checks she may write a note); 404 otherwise."""
    from .models import Checkpoint
    from .selectors_pip import visible_to

    pk = parse_int(checkpoint_id)
    checkpoint = (
        Checkpoint.objects.filter(pk=pk, plan__in=visible_to(user).values("pk"))
        .select_related("plan__employee__department")
        .first()
        if pk
        else None
    )
    if checkpoint is None:
        raise access_denied(user, "conversations.checkpoint", checkpoint_id, write=True)
    return checkpoint


# ---- development plans (helper J) -------------------------------------------------------------------
# The employee writes her plan; her manager and everyone above read and comment; HR in scope reads (0010).


if TYPE_CHECKING:
    from .models import DevelopmentPlan


def development_plan_for_user(
    user: Any, plan_id: object, *, write: bool = False, comment: bool = False
) -> DevelopmentPlan:
    """The development plan if `user` may read it (write: its employee; comment: she or her managers); else 404."""
    from .models import DevelopmentPlan
    from .selectors_idp import development_plan_visibility_q, plan_role

    pk = parse_int(plan_id)
    q = development_plan_visibility_q(user)
    plan = (
        DevelopmentPlan.objects.filter(q).filter(pk=pk).select_related("employee__department").first()
        if pk and q is not None
        else None
    )
    if plan is not None and (write or comment):
        role = plan_role(actor_context(user), plan)
        if (write and not role.can_write) or (comment and not role.can_comment):
            plan = None
    if plan is None:
        raise access_denied(user, "conversations.developmentplan", plan_id, write=write or comment)
    return plan
