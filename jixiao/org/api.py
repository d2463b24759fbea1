"""Organisation endpoints: employees and departments, behind the same gate as the pages.

Each handler parses, passes the gate in permissions.py, calls one service and answers. Versions
travel as ETag / If-Match (docs/decisions/0002-api-conventions.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status

from jixiao.core.api import (
    CREATE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    etag_for,
    invalid_query,
    keyset_page,
    version_from_if_match,
)
from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest

from . import permissions, selectors, services
from .models import Department, Employee
from .models import Status as EmployeeStatus
from .schemas import (
    DepartmentCreateIn,
    DepartmentFilters,
    DepartmentOut,
    DepartmentPage,
    DepartmentPatchIn,
    EmployeeCreateIn,
    EmployeeFilters,
    EmployeeOut,
    EmployeePage,
    EmployeePatchIn,
    MeOut,
)

router = Router(tags=["organisation"])

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description='The ETag from the last read, e.g. "3". Required; a stale one gets 412.'),
]


# What employee_out reads: loading only these keeps a page of 200 people cheap to build.
EMPLOYEE_OUT_COLUMNS = (
    "id",
    "employee_number",
    "name",
    "english_name",
    "email",
    "title",
    "job_family",
    "department_id",
    "department__path",
    "manager_id",
    "status",
    "version",
    "chain",
    "job_level",
    "hire_date",
    "phone",
)


def employee_out(user: Any, employee: Employee) -> EmployeeOut:
    sensitive = permissions.can_see_sensitive(user, employee)
    return EmployeeOut(
        id=employee.pk,
        employee_number=employee.employee_number,
        name=employee.name,
        english_name=employee.english_name,
        email=employee.email,
        title=employee.title,
        job_family=employee.job_family,
        department=employee.department_id,
        manager=employee.manager_id,
        status=EmployeeStatus(employee.status),
        version=employee.version,
        sensitive_included=sensitive,
        job_level=employee.job_level if sensitive else None,
        hire_date=employee.hire_date if sensitive else None,
        phone=employee.phone if sensitive else None,
    )


def department_out(department: Department) -> DepartmentOut:
    return DepartmentOut(
        id=department.pk,
        name=department.name,
        name_en=department.name_en,
        parent=department.parent_id,
        head=department.head_id,
        path=department.path,
        depth=department.depth,
        version=department.version,
    )


def _referenced_department(user: Any, department_id: int | None, field: str) -> Department | None:
    """A department named in a request body: it must be one the caller can see."""
    if department_id is None:
        return None
    department = Department.objects.visible_to(user).filter(pk=department_id).first()
    if department is None:
        raise DomainError(_("Department not found."), fields={field: [_("Not found.")]})
    return department


def _referenced_employee(user: Any, employee_id: int | None, field: str) -> Employee | None:
    """A person named in a request body: she must be someone the caller can see."""
    if employee_id is None:
        return None
    employee = Employee.objects.visible_to(user).filter(pk=employee_id).first()
    if employee is None:
        raise DomainError(_("Person not found."), fields={field: [_("Not found.")]})
    return employee


def _require_people_editor(user: Any) -> None:
    # Creating needs HR or admin rights somewhere; everyone else gets the same 404 as for a missing object.
    if not permissions.can_edit_people(user):
        raise Http404


# ---- the caller --------------------------------------------------------------------------------


@router.get("/me", response={200: MeOut, 401: READ_ERRORS[401]}, summary="Who am I", url_name="me")
def me(request: AuthedRequest) -> MeOut:
    """The signed-in account and its roles."""
    ctx = selectors.actor_context(request.user)
    return MeOut(
        username=request.user.get_username(),
        employee_id=ctx.employee_id,
        is_admin=ctx.is_admin,
        is_executive=ctx.is_executive,
        hr_department_ids=ctx.hr_department_ids,
    )


# ---- employees ---------------------------------------------------------------------------------


@router.get("/employees", response={200: EmployeePage, **READ_ERRORS}, summary="List people", url_name="employee_list")
def employee_list(request: AuthedRequest, filters: Query[EmployeeFilters]) -> EmployeePage:
    """People the caller can see, ordered by employee number, one keyset page at a time."""
    department = None
    if filters.department is not None:
        department = Department.objects.visible_to(request.user).filter(pk=filters.department).first()
        if department is None:
            raise invalid_query("department", _("Department not found."))
    qs = selectors.directory(user=request.user, query=filters.q, department=department).only(*EMPLOYEE_OUT_COLUMNS)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    rows, next_cursor = keyset_page(
        qs, keys=("employee_number", "id"), cursor=filters.cursor, limit=filters.limit, salt="employees"
    )
    return EmployeePage(items=[employee_out(request.user, e) for e in rows], next_cursor=next_cursor)


@router.get(
    "/employees/{employee_id}",
    response={200: EmployeeOut, **READ_ERRORS},
    summary="Read a person",
    url_name="employee_read",
)
def employee_read(request: AuthedRequest, employee_id: int, response: HttpResponse) -> EmployeeOut:
    """One person. The ETag header carries her version, for If-Match on PATCH."""
    employee = permissions.employee_for_user(request.user, employee_id)
    response["ETag"] = etag_for(employee.version)
    return employee_out(request.user, employee)


@router.post("/employees", response={201: EmployeeOut, **CREATE_ERRORS}, summary="Add a person")
def employee_create(request: AuthedRequest, payload: EmployeeCreateIn, response: HttpResponse) -> Status[EmployeeOut]:
    """Add a person to a department in the caller's HR scope."""
    _require_people_editor(request.user)
    values = payload.model_dump()
    values["department_id"] = values.pop("department")
    values["manager_id"] = values.pop("manager")
    employee = services.employee_create(actor=request.user, data=services.EmployeeInput(**values))
    response["ETag"] = etag_for(employee.version)
    response["Location"] = reverse("api:employee_read", args=[employee.pk])
    return Status(201, employee_out(request.user, employee))


