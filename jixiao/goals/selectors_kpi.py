"""Reads behind the KPI pages: the library, a target with its actuals, and the KPI board.

Each read runs a fixed number of queries whatever the number of KPIs, targets or actuals (the tests
count them). Attainment is cached on the targets by services_kpi.kpi_targets_refresh, so the board
reads it with the rows; the rating it earns comes from the goal settings' table (scoring.attainment_rating).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, IntegerField, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jixiao.org.models import Department, ImportJob
from jixiao.org.selectors import actor_context

from . import scoring
from .models import BusinessArea, Indicator, KPIActual, KPITarget, Period
from .selectors import goal_settings

PAGE_SIZE = 50
RECENT_IMPORTS = 5

# The 1–5 rating an attainment earns, shown with the fixed band colours and labels (DESIGN "Defaults").
BANDS: dict[int, tuple[str, Any]] = {
    5: ("S", _("Outstanding")),
    4: ("A", _("Excellent")),
    3: ("B", _("Good")),
    2: ("C", _("Needs improvement")),
    1: ("D", _("Unsatisfactory")),
}


def _english() -> bool:
    return (get_language() or "").startswith("en")


def localised(name: str, name_en: str) -> str:
    """A name in the reader's language: the English one for English readers when there is one."""
    return name_en if name_en and _english() else name


def indicator_name(indicator: Indicator) -> str:
    return localised(indicator.name, indicator.name_en)


def area_name(area: BusinessArea) -> str:
    return localised(area.name, area.name_en)


def period_name(period: Period) -> str:
    return localised(period.name, period.name_en)


# ---- ratings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingRule:
    """The company's attainment → rating table, read once per page."""

    table: tuple[tuple[Decimal, int], ...]
    floor: int
    cap: Decimal

    def rating(self, attainment: Decimal | None) -> int | None:
        if attainment is None:
            return None
        return scoring.attainment_rating(attainment, table=self.table, floor=self.floor)

    def rows(self) -> list[tuple[int, Decimal | None]]:
        """(rating, lowest attainment that earns it) from the best rating down, the floor last."""
        rows: list[tuple[int, Decimal | None]] = [
            (r, t) for t, r in sorted(self.table, key=lambda row: row[0], reverse=True)
        ]
        rows.append((self.floor, None))
        return rows


def rating_rule() -> RatingRule:
    """One query: the goal settings row (created with the defaults on first read)."""
    row = goal_settings()
    table = tuple((Decimal(str(t)), int(r)) for t, r in row.attainment_table) or scoring.DEFAULT_ATTAINMENT_TABLE
    return RatingRule(table=table, floor=row.attainment_floor, cap=row.progress_cap)


@dataclass(frozen=True)
class Rating:
    """An attainment as the pages show it: percent, bar width (0–100), and the rating and band it earns."""

    value: int | None
    band: str
    label: str
    percent: int | None = None

    @property
    def width(self) -> int:
        return 0 if self.percent is None else min(max(self.percent, 0), 100)

    @classmethod
    def of(cls, value: int | None, attainment: Decimal | None = None) -> Rating:
        # Floored, not rounded: 59.8% must not read 60% beside the rating that 60% would earn.
        percent = None if attainment is None else int(attainment * 100)
        if value is None:
            return cls(None, "", "", percent)
        band, label = BANDS.get(value, ("", ""))
        return cls(value, band, str(label), percent)


# ---- the library -------------------------------------------------------------------------------


@dataclass
class LibraryArea:
    area: BusinessArea
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def name(self) -> str:
        return area_name(self.area)


def kpi_library(*, include_inactive: bool = False, query: str = "") -> list[LibraryArea]:
    """The business areas with their KPIs, in library order: two queries."""
    areas = {a.pk: LibraryArea(a) for a in BusinessArea.objects.order_by("position", "pk")}
    indicators = Indicator.objects.order_by("area__position", "area_id", "code")
    if not include_inactive:
        indicators = indicators.filter(active=True)
    query = query.strip()
    if query:
        indicators = indicators.filter(
            Q(code__icontains=query) | Q(name__icontains=query) | Q(name_en__icontains=query)
        )
    for indicator in indicators:
        indicator.label = indicator_name(indicator)  # type: ignore[attr-defined]
        areas[indicator.area_id].indicators.append(indicator)
    if query:
        return [a for a in areas.values() if a.indicators]
    return list(areas.values())


