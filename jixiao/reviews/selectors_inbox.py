"""Reads behind the 360 rater's pages: her inbox of feedback requests, and the feedback form (hers or a customer's).

A rater reads only her own requests and her own answers: never the review, the other raters, their
number or their answers (decision 0009). The inbox runs two queries whatever the number of requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from jixiao.goals.selectors_kpi import localised
from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context

from . import feedback
from .models import Cycle, CyclePhase, Evaluation, EvaluationKind, PhaseKind
from .selectors_pages import (
    OWED_LIST_DEFER,
    STATUS_ORDER,
    CompetencyRow,
    Level,
    SectionView,
    build_sections,
    cycle_name,
    feedback_status,
    scale_levels,
)

ES = Evaluation.State
# Peers and direct reports answer here as themselves; customers answer through their link (no account).
RATER_KINDS: tuple[str, ...] = (EvaluationKind.PEER, EvaluationKind.UPWARD)
GROUP_LABELS: dict[str, Any] = {
    EvaluationKind.PEER: EvaluationKind.PEER.label,
    EvaluationKind.UPWARD: EvaluationKind.UPWARD.label,
    EvaluationKind.CUSTOMER: EvaluationKind.CUSTOMER.label,
}


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def display_state(evaluation: Evaluation) -> str:
    """pending | draft | submitted | declined: a declined request is stored as skipped."""
    return "declined" if evaluation.state == ES.SKIPPED else str(evaluation.state)


# ---- the inbox ------------------------------------------------------------------------------------


@dataclass
class InboxRow:
    evaluation: Evaluation
    reviewee: Employee
    department: str
    group: str
    state: str  # pending | draft | submitted | declined
    status: str  # open | waiting | done | closed
    note: str
    url: str
    action: str


@dataclass
class InboxCycle:
    cycle_id: int
    name: str
    due_on: dt.date | None
    overdue: bool
    rows: list[InboxRow] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for r in self.rows if r.status == "open")


@dataclass
class Inbox:
    has_employee: bool
    cycles: list[InboxCycle] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(c.open_count for c in self.cycles)

    @property
    def total(self) -> int:
        return sum(len(c.rows) for c in self.cycles)


def feedback_inbox(*, user: Any) -> Inbox:
    """The reader's peer and upward feedback requests in cycles in progress, by cycle (two queries)."""
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return Inbox(has_employee=False)
    evaluations = list(
        Evaluation.objects.filter(rater_id=ctx.employee_id, kind__in=RATER_KINDS, cycle__state=Cycle.State.ACTIVE)
        .select_related("review__reviewee__department", "cycle")
        .defer(*OWED_LIST_DEFER)
        .order_by("pk")
    )
    cycle_ids = sorted({e.cycle_id for e in evaluations})
    due = dict(
        CyclePhase.objects.filter(cycle_id__in=cycle_ids, kind=PhaseKind.FEEDBACK)
        .order_by()
        .values_list("cycle_id", "due_on")
    )
    today = _today()
    by_cycle: dict[int, InboxCycle] = {}
    for evaluation in evaluations:
        cycle = evaluation.cycle
        group = by_cycle.get(cycle.pk)
        if group is None:
            due_on = due.get(cycle.pk)
            group = by_cycle[cycle.pk] = InboxCycle(
                cycle_id=cycle.pk,
                name=cycle_name(cycle),
                due_on=due_on,
                overdue=cycle.phase == PhaseKind.FEEDBACK and due_on is not None and due_on < today,
            )
        status, note = feedback_status(evaluation, cycle)
        reviewee = evaluation.review.reviewee
        if status == "open":
            action = _("Continue") if evaluation.state == ES.DRAFT else _("Give feedback")
        else:
            action = _("Open")
        group.rows.append(
            InboxRow(
                evaluation=evaluation,
                reviewee=reviewee,
                department=localised(reviewee.department.name, reviewee.department.name_en),
                group=str(GROUP_LABELS[evaluation.kind]),
                state=display_state(evaluation),
                status=status,
                note=note,
                url=reverse("reviews:feedback_form", args=[evaluation.pk]),
                action=action,
            )
        )
    for group in by_cycle.values():
        group.rows.sort(
            key=lambda r: (STATUS_ORDER[r.status], r.reviewee.name_pinyin or r.reviewee.name, r.evaluation.pk)
        )
    cycles = sorted(
        by_cycle.values(),
        key=lambda c: (c.open_count == 0, c.due_on or dt.date.max, c.cycle_id),
    )
    return Inbox(has_employee=True, cycles=cycles)


