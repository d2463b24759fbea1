"""Page models for reading 360 feedback (decision 0009): the report, the upward report, HR's list of managers,
HR's audited reveal, and the 360 part of a person's own export.

Every number and comment comes from selectors_feedback.feedback_report() — or, for many reviews at once,
`feedback_reports()`, the same feedback.report() fed by one query — and who may read what from
selectors_feedback.feedback_access(). Nothing here reads who wrote an anonymous answer, except:

- `asked_raters()`: the list of who was asked per group, with whether they answered, for the manager and HR
  of a *confidential* cycle (access.names) — never which answer is whose;
- `revealed_responses()`: what HR's reveal shows, read after services_feedback.feedback_reveal recorded it.

Report filters on the upward list run anonymity.differencing_problems() over the raters behind every number
the filter would show (and the wider views the same reader can open) and are refused when a rule breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jixiao.goals.selectors import period_label
from jixiao.org.models import Department
from jixiao.org.selectors import actor_context

from . import anonymity
from . import feedback as fb
from .models import ANONYMOUS_KINDS, Cycle, Evaluation, EvaluationKind, FeedbackGroup, Review
from .selectors_cycles import department_choices, in_scope, localised
from .selectors_feedback import FeedbackAccess, comment_salt, feedback_closed
from .selectors_pages import cycle_name, num

UPWARD = "upward"
PAGE_SIZE = 50


def group_label(kind: str) -> str:
    try:
        return str(FeedbackGroup(kind).label)
    except ValueError:
        return kind


def join_labels(labels: Iterable[str]) -> str:
    """Names in a sentence: "Peers, Customers" / "同事、客户"."""
    sep = "、" if (get_language() or "").startswith("zh") else ", "
    return sep.join(labels)


# ---- the reports themselves ----------------------------------------------------------------------


def feedback_reports(reviews: Sequence[Review], *, kinds: Sequence[str] | None = None) -> dict[int, dict[str, Any]]:
    """selectors_feedback.feedback_report() for many reviews (cycles loaded) from one query.

    The same inputs go to the same feedback.report(): the rows of the review's self, manager and anonymous
    evaluations, the requests not declined per anonymous group, and the review's secret comment order.
    `kinds` narrows the groups read (the upward list reads only the upward group, whose numbers do not
    depend on the others). Reviews without a 360 section are left out.
    """
    wanted = [r for r in reviews if fb.section_of(r.cycle.snapshot or {}) is not None]
    if not wanted:
        return {}
    kinds = tuple(kinds) if kinds is not None else (*ANONYMOUS_KINDS, EvaluationKind.SELF, EvaluationKind.MANAGER)
    responses: dict[int, list[fb.Response]] = {r.pk: [] for r in wanted}
    asked: dict[int, dict[str, int]] = {r.pk: {} for r in wanted}
    rows = (
        Evaluation.objects.filter(review_id__in=[r.pk for r in wanted], kind__in=kinds)
        .values_list("review_id", "pk", "kind", "state", "answers")
        .order_by()
    )
    for review_id, pk, kind, state, answers in rows:
        if kind in ANONYMOUS_KINDS and state != Evaluation.State.SKIPPED:
            asked[review_id][kind] = asked[review_id].get(kind, 0) + 1
        if state == Evaluation.State.SUBMITTED:
            responses[review_id].append(fb.Response(pk, kind, answers or {}))
    out = {}
    for review in wanted:
        report = fb.report(
            review.cycle.snapshot,
            model_key=review.competency_model,
            responses=responses[review.pk],
            asked=asked[review.pk],
            salt=comment_salt(review),
        )
        if report is not None:
            out[review.pk] = report
    return out


# ---- the 360 report page (and its PDF and export) --------------------------------------------------


@dataclass(frozen=True)
class GroupView:
    kind: str
    label: str
    anonymous: bool
    weight: str
    applied: str
    score: str
    shown: bool
    answered: int | None = None
    asked: int | None = None
    asked_any: bool = True

    @property
    def counted(self) -> bool:
        """ "3 of 5 answered" may be shown: only beside a shown group (at least k answered)."""
        return self.shown and self.answered is not None


@dataclass(frozen=True)
class CompetencyView:
    key: str
    name: str
    self_score: str
    manager: str
    others: str
    cells: tuple[str, ...]  # one per shown anonymous group, in ReportPage.columns' order
    gap: str
    flag: str  # "" | blind_spot | hidden_strength
    note: str


@dataclass(frozen=True)
class CommentBlock:
    kind: str
    label: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class QuestionView:
    key: str
    text: str
    blocks: tuple[CommentBlock, ...]


@dataclass(frozen=True)
class AskedRater:
    """Someone asked for feedback in a confidential cycle: her name, group and whether she answered."""

    name: str
    group: str
    group_label: str
    state: str  # answered | declined | not_answered
    state_label: str


@dataclass
class ReportPage:
    review: Review
    access: FeedbackAccess
    reviewee_name: str
    cycle_name: str
    period: str
    section_title: str
    k: int
    comment_k: int
    score: str
    dropped: list[str]
    groups: list[GroupView]
    columns: list[tuple[str, str]]
    competencies: list[CompetencyView]
    questions: list[QuestionView]
    scale_min: str
    scale_max: str
    names: list[AskedRater] | None = None

    @property
    def has_anything(self) -> bool:
        """Something from the anonymous groups is shown (the self rating alone is not feedback)."""
        return any(g.shown and g.anonymous for g in self.groups) or any(
            b.kind in ANONYMOUS_KINDS for q in self.questions for b in q.blocks
        )

    @property
    def show_self(self) -> bool:
        return any(c.self_score for c in self.competencies)

    @property
    def show_manager(self) -> bool:
        return any(c.manager for c in self.competencies)

    @property
    def dropped_text(self) -> str:
        return join_labels(self.dropped)

    @property
    def flagged(self) -> list[CompetencyView]:
        return [c for c in self.competencies if c.flag]

    @property
    def has_upward(self) -> bool:
        """The direct reports' group is shown (at least k answered): worth a page of its own."""
        return any(g.kind == UPWARD and g.shown for g in self.groups)

    @property
    def radar(self) -> bool:
        """A radar needs three axes at least; with fewer the table says it all."""
        return len(self.competencies) >= 3 and any(c.others or c.manager for c in self.competencies)

    def series(self) -> list[tuple[str, str, list[str]]]:
        """(key, label, values) of each line the radar draws: self, others, manager — those with a value."""
        out = []
        for key, label, values in (
            ("self", _("Self"), [c.self_score for c in self.competencies]),
            ("others", _("Others"), [c.others for c in self.competencies]),
            ("manager", _("Manager"), [c.manager for c in self.competencies]),
        ):
            if any(values):
                out.append((key, label, values))
        return out

    def chart(self) -> dict[str, Any] | None:
        if not self.radar:
            return None
        top, bottom = float(Decimal(self.scale_max)), float(Decimal(self.scale_min))
        return {
            "indicators": [{"name": c.name, "max": top, "min": bottom} for c in self.competencies],
            "series": [
                {"key": key, "name": label, "values": [float(Decimal(v)) if v else None for v in values]}
                for key, label, values in self.series()
            ],
        }


