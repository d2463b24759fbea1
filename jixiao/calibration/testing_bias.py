"""Factories for the rater-bias and normalisation tests: a cycle in calibration, scored reviews, a session, peers.

Reviews are written directly (set-based) with the score and state a test needs, as if their managers had
submitted: walking hundreds of reviews through the services would test the review loop again, slowly.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from jixiao.goals.testing import make_period
from jixiao.org.models import Department, Employee, Status
from jixiao.reviews import breakdown as bd
from jixiao.reviews import scoring
from jixiao.reviews.models import Cycle, Evaluation, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, launch, make_cycle

from .models import DEFAULT_GUIDE, CalibrationSession, Member, Participant

_seq = itertools.count(1)


def calibration_cycle(actor: Any, *, departments: tuple[Department, ...] = (), feedback: bool = False) -> Cycle:
    """A launched cycle with a calibration phase, moved into it."""
    cycle = launch(
        actor, make_cycle(actor, make_period(actor), departments=departments, calibration=True, feedback=feedback)
    )
    return advance_to(actor, cycle, PhaseKind.CALIBRATION)


def make_people(
    count: int, department: Department, *, manager: Employee | None = None, prefix: str = "员工"
) -> list[Employee]:
    """`count` active employees in one department (reporting to `manager`), in two queries and a bulk update."""
    start = next(_seq) * 100_000
    people = Employee.objects.bulk_create(
        Employee(
            employee_number=f"B{start + i:08d}",
            name=f"{prefix}{start + i}",
            name_pinyin=f"p{start + i}",
            department=department,
            manager=manager,
            status=Status.ACTIVE,
            job_level="P5",
        )
        for i in range(count)
    )
    for person in people:
        person.chain = (manager.chain if manager else "/") + f"{person.pk}/"
    Employee.objects.bulk_update(people, ["chain"])
    return people


def make_managers(count: int, department: Department) -> list[Employee]:
    return make_people(count, department, prefix="经理")


def scored_reviews(
    cycle: Cycle,
    manager: Employee | None,
    scores: Sequence[Decimal | str],
    *,
    state: str = Review.State.READY,
    department: Department | None = None,
) -> list[Review]:
    """One new reviewee per score, reporting to `manager`, with a review already scored (and banded) as given."""
    dept = department or (manager.department if manager else None)
    assert dept is not None
    people = make_people(len(scores), dept, manager=manager)
    bands = bd.bands_of(cycle.snapshot)
    reviews = []
    for person, raw in zip(people, scores, strict=True):
        score = Decimal(str(raw))
        band = scoring.band_for(score, bands)
        reviews.append(
            Review(
                cycle=cycle,
                reviewee=person,
                manager=manager,
                department=dept,
                state=state,
                final_score=score,
                band=band,
                breakdown={"final": str(score), "band": band},
            )
        )
    return Review.objects.bulk_create(reviews)


def by_manager(cycle: Cycle, plan: Mapping[Employee, Sequence[Decimal | str]], **extra: Any) -> list[Review]:
    return [review for manager, scores in plan.items() for review in scored_reviews(cycle, manager, scores, **extra)]


def make_session(
    cycle: Cycle,
    facilitator: Any,
    reviews: Iterable[Review],
    *,
    participants: Sequence[Any] = (),
    facilitators: Sequence[Any] = (),
    name: str = "",
    threshold: str = "0.50",
) -> CalibrationSession:
    """An open session of hand-picked reviews; `facilitator` opened it, the others sit in it."""
    session = CalibrationSession.objects.create(
        cycle=cycle,
        name=name or f"校准会{next(_seq)}",
        scope=CalibrationSession.Scope.PICKED,
        guide=dict(DEFAULT_GUIDE),
        bias_threshold=Decimal(threshold),
        created_by=facilitator,
    )
    Participant.objects.bulk_create(
        [Participant(session=session, user=facilitator, facilitator=True)]
        + [Participant(session=session, user=u, facilitator=True) for u in facilitators]
        + [Participant(session=session, user=u, facilitator=False) for u in participants]
    )
    Member.objects.bulk_create(Member(session=session, review=r, original_band=r.band) for r in reviews)
    return session


def peer_ratings(
    review: Review, answers: Sequence[Mapping[str, str]], *, state: str = Evaluation.State.SUBMITTED
) -> list[Evaluation]:
    """Peer evaluations of `review`, one per ratings mapping ({"s4:c9": "4"}), each by a new colleague."""
    raters = make_people(len(answers), review.department or review.reviewee.department, prefix="同事")
    return Evaluation.objects.bulk_create(
        Evaluation(
            review=review,
            cycle_id=review.cycle_id,
            reviewee_id=review.reviewee_id,
            rater=rater,
            kind=EvaluationKind.PEER,
            state=state,
            answers={"ratings": dict(ratings), "comments": {}, "answers": {}, "overall": ""},
        )
        for rater, ratings in zip(raters, answers, strict=True)
    )
