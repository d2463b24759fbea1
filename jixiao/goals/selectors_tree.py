"""Reads behind the company-level goal pages: the alignment tree, department boards, strategy, periods,
goal settings and templates. Each runs a fixed number of queries whatever the number of objectives.

The alignment tree is the one read that must stay fast at 10,000 objectives: it reads plain tuples
(values_list, no model instances) in one query, one more for ancestors outside the filter, and sends
a compact JSON that the browser nests (docs/decisions/0006).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, FloatField, IntegerField, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Cast, Round
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from jixiao.org.models import Department, Employee, Status
from jixiao.org.selectors import actor_context

from .models import (
    BulkAssignment,
    CompanyValue,
    Confidence,
    GoalPlan,
    GoalTemplate,
    KeyResult,
    Objective,
    OwnerType,
    Period,
    Strategy,
)
from .selectors import strategy as strategy_row

# ---- language --------------------------------------------------------------------------------------


def is_english() -> bool:
    return (get_language() or "").startswith("en")


def in_reader_language(zh: str, en: str) -> str:
    """The text in the reader's language, falling back to the other language when it is empty."""
    if is_english():
        return en or zh
    return zh or en


def period_label(period: Period) -> str:
    return in_reader_language(period.name, period.name_en)


def _department_label(name: str | None, name_en: str | None) -> str:
    return in_reader_language(name or "", name_en or "")


# ---- periods ---------------------------------------------------------------------------------------


def all_periods() -> list[Period]:
    """Every period, in start order: one query (a company has tens of periods, not thousands)."""
    return list(Period.objects.order_by("start", "-end", "pk"))


def current_period(periods: Sequence[Period], *, today: dt.date | None = None) -> Period | None:
    """The period company pages open on: the widest one that contains today (the year, with its quarters);
    otherwise the one that ended last; otherwise the first to come."""
    if not periods:
        return None
    day = today or timezone.localdate()
    containing = [p for p in periods if p.start <= day <= p.end]
    if containing:
        return max(containing, key=lambda p: ((p.end - p.start).days, -p.pk))
    started = [p for p in periods if p.start <= day]
    if started:
        return max(started, key=lambda p: (p.end, (p.end - p.start).days))
    return min(periods, key=lambda p: (p.start, -(p.end - p.start).days))


def pick_period(periods: Sequence[Period], wanted: object) -> Period | None:
    """The period named in the URL, or the current one when none (or an unknown one) is named."""
    try:
        pk = int(str(wanted)) if wanted not in (None, "") else None
    except ValueError:
        pk = None
    if pk is not None:
        for period in periods:
            if period.pk == pk:
                return period
    return current_period(periods)


def periods_within(periods: Iterable[Period], period: Period) -> list[int]:
    """Ids of the period and every period that lies inside it (Q1 and its months inside FY2027)."""
    return [p.pk for p in periods if period.start <= p.start and p.end <= period.end]


@dataclass
class PeriodNode:
    period: Period
    label: str
    children: list[PeriodNode] = field(default_factory=list)


def period_tree(periods: Sequence[Period]) -> list[PeriodNode]:
    """Periods nested by their parent (year → half → quarter → month), each level in start order."""
    nodes = {p.pk: PeriodNode(p, period_label(p)) for p in periods}
    roots: list[PeriodNode] = []
    for p in periods:
        parent = nodes.get(p.parent_id) if p.parent_id else None
        (parent.children if parent else roots).append(nodes[p.pk])
    return roots


INDENT = "\u00a0\u00a0\u00a0"  # a <select> cannot be styled; spaces show the depth


def period_options(periods: Sequence[Period]) -> list[tuple[int, str]]:
    """(id, label indented by depth) in tree order, for a <select>."""
    out: list[tuple[int, str]] = []

    def walk(nodes: list[PeriodNode], depth: int) -> None:
        for node in nodes:
            out.append((node.period.pk, INDENT * depth + node.label))
            walk(node.children, depth + 1)

    walk(period_tree(periods), 0)
    return out


# ---- the alignment tree --------------------------------------------------------------------------

