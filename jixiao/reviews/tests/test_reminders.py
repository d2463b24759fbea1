"""Reminders before and after a phase's deadline, and the manual nudge.

The phases of the test cycle (reviews.testing.phases, with skip-level approval):
self 2027-12-01 → 12-07, manager 12-08 → 12-14, skip-level 12-15 → 12-21, release 12-22 → 12-28,
acknowledgement 12-29 → 2028-01-04.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError
from jixiao.core.models import Notification
from jixiao.goals.testing import make_period
from jixiao.reviews import services, tasks
from jixiao.reviews.models import Cycle, EvaluationKind, PhaseKind, Reminder, Review
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle, submit

pytestmark = pytest.mark.django_db

SELF_DUE = dt.date(2027, 12, 7)
MANAGER_DUE = dt.date(2027, 12, 14)
ACK_DUE = dt.date(2028, 1, 4)


def days(n: int, due: dt.date = SELF_DUE) -> dt.date:
    """`n` days after the due date (negative: before it)."""
    return due + dt.timedelta(days=n)


@pytest.fixture
def cycle(personas):
    period = make_period(personas.admin)
    return launch(
        personas.admin,
        make_cycle(personas.admin, period, departments=(personas.sales,), skip_level=True, name="2027 年度考核"),
    )


def review_of(cycle, employee) -> Review:
    return Review.objects.select_related("cycle", "reviewee__user", "manager__user", "department").get(
        cycle=cycle, reviewee=employee
    )


def titles_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("title", flat=True))


def reviewees(cycle) -> int:
    return Review.objects.filter(cycle=cycle).count()


def label(text: str, phase: str, language: str = "en") -> str:
    with translation.override(language):
        return gettext(text) % {"phase": PhaseKind(phase).label}


# ---- the scheduled reminders ---------------------------------------------------------------------


def test_three_days_before_the_deadline_every_reviewee_hears_once(cycle, personas):
    sent = services.reminders_send(today=days(-3))
    assert sent == reviewees(cycle) == 5
    assert titles_of(personas.employee.user) == [label("Due soon: %(phase)s", PhaseKind.SELF)]
    note = Notification.objects.get(user=personas.employee.user)
    assert note.url == review_of(cycle, personas.employee).get_absolute_url()
    assert set(Reminder.objects.values_list("kind", "sent_on")) == {(Reminder.Kind.BEFORE, days(-3))}


def test_one_day_before_they_hear_again_and_on_other_days_before_the_deadline_not_at_all(cycle, personas):
    assert services.reminders_send(today=days(-5)) == 0
    assert services.reminders_send(today=days(-3)) == 5
    assert services.reminders_send(today=days(-2)) == 0
    assert services.reminders_send(today=days(-1)) == 5
    assert services.reminders_send(today=days(0)) == 0
    assert len(titles_of(personas.employee.user)) == 2


def test_after_the_deadline_the_late_hear_that_they_are_overdue(cycle, personas):
    assert services.reminders_send(today=days(1)) == 5
    assert titles_of(personas.peer.user) == [label("Overdue: %(phase)s", PhaseKind.SELF)]
    assert Reminder.objects.filter(kind=Reminder.Kind.OVERDUE, sent_on=days(1)).count() == 5


def test_overdue_reminders_repeat_once_a_day_until_the_part_is_done(cycle, personas):
    services.reminders_send(today=days(1))
    services.reminders_send(today=days(2))
    assert len(titles_of(personas.peer.user)) == 2
    submit(personas.peer.user, review_of(cycle, personas.peer))
    services.reminders_send(today=days(3))
    assert len(titles_of(personas.peer.user)) == 2


def test_nobody_is_reminded_of_a_part_already_submitted(cycle, personas):
    submit(personas.employee.user, review_of(cycle, personas.employee))
    before = titles_of(personas.employee.user)
    assert services.reminders_send(today=days(-3)) == 4
    assert titles_of(personas.employee.user) == before
    assert not Reminder.objects.filter(evaluation__rater=personas.employee).exists()


def test_running_twice_on_the_same_day_sends_nothing_twice(cycle, personas, mailoutbox):
    assert services.reminders_send(today=days(-1)) == 5
    notes, mails, rows = Notification.objects.count(), len(mailoutbox), Reminder.objects.count()
    assert services.reminders_send(today=days(-1)) == 0
    assert (Notification.objects.count(), len(mailoutbox), Reminder.objects.count()) == (notes, mails, rows)


def test_the_manager_phase_reminds_each_manager_once_for_all_her_reports(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    services.reminders_send(today=days(-1, MANAGER_DUE))
    assert titles_of(personas.manager.user) == [label("Due soon: %(phase)s", PhaseKind.MANAGER)]
    # One reminder row per evaluation (so the next run knows), one message per person.
    assert Reminder.objects.filter(evaluation__rater=personas.manager).count() == 2
    assert not Notification.objects.filter(user=personas.employee.user).exists()


def test_the_manager_phase_leaves_out_the_reviews_the_manager_has_submitted(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    for who in (personas.employee, personas.peer):
        review = review_of(cycle, who)
        submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review))
    Notification.objects.all().delete()
    services.reminders_send(today=days(1, MANAGER_DUE))
    assert titles_of(personas.manager.user) == []
    assert titles_of(personas.skip.user) == [label("Overdue: %(phase)s", PhaseKind.MANAGER)]


def test_the_acknowledgement_phase_reminds_those_who_have_not_acknowledged(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    for who in (personas.employee, personas.peer):
        review = review_of(cycle, who)
        submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review))
        skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
        services.review_skip_level_decide(
            actor=personas.skip.user, evaluation=skip, approve=True, comment="", version=skip.version
        )
    cycle = advance_to(personas.admin, cycle, PhaseKind.RELEASE)
    services.reviews_release(actor=personas.admin, cycle=cycle)
    cycle = advance_to(personas.admin, cycle, PhaseKind.ACKNOWLEDGEMENT)
    review = review_of(cycle, personas.peer)
    services.review_acknowledge(actor=personas.peer.user, review=review, agree=True, comment="", version=review.version)
    Notification.objects.all().delete()
    assert services.reminders_send(today=days(-1, ACK_DUE)) == 1
    assert titles_of(personas.employee.user) == [label("Due soon: %(phase)s", PhaseKind.ACKNOWLEDGEMENT)]


def test_the_release_phase_and_closed_or_draft_cycles_send_nothing(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.RELEASE)
    assert services.reminders_send(today=dt.date(2027, 12, 27)) == 0
    cycle = advance_to(personas.admin, cycle, PhaseKind.ACKNOWLEDGEMENT)
    services.cycle_close(actor=personas.admin, cycle=cycle, version=cycle.version)
    make_cycle(personas.admin, cycle.period, departments=(personas.sales,))  # a draft with the same dates
    assert Cycle.objects.filter(state=Cycle.State.DRAFT).exists()
    for day in (days(-3), days(-1), days(1), days(1, ACK_DUE)):
        assert services.reminders_send(today=day) == 0


def test_reminders_are_emailed_through_djangos_backend_in_each_readers_language(cycle, personas, mailoutbox):
    zh, en = personas.employee.user, personas.peer.user
    zh.language, en.language = "zh-hans", "en"
    zh.save(update_fields=["language"])
    en.save(update_fields=["language"])
    cycle.name_en = "Annual review 2027"
    cycle.save(update_fields=["name_en"])
    services.reminders_send(today=days(-3))
    assert len(mailoutbox) == 5
    to_zh = next(m for m in mailoutbox if m.to == [zh.email])
    to_en = next(m for m in mailoutbox if m.to == [en.email])
    assert to_zh.subject == label("Due soon: %(phase)s", PhaseKind.SELF, "zh-hans")
    assert to_en.subject == "Due soon: Self review"
    assert "2027 年度考核" in to_zh.body and "Annual review 2027" not in to_zh.body
    assert "Annual review 2027" in to_en.body
    review = review_of(cycle, personas.employee)
    assert to_zh.body.endswith(review.get_absolute_url())
    assert "2027-12-07" in to_en.body


def test_people_without_an_email_address_still_get_the_in_app_reminder(cycle, personas, mailoutbox):
    personas.peer.user.email = ""
    personas.peer.user.save(update_fields=["email"])
    services.reminders_send(today=days(-3))
    assert len(mailoutbox) == 4
    assert titles_of(personas.peer.user) == [label("Due soon: %(phase)s", PhaseKind.SELF)]


def test_the_management_command_and_the_task_send_the_same_reminders(cycle, personas):
    out = StringIO()
    call_command("reminders_send", "--date", days(-3).isoformat(), stdout=out)
    assert out.getvalue().strip() == "reminders sent: 5"
    result = tasks.send_reminders.enqueue(days(-1).isoformat())
    assert result.return_value == 5
    assert tasks.send_reminders.enqueue(days(-1).isoformat()).return_value == 0


def test_reminders_run_a_fixed_number_of_queries_whatever_the_number_of_reviews(
    personas, django_assert_max_num_queries
):
    from jixiao.core.testing.personas import make_employee, make_user

    for i in range(30):
        make_employee(f"新人{i}", personas.east, manager=personas.manager, user=make_user(f"r_new{i}"))
    period = make_period(personas.admin)
    launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.sales,)))
    # The cycles, the phase, the evaluations, today's reminders, the insert, the users, the notifications
    # (and a SAVEPOINT or two): never a query per person.
    with django_assert_max_num_queries(12):
        assert services.reminders_send(today=days(-3)) == 35


# ---- the nudge -----------------------------------------------------------------------------------


def nudge(actor, review, kind=EvaluationKind.SELF, today: dt.date | None = None):
    evaluation = evaluation_of(review, kind)
    return services.evaluation_nudge(actor=actor, evaluation=evaluation, today=today or days(-5))


def test_hr_in_scope_nudges_a_rater_who_hears_at_once_and_the_nudge_is_audited(cycle, personas, mailoutbox):
    review = review_of(cycle, personas.employee)
    assert nudge(personas.scoped_hr, review) == 1
    assert titles_of(personas.employee.user) == [label("Reminder: %(phase)s", PhaseKind.SELF)]
    assert [m.to for m in mailoutbox] == [[personas.employee.user.email]]
    event = AuditEvent.objects.get(action="review.nudge")
    assert event.target_id == str(review.pk)
    assert event.after is not None and event.after["kind"] == EvaluationKind.SELF
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.sent_by) == (Reminder.Kind.NUDGE, personas.scoped_hr)


def test_a_rater_is_nudged_at_most_once_a_day(cycle, personas):
    review = review_of(cycle, personas.employee)
    nudge(personas.scoped_hr, review)
    with pytest.raises(DomainError) as refused:
        nudge(personas.admin, review)
    assert refused.value.code == "already_nudged"
    assert nudge(personas.admin, review, today=days(-4)) == 1
    assert len(titles_of(personas.employee.user)) == 2
    assert AuditEvent.objects.filter(action="review.nudge").count() == 2


def test_a_nudge_and_the_scheduled_reminder_of_the_same_day_are_both_sent(cycle, personas):
    review = review_of(cycle, personas.employee)
    nudge(personas.scoped_hr, review, today=days(-3))
    services.reminders_send(today=days(-3))
    assert len(titles_of(personas.employee.user)) == 2


def test_the_manager_nudges_her_reports_self_review(cycle, personas):
    assert nudge(personas.manager.user, review_of(cycle, personas.employee)) == 1
    assert len(titles_of(personas.employee.user)) == 1


def test_the_manager_cannot_nudge_the_skip_level_manager(cycle, personas):
    review = review_of(cycle, personas.employee)
    with pytest.raises(DomainError) as refused:
        nudge(personas.manager.user, review, EvaluationKind.SKIP_LEVEL)
    assert refused.value.code == "forbidden"


@pytest.mark.parametrize("who", ["employee", "peer", "other_hr", "outsider", "executive"])
def test_nobody_else_can_nudge_and_nothing_is_sent(cycle, personas, who):
    actor = getattr(personas, who)
    actor = getattr(actor, "user", actor)
    with pytest.raises(DomainError) as refused:
        nudge(actor, review_of(cycle, personas.employee))
    assert refused.value.code == "forbidden"
    assert not Reminder.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action="review.nudge").exists()


def test_a_part_already_submitted_cannot_be_nudged(cycle, personas):
    review = review_of(cycle, personas.employee)
    submit(personas.employee.user, review)
    with pytest.raises(DomainError) as refused:
        nudge(personas.scoped_hr, review)
    assert refused.value.code == "already_submitted"


@pytest.mark.parametrize("who", ["employee", "other_hr", "outsider"])
def test_the_nudge_page_answers_404_to_people_who_may_not_nudge(cycle, personas, who):
    actor = getattr(personas, who)
    client = Client()
    client.force_login(getattr(actor, "user", actor))
    evaluation = evaluation_of(review_of(cycle, personas.employee), EvaluationKind.SELF)
    response = client.post(reverse("reviews:nudge", args=[evaluation.pk]))
    assert response.status_code == 404
    assert not Reminder.objects.exists()


def test_a_rater_without_an_account_gets_no_message_but_the_reminder_is_recorded_once(cycle, personas):
    personas.peer.user = None
    personas.peer.save(update_fields=["user"])
    assert services.reminders_send(today=days(-3)) == 5
    assert Notification.objects.count() == 4
    assert Reminder.objects.filter(evaluation__rater=personas.peer).count() == 1
    assert services.reminders_send(today=days(-3)) == 0


# ---- who is not reminded, and what a nudge says ----------------------------------------------------


def test_people_who_left_are_not_reminded(cycle, personas, mailoutbox):
    personas.peer.user.is_active = False
    personas.peer.user.save(update_fields=["is_active"])
    services.reminders_send(today=days(-3))
    assert titles_of(personas.peer.user) == []
    assert all(m.to != [personas.peer.user.email] for m in mailoutbox)


def test_a_closed_cycle_cannot_be_nudged(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.ACKNOWLEDGEMENT)
    services.cycle_close(actor=personas.admin, cycle=cycle, version=cycle.version)
    with pytest.raises(DomainError):
        nudge(personas.scoped_hr, review_of(cycle, personas.employee))


def test_a_rater_whose_turn_has_not_come_cannot_be_nudged(cycle, personas):
    with pytest.raises(DomainError):
        nudge(personas.scoped_hr, review_of(cycle, personas.employee), EvaluationKind.SKIP_LEVEL)


def test_a_nudge_from_the_manager_does_not_claim_to_come_from_hr(cycle, personas):
    nudge(personas.manager.user, review_of(cycle, personas.employee))
    assert "HR" not in titles_of(personas.employee.user)[0]
