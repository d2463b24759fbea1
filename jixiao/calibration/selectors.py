"""Reads behind the calibration pages: the sessions list, the session page, its member table, the summary.

The session page runs a fixed number of queries whatever the size of the group (the tests count them for 10
and 200 members; the bench times 2,000): one for the participants, one for every member's row as plain
values, one for the scores of the table's page, one for the latest adjustments. The chart and the 9-box get
compact JSON built from the same rows; only one page of the member table is rendered as HTML, and a
person's score breakdown (from Review.breakdown) comes when her row is opened (member_detail).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from jixiao.core.parsing import parse_int
from jixiao.reviews.models import Cycle, PhaseKind, Review
from jixiao.reviews.selectors_pages import Band, bands_of, num

from . import distribution
from .models import Adjustment, CalibrationSession, Member, Participant, Potential
from .permissions import sessions_visible_to
from .services import cycle_label

PAGE_SIZE = 50
ADJUSTMENTS_SHOWN = 50
# Fixed band colours (DESIGN.md), the same as the CSS and echarts-theme.js.
BAND_COLOURS = {"S": "#146c43", "A": "#2fb344", "B": "#206bc4", "C": "#f59f00", "D": "#d63939"}


def css(code: str) -> str:
    """The colour class of a band code (the five house codes; any other code looks like B)."""
    return code if code in BAND_COLOURS else "B"


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _localised(zh: str, en: str) -> str:
    return en if en and _english() else zh


def potential_labels() -> dict[str, str]:
    return {str(value): str(label) for value, label in Potential.choices}


def level_labels() -> dict[str, str]:
    return {
        distribution.HIGH: pgettext("performance", "High"),
        distribution.MEDIUM: pgettext("performance", "Medium"),
        distribution.LOW: pgettext("performance", "Low"),
    }


# ---- the sessions list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    pk: int
    name: str
    cycle: str
    cycle_id: int
    state: str
    state_label: str
    members: int
    participants: int
    facilitator: bool
    created_at: Any
    url: str


def sessions_list(*, user: Any, cycle_id: int | None = None) -> list[SessionRow]:
    """The sessions `user` sits in (newest first), with their member and participant counts: two queries."""
    qs: QuerySet[CalibrationSession] = sessions_visible_to(user)
    if cycle_id:
        qs = qs.filter(cycle_id=cycle_id)
    rows = list(
        qs.order_by("-created_at", "-pk").values(
            "pk",
            "name",
            "state",
            "created_at",
            "cycle_id",
            "cycle__name",
            "cycle__name_en",
            "participants__facilitator",
        )
    )
    ids = [r["pk"] for r in rows]
    counts = {
        pk: (members, seats)
        for pk, members, seats in CalibrationSession.objects.filter(pk__in=ids)
        .annotate(
            m=Count("members", distinct=True),
            p=Count("participants", distinct=True),
        )
        .values_list("pk", "m", "p")
    }
    states = dict(CalibrationSession.State.choices)
    return [
        SessionRow(
            pk=r["pk"],
            name=r["name"],
            cycle=_localised(r["cycle__name"], r["cycle__name_en"]),
            cycle_id=r["cycle_id"],
            state=r["state"],
            state_label=str(states.get(r["state"], r["state"])),
            members=counts.get(r["pk"], (0, 0))[0],
            participants=counts.get(r["pk"], (0, 0))[1],
            facilitator=bool(r["participants__facilitator"]),
            created_at=r["created_at"],
            url=reverse("calibration:session", args=[r["pk"]]),
        )
        for r in rows
    ]


def cycles_open_for_calibration(*, user: Any) -> QuerySet[Cycle]:
    """Cycles HR may open a session in: with calibration, in progress, before the end of their calibration phase."""
    phases = (
        PhaseKind.PEER_SELECTION,
        PhaseKind.SELF,
        PhaseKind.FEEDBACK,
        PhaseKind.MANAGER,
        PhaseKind.SKIP_LEVEL,
        PhaseKind.CALIBRATION,
    )
    return (
        Cycle.objects.visible_to(user)
        .filter(calibration=True, state=Cycle.State.ACTIVE, phase__in=phases)
        .order_by("-created_at", "-pk")
    )


# ---- the session page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandView:
    code: str
    label: str
    css: str
    level: str  # the 9-box performance row
    colour: str


@dataclass(frozen=True)
class Seat:
    user_id: int
    name: str
    facilitator: bool


@dataclass
class MemberRow:
    pk: int
    review_id: int
    name: str
    english_name: str
    number: str
    job_level: str
    department_id: int | None
    department: str
    manager: str
    state: str
    state_label: str
    ready: bool
    score: str
    score_band: str
    band: str
    original: str
    potential: str
    potential_label: str
    level: str
    direction: str  # "up" | "down" | "" against the original
    sections: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.original) and self.band != self.original

    @property
    def band_css(self) -> str:
        return css(self.band)

    @property
    def score_band_css(self) -> str:
        return css(self.score_band)

    @property
    def original_css(self) -> str:
        return css(self.original)


@dataclass(frozen=True)
class MemberFilter:
    department: int | None = None
    band: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> MemberFilter:
        page = parse_int(query.get("page")) or 1
        return cls(
            department=parse_int(query.get("department")),
            band=str(query.get("band") or "")[:8],
            q=str(query.get("q") or "").strip()[:60],
            page=max(1, page),
        )

    def params(self, **change: Any) -> dict[str, Any]:
        values = {"department": self.department or "", "band": self.band, "q": self.q, "page": self.page, **change}
        return {k: v for k, v in values.items() if v not in ("", None, 1) or (k == "page" and v != 1)}


@dataclass
class MemberTable:
    rows: list[MemberRow]
    total: int  # members matching the filter
    page: int
    pages: int
    filters: MemberFilter
    departments: list[tuple[int, str]]
    can_move: bool


@dataclass
class SessionPage:
    session: CalibrationSession
    cycle_name: str
    bands: list[BandView]
    seats: list[Seat]
    is_facilitator: bool
    can_move: bool
    move_note: str  # why ratings cannot move now, or ""
    members: int
    rated: int
    unrated: int
    counts: list[distribution.BandCount]
    count_rows: list[tuple[BandView, distribution.BandCount]]
    chart: dict[str, Any]
    ninebox: dict[str, Any]
    table: MemberTable
    adjustments: list[dict[str, Any]]
    adjustments_total: int
    guide_total: int


def session_bands(session: CalibrationSession) -> list[BandView]:
    """The cycle's bands best first, in the reader's language, with their 9-box row and colour."""
    bands: list[Band] = bands_of(session.cycle.snapshot)
    levels = distribution.performance_levels([b.code for b in bands])
    return [BandView(b.code, b.label, b.css, levels[b.code], BAND_COLOURS.get(b.css, "#206bc4")) for b in bands]


def _seats(session: CalibrationSession) -> list[Seat]:
    rows = (
        Participant.objects.filter(session=session)
        .order_by("-facilitator", "pk")
        .values_list("user_id", "facilitator", "user__username", "user__employee__name")
    )
    return [Seat(user_id, name or username, facilitator) for user_id, facilitator, username, name in rows]


# One member as the query returns it: built into a MemberRow only for the rows a page shows. The score and the
# score's band (a JSON key of the breakdown) are read for those rows alone: for 2,000 members, decoding decimals
# and JSON cost more than the rest of the query.
_FIELDS = (
    "pk",
    "review_id",
    "original_band",
    "potential",
    "review__state",
    "review__band",
    "review__reviewee__name",
    "review__reviewee__english_name",
    "review__reviewee__employee_number",
    "review__reviewee__job_level",
    "review__department_id",
    "review__department__name",
    "review__department__name_en",
    "review__manager__name",
)
(PK, REVIEW, ORIGINAL, POTENTIAL, STATE, BAND, NAME, EN_NAME, NUMBER, LEVEL, DEPT, DEPT_ZH, DEPT_EN, MANAGER) = range(
    14
)
Raw = tuple[Any, ...]


def _raw_members(session: CalibrationSession, member_id: int | None = None) -> list[Raw]:
    """Every member (or one) as a plain tuple, by department then name: one query, no score, no breakdown."""
    members = Member.objects.filter(session=session)
    if member_id is not None:
        members = members.filter(pk=member_id)
    rows = list(members.order_by().values_list(*_FIELDS))
    # Sorted here rather than by the database: the same order without making SQLite sort a four-table join.
    rows.sort(key=lambda r: (r[DEPT_ZH] or "", r[NAME], r[PK]))
    return rows


def _scores(review_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The final score and the score's own band of these reviews: one query."""
    if not review_ids:
        return {}
    rows = (
        Review.objects.filter(pk__in=list(review_ids))
        .annotate(score_band=KeyTextTransform("band", "breakdown"))
        .order_by()
        .values_list("pk", "final_score", "score_band")
    )
    return {pk: (num(score), band or "") for pk, score, band in rows}


