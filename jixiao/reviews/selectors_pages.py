"""Reads behind the pages people write and read reviews on: my reviews, team reviews, the form, the review.

Each read runs a fixed number of queries whatever the number of reviews (the page tests count them).
What a reader sees inside a review is decided by selectors.review_view (the visibility matrix of
decision 0007) and nothing else: every part below is built only when the view allows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.goals.scoring import ScoringError
from jixiao.goals.selectors import period_label
from jixiao.goals.selectors_kpi import localised
from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context

from . import breakdown as bd
from . import scoring, services
from .models import ANONYMOUS_KINDS, PHASE_ORDER, Cycle, CyclePhase, Evaluation, EvaluationKind, PhaseKind, Review
from .selectors import RELEASED_STATES, ReviewView, reader_role, review_view
from .transparency import RatingChange, rating_change

ES = Evaluation.State
RS = Review.State
# The phase whose due date applies to each part of a review.
PHASE_OF_KIND: dict[str, str] = {
    EvaluationKind.SELF: PhaseKind.SELF,
    EvaluationKind.MANAGER: PhaseKind.MANAGER,
    EvaluationKind.SKIP_LEVEL: PhaseKind.SKIP_LEVEL,
    EvaluationKind.PEER: PhaseKind.FEEDBACK,
    EvaluationKind.UPWARD: PhaseKind.FEEDBACK,
    EvaluationKind.CUSTOMER: PhaseKind.FEEDBACK,
}
BAND_CODES = ("S", "A", "B", "C", "D")


# ---- small helpers ---------------------------------------------------------------------------------


def num(value: object) -> str:
    """A stored score as people write it: "4.00" → "4", "3.60" → "3.6"; "" for nothing."""
    parsed = bd.dec(value)
    if parsed is None:
        return ""
    text = format(parsed.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def cycle_name(cycle: Cycle) -> str:
    return localised(cycle.name, cycle.name_en)


def _same(a: object, b: object) -> bool:
    x, y = bd.dec(a), bd.dec(b)
    return x is not None and y is not None and x == y


def dom_id(field_key: str) -> str:
    """An HTML id for a field key ("s3:c7" → "s3-c7")."""
    return field_key.replace(":", "-")


def _phases(cycle_ids: Iterable[int]) -> dict[tuple[int, str], CyclePhase]:
    phases = CyclePhase.objects.filter(cycle_id__in=sorted(set(cycle_ids))).order_by()  # no join for the order
    return {(p.cycle_id, p.kind): p for p in phases}


def _today() -> dt.date:
    return timezone.localdate()


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    threshold: str

    @property
    def css(self) -> str:
        return self.code if self.code in BAND_CODES else "B"


def bands_of(snapshot: Mapping[str, Any]) -> list[Band]:
    """The cycle's bands, highest first, with labels in the reader's language."""
    bands = sorted(snapshot.get("scale", {}).get("bands", []), key=lambda b: Decimal(str(b["threshold"])), reverse=True)
    return [Band(b["code"], localised(b.get("label", ""), b.get("label_en", "")), num(b["threshold"])) for b in bands]


def band_of(snapshot: Mapping[str, Any], code: str) -> Band | None:
    return next((b for b in bands_of(snapshot) if b.code == code), None) if code else None


# ---- my reviews --------------------------------------------------------------------------------------


@dataclass
class OwedRow:
    """One part of a review the reader writes or approves, in a cycle in progress."""

    evaluation: Evaluation
    review: Review
    cycle_name: str
    kind_label: str
    reviewee: Employee
    due_on: dt.date | None
    status: str  # open | waiting | done | closed
    note: str
    url: str
    action: str
    overdue: bool = False


@dataclass
class ResultRow:
    review: Review
    cycle_name: str
    final: str
    band: Band | None
    can_acknowledge: bool


@dataclass
class MyReviews:
    has_employee: bool
    owed: list[OwedRow] = field(default_factory=list)
    results: list[ResultRow] = field(default_factory=list)

    @property
    def open(self) -> list[OwedRow]:
        return [r for r in self.owed if r.status == "open"]

    @property
    def later(self) -> list[OwedRow]:
        return [r for r in self.owed if r.status != "open"]

    @property
    def to_acknowledge(self) -> list[ResultRow]:
        return [r for r in self.results if r.can_acknowledge]

    @property
    def has_feedback(self) -> bool:
        """Whether any row is a 360 request (the page links to the feedback inbox)."""
        return any(r.evaluation.kind in ANONYMOUS_KINDS for r in self.owed)


def feedback_status(evaluation: Evaluation, cycle: Cycle) -> tuple[str, str]:
    """Whether a 360 rater can answer now (open | waiting | done | closed), and if not, why."""
    if evaluation.state == ES.SUBMITTED:
        return "done", ""
    if evaluation.state == ES.SKIPPED:
        return "done", _("You declined this request.")
    if cycle.state != Cycle.State.ACTIVE:
        return "closed", _("This cycle is closed.")
    if cycle.phase == PhaseKind.FEEDBACK:
        return "open", ""
    if cycle.phase in PHASE_ORDER and PHASE_ORDER.index(cycle.phase) < PHASE_ORDER.index(PhaseKind.FEEDBACK):
        return "waiting", _("Feedback opens with the 360° feedback phase.")
    return "closed", _("The feedback phase is over.")


def _owed_status(evaluation: Evaluation, review: Review, cycle: Cycle) -> tuple[str, str]:
    """Whether the rater can act on her part now, and if not, why (a short sentence)."""
    phase = cycle.phase
    if evaluation.kind in ANONYMOUS_KINDS:
        return feedback_status(evaluation, cycle)
    if evaluation.state == ES.SUBMITTED:
        return "done", ""
    if evaluation.state == ES.SKIPPED:
        return "done", _("Closed: the manager reviewed without a self review.")
    if evaluation.kind == EvaluationKind.SELF:
        if review.state == RS.SELF_REVIEW and phase in services.ACTION_PHASES["self_save"]:
            return "open", ""
        return "closed", _("The self-review phase is over.")
    if evaluation.kind == EvaluationKind.MANAGER:
        if review.state in (RS.SELF_REVIEW, RS.MANAGER_REVIEW) and phase in services.ACTION_PHASES["manager_save"]:
            if phase not in services.ACTION_PHASES["manager_submit"]:
                if review.state == RS.SELF_REVIEW:
                    return "open", _("The self review is not in yet. You can prepare a draft now.")
                return "open", _("The self review is in. You can submit once the manager-review phase opens.")
            return "open", ""
        if review.state == RS.SKIP_LEVEL:
            return "waiting", _("Waiting for the skip-level approval.")
        return "closed", _("The manager-review phase is over.")
    # Skip-level approval: only once the manager has submitted.
    if review.state == RS.SKIP_LEVEL and phase in services.ACTION_PHASES["skip_approve"]:
        return "open", ""
    if review.state in (RS.SELF_REVIEW, RS.MANAGER_REVIEW):
        if evaluation.state == ES.DRAFT:
            return "waiting", _("You returned it; waiting for the manager to submit again.")
        return "waiting", _("Waiting for the manager's review.")
    return "closed", _("The skip-level phase is over.")


def _owed_action(evaluation: Evaluation) -> tuple[str, str]:
    if evaluation.kind in ANONYMOUS_KINDS:
        url = reverse("reviews:feedback_form", args=[evaluation.pk])
        return url, _("Continue") if evaluation.state == ES.DRAFT else _("Give feedback")
    if evaluation.kind == EvaluationKind.SKIP_LEVEL:
        return reverse("reviews:skip_level_decide", args=[evaluation.pk]), _("Approve or return")
    if evaluation.state == ES.DRAFT:
        return reverse("reviews:evaluation", args=[evaluation.pk]), _("Continue")
    if evaluation.kind == EvaluationKind.SELF:
        return reverse("reviews:evaluation", args=[evaluation.pk]), _("Write my self review")
    return reverse("reviews:evaluation", args=[evaluation.pk]), _("Write the review")


KIND_LABELS: dict[str, Any] = {
    EvaluationKind.SELF: EvaluationKind.SELF.label,
    EvaluationKind.MANAGER: EvaluationKind.MANAGER.label,
    EvaluationKind.SKIP_LEVEL: EvaluationKind.SKIP_LEVEL.label,
    EvaluationKind.PEER: EvaluationKind.PEER.label,
    EvaluationKind.UPWARD: EvaluationKind.UPWARD.label,
}
STATUS_ORDER = {"open": 0, "waiting": 1, "closed": 2, "done": 3}
# What a list of the evaluations a rater owes never reads: the answers, the review's and the cycle's large fields.
OWED_LIST_DEFER: tuple[str, ...] = (
    "answers",
    "private_note",
    "review__breakdown",
    "review__auto_items",
    "review__acknowledgement_comment",
    "cycle__snapshot",
    "cycle__filters",
    "cycle__launch_report",
)


def my_reviews(*, user: Any) -> MyReviews:
    """What the reader owes in cycles in progress and her released results (three queries)."""
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return MyReviews(has_employee=False)
    evaluations = list(
        Evaluation.objects.filter(rater_id=ctx.employee_id, cycle__state=Cycle.State.ACTIVE)
        .select_related("review__reviewee", "cycle")
        .defer(*OWED_LIST_DEFER)
        .order_by("pk")
    )
    mine = list(
        Review.objects.filter(reviewee_id=ctx.employee_id, state__in=RELEASED_STATES)
        .select_related("cycle")
        .defer("auto_items", "breakdown", "cycle__filters", "cycle__launch_report")
        .order_by("-released_at", "-pk")
    )
    phases = _phases([e.cycle_id for e in evaluations] + [r.cycle_id for r in mine])
    today = _today()
    owed: list[OwedRow] = []
    for evaluation in evaluations:
        review, cycle = evaluation.review, evaluation.cycle
        status, note = _owed_status(evaluation, review, cycle)
        phase = phases.get((cycle.pk, PHASE_OF_KIND.get(evaluation.kind, "")))
        due = phase.due_on if phase else None
        url, action = _owed_action(evaluation)
        if status != "open":
            # A 360 rater never opens the review itself (decision 0009): her own answers, read-only.
            url = url if evaluation.kind in ANONYMOUS_KINDS else review.get_absolute_url()
            action = _("Open")
        owed.append(
            OwedRow(
                evaluation=evaluation,
                review=review,
                cycle_name=cycle_name(cycle),
                kind_label=str(KIND_LABELS.get(evaluation.kind, evaluation.kind)),
                reviewee=review.reviewee,
                due_on=due,
                status=status,
                note=note,
                url=url,
                action=action,
                overdue=status == "open" and due is not None and due < today,
            )
        )
    owed.sort(key=lambda r: (STATUS_ORDER[r.status], r.due_on or dt.date.max, r.review.reviewee.name, r.evaluation.pk))
    results = [
        ResultRow(
            review=r,
            cycle_name=cycle_name(r.cycle),
            final=num(r.final_score),
            band=band_of(r.cycle.snapshot, r.band),
            can_acknowledge=r.state == RS.RELEASED
            and r.cycle.state == Cycle.State.ACTIVE
            and r.cycle.phase in services.ACTION_PHASES["acknowledge"],
        )
        for r in mine
    ]
    return MyReviews(has_employee=True, owed=owed, results=results)


# ---- team reviews ------------------------------------------------------------------------------------


@dataclass
class TeamRow:
    review: Review
    role: str  # manager | skip_level
    cycle_name: str
    self_state: str
    manager_state: str
    skip_state: str
    waiting_on_me: bool
    due_on: dt.date | None
    url: str
    action: str
    final: str = ""
    band: Band | None = None


@dataclass
class TeamReviews:
    cycles: list[tuple[int, str]]
    cycle_id: int | None
    rows: list[TeamRow]

    @property
    def waiting(self) -> int:
        return sum(1 for r in self.rows if r.waiting_on_me)

    @property
    def scored(self) -> int:
        return sum(1 for r in self.rows if r.final)


def team_reviews(*, user: Any, cycle_id: str | None = None) -> TeamReviews:
    """Reviews where the reader is the manager or skip-level manager, in cycles in progress (four queries)."""
    ctx = actor_context(user)
    me = ctx.employee_id
    if me is None:
        return TeamReviews(cycles=[], cycle_id=None, rows=[])
    mine = Q(manager_id=me) | Q(skip_level_id=me)
    cycles = list(
        Cycle.objects.filter(state=Cycle.State.ACTIVE, pk__in=Review.objects.filter(mine).values("cycle_id"))
        .defer("filters", "launch_report")
        .order_by("-launched_at", "-pk")
    )
    by_id = {c.pk: c for c in cycles}
    # The latest cycle by default; "all" shows every cycle in progress.
    chosen: int | None = cycles[0].pk if cycles else None
    if cycle_id == "all":
        chosen = None
    elif cycle_id and cycle_id.isdigit() and int(cycle_id) in by_id:
        chosen = int(cycle_id)
    ids = [chosen] if chosen else list(by_id)
    reviews = list(
        Review.objects.filter(mine, cycle_id__in=ids)
        .select_related("reviewee", "department")
        .defer("auto_items", "breakdown", "acknowledgement_comment")
        .order_by("reviewee__name_pinyin", "reviewee__name", "pk")
    )
    states: dict[tuple[int, str], tuple[str, int]] = {
        (rid, kind): (state, pk)
        for rid, kind, state, pk in Evaluation.objects.filter(cycle_id__in=ids, review__in=Review.objects.filter(mine))
        .values_list("review_id", "kind", "state", "pk")
        .order_by()
    }
    phases = _phases(ids)
    rows: list[TeamRow] = []
    for review in reviews:
        cycle = by_id[review.cycle_id]
        role = "manager" if review.manager_id == me else "skip_level"
        self_state, _self_pk = states.get((review.pk, EvaluationKind.SELF), ("", 0))
        manager_state, manager_pk = states.get((review.pk, EvaluationKind.MANAGER), ("", 0))
        skip_state, skip_pk = states.get((review.pk, EvaluationKind.SKIP_LEVEL), ("", 0))
        view = review_view(role=role, state=review.state, self_submitted=self_state == ES.SUBMITTED)
        url, action = review.get_absolute_url(), _("Open")
        if role == "manager":
            can_write = (
                manager_state in (ES.PENDING, ES.DRAFT)
                and review.state in (RS.SELF_REVIEW, RS.MANAGER_REVIEW)
                and cycle.phase in services.ACTION_PHASES["manager_save"]
            )
            waiting = can_write and (
                review.state == RS.MANAGER_REVIEW or cycle.phase in services.ACTION_PHASES["manager_submit"]
            )
            if can_write:
                url = reverse("reviews:evaluation", args=[manager_pk])
                action = _("Continue") if manager_state == ES.DRAFT else _("Write the review")
            due_phase = phases.get((cycle.pk, PhaseKind.MANAGER))
        else:
            waiting = review.state == RS.SKIP_LEVEL and cycle.phase in services.ACTION_PHASES["skip_approve"]
            if waiting:
                url, action = reverse("reviews:skip_level_decide", args=[skip_pk]), _("Approve or return")
            due_phase = phases.get((cycle.pk, PhaseKind.SKIP_LEVEL))
        row = TeamRow(
            review=review,
            role=role,
            cycle_name=cycle_name(cycle),
            self_state=self_state,
            manager_state=manager_state,
            skip_state=skip_state,
            waiting_on_me=waiting,
            due_on=due_phase.due_on if due_phase else None,
            url=url,
            action=action,
        )
        if view.score and review.final_score is not None:
            row.final = num(review.final_score)
            row.band = band_of(cycle.snapshot, review.band)
        rows.append(row)
    return TeamReviews(cycles=[(c.pk, cycle_name(c)) for c in cycles], cycle_id=chosen, rows=rows)


# ---- sections of a review: the form, and what a reader sees of an evaluation ------------------------


@dataclass
class Level:
    value: str
    label: str
    anchor: str = ""
    checked: bool = False
    number: str = ""  # 1, 2, … in the scale's order, as text (for the form's element ids)


@dataclass
class CompetencyRow:
    key: str
    dom: str
    name: str
    description: str
    levels: list[Level]
    rating: Level | None = None
    comment: str = ""
    self_rating: Level | None = None
    self_comment: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class QuestionRow:
    key: str
    dom: str
    text: str
    required: bool
    answer: str = ""
    self_answer: str | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class AutoItem:
    title: str
    kind: str
    weight: str
    attainment: int | None
    rating: str


@dataclass
class SectionView:
    key: str
    kind: str
    title: str
    weight: str
    required: bool
    items: list[AutoItem] = field(default_factory=list)
    automatic: str = ""
    override_score: str = ""
    override_reason: str = ""
    competencies: list[CompetencyRow] = field(default_factory=list)
    questions: list[QuestionRow] = field(default_factory=list)
    override_errors: list[str] = field(default_factory=list)

    @property
    def is_automatic(self) -> bool:
        return self.kind in bd.AUTOMATIC_KINDS

    @property
    def has_answers(self) -> bool:
        """Anything the rater wrote in this section (for reading it back)."""
        return bool(
            self.override_score
            or any(c.rating or c.comment for c in self.competencies)
            or any(q.answer for q in self.questions)
        )


def scale_levels(snapshot: Mapping[str, Any]) -> list[Level]:
    return [
        Level(num(lv["value"]), localised(lv.get("label", ""), lv.get("label_en", "")))
        for lv in sorted(snapshot["scale"]["levels"], key=lambda lv: Decimal(str(lv["value"])))
    ]


def _anchor(competency: Mapping[str, Any], value: str) -> str:
    for level, anchor in (competency.get("anchors") or {}).items():
        if _same(level, value):
            return localised(anchor.get("text", ""), anchor.get("text_en", ""))
    return ""


def _level(levels: Sequence[Level], competency: Mapping[str, Any], value: object) -> Level | None:
    """The scale level a stored rating stands for, with the competency's anchor for it."""
    for lv in levels:
        if _same(lv.value, value):
            return Level(lv.value, lv.label, _anchor(competency, lv.value), True)
    return None


