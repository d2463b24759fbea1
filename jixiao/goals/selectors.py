"""Reads on goals and KPIs: who sees what, and the fixed-query reads behind each page.

Visibility (docs/decisions/0006-goals-and-kpis.md):
- public objectives: everyone in the company (any employee, HR, executives, admins);
- a person's private objective: the person, her management chain, HR in scope;
- a department's private objective: people in that department's subtree, the head and the head's
  management chain, HR in scope;
- KPI targets have no public form: a person's are read by her, her management chain and HR in scope;
  a department's by its members, its head's chain and HR in scope;
- admins and executives read everything (executives change nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language, gettext

from jixiao.org.models import Department, Employee, Status
from jixiao.org.selectors import ActorContext, actor_context, department_name

from . import scoring
from .models import (
    CheckIn,
    Confidence,
    GoalPlan,
    GoalSettings,
    KeyResult,
    Objective,
    OwnerType,
    Period,
    Strategy,
    Visibility,
)
from .smart import KeyResultFacts, ObjectiveFacts, smart_gaps
from .smart import criterion_label as smart_criterion_label
from .smart import describe as smart_describe


def _hr_q(ctx: ActorContext) -> Q:
    q = Q(pk__in=[])
    for path in ctx.hr_paths:
        q |= Q(employee__department__path__startswith=path) | Q(department__path__startswith=path)
    return q


def _owner_q(ctx: ActorContext) -> Q:
    """Rows owned by the actor, her reports, her departments, or departments she (or a report) heads."""
    q = Q(pk__in=[])
    if ctx.employee_chain:
        q |= Q(employee__chain__startswith=ctx.employee_chain)
        q |= Q(department_id__in=ctx.department_ids)
        q |= Q(department__head__chain__startswith=ctx.employee_chain)
    return q


def objective_visibility_q(user: Any) -> Q | None:
    """The filter behind Objective.objects.visible_to; None means "nothing"."""
    ctx = actor_context(user)
    if ctx.is_admin or ctx.is_executive:
        return Q()
    if ctx.employee_id is None and not ctx.hr_paths:
        return None
    return Q(visibility=Visibility.PUBLIC) | _owner_q(ctx) | _hr_q(ctx)


def kpi_target_visibility_q(user: Any) -> Q | None:
    """The filter behind KPITarget.objects.visible_to; None means "nothing"."""
    ctx = actor_context(user)
    if ctx.is_admin or ctx.is_executive:
        return Q()
    if ctx.employee_id is None and not ctx.hr_paths:
        return None
    return _owner_q(ctx) | _hr_q(ctx)


def strategy() -> Strategy:
    """The company's strategy row, created empty on first read."""
    row, _ = Strategy.objects.get_or_create(pk=1)
    return row


def goal_settings() -> GoalSettings:
    """The company's goal settings, created with the documented defaults on first read."""
    row = GoalSettings.objects.filter(pk=1).first()
    if row is None:
        from .scoring import DEFAULT_ATTAINMENT_TABLE

        row, _ = GoalSettings.objects.get_or_create(
            pk=1, defaults={"attainment_table": [[str(t), r] for t, r in DEFAULT_ATTAINMENT_TABLE]}
        )
    return row


def owner_label(objective: Any) -> str:
    """ "Company", the department's name or the person's name (related rows must be loaded)."""
    if objective.owner_type == OwnerType.COMPANY:
        return str(OwnerType.COMPANY.label)
    if objective.owner_type == OwnerType.DEPARTMENT:
        return str(objective.department)
    return str(objective.employee)


# ---- page reads: my goals, team goals, objective, goal plan (views.py) ----------------------------

ALIGN_TO_LIMIT = 30  # company and department objectives shown on "my goals" as things to align to
ALIGNMENT_CHOICES_LIMIT = 300  # rows in the "aligned to" picker
CHILDREN_LIMIT = 100  # objectives aligned to one, listed on its page


def period_label(period: Period) -> str:
    """The period's name in the reader's language."""
    if period.name_en and (get_language() or "").startswith("en"):
        return period.name_en
    return period.name


def owner_name(objective: Objective) -> str:
    """ "Company", the department's or the person's name, in the reader's language (relations loaded)."""
    if objective.owner_type == OwnerType.COMPANY:
        return str(OwnerType.COMPANY.label)
    if objective.owner_type == OwnerType.DEPARTMENT and objective.department is not None:
        return department_name(objective.department)
    return str(objective.employee or "")


