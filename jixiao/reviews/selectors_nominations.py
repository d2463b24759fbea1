"""Reads for choosing 360 raters (decision 0009): a review's nominations, the team's and HR's overviews.

Each read runs a fixed number of queries whatever the number of nominations or reviews (tests assert it).
What a reader sees is decided here, once:
- the reviewee sees her peer nominations only (she chose them) — never upward or customer ones, never a
  decline (who did not answer is part of who answered) nor its reason;
- her manager (as of launch) and HR in scope see every group, each rater's load, declines with reasons.
Nothing here reads answers, submission times or evaluation states: choosing raters shows who was asked,
never who answered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from jixiao.org.models import Employee, Status
from jixiao.org.selectors import actor_context, directory

from . import feedback as fb
from . import permissions, services_feedback
from .models import Cycle, CyclePhase, EvaluationKind, Nomination, PhaseKind, Review
from .services_nominations import may_decide

PEER = EvaluationKind.PEER
OPEN_STATES = services_feedback.OPEN_STATES
SEARCH_LIMIT = 8
LIST_LIMIT = 50
SHORT_PAGE = 25
SELECTION_PHASES = (PhaseKind.PEER_SELECTION, PhaseKind.FEEDBACK)
DECIDERS = ("manager", "hr")


# ---- one review's nominations -----------------------------------------------------------------


def nomination_role(user: Any, review: Review) -> str:
    """The reader's part in choosing a review's 360 raters: reviewee, manager (hers, as of launch) or hr.

    HR means HR in scope and admins; manager and HR decide. Anyone else, or a review without 360 feedback: 404.

    The review passed permissions.review_for_user already; skip-level and other managers up the line read the
    review but do not choose its raters, so they get the same 404 as anyone else.
    """
    if fb.section_of(review.cycle.snapshot or {}) is None:
        raise Http404
    ctx = actor_context(user)
    if ctx.employee_id is not None and review.reviewee_id == ctx.employee_id:
        return "reviewee"
    if may_decide(user, review):
        return "manager" if review.manager_id is not None and review.manager_id == ctx.employee_id else "hr"
    raise Http404


@dataclass
class RaterRow:
    nomination: Nomination
    state: str  # the state as this reader may see it
    load: int | None = None  # open requests of this rater in the cycle (deciders only)
    overloaded: bool = False


@dataclass
class NominationPage:
    review: Review
    role: str
    groups: list[str]
    low: int
    high: int
    load_limit: int
    selection_open: bool  # peer selection: propose, approve, remove, add
    feedback_open: bool  # feedback phase: replace a declined peer
    can_invite: bool  # customers may be invited now
    selection_phase: CyclePhase | None
    peers: list[RaterRow] = field(default_factory=list)
    upward: list[RaterRow] = field(default_factory=list)
    customers: list[RaterRow] = field(default_factory=list)
    approved: int = 0
    proposed: int = 0
    declined: int = 0

    @property
    def is_decider(self) -> bool:
        return self.role in DECIDERS

    @property
    def open_peers(self) -> int:
        return self.approved + self.proposed

    @property
    def needed(self) -> int:
        """How many more peers must be approved to reach the minimum."""
        return max(0, self.low - self.approved)

    @property
    def to_propose(self) -> int:
        """How many more the reviewee should propose (proposed ones count: the manager may approve them)."""
        return max(0, self.low - self.open_peers)

    @property
    def room(self) -> int:
        return max(0, self.high - self.open_peers)

    @property
    def pct(self) -> int:
        return min(100, (self.approved * 100) // self.low) if self.low else 100

    @property
    def can_add_peer(self) -> bool:
        if "peer" not in self.groups or self.room <= 0:
            return False
        return self.selection_open or (self.feedback_open and self.is_decider and self.declined > 0)


def nomination_page(*, user: Any, review: Review, role: str) -> NominationPage:
    """A review's raters for the nomination page (three queries: phases, nominations, rater load)."""
    cycle = review.cycle
    snapshot = cycle.snapshot or {}
    low, high = services_feedback.peer_limits(cycle)
    groups = list(((snapshot.get("feedback") or {}).get("groups")) or [])
    active = cycle.state == Cycle.State.ACTIVE
    decider = role in DECIDERS
    phases = {p.kind: p for p in CyclePhase.objects.filter(cycle=cycle, kind__in=SELECTION_PHASES)}
    page = NominationPage(
        review=review,
        role=role,
        groups=groups,
        low=low,
        high=high,
        load_limit=cycle.rater_load_limit,
        selection_open=active and cycle.phase == PhaseKind.PEER_SELECTION,
        feedback_open=active and cycle.phase == PhaseKind.FEEDBACK,
        can_invite=decider and active and cycle.phase in SELECTION_PHASES and EvaluationKind.CUSTOMER in groups,
        selection_phase=phases.get(PhaseKind.PEER_SELECTION),
    )
    rows = Nomination.objects.filter(review=review).select_related("rater__department").order_by("pk")
    if not decider:
        rows = rows.filter(kind=PEER)
    nominations = list(rows)
    loads: dict[int, int] = {}
    if decider:
        rater_ids = [n.rater_id for n in nominations if n.rater_id is not None]
        loads = services_feedback.rater_load(cycle, rater_ids) if rater_ids else {}
    for n in nominations:
        state = n.state
        if not decider and state == Nomination.State.DECLINED:
            state = Nomination.State.APPROVED  # she asked, and was not told who declined
        load = loads.get(n.rater_id) if decider and n.rater_id is not None else None
        row = RaterRow(n, state, load, load is not None and load > cycle.rater_load_limit)
        if n.kind == PEER:
            page.peers.append(row)
            page.approved += state == Nomination.State.APPROVED
            page.proposed += state == Nomination.State.PROPOSED
            page.declined += state == Nomination.State.DECLINED
        elif n.kind == EvaluationKind.UPWARD:
            page.upward.append(row)
        elif n.kind == EvaluationKind.CUSTOMER:
            page.customers.append(row)
    order: dict[str, int] = {Nomination.State.PROPOSED: 0, Nomination.State.APPROVED: 1, Nomination.State.DECLINED: 2}
    page.peers.sort(key=lambda r: (order.get(r.state, 3), _rater_name(r.nomination), r.nomination.pk))
    return page