class _Builder:
    """Turns raw member tuples into MemberRows with labels in the reader's language."""

    def __init__(self, levels: Mapping[str, str], scores: Mapping[int, tuple[str, str]]):
        self.levels = levels
        self.scores = scores
        self.codes = list(levels)
        self.states = {k: str(v) for k, v in Review.State.choices}
        self.potentials = potential_labels()
        self.english = _english()

    def __call__(self, r: Raw) -> MemberRow:
        band = r[BAND] or ""
        score, score_band = self.scores.get(r[REVIEW], ("", ""))
        before = r[ORIGINAL] or score_band or ""
        return MemberRow(
            pk=r[PK],
            review_id=r[REVIEW],
            name=r[NAME],
            english_name=r[EN_NAME],
            number=r[NUMBER],
            job_level=r[LEVEL],
            department_id=r[DEPT],
            department=(r[DEPT_EN] if self.english and r[DEPT_EN] else r[DEPT_ZH]) or "",
            manager=r[MANAGER] or "",
            state=r[STATE],
            state_label=self.states.get(r[STATE], str(r[STATE])),
            ready=r[STATE] == Review.State.READY,
            score=score,
            score_band=score_band,
            band=band,
            original=before,
            potential=r[POTENTIAL],
            potential_label=self.potentials.get(r[POTENTIAL], ""),
            level=self.levels.get(band, ""),
            direction=distribution.direction(before, band, self.codes),
        )