def _flag_note(flag: str, own: str, others: str) -> str:
    if flag == "blind_spot":
        return _("Blind spot: the self rating (%(self)s) is well above what others see (%(others)s).") % {
            "self": own,
            "others": others,
        }
    if flag == "hidden_strength":
        return _("Hidden strength: others see more here (%(others)s) than the self rating (%(self)s).") % {
            "self": own,
            "others": others,
        }
    return ""


def _groups(report: Mapping[str, Any]) -> list[GroupView]:
    return [
        GroupView(
            kind=g["group"],
            label=group_label(g["group"]),
            anonymous=g["group"] in ANONYMOUS_KINDS,
            weight=num(g.get("weight")) or "0",
            applied=num(g.get("effective_weight")) or "0",
            score=num(g.get("score")),
            shown=bool(g.get("shown")),
            answered=g.get("answered"),
            asked=g.get("asked"),
            asked_any=bool(g.get("asked_any", True)),
        )
        for g in report["groups"]
    ]


def _questions(report: Mapping[str, Any], only: str | None = None) -> list[QuestionView]:
    out = []
    for question in report["comments"]:
        blocks = tuple(
            CommentBlock(kind=b["group"], label=group_label(b["group"]), texts=tuple(b["texts"]))
            for b in question["groups"]
            if only is None or b["group"] == only
        )
        out.append(
            QuestionView(
                key=question["key"], text=localised(question["text"], question.get("text_en", "")), blocks=blocks
            )
        )
    return out


