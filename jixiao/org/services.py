"""Writes on the organisation. Every function is atomic, takes actor= and records an audit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError, NotFound, StaleWrite

from .models import Department, Employee, HRScope, Status
from .pinyin import name_pinyin
from .selectors import actor_context, forget_actor_context

EMPLOYEE_FIELDS = (
    "employee_number",
    "name",
    "english_name",
    "email",
    "phone",
    "title",
    "job_level",
    "job_family",
    "hire_date",
    "status",
)


def _snapshot(employee: Employee) -> dict[str, Any]:
    data = {f: getattr(employee, f) for f in EMPLOYEE_FIELDS}
    data["department_id"] = employee.department_id
    data["manager_id"] = employee.manager_id
    data["user_id"] = employee.user_id
    return data


def _dept_snapshot(department: Department) -> dict[str, Any]:
    return {
        "name": department.name,
        "name_en": department.name_en,
        "parent_id": department.parent_id,
        "head_id": department.head_id,
    }


def _require_department_in_scope(actor: Any, department: Department) -> None:
    if not actor_context(actor).in_hr_scope(department.path):
        raise NotFound(_("Department not found."), fields={"department": [_("Not found or outside your scope.")]})


# ---- departments -------------------------------------------------------------------------------


@transaction.atomic
def department_create(
    *, actor: Any, name: str, name_en: str = "", parent: Department | None, head: Employee | None = None
) -> Department:
    """Create a department under `parent` (None makes a root, which only admins may do)."""
    name = name.strip()
    if not name:
        raise DomainError(_("A department needs a name."), fields={"name": [_("Required.")]})
    if parent is None:
        if not actor_context(actor).is_admin:
            raise DomainError(_("Only an administrator can create a top-level department."), code="forbidden")
    else:
        _require_department_in_scope(actor, parent)
    if Department.objects.filter(parent=parent, name=name).exists():
        raise DomainError(
            _("There is already a department called “%(name)s” here.") % {"name": name},
            fields={"name": [_("Already used by a sibling department.")]},
        )
    department = Department.objects.create(name=name, name_en=name_en.strip(), parent=parent, head=head, path="")
    department.path = (parent.path if parent else "/") + f"{department.pk}/"
    department.depth = parent.depth + 1 if parent else 0
    department.save(update_fields=["path", "depth"])
    record_event(
        actor=actor,
        action="department.create",
        target=department,
        after=_dept_snapshot(department),
        scope_path=department.path,
    )
    return department


_UNSET: Any = object()


@transaction.atomic
def department_update(
    *,
    actor: Any,
    department: Department,
    version: int,
    name: str | None = None,
    name_en: str | None = None,
    parent: Department | None = _UNSET,
    head: Employee | None = _UNSET,
) -> Department:
    """Rename, move or change the head of a department; moving re-paths its whole subtree in one UPDATE."""
    _require_department_in_scope(actor, department)
    before = _dept_snapshot(department)
    if name is not None:
        name = name.strip()
        if not name:
            raise DomainError(_("A department needs a name."), fields={"name": [_("Required.")]})
        department.name = name
    if name_en is not None:
        department.name_en = name_en.strip()
    if head is not _UNSET:
        department.head = head
    moving = parent is not _UNSET and parent != department.parent
    if moving:
        if parent is None:
            raise DomainError(_("A department cannot become a new top level."), fields={"parent": [_("Required.")]})
        _require_department_in_scope(actor, parent)
        if parent.path.startswith(department.path):
            raise DomainError(
                _("A department cannot move under itself or one of its sub-departments."),
                code="cycle",
                fields={"parent": [_("This would make a loop.")]},
            )
    if (
        Department.objects.filter(parent=parent if moving else department.parent, name=department.name)
        .exclude(pk=department.pk)
        .exists()
    ):
        raise DomainError(
            _("There is already a department called “%(name)s” here.") % {"name": department.name},
            fields={"name": [_("Already used by a sibling department.")]},
        )
    updated = Department.objects.filter(pk=department.pk, version=version).update(version=F("version") + 1)
    if not updated:
        raise StaleWrite(_("Someone else saved this department. Reload to see their changes."))
    department.version = version + 1
    if moving:
        assert parent is not None
        old_path = department.path
        new_path = parent.path + f"{department.pk}/"
        depth_shift = parent.depth + 1 - department.depth
        Department.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)), depth=F("depth") + depth_shift
        )
        department.parent = parent
        department.path = new_path
        department.depth = parent.depth + 1
    department.save(update_fields=["name", "name_en", "head", "parent"])
    record_event(
        actor=actor,
        action="department.update",
        target=department,
        before=before,
        after=_dept_snapshot(department),
        scope_path=department.path,
    )
    return department


# ---- employees ---------------------------------------------------------------------------------


@dataclass
class EmployeeInput:
    """The fields a person may set on an employee. Server-owned fields (id, chain, version) are not here."""

    employee_number: str
    name: str
    department_id: int
    english_name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    job_level: str = ""
    job_family: str = ""
    manager_id: int | None = None
    hire_date: dt.date | None = None
    status: str = Status.ACTIVE


def _validate_manager(employee: Employee | None, manager: Employee | None) -> None:
    if manager is None:
        return
    if employee is not None and employee.pk is not None:
        if manager.pk == employee.pk:
            raise DomainError(
                _("A person cannot be her own manager."), code="cycle", fields={"manager": [_("Choose someone else.")]}
            )
        if f"/{employee.pk}/" in manager.chain:
            raise DomainError(
                _("%(manager)s reports to %(employee)s, so this would make a reporting loop.")
                % {"manager": manager.name, "employee": employee.name},
                code="cycle",
                fields={"manager": [_("This would make a reporting loop.")]},
            )


def _load_refs(actor: Any, data: EmployeeInput) -> tuple[Department, Employee | None]:
    department = Department.objects.filter(pk=data.department_id).first()
    if department is None:
        raise DomainError(_("Department not found."), fields={"department": [_("Not found.")]})
    _require_department_in_scope(actor, department)
    manager = None
    if data.manager_id is not None:
        # Only someone the actor can see may be named manager, so ids cannot be probed this way either.
        manager = Employee.objects.visible_to(actor).filter(pk=data.manager_id).first()
        if manager is None:
            raise DomainError(_("Manager not found."), fields={"manager": [_("Not found.")]})
    return department, manager


def _check_fields(data: EmployeeInput, *, exclude_pk: int = 0) -> None:
    errors: dict[str, list[str]] = {}
    if not data.employee_number.strip():
        errors["employee_number"] = [_("Required.")]
    elif Employee.objects.filter(employee_number=data.employee_number.strip()).exclude(pk=exclude_pk).exists():
        errors["employee_number"] = [_("Another employee already has this number.")]
    if not data.name.strip():
        errors["name"] = [_("Required.")]
    if data.status not in Status.values:
        errors["status"] = [_("Unknown status.")]
    if errors:
        raise DomainError(_("Please correct the marked fields."), fields=errors)


@transaction.atomic
def employee_create(*, actor: Any, data: EmployeeInput) -> Employee:
    """Add a person to a department in the actor's scope."""
    _check_fields(data)
    department, manager = _load_refs(actor, data)
    values = asdict(data)
    values.pop("department_id")
    values.pop("manager_id")
    values["employee_number"] = values["employee_number"].strip()
    employee = Employee.objects.create(
        **values, name_pinyin=name_pinyin(values["name"]), department=department, manager=manager
    )
    employee.chain = (manager.chain if manager else "/") + f"{employee.pk}/"
    employee.save(update_fields=["chain"])
    record_event(
        actor=actor, action="employee.create", target=employee, after=_snapshot(employee), scope_path=department.path
    )
    return employee


