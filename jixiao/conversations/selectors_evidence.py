"""The evidence panel of the manager's review form: what happened in the review's period, so ratings rest on facts.

For the review's manager, skip-level manager or HR in scope (decision 0010), within the review's period: the
reviewee's feedback received that the reader may read, check-ins of her objectives, her KPI actuals, action items
of the 1:1 series the reader shares with her, and the checkpoints of her improvement plans. Five queries after
the gate, whatever the data size: each list is the newest `LIMIT` rows, with a flag when there are more.
Feedback, action items and checkpoints come from selectors_feedback / selectors_meetings / selectors_pip, which
own their visibility rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from jixiao.audit.services import access_denied
from jixiao.goals.models import CheckIn, KPIActual, KPITarget, Objective
from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context
from jixiao.reviews.models import Review
from jixiao.reviews.permissions import review_for_user
from jixiao.reviews.selectors import reader_role

from .scope import period_bounds
from .selectors_feedback import feedback_received_in
from .selectors_meetings import action_items_in
from .selectors_pip import checkpoints_in

LIMIT = 8
READER_ROLES = ("manager", "skip_level", "hr")


@dataclass
class Items:
    rows: list[Any] = field(default_factory=list)
    more: bool = False


@dataclass
class Evidence:
    review: Review
    start: dt.date
    end: dt.date
    feedback: Items
    check_ins: Items
    actuals: Items
    action_items: Items
    checkpoints: Items

    @property
    def empty(self) -> bool:
        return not any(
            i.rows for i in (self.feedback, self.check_ins, self.actuals, self.action_items, self.checkpoints)
        )


def review_for_evidence(user: Any, review_id: object) -> Review:
    """The review, if the reader is its manager, its skip-level manager or HR in scope; 404 otherwise."""
    review = review_for_user(user, review_id)
    if reader_role(actor_context(user), review, review.reviewee.chain) not in READER_ROLES:
        raise access_denied(user, "reviews.review", review_id, write=False)
    return review


def _take(rows: Sequence[Any]) -> Items:
    return Items(list(rows[:LIMIT]), len(rows) > LIMIT)


def _feedback(user: Any, employee: Employee, start: dt.date, end: dt.date) -> Items:
    return _take(feedback_received_in(user, employee, start, end, LIMIT + 1))


def _newest(rows: QuerySet[Any], when: str) -> Items:
    """The newest LIMIT rows by `when` (then id), and whether there are more: one query."""
    return _take(list(rows.order_by(f"-{when}", "-pk")[: LIMIT + 1]))


def _check_ins(user: Any, employee: Employee, since: dt.datetime, until: dt.datetime) -> Items:
    return _newest(
        CheckIn.objects.filter(
            key_result__objective__employee=employee,
            # Narrowed to her objectives first: "every objective the reader sees" scanned 24k rows per request.
            key_result__objective__in=Objective.objects.visible_to(user).filter(employee=employee).values("pk"),
            created_at__gte=since,
            created_at__lt=until,
        ).select_related("key_result__objective"),
        "created_at",
    )


def _actuals(user: Any, employee: Employee, start: dt.date, end: dt.date) -> Items:
    return _newest(
        KPIActual.objects.filter(
            target__employee=employee,
            target__in=KPITarget.objects.visible_to(user).filter(employee=employee).values("pk"),
            measured_on__gte=start,
            measured_on__lte=end,
        ).select_related("target__indicator"),
        "measured_on",
    )


def _action_items(user: Any, employee: Employee, start: dt.date, end: dt.date) -> Items:
    return _take(action_items_in(user, employee, start, end, limit=LIMIT + 1))


def _checkpoints(user: Any, employee: Employee, start: dt.date, end: dt.date) -> Items:
    # Oldest first from selectors_pip; the panel shows the newest, like every other list.
    rows = checkpoints_in(user, employee, start, end)[::-1]
    return _take(rows)


def evidence_for(user: Any, review: Review) -> Evidence:
    """The panel for a reader who passed `review_for_evidence` (five queries)."""
    if reader_role(actor_context(user), review, review.reviewee.chain) not in READER_ROLES:
        raise Http404
    period = review.cycle.period
    start, end = period.start, period.end
    since, until = period_bounds(start, end)
    employee = review.reviewee
    return Evidence(
        review=review,
        start=start,
        end=end,
        feedback=_feedback(user, employee, start, end),
        check_ins=_check_ins(user, employee, since, until),
        actuals=_actuals(user, employee, start, end),
        action_items=_action_items(user, employee, start, end),
        checkpoints=_checkpoints(user, employee, start, end),
    )
