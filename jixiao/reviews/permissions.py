"""The one gate to review configuration, cycles, reviews and evaluations. Missing and forbidden both answer 404.

Who may do what (docs/decisions/0007-review-cycles.md):
- scales, competencies, competency models, review templates: HR (any scope) and admins;
- cycles: admins and company-wide HR manage every cycle; other HR manage the cycles they created (their
  participants are limited to their scope); every HR reads all cycles but only the reviews in scope;
- a review: read by the roles in selectors.review_visibility_q; what each sees is selectors.review_view;
- an evaluation: written only by its rater; HR in scope reassigns raters, nudges, releases and exports.
"""

from __future__ import annotations

from typing import Any

from jixiao.audit.services import access_denied
from jixiao.core.parsing import parse_int
from jixiao.core.prepared import Prepared
from jixiao.org.selectors import actor_context

from .models import ANONYMOUS_KINDS, Cycle, Evaluation, Review


def can_configure(user: Any) -> bool:
    """Scales, competencies, competency models and review templates."""
    ctx = actor_context(user)
    return ctx.is_admin or ctx.is_hr


def require_configure(user: Any, target_type: str = "reviews.configuration") -> None:
    if not can_configure(user):
        raise access_denied(user, target_type, "", write=True)


def can_create_cycle(user: Any) -> bool:
    ctx = actor_context(user)
    return ctx.is_admin or ctx.is_hr


def can_manage_cycle(user: Any, cycle: Cycle) -> bool:
    """Edit, launch, advance, release, recompute: admins, company-wide HR, and the HR who created it."""
    ctx = actor_context(user)
    if ctx.is_admin or ctx.is_company_hr:
        return True
    return ctx.is_hr and cycle.created_by_id == getattr(user, "pk", None)


def cycle_for_user(user: Any, cycle_id: object, *, manage: bool = False) -> Cycle:
    """The cycle if the user may see it (or manage it); 404 otherwise."""
    pk = parse_int(cycle_id)
    cycle = Cycle.objects.visible_to(user).filter(pk=pk).select_related("period", "template").first() if pk else None
    if cycle is None or (manage and not can_manage_cycle(user, cycle)):
        raise access_denied(user, "reviews.cycle", cycle_id, write=manage)
    return cycle


def review_for_user(user: Any, review_id: object) -> Review:
    """The review if the user may open it; 404 otherwise. What she sees inside: selectors.review_view."""
    pk = parse_int(review_id)
    review = (
        Review.objects.visible_to(user)
        .filter(pk=pk)
        .select_related(
            "cycle__period", "reviewee__department", "reviewee__user", "manager", "skip_level", "department"
        )
        .first()
        if pk
        else None
    )
    if review is None:
        raise access_denied(user, "reviews.review", review_id, write=False)
    return review


def can_administer_review(user: Any, review: Review) -> bool:
    """HR in scope of the review's department (and admins): reassign, nudge, release."""
    ctx = actor_context(user)
    path = review.department.path if review.department_id and review.department else ""
    return ctx.is_admin or (bool(path) and ctx.in_hr_scope(path))


# The gate of every autosave and submit: compiled once per process (core.prepared), run with the id.
_EVALUATION = Prepared(
    lambda pk: (
        Evaluation.objects.filter(pk=pk)
        .select_related(
            "review__cycle__period",
            "review__reviewee",
            "review__department",
            "review__manager__user",
            "review__skip_level__user",
            "rater",
        )
        .order_by()
    ),
    int,
)


def evaluation_for_user(user: Any, evaluation_id: object, *, write: bool = False) -> Evaluation:
    """The evaluation if the user may read it (through its review); with write, or a 360 answer, only its rater.

    Loaded by primary key first: filtering by `review__in=visible_to(user)` made SQLite scan every review
    of every cycle. Writers are checked by rater; readers by the review's visibility (one indexed query).
    """
    pk = parse_int(evaluation_id)
    evaluation = _EVALUATION.first(pk) if pk else None
    ctx = actor_context(user)
    if evaluation is None:
        raise access_denied(user, "reviews.evaluation", evaluation_id, write=write)
    if write or evaluation.kind in ANONYMOUS_KINDS:
        # A 360 answer is its rater's alone: readers of the review see it only through the report (0009).
        allowed = evaluation.rater_id is not None and evaluation.rater_id == ctx.employee_id
    else:
        allowed = (evaluation.rater_id == ctx.employee_id and ctx.employee_id is not None) or (
            Review.objects.visible_to(user).filter(pk=evaluation.review_id).exists()
        )
    if not allowed:
        raise access_denied(user, "reviews.evaluation", evaluation_id, write=write)
    return evaluation


def cycle_for_hr(user: Any, cycle_id: object, *, manage: bool = False) -> Cycle:
    """A cycle for HR's pages (progress, release, export): HR or admin who manages it, or whose scope it reaches.

    HR of one unit opens a company-wide cycle to follow her unit's part of it; a cycle over other units
    only is not hers to open.
    """
    from . import selectors_cycles

    if not can_create_cycle(user):
        raise access_denied(user, "reviews.cycle", cycle_id, write=manage)
    cycle = cycle_for_user(user, cycle_id, manage=manage)
    if not manage and not selectors_cycles.may_open(user, cycle):
        raise access_denied(user, "reviews.cycle", cycle_id, write=False)
    return cycle
