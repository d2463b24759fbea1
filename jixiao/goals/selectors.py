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

from typing import Any

from django.db.models import Q

from jixiao.org.selectors import ActorContext, actor_context

from .models import GoalSettings, OwnerType, Strategy, Visibility


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