@dataclass(frozen=True)
class PeriodChoice:
    period: Period
    label: str
    current: bool


def period_choices(*, today: dt.date) -> list[PeriodChoice]:
    """Every period for the picker, latest first (one query)."""
    return [
        PeriodChoice(p, period_label(p), p.start <= today <= p.end)
        for p in Period.objects.order_by("-start", "end", "pk")
    ]


def default_period(
    choices: Sequence[PeriodChoice], *, today: dt.date, with_goals: Collection[int] = ()
) -> Period | None:
    """The smallest period that contains today (Q3 before FY2027), else the latest one.

    Among the current periods, one that holds goals of the people the page is about wins (`with_goals`),
    so a company that sets yearly goals does not land on an empty month.
    """
    containing = [c.period for c in choices if c.current]
    if containing:
        used = [p for p in containing if p.pk in with_goals]
        return min(used or containing, key=lambda p: (p.end - p.start, -p.pk))
    if not choices:
        return None
    return max((c.period for c in choices), key=lambda p: (p.start, p.end, p.pk))


def current_periods_with_goals(*, employees: Q, today: dt.date) -> set[int]:
    """Ids of the periods containing today in which these people have objectives (one query)."""
    return set(
        Objective.objects.filter(employees, period__start__lte=today, period__end__gte=today)
        .order_by()
        .values_list("period_id", flat=True)
        .distinct()
    )


def pick_period(
    choices: Sequence[PeriodChoice], period_id: object, *, today: dt.date, employees: Q | None = None
) -> Period | None:
    """The period asked for in the URL if it exists, else the default one (for these people's goals)."""
    wanted = str(period_id or "")
    for choice in choices:
        if str(choice.period.pk) == wanted:
            return choice.period
    used: Collection[int] = ()
    if employees is not None and any(c.current for c in choices):
        used = current_periods_with_goals(employees=employees, today=today)
    return default_period(choices, today=today, with_goals=used)


@dataclass(frozen=True)
class SmartHint:
    criterion: str
    label: str
    reason: str


def smart_hints(objective: Objective, key_results: Sequence[KeyResult]) -> list[SmartHint]:
    """What the objective misses of SMART, each with its one-line reason (period must be loaded)."""
    gaps = smart_gaps(
        ObjectiveFacts(
            title=objective.title,
            description=objective.description,
            is_company=objective.owner_type == OwnerType.COMPANY,
            has_parent=objective.parent_id is not None,
            due_date=objective.due_date,
            period_start=objective.period.start,
            period_end=objective.period.end,
            key_results=tuple(KeyResultFacts(kr.title, kr.start, kr.target) for kr in key_results),
        )
    )
    return [SmartHint(g.criterion, smart_criterion_label(g.criterion), smart_describe(g)) for g in gaps]


@dataclass
class ObjectiveCard:
    """One objective as the goal pages show it: key results, SMART hints, the parent if the reader sees it."""

    objective: Objective
    key_results: list[KeyResult]
    hints: list[SmartHint]
    parent: Objective | None


def _ordered_key_results() -> Prefetch[Any]:
    return Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "pk"))


def person_objectives(*, user: Any, employee_id: int, period: Period) -> list[ObjectiveCard]:
    """A person's objectives in a period with their key results (two queries)."""
    rows = (
        Objective.objects.visible_to(user)
        .filter(employee_id=employee_id, period=period)
        .select_related("period", "parent")
        .annotate(parent_visible=Exists(Objective.objects.visible_to(user).filter(pk=OuterRef("parent_id"))))
        .prefetch_related(_ordered_key_results())
        .order_by("pk")
    )
    cards = []
    for o in rows:
        krs = list(o.key_results.all())
        parent = o.parent if getattr(o, "parent_visible", False) else None
        cards.append(ObjectiveCard(o, krs, smart_hints(o, krs), parent))
    return cards


def weighted_progress(objectives: Sequence[Objective]) -> Decimal:
    """Weighted mean of objectives' progress; equal weights when none has a weight."""
    return scoring.objective_progress(key_results=(), children=[(o.progress, o.weight) for o in objectives])


