"""Reads on appeals: the window, who owns an appeal, the lists, the appeal page, the report, the review's panel.

Every page read runs a fixed number of queries whatever the number of appeals (the page tests count them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.accounts.models import User
from jixiao.audit.models import AuditEvent
from jixiao.org.models import Department, Employee, HRScope
from jixiao.org.selectors import actor_context, department_name, department_options
from jixiao.reviews import breakdown as bd
from jixiao.reviews.models import Cycle, Review
from jixiao.reviews.selectors import RELEASED_STATES
from jixiao.reviews.selectors_pages import Band, band_of, bands_of, cycle_name, num

from . import permissions
from .models import Appeal, AppealAttachment

S = Appeal.State
OPEN_STATES: tuple[str, ...] = (S.SUBMITTED, S.UNDER_REVIEW)
DECIDED_STATES: tuple[str, ...] = (S.UPHELD, S.CHANGED, S.REJECTED)
PAGE_SIZE = 50
MY_LIMIT = 100


# ---- dates in the company's time zone ---------------------------------------------------------------


def company_today() -> dt.date:
    return timezone.localdate(timezone.now(), timezone.get_default_timezone())


def company_date(value: dt.datetime) -> dt.date:
    return timezone.localdate(value, timezone.get_default_timezone())


@dataclass(frozen=True)
class Window:
    """When the reviewee may appeal: from release to release + the cycle's appeal days, inclusive."""

    takes_appeals: bool
    released_on: dt.date | None
    last_day: dt.date | None
    today: dt.date

    @property
    def is_open(self) -> bool:
        return self.takes_appeals and self.last_day is not None and self.today <= self.last_day

    @property
    def has_closed(self) -> bool:
        return self.takes_appeals and self.last_day is not None and self.today > self.last_day

    @property
    def days_left(self) -> int:
        return (self.last_day - self.today).days if self.last_day is not None else 0


def appeal_window(review: Review, *, today: dt.date | None = None) -> Window:
    today = today or company_today()
    days = int(review.cycle.appeal_days or 0)
    if review.state not in RELEASED_STATES or review.released_at is None:
        return Window(days > 0, None, None, today)
    released_on = company_date(review.released_at)
    return Window(days > 0, released_on, released_on + dt.timedelta(days=days) if days else None, today)


# ---- who owns an appeal ----------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    """ "/1/5/12/" → ["/1/", "/1/5/", "/1/5/12/"]: the scopes that hold the department."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def party_user_ids(review: Review) -> set[int]:
    """The accounts of the reviewee, her manager and skip-level manager of this review: never owners."""
    people = [review.reviewee_id, review.manager_id, review.skip_level_id]
    ids = [p for p in people if p]
    return set(
        Employee.objects.filter(pk__in=ids).exclude(user__isnull=True).values_list("user_id", flat=True).order_by()
    )


def _open_counts(user_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        Appeal.objects.filter(owner_id__in=list(user_ids), state__in=OPEN_STATES)
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["owner_id"]: r["n"] for r in rows}


def _ranked_owners(department_path: str, excluded: set[int]) -> dict[int, tuple[int, int]]:
    """Eligible owners and their rank: HR in scope (nearest first), then company-wide HR, then admins."""
    prefixes = _ancestor_paths(department_path)
    scopes = (
        HRScope.objects.filter(user__is_active=True)
        .filter(Q(department__path__in=prefixes) | Q(department__parent__isnull=True))
        .exclude(user_id__in=excluded)
        .values_list("user_id", "department__path", "department__depth")
        .order_by()
    )
    ranks: dict[int, tuple[int, int]] = {}
    for user_id, path, depth in scopes:
        rank = (0, -int(depth)) if path in prefixes else (1, 0)
        ranks[user_id] = min(ranks.get(user_id, rank), rank)
    admins = (
        User.objects.filter(is_superuser=True, is_active=True).exclude(pk__in=excluded).values_list("pk", flat=True)
    )
    for user_id in admins:
        ranks.setdefault(user_id, (2, 0))
    return ranks


