"""The one gate to departments and employees. Missing and forbidden both answer 404."""

from __future__ import annotations

from typing import Any

from jixiao.audit.services import access_denied

from .models import Department, Employee, ImportJob
from .selectors import actor_context


def employee_for_user(user: Any, employee_id: object, *, write: bool = False) -> Employee:
    """The employee if the user may see her (or change her, with write=True); 404 otherwise."""
    qs = Employee.objects.writable_by(user) if write else Employee.objects.visible_to(user)
    try:
        employee = qs.select_related("department", "manager", "user").filter(pk=int(str(employee_id))).first()
    except ValueError:
        employee = None
    if employee is None:
        raise access_denied(user, "org.employee", employee_id, write=write)
    return employee


def department_for_user(user: Any, department_id: object, *, write: bool = False) -> Department:
    """The department if the user may see it (or change it, with write=True); 404 otherwise."""
    qs = Department.objects.writable_by(user) if write else Department.objects.visible_to(user)
    try:
        department = qs.select_related("parent", "head").filter(pk=int(str(department_id))).first()
    except ValueError:
        department = None
    if department is None:
        raise access_denied(user, "org.department", department_id, write=write)
    return department


def can_see_sensitive(user: Any, employee: Employee) -> bool:
    """Level, hire date and phone: the person, her management chain, HR in scope, admins."""
    ctx = actor_context(user)
    return (
        ctx.is_admin
        or ctx.in_hr_scope(employee.department.path)
        or (bool(ctx.employee_chain) and employee.chain.startswith(ctx.employee_chain))
    )


def can_edit_employee(user: Any, employee: Employee) -> bool:
    """Whether to offer the edit page for this person (HR in scope, admins)."""
    return actor_context(user).in_hr_scope(employee.department.path)


def can_edit_department(user: Any, department: Department) -> bool:
    """Whether to offer editing this department and adding under it (HR in scope, admins)."""
    return actor_context(user).in_hr_scope(department.path)


def can_edit_people(user: Any) -> bool:
    """Whether to offer create / import actions at all (each write is still checked by scope)."""
    ctx = actor_context(user)
    return ctx.is_admin or ctx.is_hr


def can_import(user: Any) -> bool:
    return can_edit_people(user)


def can_read_audit(user: Any) -> bool:
    ctx = actor_context(user)
    return ctx.is_admin or ctx.is_hr


def import_job_for_user(user: Any, job_id: object) -> ImportJob:
    """An import job for its owner or an admin, while she may still import; 404 otherwise.

    The uploaded bytes are left unloaded: pages and the API only need the progress and the report.
    """
    ctx = actor_context(user)
    job = None
    if can_import(user):
        # People imports only: KPI actuals jobs have their own gate and wording in goals.
        jobs = ImportJob.objects.defer("content").filter(kind=ImportJob.Kind.EMPLOYEES)
        if not ctx.is_admin:
            jobs = jobs.filter(owner=user)
        try:
            job = jobs.filter(pk=int(str(job_id))).first()
        except ValueError:
            job = None
    if job is None:
        raise access_denied(user, "org.importjob", job_id, write=False)
    return job
