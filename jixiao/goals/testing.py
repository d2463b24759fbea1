"""Factories for tests of goals and KPIs in every app: they go through the services, as people do."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from jixiao.org.models import Department, Employee

from . import services, services_kpi
from .models import BusinessArea, Indicator, KPITarget, Objective, Period

_seq = itertools.count(1)


def make_period(
    actor: Any,
    name: str = "",
    *,
    kind: str = Period.Kind.YEAR,
    start: dt.date = dt.date(2027, 1, 1),
    end: dt.date = dt.date(2027, 12, 31),
    parent: Period | None = None,
) -> Period:
    """A period created by `actor` (an admin or company-wide HR); FY2027 by default."""
    return services.period_create(
        actor=actor, name=name or f"FY2027-{next(_seq)}", kind=kind, start=start, end=end, parent=parent
    )


def make_objective(
    actor: Any,
    period: Period,
    *,
    title: str = "",
    employee: Employee | None = None,
    department: Department | None = None,
    parent: Objective | None = None,
    weight: object = 0,
    visibility: str = "public",
    due_date: dt.date | None = None,
    key_results: list[tuple[object, object]] | None = None,
    description: str = "",
) -> Objective:
    """An objective of a person (employee=), a department (department=) or the company (neither).

    key_results is a list of (start, target) pairs; one KR 0 → 10 by default.
    """
    owner = "person" if employee is not None else "department" if department is not None else "company"
    krs = key_results if key_results is not None else [(0, 10)]
    return services.objective_create(
        actor=actor,
        period=period,
        owner_type=owner,
        employee=employee,
        department=department,
        data=services.ObjectiveInput(
            title=title or f"Objective number {next(_seq)} for the period",
            description=description,
            weight=weight,
            visibility=visibility,
            due_date=due_date,
            parent_id=parent.pk if parent else None,
            key_results=[
                services.KeyResultInput(title=f"Key result {i + 1}", start=s, target=t) for i, (s, t) in enumerate(krs)
            ],
        ),
    )


def make_indicator(
    actor: Any,
    *,
    code: str = "",
    name: str = "",
    direction: str = "increase",
    aggregation: str = "latest",
    area: BusinessArea | None = None,
) -> Indicator:
    """A KPI of the library (creating a "销售" business area if none is given)."""
    if area is None:
        area = BusinessArea.objects.filter(name="销售").first() or services_kpi.business_area_save(
            actor=actor, name="销售", name_en="Sales"
        )
    n = next(_seq)
    return services_kpi.indicator_save(
        actor=actor,
        data=services_kpi.IndicatorInput(
            area_id=area.pk,
            code=code or f"KPI{n}",
            name=name or f"指标{n}",
            direction=direction,
            aggregation=aggregation,
        ),
    )


def make_kpi_target(
    actor: Any,
    indicator: Indicator,
    period: Period,
    *,
    employee: Employee | None = None,
    department: Department | None = None,
    baseline: object = 0,
    target: object = 100,
    stretch: object = None,
    weight: object = Decimal(0),
) -> KPITarget:
    return services_kpi.kpi_target_create(
        actor=actor,
        indicator=indicator,
        period=period,
        employee=employee,
        department=department,
        baseline=baseline,
        target=target,
        stretch=stretch,
        weight=weight,
    )