# ---- the feedback form --------------------------------------------------------------------------


@dataclass
class FeedbackPage:
    """Everything the feedback form shows: the 360 section alone, the anonymity note, and whether it is open."""

    evaluation: Evaluation
    reviewee_name: str
    cycle_name: str
    group: str
    section: SectionView | None
    levels: list[Level]
    na_fields: set[str]
    state: str
    can_write: bool
    note: str
    due_on: dt.date | None
    overdue: bool
    k: int
    comment_k: int
    confidential: bool
    other_errors: list[str]

    @property
    def is_customer(self) -> bool:
        return self.evaluation.kind == EvaluationKind.CUSTOMER

    @property
    def is_upward(self) -> bool:
        return self.evaluation.kind == EvaluationKind.UPWARD

    @property
    def can_decline(self) -> bool:
        return self.can_write and self.evaluation.kind in RATER_KINDS

    @property
    def competencies(self) -> list[CompetencyRow]:
        return self.section.competencies if self.section else []


def _read_only_note(evaluation: Evaluation, status: str, note: str) -> str:
    if evaluation.state == ES.SUBMITTED:
        return _("You submitted this feedback. Thank you! It can no longer be changed.")
    return note


def feedback_form(
    *,
    evaluation: Evaluation,
    answers: Mapping[str, Any],
    errors: Mapping[str, Sequence[str]] | None = None,
) -> FeedbackPage:
    """The feedback form of a peer, report or customer, filled with `answers` (one query: the phase's due date).

    The evaluation comes with its review, cycle and reviewee (the gate or the invitation loads them).
    """
    review = evaluation.review
    cycle = review.cycle
    snapshot = cycle.snapshot
    sections = build_sections(
        snapshot,
        model_key=review.competency_model,
        answers=answers,
        with_levels=True,
        errors=errors,
        kind=evaluation.kind,
    )
    section = sections[0] if sections else None
    ratings = answers.get("ratings") or {}
    na_fields = {key for key, value in ratings.items() if value == feedback.NA}
    status, note = feedback_status(evaluation, cycle)
    can_write = status == "open"
    due = (
        CyclePhase.objects.filter(cycle_id=cycle.pk, kind=PhaseKind.FEEDBACK)
        .order_by()
        .values_list("due_on", flat=True)
        .first()
    )
    k, comment_k = feedback.thresholds(snapshot)
    shown = {c.key for c in section.competencies} | {q.key for q in section.questions} if section else set()
    other_errors = [e for name, errs in (errors or {}).items() if name not in shown for e in errs]
    return FeedbackPage(
        evaluation=evaluation,
        reviewee_name=review.reviewee.name,
        cycle_name=cycle_name(cycle),
        group=str(GROUP_LABELS.get(evaluation.kind, evaluation.kind)),
        section=section,
        levels=scale_levels(snapshot),
        na_fields=na_fields,
        state=display_state(evaluation),
        can_write=can_write,
        note="" if can_write else _read_only_note(evaluation, status, note),
        due_on=due,
        overdue=can_write and due is not None and due < _today(),
        k=k,
        comment_k=comment_k,
        confidential=bool((snapshot.get("feedback") or {}).get("confidential")),
        other_errors=other_errors,
    )
