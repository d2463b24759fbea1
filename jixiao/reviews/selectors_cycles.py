"""Reads behind HR's cycle pages: the cycle list, the progress page, the overdue list, release counts.

Every read runs a fixed number of queries whatever the cycle's size: progress is one GROUP BY over the
cycle's reviews (department × state × band × self submitted × has a skip-level approver) rolled up in
Python, and the overdue list is a keyset page. HR sees only reviews whose department lies in her scope;
admins and company-wide HR see all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.urls import reverse
from django.utils.formats import get_format, number_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from jixiao.org.models import Department, Employee, Status
from jixiao.org.selectors import ActorContext, actor_context

from .models import PHASE_ORDER, Cycle, CyclePhase, Evaluation, EvaluationKind, PhaseKind, Reminder, Review
from .selectors import AFTER_MANAGER_STATES, RELEASED_STATES

S = Review.State
# The evaluation each phase waits for, and the review states in which it is still open (services.PHASE_EVALUATION).
OVERDUE_KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (PhaseKind.SELF, EvaluationKind.SELF, (S.SELF_REVIEW,)),
    (PhaseKind.MANAGER, EvaluationKind.MANAGER, (S.SELF_REVIEW, S.MANAGER_REVIEW)),
    (PhaseKind.SKIP_LEVEL, EvaluationKind.SKIP_LEVEL, (S.SKIP_LEVEL,)),
)
ACKNOWLEDGED_STATES = (S.ACKNOWLEDGED, S.DISAGREED)
READY_AND_AFTER = (S.READY, *RELEASED_STATES)


def localised(name: str, name_en: str) -> str:
    """A name in the reader's language: the English one for English readers when there is one."""
    return name_en if name_en and (get_language() or "").startswith("en") else name


def cycle_name(cycle: Cycle) -> str:
    return localised(cycle.name, cycle.name_en)


def pct(done: int, total: int) -> int:
    """A whole percentage, rounded down so 99.6% never reads as done."""
    return (done * 100) // total if total else 0


# The reader's language → (thousand separator, digits per group), as humanize's intcomma uses them.
_GROUPING: dict[str, tuple[str, int] | None] = {}


def count_writer() -> Callable[[int], str]:
    """Writes counts as `|intcomma` does in the reader's language ("12,345" in English, "12345" in Chinese).

    For pages with hundreds of figures: the template filter (and even `{{ n }}` of a plain int) looks the
    language's number formats up again for every figure, about 16 µs each; here once per language.
    """
    lang = get_language() or ""
    if lang not in _GROUPING:
        sep, size = get_format("THOUSAND_SEPARATOR"), get_format("NUMBER_GROUPING")
        _GROUPING[lang] = (str(sep), size) if isinstance(size, int) and not isinstance(size, bool) else None
    fmt = _GROUPING[lang]
    if fmt is None:  # a grouping Django spells as a sequence: let it do the work
        return lambda n: str(number_format(n, force_grouping=True))
    sep, size = fmt
    if not sep or size <= 0:
        return str

    def write(n: int) -> str:
        digits = str(abs(n))
        if len(digits) > size:
            head = len(digits) % size or size
            digits = sep.join([digits[:head], *(digits[i : i + size] for i in range(head, len(digits), size))])
        return f"-{digits}" if n < 0 else digits

    return write


def grouped(n: int) -> str:
    """One count written as `|intcomma` would (see count_writer)."""
    return count_writer()(n)


# ---- scope --------------------------------------------------------------------------------------


def review_scope_q(ctx: ActorContext, prefix: str = "") -> Q | None:
    """Reviews (or, with a prefix such as "review__", rows of a review) in the reader's HR scope; None = all."""
    if ctx.is_admin or ctx.is_company_hr:
        return None  # everything (and no join to departments: the progress page's reads stay one index pass)
    return _paths_q(ctx.hr_paths, f"{prefix}department__path")


