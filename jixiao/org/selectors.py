"""Reads on the organisation: who the actor is, teams, trees, the directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from .models import Department, Employee, HRScope, Status

if TYPE_CHECKING:
    from jixiao.accounts.models import User

_CTX_ATTR = "_jixiao_actor_context"


@dataclass(frozen=True)
class ActorContext:
    """What the gate needs to know about a user, loaded once per request (two queries)."""

    is_admin: bool = False
    is_executive: bool = False
    employee_id: int | None = None
    employee_chain: str = ""
    hr_paths: list[str] = field(default_factory=list)
    hr_department_ids: list[int] = field(default_factory=list)

    @property
    def is_hr(self) -> bool:
        return bool(self.hr_paths)

    def in_hr_scope(self, department_path: str) -> bool:
        return self.is_admin or any(department_path.startswith(p) for p in self.hr_paths)

    def manages(self, employee_chain: str) -> bool:
        """True if the person with this chain reports to the actor, directly or not."""
        return (
            bool(self.employee_chain)
            and employee_chain.startswith(self.employee_chain)
            and (employee_chain != self.employee_chain)
        )


ANONYMOUS = ActorContext()


def actor_context(user: Any) -> ActorContext:
    """The user's roles and place in the organisation, cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached: ActorContext | None = getattr(user, _CTX_ATTR, None)
    if cached is not None:
        return cached
    me = Employee.objects.filter(user=user).exclude(status=Status.LEFT).values("id", "chain").first()
    scopes = list(HRScope.objects.filter(user=user).values_list("department_id", "department__path"))
    ctx = ActorContext(
        is_admin=bool(user.is_superuser),
        is_executive=bool(getattr(user, "is_executive", False)),
        employee_id=me["id"] if me else None,
        employee_chain=me["chain"] if me else "",
        hr_paths=[path for _, path in scopes],
        hr_department_ids=[dept_id for dept_id, _ in scopes],
    )
    setattr(user, _CTX_ATTR, ctx)
    return ctx


def forget_actor_context(user: Any) -> None:
    """Drop the cached context after the user's roles or place changed."""
    if hasattr(user, _CTX_ATTR):
        delattr(user, _CTX_ATTR)


def employee_of(user: Any) -> Employee | None:
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return None
    return Employee.objects.select_related("department", "manager").filter(pk=ctx.employee_id).first()


def reports_of(manager: Employee) -> QuerySet[Employee]:
    """Direct and indirect reports, derived from the reporting line."""
    return Employee.objects.filter(chain__startswith=manager.chain).exclude(pk=manager.pk)


def direct_reports_of(manager: Employee) -> QuerySet[Employee]:
    return Employee.objects.filter(manager=manager).exclude(status=Status.LEFT)


def is_manager(employee: Employee) -> bool:
    return Employee.objects.filter(manager=employee).exclude(status=Status.LEFT).exists()


def management_chain(employee: Employee) -> list[Employee]:
    """Her managers from the direct one upwards."""
    ids = employee.chain_ids
    by_id = Employee.objects.select_related("department").in_bulk(ids)
    return [by_id[i] for i in reversed(ids) if i in by_id]


def directory(*, user: User, query: str = "", department: Department | None = None) -> QuerySet[Employee]:
    """The directory listing for a user, optionally searched and narrowed to a department subtree."""
    qs = Employee.objects.visible_to(user).select_related("department")
    if query:
        q = query.strip()
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(english_name__icontains=q)
            | Q(employee_number__iexact=q)
            | Q(email__icontains=q)
            | Q(title__icontains=q)
        )
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    return qs


def department_children_with_counts(*, parent: Department | None) -> QuerySet[Department]:
    """Child departments with their head and the number of people and sub-departments, for the org chart."""
    return (
        Department.objects.filter(parent=parent)
        .select_related("head")
        .annotate(
            people=Count("employees", filter=~Q(employees__status=Status.LEFT), distinct=True),
            subdepartments=Count("children", distinct=True),
        )
        .order_by("name")
    )


def department_breadcrumbs(department: Department) -> list[Department]:
    by_id = Department.objects.in_bulk(department.ancestor_ids)
    return [by_id[i] for i in department.ancestor_ids if i in by_id]


def home_summary(*, user: User) -> dict[str, Any]:
    """Everything the home page shows, in a fixed number of queries."""
    ctx = actor_context(user)
    me = employee_of(user)
    team: list[Employee] = []
    team_size = 0
    department = None
    department_size = 0
    if me is not None:
        team = list(direct_reports_of(me).select_related("department").order_by("name")[:12])
        team_size = reports_of(me).exclude(status=Status.LEFT).count()
        department = me.department
        department_size = Employee.objects.filter(department=department).exclude(status=Status.LEFT).count()
    hr_departments = (
        list(
            Department.objects.filter(pk__in=ctx.hr_department_ids)
            .annotate(people=Count("employees", filter=~Q(employees__status=Status.LEFT)))
            .order_by("path")
        )
        if ctx.hr_department_ids
        else []
    )
    company_size = Employee.objects.exclude(status=Status.LEFT).count() if (ctx.is_admin or ctx.is_executive) else None
    return {
        "ctx": ctx,
        "me": me,
        "team": team,
        "team_size": team_size,
        "department": department,
        "department_size": department_size,
        "hr_departments": hr_departments,
        "company_size": company_size,
        "manager": me.manager if me else None,
    }