def pick_owner(review: Review) -> User | None:
    """HR whose scope holds the review's department — the nearest scope, then the fewest open appeals — never
    the reviewee, her manager or skip-level manager; then company-wide HR, then admins (decision 0011)."""
    path = review.department.path if review.department_id and review.department else ""
    ranks = _ranked_owners(path, party_user_ids(review))
    if not ranks:
        return None
    counts = _open_counts(ranks)
    best = min(ranks, key=lambda uid: (*ranks[uid], counts.get(uid, 0), uid))
    return User.objects.get(pk=best)


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    open_count: int
    in_scope: bool


def user_label(user: User | None) -> str:
    """A person's name for an account (her employee record's name), else the user name."""
    if user is None:
        return ""
    employee = getattr(user, "employee", None)
    return employee.name if employee is not None else user.get_username()


def owner_candidates(appeal: Appeal) -> list[Candidate]:
    """Whom an appeal may be handed to: HR in scope, company-wide HR and admins, never a party (4 queries)."""
    path = appeal.department.path if appeal.department_id and appeal.department else ""
    ranks = _ranked_owners(path, party_user_ids(appeal.review))
    users = User.objects.filter(pk__in=list(ranks)).select_related("employee").order_by("username")
    counts = _open_counts(ranks)
    found = [Candidate(u.pk, user_label(u), counts.get(u.pk, 0), ranks[u.pk][0] == 0) for u in users]
    return sorted(found, key=lambda c: (not c.in_scope, c.name, c.user_id))


def is_eligible_owner(user: User, appeal: Appeal) -> bool:
    path = appeal.department.path if appeal.department_id and appeal.department else ""
    return user.pk in _ranked_owners(path, party_user_ids(appeal.review))


# ---- lists --------------------------------------------------------------------------------------------


def is_overdue(appeal: Appeal, today: dt.date | None = None) -> bool:
    return appeal.state in OPEN_STATES and appeal.due_on < (today or company_today())


# Lists show the cycle's name only: decoding every row's review JSON and the cycle's snapshot cost more than the
# rest of the query (bench: 26.7 → 15.5 ms CPU for a page of HR's list).
_HEAVY = (
    "review__breakdown",
    "review__auto_items",
    "review__corrections",
    "review__cycle__snapshot",
    "review__cycle__filters",
    "review__cycle__launch_report",
)


def my_appeals(*, user: Any) -> list[Appeal]:
    """The appeals I filed, newest first (one query)."""
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return []
    return _labelled(
        Appeal.objects.filter(employee_id=ctx.employee_id)
        .select_related("review__cycle", "owner__employee")
        .defer(*_HEAVY)
        .order_by("-created_at", "-pk")[:MY_LIMIT]
    )


def _labelled(appeals: Iterable[Appeal]) -> list[Appeal]:
    """Rows with their cycle's and owner's names in the reader's language (relations already loaded)."""
    rows = list(appeals)
    for appeal in rows:
        appeal.cycle_label = cycle_name(appeal.review.cycle)  # type: ignore[attr-defined]
        appeal.owner_label = user_label(appeal.owner)  # type: ignore[attr-defined]
    return rows


@dataclass
class AppealList:
    rows: list[Appeal]
    next_after: str | None
    summary: dict[str, int]
    departments: list[Department]
    today: dt.date


def _parse_cursor(after: str) -> tuple[dt.datetime, int] | None:
    when, _sep, pk = (after or "").partition("|")
    try:
        parsed = dt.datetime.fromisoformat(when)
        return (parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)), int(pk)
    except ValueError:
        return None


STATE_FILTERS = ("open", *S.values)


