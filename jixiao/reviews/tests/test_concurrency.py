"""Races on PostgreSQL: two saves of the same evaluation version (one wins, the other is refused, nothing is lost)
and the same cycle launched twice at the same time (nothing is created twice).

SQLite serialises writers on the whole database, so these races only exist (and only run) on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.db import connection

from jixiao.accounts.models import User
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.testing.personas import make_employee
from jixiao.core.testing.threads import race
from jixiao.goals.testing import make_period
from jixiao.reviews import services
from jixiao.reviews.models import Cycle, Evaluation, EvaluationKind, Review
from jixiao.reviews.testing import evaluation_of, full_answers, launch, make_cycle

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and races need PostgreSQL"),
    # The flush after a transactional test would also drop the default rating scale that a data migration
    # creates; serialized_rollback puts it back for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def load(evaluation_id: int) -> Evaluation:
    return Evaluation.objects.select_related("review__cycle__period", "review__department", "rater__user").get(
        pk=evaluation_id
    )


@pytest.fixture
def review(personas) -> Review:
    admin = personas.admin
    cycle = launch(admin, make_cycle(admin, make_period(admin), departments=(personas.sales,)))
    return Review.objects.select_related("cycle").get(cycle=cycle, reviewee=personas.employee)


def test_two_saves_of_the_same_evaluation_version_one_wins_and_the_other_is_refused(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    first = {**full_answers(review, rating="4"), "overall": "在第一个标签页写的"}
    second = {**full_answers(review, rating="2"), "overall": "在第二个标签页写的"}

    def save(answers: dict, submit: bool) -> object:
        actor = User.objects.get(username="p_employee")
        return services.evaluation_save(
            actor=actor, evaluation=load(evaluation.pk), answers=answers, version=1, submit=submit
        )

    for submit in (False, True):
        Evaluation.objects.filter(pk=evaluation.pk).update(version=1, answers={}, state=Evaluation.State.PENDING)
        Review.objects.filter(pk=review.pk).update(state=Review.State.SELF_REVIEW)
        results = race(lambda: save(first, submit), lambda: save(second, submit))  # noqa: B023 - joined at once
        winners = [r for r in results if isinstance(r, Evaluation)]
        # The loser is refused as stale, or — when it read the row after the winner committed a submission —
        # as already submitted; either way nothing it wrote is kept.
        losers = [r for r in results if isinstance(r, DomainError)]
        assert len(winners) == 1 and len(losers) == 1, results
        if isinstance(losers[0], StaleWrite):
            assert "Reload" in str(losers[0].message)
        else:
            assert submit and losers[0].code == "already_submitted"
        saved = Evaluation.objects.get(pk=evaluation.pk)
        assert saved.version == 2
        assert saved.answers == winners[0].answers
        assert saved.answers["overall"] in (first["overall"], second["overall"])
        expected = first if saved.answers["overall"] == first["overall"] else second
        assert saved.answers["ratings"] == expected["ratings"]
        assert saved.state == (Evaluation.State.SUBMITTED if submit else Evaluation.State.DRAFT)
        if submit:
            assert Review.objects.get(pk=review.pk).state == Review.State.MANAGER_REVIEW


def test_launching_the_same_cycle_twice_at_the_same_time_creates_nothing_twice(personas):
    admin = personas.admin
    # Enough people for several batches, so the two runs interleave.
    for i in range(60):
        make_employee(f"销售{i}", personas.east, manager=personas.manager)
    cycle = make_cycle(admin, make_period(admin), departments=(personas.sales,), skip_level=True)
    # What cycle_launch does before it queues the task (the test settings would run the task at once on commit).
    assert cycle.template is not None
    Cycle.objects.filter(pk=cycle.pk).update(
        state=Cycle.State.LAUNCHING, snapshot=services.cycle_snapshot(cycle.template)
    )
    expected = services.cycle_participants(cycle).exclude(manager=None).count()

    def run() -> object:
        return services.cycle_launch_run(cycle_id=cycle.pk, batch_size=7)

    results = race(run, run)
    assert not any(isinstance(r, Exception) for r in results), results
    reviews = Review.objects.filter(cycle=cycle)
    assert reviews.count() == expected == len(set(reviews.values_list("reviewee_id", flat=True)))
    evaluations = Evaluation.objects.filter(cycle=cycle)
    keys = list(evaluations.values_list("reviewee_id", "rater_id", "kind"))
    assert len(keys) == len(set(keys))
    assert evaluations.filter(kind=EvaluationKind.SELF).count() == expected
    assert evaluations.filter(kind=EvaluationKind.MANAGER).count() == expected
    with_skip = reviews.exclude(skip_level=None).count()
    assert evaluations.filter(kind=EvaluationKind.SKIP_LEVEL).count() == with_skip > 0
    assert Cycle.objects.get(pk=cycle.pk).state == Cycle.State.ACTIVE
    # A third run afterwards still creates nothing.
    assert services.cycle_launch_run(cycle_id=cycle.pk).created == 0
    assert Review.objects.filter(cycle=cycle).count() == expected
