"""The home page's conversations card: what waits for the reader between review cycles — in one query.

- her improvement plan, if she has one she reads as the employee: waiting for her acknowledgement, running
  (active or extended), or closed in the last CLOSED_DAYS days; a plan waiting for her acknowledgement first;
- the open 1:1 action items she owns (in series that are not archived), and how many are overdue;
- the open requests for feedback waiting for her answer.

The navigation has no "My improvement plan" link: it is on every page, and a flag there would cost every page a
query (the layout's flags come from the reader's cached context, which knows nothing about plans). The card is
where she finds her plan; the notification that a plan was sent links to it too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context

from .models import ActionItem, FeedbackRequest, ImprovementPlan

S = ImprovementPlan.State
CLOSED_DAYS = 90
RUNNING = (S.PENDING, S.ACTIVE, S.EXTENDED)
CLOSED = (S.PASSED, S.NOT_PASSED, S.CANCELLED)


def my_plan_q(employee_id: int, *, now: dt.datetime | None = None) -> Q:
    """Plans about the employee that she reads as the employee and that still matter to her (module docstring)."""
    since = (now or timezone.now()) - dt.timedelta(days=CLOSED_DAYS)
    return Q(employee_id=employee_id) & (Q(state__in=RUNNING) | Q(state__in=CLOSED, updated_at__gte=since))


def _count(qs: Any, key: str) -> Coalesce:
    """A correlated COUNT(*) of `qs` as a scalar subquery (0 when there are no rows)."""
    counted = qs.order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def home_card(user: Any) -> dict[str, Any] | None:
    """The card's numbers, or None when nothing waits for the reader (one query for anyone with a record)."""
    me = actor_context(user).employee_id
    if me is None:
        return None
    today = timezone.localdate()
    plans = (
        ImprovementPlan.objects.filter(my_plan_q(me))
        .annotate(waiting=Case(When(state=S.PENDING, then=Value(0)), When(state__in=RUNNING, then=Value(1)), default=2))
        .order_by("waiting", "-created_at", "-pk")
    )
    open_actions = ActionItem.objects.filter(owner_id=OuterRef("pk"), done_at__isnull=True, series__archived=False)
    row = (
        Employee.objects.filter(pk=me)
        .annotate(
            plan_id=Subquery(plans.values("pk")[:1]),
            plan_state=Subquery(plans.values("state")[:1]),
            actions=_count(open_actions, "owner_id"),
            overdue=_count(open_actions.filter(due_on__lt=today), "owner_id"),
            requests=_count(
                FeedbackRequest.objects.filter(rater_id=OuterRef("pk"), state=FeedbackRequest.State.OPEN), "rater_id"
            ),
        )
        .values("plan_id", "plan_state", "actions", "overdue", "requests")
        .first()
    )
    if row is None or not (row["plan_id"] or row["actions"] or row["requests"]):
        return None
    state = row["plan_state"] or ""
    return {
        "template": "conversations/home_card.html",
        "plan_id": row["plan_id"],
        "plan_state": state,
        "plan_label": S(state).label if state else "",
        "plan_waiting": state == S.PENDING,
        "plan_closed": state in CLOSED,
        "actions": row["actions"],
        "overdue": row["overdue"],
        "requests": row["requests"],
    }