def goal_plan_of(*, employee_id: int, period: Period) -> GoalPlan | None:
    """The person's goal plan for the period, without creating one (one query)."""
    return (
        GoalPlan.objects.filter(employee_id=employee_id, period=period).select_related("decided_by__employee").first()
    )


def _enclosing(period: Period) -> Q:
    """Objectives of this period or of a period that contains it."""
    return Q(period__start__lte=period.start, period__end__gte=period.end)


def objectives_to_align_to(*, user: Any, period: Period, department_path: str) -> list[Objective]:
    """Company objectives and those of the reader's department and the departments above it (one query)."""
    department_ids = [int(part) for part in department_path.strip("/").split("/") if part]
    owner = Q(owner_type=OwnerType.COMPANY)
    if department_ids:
        owner |= Q(owner_type=OwnerType.DEPARTMENT, department_id__in=department_ids)
    return list(
        Objective.objects.visible_to(user)
        .filter(owner, _enclosing(period))
        .select_related("department", "period")
        .order_by(F("department__depth").asc(nulls_first=True), "period__start", "pk")[:ALIGN_TO_LIMIT]
    )


@dataclass
class MyGoals:
    cards: list[ObjectiveCard]
    total_weight: Decimal
    progress: Decimal
    plan: GoalPlan | None
    align_to: list[Objective]

    @property
    def weights_ok(self) -> bool:
        return self.total_weight == Decimal(100)

    @property
    def progress_percent(self) -> int:
        return round(self.progress * 100)


def my_goals(*, user: Any, period: Period) -> MyGoals:
    """Everything "my goals" shows for one period, in a fixed number of queries (four)."""
    ctx = actor_context(user)
    assert ctx.employee_id is not None
    cards = person_objectives(user=user, employee_id=ctx.employee_id, period=period)
    objectives = [c.objective for c in cards]
    return MyGoals(
        cards=cards,
        total_weight=sum((o.weight for o in objectives), Decimal(0)),
        progress=weighted_progress(objectives),
        plan=goal_plan_of(employee_id=ctx.employee_id, period=period),
        align_to=objectives_to_align_to(user=user, period=period, department_path=ctx.employee_department_path),
    )


@dataclass
class TeamRow:
    person: Employee
    plan: GoalPlan | None
    objectives: int
    total_weight: Decimal
    progress: Decimal
    at_risk: int
    direct: bool

    @property
    def state(self) -> str:
        return self.plan.state if self.plan else GoalPlan.State.DRAFT

    @property
    def progress_percent(self) -> int:
        return round(self.progress * 100)


def team_goals(*, manager_id: int, manager_chain: str, period: Period, everyone: bool) -> list[TeamRow]:
    """Per report: goal plan, objectives, weighted progress, objectives at risk (three queries, any team size).

    Plans waiting for approval come first, then everyone by name (pinyin order).
    """
    people_qs = Employee.objects.exclude(status=Status.LEFT)
    if everyone:
        people_qs = people_qs.filter(chain__startswith=manager_chain).exclude(pk=manager_id)
    else:
        people_qs = people_qs.filter(manager_id=manager_id)
    people = list(people_qs.select_related("department").order_by("name_pinyin", "name", "pk"))
    ids = people_qs.values("pk")
    plans = {p.employee_id: p for p in GoalPlan.objects.filter(period=period, employee_id__in=ids)}
    stats = {
        row["employee_id"]: row
        for row in Objective.objects.filter(period=period, employee_id__in=ids)
        .order_by()
        .values("employee_id")
        .annotate(
            n=Count("pk"),
            weight_sum=Sum("weight"),
            weighted=Sum(
                ExpressionWrapper(
                    F("progress") * F("weight"), output_field=DecimalField(max_digits=30, decimal_places=6)
                )
            ),
            plain=Sum("progress"),
            at_risk=Count("pk", filter=Q(confidence__in=[Confidence.AT_RISK, Confidence.OFF_TRACK])),
        )
    }
    rows = []
    for person in people:
        s = stats.get(person.pk)
        n = int(s["n"]) if s else 0
        weight = Decimal(s["weight_sum"] or 0) if s else Decimal(0)
        if not n:
            progress = Decimal(0)
        elif weight > 0:
            progress = Decimal(s["weighted"] or 0) / weight  # type: ignore[index]
        else:
            progress = Decimal(s["plain"] or 0) / n  # type: ignore[index]
        rows.append(
            TeamRow(
                person=person,
                plan=plans.get(person.pk),
                objectives=n,
                total_weight=weight,
                progress=progress.quantize(Decimal("0.0001")),
                at_risk=int(s["at_risk"]) if s else 0,
                direct=person.manager_id == manager_id,
            )
        )
    rows.sort(key=lambda r: r.state != GoalPlan.State.SUBMITTED)  # what waits for her first, then by name
    return rows


