"""360 nominations (issue 5, started): who nominates, limits, approval, rater load, requests sent once, declining."""

import pytest

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError
from jixiao.core.testing.personas import make_employee
from jixiao.goals.testing import make_period
from jixiao.reviews import services, services_feedback
from jixiao.reviews.models import Cycle, Evaluation, EvaluationKind, Nomination, PhaseKind, Review
from jixiao.reviews.testing import launch, make_cycle

pytestmark = pytest.mark.django_db
PEER = EvaluationKind.PEER


@pytest.fixture
def cycle(personas):
    return launch(
        personas.admin,
        make_cycle(personas.admin, make_period(personas.admin), departments=(personas.sales,), feedback=True),
    )


def review_of(cycle, employee):
    return Review.objects.select_related("cycle", "department").get(cycle=cycle, reviewee=employee)


def colleagues(personas, n):
    return [make_employee(f"同事{i}", personas.east, manager=personas.manager) for i in range(n)]


def test_a_cycle_with_360_feedback_opens_with_peer_selection(cycle):
    assert cycle.phase == PhaseKind.PEER_SELECTION


def test_a_cycle_cannot_have_the_feedback_phase_without_peer_selection(personas):
    from jixiao.reviews.testing import make_template, phases

    without = tuple(p for p in phases(feedback=True) if p.kind != PhaseKind.PEER_SELECTION)
    with pytest.raises(DomainError) as caught:
        services.cycle_create(
            actor=personas.admin,
            data=services.CycleInput(
                name="缺阶段",
                name_en="",
                period=make_period(personas.admin),
                template=make_template(),
                departments=(personas.east.pk,),
                phases=without,
            ),
        )
    assert "phases" in caught.value.fields


def test_the_reviewee_proposes_and_the_manager_approves(cycle, personas):
    review = review_of(cycle, personas.employee)
    nomination = services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=personas.peer)
    assert nomination.state == Nomination.State.PROPOSED
    services_feedback.nomination_decide(actor=personas.manager.user, nomination=nomination, approve=True)
    assert Nomination.objects.get(pk=nomination.pk).state == Nomination.State.APPROVED
    assert AuditEvent.objects.filter(action__in=["nomination.propose", "nomination.approve"]).count() == 2


def test_a_peer_cannot_nominate_for_someone_else_nor_approve(cycle, personas):
    review = review_of(cycle, personas.employee)
    with pytest.raises(DomainError):
        services_feedback.nomination_propose(actor=personas.peer.user, review=review, rater=personas.peer)
    nomination = services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=personas.peer)
    with pytest.raises(DomainError):
        services_feedback.nomination_decide(actor=personas.peer.user, nomination=nomination, approve=True)
    with pytest.raises(DomainError):
        services_feedback.nomination_decide(actor=personas.employee.user, nomination=nomination, approve=True)


def test_nobody_nominates_herself_her_manager_or_the_same_peer_twice(cycle, personas):
    review = review_of(cycle, personas.employee)
    for rater in (personas.employee, personas.manager):
        with pytest.raises(DomainError):
            services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=rater)
    services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=personas.peer)
    with pytest.raises(DomainError, match="already"):
        services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=personas.peer)
    assert Nomination.objects.count() == 1


def test_at_most_the_cycles_maximum_of_peers_can_be_nominated(cycle, personas):
    review = review_of(cycle, personas.employee)
    _low, high = services_feedback.peer_limits(cycle)
    for rater in colleagues(personas, high):
        services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=rater)
    with pytest.raises(DomainError, match=str(high)):
        services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=personas.peer)


def test_nominating_outside_peer_selection_is_refused(cycle, personas):
    cycle = services.cycle_phase_advance(actor=personas.admin, cycle=cycle, version=cycle.version)
    with pytest.raises(DomainError, match="peer-selection"):
        services_feedback.nomination_propose(
            actor=personas.employee.user, review=review_of(cycle, personas.employee), rater=personas.peer
        )


def test_a_rater_asked_by_more_reviewees_than_the_limit_is_flagged(cycle, personas):
    Cycle.objects.filter(pk=cycle.pk).update(rater_load_limit=1)
    cycle.refresh_from_db()
    for reviewee in (personas.employee, personas.manager):
        services_feedback.nomination_propose(
            actor=personas.scoped_hr, review=review_of(cycle, reviewee), rater=personas.peer
        )
    assert services_feedback.overloaded_raters(cycle) == {personas.peer.pk: 2}
    assert services_feedback.rater_load(cycle, [personas.peer.pk, personas.skip.pk]) == {personas.peer.pk: 2}


def test_reviews_short_of_the_minimum_of_approved_peers_are_listed(cycle, personas):
    short = services_feedback.reviews_short_of_peers(cycle)
    assert review_of(cycle, personas.employee).pk in short


def test_requests_go_out_once_for_approved_peers_and_every_direct_report(cycle, personas):
    review = review_of(cycle, personas.employee)
    approved = services_feedback.nomination_propose(actor=personas.manager.user, review=review, rater=personas.peer)
    proposed = services_feedback.nomination_propose(
        actor=personas.employee.user, review=review, rater=colleagues(personas, 1)[0]
    )
    created = services_feedback.feedback_requests_send(actor=personas.admin, cycle=cycle)
    assert services_feedback.feedback_requests_send(actor=personas.admin, cycle=cycle) == 0
    peers = Evaluation.objects.filter(review=review, kind=PEER)
    assert list(peers.values_list("rater_id", flat=True)) == [personas.peer.pk]
    assert not Evaluation.objects.filter(nomination=proposed).exists()
    assert Evaluation.objects.get(nomination=approved).rater_id == personas.peer.pk
    # The manager's review is rated upward by each of her reports in the cycle.
    upward = Evaluation.objects.filter(review=review_of(cycle, personas.manager), kind=EvaluationKind.UPWARD)
    assert {personas.employee.pk, personas.peer.pk} <= set(upward.values_list("rater_id", flat=True))
    assert created == Evaluation.objects.filter(cycle=cycle, nomination__isnull=False).count()


def test_a_peer_declines_with_a_reason_and_the_nomination_records_it(cycle, personas):
    review = review_of(cycle, personas.employee)
    services_feedback.nomination_propose(actor=personas.manager.user, review=review, rater=personas.peer)
    services_feedback.feedback_requests_send(actor=personas.admin, cycle=cycle)
    evaluation = Evaluation.objects.get(review=review, kind=PEER)
    with pytest.raises(DomainError):
        services_feedback.feedback_decline(actor=personas.peer.user, evaluation=evaluation, reason=" ")
    with pytest.raises(DomainError):
        services_feedback.feedback_decline(actor=personas.employee.user, evaluation=evaluation, reason="不熟")
    services_feedback.feedback_decline(actor=personas.peer.user, evaluation=evaluation, reason="合作太少")
    assert Evaluation.objects.get(pk=evaluation.pk).state == Evaluation.State.SKIPPED
    assert Nomination.objects.get(evaluation=evaluation).decline_reason == "合作太少"
    assert personas.manager.user.notifications.filter(body="合作太少").exists()