def _auto_items(snapshot: Mapping[str, Any], items: Sequence[Mapping[str, Any]], key: str) -> list[AutoItem]:
    table, floor = bd.attainment_table(snapshot)
    out = []
    for item in items:
        if item.get("section") != key:
            continue
        attainment = bd.dec(item.get("attainment"))
        rating = ""
        if attainment is not None:
            rating = num(scoring.attainment_score(attainment, table=table, floor=floor) if table else floor)
        out.append(
            AutoItem(
                title=localised(str(item.get("title", "")), str(item.get("title_en", ""))),
                kind=str(item.get("kind", "")),
                weight=num(item.get("weight")),
                attainment=None if attainment is None else int((attainment * 100).to_integral_value()),
                rating=rating,
            )
        )
    return out


def build_sections(
    snapshot: Mapping[str, Any],
    *,
    model_key: str,
    answers: Mapping[str, Any] | None,
    auto_items: Sequence[Mapping[str, Any]] | None = None,
    self_answers: Mapping[str, Any] | None = None,
    with_levels: bool = False,
    errors: Mapping[str, Sequence[str]] | None = None,
    kind: str = EvaluationKind.SELF,
) -> list[SectionView]:
    """The frozen snapshot's sections in order, filled with one rater's answers (and the self review beside).

    `auto_items` lists KPI/goal items (None leaves them out); `with_levels` gives every competency all
    the levels with their BARS anchors, for the form's radio buttons. `kind` is the rater's: the 360
    section is there only when her group is one of its groups, and peers, reports and customers get it
    alone (breakdown.rated_items).
    """
    answers = answers or {}
    errors = errors or {}
    ratings = answers.get("ratings") or {}
    comments = answers.get("comments") or {}
    texts = answers.get("answers") or {}
    overrides = answers.get("overrides") or {}
    levels = scale_levels(snapshot)
    competencies = snapshot.get("competencies", {})
    out: list[SectionView] = []
    anonymous = kind in bd.ANONYMOUS_RATERS
    for section in snapshot["sections"]:
        key, section_kind = section["key"], section["kind"]
        if section_kind == bd.FEEDBACK_KIND:
            if kind not in {g["kind"] for g in section.get("groups", [])}:
                continue
        elif anonymous:
            continue
        view = SectionView(
            key=key,
            kind=section_kind,
            title=localised(section.get("title", ""), section.get("title_en", "")),
            weight=num(section.get("weight")),
            required=bool(section.get("required")),
        )
        if section_kind in bd.AUTOMATIC_KINDS:
            if auto_items is not None:
                view.items = _auto_items(snapshot, auto_items, key)
                automatic = bd.automatic_score(snapshot, [i for i in auto_items if i.get("section") == key])
                view.automatic = num(automatic)
            override = overrides.get(key) or {}
            view.override_score = str(override.get("score", "") or "")
            view.override_reason = str(override.get("reason", "") or "")
            view.override_errors = list(errors.get(f"override:{key}", []))
            out.append(view)
            continue
        if section_kind in bd.RATED_KINDS or section_kind == bd.FEEDBACK_KIND:
            for item in bd.competency_items(snapshot, section, model_key):
                ckey = item["competency"]
                competency = competencies.get(ckey, {})
                fkey = f"{key}:{ckey}"
                row = CompetencyRow(
                    key=fkey,
                    dom=dom_id(fkey),
                    name=localised(competency.get("name", ckey), competency.get("name_en", "")),
                    description=localised(competency.get("description", ""), competency.get("description_en", "")),
                    levels=[],
                    rating=_level(levels, competency, ratings.get(fkey)),
                    comment=str(comments.get(fkey, "")),
                    errors=list(errors.get(fkey, [])),
                )
                if with_levels:
                    rating = ratings.get(fkey)
                    row.levels = [
                        Level(lv.value, lv.label, _anchor(competency, lv.value), _same(lv.value, rating), str(i))
                        for i, lv in enumerate(levels, 1)
                    ]
                if self_answers is not None:
                    row.self_rating = _level(levels, competency, (self_answers.get("ratings") or {}).get(fkey))
                    row.self_comment = str((self_answers.get("comments") or {}).get(fkey, ""))
                view.competencies.append(row)
        if section_kind not in bd.RATED_KINDS:
            for question in section.get("questions", []):
                fkey = f"{key}:{question['key']}"
                view.questions.append(
                    QuestionRow(
                        key=fkey,
                        dom=dom_id(fkey),
                        text=localised(question.get("text", ""), question.get("text_en", "")),
                        required=bool(question.get("required")),
                        answer=str(texts.get(fkey, "")),
                        self_answer=None
                        if self_answers is None
                        else str((self_answers.get("answers") or {}).get(fkey, "")),
                        errors=list(errors.get(fkey, [])),
                    )
                )
        out.append(view)
    return out