@transaction.atomic
def employee_update(*, actor: Any, employee: Employee, version: int, data: EmployeeInput) -> Employee:
    """Change a person's record. A new manager re-chains her and everyone below her in one UPDATE."""
    _check_fields(data, exclude_pk=employee.pk)
    _require_department_in_scope(actor, employee.department)
    department, manager = _load_refs(actor, data)
    _validate_manager(employee, manager)
    before = _snapshot(employee)
    updated = Employee.objects.filter(pk=employee.pk, version=version).update(version=F("version") + 1)
    if not updated:
        raise StaleWrite(_("Someone else saved this person. Reload to see their changes."))
    employee.version = version + 1
    for name in EMPLOYEE_FIELDS:
        setattr(employee, name, getattr(data, name))
    employee.employee_number = employee.employee_number.strip()
    employee.name_pinyin = name_pinyin(employee.name)
    employee.department = department
    if manager != employee.manager:
        old_chain = employee.chain
        new_chain = (manager.chain if manager else "/") + f"{employee.pk}/"
        Employee.objects.filter(chain__startswith=old_chain).update(
            chain=Concat(Value(new_chain), Substr("chain", len(old_chain) + 1))
        )
        employee.manager = manager
        employee.chain = new_chain
    employee.save(update_fields=[*EMPLOYEE_FIELDS, "name_pinyin", "department", "manager"])
    if employee.status == Status.LEFT and before["status"] != Status.LEFT and employee.user_id:
        from jixiao.accounts.services import user_deactivate

        user_deactivate(user=employee.user, actor=actor)  # type: ignore[arg-type]
    record_event(
        actor=actor,
        action="employee.update",
        target=employee,
        before=before,
        after=_snapshot(employee),
        scope_path=department.path,
    )
    return employee


