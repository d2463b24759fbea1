"""The one gate to objectives, goal plans and KPI targets. Missing and forbidden both answer 404.

Who may change what (docs/decisions/0006-goals-and-kpis.md):
- company objectives, strategy, periods, goal settings: admins and company-wide HR (scope on a
  top-level department);
- a department's objectives and KPI targets: the department head and her management chain, HR in
  scope, admins;
- a person's objectives: the person, her management chain, HR in scope, admins (the goal plan's state
  decides whether a reason is needed); her KPI targets: her management chain, HR in scope, admins;
- approving a person's goal plan: her management chain, HR in scope, admins — never the person;
- recording KPI actuals: whoever may change the target, and the person herself for her own KPIs;
- KPI library and goal templates: HR (any scope) and admins; templates also managers, for their team
  (a manager changes only the templates she wrote).
"""

from __future__ import annotations

from typing import Any

from jixiao.audit.services import access_denied
from jixiao.core.parsing import parse_int
from jixiao.org.models import Employee, ImportJob
from jixiao.org.selectors import actor_context

from .models import GoalPlan, GoalTemplate, KeyResult, KPITarget, Objective, OwnerType


def can_manage_company(user: Any) -> bool:
    """Strategy, periods, goal settings and company objectives."""
    ctx = actor_context(user)
    return ctx.is_admin or ctx.is_company_hr


def can_manage_library(user: Any) -> bool:
    """The KPI library and business areas."""
    ctx = actor_context(user)
    return ctx.is_admin or ctx.is_hr


def can_assign_in_bulk(user: Any) -> bool:
    """Goal templates and bulk assignment: HR and admins for their scope, managers for their team."""
    ctx = actor_context(user)
    # is_manager counts current reports only: a manager whose team has left hands out nothing.
    return ctx.is_admin or ctx.is_hr or ctx.is_manager


def require_company_manager(user: Any, target_type: str = "goals.company") -> None:
    """404 (audited) unless the user may manage strategy, periods and goal settings."""
    if not can_manage_company(user):
        raise access_denied(user, target_type, "", write=True)


def template_for_user(user: Any, template_id: object) -> GoalTemplate:
    """A goal template for those who keep and assign templates (HR, admins, managers); 404 otherwise."""
    pk = parse_int(template_id)
    template = GoalTemplate.objects.filter(pk=pk).first() if pk is not None and can_assign_in_bulk(user) else None
    if template is None:
        raise access_denied(user, "goals.goaltemplate", template_id, write=False)
    return template


def can_edit_template(user: Any, template: GoalTemplate) -> bool:
    """HR and admins change any goal template; a manager only the ones she wrote."""
    ctx = actor_context(user)
    if ctx.is_admin or ctx.is_hr:
        return True
    return template.created_by_id is not None and template.created_by_id == getattr(user, "pk", None)


def _chain_includes(ctx: Any, chain: str) -> bool:
    """The actor is the person with this chain or one of her managers."""
    return bool(ctx.employee_chain) and chain.startswith(ctx.employee_chain)


def can_edit_department_goals(user: Any, department: Any) -> bool:
    ctx = actor_context(user)
    if ctx.in_hr_scope(department.path):
        return True
    head = department.head
    return head is not None and _chain_includes(ctx, head.chain)


def can_edit_person_goals(user: Any, employee: Employee) -> bool:
    ctx = actor_context(user)
    return ctx.in_hr_scope(employee.department.path) or _chain_includes(ctx, employee.chain)


def can_edit_objective(user: Any, objective: Objective) -> bool:
    if objective.owner_type == OwnerType.COMPANY:
        return can_manage_company(user)
    if objective.owner_type == OwnerType.DEPARTMENT:
        assert objective.department is not None
        return can_edit_department_goals(user, objective.department)
    assert objective.employee is not None
    return can_edit_person_goals(user, objective.employee)


def can_approve_plan(user: Any, employee: Employee) -> bool:
    """Her managers (any level), HR in scope and admins; never the person herself, admin or not."""
    ctx = actor_context(user)
    if ctx.employee_id == employee.pk:
        return False
    return ctx.in_hr_scope(employee.department.path) or ctx.manages(employee.chain)


def can_set_kpi_target(user: Any, target: KPITarget) -> bool:
    """Baseline, target, stretch and weight: the owner's management (not the person), HR, admins."""
    ctx = actor_context(user)
    if target.employee_id is not None:
        assert target.employee is not None
        return ctx.in_hr_scope(target.employee.department.path) or ctx.manages(target.employee.chain)
    assert target.department is not None
    return can_edit_department_goals(user, target.department)