# ---- the breakdown ("why is my score 3.6?") ---------------------------------------------------------


@dataclass(frozen=True)
class GroupPart:
    """One rater group of a 360 section in the breakdown: its weight, the weight applied and its score."""

    kind: str
    label: str
    weight: str
    effective_weight: str
    score: str


@dataclass
class BreakdownRow:
    key: str
    kind: str
    title: str
    weight: str
    effective_weight: str
    score: str
    contribution: str
    required: bool
    automatic: str = ""
    override_reason: str = ""
    # Corrected after the manager's part (on appeal, decision 0011): the computed score it replaced and why.
    corrected_from: str = ""
    correction_reason: str = ""
    corrected: bool = False
    manager: str = ""
    self_score: str = ""
    dropped: bool = False
    gained: bool = False
    items: list[AutoItem] = field(default_factory=list)
    # 360 sections (decision 0009): each group's part, and the groups whose weight was spread (too few answers).
    groups: list[GroupPart] = field(default_factory=list)
    dropped_groups: str = ""


@dataclass
class BreakdownView:
    rows: list[BreakdownRow]
    final: str
    band: Band | None  # the rating the reviewee reads (the score's band unless calibration or an appeal moved it)
    bands: list[Band]
    redistributed: bool
    self_weight: str
    score_band: Band | None = None  # the band the final score falls into
    change: RatingChange | None = None  # how calibration or an appeal changed the result, never who

    @property
    def band_moved(self) -> bool:
        return self.change is not None and self.change.band_moved and self.score_band is not None

    def chart(self) -> dict[str, Any]:
        return {
            "sections": [
                {"title": r.title, "contribution": float(bd.dec(r.contribution) or 0), "score": r.score}
                for r in self.rows
            ],
            "final": self.final,
            "band": self.band.css if self.band else "",
        }