KIND_CODES = {OwnerType.COMPANY: 0, OwnerType.DEPARTMENT: 1, OwnerType.PERSON: 2}
CONFIDENCE_CODES = {"": 0, Confidence.ON_TRACK: 1, Confidence.AT_RISK: 2, Confidence.OFF_TRACK: 3}
TOP = 0  # parent code: hangs under the company root
HIDDEN = -1  # parent code: aligned to an objective the reader cannot see

_TREE_COLUMNS = (
    "id",
    "parent_id",
    "path",
    "title",
    "owner_type",
    "department_id",
    "employee_id",
    "pct",
    "confidence",
    "department__name",
    "department__name_en",
    "employee__name",
)
# Progress as a whole percent computed by the database: turning 10,000 numerics into Decimals costs
# more than the query itself.
_PERCENT = Cast(Round(F("progress") * 100), IntegerField())


def _tree_queryset(user: Any, period_ids: list[int], department: Department | None, owners: Sequence[str]) -> Any:
    qs = Objective.objects.visible_to(user).filter(period_id__in=period_ids)
    if owners:
        qs = qs.filter(owner_type__in=list(owners))
    if department is not None:
        qs = qs.filter(
            Q(department__path__startswith=department.path) | Q(employee__department__path__startswith=department.path)
        )
    return qs


@dataclass
class TreeRows:
    """Objectives of the tree as plain tuples, with which parent each hangs under."""

    rows: list[tuple[Any, ...]]
    parents: dict[int, int]  # id → parent id, TOP or HIDDEN
    context: set[int]  # ancestors shown only to keep the path from the company visible


def _percent(value: float | Decimal | None) -> int:
    return round((value or 0) * 100)


def alignment_rows(
    *, user: Any, period: Period, periods: Sequence[Period], department: Department | None, owners: Sequence[str] = ()
) -> TreeRows:
    """The objectives of a period (and the periods inside it) that the user may see, optionally only those of a
    department subtree and its people (plus their visible ancestors), as tuples: one or two queries."""
    period_ids = periods_within(periods, period)
    rows = list(
        _tree_queryset(user, period_ids, department, owners)
        .annotate(pct=_PERCENT)
        .order_by()  # no sort: the browser nests by ids, and the text list sorts its few rows by path
        .values_list(*_TREE_COLUMNS)
    )
    present = {row[0] for row in rows}
    wanted: set[int] = set()
    for row in rows:
        if row[1] is not None and row[1] not in present:
            wanted.update(int(part) for part in row[2].strip("/").split("/") if part)
    wanted -= present
    context: set[int] = set()
    if wanted:
        # Ancestors outside the filter (another department, the company, a containing period) keep the path
        # from the company visible; only those the user may see, and in one query however many there are.
        extra = list(
            Objective.objects.visible_to(user).filter(pk__in=wanted).annotate(pct=_PERCENT).values_list(*_TREE_COLUMNS)
        )
        by_id = {row[0]: row for row in extra}
        # Keep only ancestors reached from a kept objective through visible links: an ancestor above a
        # hidden one would reveal an alignment the user cannot follow.
        reached: set[int] = set()
        for row in rows:
            parent = row[1]
            while parent is not None and parent in by_id and parent not in reached:
                reached.add(parent)
                parent = by_id[parent][1]
        context = reached
        rows.extend(by_id[i] for i in sorted(reached))
        present |= reached
    parents = {row[0]: (TOP if row[1] is None else row[1] if row[1] in present else HIDDEN) for row in rows}
    return TreeRows(rows=rows, parents=parents, context=context)


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while 10,000 rows turn into JSON.

    They allocate some 20,000 short-lived containers, enough to set off several collections (a full one
    scans every object of the process: tens of milliseconds). None of them forms a cycle, so reference
    counting frees them all; the collector resumes right after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def alignment_tree_data(
    *, user: Any, period: Period, periods: Sequence[Period], department: Department | None
) -> dict[str, Any]:
    """The tree as compact JSON: one short array per objective, owners' names once each.

    n: [id, parent (0 top, -1 hidden parent), title, kind (0 company, 1 department, 2 person), owner id,
        progress %, confidence (0 none, 1 on track, 2 at risk, 3 off track), context-only (1) or not (0)]
    d, e: department and person names by id; u: the objective URL with 0 for the id.
    """
    with _without_cycle_collection():
        return _tree_json(
            alignment_rows(user=user, period=period, periods=periods, department=department), period, department
        )