@router.patch("/employees/{employee_id}", response={200: EmployeeOut, **WRITE_ERRORS}, summary="Change a person")
def employee_update(
    request: AuthedRequest, employee_id: int, payload: EmployeePatchIn, response: HttpResponse, if_match: IfMatch = None
) -> EmployeeOut:
    """Change the fields sent. Needs If-Match with the ETag last read; a stale one is refused with 412."""
    employee = permissions.employee_for_user(request.user, employee_id, write=True)
    version = version_from_if_match(if_match, employee.version)
    changes = payload.model_dump(exclude_unset=True)
    if "department" in changes:
        changes["department_id"] = changes.pop("department")
    if "manager" in changes:
        changes["manager_id"] = changes.pop("manager")
    employee = services.employee_update(
        actor=request.user,
        employee=employee,
        version=version,
        data=services.employee_input_from(employee, **changes),
    )
    response["ETag"] = etag_for(employee.version)
    return employee_out(request.user, employee)


# ---- departments -------------------------------------------------------------------------------


@router.get(
    "/departments",
    response={200: DepartmentPage, **READ_ERRORS},
    summary="List departments",
    url_name="department_list",
)
def department_list(request: AuthedRequest, filters: Query[DepartmentFilters]) -> DepartmentPage:
    """Departments the caller can see, by id, one keyset page at a time."""
    qs = Department.objects.visible_to(request.user)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(name_en__icontains=filters.q))
    if filters.parent is not None:
        qs = qs.filter(parent_id=filters.parent)
    rows, next_cursor = keyset_page(qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="departments")
    return DepartmentPage(items=[department_out(d) for d in rows], next_cursor=next_cursor)


@router.get(
    "/departments/{department_id}",
    response={200: DepartmentOut, **READ_ERRORS},
    summary="Read a department",
    url_name="department_read",
)
def department_read(request: AuthedRequest, department_id: int, response: HttpResponse) -> DepartmentOut:
    """One department. The ETag header carries its version, for If-Match on PATCH."""
    department = permissions.department_for_user(request.user, department_id)
    response["ETag"] = etag_for(department.version)
    return department_out(department)


@router.post("/departments", response={201: DepartmentOut, **CREATE_ERRORS}, summary="Add a department")
def department_create(
    request: AuthedRequest, payload: DepartmentCreateIn, response: HttpResponse
) -> Status[DepartmentOut]:
    """Add a department under one in the caller's HR scope (a top-level one needs an administrator)."""
    _require_people_editor(request.user)
    department = services.department_create(
        actor=request.user,
        name=payload.name,
        name_en=payload.name_en,
        parent=_referenced_department(request.user, payload.parent, "parent"),
        head=_referenced_employee(request.user, payload.head, "head"),
    )
    response["ETag"] = etag_for(department.version)
    response["Location"] = reverse("api:department_read", args=[department.pk])
    return Status(201, department_out(department))


@router.patch(
    "/departments/{department_id}", response={200: DepartmentOut, **WRITE_ERRORS}, summary="Change a department"
)
def department_update(
    request: AuthedRequest,
    department_id: int,
    payload: DepartmentPatchIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> DepartmentOut:
    """Rename, re-head or move a department. Needs If-Match with the ETag last read; a stale one gets 412."""
    department = permissions.department_for_user(request.user, department_id, write=True)
    version = version_from_if_match(if_match, department.version)
    changes = payload.model_dump(exclude_unset=True)
    refs: dict[str, Any] = {}
    if "parent" in changes:
        refs["parent"] = _referenced_department(request.user, changes["parent"], "parent")
    if "head" in changes:
        refs["head"] = _referenced_employee(request.user, changes["head"], "head")
    department = services.department_update(
        actor=request.user,
        department=department,
        version=version,
        name=changes.get("name"),
        name_en=changes.get("name_en"),
        **refs,
    )
    response["ETag"] = etag_for(department.version)
    return department_out(department)