def build_report_page(
    review: Review, access: FeedbackAccess, report: Mapping[str, Any], names: list[AskedRater] | None = None
) -> ReportPage:
    """The page model of one report (cycle, period and reviewee of the review loaded)."""
    groups = _groups(report)
    columns = [(g.kind, g.label) for g in groups if g.anonymous and g.shown]
    competencies = []
    for row in report["competencies"]:
        own, others = num(row.get("self")), num(row.get("others"))
        flag = row.get("flag") or ""
        competencies.append(
            CompetencyView(
                key=row["key"],
                name=localised(row.get("name", ""), row.get("name_en", "")),
                self_score=own,
                manager=num(row.get("manager")),
                others=others,
                cells=tuple(num((row.get("groups") or {}).get(kind)) for kind, _label in columns),
                gap=num(row.get("gap")),
                flag=flag,
                note=_flag_note(flag, own, others),
            )
        )
    section = report["section"]
    return ReportPage(
        review=review,
        access=access,
        reviewee_name=review.reviewee.name,
        cycle_name=cycle_name(review.cycle),
        period=period_label(review.cycle.period),
        section_title=localised(section.get("title", ""), section.get("title_en", "")),
        k=int(report["k"]),
        comment_k=int(report["comment_k"]),
        score=num(report.get("score")),
        dropped=[group_label(g) for g in report.get("dropped", [])],
        groups=groups,
        columns=columns,
        competencies=competencies,
        questions=_questions(report),
        scale_min=num(report["scale"]["min"]) or "1",
        scale_max=num(report["scale"]["max"]) or "5",
        names=names,
    )


def asked_raters(review: Review) -> list[AskedRater]:
    """Who was asked per anonymous group and whether she answered, by group then name (one query).

    Only for readers with access.names (the manager and HR of a confidential cycle). No dates, no order of
    answering, nothing tying a person to an answer; a draft counts as "not answered".
    """
    rows = (
        Evaluation.objects.filter(review=review, kind__in=ANONYMOUS_KINDS)
        .values_list("kind", "state", "rater__name", "rater__name_pinyin", "nomination__name", "nomination__email")
        .order_by()
    )
    labels = {
        "answered": _("Answered"),
        "declined": _("Declined"),
        "not_answered": _("Not answered"),
    }
    order = {kind: i for i, kind in enumerate(fb.GROUP_ORDER)}
    out = []
    for kind, state, name, pinyin, guest, email in rows:
        status = (
            "answered"
            if state == Evaluation.State.SUBMITTED
            else "declined"
            if state == Evaluation.State.SKIPPED
            else "not_answered"
        )
        shown = name or guest or email or ""
        out.append(
            (
                order.get(kind, 9),
                (pinyin or shown).lower(),
                AskedRater(shown, kind, group_label(kind), status, labels[status]),
            )
        )
    return [row for _o, _n, row in sorted(out, key=lambda t: (t[0], t[1], t[2].name))]