def _tree_json(tree: TreeRows, period: Period, department: Department | None) -> dict[str, Any]:
    rows, parents, context = tree.rows, tree.parents, tree.context
    # Comprehensions over plain tuples: at 10,000 objectives every allocation per row shows in the timing.
    departments = {r[5]: _department_label(r[9], r[10]) for r in rows if r[5] is not None}
    people = {r[6]: r[11] for r in rows if r[6] is not None}
    kinds, confidences = KIND_CODES, CONFIDENCE_CODES
    nodes = [
        [
            r[0],
            parents[r[0]],
            r[3],
            kinds[r[4]],
            r[5] or r[6] or 0,
            r[7] or 0,
            confidences.get(r[8], 0),
            1 if r[0] in context else 0,
        ]
        for r in rows
    ]
    return {
        "period": {"id": period.pk, "name": period_label(period)},
        "department": department.pk if department else None,
        "n": nodes,
        "d": departments,
        "e": people,
        "u": reverse("goals:objective", args=[0]),
    }


@dataclass
class OutlineNode:
    """One line of the tree's text alternative."""

    id: int
    title: str
    owner: str
    owner_type: str
    progress: int
    confidence: str
    context: bool
    url: str
    children: list[OutlineNode] = field(default_factory=list)


def alignment_outline(
    *, user: Any, period: Period, periods: Sequence[Period], department: Department | None
) -> tuple[list[OutlineNode], list[OutlineNode]]:
    """The top levels of the tree (company and department objectives) as nested nodes, for the text list;
    the second list holds those aligned to an objective the user cannot see."""
    tree = alignment_rows(
        user=user,
        period=period,
        periods=periods,
        department=department,
        owners=(OwnerType.COMPANY, OwnerType.DEPARTMENT),
    )
    url = reverse("goals:objective", args=[0])[:-2]
    company_label = str(OwnerType.COMPANY.label)
    nodes: dict[int, OutlineNode] = {}
    # By path as numbers: a parent before its children, siblings in the order they were written.
    rows = sorted(tree.rows, key=lambda row: [int(part) for part in row[2].strip("/").split("/") if part])
    for pk, _parent, _path, title, owner_type, _d, _e, pct, confidence, d_name, d_en, e_name in rows:
        owner = company_label if owner_type == OwnerType.COMPANY else _department_label(d_name, d_en) or e_name
        nodes[pk] = OutlineNode(pk, title, owner, owner_type, pct or 0, confidence, pk in tree.context, f"{url}{pk}/")
    roots: list[OutlineNode] = []
    hidden: list[OutlineNode] = []
    for row in rows:
        parent = tree.parents[row[0]]
        if parent == TOP:
            roots.append(nodes[row[0]])
        elif parent == HIDDEN:
            hidden.append(nodes[row[0]])
        else:
            nodes[parent].children.append(nodes[row[0]])
    return roots, hidden


# ---- the department board --------------------------------------------------------------------------

BOARD_PEOPLE_LIMIT = 200
AT_RISK = (Confidence.AT_RISK, Confidence.OFF_TRACK)


@dataclass
class PersonRow:
    employee: Employee
    department: str = ""  # her department's name in the reader's language
    objectives: int = 0
    progress: int | None = None  # weighted progress in %, None without objectives
    at_risk: int = 0
    plan_state: str | None = None  # None when the reader may not see the plan
    plan_label: str = ""
    plan_url: str = ""


@dataclass
class ChartBar:
    name: str
    value: int
    people: int
    url: str