def in_scope(qs: QuerySet[Any], ctx: ActorContext, prefix: str = "") -> QuerySet[Any]:
    q = review_scope_q(ctx, prefix)
    return qs if q is None else qs.filter(q)


def reach_paths(cycles: Iterable[Cycle]) -> dict[int, list[str]]:
    """The department paths each cycle's participant filter names (empty: the whole company); one query."""
    wanted = {c.pk: [int(d) for d in (c.filters or {}).get("departments") or []] for c in cycles}
    ids = {d for ds in wanted.values() for d in ds}
    paths = dict(Department.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}
    return {pk: [paths[d] for d in ds if d in paths] for pk, ds in wanted.items()}


def hr_may_open(ctx: ActorContext, user_pk: object, cycle: Cycle, paths: Sequence[str]) -> bool:
    """HR opens a cycle's page when she manages it or its participants overlap her scope; admins always."""
    if ctx.is_admin:
        return True
    if not ctx.is_hr:
        return False
    if ctx.is_company_hr or cycle.created_by_id == user_pk or not paths:
        return True
    return any(p.startswith(h) or h.startswith(p) for p in paths for h in ctx.hr_paths)


def may_open(user: Any, cycle: Cycle) -> bool:
    """hr_may_open for one cycle, reading its departments' paths only when the answer depends on them."""
    ctx = actor_context(user)
    if ctx.is_admin or ctx.is_company_hr or not (cycle.filters or {}).get("departments"):
        return ctx.is_admin or ctx.is_hr
    return hr_may_open(ctx, getattr(user, "pk", None), cycle, reach_paths([cycle])[cycle.pk])


def department_choices(user: Any, *, selected: Iterable[int] = (), max_depth: int = 3) -> list[Department]:
    """Departments HR may pick as participants or release by (her scope; admins all), in tree order; one query."""
    chosen = [int(d) for d in selected]
    shown = Q(depth__lte=max_depth) | Q(pk__in=chosen) if chosen else Q(depth__lte=max_depth)
    return list(
        Department.objects.writable_by(user)
        .filter(shown)
        .only("id", "name", "name_en", "path", "depth")
        .order_by("path")
    )


def job_levels() -> list[str]:
    return list(
        Employee.objects.exclude(status=Status.LEFT)
        .exclude(job_level="")
        .order_by("job_level")
        .values_list("job_level", flat=True)
        .distinct()
    )


# ---- phases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseStep:
    kind: str
    label: str
    starts_on: dt.date
    due_on: dt.date
    status: str  # done | current | upcoming
    late: bool  # the current phase's due date has passed
    dates: str  # "12-01 → 12-07"; a year only where it is not this year's (or the start's)


def cycle_phases(cycle: Cycle) -> list[CyclePhase]:
    """The cycle's phases in their fixed order (one query)."""
    # Sorted here; the model's default order would join the cycle table for nothing.
    return sorted(CyclePhase.objects.filter(cycle=cycle).order_by(), key=lambda p: PHASE_ORDER.index(p.kind))


def phase_steps(cycle: Cycle, phases: Sequence[CyclePhase], today: dt.date) -> list[PhaseStep]:
    kinds = [p.kind for p in phases]
    position = kinds.index(cycle.phase) if cycle.phase in kinds else -1
    if cycle.state == Cycle.State.CLOSED:
        position = len(kinds)
    steps = []
    for i, p in enumerate(phases):
        status = "done" if i < position else "current" if i == position else "upcoming"
        steps.append(
            PhaseStep(
                kind=p.kind,
                label=str(PhaseKind(p.kind).label),
                starts_on=p.starts_on,
                due_on=p.due_on,
                status=status,
                late=status == "current" and p.due_on < today,
                dates=_span(p.starts_on, p.due_on, today.year),
            )
        )
    return steps


def _span(start: dt.date, end: dt.date, this_year: int) -> str:
    first = start.strftime("%m-%d") if start.year == this_year else start.isoformat()
    last = end.strftime("%m-%d") if end.year == start.year else end.isoformat()
    return f"{first} → {last}"