def hr_appeals(
    *,
    user: Any,
    state: str = "",
    department_id: int | None = None,
    overdue: bool = False,
    mine: bool = False,
    after: str = "",
    size: int = PAGE_SIZE,
) -> AppealList:
    """HR's appeals list: a keyset page, a summary of the whole filtered set and the department filter (3 queries)."""
    today = company_today()
    handled = permissions.handled_q(user)
    departments = department_options(user=user, selected=department_id)
    if handled is None:
        return AppealList([], None, {}, departments, today)
    qs = Appeal.objects.filter(handled)
    me = actor_context(user).employee_id
    if me is not None:
        qs = qs.exclude(employee_id=me)  # her own appeal is in My appeals, never on her desk
    chosen = next((d for d in departments if d.pk == department_id), None)
    if chosen is not None:
        qs = qs.filter(department__path__startswith=chosen.path)
    if mine:
        qs = qs.filter(owner_id=user.pk)
    summary = qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("id", filter=Q(state__in=OPEN_STATES, due_on__lt=today)),
        unassigned=Count("id", filter=Q(state__in=OPEN_STATES, owner__isnull=True)),
    )
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state in S.values:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(state__in=OPEN_STATES, due_on__lt=today)
    qs = (
        qs.select_related("employee", "department", "owner__employee", "review__cycle")
        .defer(*_HEAVY)
        .order_by("-created_at", "-pk")
    )
    cursor = _parse_cursor(after)
    if cursor is not None:
        when, pk = cursor
        qs = qs.filter(Q(created_at__lt=when) | Q(created_at=when, pk__lt=pk))
    found = list(qs[: size + 1])
    rows = _labelled(found[:size])
    last = rows[-1] if rows and len(found) > size else None
    return AppealList(
        rows=rows,
        next_after=f"{last.created_at.isoformat()}|{last.pk}" if last else None,
        summary={k: int(v or 0) for k, v in summary.items()},
        departments=departments,
        today=today,
    )


# ---- the appeal page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    key: str
    when: dt.datetime
    title: str
    who: str = ""
    text: str = ""


@dataclass(frozen=True)
class CorrectedSection:
    key: str
    title: str
    score: str
    corrected_from: str
    reason: str


@dataclass
class ResultView:
    """The review's result as its reviewee reads it now, and what it was when the appeal was filed."""

    final: str
    band: Band | None
    corrected: list[CorrectedSection]
    before_final: str = ""
    before_band: Band | None = None


@dataclass
class AppealPage:
    appeal: Appeal
    role: str  # employee | manager | handler | reader
    overdue: bool
    timeline: list[TimelineEntry]
    attachments: list[AppealAttachment]
    result: ResultView | None
    cycle_name: str
    owner_name: str
    can_take_up: bool
    can_reassign: bool
    can_respond: bool
    can_decide: bool
    show_response: bool
    candidates: list[Candidate] = field(default_factory=list)


def _localised(text: str, text_en: str) -> str:
    from jixiao.goals.selectors_kpi import localised

    return localised(text, text_en)


def _corrected(review: Review) -> list[CorrectedSection]:
    rows = []
    for s in (review.breakdown or {}).get("sections", []):
        if "corrected_from" in s:
            rows.append(
                CorrectedSection(
                    key=s["key"],
                    title=_localised(s.get("title", ""), s.get("title_en", "")),
                    score=num(s.get("score")),
                    corrected_from=num(s.get("corrected_from")) or "—",
                    reason=str(s.get("correction_reason", "")),
                )
            )
    return rows


def result_view(review: Review, before: Mapping[str, Any] | None = None) -> ResultView:
    snapshot = review.cycle.snapshot
    before = before or {}
    return ResultView(
        final=num(review.final_score),
        band=band_of(snapshot, review.band),
        corrected=_corrected(review),
        before_final=num(before.get("final")),
        before_band=band_of(snapshot, str(before.get("band") or "")),
    )


def _events(appeal: Appeal) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(target_type="appeals.appeal", target_id=str(appeal.pk), action__startswith="appeal.")
        .select_related("actor__employee")
        .order_by("created_at", "id")
    )


def _who(event: AuditEvent) -> str:
    return user_label(event.actor) if event.actor_id else ""


def _timeline(appeal: Appeal, events: Sequence[AuditEvent], role: str) -> list[TimelineEntry]:
    """Filed, taken up, the manager's response, escalation, the decision — as each reader may read them."""
    inside = role in ("handler", "reader")
    entries: list[TimelineEntry] = []
    for e in events:
        after = e.after or {}
        if e.action == "appeal.file":
            title = _("You appealed your result") if role == "employee" else _("Appeal filed")
            entries.append(TimelineEntry("filed", e.created_at, title, appeal.employee.name))
        elif e.action == "appeal.take_up":
            entries.append(TimelineEntry("taken_up", e.created_at, _("Taken up by HR"), _who(e)))
        elif e.action == "appeal.reassign" and role != "employee":
            entries.append(
                TimelineEntry(
                    "reassigned", e.created_at, _("Handed to %(name)s") % {"name": after.get("owner_name", "")}, _who(e)
                )
            )
        elif e.action == "appeal.respond":
            title = _("Your manager responded") if role == "employee" else _("The manager responded")
            entries.append(TimelineEntry("responded", e.created_at, title, _who(e)))
        elif e.action == "appeal.escalate" and (inside or role == "manager"):
            entries.append(TimelineEntry("escalated", e.created_at, _("Past its answer date: escalated")))
        elif e.action == "appeal.decide":
            state = str(after.get("state", ""))
            label = S(state).label if state in S.values else state
            entries.append(TimelineEntry("decided", e.created_at, _("Decided: %(state)s") % {"state": label}, _who(e)))
    return entries


