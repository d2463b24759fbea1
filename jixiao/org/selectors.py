"""Reads on the organisation: who the actor is, teams, trees, the directory."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import get_language, gettext

from jixiao.core.prepared import Prepared

from .models import Department, Employee, HRScope, Status

if TYPE_CHECKING:
    from jixiao.accounts.models import User

_CTX_ATTR = "_jixiao_actor_context"
_PINYIN_QUERY = re.compile(r"[A-Za-z ]+")


@dataclass(frozen=True)
class ActorContext:
    """What the gate needs to know about a user, loaded once per request (two queries)."""

    is_admin: bool = False
    is_executive: bool = False
    employee_id: int | None = None
    employee_chain: str = ""
    employee_department_path: str = ""
    is_manager: bool = False
    hr_paths: list[str] = field(default_factory=list)
    hr_department_ids: list[int] = field(default_factory=list)

    @property
    def is_hr(self) -> bool:
        return bool(self.hr_paths)

    @property
    def is_company_hr(self) -> bool:
        """HR whose scope includes a top-level department: she speaks for the whole company."""
        return any(path.count("/") == 2 for path in self.hr_paths)

    @property
    def department_ids(self) -> list[int]:
        """Her department and the departments above it, top down."""
        return [int(part) for part in self.employee_department_path.strip("/").split("/") if part]

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


# Every request asks these two: compiled once per process (core.prepared), run with the user's id.
_ME = Prepared(
    lambda user_id: (
        Employee.objects.filter(user_id=user_id)
        .exclude(status=Status.LEFT)
        .annotate(has_reports=Exists(Employee.objects.filter(manager=OuterRef("pk")).exclude(status=Status.LEFT)))
        .values("id", "chain", "department__path", "has_reports")
        .order_by("pk")[:1]
    ),
    int,
)
_SCOPES = Prepared(
    lambda user_id: HRScope.objects.filter(user_id=user_id).values("department_id", "department__path").order_by(),
    int,
)


def actor_context(user: Any) -> ActorContext:
    """The user's roles and place in the organisation, cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached: ActorContext | None = getattr(user, _CTX_ATTR, None)
    if cached is not None:
        return cached
    me = _ME.first(user.pk)
    scopes = [(row["department_id"], row["department__path"]) for row in _SCOPES.all(user.pk)]
    ctx = ActorContext(
        is_admin=bool(user.is_superuser),
        is_executive=bool(getattr(user, "is_executive", False)),
        employee_id=me["id"] if me else None,
        employee_chain=me["chain"] if me else "",
        employee_department_path=me["department__path"] if me else "",
        is_manager=bool(me and me["has_reports"]),
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
        condition = (
            Q(name__icontains=q)
            | Q(english_name__icontains=q)
            | Q(employee_number__iexact=q)
            | Q(email__icontains=q)
            | Q(title__icontains=q)
        )
        # "wangwei", "wang wei" and "ww" all find 王伟; only letters and spaces can be pinyin.
        compact = q.lower().replace(" ", "")
        if compact and _PINYIN_QUERY.fullmatch(q):
            condition |= Q(name_pinyin__contains=compact)
        qs = qs.filter(condition)
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
        # The whole unit, sub-departments included: a department head's "my department" is all of it.
        department_size = (
            Employee.objects.filter(department__path__startswith=department.path).exclude(status=Status.LEFT).count()
        )
    # Headcount of the whole subtree: an HRBP of 销售部 supports everyone below it, not only its own desk.
    hr_departments = (
        departments_with_headcount(Department.objects.filter(pk__in=ctx.hr_department_ids).order_by("path"))
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
        **home_insights(user=user, me=me, is_manager=bool(team)),
    }


# ---- pages: names, directory, profile, department, org chart -------------------------------------

PAGE_SIZE = 50


def department_name(department: Department) -> str:
    """The department's name in the reader's language (the Chinese name is the one every unit has)."""
    if department.name_en and (get_language() or "").startswith("en"):
        return department.name_en
    return department.name


class DirectoryStatus:
    """Status filter values of the directory; "current" (active or on leave) is the default."""

    CURRENT = "current"
    ACTIVE = Status.ACTIVE.value
    ON_LEAVE = Status.ON_LEAVE.value
    LEFT = Status.LEFT.value
    ALL = "all"


DIRECTORY_SORTS: dict[str, tuple[str, ...]] = {
    # Each ordering ends in a unique column so the keyset cursor is unambiguous.
    "name": ("name", "pk"),
    "number": ("employee_number",),
    "department": ("department__path", "name", "pk"),
}


def _after_anchor(fields: tuple[str, ...], anchor_pk: int) -> Q:
    """Rows strictly after the anchor row in (fields…) order, comparing against the anchor's own values.

    The cursor is just the last row's id; its sort values are read inline by subqueries, so paging
    needs no extra round trip and no OFFSET, whatever page the reader is on.
    """
    anchor = Employee.objects.filter(pk=anchor_pk)
    condition: Q | None = None
    for name in reversed(fields):
        value = Subquery(anchor.values(name)[:1])
        greater = Q(**{f"{name}__gt": value})
        condition = greater if condition is None else greater | (Q(**{name: value}) & condition)
    assert condition is not None
    return condition


@dataclass
class PeoplePage:
    """One page of a people listing, and the cursor of the next one (None on the last page)."""

    people: list[Employee]
    next_after: int | None
    total: int | None = None


def directory_page(
    *,
    user: User,
    query: str = "",
    department: Department | None = None,
    status: str = DirectoryStatus.CURRENT,
    sort: str = "name",
    after: int | None = None,
    with_total: bool = True,
    size: int = PAGE_SIZE,
) -> PeoplePage:
    """One keyset page of the directory: two queries (the rows, and the total when asked)."""
    qs = directory(user=user, query=query, department=department)
    if status == DirectoryStatus.CURRENT:
        qs = qs.exclude(status=Status.LEFT)
    elif status in Status.values:
        qs = qs.filter(status=status)
    fields = DIRECTORY_SORTS.get(sort, DIRECTORY_SORTS["name"])
    total = qs.count() if with_total else None
    if after is not None:
        qs = qs.filter(_after_anchor(fields, after))
    rows = list(qs.order_by(*fields)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return PeoplePage(people=rows, next_after=rows[-1].pk if more and rows else None, total=total)


FILTER_DEPTH = 2


def department_options(*, user: User, selected: int | None = None) -> list[Department]:
    """The departments offered by the directory's filter, in tree order: one query.

    The top levels only (a list of 800 teams is no filter anyone can use), plus the chosen one
    when a link such as a department page's "search its people" picked a deeper one.
    """
    shown = Q(depth__lte=FILTER_DEPTH) | Q(pk=selected) if selected is not None else Q(depth__lte=FILTER_DEPTH)
    return list(
        Department.objects.visible_to(user)
        .filter(shown)
        .only("id", "name", "name_en", "path", "depth")
        .order_by("path")
    )


@dataclass
class Profile:
    """What the profile page shows besides the person herself."""

    chain: list[Employee]
    direct_reports: list[Employee]
    reports_total: int
    breadcrumbs: list[Department]


def employee_profile(*, user: User, person: Employee, reports_limit: int = 100) -> Profile:
    """Her managers (top down), her direct reports and her department's ancestors: four queries."""
    visible = Employee.objects.visible_to(user)
    chain_ids = person.chain_ids
    by_id = visible.select_related("department").in_bulk(chain_ids) if chain_ids else {}
    reports = list(
        visible.filter(manager=person)
        .exclude(status=Status.LEFT)
        .select_related("department")
        .order_by("name", "pk")[:reports_limit]
    )
    total = reports_of(person).exclude(status=Status.LEFT).count()
    return Profile(
        chain=[by_id[i] for i in chain_ids if i in by_id],
        direct_reports=reports,
        reports_total=total,
        breadcrumbs=department_breadcrumbs(person.department),
    )


def departments_with_headcount(departments: QuerySet[Department]) -> list[Department]:
    """The departments, each with `headcount` (its whole subtree, leavers left out) and `has_children`.

    Two queries whatever their number: the departments, then one grouped count per department of
    their subtrees, rolled up the materialised paths here. (A correlated "path LIKE" subquery per
    department cannot use an index and scanned every employee once per department: about a second
    for the org chart at 10,000 people on SQLite.)
    """
    rows: list[Department] = list(
        departments.select_related("head").annotate(
            has_children=Exists(Department.objects.filter(parent=OuterRef("pk")))
        )
    )
    if not rows:
        return rows
    paths = sorted({d.path for d in rows})
    # Only the outermost subtrees need reading; a department inside another one is counted with it.
    # Sorted paths put a subtree right after its top, so comparing with the last top is enough.
    tops: list[str] = []
    for path in paths:
        if not tops or not path.startswith(tops[-1]):
            tops.append(path)
    counts = (
        Employee.objects.exclude(status=Status.LEFT)
        .filter(_scope_q(tops))
        .order_by()
        .values_list("department__path")
        .annotate(n=Count("pk"))
    )
    wanted = {d.pk: 0 for d in rows}
    for path, n in counts:
        for part in path.strip("/").split("/"):
            if int(part) in wanted:
                wanted[int(part)] += n
    for d in rows:
        d.headcount = wanted[d.pk]  # type: ignore[attr-defined]
    return rows


@dataclass
class DepartmentOverview:
    breadcrumbs: list[Department]
    children: list[Department]
    headcount: int
    direct_headcount: int


def department_overview(*, department: Department) -> DepartmentOverview:
    """Ancestors, sub-departments with their headcounts, and the unit's own headcounts: three queries."""
    children = departments_with_headcount(Department.objects.filter(parent=department).order_by("pk"))
    counts = (
        Employee.objects.filter(department__path__startswith=department.path)
        .exclude(status=Status.LEFT)
        .aggregate(total=Count("pk"), direct=Count("pk", filter=Q(department=department)))
    )
    return DepartmentOverview(
        breadcrumbs=department_breadcrumbs(department),
        children=children,
        headcount=counts["total"],
        direct_headcount=counts["direct"],
    )


def chart_node(department: Department) -> dict[str, Any]:
    """One org-chart node as JSON: what the chart and its text alternative show."""
    head = department.head
    return {
        "id": department.pk,
        "name": department_name(department),
        "url": department.get_absolute_url(),
        "head": head.name if head is not None else "",
        "head_url": head.get_absolute_url() if head is not None else "",
        "headcount": getattr(department, "headcount", 0) or 0,
        "has_children": bool(getattr(department, "has_children", False)),
    }


def _chart_levels(user: User, condition: Q) -> dict[int | None, list[dict[str, Any]]]:
    departments = departments_with_headcount(
        # Siblings in the order HR created them, which is how the organisation thinks of itself.
        Department.objects.visible_to(user).filter(condition).order_by("parent_id", "pk")
    )
    levels: dict[int | None, list[dict[str, Any]]] = {}
    for department in departments:
        levels.setdefault(department.parent_id, []).append(chart_node(department))
    return levels


def chart_children(*, user: User, parent: Department | None) -> list[dict[str, Any]]:
    """One level of the org chart: the children of `parent` (the top level for None), in one query.

    The chart asks for one level at a time, so a request costs the same at 50 or 10,000 people.
    """
    condition = Q(parent=parent) if parent is not None else Q(parent__isnull=True)
    return _chart_levels(user, condition).get(parent.pk if parent is not None else None, [])


def chart_tree(*, user: User, focus: Department | None = None) -> list[dict[str, Any]]:
    """The chart's first picture: the top two levels, plus every level down to `focus`, in one query."""
    open_ids = [*focus.ancestor_ids, focus.pk] if focus is not None else []
    top_two = Q(parent__isnull=True) | Q(parent__parent__isnull=True, parent__isnull=False)
    condition = top_two | Q(parent_id__in=open_ids)
    levels = _chart_levels(user, condition)

    def grow(node: dict[str, Any], depth: int) -> dict[str, Any]:
        children = levels.get(node["id"])
        opened = children is not None and (depth == 0 or node["id"] in open_ids)
        node["children"] = [grow(child, depth + 1) for child in children] if children is not None else None
        node["collapsed"] = not opened
        node["focus"] = focus is not None and node["id"] == focus.pk
        return node

    return [grow(root, 0) for root in levels.get(None, [])]


def home_insights(*, user: User, me: Employee | None, is_manager: bool) -> dict[str, Any]:
    """The role-specific parts of the home page: peers, unit headcounts, status mix, recent activity.

    A fixed number of queries per role (at most four), whatever the size of the company.
    """
    from jixiao.audit.models import AuditEvent

    ctx = actor_context(user)
    peers: list[Employee] = []
    if me is not None and me.manager_id is not None and not is_manager:
        peers = list(
            direct_reports_of(me.manager)  # type: ignore[arg-type]
            .exclude(pk=me.pk)
            .select_related("department")
            .order_by("name", "pk")[:8]
        )
    units: list[Department] = []
    status_counts: dict[str, int] = {}
    if ctx.is_admin or ctx.is_executive or ctx.is_hr:
        # Business units: the level below the company for admins and executives, below her scopes for HR.
        top = Q(parent__isnull=False, parent__parent__isnull=True)
        unit_filter = top if (ctx.is_admin or ctx.is_executive) else Q(parent_id__in=ctx.hr_department_ids)
        units = departments_with_headcount(Department.objects.filter(unit_filter).order_by("pk"))
        if not units and ctx.is_hr:
            # Her departments have no sub-departments: chart the departments themselves.
            units = departments_with_headcount(Department.objects.filter(pk__in=ctx.hr_department_ids).order_by("pk"))
        people = Employee.objects.all()
        if not (ctx.is_admin or ctx.is_executive):
            people = people.filter(_scope_q(ctx.hr_paths))
        status_counts = people.aggregate(
            active=Count("pk", filter=Q(status=Status.ACTIVE)),
            on_leave=Count("pk", filter=Q(status=Status.ON_LEAVE)),
            left=Count("pk", filter=Q(status=Status.LEFT)),
        )
    recent_events = list(AuditEvent.objects.visible_to(user)[:6]) if (ctx.is_admin or ctx.is_hr) else []
    direct_count = direct_reports_of(me).count() if me is not None and is_manager else 0
    return {
        "peers": peers,
        "direct_count": direct_count,
        "units": units,
        # What the headcount bar chart draws; the page shows the same numbers in a table.
        "units_chart": {
            "label": gettext("People"),
            "units": [
                {"name": department_name(u), "value": getattr(u, "headcount", 0), "url": u.get_absolute_url()}
                for u in units
            ],
        },
        "status_counts": status_counts,
        "recent_events": recent_events,
        "is_manager": is_manager,
    }


def _scope_q(paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(department__path__startswith=path)
    return q