def indicator_choices() -> QuerySet[Indicator]:
    return Indicator.objects.filter(active=True).select_related("area").order_by("area__position", "area_id", "code")


def period_choices() -> list[Period]:
    return list(Period.objects.order_by("-start", "end", "pk"))


def default_period(periods: Sequence[Period], today: dt.date) -> Period | None:
    """The widest period containing today (the year before its quarters), else the latest one."""
    current = [p for p in periods if p.start <= today <= p.end]
    if current:
        return min(current, key=lambda p: (p.start, -p.end.toordinal(), p.pk))
    return max(periods, key=lambda p: (p.start, p.pk)) if periods else None


# ---- one target ---------------------------------------------------------------------------------


def running_values(values: Sequence[Decimal], method: str) -> list[Decimal]:
    """The KPI's actual after each recorded value: the values, their running sum or running average."""
    if method == Indicator.Aggregation.SUM:
        out, total = [], Decimal(0)
        for v in values:
            total += v
            out.append(total)
        return out
    if method == Indicator.Aggregation.AVERAGE:
        out, total = [], Decimal(0)
        for i, v in enumerate(values, start=1):
            total += v
            out.append((total / i).quantize(scoring.QUANTUM))
        return out
    return list(values)


@dataclass
class TargetDetail:
    target: KPITarget
    actuals: list[KPIActual]
    rating: Rating
    rule: RatingRule
    chart: dict[str, Any]


def kpi_target_detail(*, target: KPITarget) -> TargetDetail:
    """The target's recorded actuals (newest first) and its trend for the chart: two queries."""
    rule = rating_rule()
    actuals = list(
        KPIActual.objects.filter(target=target).select_related("recorded_by").order_by("-measured_on", "-pk")
    )
    ordered = list(reversed(actuals))
    trend = running_values([a.value for a in ordered], target.indicator.aggregation)
    chart = {
        "dates": [a.measured_on.isoformat() for a in ordered],
        "values": [float(v) for v in trend],
        "baseline": float(target.baseline),
        "target": float(target.target),
        "stretch": None if target.stretch is None else float(target.stretch),
    }
    return TargetDetail(
        target=target,
        actuals=actuals,
        rating=Rating.of(rule.rating(target.attainment), target.attainment),
        rule=rule,
        chart=chart,
    )


# ---- the board ----------------------------------------------------------------------------------


class Scope:
    MINE = "mine"
    TEAM = "team"
    DEPARTMENT = "department"


@dataclass
class BoardRow:
    target: KPITarget
    name: str
    owner: str
    rating: Rating
    trend: list[float]
    weight_total: Decimal | None

    @property
    def weight_ok(self) -> bool:
        return self.weight_total is None or self.weight_total == 100


@dataclass
class BoardPage:
    rows: list[BoardRow]
    next_after: int | None
    total: int | None = None


def _annotated(qs: QuerySet[KPITarget]) -> QuerySet[KPITarget]:
    # One sort key for people's and departments' targets: the owner's name, then a key that keeps two
    # owners of the same name apart (people even, departments odd), then the KPI code.
    return qs.annotate(
        owner_sort=Coalesce("employee__name", "department__name"),
        owner_key=Coalesce(
            F("employee_id") * Value(2), F("department_id") * Value(2) + Value(1), output_field=IntegerField()
        ),
        code_sort=F("indicator__code"),
    )


BOARD_ORDER = ("owner_sort", "owner_key", "code_sort", "pk")


def _after(anchor_pk: int) -> Q:
    """Rows strictly after the anchor row in BOARD_ORDER, reading the anchor's values inline (no OFFSET)."""
    anchor = _annotated(KPITarget.objects.filter(pk=anchor_pk))
    condition: Q | None = None
    for name in reversed(BOARD_ORDER):
        value = Subquery(anchor.values(name)[:1])
        greater = Q(**{f"{name}__gt": value})
        condition = greater if condition is None else greater | (Q(**{name: value}) & condition)
    assert condition is not None
    return condition


