"""Customer invitations (issue 5, started): hashed random tokens that expire, work once, refuse and write nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from jixiao.core.errors import DomainError
from jixiao.goals.testing import make_period
from jixiao.reviews import services, services_feedback
from jixiao.reviews.models import Evaluation, EvaluationKind, Invitation, Nomination, Review
from jixiao.reviews.services_feedback import InvitationRefused
from jixiao.reviews.testing import launch, make_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(personas):
    return launch(
        personas.admin,
        make_cycle(personas.admin, make_period(personas.admin), departments=(personas.east,), feedback=True),
    )


def review_of(cycle, employee):
    return Review.objects.select_related("cycle", "department").get(cycle=cycle, reviewee=employee)


def invite(personas, cycle, employee=None, email="buyer@client.example"):
    return services_feedback.customer_invite(
        actor=personas.manager.user, review=review_of(cycle, employee or personas.employee), email=email, name="客户甲"
    )


def open_feedback(personas, cycle):
    cycle.refresh_from_db()
    while cycle.phase != "feedback":
        cycle = services.cycle_phase_advance(actor=personas.admin, cycle=cycle, version=cycle.version)
    services_feedback.feedback_requests_send(actor=personas.admin, cycle=cycle)
    return cycle


def test_the_token_is_long_random_and_stored_only_as_a_hash(personas, cycle):
    nomination, token = invite(personas, cycle)
    invitation = Invitation.objects.get(nomination=nomination)
    assert len(token) >= 32  # 24 random bytes, URL-safe
    assert token not in invitation.token_hash and invitation.token_hash == services_feedback.token_hash(token)


def test_a_link_opens_the_customers_own_evaluation_once_feedback_is_open(personas, cycle):
    nomination, token = invite(personas, cycle)
    with pytest.raises(InvitationRefused) as early:
        services_feedback.invitation_open(token=token)
    assert early.value.code == "not_open"
    open_feedback(personas, cycle)
    evaluation = services_feedback.invitation_open(token=token)
    assert evaluation.nomination_id == nomination.pk and evaluation.kind == EvaluationKind.CUSTOMER
    assert evaluation.rater_id is None


@pytest.mark.parametrize("forged", ["", "x" * 32, "short", "a" * 500])
def test_a_forged_link_is_refused(personas, cycle, forged):
    invite(personas, cycle)
    with pytest.raises(InvitationRefused) as caught:
        services_feedback.invitation_open(token=forged)
    assert caught.value.code == "forged"


def test_an_expired_link_is_refused(personas, cycle):
    _nomination, token = invite(personas, cycle)
    open_feedback(personas, cycle)
    later = timezone.now() + dt.timedelta(days=services_feedback.INVITATION_DAYS + 1)
    with pytest.raises(InvitationRefused) as caught:
        services_feedback.invitation_open(token=token, now=later)
    assert caught.value.code == "expired"


def test_a_link_works_for_one_submission_only(personas, cycle):
    _nomination, token = invite(personas, cycle)
    open_feedback(personas, cycle)
    evaluation = services_feedback.invitation_open(token=token)
    services_feedback.invitation_use(token=token, evaluation_id=evaluation.pk)
    with pytest.raises(InvitationRefused) as caught:
        services_feedback.invitation_use(token=token, evaluation_id=evaluation.pk)
    assert caught.value.code == "used"


def test_a_link_cannot_be_used_for_another_reviewees_evaluation(personas, cycle):
    _n, token = invite(personas, cycle)
    _m, other_token = invite(personas, cycle, employee=personas.peer, email="other@client.example")
    open_feedback(personas, cycle)
    other = services_feedback.invitation_open(token=other_token)
    with pytest.raises(InvitationRefused):
        services_feedback.invitation_use(token=token, evaluation_id=other.pk)
    assert not Invitation.objects.filter(used_at__isnull=False).exists()


def test_bad_input_and_the_wrong_person_write_nothing(personas, cycle):
    review = review_of(cycle, personas.employee)
    for actor, email, name in (
        (personas.manager.user, "not-an-email", "甲"),
        (personas.manager.user, "a@client.example", " "),
        (personas.peer.user, "a@client.example", "甲"),
        (personas.employee.user, "a@client.example", "甲"),
    ):
        with pytest.raises(DomainError):
            services_feedback.customer_invite(actor=actor, review=review, email=email, name=name)
    invite(personas, cycle)
    with pytest.raises(DomainError) as caught:
        invite(personas, cycle, email="BUYER@client.example")
    assert caught.value.fields == {"email": ["This customer is already invited for this review."]}
    assert Nomination.objects.count() == 1 and Invitation.objects.count() == 1
    assert not Evaluation.objects.filter(kind=EvaluationKind.CUSTOMER).exists()