def _member_rows(
    session: CalibrationSession, levels: Mapping[str, str], member_id: int | None = None
) -> list[MemberRow]:
    """Every member (or one) as a MemberRow: two queries."""
    raw = _raw_members(session, member_id)
    build = _Builder(levels, _scores([r[REVIEW] for r in raw]))
    return [build(r) for r in raw]


def _sections(breakdown: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The scored sections of a breakdown as the table's expander shows them (titles in the reader's language)."""
    out = []
    for s in breakdown.get("sections", []):
        if s.get("kind") == "questions":
            continue
        out.append(
            {
                "title": _localised(s.get("title", ""), s.get("title_en", "")),
                "weight": num(s.get("weight")),
                "effective_weight": num(s.get("effective_weight")),
                "score": num(s.get("score")),
                "contribution": num(s.get("contribution")),
                "manager": num(s.get("manager")),
                "self": num(s.get("self")),
                "automatic": num(s.get("automatic")),
                "corrected_from": num(s.get("corrected_from")),
                "override_reason": s.get("override_reason", ""),
            }
        )
    return out


def _filtered(rows: Sequence[Raw], filters: MemberFilter) -> list[Raw]:
    q = filters.q.lower()
    band = filters.band
    return [
        r
        for r in rows
        if (not filters.department or r[DEPT] == filters.department)
        and (not band or r[BAND] == band or (band == "-" and not r[BAND]))
        and (not q or q in r[NAME].lower() or q in (r[EN_NAME] or "").lower() or q == (r[NUMBER] or "").lower())
    ]


def _table(rows: Sequence[Raw], filters: MemberFilter, can_move: bool, levels: Mapping[str, str]) -> MemberTable:
    """One page of the filtered members, with their scores (one query; her breakdown comes when her row opens)."""
    matching = _filtered(rows, filters)
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    page = min(filters.page, pages)
    english = _english()
    departments = sorted(
        {(r[DEPT], (r[DEPT_EN] if english and r[DEPT_EN] else r[DEPT_ZH]) or "") for r in rows if r[DEPT]},
        key=lambda d: d[1],
    )
    shown = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    build = _Builder(levels, _scores([r[REVIEW] for r in shown]))
    return MemberTable(
        rows=[build(r) for r in shown],
        total=len(matching),
        page=page,
        pages=pages,
        filters=MemberFilter(filters.department, filters.band, filters.q, page),
        departments=departments,
        can_move=can_move,
    )


def move_state(session: CalibrationSession) -> tuple[bool, str]:
    """Whether ratings may move in the session now, and if not, why (for the page)."""
    if session.state != CalibrationSession.State.OPEN:
        return False, _("This session is closed. Its ratings stand and go out with the release.")
    cycle = session.cycle
    if cycle.state != Cycle.State.ACTIVE or cycle.phase != PhaseKind.CALIBRATION:
        return False, _("Ratings can move once the cycle reaches its calibration phase (now: %(phase)s).") % {
            "phase": cycle.get_phase_display() or "—"
        }
    return True, ""


def member_table(*, session: CalibrationSession, filters: MemberFilter) -> MemberTable:
    """The member table alone (the htmx refresh after a move or a filter): two queries."""
    levels = {b.code: b.level for b in session_bands(session)}
    can_move, _note = move_state(session)
    return _table(_raw_members(session), filters, can_move, levels)


def member_detail(*, session: CalibrationSession, member: Member) -> MemberRow | None:
    """One member's row with her score breakdown (her opened row, or the move page without script): three queries."""
    bands = session_bands(session)
    rows = _member_rows(session, {b.code: b.level for b in bands}, member_id=member.pk)
    if not rows:
        return None
    breakdown = Review.objects.filter(pk=member.review_id).values_list("breakdown", flat=True).first() or {}
    rows[0].sections = _sections(breakdown)
    return rows[0]