def board_targets(
    *, user: Any, scope: str, period: Period | None, department: Department | None
) -> QuerySet[KPITarget]:
    """The targets the board lists for this tab: the reader's own, her reports', or a department subtree's."""
    ctx = actor_context(user)
    qs = KPITarget.objects.visible_to(user)
    if period is not None:
        qs = qs.filter(period=period)
    if scope == Scope.MINE:
        return qs.filter(employee_id=ctx.employee_id) if ctx.employee_id else qs.none()
    if scope == Scope.TEAM:
        if not ctx.employee_chain:
            return qs.none()
        return qs.filter(employee__chain__startswith=ctx.employee_chain).exclude(employee__chain=ctx.employee_chain)
    if department is not None:
        return qs.filter(
            Q(employee__department__path__startswith=department.path) | Q(department__path__startswith=department.path)
        )
    return qs


def _trends(target_ids: Iterable[int], methods: dict[int, str]) -> dict[int, list[float]]:
    """Every listed target's actual over time, from ONE query of their recorded values."""
    values: dict[int, list[Decimal]] = defaultdict(list)
    ids = list(target_ids)
    for target_id, value in (
        KPIActual.objects.filter(target_id__in=ids)
        .order_by("target_id", "measured_on")
        .values_list("target_id", "value")
    ):
        values[target_id].append(value)
    return {pk: [float(v) for v in running_values(values.get(pk, []), methods[pk])] for pk in ids}


def kpi_board_page(
    *,
    user: Any,
    scope: str,
    period: Period | None,
    department: Department | None = None,
    after: int | None = None,
    with_total: bool = True,
    size: int | None = None,
    rule: RatingRule | None = None,
) -> BoardPage:
    """One keyset page of the board: the total (when asked), the rows, their trends, the owners' weight totals.

    Four queries whatever the number of targets (three without the total).
    """
    rule = rule or rating_rule()
    size = size or PAGE_SIZE
    qs = board_targets(user=user, scope=scope, period=period, department=department)
    total = qs.count() if with_total else None
    qs = _annotated(qs.select_related("indicator", "employee", "department", "period"))
    if after is not None:
        qs = qs.filter(_after(after))
    rows = list(qs.order_by(*BOARD_ORDER)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not rows:
        return BoardPage(rows=[], next_after=None, total=total)
    trends = _trends([t.pk for t in rows], {t.pk: t.indicator.aggregation for t in rows})
    weights = _weight_totals(rows)
    return BoardPage(
        rows=[
            BoardRow(
                target=t,
                name=indicator_name(t.indicator),
                owner=str(t.employee) if t.employee is not None else localised(t.department.name, t.department.name_en),  # type: ignore[union-attr]
                rating=Rating.of(rule.rating(t.attainment), t.attainment),
                trend=trends.get(t.pk, []),
                weight_total=weights.get(_owner_key(t.employee_id, t.department_id, t.period_id)),
            )
            for t in rows
        ],
        next_after=rows[-1].pk if more else None,
        total=total,
    )


def _owner_key(employee_id: int | None, department_id: int | None, period_id: int) -> tuple[str, int | None, int]:
    return ("e", employee_id, period_id) if employee_id else ("d", department_id, period_id)


def _weight_totals(rows: Sequence[KPITarget]) -> dict[tuple[str, int | None, int], Decimal]:
    """Each listed owner's total KPI weight in the row's period, all of her targets counted: one query."""
    people = {t.employee_id for t in rows if t.employee_id}
    departments = {t.department_id for t in rows if t.department_id}
    periods = {t.period_id for t in rows}
    totals: dict[tuple[str, int | None, int], Decimal] = {}
    owners = Q(employee_id__in=people) | Q(department_id__in=departments)
    for employee_id, department_id, period_id, weight in (
        KPITarget.objects.filter(owners, period_id__in=periods)
        .values("employee_id", "department_id", "period_id")
        .annotate(total=Sum("weight"))
        .values_list("employee_id", "department_id", "period_id", "total")
        .order_by()
    ):
        totals[_owner_key(employee_id, department_id, period_id)] = weight
    return totals


def recent_actuals_imports(*, user: Any) -> QuerySet[ImportJob]:
    return ImportJob.objects.defer("content").filter(owner=user, kind=ImportJob.Kind.KPI_ACTUALS)[:RECENT_IMPORTS]
