"""Reads on improvement plans (PIP, decision 0010), each a fixed number of queries.

Who reads a plan (`improvement_plan_q`): the employee (once it is sent — a draft is still being prepared by her
manager and HR), her management chain (her current manager and everyone above her, by `Employee.chain`), HR whose
scope holds her department, and admins. Peers, outsiders and HR of other units read nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from jixiao.audit.models import AuditEvent
from jixiao.audit.selectors import action_label
from jixiao.org.models import Employee, Status
from jixiao.org.selectors import ActorContext, actor_context

from .models import Checkpoint, CheckpointNote, Expectation, ImprovementPlan
from .scope import below_q, hr_scope_q
from .services_pip import (
    CLOSED_STATES,
    LOCKED_STATES,
    NOTE_STATES,
    OPEN_STATES,
    TARGET_TYPE,
    TRANSITIONS,
)

S = ImprovementPlan.State
PAGE_SIZE = 50


def improvement_plan_q(user: Any) -> Q | None:
    """The filter on ImprovementPlan for the plans `user` may read; None means "none"."""
    ctx = actor_context(user)
    if ctx.is_admin:
        return Q()
    if ctx.employee_id is None and not ctx.hr_paths:
        return None
    q = hr_scope_q(ctx)
    if ctx.employee_id is not None:
        me = ctx.employee_id
        # HR reading her own plan reads it as the employee (not the draft being prepared about her).
        q &= ~Q(employee_id=me)
        q |= Q(employee_id=me) & ~Q(state=S.DRAFT)
        q |= below_q(ctx)
    return q


def visible_to(user: Any) -> QuerySet[ImprovementPlan]:
    """The plans `user` may read: the one listing every page, export and the evidence panel start from."""
    q = improvement_plan_q(user)
    return ImprovementPlan.objects.none() if q is None else ImprovementPlan.objects.filter(q)


# ---- the reader's role -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRole:
    """What one reader may do on one plan (the page shows only these actions)."""

    is_employee: bool
    is_manager: bool  # her current manager: writes notes, manages the plan
    can_manage: bool  # her manager or HR in scope: edit, send, extend, change expectations, close
    can_note: bool
    actions: frozenset[str] = field(default_factory=frozenset)


def plan_role(ctx: ActorContext, plan: ImprovementPlan) -> PlanRole:
    me = ctx.employee_id
    is_employee = me is not None and me == plan.employee_id
    is_manager = me is not None and me == plan.employee.manager_id
    can_manage = not is_employee and (is_manager or ctx.in_hr_scope(plan.employee.department.path))
    possible = {action for (state, action) in TRANSITIONS if state == plan.state}
    actions: set[str] = set()
    if is_employee and "acknowledge" in possible:
        actions.add("acknowledge")
    if can_manage:
        actions |= possible - {"acknowledge"}
        if plan.state in OPEN_STATES:
            actions.add("update")
    return PlanRole(
        is_employee=is_employee,
        is_manager=is_manager,
        can_manage=can_manage,
        can_note=(is_employee or is_manager) and plan.state in NOTE_STATES,
        actions=frozenset(actions),
    )


# ---- the plan page ---------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    when: dt.datetime
    who: str
    action: str
    label: str


@dataclass
class PlanPage:
    plan: ImprovementPlan
    role: PlanRole
    expectations: list[Expectation]
    checkpoints: Sequence[Checkpoint]  # each with .note_rows (notes with author)
    history: list[HistoryRow]
    locked: bool
    closed: bool
    awaiting_me: bool  # the employee has something to acknowledge


def plan_page(*, user: Any, plan: ImprovementPlan, history: bool = True) -> PlanPage:
    """Everything the plan page shows: expectations, checkpoints with both sides' notes, history (4 queries)."""
    ctx = actor_context(user)
    expectations = list(Expectation.objects.filter(plan=plan).order_by("order", "pk"))
    notes = CheckpointNote.objects.select_related("author").order_by("created_at", "pk")
    checkpoints = list(
        Checkpoint.objects.filter(plan=plan)
        .prefetch_related(Prefetch("notes", queryset=notes, to_attr="note_rows"))
        .order_by("due_on", "pk")
    )
    rows: list[HistoryRow] = []
    if history:
        events = AuditEvent.objects.filter(target_type=TARGET_TYPE, target_id=str(plan.pk)).exclude(
            action="access.denied"
        )
        rows = [
            HistoryRow(when=e.created_at, who=e.actor_label, action=e.action, label=action_label(e.action))
            for e in events.order_by("-created_at", "-pk")[:100]
        ]
    role = plan_role(ctx, plan)
    return PlanPage(
        plan=plan,
        role=role,
        expectations=expectations,
        checkpoints=checkpoints,
        history=rows,
        locked=plan.state in LOCKED_STATES,
        closed=plan.state in CLOSED_STATES,
        awaiting_me=role.is_employee and plan.state == S.PENDING,
    )