@dataclass
class DepartmentBoard:
    department: Department
    period: Period
    objectives: list[Objective]
    people: list[PersonRow]
    people_total: int
    people_with_goals: int
    average_progress: int | None
    at_risk: int
    chart_kind: str  # "departments" or "people"
    bars: list[ChartBar]


def _weighted(total: float | None, weights: float | None, plain: float | None, count: int) -> float:
    """Σ progress × weight / Σ weight, or the plain mean when no objective carries a weight."""
    if weights:
        return (total or 0.0) / weights
    return (plain or 0.0) / count if count else 0.0


def department_board(
    *, user: Any, department: Department, period: Period, periods: Sequence[Period]
) -> DepartmentBoard:
    """The department's own objectives with key results, and its people (whole subtree) with their goals:
    six queries whatever the size of the department."""
    ctx = actor_context(user)
    period_ids = periods_within(periods, period)
    visible = Objective.objects.visible_to(user).filter(period_id__in=period_ids)
    objectives = list(
        visible.filter(department=department)
        .select_related("period")
        .prefetch_related(Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "pk")))
        .order_by("-weight", "pk")
    )
    subtree = Employee.objects.filter(department__path__startswith=department.path).exclude(status=Status.LEFT)
    people = list(subtree.select_related("department").order_by("department__path", "name", "pk")[:BOARD_PEOPLE_LIMIT])
    people_total = subtree.count()
    # Floats, not Decimals: these numbers are only shown, and 10,000 Decimal conversions cost more than the query.
    weighted = Cast(F("progress") * F("weight"), FloatField())
    stats = (
        visible.filter(owner_type=OwnerType.PERSON, employee__department__path__startswith=department.path)
        .exclude(employee__status=Status.LEFT)
        .order_by()
        .values("employee_id", "employee__department__path")
        .annotate(
            n=Count("pk"),
            total=Sum(weighted),
            weights=Sum(Cast("weight", FloatField())),
            plain=Sum(Cast("progress", FloatField())),
            risky=Count("pk", filter=Q(confidence__in=AT_RISK)),
        )
    )
    per_person: dict[int, tuple[str, int, float, int]] = {}
    for stat in stats:
        progress = _weighted(stat["total"], stat["weights"], stat["plain"], stat["n"])
        per_person[stat["employee_id"]] = (stat["employee__department__path"], stat["n"], progress, stat["risky"])
    plans = dict(
        GoalPlan.objects.filter(period=period, employee_id__in=[p.pk for p in people]).values_list(
            "employee_id", "state"
        )
    )
    children = list(Department.objects.filter(parent=department).order_by("name", "pk"))

    rows: list[PersonRow] = []
    for person in people:
        row = PersonRow(person, _department_label(person.department.name, person.department.name_en))
        if person.pk in per_person:
            _path, row.objectives, progress, row.at_risk = per_person[person.pk]
            row.progress = _percent(progress)
        may_read_plan = (
            ctx.is_admin
            or ctx.is_executive
            or ctx.in_hr_scope(person.department.path)
            or (bool(ctx.employee_chain) and person.chain.startswith(ctx.employee_chain))
        )
        if may_read_plan:
            row.plan_state = plans.get(person.pk, GoalPlan.State.DRAFT)
            row.plan_label = str(GoalPlan.State(row.plan_state).label)
            row.plan_url = reverse("goals:plan", args=[person.pk, period.pk])
        rows.append(row)

    values = list(per_person.values())
    average = (
        _percent(sum(v[2] for v in values) / len(values)) if values else None
    )  # mean of each person's weighted progress
    bars: list[ChartBar] = []
    if children:
        chart_kind = "departments"
        groups: dict[int, list[float]] = defaultdict(list)
        direct: list[float] = []
        start = len(department.path)
        for path, _n, progress, _r in values:
            # "/1/2/3/41/977/" under "/1/2/3/": the next id is the sub-department it belongs to.
            child_id = path[start:].split("/", 1)[0]
            (groups[int(child_id)] if child_id else direct).append(progress)
        for child in children:
            got = groups.get(child.pk, [])
            bars.append(
                ChartBar(
                    _department_label(child.name, child.name_en),
                    _percent(sum(got) / len(got)) if got else 0,
                    len(got),
                    reverse("goals:department_board", args=[child.pk]) + f"?period={period.pk}",
                )
            )
        if direct:
            bars.append(
                ChartBar(
                    _department_label(department.name, department.name_en),
                    _percent(sum(direct) / len(direct)),
                    len(direct),
                    "",
                )
            )
    else:
        chart_kind = "people"
        bars = [
            ChartBar(r.employee.name, r.progress, 1, r.employee.get_absolute_url())
            for r in rows
            if r.progress is not None
        ]
    return DepartmentBoard(
        department=department,
        period=period,
        objectives=objectives,
        people=rows,
        people_total=people_total,
        people_with_goals=len(values),
        average_progress=average,
        at_risk=sum(v[3] for v in values),
        chart_kind=chart_kind,
        bars=bars,
    )


