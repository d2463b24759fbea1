"""Factories for tests of improvement plans: a plan for the personas' employee, in any state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jixiao.org.models import Employee

from . import services_pip as sp
from .models import ImprovementPlan

START = dt.date(2026, 1, 5)
END = dt.date(2026, 3, 31)


def expectations(n: int = 2) -> list[sp.ExpectationInput]:
    return [
        sp.ExpectationInput(text=f"Close {10 + i} customer tickets a week", measure=f"Ticket report, week {i + 1}")
        for i in range(n)
    ]


def checkpoints(n: int = 2, *, start: dt.date = START) -> list[sp.CheckpointInput]:
    return [
        sp.CheckpointInput(title=f"Checkpoint {i + 1}", due_on=start + dt.timedelta(days=14 * (i + 1)))
        for i in range(n)
    ]


def make_plan(
    *,
    actor: Any,
    employee: Employee,
    state: str = ImprovementPlan.State.DRAFT,
    n_expectations: int = 2,
    n_checkpoints: int = 2,
    starts_on: dt.date = START,
    ends_on: dt.date = END,
) -> ImprovementPlan:
    """A plan opened by `actor` (her manager or HR) and moved to `state` through the services."""
    plan = sp.improvement_plan_create(
        actor=actor,
        employee=employee,
        gaps="Tickets are answered late; customers complain about follow-up.",
        support="Weekly coaching with the team lead; a course on ticket triage.",
        starts_on=starts_on,
        ends_on=ends_on,
        expectations=expectations(n_expectations),
        checkpoints=checkpoints(n_checkpoints, start=starts_on),
    )
    S = ImprovementPlan.State
    if state == S.DRAFT:
        return plan
    if state == S.CANCELLED:
        return sp.improvement_plan_close(actor=actor, plan=plan, outcome=S.CANCELLED, text="Not needed.")
    sp.improvement_plan_send(actor=actor, plan=plan)
    if state == S.PENDING:
        return plan
    assert employee.user is not None
    sp.improvement_plan_acknowledge(actor=employee.user, plan=plan)
    if state == S.ACTIVE:
        return plan
    if state == S.EXTENDED:
        sp.improvement_plan_extend(actor=actor, plan=plan, ends_on=ends_on + dt.timedelta(days=30), reason="More time.")
        sp.improvement_plan_acknowledge(actor=employee.user, plan=plan)
        return plan
    return sp.improvement_plan_close(actor=actor, plan=plan, outcome=state, text="Outcome reached.")