def appeal_page(*, user: Any, appeal: Appeal) -> AppealPage:
    """Everything the appeal page shows, as the reader may see it (3 queries; 7 for a handler of an open appeal)."""
    ctx = actor_context(user)
    review = appeal.review
    if ctx.employee_id is not None and appeal.employee_id == ctx.employee_id:
        role = "employee"
    elif permissions.can_handle(user, appeal):
        role = "handler"
    elif permissions.is_reviews_manager(user, appeal):
        role = "manager"
    else:
        role = "reader"
    events = _events(appeal)
    filed = next((e for e in events if e.action == "appeal.file"), None)
    is_open = appeal.state in OPEN_STATES
    can_reassign = is_open and permissions.can_reassign(user, appeal)
    return AppealPage(
        appeal=appeal,
        role=role,
        overdue=is_overdue(appeal),
        timeline=_timeline(appeal, events, role),
        attachments=list(appeal.attachments.order_by("pk")),
        result=result_view(review, (filed.after or {}) if filed else None),
        cycle_name=cycle_name(review.cycle),
        owner_name=user_label(appeal.owner),
        can_take_up=appeal.state == S.SUBMITTED and appeal.owner_id == user.pk and role == "handler",
        can_reassign=can_reassign,
        can_respond=is_open and permissions.is_reviews_manager(user, appeal) and role != "employee",
        can_decide=is_open and role == "handler",
        # The manager's written response is for the people who decide; the employee sees that she responded.
        show_response=role != "employee",
        candidates=owner_candidates(appeal) if can_reassign else [],
    )


# ---- the decide form --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionRow:
    key: str
    title: str
    weight: str
    effective_weight: str
    score: str
    corrected_from: str


@dataclass
class DecidePage:
    sections: list[SectionRow]
    bands: list[Band]
    band: Band | None
    final: str
    scale_min: str
    scale_max: str


def decide_page(appeal: Appeal) -> DecidePage:
    """The review's scored sections (to correct) and the cycle's bands (to choose), from its stored breakdown."""
    review = appeal.review
    snapshot = review.cycle.snapshot
    rows = [
        SectionRow(
            key=s["key"],
            title=_localised(s.get("title", ""), s.get("title_en", "")),
            weight=num(s.get("weight")) or "0",
            effective_weight=num(s.get("effective_weight")) or num(s.get("weight")) or "0",
            score=num(s.get("score")),
            corrected_from=num(s.get("corrected_from")),
        )
        for s in (review.breakdown or {}).get("sections", [])
        if s.get("kind") not in bd.UNSCORED_KINDS
    ]
    scale = snapshot.get("scale", {})
    return DecidePage(
        sections=rows,
        bands=bands_of(snapshot),
        band=band_of(snapshot, review.band),
        final=num(review.final_score),
        scale_min=num(scale.get("min")),
        scale_max=num(scale.get("max")),
    )


# ---- the report ------------------------------------------------------------------------------------------


@dataclass
class ReportRow:
    department_id: int | None
    name: str
    counts: dict[str, int]
    total: int
    overdue: int
    median_days: str

    @property
    def cells(self) -> list[int]:
        """The counts in the order of the states (the table's columns)."""
        return [self.counts[state] for state in S.values]


@dataclass
class Report:
    rows: list[ReportRow]
    total: int
    overdue: int
    median_days: str
    decided: int
    cycles: list[Cycle]
    departments: list[Department]
    chart: dict[str, Any] | None