def current_phase(cycle: Cycle, phases: Sequence[CyclePhase]) -> CyclePhase | None:
    return next((p for p in phases if p.kind == cycle.phase), None) if cycle.state == Cycle.State.ACTIVE else None


# ---- the cycle list -----------------------------------------------------------------------------


@dataclass
class CycleRow:
    cycle: Cycle
    name: str
    period: str
    phase_label: str
    due_on: dt.date | None
    late: bool
    reviews: int
    done: int

    @property
    def percent(self) -> int:
        return pct(self.done, self.reviews)


# Reviews that finished each phase (during a phase, these states mean its part is done).
PHASE_DONE_STATES: dict[str, tuple[str, ...]] = {
    PhaseKind.SELF: tuple(s for s in S.values if s != S.SELF_REVIEW),
    PhaseKind.MANAGER: AFTER_MANAGER_STATES,
    PhaseKind.SKIP_LEVEL: READY_AND_AFTER,
    PhaseKind.CALIBRATION: READY_AND_AFTER,
    PhaseKind.RELEASE: RELEASED_STATES,
    PhaseKind.ACKNOWLEDGEMENT: ACKNOWLEDGED_STATES,
}


def cycles_for_hr(user: Any, *, today: dt.date) -> list[CycleRow]:
    """The cycles HR may open, newest first, with the current phase's completion: four queries in all."""
    ctx = actor_context(user)
    cycles = list(Cycle.objects.visible_to(user).select_related("period").order_by("-created_at", "-pk"))
    paths = reach_paths(cycles)
    cycles = [c for c in cycles if hr_may_open(ctx, getattr(user, "pk", None), c, paths.get(c.pk, []))]
    if not cycles:
        return []
    ids = [c.pk for c in cycles]
    counts: dict[int, dict[str, int]] = {}
    for row in (
        in_scope(Review.objects.filter(cycle_id__in=ids), ctx)
        .values("cycle_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(row["cycle_id"], {})[row["state"]] = row["n"]
    due: dict[tuple[int, str], dt.date] = {
        (cid, kind): d
        for cid, kind, d in CyclePhase.objects.filter(cycle_id__in=ids).values_list("cycle_id", "kind", "due_on")
    }
    rows = []
    for c in cycles:
        by_state = counts.get(c.pk, {})
        total = sum(by_state.values())
        if c.state == Cycle.State.CLOSED:
            done = sum(by_state.get(s, 0) for s in RELEASED_STATES)
        else:
            done = sum(by_state.get(s, 0) for s in PHASE_DONE_STATES.get(c.phase, ()))
        due_on = due.get((c.pk, c.phase)) if c.state == Cycle.State.ACTIVE else None
        rows.append(
            CycleRow(
                cycle=c,
                name=cycle_name(c),
                period=localised(c.period.name, c.period.name_en),
                phase_label=str(PhaseKind(c.phase).label) if c.phase and c.state == Cycle.State.ACTIVE else "",
                due_on=due_on,
                late=bool(due_on and due_on < today),
                reviews=total,
                done=done,
            )
        )
    return rows


# ---- progress -----------------------------------------------------------------------------------


@dataclass
class Cell:
    done: int
    total: int
    # As the page writes them (see count_writer), filled in with the row's figures.
    percent_text: str = ""
    done_text: str = ""
    total_text: str = ""

    @property
    def percent(self) -> int:
        return pct(self.done, self.total)


@dataclass
class DeptRow:
    """One department subtree (or the department itself) on the progress page."""

    key: str
    name: str
    department_id: int | None = None
    drill: bool = False  # has sub-departments with reviews: the name links one level down
    own: bool = False  # the reviews of the selected department itself, not of a sub-department
    total: int = 0
    self_done: int = 0
    manager_done: int = 0
    skip_total: int = 0
    skip_done: int = 0
    released: int = 0
    acknowledged: int = 0
    overdue: int = 0
    states: dict[str, int] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    total_text: str = ""  # the figures as the page writes them, with the cells (see count_writer)
    overdue_text: str = ""

    def add(self, state: str, n: int, with_skip: int, overdue: int) -> None:
        """Count `n` reviews in `state`, `with_skip` of them with a skip-level approver."""
        self.total += n
        self.states[state] = self.states.get(state, 0) + n
        if state in AFTER_MANAGER_STATES:
            self.manager_done += n
        self.skip_total += with_skip
        if state in READY_AND_AFTER:
            self.skip_done += with_skip
        if state in RELEASED_STATES:
            self.released += n
        if state in ACKNOWLEDGED_STATES:
            self.acknowledged += n
        self.overdue += overdue


@dataclass(frozen=True)
class BandRow:
    code: str
    label: str
    count: int
    percent: int

    @property
    def count_text(self) -> str:
        return grouped(self.count)

    @property
    def percent_text(self) -> str:
        return str(self.percent)


@dataclass
class Progress:
    columns: list[tuple[str, str]]  # (key, heading) of the completion columns
    rows: list[DeptRow]
    total: DeptRow
    bands: list[BandRow]
    scored: int
    department: Department | None
    breadcrumbs: list[tuple[int, str]]
    chart: dict[str, Any]

    @property
    def summary(self) -> list[tuple[str, Cell]]:
        """(column heading, the whole scope's cell), for the figures on top."""
        return [(label, cell) for (_key, label), cell in zip(self.columns, self.total.cells, strict=True)]

    @property
    def chart_table(self) -> list[tuple[str, list[str]]]:
        """The chart's numbers as rows (department, count per state shown, written out), its text alternative."""
        series, write = self.chart.get("series", []), count_writer()
        return [
            (name, [write(s["data"][i]) for s in series]) for i, name in enumerate(self.chart.get("departments", []))
        ]


STATE_ORDER = list(S.values)


def progress_columns(cycle: Cycle) -> list[tuple[str, str]]:
    columns = [("self", _("Self review submitted")), ("manager", _("Manager review submitted"))]
    if cycle.skip_level:
        columns.append(("skip", _("Skip-level approved")))
    columns += [("released", _("Released")), ("acknowledged", _("Acknowledged or disagreed"))]
    return columns


def _fill_cells(row: DeptRow, columns: Sequence[tuple[str, str]], write: Callable[[int], str] = str) -> None:
    figures = {
        "self": (row.self_done, row.total),
        "manager": (row.manager_done, row.total),
        "skip": (row.skip_done, row.skip_total),
        "released": (row.released, row.total),
        "acknowledged": (row.acknowledged, row.total),
    }
    row.cells = []
    for key, _label in columns:
        done, total = figures[key]
        row.cells.append(Cell(done, total, str(pct(done, total)), write(done), write(total)))
    row.total_text, row.overdue_text = write(row.total), write(row.overdue)


def overdue_due_dates(cycle: Cycle, phases: Sequence[CyclePhase], today: dt.date) -> dict[str, dt.date]:
    """Evaluation kind → its phase's due date, for the phases whose due date has passed (active cycles only)."""
    if cycle.state != Cycle.State.ACTIVE:
        return {}
    by_kind = {p.kind: p for p in phases}
    out = {}
    for phase_kind, eval_kind, _states in OVERDUE_KINDS:
        phase = by_kind.get(phase_kind)
        if phase is not None and phase.due_on < today:
            out[eval_kind] = phase.due_on
    return out


def _overdue_in(state: str, late: Mapping[str, dt.date]) -> int:
    return sum(1 for _p, kind, states in OVERDUE_KINDS if kind in late and state in states)


def _paths_q(paths: Iterable[str], field: str = "path") -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def _parts(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def _common_path(paths: Iterable[str]) -> str:
    """The deepest department path every given path lies under ("" when they share no root)."""
    found = list(paths)
    if not found:
        return ""
    # The common prefix of the smallest and the largest path is everyone's; cut it back to a whole "/id/".
    first, last = min(found), max(found)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    common = first[: first.rfind("/", 0, n) + 1] if n else ""
    return common if common.count("/") >= 2 else ""


def cycle_progress(
    *,
    user: Any,
    cycle: Cycle,
    phases: Sequence[CyclePhase],
    department: Department | None,
    today: dt.date,
) -> Progress:
    """Completion per phase per department subtree, the states for the chart and the band distribution.

    Five queries whatever the cycle's size: reviews grouped by department, state and "has a skip-level
    approver"; submitted self reviews grouped by department; scored reviews grouped by band; the paths of
    the departments found; the names of the departments shown. Grouping by department id (not path) and
    counting self reviews apart keeps each a single pass over an index (about 10 ms for 10,000 reviews).
    Without a chosen department the rows split the deepest department all reviews share (the company's
    top-level units for company-wide HR, a scoped HR's units for her).
    """
    ctx = actor_context(user)
    reviews = in_scope(Review.objects.filter(cycle=cycle), ctx)
    selfs = in_scope(
        Evaluation.objects.filter(cycle=cycle, kind=EvaluationKind.SELF, state=Evaluation.State.SUBMITTED),
        ctx,
        "review__",
    )
    if department is not None:
        reviews = reviews.filter(department__path__startswith=department.path)
        selfs = selfs.filter(review__department__path__startswith=department.path)
    groups: list[tuple[int | None, str, int, int]] = fetch_rows(
        reviews.values_list("department_id", "state")
        .annotate(n=Count("pk"), with_skip=Count("skip_level_id"))
        .order_by()
    )
    self_groups: list[tuple[int | None, int]] = fetch_rows(
        selfs.values_list("review__department_id").annotate(n=Count("pk")).order_by()
    )
    bands: dict[str, int] = dict(
        fetch_rows(
            reviews.filter(state__in=AFTER_MANAGER_STATES)
            .exclude(band="")
            .values_list("band")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    # Every department the reviews can sit in (the chosen subtree, the reader's scope or all): id → path.
    departments = Department.objects.all()
    if department is not None:
        departments = departments.filter(path__startswith=department.path)
    elif not (ctx.is_admin or ctx.is_company_hr):
        departments = departments.filter(_paths_q(ctx.hr_paths))
    paths: dict[int, str] = dict(fetch_rows(departments.values_list("pk", "path").order_by()))
    late = overdue_due_dates(cycle, phases, today)
    overdue_per_state = {state: _overdue_in(state, late) for state in S.values}
    used = {g[0] for g in groups}
    anchor = department.path if department is not None else _common_path(paths[d] for d in used if d in paths)
    anchor_depth = anchor.count("/") - 1 if anchor else 0
    used.update(d for d, _n in self_groups)
    # Each department found → the key of its row: the department itself when it is the anchor (or above it),
    # else the anchor's child it lies under; the row links one level down when it holds deeper departments.
    row_of: dict[int | None, str] = {}
    rows: dict[str, DeptRow] = {}
    for pk in used:
        path = paths.get(pk) if pk is not None else None
        deep = False
        if path is None:
            key, row_id, own = "none", None, False
        else:
            parts = path.strip("/").split("/")
            if len(parts) <= anchor_depth:
                key, row_id, own = f"d{pk}", pk, True
            else:
                row_id, own = int(parts[anchor_depth]), False
                key, deep = f"d{row_id}", len(parts) > anchor_depth + 1
        row_of[pk] = key
        row = rows.get(key)
        if row is None:
            row = rows[key] = DeptRow(key=key, name="", department_id=row_id, own=own)
        if deep:
            row.drill = True
    # Sum the groups per (row, state) first: a handful of additions per row after.
    summed: dict[tuple[str, str], list[int]] = {}
    for dept_id, state, n, with_skip in groups:
        at = (row_of[dept_id], state)
        counts = summed.get(at)
        if counts is None:
            summed[at] = [n, with_skip]
        else:
            counts[0] += n
            counts[1] += with_skip
    total = DeptRow(key="total", name=_("All"))
    for (row_key, state), (n, with_skip) in summed.items():
        overdue = overdue_per_state[state] * n
        rows[row_key].add(state, n, with_skip, overdue)
        total.add(state, n, with_skip, overdue)
    for dept_id, n in self_groups:
        rows[row_of[dept_id]].self_done += n
        total.self_done += n
    rows = {k: r for k, r in rows.items() if r.total}
    columns = progress_columns(cycle)
    write = count_writer()
    crumb_ids = _parts(department.path) if department is not None else []
    wanted = {r.department_id for r in rows.values() if r.department_id is not None} | set(crumb_ids)
    names = {
        pk: localised(name, name_en)
        for pk, name, name_en in fetch_rows(
            Department.objects.filter(pk__in=wanted).values_list("pk", "name", "name_en").order_by()
        )
    }
    for row in rows.values():
        if row.department_id is None:
            row.name = _("No department")
        elif row.own and len(rows) > 1:
            row.name = _("%(name)s (itself)") % {"name": names.get(row.department_id, "?")}
        else:
            row.name = names.get(row.department_id, "?")
        _fill_cells(row, columns, write)
    _fill_cells(total, columns, write)
    ordered = sorted(rows.values(), key=lambda r: (not r.own, r.department_id is None, r.name))
    scored = sum(bands.values())
    band_rows = [
        BandRow(
            code=b["code"],
            label=band_label(b),
            count=bands.get(b["code"], 0),
            percent=pct(bands.get(b["code"], 0), scored),
        )
        for b in (cycle.snapshot or {}).get("scale", {}).get("bands", [])
    ]
    state_labels = {s.value: str(s.label) for s in S}
    chart = {
        "departments": [r.name for r in ordered],
        "series": [
            {"key": s, "name": state_labels[s], "data": [r.states.get(s, 0) for r in ordered]}
            for s in STATE_ORDER
            if total.states.get(s)
        ],
        "reviews": _("reviews"),
    }
    return Progress(
        columns=columns,
        rows=ordered,
        total=total,
        bands=band_rows,
        scored=scored,
        department=department,
        breadcrumbs=[(d, names.get(d, "?")) for d in crumb_ids if d in names],
        chart=chart,
    )


def fetch_rows(qs: QuerySet[Any]) -> list[Any]:
    """The rows of a values_list query as the database cursor returns them: the same SQL, without the ORM's
    per-row work (row tuples, value converters), which costs more than the query for thousands of groups.
    For ids, counts and strings only: dates, decimals and JSON would come back unconverted."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def band_label(band: Mapping[str, Any]) -> str:
    return localised(str(band.get("label") or band["code"]), str(band.get("label_en") or ""))


# ---- overdue ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueRow:
    evaluation: Evaluation
    kind_label: str
    due_on: dt.date
    days: int
    reminded_today: bool
    # Written out here rather than in the template (a plural blocktranslate and three {% url %} a row were
    # most of the page's rendering): "3 days", "due 2025-01-31", the review, nudge and reassign links.
    days_text: str = ""
    due_text: str = ""
    review_url: str = ""
    nudge_url: str = ""
    reassign_url: str = ""

    @property
    def can_reassign(self) -> bool:
        return self.evaluation.kind in (EvaluationKind.MANAGER, EvaluationKind.SKIP_LEVEL)


@dataclass
class OverduePage:
    rows: list[OverdueRow]
    next_after: str | None


def parse_after(value: str | None) -> tuple[int, int] | None:
    """The overdue list's cursor "segment-review id" (the last row's segment and review)."""
    try:
        segment, pk = (value or "").split("-", 1)
        return int(segment), int(pk)
    except ValueError:
        return None


# The overdue list in segments, most overdue first: (evaluation kind, review state). Each segment is read in
# review-id order straight off the (cycle, state) index of reviews with a LIMIT, so a page costs the same for
# 100 or 100,000 overdue parts; a sort over every overdue evaluation (the obvious single query) does not.
OVERDUE_SEGMENTS: tuple[tuple[str, str], ...] = (
    (EvaluationKind.SELF, S.SELF_REVIEW),
    (EvaluationKind.MANAGER, S.SELF_REVIEW),
    (EvaluationKind.MANAGER, S.MANAGER_REVIEW),
    (EvaluationKind.SKIP_LEVEL, S.SKIP_LEVEL),
)


_URL_SAMPLE = 987_654_321


def url_maker(name: str) -> Callable[[int], str]:
    """`pk → reverse(name, args=[pk])` for a URL with one integer argument, reversed once for a page's rows."""
    head, _sample, tail = reverse(name, args=[_URL_SAMPLE]).rpartition(str(_URL_SAMPLE))
    return lambda pk: f"{head}{pk}{tail}"


# The fields an overdue row reads (templates/reviews/cycles/_overdue_rows.html).
OVERDUE_FIELDS = (
    "id",
    "kind",
    "state",
    "review_id",
    "rater_id",
    "reviewee_id",
    "rater__name",
    "rater__employee_number",
    "reviewee__name",
    "reviewee__employee_number",
    "review__id",
)


def overdue_page(
    *,
    user: Any,
    cycle: Cycle,
    phases: Sequence[CyclePhase],
    today: dt.date,
    after: tuple[int, int] | None = None,
    department: Department | None = None,
    limit: int = 25,
) -> OverduePage:
    """Open evaluations whose phase's due date has passed, in keyset pages.

    One query per overdue segment still ahead of the cursor (at most four, each a LIMITed index walk),
    then one for the evaluations with their raters and today's nudges.
    """
    late = overdue_due_dates(cycle, phases, today)
    if not late:
        return OverduePage(rows=[], next_after=None)
    ctx = actor_context(user)
    base = in_scope(Review.objects.filter(cycle=cycle), ctx)
    if department is not None:
        base = base.filter(department__path__startswith=department.path)
    picked: list[tuple[int, int, str]] = []  # (segment, review id, evaluation kind)
    for segment, (kind, state) in enumerate(OVERDUE_SEGMENTS):
        if kind not in late or (after is not None and segment < after[0]):
            continue
        qs = base.filter(state=state)
        if after is not None and segment == after[0]:
            qs = qs.filter(pk__gt=after[1])
        ids = list(qs.order_by("pk").values_list("pk", flat=True)[: limit + 1])
        picked += [(segment, pk, kind) for pk in ids]
    page, more = picked[:limit], len(picked) > limit
    if not page:
        return OverduePage(rows=[], next_after=None)
    wanted = Q(pk__in=[])
    for kind in {k for _s, _pk, k in page}:
        wanted |= Q(kind=kind, review_id__in=[pk for _s, pk, k in page if k == kind])
    reminded = Exists(Reminder.objects.filter(evaluation_id=OuterRef("pk"), kind=Reminder.Kind.NUDGE, sent_on=today))
    # Only what a row shows (rater, reviewee, the review's link): 25 evaluations with their answers, private
    # notes, reviews and departments cost more to build than the whole query takes to run.
    found = {
        (e.review_id, e.kind): e
        for e in Evaluation.objects.filter(wanted)
        .exclude(state__in=[Evaluation.State.SUBMITTED, Evaluation.State.SKIPPED])
        .annotate(reminded=reminded)
        .select_related("rater", "reviewee", "review")
        .only(*OVERDUE_FIELDS)
        .order_by()
    }
    labels = {k.value: str(k.label) for k in EvaluationKind}
    due_texts = {kind: _("due %(due)s") % {"due": due.strftime("%Y-%m-%d")} for kind, due in late.items()}
    review_url, nudge_url = url_maker("reviews:review"), url_maker("reviews:nudge")
    reassign_url = url_maker("reviews:reassign")
    rows = []
    for _segment, review_id, kind in page:
        e = found.get((review_id, kind))
        if e is None:
            continue
        days = (today - late[kind]).days
        rows.append(
            OverdueRow(
                evaluation=e,
                kind_label=labels.get(kind, kind),
                due_on=late[kind],
                days=days,
                reminded_today=bool(e.reminded),
                days_text=ngettext("%(counter)s day", "%(counter)s days", days) % {"counter": days},
                due_text=due_texts[kind],
                review_url=review_url(review_id),
                nudge_url=nudge_url(e.pk),
                reassign_url=reassign_url(review_id),
            )
        )
    last = page[-1]
    return OverduePage(rows=rows, next_after=f"{last[0]}-{last[1]}" if more else None)


# ---- reviews by person, release, launch report ---------------------------------------------------


def review_search(*, user: Any, cycle: Cycle, query: str, limit: int = 20) -> list[Review]:
    """Reviews in scope whose reviewee matches a name, pinyin or employee number; one query."""
    q = query.strip()
    if not q:
        return []
    ctx = actor_context(user)
    condition = Q(reviewee__name__icontains=q) | Q(reviewee__employee_number__iexact=q)
    compact = q.lower().replace(" ", "")
    if compact.isascii() and compact.isalpha():
        condition |= Q(reviewee__name_pinyin__contains=compact) | Q(reviewee__english_name__icontains=q)
    qs = in_scope(Review.objects.filter(cycle=cycle).filter(condition), ctx)
    return list(
        qs.select_related("reviewee", "manager", "skip_level", "department").order_by("reviewee__name", "pk")[:limit]
    )


def _ready_in_scope(user: Any, cycle: Cycle, department: Department | None) -> QuerySet[Review]:
    ctx = actor_context(user)
    qs = Review.objects.filter(cycle=cycle, state=S.READY)
    if not ctx.is_admin:
        qs = qs.filter(_paths_q(ctx.hr_paths, "department__path"))
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    return qs


def ready_to_release(*, user: Any, cycle: Cycle, department: Department | None) -> int:
    """How many ready reviews a release by this reader (of the cycle or one subtree) would publish.

    Exactly the reviews services.reviews_release would publish: those held in an open calibration session
    wait for it to close (decision 0011).
    """
    return _ready_in_scope(user, cycle, department).filter(calibration_hold=False).count()


def held_in_calibration(*, user: Any, cycle: Cycle, department: Department | None) -> int:
    """Ready reviews in the same scope still held back by an open calibration session (0 without calibration)."""
    if not cycle.calibration:
        return 0
    return _ready_in_scope(user, cycle, department).filter(calibration_hold=True).count()


@dataclass(frozen=True)
class LaunchStatus:
    running: bool
    done: int
    total: int
    created: int
    existing: int
    problems: list[dict[str, Any]]
    problem_count: int

    @property
    def percent(self) -> int:
        return pct(self.done, self.total)


def launch_status(cycle: Cycle, *, limit: int = 200) -> LaunchStatus:
    """Where the launch stands, and once done whom it skipped and why (services.LAUNCH_PROBLEMS)."""
    from .services import LAUNCH_PROBLEMS

    report = cycle.launch_report or {}
    running = cycle.state == Cycle.State.LAUNCHING or (cycle.state == Cycle.State.ACTIVE and not report)
    problems = list(report.get("problems") or [])
    return LaunchStatus(
        running=running,
        done=cycle.launch_done,
        total=cycle.launch_total,
        created=int(report.get("created") or 0),
        existing=int(report.get("existing") or 0),
        problems=[
            {
                "number": p.get("number", ""),
                "name": p.get("name", ""),
                "reason": str(LAUNCH_PROBLEMS.get(p.get("code", ""), p.get("code", ""))),
            }
            for p in problems[:limit]
        ],
        problem_count=len(problems),
    )
