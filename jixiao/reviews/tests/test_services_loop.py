"""The whole review loop through the services: launch, self review, manager review, skip-level, release, acknowledge."""

from decimal import Decimal

import pytest

from jixiao.core.errors import DomainError
from jixiao.goals.testing import make_period
from jixiao.reviews import services
from jixiao.reviews.models import Cycle, Evaluation, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(personas):
    return personas.admin


@pytest.fixture
def cycle(personas, admin):
    period = make_period(admin)
    return launch(admin, make_cycle(admin, period, departments=(personas.sales,), skip_level=True))


def review_of(cycle, employee):
    return Review.objects.select_related(
        "cycle__period", "reviewee__user", "manager__user", "skip_level__user", "department"
    ).get(cycle=cycle, reviewee=employee)


def test_launch_creates_one_review_per_person_with_the_reporting_line_of_the_day(cycle, personas):
    review = review_of(cycle, personas.employee)
    assert cycle.state == Cycle.State.ACTIVE and cycle.phase == PhaseKind.SELF
    assert (review.manager, review.skip_level) == (personas.manager, personas.skip)
    kinds = set(Evaluation.objects.filter(review=review).values_list("kind", flat=True))
    assert kinds == {"self", "manager", "skip_level"}


def test_launching_twice_creates_nothing_twice(cycle, admin):
    before = (Review.objects.count(), Evaluation.objects.count())
    result = services.cycle_launch_run(cycle_id=cycle.pk)
    assert result.created == 0
    assert (Review.objects.count(), Evaluation.objects.count()) == before


def test_the_whole_loop_ends_acknowledged_with_a_breakdown(cycle, personas, admin):
    review = review_of(cycle, personas.employee)
    submit(personas.employee.user, review)
    review.refresh_from_db()
    assert review.state == Review.State.MANAGER_REVIEW
    cycle = advance_to(admin, cycle, PhaseKind.MANAGER)
    review = review_of(cycle, personas.employee)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="3"))
    review.refresh_from_db()
    assert review.state == Review.State.SKIP_LEVEL
    assert review.final_score == Decimal("3.00") and review.band == "B"
    skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
    services.review_skip_level_decide(
        actor=personas.skip.user, evaluation=skip, approve=True, comment="", version=skip.version
    )
    cycle = advance_to(admin, cycle, PhaseKind.RELEASE)
    assert services.reviews_release(actor=admin, cycle=cycle) == 1
    review = review_of(cycle, personas.employee)
    assert review.state == Review.State.RELEASED
    services.review_acknowledge(
        actor=personas.employee.user, review=review, agree=True, comment="", version=review.version
    )
    review.refresh_from_db()
    assert review.state == Review.State.ACKNOWLEDGED


def test_a_stale_save_is_refused(cycle, personas):
    review = review_of(cycle, personas.employee)
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    services.evaluation_save(actor=personas.employee.user, evaluation=evaluation, answers={"overall": "a"}, version=1)
    with pytest.raises(DomainError):
        services.evaluation_save(
            actor=personas.employee.user, evaluation=evaluation, answers={"overall": "b"}, version=1
        )


def test_recompute_rescoring_after_band_change(cycle, personas, admin):
    review = review_of(cycle, personas.employee)
    cycle = advance_to(admin, cycle, PhaseKind.MANAGER)
    review = review_of(cycle, personas.employee)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="3"))
    services.cycle_scoring_update(
        actor=admin,
        cycle=cycle,
        bands=[("S", Decimal(4)), ("A", Decimal("2.5")), ("D", Decimal(0))],
        self_weight=0,
        version=cycle.version,
    )
    review.refresh_from_db()
    assert review.band == "A"