def counts_of(session: CalibrationSession, bands_now: Iterable[str], bands: Sequence[BandView]) -> dict[str, Any]:
    """The distribution against the guide, as table rows and as the chart's JSON."""
    codes = [b.code for b in bands]
    counts = distribution.distribution(bands_now, codes, session.guide)
    chart = {
        "codes": codes,
        "labels": [b.label for b in bands],
        "colours": [b.colour for b in bands],
        "counts": [c.count for c in counts],
        "shares": [float(c.share) for c in counts],
        "guide": [c.guide for c in counts],
        "text": {"actual": _("Now"), "guide": _("Guide"), "people": _("people")},
    }
    return {"counts": counts, "rows": list(zip(bands, counts, strict=True)), "chart": chart}


def session_counts(session: CalibrationSession) -> dict[str, Any]:
    """The distribution alone (after a move): one query over the members' bands."""
    bands = session_bands(session)
    codes = [b.code for b in bands]
    current = list(Member.objects.filter(session=session).order_by().values_list("review__band", flat=True))
    counts = distribution.distribution(current, codes, session.guide)
    rated = sum(c.count for c in counts)
    return {
        "counts": counts,
        "rows": list(zip(bands, counts, strict=True)),
        "rated": rated,
        "unrated": len(current) - rated,
        "chart_counts": [c.count for c in counts],
        "chart_shares": [float(c.share) for c in counts],
    }


def _ninebox(session: CalibrationSession, rows: Sequence[Raw], bands: Sequence[BandView]) -> dict[str, Any]:
    """Compact JSON for the 9-box: [member id, name, band, potential, movable] per rated member."""
    ready = Review.State.READY
    return {
        "members": [
            [r[PK], r[NAME], r[BAND], r[POTENTIAL], r[STATE] == ready]
            for r in rows
            if r[BAND]  # not scored yet: nowhere to place her
        ],
        "levels": {b.code: b.level for b in bands},
        "codes": [b.code for b in bands],
        "bandLabels": {b.code: b.label for b in bands},
        "levelLabels": level_labels(),
        "potentialLabels": potential_labels(),
        "moveUrl": reverse("calibration:member_move", args=[session.pk]),
        "potentialUrl": reverse("calibration:member_potential", args=[session.pk]),
        "text": {
            "moveTitle": _("Move %(name)s"),
            "current": _("Rating now: %(band)s"),
            "notReady": _("This review is not ready yet, so her rating cannot move."),
        },
    }


