"""360 feedback end to end through the services: nominate, request, answer, score (decision 0009)."""

import pytest

from jixiao.core.errors import DomainError
from jixiao.core.testing.personas import make_employee, make_user
from jixiao.goals.testing import make_period
from jixiao.reviews import services, services_feedback
from jixiao.reviews.models import Evaluation, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, full_answers, launch, make_cycle, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(personas):
    """The employee's peers (three with accounts) under the same manager."""
    return [
        make_employee(f"同事{i}", personas.east, manager=personas.manager, user=make_user(f"peer{i}")) for i in range(3)
    ]


@pytest.fixture
def cycle(personas, team):
    return launch(
        personas.admin,
        make_cycle(personas.admin, make_period(personas.admin), departments=(personas.sales,), feedback=True),
    )


def review_of(cycle, employee):
    return Review.objects.select_related("cycle", "department", "manager").get(cycle=cycle, reviewee=employee)


def peers_answer(cycle, review, raters, rating="5"):
    for rater in raters:
        evaluation = Evaluation.objects.select_related("review__cycle").get(review=review, rater=rater)
        services_feedback.feedback_save(
            actor=rater.user,
            evaluation=evaluation,
            answers=full_answers(review, rating=rating, kind=evaluation.kind),
            version=evaluation.version,
            submit=True,
        )


def nominate(personas, review, raters):
    for rater in raters:
        nomination = services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=rater)
        services_feedback.nomination_decide(actor=personas.manager.user, nomination=nomination, approve=True)


def test_three_peers_answers_make_the_360_section_of_the_final_score(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    nominate(personas, review, team)
    cycle = advance_to(personas.admin, cycle, PhaseKind.FEEDBACK)
    assert Evaluation.objects.filter(review=review, kind=EvaluationKind.PEER).count() == 3
    submit(personas.employee.user, review)
    peers_answer(cycle, review, team, rating="5")
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    submit(personas.manager.user, review_of(cycle, personas.employee), EvaluationKind.MANAGER)
    review.refresh_from_db()
    section = next(s for s in review.breakdown["sections"] if s["kind"] == "feedback")
    assert section["score"] == "5.00"
    scores = {g["group"]: g["score"] for g in section["groups"]}
    assert scores == {"self": "4.00", "peer": "5.00", "upward": None, "customer": None}
    assert section["dropped"] == ["upward", "customer"]


def test_two_peers_are_not_enough_to_be_shown_or_scored(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    nominate(personas, review, team)
    cycle = advance_to(personas.admin, cycle, PhaseKind.FEEDBACK)
    peers_answer(cycle, review, team[:2], rating="1")
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    submit(personas.manager.user, review_of(cycle, personas.employee), EvaluationKind.MANAGER)
    review.refresh_from_db()
    section = next(s for s in review.breakdown["sections"] if s["kind"] == "feedback")
    assert section["score"] is None
    assert "peer" in section["dropped"]


def test_the_manager_reports_are_asked_for_upward_feedback_automatically(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.FEEDBACK)
    upward = Evaluation.objects.filter(reviewee=personas.manager, kind=EvaluationKind.UPWARD)
    assert personas.employee.pk in set(upward.values_list("rater_id", flat=True))


def test_feedback_outside_the_feedback_phase_is_refused(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    nominate(personas, review, team)
    cycle = advance_to(personas.admin, cycle, PhaseKind.FEEDBACK)
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    evaluation = Evaluation.objects.select_related("review__cycle").get(review=review, rater=team[0])
    with pytest.raises(DomainError):
        services_feedback.feedback_save(
            actor=team[0].user,
            evaluation=evaluation,
            answers=full_answers(review, kind=EvaluationKind.PEER),
            version=evaluation.version,
            submit=True,
        )
    assert Evaluation.objects.get(pk=evaluation.pk).state == Evaluation.State.PENDING


def test_recompute_keeps_the_360_section(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    nominate(personas, review, team)
    cycle = advance_to(personas.admin, cycle, PhaseKind.FEEDBACK)
    peers_answer(cycle, review, team, rating="3")
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    submit(personas.manager.user, review_of(cycle, personas.employee), EvaluationKind.MANAGER)
    review.refresh_from_db()
    before = review.breakdown
    services.cycle_recompute(actor=personas.admin, cycle=cycle)
    review.refresh_from_db()
    assert review.breakdown == before


def test_the_report_shows_peers_self_versus_others_and_leaves_out_small_groups(cycle, personas, team):
    from jixiao.reviews.selectors_feedback import feedback_report

    review = review_of(cycle, personas.employee)
    nominate(personas, review, team)
    cycle = advance_to(personas.admin, cycle, PhaseKind.FEEDBACK)
    evaluation = Evaluation.objects.select_related("review__cycle", "rater").get(review=review, kind="self")
    services.evaluation_save(
        actor=personas.employee.user,
        evaluation=evaluation,
        answers=full_answers(review, rating="5"),
        version=evaluation.version,
        submit=True,
    )
    peers_answer(cycle, review, team, rating="3")
    report = feedback_report(review_of(cycle, personas.employee))
    assert report is not None
    groups = {g["group"]: g for g in report["groups"]}
    assert groups["peer"]["shown"] and groups["peer"]["answered"] == 3 and groups["peer"]["score"] == "3.00"
    assert not groups["upward"]["shown"] and groups["upward"]["answered"] is None
    assert all(row["self"] == "5.00" and row["others"] == "3.00" for row in report["competencies"])
    assert all(row["flag"] == "blind_spot" for row in report["competencies"])
