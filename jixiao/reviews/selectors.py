"""Reads on review cycles: who sees which cycle and review, and the fixed-query reads behind each page.

Who may open a review (docs/decisions/0007-review-cycles.md, "visibility matrix"): the reviewee, her
manager and skip-level manager as snapshotted at launch, anyone above her in the current reporting line,
HR whose scope holds the review's department, and admins. *What* each of them sees inside a review
depends on the review's state and is decided by `review_view()` below — the matrix in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from jixiao.org.selectors import ActorContext, actor_context

from .models import ANONYMOUS_KINDS, Cycle, Evaluation, EvaluationKind, PhaseKind, Review


def _hr_review_q(ctx: ActorContext) -> Q:
    q = Q(pk__in=[])
    for path in ctx.hr_paths:
        q |= Q(department__path__startswith=path)
    return q


def review_visibility_q(user: Any) -> Q | None:
    """The filter behind Review.objects.visible_to; None means "nothing"."""
    ctx = actor_context(user)
    if ctx.is_admin:
        return Q()
    if ctx.employee_id is None and not ctx.hr_paths:
        return None
    q = _hr_review_q(ctx)
    if ctx.employee_id is not None:
        me = ctx.employee_id
        q |= Q(reviewee_id=me) | Q(manager_id=me) | Q(skip_level_id=me)
        q |= Q(reviewee__chain__startswith=ctx.employee_chain) & ~Q(reviewee_id=me)
    return q


def cycle_visibility_q(user: Any) -> Q | None:
    """Cycles the user sees: all for HR and admins; others the cycles where she has a review to read."""
    ctx = actor_context(user)
    if ctx.is_admin or ctx.is_hr:
        return Q()
    if ctx.employee_id is None:
        return None
    me = ctx.employee_id
    return Q(reviews__reviewee_id=me) | Q(reviews__manager_id=me) | Q(reviews__skip_level_id=me)


# ---- the visibility matrix -----------------------------------------------------------------------

RELEASED_STATES = (Review.State.RELEASED, Review.State.ACKNOWLEDGED, Review.State.DISAGREED)
AFTER_MANAGER_STATES = (Review.State.SKIP_LEVEL, Review.State.READY, *RELEASED_STATES)


@dataclass(frozen=True)
class ReviewView:
    """What one reader may see of one review; every page, API answer and export asks this."""

    role: str  # reviewee | manager | skip_level | chain | hr | admin
    self_review: bool  # the self evaluation's ratings and answers
    manager_review: bool  # the manager's ratings, comments and overrides
    private_note: bool  # the manager's private note
    skip_level_decision: bool  # the skip-level manager's decision and comment
    score: bool  # section scores, final score, band, breakdown


def reader_role(ctx: ActorContext, review: Review, reviewee_chain: str) -> str:
    """The strongest role the reader holds on this review (the reviewee role wins over all: it restricts)."""
    me = ctx.employee_id
    if me is not None and review.reviewee_id == me:
        return "reviewee"
    if me is not None and review.manager_id == me:
        return "manager"
    if me is not None and review.skip_level_id == me:
        return "skip_level"
    if ctx.is_admin:
        return "admin"
    if ctx.in_hr_scope(getattr(review.department, "path", "") if review.department_id else ""):
        return "hr"
    if ctx.manages(reviewee_chain):
        return "chain"
    return "none"


def review_view(*, role: str, state: str, self_submitted: bool) -> ReviewView:
    """The matrix (state × role → what is visible), as written in decision 0007."""
    released = state in RELEASED_STATES
    manager_done = state in AFTER_MANAGER_STATES
    if role == "reviewee":
        return ReviewView(role, True, released, False, False, released)
    if role == "manager":
        # The skip-level decision is addressed to her: a return's comment says what to change.
        return ReviewView(role, self_submitted, True, True, True, manager_done)
    if role in ("skip_level", "hr", "admin"):
        return ReviewView(role, self_submitted, manager_done, manager_done, manager_done, manager_done)
    if role == "chain":
        return ReviewView(role, self_submitted, manager_done, False, manager_done, manager_done)
    return ReviewView(role, False, False, False, False, False)


def own_evaluations(user: Any) -> Q:
    """Evaluations the user writes."""
    ctx = actor_context(user)
    return Q(rater_id=ctx.employee_id) if ctx.employee_id is not None else Q(pk__in=[])


def home_card(user: Any) -> dict[str, Any] | None:
    """ "Reviews to write": the reader's open evaluations in active cycles (one query)."""
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return None
    rows = list(
        Evaluation.objects.filter(
            rater_id=ctx.employee_id,
            cycle__state=Cycle.State.ACTIVE,
            state__in=[Evaluation.State.PENDING, Evaluation.State.DRAFT],
        )
        .exclude(
            kind=EvaluationKind.SKIP_LEVEL, review__state__in=[Review.State.SELF_REVIEW, Review.State.MANAGER_REVIEW]
        )
        # 360 requests can be answered during the feedback phase only.
        .exclude(Q(kind__in=ANONYMOUS_KINDS) & ~Q(cycle__phase=PhaseKind.FEEDBACK))
        .values("kind")
        .order_by()
    )
    if not rows:
        return None
    counts = {kind: sum(1 for r in rows if r["kind"] == kind) for kind in {r["kind"] for r in rows}}
    return {"template": "reviews/home_card.html", "counts": counts, "total": len(rows)}
