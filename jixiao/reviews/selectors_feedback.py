"""Reads for 360 feedback (decision 0009): who may read a review's 360 report, and the report itself.

Every page, API answer, PDF and export that shows 360 results to a reviewee, her managers or HR takes its
numbers and comments from `feedback_report()`, which returns the anonymised report of feedback.report()
and nothing else. Raters' names appear in exactly two places: to the manager and HR of a confidential
cycle, as the list of who was asked (`rater_list()`), and to HR after an audited reveal (services_feedback).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from jixiao.org.selectors import actor_context

from . import feedback as fb
from .models import ANONYMOUS_KINDS, PHASE_ORDER, Cycle, Evaluation, EvaluationKind, PhaseKind, Review
from .selectors import RELEASED_STATES, reader_role

# Readers who may see a review's 360 report once feedback has closed; the reviewee waits for release.
MANAGING_ROLES = ("manager", "skip_level", "chain", "hr", "admin")


@dataclass(frozen=True)
class FeedbackAccess:
    role: str
    report: bool  # the anonymised report
    names: bool  # who was asked (confidential cycles: manager and HR)
    reveal: bool  # HR in scope may reveal who wrote what, with a reason (audited)


def feedback_closed(cycle: Cycle) -> bool:
    """Feedback can no longer change: the cycle is past its feedback phase (or closed).

    Managers read the report only then: a report that changes while answers arrive would tell a manager
    who answered when ("it moved just after Zhao said she had finished").
    """
    if cycle.state == Cycle.State.CLOSED:
        return True
    if cycle.state != Cycle.State.ACTIVE or not cycle.phase:
        return False
    return PHASE_ORDER.index(cycle.phase) > PHASE_ORDER.index(PhaseKind.FEEDBACK)


def feedback_access(user: Any, review: Review) -> FeedbackAccess:
    """What this reader may see of the review's 360 feedback (the review itself passed its gate already)."""
    ctx = actor_context(user)
    role = reader_role(ctx, review, review.reviewee.chain)
    cycle = review.cycle
    has_section = fb.section_of(cycle.snapshot or {}) is not None
    if not has_section:
        return FeedbackAccess(role, False, False, False)
    closed = feedback_closed(cycle)
    if role == "reviewee":
        return FeedbackAccess(role, review.state in RELEASED_STATES, False, False)
    if role in MANAGING_ROLES:
        confidential = bool((cycle.snapshot.get("feedback") or {}).get("confidential"))
        names = confidential and role in ("manager", "hr", "admin")
        return FeedbackAccess(role, closed, names, role in ("hr", "admin"))
    return FeedbackAccess(role, False, False, False)


def comment_salt(review: Review) -> bytes:
    """The key of the comments' stable shuffle: secret, fixed per review, unrelated to submission order."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:360-comments:{review.pk}".encode()).digest()


def feedback_report(review: Review) -> dict[str, Any] | None:
    """The review's anonymised 360 report (feedback.report), from one query; None without a 360 section."""
    snapshot = review.cycle.snapshot or {}
    if fb.section_of(snapshot) is None:
        return None
    responses: list[fb.Response] = []
    asked: dict[str, int] = {}
    rows = Evaluation.objects.filter(
        review=review,
        kind__in=(*ANONYMOUS_KINDS, EvaluationKind.SELF, EvaluationKind.MANAGER),
    ).values_list("pk", "kind", "state", "answers")
    for pk, kind, state, answers in rows:
        if kind in ANONYMOUS_KINDS and state != Evaluation.State.SKIPPED:
            asked[kind] = asked.get(kind, 0) + 1
        if state == Evaluation.State.SUBMITTED:
            responses.append(fb.Response(pk, kind, answers or {}))
    return fb.report(
        snapshot, model_key=review.competency_model, responses=responses, asked=asked, salt=comment_salt(review)
    )