def report_page(*, review: Review, access: FeedbackAccess) -> ReportPage | None:
    """The 360 report as this reader may see it (the gate passed, access.report true); None without a section."""
    from .selectors_feedback import feedback_report

    report = feedback_report(review)
    if report is None:
        return None
    return build_report_page(review, access, report, asked_raters(review) if access.names else None)


# ---- the upward report of one manager ----------------------------------------------------------------


@dataclass
class UpwardPage:
    review: Review
    access: FeedbackAccess
    reviewee_name: str
    cycle_name: str
    period: str
    k: int
    comment_k: int
    group: GroupView | None
    rows: list[tuple[str, str, str]]  # competency, self, direct reports
    questions: list[QuestionView]

    @property
    def show_self(self) -> bool:
        return any(own for _n, own, _u in self.rows)

    @property
    def has_comments(self) -> bool:
        return any(q.blocks for q in self.questions)


def upward_page(*, review: Review, access: FeedbackAccess) -> UpwardPage | None:
    """The direct reports' part of a manager's 360 report: the same report, the upward group alone."""
    page = report_page(review=review, access=access)
    if page is None:
        return None
    group = next((g for g in page.groups if g.kind == UPWARD), None)
    column = next((i for i, (kind, _label) in enumerate(page.columns) if kind == UPWARD), None)
    rows = [(c.name, c.self_score, c.cells[column] if column is not None else "") for c in page.competencies]
    return UpwardPage(
        review=review,
        access=access,
        reviewee_name=page.reviewee_name,
        cycle_name=page.cycle_name,
        period=page.period,
        k=page.k,
        comment_k=page.comment_k,
        group=group,
        rows=rows,
        questions=[QuestionView(q.key, q.text, tuple(b for b in q.blocks if b.kind == UPWARD)) for q in page.questions],
    )


# ---- HR: every manager's upward score in a cycle -----------------------------------------------------


@dataclass(frozen=True)
class ManagerRow:
    review_id: int
    name: str
    department: str
    shown: bool
    score: str
    answered: int | None
    asked: int | None
    url: str


@dataclass
class CycleUpwardPage:
    cycle: Cycle
    cycle_name: str
    period: str
    k: int
    has_upward: bool
    closed: bool
    departments: list[Department]
    levels: list[str]
    department_id: int | None
    level: str
    rows: list[ManagerRow] = field(default_factory=list)
    next_after: int | None = None
    refused: str = ""
    error: str = ""

    @property
    def filtered(self) -> bool:
        return self.department_id is not None or bool(self.level)

    @property
    def list_query(self) -> str:
        parts = []
        if self.department_id is not None:
            parts.append(f"department={self.department_id}")
        if self.level:
            from urllib.parse import quote

            parts.append(f"level={quote(self.level)}")
        return "&".join(parts)


def _has_upward(snapshot: Mapping[str, Any]) -> bool:
    section = fb.section_of(snapshot)
    return section is not None and any(g["kind"] == UPWARD for g in section.get("groups", []))


@dataclass(frozen=True)
class _Answer:
    pk: int
    review_id: int
    state: str
    answers: Mapping[str, Any]
    path: str
    level: str
    model_key: str


def _matches(row: _Answer, department: Department | None, level: str) -> bool:
    return (department is None or row.path.startswith(department.path)) and (not level or row.level == level)


