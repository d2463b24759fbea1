"""Reads on accounts for the administrators' "Users and roles" pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from jixiao.org.models import Department, HRScope

from .models import User

PAGE_SIZE = 50


class RoleFilter:
    """Values of the list's role filter; "" lists every account."""

    ALL = ""
    ADMIN = "admin"
    HR = "hr"
    EXECUTIVE = "executive"
    NO_EMPLOYEE = "no_employee"
    DEACTIVATED = "deactivated"
    VALUES = (ADMIN, HR, EXECUTIVE, NO_EMPLOYEE, DEACTIVATED)


_ROLE_Q = {
    RoleFilter.ADMIN: Q(is_superuser=True),
    RoleFilter.HR: Q(Exists(HRScope.objects.filter(user=OuterRef("pk")))),
    RoleFilter.EXECUTIVE: Q(is_executive=True),
    RoleFilter.NO_EMPLOYEE: Q(employee__isnull=True),
    RoleFilter.DEACTIVATED: Q(is_active=False),
}


def _with_roles(users: QuerySet[User]) -> QuerySet[User]:
    """Linked employee and department in the same query; every HR scope with its department in one more."""
    return users.select_related("employee__department").prefetch_related(
        Prefetch(
            "hr_scopes",
            queryset=HRScope.objects.select_related("department").order_by("department__path"),
            to_attr="scopes",
        )
    )


def accounts(*, query: str = "", role: str = RoleFilter.ALL) -> QuerySet[User]:
    """Every account, searched by username, name or employee number and narrowed to a role."""
    qs = User.objects.all()
    q = query.strip()
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(employee__name__icontains=q)
            | Q(employee__english_name__icontains=q)
            | Q(employee__employee_number__iexact=q)
        )
    if role in _ROLE_Q:
        qs = qs.filter(_ROLE_Q[role])
    return qs


@dataclass
class AccountPage:
    """One page of accounts and the cursor of the next one (None on the last page)."""

    accounts: list[User]
    next_after: int | None
    total: int | None = None


def account_page(
    *,
    query: str = "",
    role: str = RoleFilter.ALL,
    after: int | None = None,
    with_total: bool = True,
    size: int = PAGE_SIZE,
) -> AccountPage:
    """One keyset page by username: three queries (the total when asked, the rows, their HR scopes).

    The cursor is the last row's id; its username is read inline by a subquery, so no page needs OFFSET.
    """
    qs = accounts(query=query, role=role)
    total = qs.count() if with_total else None
    if after is not None:
        qs = qs.filter(username__gt=Subquery(User.objects.filter(pk=after).values("username")[:1]))
    rows = list(_with_roles(qs.order_by("username"))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AccountPage(accounts=rows, next_after=rows[-1].pk if more and rows else None, total=total)


def account_detail(*, account: User) -> User:
    """The account with its employee, department and HR scopes: two queries."""
    return _with_roles(User.objects.filter(pk=account.pk)).get()


def department_choices() -> list[Department]:
    """Departments offered by the HR-scope picker, in tree order: one query."""
    return list(Department.objects.only("id", "name", "name_en", "path", "depth").order_by("path"))