# ---- lists -----------------------------------------------------------------------------------------


@dataclass
class PlanList:
    rows: Sequence[ImprovementPlan]
    next_before: str | None  # keyset cursor "<created_at iso>|<id>" for "more"


def _listing(qs: QuerySet[ImprovementPlan], *, before: str = "", size: int = PAGE_SIZE) -> PlanList:
    today = timezone.localdate()
    qs = (
        qs.select_related("employee__department", "manager")
        .annotate(
            checkpoint_count=Count("checkpoints", distinct=True),
            next_checkpoint=Min("checkpoints__due_on", filter=Q(checkpoints__due_on__gte=today)),
        )
        .order_by("-created_at", "-pk")
    )
    cursor = _parse_cursor(before)
    if cursor is not None:
        when, pk = cursor
        qs = qs.filter(Q(created_at__lt=when) | Q(created_at=when, pk__lt=pk))
    found = list(qs[: size + 1])
    more = len(found) > size
    rows = found[:size]
    last = rows[-1] if rows and more else None
    return PlanList(rows=rows, next_before=f"{last.created_at.isoformat()}|{last.pk}" if last else None)


def _parse_cursor(before: str) -> tuple[dt.datetime, int] | None:
    when, _sep, pk = (before or "").partition("|")
    try:
        return dt.datetime.fromisoformat(when), int(pk)
    except ValueError:
        return None


def my_plans(*, user: Any, before: str = "") -> PlanList:
    """The plans about me (sent ones)."""
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return PlanList(rows=[], next_before=None)
    return _listing(visible_to(user).filter(employee_id=ctx.employee_id), before=before)


def team_plans(*, user: Any, before: str = "") -> PlanList:
    """Plans about the people I manage, directly or not."""
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return PlanList(rows=[], next_before=None)
    qs = visible_to(user).filter(below_q(ctx))
    return _listing(qs, before=before)


def hr_plans(*, user: Any, before: str = "", state: str = "") -> PlanList:
    """Plans about people in HR's scope (admins: everyone)."""
    ctx = actor_context(user)
    if not (ctx.is_hr or ctx.is_admin):
        return PlanList(rows=[], next_before=None)
    qs = ImprovementPlan.objects.filter(Q() if ctx.is_admin else hr_scope_q(ctx))
    if ctx.employee_id is not None:
        qs = qs.exclude(employee_id=ctx.employee_id)
    if state in S.values:
        qs = qs.filter(state=state)
    return _listing(qs, before=before)


def candidates(*, user: Any, limit: int = 500) -> list[Employee]:
    """Whom `user` may open a plan for: her direct reports, and for HR the people in her scope."""
    ctx = actor_context(user)
    q = Q(pk__in=[])
    if ctx.employee_id is not None:
        q |= Q(manager_id=ctx.employee_id)
    q = Q() if ctx.is_admin else q | hr_scope_q(ctx, "department")
    qs = Employee.objects.filter(q).exclude(status=Status.LEFT).exclude(manager__isnull=True)
    if ctx.employee_id is not None:
        qs = qs.exclude(pk=ctx.employee_id)
    return list(qs.select_related("department").order_by("name", "pk")[:limit])


# ---- the evidence panel ----------------------------------------------------------------------------


def checkpoints_in(user: Any, employee: Employee | int, start: dt.date, end: dt.date) -> Sequence[Checkpoint]:
    """Checkpoints of the plans about `employee` that `user` may read, due in [start, end] — one query.

    For the evidence panel on the review form (decision 0010). Each checkpoint carries `notes_count` and its
    plan (`checkpoint.plan`, with state and dates), ordered by date. Drafts show only to those who may read them
    (her managers and HR), cancelled plans are left out. (The actor's context costs two more queries the first
    time per request, shared with every other gate.)
    """
    employee_id = employee if isinstance(employee, int) else employee.pk
    q = improvement_plan_q(user)
    if q is None:
        return []
    plans = ImprovementPlan.objects.filter(q, employee_id=employee_id).exclude(state=S.CANCELLED)
    return list(
        Checkpoint.objects.filter(plan__in=plans.values("pk"), due_on__gte=start, due_on__lte=end)
        .select_related("plan")
        .annotate(notes_count=Count("notes"))
        .order_by("due_on", "pk")
    )