@dataclass
class ObjectivePage:
    parent: Objective | None
    key_results: list[KeyResult]
    check_ins: dict[int, list[CheckIn]]
    children: list[Objective]
    more_children: bool
    hints: list[SmartHint]
    plan: GoalPlan | None
    chart: list[dict[str, Any]] = field(default_factory=list)


def _percent(value: Decimal) -> float:
    return float(round(value * 100, 1))


def objective_page(*, user: Any, objective: Objective) -> ObjectivePage:
    """The objective's page: key results with their check-in history, alignment up and down, SMART hints.

    Five queries at most, whatever the number of key results, check-ins or aligned objectives.
    """
    key_results = list(
        KeyResult.objects.filter(objective=objective)
        .order_by("position", "pk")
        .prefetch_related(
            Prefetch(
                "check_ins", queryset=CheckIn.objects.select_related("author__employee").order_by("created_at", "pk")
            )
        )
    )
    children = list(
        Objective.objects.visible_to(user)
        .filter(parent=objective)
        .select_related("employee", "department")
        .order_by("owner_type", "-progress", "pk")[: CHILDREN_LIMIT + 1]
    )
    parent = None
    if objective.parent_id is not None:
        parent = (
            Objective.objects.visible_to(user)
            .select_related("employee", "department", "period")
            .filter(pk=objective.parent_id)
            .first()
        )
    plan = None
    if objective.employee_id is not None:
        plan = goal_plan_of(employee_id=objective.employee_id, period=objective.period)
    check_ins = {kr.pk: list(kr.check_ins.all()) for kr in key_results}
    # The period so far (or all of it once over) is the x axis, so a lone check-in sits in time; unless
    # check-ins fall outside the period, when the axis simply spans them.
    period = objective.period
    span_to = min(max(timezone.localdate(), period.start), period.end)
    chart = []
    for kr in key_results:
        rows = check_ins[kr.pk]
        points = [[c.created_at.isoformat(), _percent(c.progress)] for c in rows]
        if rows and kr.created_at < rows[0].created_at:
            points.insert(0, [kr.created_at.isoformat(), 0.0])  # where it started, at the baseline
        inside = all(period.start <= timezone.localdate(c.created_at) <= period.end for c in rows)
        span = {"from": period.start.isoformat(), "to": span_to.isoformat()} if inside else {}
        chart.append({"id": kr.pk, "title": kr.title, "points": points, **span})
    return ObjectivePage(
        parent=parent,
        key_results=key_results,
        check_ins=check_ins,
        children=children[:CHILDREN_LIMIT],
        more_children=len(children) > CHILDREN_LIMIT,
        hints=smart_hints(objective, key_results),
        plan=plan,
        chart=chart,
    )