# ---- strategy --------------------------------------------------------------------------------------


@dataclass
class ValueView:
    value: CompanyValue
    name: str
    description: str


@dataclass
class StrategyPage:
    strategy: Strategy
    vision: str
    mission: str
    values: list[ValueView]
    period: Period | None
    objectives: list[Objective]


def strategy_page(*, user: Any, period: Period | None, periods: Sequence[Period], with_inactive: bool) -> StrategyPage:
    """Vision, mission and values in the reader's language and the company's objectives of the period: three
    queries (four the very first time, when the strategy row is created)."""
    row = strategy_row()
    values = CompanyValue.objects.all() if with_inactive else CompanyValue.objects.filter(active=True)
    objectives: list[Objective] = []
    if period is not None:
        objectives = list(
            Objective.objects.visible_to(user)
            .filter(owner_type=OwnerType.COMPANY, period_id__in=periods_within(periods, period))
            .select_related("period")
            .order_by("period__start", "-weight", "pk")
        )
    return StrategyPage(
        strategy=row,
        vision=in_reader_language(row.vision, row.vision_en),
        mission=in_reader_language(row.mission, row.mission_en),
        values=[
            ValueView(v, in_reader_language(v.name, v.name_en), in_reader_language(v.description, v.description_en))
            for v in values
        ],
        period=period,
        objectives=objectives,
    )


# ---- templates and bulk assignment -----------------------------------------------------------------


def goal_templates() -> QuerySet[GoalTemplate]:
    """Every goal template with how many objectives came from it: one query."""
    return GoalTemplate.objects.annotate(used=Count("objectives")).order_by("title", "pk")


def recent_assignments(limit: int = 10) -> list[BulkAssignment]:
    return list(
        BulkAssignment.objects.filter(kind=BulkAssignment.Kind.OBJECTIVE)
        .select_related("period", "actor")
        .order_by("-created_at", "-pk")[:limit]
    )


def job_levels() -> list[str]:
    """The job levels people hold, for the bulk-assignment filter: one query."""
    return list(
        Employee.objects.exclude(job_level="")
        .exclude(status=Status.LEFT)
        .order_by("job_level")
        .values_list("job_level", flat=True)
        .distinct()
    )


ALIGNMENT_CHOICES_LIMIT = 500


def alignment_choices(*, user: Any, period: Period) -> list[tuple[int, str]]:
    """Company and department objectives an assigned goal may align to: visible, of this period or one that
    contains it; one query."""
    rows = (
        Objective.objects.visible_to(user)
        .filter(
            owner_type__in=[OwnerType.COMPANY, OwnerType.DEPARTMENT],
            period__start__lte=period.start,
            period__end__gte=period.end,
        )
        .order_by("path")
        .values_list("id", "title", "owner_type", "department__name", "department__name_en", "path")[
            :ALIGNMENT_CHOICES_LIMIT
        ]
    )
    out = []
    for pk, title, owner_type, d_name, d_en, path in rows:
        depth = max(path.count("/") - 2, 0)
        owner = "" if owner_type == OwnerType.COMPANY else f" · {_department_label(d_name, d_en)}"
        out.append((pk, INDENT * depth + title + owner))
    return out