def _feedback_groups(section: Mapping[str, Any]) -> tuple[list[GroupPart], str]:
    """The stored 360 section's groups (a dropped group has no score and no applied weight) and the dropped ones."""
    from django.utils.translation import get_language

    from .models import FeedbackGroup

    def label(kind: str) -> str:
        return str(FeedbackGroup(kind).label) if kind in FeedbackGroup.values else kind

    groups = [
        GroupPart(
            kind=g.get("group", ""),
            label=label(g.get("group", "")),
            weight=num(g.get("weight")) or "0",
            effective_weight=num(g.get("effective_weight")) or "0",
            score=num(g.get("score")),
        )
        for g in section.get("groups") or []
    ]
    sep = "、" if (get_language() or "").startswith("zh") else ", "
    return groups, sep.join(label(kind) for kind in section.get("dropped") or [])


def breakdown_view(
    snapshot: Mapping[str, Any],
    result: Mapping[str, Any],
    *,
    auto_items: Sequence[Mapping[str, Any]] | None = None,
    review: Review | None = None,
) -> BreakdownView | None:
    """The stored (or previewed) breakdown as rows a person reads; questions sections (unscored) left out.

    With the `review`, its rating (`Review.band`, perhaps moved in calibration or on appeal) is the one shown,
    beside the score's own band and the change's source and reason (decision 0011).
    """
    if not result or not result.get("sections"):
        return None
    required = {s["key"]: bool(s.get("required")) for s in snapshot["sections"]}
    rows = []
    for s in result["sections"]:
        if s["kind"] in bd.UNSCORED_KINDS:
            continue
        weight, effective = bd.dec(s.get("weight")) or Decimal(0), bd.dec(s.get("effective_weight"))
        row = BreakdownRow(
            key=s["key"],
            kind=s["kind"],
            title=localised(s.get("title", ""), s.get("title_en", "")),
            weight=num(weight),
            effective_weight=num(effective if effective is not None else weight),
            score=num(s.get("score")),
            contribution=num(s.get("contribution")) or "0",
            required=required.get(s["key"], True),
            automatic=num(s.get("automatic")),
            override_reason=str(s.get("override_reason", "")),
            corrected_from=num(s.get("corrected_from")) or ("—" if "corrected_from" in s else ""),
            correction_reason=str(s.get("correction_reason", "")),
            corrected="corrected_from" in s,
            manager=num(s.get("manager")),
            self_score=num(s.get("self")),
        )
        row.dropped = result.get("final") is not None and s.get("score") is None
        row.gained = effective is not None and effective > weight and not row.dropped
        if auto_items is not None and s["kind"] in bd.AUTOMATIC_KINDS:
            row.items = _auto_items(snapshot, auto_items, s["key"])
        if s["kind"] == bd.FEEDBACK_KIND:
            row.groups, row.dropped_groups = _feedback_groups(s)
        rows.append(row)
    final = num(result.get("final"))
    score_band = band_of(snapshot, str(result.get("band", ""))) if final else None
    band = score_band
    if review is not None and final and review.band:
        band = band_of(snapshot, review.band) or score_band
    return BreakdownView(
        rows=rows,
        final=final,
        band=band,
        bands=bands_of(snapshot),
        redistributed=bool(result.get("redistributed")),
        self_weight=num(snapshot.get("template", {}).get("self_weight")) or "0",
        score_band=score_band,
        change=rating_change(review) if review is not None else None,
    )