def alignment_choices(
    *,
    user: Any,
    period: Period,
    department: Department | None = None,
    employee: Employee | None = None,
    current_parent_id: int | None = None,
    exclude_path: str = "",
) -> list[tuple[str, list[tuple[int, str]]]]:
    """What an objective may align to, grouped company / department / people (one query).

    Limited to what makes sense for the owner: company objectives; those of the owner's department and
    the departments above it; for a person, her own, her managers' and her teammates' objectives — each
    visible to the author and of this period or one that contains it.
    """
    owner = Q(owner_type=OwnerType.COMPANY)
    path = employee.department.path if employee is not None else department.path if department is not None else ""
    department_ids = [int(part) for part in path.strip("/").split("/") if part]
    if department_ids:
        owner |= Q(owner_type=OwnerType.DEPARTMENT, department_id__in=department_ids)
    if employee is not None:
        chain_ids = [int(part) for part in employee.chain.strip("/").split("/") if part]
        owner |= Q(owner_type=OwnerType.PERSON, employee_id__in=chain_ids or [employee.pk])
        if employee.manager_id is not None:
            owner |= Q(owner_type=OwnerType.PERSON, employee__manager_id=employee.manager_id)
    if current_parent_id is not None:
        owner |= Q(pk=current_parent_id)
    qs = Objective.objects.visible_to(user).filter(owner).filter(_enclosing(period) | Q(pk=current_parent_id or 0))
    if exclude_path:
        qs = qs.exclude(path__startswith=exclude_path)
    rows = list(
        qs.select_related("department", "employee", "period").order_by(
            "owner_type", F("department__depth").asc(nulls_first=True), "employee__name", "period__start", "pk"
        )[:ALIGNMENT_CHOICES_LIMIT]
    )
    groups: dict[str, list[tuple[int, str]]] = {OwnerType.COMPANY: [], OwnerType.DEPARTMENT: [], OwnerType.PERSON: []}
    for o in rows:
        label = o.title if o.owner_type == OwnerType.COMPANY else f"{o.title} — {owner_name(o)}"
        if o.period_id != period.pk:
            label = f"{label} · {period_label(o.period)}"
        groups[o.owner_type].append((o.pk, label))
    names = {
        OwnerType.COMPANY: gettext("Company objectives"),
        OwnerType.DEPARTMENT: gettext("Department objectives"),
        OwnerType.PERSON: gettext("Colleagues' objectives"),
    }
    return [(names[OwnerType(kind)], choices) for kind, choices in groups.items() if choices]


# ---- the home page's goals card ------------------------------------------------------------------------


def home_card(user: Any) -> dict[str, Any] | None:
    """ "Where am I with my goals, and what waits for me": the home page's card, in two or three queries.

    The period is the smallest current one that holds the reader's goals, else the smallest current one.
    """
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return None
    today = timezone.localdate()
    progress_x_weight = ExpressionWrapper(F("progress") * F("weight"), output_field=DecimalField())
    rows = list(
        Objective.objects.filter(employee_id=ctx.employee_id, period__start__lte=today, period__end__gte=today)
        .order_by()
        .values("period_id")
        .annotate(
            count=Count("pk"),
            at_risk=Count("pk", filter=Q(confidence__in=[Confidence.AT_RISK, Confidence.OFF_TRACK])),
            weighted=Sum(progress_x_weight),
            weights=Sum("weight"),
            plain=Sum("progress"),
        )
    )
    periods = list(Period.objects.filter(start__lte=today, end__gte=today).order_by())
    by_pk = {p.pk: p for p in periods}
    mine = [row for row in rows if row["period_id"] in by_pk]
    if mine:
        period = min((by_pk[row["period_id"]] for row in mine), key=lambda p: (p.end - p.start, -p.pk))
    elif periods:
        period = min(periods, key=lambda p: (p.end - p.start, -p.pk))
    else:
        period = None
    row = next((r for r in mine if period is not None and r["period_id"] == period.pk), None)
    count = row["count"] if row else 0
    progress = Decimal(0)
    if row and row["weights"]:
        progress = row["weighted"] / row["weights"]
    elif row and count:
        progress = row["plain"] / count
    plan_state = ""
    if period is not None:
        plan_state = (
            GoalPlan.objects.filter(employee_id=ctx.employee_id, period=period).values_list("state", flat=True).first()
            or GoalPlan.State.DRAFT
        )
    waiting = 0
    if ctx.is_manager:
        waiting = (
            GoalPlan.objects.filter(state=GoalPlan.State.SUBMITTED, employee__chain__startswith=ctx.employee_chain)
            .exclude(employee_id=ctx.employee_id)
            .count()
        )
    return {
        "template": "goals/home_card.html",
        "period": period,
        "period_name": period_label(period) if period is not None else "",
        "count": count,
        "at_risk": row["at_risk"] if row else 0,
        "progress_percent": round(progress * 100),
        "plan_state": plan_state,
        "plan_label": GoalPlan.State(plan_state).label if plan_state else "",
        "can_submit": count > 0 and plan_state in (GoalPlan.State.DRAFT, GoalPlan.State.RETURNED),
        "is_manager": ctx.is_manager,
        "waiting": waiting,
    }