def _median(histogram: Mapping[int, int]) -> Decimal | None:
    """The median of values given as {value: how many}."""
    n = sum(histogram.values())
    if not n:
        return None
    ordered = sorted(histogram.items())

    def nth(k: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if seen > k:
                return value
        return ordered[-1][0]

    if n % 2:
        return Decimal(nth(n // 2))
    return (Decimal(nth(n // 2 - 1)) + Decimal(nth(n // 2))) / 2


def _days(value: Any) -> int:
    if isinstance(value, dt.timedelta):
        return value.days
    return int(value or 0) // 86_400_000_000  # SQLite may answer microseconds


def appeals_report(*, user: Any, cycle_id: int | None = None, department_id: int | None = None) -> Report:
    """Appeals by department and outcome, counted in SQL, with the median days to decide and the overdue (5 queries)."""
    today = company_today()
    handled = permissions.handled_q(user)
    departments = department_options(user=user, selected=department_id)
    cycles = list(
        Cycle.objects.filter(pk__in=Appeal.objects.filter(handled or Q(pk__in=[])).values("review__cycle_id"))
        .only("id", "name", "name_en")
        .order_by("-created_at", "-pk")
    )
    if handled is None:
        return Report([], 0, 0, "", 0, cycles, departments, None)
    qs = Appeal.objects.filter(handled)
    if cycle_id is not None:
        qs = qs.filter(review__cycle_id=cycle_id)
    chosen = next((d for d in departments if d.pk == department_id), None)
    if chosen is not None:
        qs = qs.filter(department__path__startswith=chosen.path)
    counts: list[dict[str, Any]] = [
        dict(row)
        for row in qs.values("department_id", "department__name", "department__name_en", "department__path")
        .annotate(
            total=Count("id"),
            overdue=Count("id", filter=Q(state__in=OPEN_STATES, due_on__lt=today)),
            **{state: Count("id", filter=Q(state=state)) for state in S.values},
        )
        .order_by("department__path")
    ]
    tz = timezone.get_default_timezone()
    days = ExpressionWrapper(
        TruncDate("decided_at", tzinfo=tz) - TruncDate("created_at", tzinfo=tz), output_field=DurationField()
    )
    histogram_rows = (
        qs.filter(decided_at__isnull=False)
        .annotate(days=days)
        .values("department_id", "days")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_department: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    overall: dict[int, int] = defaultdict(int)
    for r in histogram_rows:
        d = _days(r["days"])
        per_department[r["department_id"]][d] += r["n"]
        overall[d] += r["n"]
    rows = []
    for c in counts:
        name = (
            department_name(Department(name=c["department__name"], name_en=c["department__name_en"] or ""))
            if c["department_id"]
            else _("No department")
        )
        median = _median(per_department.get(c["department_id"], {}))
        rows.append(
            ReportRow(
                department_id=c["department_id"],
                name=name,
                counts={state: c[state] for state in S.values},
                total=c["total"],
                overdue=c["overdue"],
                median_days=num(median) if median is not None else "",
            )
        )
    median = _median(overall)
    chart = None
    if rows:
        chart = {
            "departments": [r.name for r in rows],
            "series": [
                {"key": state, "name": str(label), "data": [r.counts[state] for r in rows]}
                for state, label in S.choices
            ],
            "appeals": _("appeals"),
        }
    return Report(
        rows=rows,
        total=sum(r.total for r in rows),
        overdue=sum(r.overdue for r in rows),
        median_days=num(median) if median is not None else "",
        decided=sum(overall.values()),
        cycles=cycles,
        departments=departments,
        chart=chart,
    )


# ---- the review page's panel ---------------------------------------------------------------------------


@dataclass
class Panel:
    role: str  # reviewee | reader | none
    window: Window
    appeal: Appeal | None = None

    @property
    def can_file(self) -> bool:
        return self.role == "reviewee" and self.appeal is None and self.window.is_open


def review_panel(*, user: Any, review: Review) -> Panel:
    """The appeal part of a review page: how to appeal (the reviewee), the appeal's state (its readers)."""
    ctx = actor_context(user)
    window = appeal_window(review)
    if review.state not in RELEASED_STATES:
        return Panel("none", window)
    appeal = (
        permissions.appeals_visible_to(user)
        .filter(review_id=review.pk)
        .select_related("owner__employee", "review", "department")
        .first()
    )
    if ctx.employee_id is not None and review.reviewee_id == ctx.employee_id:
        return Panel("reviewee", window, appeal)
    if appeal is None:
        return Panel("none", window)
    return Panel("reader", window, appeal)