def preview(
    snapshot: Mapping[str, Any],
    *,
    model_key: str,
    auto_items: Sequence[Mapping[str, Any]],
    answers: Mapping[str, Any],
    self_answers: Mapping[str, Any] | None,
) -> BreakdownView | None:
    """The manager's live score on the form's current values (None when they cannot be scored yet)."""
    try:
        result = bd.review_breakdown(
            snapshot, model_key=model_key, auto_items=auto_items, manager=answers, self_answers=self_answers
        )
    except (ScoringError, ArithmeticError, KeyError, TypeError, ValueError):
        return None
    return breakdown_view(snapshot, result)


# ---- the evaluation form ------------------------------------------------------------------------------


@dataclass
class FormPage:
    evaluation: Evaluation
    review: Review
    cycle_name: str
    period: str
    sections: list[SectionView]
    levels: list[Level]
    can_write: bool
    can_submit: bool
    note: str
    due_on: dt.date | None
    overdue: bool
    self_shown: bool
    self_overall: str
    auto_items: list[dict[str, Any]]
    self_answers: dict[str, Any] | None
    overall_required: bool
    overall_errors: list[str]
    other_errors: list[str]
    scale_min: str = "1"
    scale_max: str = "5"

    @property
    def is_manager(self) -> bool:
        return self.evaluation.kind == EvaluationKind.MANAGER