def filter_problems(
    answers: Sequence[_Answer],
    fields: Sequence[tuple[str, str, Decimal]],
    department: Department | None,
    level: str,
    k: int,
) -> list[anonymity.Problem]:
    """What a (department, level) filter of the raters would expose, for one manager's upward group.

    The aggregates are the usable raters behind the number the filter shows and behind the numbers of the
    wider views the same reader opens by dropping a filter (all, department alone, level alone), so no
    subtraction of two of them isolates fewer than k. Nothing to check when the filter keeps nobody.
    """
    usable = [
        a for a in answers if a.state == Evaluation.State.SUBMITTED and fb.rater_mean(a.answers, fields) is not None
    ]
    views: dict[str, frozenset[int]] = {"all": frozenset(a.pk for a in usable)}
    if department is not None:
        views["department"] = frozenset(a.pk for a in usable if _matches(a, department, ""))
    if level:
        views["level"] = frozenset(a.pk for a in usable if _matches(a, None, level))
    views["filter"] = frozenset(a.pk for a in usable if _matches(a, department, level))
    if not views["filter"]:
        return []
    return anonymity.differencing_problems({name: cells for name, cells in views.items() if cells}, k)


def cycle_upward_page(
    *, user: Any, cycle: Cycle, department_id: str | None = None, level: str | None = None, after: str | None = None
) -> CycleUpwardPage:
    """The managers of a cycle (HR's scope) with their direct reports' score when shown; a fixed number of queries.

    Filters narrow the raters (their department subtree and job level). A filter is refused, and nothing
    shown, when any manager's filtered group would be below k or differ from a wider view by fewer than k.
    """
    ctx = actor_context(user)
    snapshot = cycle.snapshot or {}
    k, _comment_k = fb.thresholds(snapshot) if fb.section_of(snapshot) else (anonymity.MIN_K, anonymity.MIN_K)
    page = CycleUpwardPage(
        cycle=cycle,
        cycle_name=cycle_name(cycle),
        period=period_label(cycle.period),
        k=k,
        has_upward=_has_upward(snapshot),
        closed=feedback_closed(cycle),
        departments=[],
        levels=[],
        department_id=None,
        level="",
    )
    if not page.has_upward or not page.closed:
        return page
    upward = in_scope(Evaluation.objects.filter(cycle=cycle, kind=EvaluationKind.UPWARD), ctx, prefix="review__")
    page.departments = department_choices(user)
    page.levels = [
        lv
        for lv in upward.exclude(rater__job_level="")
        .order_by("rater__job_level")
        .values_list("rater__job_level", flat=True)
        .distinct()
        if lv
    ]
    department: Department | None = None
    if department_id:
        department = next((d for d in page.departments if str(d.pk) == department_id.strip()), None)
        if department is None:
            page.error = _("Choose a department from the list.")
            return page
        page.department_id = department.pk
    if level:
        if level not in page.levels:
            page.error = _("Choose a level from the list.")
            return page
        page.level = level
    start = int(after) if after and after.isdigit() else 0
    reviews = list(
        in_scope(Review.objects.filter(cycle=cycle, pk__gt=start), ctx)
        .filter(Exists(Evaluation.objects.filter(review_id=OuterRef("pk"), kind=EvaluationKind.UPWARD)))
        .select_related("reviewee", "department")
        .only("id", "competency_model", "cycle_id", "reviewee__name", "department__name", "department__name_en")
        .order_by("pk")[: PAGE_SIZE + 1]
    )
    more = len(reviews) > PAGE_SIZE
    reviews = reviews[:PAGE_SIZE]
    ids = [r.pk for r in reviews]
    # Filtered: every manager's group is checked, not just this page's (a later page must not be the leak).
    rows_qs = upward if page.filtered else upward.filter(review_id__in=ids)
    answers: dict[int, list[_Answer]] = {}
    for pk, review_id, state, raw, path, lv, model_key in rows_qs.values_list(
        "pk", "review_id", "state", "answers", "rater__department__path", "rater__job_level", "review__competency_model"
    ).order_by():
        answers.setdefault(review_id, []).append(
            _Answer(pk, review_id, state, raw or {}, path or "", lv or "", model_key or "")
        )
    section = fb.section_of(snapshot)
    assert section is not None  # _has_upward
    if page.filtered:
        fields_by_model: dict[str, list[tuple[str, str, Decimal]]] = {}
        for rows in answers.values():
            model_key = rows[0].model_key
            if model_key not in fields_by_model:
                fields_by_model[model_key] = fb.fields_of(snapshot, section, model_key)
            if filter_problems(rows, fields_by_model[model_key], department, page.level, k):
                page.refused = _(
                    "Results for this filter are not shown: they would show the answers of fewer than %(k)s people,"
                    " or two results that differ by fewer than %(k)s people, so someone could be singled out."
                    " Choose a wider filter."
                ) % {"k": k}
                return page
    url = reverse("reviews:upward_report", args=[0]).replace("/0/", "/{}/")
    for review in reviews:
        mine = [a for a in answers.get(review.pk, []) if _matches(a, department, page.level)]
        report = fb.report(
            snapshot,
            model_key=review.competency_model,
            responses=[fb.Response(a.pk, UPWARD, a.answers) for a in mine if a.state == Evaluation.State.SUBMITTED],
            asked={} if page.filtered else {UPWARD: sum(1 for a in mine if a.state != Evaluation.State.SKIPPED)},
            salt=b"",
        )
        group: dict[str, Any] = next((g for g in (report or {}).get("groups", []) if g["group"] == UPWARD), {})
        dept = review.department
        page.rows.append(
            ManagerRow(
                review_id=review.pk,
                name=review.reviewee.name,
                department=localised(dept.name, dept.name_en) if dept else "",
                shown=bool(group.get("shown")),
                score=num(group.get("score")),
                answered=group.get("answered"),
                asked=group.get("asked"),
                url=url.format(review.pk),
            )
        )
    page.next_after = reviews[-1].pk if more and reviews else None
    return page