def _rater_name(nomination: Nomination) -> str:
    return nomination.rater.name if nomination.rater is not None else nomination.name


@dataclass
class Candidate:
    person: Employee
    nominated: bool
    load: int | None = None
    overloaded: bool = False


def people_search(*, user: Any, review: Review, query: str, role: str) -> list[Candidate]:
    """Current colleagues matching a name, pinyin or employee number, to nominate as peers (two or three queries).

    The directory's own search (org.selectors.directory), limited to active people other than the reviewee
    and her manager; those already nominated are marked, and deciders see each one's load.
    """
    query = query.strip()[:100]
    if not query:
        return []
    people = list(
        directory(user=user, query=query)
        .filter(status=Status.ACTIVE)
        .exclude(pk__in=[pk for pk in (review.reviewee_id, review.manager_id) if pk is not None])
        .order_by("name", "pk")[:SEARCH_LIMIT]
    )
    if not people:
        return []
    ids = [p.pk for p in people]
    taken = set(
        Nomination.objects.filter(review=review, kind=PEER, rater_id__in=ids, state__in=OPEN_STATES).values_list(
            "rater_id", flat=True
        )
    )
    decider = role in DECIDERS
    loads = services_feedback.rater_load(review.cycle, ids) if decider else {}
    limit = review.cycle.rater_load_limit
    return [
        Candidate(p, p.pk in taken, loads.get(p.pk, 0) if decider else None, decider and loads.get(p.pk, 0) >= limit)
        for p in people
    ]


def active_rater(employee_id: object) -> Employee | None:
    from jixiao.core.parsing import parse_int

    pk = parse_int(employee_id)
    return Employee.objects.filter(pk=pk, status=Status.ACTIVE).first() if pk else None


