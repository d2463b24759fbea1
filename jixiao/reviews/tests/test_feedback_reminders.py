"""Telling 360 raters: when the feedback phase opens (feedback_requests_notify) and before and after its deadline
(services.reminders_send). Messages go to the rater's inbox, never to the review, and never name other raters.

The phases of the 360 test cycle (reviews.testing.phases with feedback): peer selection 2027-12-01 → 12-07,
self 12-08 → 12-14, feedback 12-15 → 12-21, manager 12-22 → 12-28, …
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from jixiao.core.models import Notification
from jixiao.core.testing.personas import make_employee, make_user
from jixiao.goals.testing import make_period
from jixiao.reviews import services, services_feedback
from jixiao.reviews.models import Cycle, Evaluation, EvaluationKind, Invitation, PhaseKind, Reminder, Review
from jixiao.reviews.notify_feedback import feedback_requests_notify
from jixiao.reviews.testing import advance_to, full_answers, launch, make_cycle

pytestmark = pytest.mark.django_db

FEEDBACK_DUE = dt.date(2027, 12, 21)
INBOX = "/reviews/feedback/"


def days(n: int) -> dt.date:
    return FEEDBACK_DUE + dt.timedelta(days=n)


def review_of(cycle: Cycle, employee) -> Review:
    return Review.objects.select_related("cycle", "department", "manager").get(cycle=cycle, reviewee=employee)


def launch_360(personas) -> Cycle:
    """A launched cycle with 360 feedback over the east team."""
    admin = personas.admin
    return launch(admin, make_cycle(admin, make_period(admin), departments=(personas.east,), feedback=True))


def submit_as_peer(review: Review, rater) -> Evaluation:
    """The rater answers her peer request on the review in full and submits it."""
    ask = Evaluation.objects.select_related("review__cycle").get(review=review, rater=rater)
    services_feedback.feedback_save(
        actor=rater.user,
        evaluation=ask,
        answers=full_answers(review, kind=EvaluationKind.PEER),
        version=ask.version,
        submit=True,
    )
    return ask


@pytest.fixture
def team(personas):
    more = [
        make_employee(f"同事{i}", personas.east, manager=personas.manager, user=make_user(f"peer{i}")) for i in range(2)
    ]
    return [personas.peer, *more]


@pytest.fixture
def cycle(personas, team) -> Cycle:
    cycle = launch_360(personas)
    review = review_of(cycle, personas.employee)
    for rater in team:
        nomination = services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=rater)
        services_feedback.nomination_decide(actor=personas.manager.user, nomination=nomination, approve=True)
    services_feedback.customer_invite(
        actor=personas.manager.user, review=review, email="buyer@client.example", name="客户甲"
    )
    cycle = advance_to(personas.admin, cycle, PhaseKind.FEEDBACK)
    # Opening the phase told everyone (see the test below); each test starts from a quiet inbox.
    Notification.objects.all().delete()
    mail.outbox.clear()
    return cycle


def test_opening_the_feedback_phase_tells_the_raters(personas, team):
    advance_to(personas.admin, launch_360(personas), PhaseKind.FEEDBACK)
    assert Notification.objects.filter(user=personas.peer.user, title="You are asked for 360° feedback").exists()


def titles_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("title", flat=True))


def raters_waiting(cycle: Cycle) -> int:
    return (
        Evaluation.objects.filter(cycle=cycle, kind__in=["peer", "upward"])
        .exclude(state__in=["submitted", "skipped"])
        .count()
    )


# ---- when the feedback phase opens --------------------------------------------------------------------


def test_raters_hear_that_feedback_is_open_with_whom_they_rate_and_a_link_to_their_inbox(personas, team, cycle):
    mail.outbox.clear()
    told = feedback_requests_notify(cycle)
    note = Notification.objects.get(user=personas.peer.user)
    assert note.title == "You are asked for 360° feedback" and note.url == INBOX
    # The persona peer rates the employee (peer) and her manager (upward): one message names both.
    assert "王小明" in note.body and "李经理" in note.body and "2027-12-21" in note.body
    assert Notification.objects.filter(user=team[1].user).count() == 1
    rater_mails = [m for m in mail.outbox if m.to == [personas.peer.user.email]]
    assert len(rater_mails) == 1 and INBOX in rater_mails[0].body
    assert told == Notification.objects.count() + 1  # and the customer's email


def test_no_message_names_another_rater(personas, team, cycle):
    mail.outbox.clear()
    feedback_requests_notify(cycle)
    others = {team[1].name, team[2].name, "客户甲", "buyer@client.example"}
    for note in Notification.objects.filter(user=personas.peer.user):
        assert not any(name in note.title + note.body for name in others)
    for message in mail.outbox:
        if message.to != ["buyer@client.example"]:
            assert "客户甲" not in message.body and "buyer@client.example" not in message.body
    # The employee is asked only about her manager (upward); nothing tells her who rates her.
    for note in Notification.objects.filter(user=personas.employee.user):
        assert not any(name in note.title + note.body for name in {personas.peer.name, *others})


def test_each_rater_hears_in_her_own_language(personas, cycle):
    personas.peer.user.language = "zh-hans"
    personas.peer.user.save(update_fields=["language"])
    feedback_requests_notify(cycle)
    chinese = Notification.objects.get(user=personas.peer.user)
    assert "王小明、李经理" in chinese.body or "李经理、王小明" in chinese.body  # a list written the Chinese way
    english = Notification.objects.get(user=personas.employee.user)
    assert english.title == "You are asked for 360° feedback"


def test_the_customer_is_emailed_that_her_link_now_works_without_the_link_itself(personas, cycle):
    mail.outbox.clear()
    feedback_requests_notify(cycle)
    customer = [m for m in mail.outbox if m.to == ["buyer@client.example"]]
    assert len(customer) == 1
    assert "王小明" in customer[0].subject and "客户甲" in customer[0].body
    assert "/reviews/external/" not in customer[0].body


def test_raters_who_already_answered_or_declined_and_spent_links_are_not_told(personas, team, cycle):
    review = review_of(cycle, personas.employee)
    submit_as_peer(review, team[1])
    declined = Evaluation.objects.select_related("review__manager", "review__reviewee", "rater").get(
        review=review, rater=team[2]
    )
    services_feedback.feedback_decline(actor=team[2].user, evaluation=declined, reason="没合作过")
    Invitation.objects.update(used_at=timezone.now())
    mail.outbox.clear()
    Notification.objects.all().delete()
    feedback_requests_notify(cycle)
    # Both still owe upward feedback on their manager; neither is asked about the employee any more.
    for note in Notification.objects.filter(user__in=[team[1].user, team[2].user]):
        assert "李经理" in note.body and "王小明" not in note.body
    assert not [m for m in mail.outbox if m.to == ["buyer@client.example"]]


def test_notifying_runs_a_fixed_number_of_queries(personas, cycle, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        feedback_requests_notify(cycle)


# ---- reminders in the feedback phase ---------------------------------------------------------------------


def test_three_days_before_the_feedback_deadline_peers_and_reports_are_reminded_once(personas, cycle):
    waiting = raters_waiting(cycle)
    assert services.reminders_send(today=days(-3)) == waiting > 0
    note = Notification.objects.get(user=personas.peer.user)
    assert note.title == "Due soon: 360° feedback" and note.url == INBOX
    assert "王小明" not in note.body
    assert services.reminders_send(today=days(-3)) == 0
    assert set(Reminder.objects.values_list("kind", "sent_on")) == {(Reminder.Kind.BEFORE, days(-3))}
    assert not Reminder.objects.filter(evaluation__kind__in=["self", "manager", "customer"]).exists()


def test_after_the_deadline_the_raters_still_waiting_are_reminded_daily(personas, team, cycle):
    review = review_of(cycle, personas.employee)
    ask = submit_as_peer(review, team[1])
    first = services.reminders_send(today=days(1))
    assert first == raters_waiting(cycle)
    assert services.reminders_send(today=days(2)) == first
    assert not Reminder.objects.filter(evaluation=ask).exists()
    assert titles_of(personas.peer.user)[-1] == "Overdue: 360° feedback"


def test_customers_get_no_reminders(personas, cycle):
    mail.outbox.clear()
    services.reminders_send(today=days(-1))
    assert not [m for m in mail.outbox if m.to == ["buyer@client.example"]]
    assert not Reminder.objects.filter(evaluation__kind=EvaluationKind.CUSTOMER).exists()


def test_once_the_feedback_phase_is_over_its_raters_are_no_longer_reminded(personas, cycle):
    advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.MANAGER)
    services.reminders_send(today=dt.date(2027, 12, 29))
    assert not Reminder.objects.filter(evaluation__kind__in=["peer", "upward"]).exists()