def _adjustments(session: CalibrationSession) -> tuple[list[dict[str, Any]], int]:
    fetched = (
        Adjustment.objects.filter(session=session)
        .order_by("-created_at", "-pk")
        .values(
            "pk",
            "from_band",
            "to_band",
            "reason",
            "kind",
            "created_at",
            "review__reviewee__name",
            "actor__username",
            "actor__employee__name",
        )[: ADJUSTMENTS_SHOWN + 1]
    )
    rows: list[dict[str, Any]] = [dict(row) for row in fetched]
    kinds = dict(Adjustment.Kind.choices)
    for row in rows:
        row["who"] = row["actor__employee__name"] or row["actor__username"] or ""
        row["kind_label"] = str(kinds.get(row["kind"], row["kind"]))
    return rows[:ADJUSTMENTS_SHOWN], len(rows)


def session_page(*, session: CalibrationSession, user: Any, filters: MemberFilter) -> SessionPage:
    """Everything the session page shows, in four queries after the gate."""
    bands = session_bands(session)
    seats = _seats(session)
    me = getattr(user, "pk", None)
    rows = _raw_members(session)
    can_move, note = move_state(session)
    dist = counts_of(session, (r[BAND] for r in rows), bands)
    rated = sum(c.count for c in dist["counts"])
    adjustments, adjustments_total = _adjustments(session)
    return SessionPage(
        session=session,
        cycle_name=cycle_label(session.cycle),
        bands=bands,
        seats=seats,
        is_facilitator=any(s.user_id == me and s.facilitator for s in seats),
        can_move=can_move,
        move_note=note,
        members=len(rows),
        rated=rated,
        unrated=len(rows) - rated,
        counts=dist["counts"],
        count_rows=dist["rows"],
        chart=dist["chart"],
        ninebox=_ninebox(session, rows, bands),
        table=_table(rows, filters, can_move, {b.code: b.level for b in bands}),
        adjustments=adjustments,
        adjustments_total=adjustments_total,
        guide_total=sum(int(v) for v in session.guide.values()),
    )


# ---- the summary of a closed session --------------------------------------------------------------------


@dataclass
class SummaryPage:
    session: CalibrationSession
    cycle_name: str
    summary: dict[str, Any]
    bands: list[tuple[BandView, int, int, int]]  # band, before, after, guide
    changed: list[MemberRow]
    seats: list[Seat]
    is_facilitator: bool


def summary_page(*, session: CalibrationSession, user: Any) -> SummaryPage:
    """What the session changed: the stored summary when closed (the live one while open), and who moved."""
    from .services import session_summary

    bands = session_bands(session)
    summary = session.summary if session.state == CalibrationSession.State.CLOSED and session.summary else None
    summary = summary or session_summary(session)
    rows = _member_rows(session, {b.code: b.level for b in bands})
    seats = _seats(session)
    before, after = summary.get("before", {}), summary.get("after", {})
    return SummaryPage(
        session=session,
        cycle_name=cycle_label(session.cycle),
        summary=summary,
        bands=[(b, before.get(b.code, 0), after.get(b.code, 0), int(session.guide.get(b.code, 0))) for b in bands],
        changed=[r for r in rows if r.changed],
        seats=seats,
        is_facilitator=any(s.user_id == getattr(user, "pk", None) and s.facilitator for s in seats),
    )


# ---- pickers --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    sub: str


def participant_candidates(*, user: Any, query: str, exclude: Iterable[int] = (), limit: int = 20) -> list[Person]:
    """Managers and HR with an account matching the query (name, pinyin, number, email): people to seat."""
    from django.db.models import Exists, OuterRef

    from jixiao.org.models import Employee, HRScope, Status
    from jixiao.org.selectors import directory

    if not query.strip():
        return []
    qs = (
        directory(user=user, query=query)
        .filter(user__isnull=False, user__is_active=True)
        .exclude(status=Status.LEFT)
        .exclude(user_id__in=list(exclude))
        .filter(
            Q(Exists(HRScope.objects.filter(user_id=OuterRef("user_id"))))
            | Q(Exists(Employee.objects.filter(manager=OuterRef("pk")).exclude(status=Status.LEFT)))
        )
        .order_by("name", "pk")
        .values_list("user_id", "name", "english_name", "title", "department__name", "department__name_en")[:limit]
    )
    return [
        Person(
            uid,
            f"{name} {english}".strip() if english else name,
            " · ".join(p for p in (title, _localised(d, d_en)) if p),
        )
        for uid, name, english, title, d, d_en in qs
    ]