def form_state(evaluation: Evaluation) -> tuple[bool, bool, str]:
    """(can save a draft, can submit, why not) for a self or manager evaluation, as the services decide."""
    review, cycle = evaluation.review, evaluation.review.cycle
    is_self = evaluation.kind == EvaluationKind.SELF
    prefix = "self_" if is_self else "manager_"
    if evaluation.state == ES.SUBMITTED:
        return False, False, _("You submitted this review.")
    if evaluation.state == ES.SKIPPED:
        return False, False, _("Your manager reviewed without a self review, so this one is closed.")
    if cycle.state != Cycle.State.ACTIVE:
        return False, False, _("This cycle is closed; nothing can be written any more.")
    writable = (RS.SELF_REVIEW,) if is_self else (RS.SELF_REVIEW, RS.MANAGER_REVIEW)
    phase = PhaseKind(cycle.phase).label if cycle.phase else ""
    if cycle.phase not in services.ACTION_PHASES[prefix + "save"] or review.state not in writable:
        return (
            False,
            False,
            _("The cycle is in the phase “%(phase)s”; this review can no longer be written.") % {"phase": phase},
        )
    if cycle.phase not in services.ACTION_PHASES[prefix + "submit"]:
        return True, False, _("You can prepare a draft now and submit it once the manager-review phase opens.")
    if not is_self and review.state == RS.SELF_REVIEW and cycle.phase == PhaseKind.SELF:
        return True, False, _("The self review is not in yet. You can prepare a draft now.")
    if not is_self and review.state == RS.SELF_REVIEW:
        return True, True, _("The self review is not submitted. If you submit now, it closes without it.")
    return True, True, ""