# ---- HR's reveal -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevealedResponse:
    rater: str
    email: str
    group: str
    group_label: str
    ratings: tuple[tuple[str, str], ...]  # (competency, rating or "not able to judge")
    answers: tuple[tuple[str, str], ...]  # (question, text)


@transaction.atomic
def revealed_responses(review: Review) -> list[RevealedResponse]:
    """Who wrote each anonymous answer of the review, for HR after services_feedback.feedback_reveal (audited).

    The caller passed the gate, checked access.reveal and recorded the reveal with its reason first.
    """
    snapshot = review.cycle.snapshot or {}
    section = fb.section_of(snapshot)
    if section is None:
        return []
    fields = fb.fields_of(snapshot, section, review.competency_model)
    competencies = snapshot.get("competencies", {})
    questions = [
        (f"{section['key']}:{q['key']}", localised(q["text"], q.get("text_en", "")))
        for q in section.get("questions", [])
    ]
    order = {kind: i for i, kind in enumerate(fb.GROUP_ORDER)}
    rows = (
        Evaluation.objects.filter(review=review, kind__in=ANONYMOUS_KINDS, state=Evaluation.State.SUBMITTED)
        .values_list("kind", "answers", "rater__name", "rater__name_pinyin", "nomination__name", "nomination__email")
        .order_by()
    )
    out = []
    for kind, answers, name, pinyin, guest, email in rows:
        answers = answers or {}
        ratings = answers.get("ratings") or {}
        texts = answers.get("answers") or {}
        rated = []
        for field_key, competency, _weight in fields:
            info = competencies.get(competency, {})
            value = ratings.get(field_key)
            shown = _("Not able to judge") if value == fb.NA else num(value) if value not in (None, "") else "—"
            rated.append((localised(info.get("name", competency), info.get("name_en", "")), shown))
        written = tuple((text, str(texts.get(key, "")).strip()) for key, text in questions)
        person = name or guest or ""
        out.append(
            (
                order.get(kind, 9),
                (pinyin or person).lower(),
                RevealedResponse(person, "" if name else (email or ""), kind, group_label(kind), tuple(rated), written),
            )
        )
    return [row for _o, _n, row in sorted(out, key=lambda t: (t[0], t[1], t[2].rater))]