def people_named(user_ids: Iterable[int]) -> list[Person]:
    """The people behind user ids, for the form's chosen participants."""
    from jixiao.accounts.models import User

    ids = sorted({int(pk) for pk in user_ids})
    if not ids:
        return []
    rows = (
        User.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "username", "employee__name", "employee__title", "employee__department__name")
    )
    return [
        Person(pk, name or username, " · ".join(p for p in (title, dept) if p))
        for pk, username, name, title, dept in rows
    ]


def review_candidates(
    *, user: Any, cycle: Cycle, query: str, exclude: Iterable[int] = (), limit: int = 20
) -> list[Person]:
    """Reviews of the cycle in the user's HR scope whose reviewee matches the query: people to hand-pick.

    `Person.user_id` carries the review id here.
    """
    from jixiao.org.selectors import actor_context

    text = query.strip()
    if not text:
        return []
    ctx = actor_context(user)
    qs = Review.objects.filter(cycle=cycle, state__in=("self_review", "manager_review", "skip_level", "ready"))
    if not ctx.is_admin:
        scope = Q(pk__in=[])
        for path in ctx.hr_paths:
            scope |= Q(department__path__startswith=path)
        qs = qs.filter(scope)
    condition = (
        Q(reviewee__name__icontains=text)
        | Q(reviewee__english_name__icontains=text)
        | Q(reviewee__employee_number__iexact=text)
    )
    compact = text.lower().replace(" ", "")
    if compact.isascii() and compact.isalpha():
        condition |= Q(reviewee__name_pinyin__contains=compact)
    rows = (
        qs.filter(condition)
        .exclude(pk__in=list(exclude))
        .order_by("reviewee__name", "pk")
        .values_list("pk", "reviewee__name", "reviewee__employee_number", "department__name", "department__name_en")[
            :limit
        ]
    )
    return [
        Person(pk, name, " · ".join(p for p in (number, _localised(d or "", d_en or "")) if p))
        for pk, name, number, d, d_en in rows
    ]


def reviews_named(review_ids: Iterable[int]) -> list[Person]:
    ids = sorted({int(pk) for pk in review_ids})
    if not ids:
        return []
    rows = (
        Review.objects.filter(pk__in=ids)
        .order_by("reviewee__name", "pk")
        .values_list("pk", "reviewee__name", "reviewee__employee_number", "department__name", "department__name_en")
    )
    return [
        Person(pk, name, " · ".join(p for p in (number, _localised(d or "", d_en or "")) if p))
        for pk, name, number, d, d_en in rows
    ]


def job_levels(cycle: Cycle | None) -> list[str]:
    """The job levels of a cycle's reviewees, for the levels picker."""
    if cycle is None:
        return []
    levels = (
        Review.objects.filter(cycle=cycle).exclude(reviewee__job_level="").values_list("reviewee__job_level", flat=True)
    )
    return sorted(set(levels.order_by().distinct()))


EVIDENCE_ROLES = ("manager", "skip_level", "hr")


def sees_evidence(user: Any, review_id: int) -> bool:
    """Whether the reader may open the review's evidence panel (her manager, skip-level manager, HR in scope).

    Sitting in a session shows a person's rating and breakdown; the facts behind it (feedback, check-ins, 1:1
    action items) stay with the people who may read her review as a rater or HR. One query.
    """
    from jixiao.org.selectors import actor_context
    from jixiao.reviews.selectors import reader_role

    review = (
        Review.objects.select_related("reviewee", "department")
        .only("reviewee_id", "manager_id", "skip_level_id", "department_id", "reviewee__chain", "department__path")
        .filter(pk=review_id)
        .first()
    )
    return review is not None and reader_role(actor_context(user), review, review.reviewee.chain) in EVIDENCE_ROLES