def can_record_actual(user: Any, target: KPITarget) -> bool:
    ctx = actor_context(user)
    if target.employee_id is not None and target.employee_id == ctx.employee_id:
        return True
    return can_set_kpi_target(user, target)


def can_import_actuals(user: Any) -> bool:
    """The KPI actuals import: HR, admins and managers; every row is still checked like can_record_actual."""
    ctx = actor_context(user)
    return ctx.is_admin or ctx.is_hr or ctx.is_manager


def actuals_import_job_for_user(user: Any, job_id: object) -> ImportJob:
    """A KPI actuals import job for its owner or an admin, while she may still import; 404 otherwise."""
    pk = parse_int(job_id)
    job = None
    if pk is not None and can_import_actuals(user):
        jobs = ImportJob.objects.defer("content").filter(kind=ImportJob.Kind.KPI_ACTUALS)
        if not actor_context(user).is_admin:
            jobs = jobs.filter(owner=user)
        job = jobs.filter(pk=pk).first()
    if job is None:
        raise access_denied(user, "org.importjob", job_id, write=False)
    return job


def objective_for_user(user: Any, objective_id: object, *, write: bool = False) -> Objective:
    """The objective if the user may read it (or change it, with write=True); 404 otherwise."""
    pk = parse_int(objective_id)
    objective = None
    if pk is not None:
        objective = (
            Objective.objects.visible_to(user)
            .select_related("period", "department__head", "employee__department", "parent")
            .filter(pk=pk)
            .first()
        )
    if objective is None or (write and not can_edit_objective(user, objective)):
        raise access_denied(user, "goals.objective", objective_id, write=write)
    return objective


def key_result_for_user(user: Any, key_result_id: object, *, write: bool = False) -> KeyResult:
    """The key result if the user may read its objective (or change it, with write=True); 404 otherwise."""
    pk = parse_int(key_result_id)
    key_result = None
    if pk is not None:
        key_result = (
            KeyResult.objects.select_related(
                "objective__period", "objective__department__head", "objective__employee__department"
            )
            .filter(pk=pk, objective__in=Objective.objects.visible_to(user))
            .first()
        )
    if key_result is None or (write and not can_edit_objective(user, key_result.objective)):
        raise access_denied(user, "goals.keyresult", key_result_id, write=write)
    return key_result


def plan_for_user(user: Any, employee_id: object, period_id: object, *, approve: bool = False) -> GoalPlan:
    """A person's goal plan for a period, for her and whoever may see her private goals (or approve)."""
    from jixiao.org.permissions import employee_for_user

    employee = employee_for_user(user, employee_id)
    ctx = actor_context(user)
    may_read = (
        ctx.is_admin
        or ctx.is_executive
        or ctx.in_hr_scope(employee.department.path)
        or _chain_includes(ctx, employee.chain)
    )
    period_pk = parse_int(period_id)
    if not may_read or period_pk is None or (approve and not can_approve_plan(user, employee)):
        raise access_denied(user, "goals.goalplan", f"{employee_id}/{period_id}", write=approve)
    from .models import Period

    period = Period.objects.filter(pk=period_pk).first()
    if period is None:
        raise access_denied(user, "goals.goalplan", f"{employee_id}/{period_id}", write=approve)
    # Reading never writes: a person who has not started yet has an unsaved draft plan.
    plan = GoalPlan.objects.filter(employee=employee, period=period).first() or GoalPlan(
        employee=employee, period=period
    )
    plan.employee = employee
    plan.period = period
    return plan


def kpi_target_for_user(user: Any, target_id: object, *, write: bool = False, record: bool = False) -> KPITarget:
    """The KPI target if the user may read it; write=True to change it, record=True to add actuals."""
    pk = parse_int(target_id)
    target = None
    if pk is not None:
        target = (
            KPITarget.objects.visible_to(user)
            .select_related("indicator__area", "period", "employee__department", "department__head")
            .filter(pk=pk)
            .first()
        )
    if target is not None and write and not can_set_kpi_target(user, target):
        target = None
    if target is not None and record and not can_record_actual(user, target):
        target = None
    if target is None:
        raise access_denied(user, "goals.kpitarget", target_id, write=write or record)
    return target