def nomination_for_user(user: Any, nomination_id: object) -> Nomination:
    """A nomination of a review the user may open, with its review's cycle and reviewee; 404 otherwise."""
    from jixiao.core.parsing import parse_int

    pk = parse_int(nomination_id)
    nomination = Nomination.objects.filter(pk=pk).select_related("rater").first() if pk else None
    if nomination is None:
        raise Http404
    nomination.review = permissions.review_for_user(user, nomination.review_id)
    return nomination


# ---- the manager's team -----------------------------------------------------------------------


@dataclass
class TeamRow:
    review: Review
    cycle_name: str
    phase: str
    low: int
    high: int
    proposed: int
    approved: int
    declined: int

    @property
    def needed(self) -> int:
        return max(0, self.low - self.approved)


def team_nominations(*, user: Any) -> list[TeamRow]:
    """The reviews the user manages in cycles choosing or collecting 360 feedback, with peer counts (2 queries)."""
    from .selectors_cycles import cycle_name

    ctx = actor_context(user)
    if ctx.employee_id is None:
        return []
    cycles = {
        c.pk: c
        for c in Cycle.objects.filter(
            state=Cycle.State.ACTIVE,
            phase__in=SELECTION_PHASES,
            pk__in=Review.objects.filter(manager_id=ctx.employee_id).values("cycle_id"),
        ).only("id", "name", "name_en", "phase", "snapshot", "state")
    }
    with_peers = [
        pk for pk, c in cycles.items() if "peer" in ((c.snapshot or {}).get("feedback") or {}).get("groups", [])
    ]
    if not with_peers:
        return []
    peer = Q(nominations__kind=PEER)
    reviews = (
        Review.objects.filter(cycle_id__in=with_peers, manager_id=ctx.employee_id)
        .select_related("reviewee__department")
        .defer("breakdown", "auto_items", "acknowledgement_comment")
        .annotate(
            n_proposed=Count("nominations", filter=peer & Q(nominations__state=Nomination.State.PROPOSED)),
            n_approved=Count("nominations", filter=peer & Q(nominations__state=Nomination.State.APPROVED)),
            n_declined=Count("nominations", filter=peer & Q(nominations__state=Nomination.State.DECLINED)),
        )
        .order_by("cycle_id", "reviewee__name", "pk")
    )
    out = []
    for review in reviews:
        cycle = cycles[review.cycle_id]
        low, high = services_feedback.peer_limits(cycle)
        out.append(
            TeamRow(
                review=review,
                cycle_name=cycle_name(cycle),
                phase=cycle.phase,
                low=low,
                high=high,
                proposed=review.n_proposed,
                approved=review.n_approved,
                declined=review.n_declined,
            )
        )
    # Lists still being chosen first; then by cycle and name, as read.
    out.sort(key=lambda row: row.phase != PhaseKind.PEER_SELECTION)
    return out


# ---- HR's overview of a cycle -----------------------------------------------------------------


def scope_q(user: Any, prefix: str = "") -> Q | None:
    """Reviews in the user's HR scope (by the review's department at launch); Q() for admins, None for nobody."""
    ctx = actor_context(user)
    if ctx.is_admin:
        return Q()
    if not ctx.hr_paths:
        return None
    q = Q(**{f"{prefix}department__path__startswith": ctx.hr_paths[0]})
    for path in ctx.hr_paths[1:]:
        q |= Q(**{f"{prefix}department__path__startswith": path})
    return q


@dataclass
class ShortRow:
    review: Review
    approved: int
    proposed: int


@dataclass
class OverloadRow:
    rater_id: int
    name: str
    number: str
    department: str
    department_en: str
    asked: int
    in_scope: int


@dataclass
class CycleNominations:
    cycle: Cycle
    groups: list[str]
    low: int
    high: int
    reviews: int = 0
    proposed: int = 0
    approved: int = 0
    short: list[ShortRow] = field(default_factory=list)
    short_total: int = 0
    short_next: int | None = None
    overloaded: list[OverloadRow] = field(default_factory=list)
    overloaded_more: bool = False
    selection_open: bool = False

    @property
    def has_peers(self) -> bool:
        return "peer" in self.groups


