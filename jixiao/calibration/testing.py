"""Factories for calibration tests: a cycle in its calibration phase, reviews made ready, a session.

`ready_reviews` scores reviews through the real pure breakdown (from manager ratings) and marks them ready in
one bulk update, so a test of 200 members does not submit 400 forms; `submit_to_ready` takes the real road
(self review, manager review) for the few reviews a test follows end to end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from jixiao.goals.models import Period
from jixiao.org.models import Department
from jixiao.reviews import breakdown as bd
from jixiao.reviews.models import Cycle, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, full_answers, launch, make_cycle, submit

from . import services
from .models import CalibrationSession


def make_calibration_cycle(
    actor: Any,
    period: Period,
    *,
    departments: Sequence[Department] = (),
    phase: str = PhaseKind.CALIBRATION,
    **extra: Any,
) -> Cycle:
    """A launched cycle with calibration, advanced to `phase` (its calibration phase by default)."""
    cycle = launch(actor, make_cycle(actor, period, departments=tuple(departments), calibration=True, **extra))
    return advance_to(actor, cycle, phase)


def ready_reviews(cycle: Cycle, ratings: Mapping[int, str] | None = None, *, default: str = "3") -> list[Review]:
    """Score the cycle's reviews from manager ratings (by reviewee id, else `default`) and mark them ready."""
    reviews = list(Review.objects.filter(cycle=cycle).select_related("cycle"))
    scorer = bd.Scorer(cycle.snapshot)
    for review in reviews:
        rating = (ratings or {}).get(review.reviewee_id, default)
        answers = full_answers(review, rating=rating, kind=EvaluationKind.MANAGER)
        result = scorer.score(model_key=review.competency_model, auto_items=[], manager=answers, self_answers=None)
        review.breakdown = result
        review.final_score = None if result["final"] is None else Decimal(result["final"])
        review.band = result["band"]
        review.state = Review.State.READY
    Review.objects.bulk_update(reviews, ["breakdown", "final_score", "band", "state"], batch_size=500)
    return reviews


def submit_to_ready(cycle: Cycle, review: Review, *, rating: str = "3") -> Review:
    """The real road for one review: self review, then the manager's (no skip-level in these cycles)."""
    review = Review.objects.select_related("cycle", "reviewee__user", "manager__user").get(pk=review.pk)
    submit(review.reviewee.user, review)
    review.refresh_from_db()
    assert review.manager is not None
    submit(review.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating=rating))
    review.refresh_from_db()
    return review


def open_session(
    actor: Any,
    cycle: Cycle,
    *,
    department: Department | None = None,
    participants: Sequence[Any] = (),
    name: str = "Sales",
    **extra: Any,
) -> CalibrationSession:
    """A session over a department (its subtree) of the cycle, opened by `actor` (HR) with these participants."""
    opened = services.session_open(
        actor=actor,
        cycle=cycle,
        name=name,
        scope=extra.pop("scope", CalibrationSession.Scope.DEPARTMENT),
        department=department,
        participants=participants,
        **extra,
    )
    return CalibrationSession.objects.select_related("cycle", "department").get(pk=opened.session.pk)