def employee_input_from(employee: Employee, **changes: Any) -> EmployeeInput:
    """The current values of an employee as input, with some fields changed."""
    values = {f: getattr(employee, f) for f in EMPLOYEE_FIELDS}
    values["department_id"] = employee.department_id
    values["manager_id"] = employee.manager_id
    values.update(changes)
    return EmployeeInput(**values)


# ---- HR scopes -----------------------------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if not actor_context(actor).is_admin:
        raise DomainError(_("Only an administrator can change accounts and roles."), code="forbidden")


@transaction.atomic
def hr_scope_grant(*, actor: Any, user: Any, department: Department) -> HRScope:
    """Make the account HR of a department subtree; it counts from her next request on."""
    _require_admin(actor)
    if not user.is_active:
        raise DomainError(_("Reactivate the account before giving it a role."), code="inactive")
    # One prefix match finds the same department and any unit above it that she already covers.
    covering = (
        HRScope.objects.filter(user=user, department__path__in=_prefixes(department.path))
        .select_related("department")
        .first()
    )
    if covering is not None:
        message = (
            _("She is already HR of %(department)s.")
            if covering.department_id == department.pk
            else _("She is already HR of %(department)s, which includes this department.")
        )
        raise DomainError(
            message % {"department": covering.department.name},
            code="duplicate",
            fields={"department": [message % {"department": covering.department.name}]},
        )
    scope = HRScope.objects.create(user=user, department=department)
    forget_actor_context(user)
    record_event(
        actor=actor,
        action="hr_scope.grant",
        target=user,
        after={"department_id": department.pk, "department": department.name},
        scope_path=department.path,
    )
    return scope


@transaction.atomic
def hr_scope_revoke(*, actor: Any, user: Any, department: Department) -> None:
    """Take away the account's HR rights over a department subtree, from her next request on."""
    _require_admin(actor)
    deleted, _rows = HRScope.objects.filter(user=user, department=department).delete()
    if not deleted:
        raise DomainError(
            _("She is not HR of %(department)s.") % {"department": department.name},
            code="not_found",
            fields={"department": [_("Not one of her departments.")]},
        )
    forget_actor_context(user)
    record_event(
        actor=actor,
        action="hr_scope.revoke",
        target=user,
        before={"department_id": department.pk, "department": department.name},
        scope_path=department.path,
    )


def _prefixes(path: str) -> list[str]:
    """The paths of the department and of every unit above it: "/1/5/12/" gives "/1/", "/1/5/", "/1/5/12/"."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