def evaluation_form(
    *,
    user: Any,
    evaluation: Evaluation,
    answers: Mapping[str, Any],
    errors: Mapping[str, Sequence[str]] | None = None,
) -> FormPage:
    """Everything the self or manager review form shows, filled with `answers` (the draft or what was posted).

    Queries: the reviewee's KPI targets and objectives (live until the manager submits), the submitted
    self review (for the manager, when the matrix allows) and the cycle's phases.
    """
    review = evaluation.review
    cycle = review.cycle
    snapshot = cycle.snapshot
    manager_submitted = review.state not in (RS.SELF_REVIEW, RS.MANAGER_REVIEW)
    auto_items = list(review.auto_items) if manager_submitted else services.auto_items_for(review)
    self_answers: dict[str, Any] | None = None
    self_shown = False
    if evaluation.kind == EvaluationKind.MANAGER:
        row = (
            Evaluation.objects.filter(review=review, kind=EvaluationKind.SELF)
            .values_list("state", "answers")
            .order_by()
            .first()
        )
        ctx = actor_context(user)
        view = review_view(
            role=reader_role(ctx, review, review.reviewee.chain),
            state=review.state,
            self_submitted=bool(row and row[0] == ES.SUBMITTED),
        )
        if view.self_review and row is not None and row[0] == ES.SUBMITTED:
            self_answers, self_shown = dict(row[1] or {}), True
    # Ordered by key: the model's default order joins the cycle table for nothing.
    phase = CyclePhase.objects.filter(cycle=cycle, kind=PHASE_OF_KIND[evaluation.kind]).order_by("pk").first()
    can_write, can_submit, note = form_state(evaluation)
    due = phase.due_on if phase else None
    return FormPage(
        evaluation=evaluation,
        review=review,
        cycle_name=cycle_name(cycle),
        period=period_label(cycle.period),
        sections=build_sections(
            snapshot,
            model_key=review.competency_model,
            answers=answers,
            auto_items=auto_items,
            self_answers=self_answers,
            with_levels=True,
            errors=errors,
            kind=evaluation.kind,
        ),
        levels=scale_levels(snapshot),
        can_write=can_write,
        can_submit=can_submit,
        note=note,
        due_on=due,
        overdue=can_write and due is not None and due < _today(),
        self_shown=self_shown,
        self_overall=str((self_answers or {}).get("overall", "")),
        auto_items=auto_items,
        self_answers=self_answers,
        overall_required=bool(snapshot.get("template", {}).get("overall_comment_required")),
        overall_errors=list((errors or {}).get("overall", [])),
        other_errors=_unplaced(snapshot, review.competency_model, errors or {}, kind=evaluation.kind),
        scale_min=num(snapshot["scale"].get("min")) or "1",
        scale_max=num(snapshot["scale"].get("max")) or "5",
    )


def _unplaced(
    snapshot: Mapping[str, Any], model_key: str, errors: Mapping[str, Sequence[str]], *, kind: str = EvaluationKind.SELF
) -> list[str]:
    """Errors for fields the form does not show (so none is lost)."""
    shown = {f"{s}:{i}" for s, i, _r in bd.rated_items(snapshot, model_key, kind)} | {"overall"}
    shown |= {f"override:{s['key']}" for s in snapshot["sections"] if s["kind"] in bd.AUTOMATIC_KINDS}
    return [e for name, errs in errors.items() if name not in shown for e in errs]


# ---- the review page ---------------------------------------------------------------------------------


@dataclass
class EvaluationPart:
    """One rater's part as a reader sees it."""

    evaluation: Evaluation
    sections: list[SectionView]
    overall: str

    @property
    def submitted(self) -> bool:
        return self.evaluation.state == ES.SUBMITTED

    @property
    def has_content(self) -> bool:
        return bool(self.overall.strip()) or any(s.has_answers for s in self.sections)


@dataclass
class ReviewPage:
    review: Review
    role: str
    view: ReviewView
    cycle_name: str
    period: str
    self_part: EvaluationPart | None
    manager_part: EvaluationPart | None
    private_note: str
    skip_decision: dict[str, Any] | None
    skip_evaluation: Evaluation | None
    breakdown: BreakdownView | None
    can_acknowledge: bool
    my_action: tuple[str, str] | None
    states: dict[str, str]

    @property
    def mine(self) -> bool:
        return self.role == "reviewee"

    @property
    def calibrating(self) -> bool:
        """A ready review of a calibration cycle that has not moved past calibration: the step it is at."""
        cycle = self.review.cycle
        before_release = cycle.phase in PHASE_ORDER and PHASE_ORDER.index(cycle.phase) <= PHASE_ORDER.index(
            PhaseKind.CALIBRATION
        )
        return cycle.calibration and self.review.state == RS.READY and before_release

    @property
    def appealable(self) -> bool:
        """A released result the reader may see: the appeals app's panel (how to appeal, the appeal's state)."""
        return self.breakdown is not None and self.review.state in RELEASED_STATES