def _scoped_reviews(user: Any, cycle: Cycle) -> QuerySet[Review]:
    q = scope_q(user)
    return Review.objects.none() if q is None else Review.objects.filter(q, cycle=cycle)


def short_of_peers(*, user: Any, cycle: Cycle, after: int | None = None) -> tuple[list[ShortRow], int | None]:
    """Reviews in scope with fewer approved peers than the minimum, by id, a page at a time (one query).

    The same rule as services_feedback.reviews_short_of_peers, limited to the reader's scope and paged.
    """
    low, _high = services_feedback.peer_limits(cycle)
    peer = Q(nominations__kind=PEER)
    qs = (
        _scoped_reviews(user, cycle)
        .annotate(
            n_approved=Count("nominations", filter=peer & Q(nominations__state=Nomination.State.APPROVED)),
            n_proposed=Count("nominations", filter=peer & Q(nominations__state=Nomination.State.PROPOSED)),
        )
        .filter(n_approved__lt=low)
        .select_related("reviewee", "department", "manager")
        .defer("breakdown", "auto_items", "acknowledgement_comment")
        .order_by("pk")
    )
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs[: SHORT_PAGE + 1])
    more = len(rows) > SHORT_PAGE
    rows = rows[:SHORT_PAGE]
    return (
        [ShortRow(r, r.n_approved, r.n_proposed) for r in rows],
        rows[-1].pk if more and rows else None,
    )


def cycle_nominations(*, user: Any, cycle: Cycle, after: int | None = None) -> CycleNominations:
    """HR's view of a cycle's 360 raters: counts, reviews short of peers, overloaded raters (five queries)."""
    snapshot = cycle.snapshot or {}
    low, high = services_feedback.peer_limits(cycle)
    page = CycleNominations(
        cycle=cycle,
        groups=list(((snapshot.get("feedback") or {}).get("groups")) or []),
        low=low,
        high=high,
        selection_open=cycle.state == Cycle.State.ACTIVE and cycle.phase == PhaseKind.PEER_SELECTION,
    )
    q = scope_q(user)
    if q is None or not snapshot.get("feedback"):
        return page
    page.reviews = _scoped_reviews(user, cycle).count()
    scoped = scope_q(user, "review__")
    assert scoped is not None
    for row in (
        Nomination.objects.filter(scoped, review__cycle=cycle, kind=PEER, state__in=OPEN_STATES)
        .values("state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if row["state"] == Nomination.State.PROPOSED:
            page.proposed = row["n"]
        else:
            page.approved = row["n"]
    if page.has_peers:
        page.short, page.short_next = short_of_peers(user=user, cycle=cycle, after=after)
        page.short_total = (
            _scoped_reviews(user, cycle)
            .annotate(
                n=Count(
                    "nominations",
                    filter=Q(nominations__kind=PEER, nominations__state=Nomination.State.APPROVED),
                )
            )
            .filter(n__lt=low)
            .count()
        )
    overloaded = list(
        Nomination.objects.filter(review__cycle=cycle, rater__isnull=False, state__in=OPEN_STATES)
        .values(
            "rater_id",
            "rater__name",
            "rater__employee_number",
            "rater__department__name",
            "rater__department__name_en",
        )
        .annotate(n=Count("id"), mine=Count("id", filter=scoped) if scoped else Count("id"))
        .filter(n__gt=cycle.rater_load_limit, mine__gt=0)
        .order_by("-n", "rater__name", "rater_id")[: LIST_LIMIT + 1]
    )
    page.overloaded_more = len(overloaded) > LIST_LIMIT
    page.overloaded = [
        OverloadRow(
            rater_id=row["rater_id"],
            name=row["rater__name"],
            number=row["rater__employee_number"],
            department=row["rater__department__name"] or "",
            department_en=row["rater__department__name_en"] or "",
            asked=row["n"],
            in_scope=row["mine"],
        )
        for row in overloaded[:LIST_LIMIT]
    ]
    return page


def phase_due(cycle: Cycle, kind: str) -> dt.date | None:
    phase = CyclePhase.objects.filter(cycle=cycle, kind=kind).only("due_on").first()
    return phase.due_on if phase else None