def _part(snapshot: Mapping[str, Any], review: Review, evaluation: Evaluation, *, auto: bool = False) -> EvaluationPart:
    answers = evaluation.answers or {}
    return EvaluationPart(
        evaluation=evaluation,
        sections=build_sections(
            snapshot,
            model_key=review.competency_model,
            answers=answers,
            auto_items=review.auto_items if auto else None,
            kind=evaluation.kind,
        ),
        overall=str(answers.get("overall", "")),
    )


def review_page(*, user: Any, review: Review) -> ReviewPage:
    """A review as this reader may see it, per the visibility matrix (one query for its evaluations)."""
    ctx = actor_context(user)
    # The review's own parts only: 360 answers (peers, reports, customers) reach a reader through the report's
    # aggregates alone (decision 0009), never as evaluations, their states or their raters.
    own_kinds = (EvaluationKind.SELF, EvaluationKind.MANAGER, EvaluationKind.SKIP_LEVEL)
    evaluations = {
        e.kind: e
        for e in Evaluation.objects.filter(review=review, kind__in=own_kinds).select_related("rater").order_by("pk")
    }
    self_eval = evaluations.get(EvaluationKind.SELF)
    manager_eval = evaluations.get(EvaluationKind.MANAGER)
    skip_eval = evaluations.get(EvaluationKind.SKIP_LEVEL)
    role = reader_role(ctx, review, review.reviewee.chain)
    view = review_view(
        role=role, state=review.state, self_submitted=self_eval is not None and self_eval.state == ES.SUBMITTED
    )
    snapshot = review.cycle.snapshot
    self_part = None
    if view.self_review and self_eval is not None and (role == "reviewee" or self_eval.state == ES.SUBMITTED):
        self_part = _part(snapshot, review, self_eval)
    manager_part = None
    if view.manager_review and manager_eval is not None and (role == "manager" or manager_eval.state == ES.SUBMITTED):
        manager_part = _part(snapshot, review, manager_eval)
    private_note = manager_eval.private_note if (view.private_note and manager_eval is not None) else ""
    skip_decision = None
    if view.skip_level_decision and skip_eval is not None and (skip_eval.answers or {}).get("decision"):
        skip_decision = dict(skip_eval.answers)
    breakdown = None
    if view.score and review.breakdown:
        breakdown = breakdown_view(snapshot, review.breakdown, auto_items=review.auto_items, review=review)
    cycle = review.cycle
    can_acknowledge = (
        role == "reviewee"
        and review.state == RS.RELEASED
        and cycle.state == Cycle.State.ACTIVE
        and cycle.phase in services.ACTION_PHASES["acknowledge"]
    )
    my_action = None
    mine = next((e for e in evaluations.values() if e.rater_id == ctx.employee_id), None)
    if mine is not None and mine.state in (ES.PENDING, ES.DRAFT) and cycle.state == Cycle.State.ACTIVE:
        status, _note = _owed_status(mine, review, cycle)
        if status == "open":
            my_action = _owed_action(mine)
    return ReviewPage(
        review=review,
        role=role,
        view=view,
        cycle_name=cycle_name(cycle),
        period=period_label(cycle.period),
        self_part=self_part,
        manager_part=manager_part,
        private_note=private_note,
        skip_decision=skip_decision,
        skip_evaluation=skip_eval,
        breakdown=breakdown,
        can_acknowledge=can_acknowledge,
        my_action=my_action,
        states={kind: e.state for kind, e in evaluations.items()},
    )


# ---- skip-level approval -----------------------------------------------------------------------------


@dataclass
class SkipPage:
    evaluation: Evaluation
    review: Review
    page: ReviewPage
    can_decide: bool
    note: str


def skip_level_page(*, user: Any, evaluation: Evaluation) -> SkipPage:
    """The skip-level manager's view of the manager's ratings and score, and whether she can decide now."""
    review = evaluation.review
    page = review_page(user=user, review=review)
    cycle = review.cycle
    can_decide, note = False, ""
    if cycle.state != Cycle.State.ACTIVE:
        note = _("This cycle is closed.")
    elif review.state in (RS.SELF_REVIEW, RS.MANAGER_REVIEW):
        note = _("Waiting for the manager's review. You can approve or return it once it is submitted.")
    elif review.state != RS.SKIP_LEVEL:
        note = _("This review has been approved.") if evaluation.state == ES.SUBMITTED else _("Nothing to decide.")
    elif cycle.phase not in services.ACTION_PHASES["skip_approve"]:
        note = _("The cycle is in the phase “%(phase)s”; approvals are closed.") % {
            "phase": PhaseKind(cycle.phase).label if cycle.phase else ""
        }
    else:
        can_decide = True
    return SkipPage(evaluation=evaluation, review=review, page=page, can_decide=can_decide, note=note)
