"""Giving, asking for and declining feedback: what is written, who is told; bad input refused, nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jixiao.audit.models import AuditEvent
from jixiao.conversations.models import Feedback, FeedbackRequest
from jixiao.conversations.services_feedback import feedback_give, feedback_request_create, feedback_request_decline
from jixiao.conversations.testing_feedback import ask, give, make_value
from jixiao.core.errors import DomainError
from jixiao.core.models import Notification
from jixiao.core.testing.personas import make_employee, make_user
from jixiao.goals.testing import make_objective, make_period
from jixiao.org.models import Status

PRIVATE, MANAGER, PUBLIC = Feedback.Visibility.PRIVATE, Feedback.Visibility.MANAGER, Feedback.Visibility.PUBLIC


def counts() -> tuple[int, int, int, int]:
    return (
        Feedback.objects.count(),
        FeedbackRequest.objects.count(),
        AuditEvent.objects.exclude(action="access.denied").count(),
        Notification.objects.count(),
    )


def told(employee) -> list[str]:
    return list(Notification.objects.filter(user=employee.user).values_list("title", flat=True))


def test_praise_records_the_recipients_manager_of_the_day_and_is_audited(personas):
    value = make_value()
    fb = give(personas.peer, personas.employee, visibility=MANAGER, values=[value], text="  Thanks!  ")
    assert fb.recipient_manager == personas.manager
    assert fb.text == "Thanks!"
    assert list(fb.values.all()) == [value]
    event = AuditEvent.objects.get(action="feedback.give")
    assert event.target_id == str(fb.pk)
    assert (event.after or {})["visibility"] == MANAGER


def test_the_recipient_and_for_manager_visibility_her_manager_are_told(personas):
    give(personas.peer, personas.employee, visibility=MANAGER)
    assert told(personas.employee) == [f"{personas.peer.name} praised you"]
    assert len(told(personas.manager)) == 1
    assert told(personas.peer) == [] and told(personas.skip) == []


def test_private_feedback_tells_only_the_recipient(personas):
    give(personas.peer, personas.employee, visibility=PRIVATE, kind=Feedback.Kind.SUGGESTION)
    assert told(personas.employee) == [f"{personas.peer.name} has a suggestion"]
    assert told(personas.manager) == []


def test_upward_feedback_tells_the_managers_manager(personas):
    give(personas.employee, personas.manager, visibility=PRIVATE, kind=Feedback.Kind.SUGGESTION)
    assert len(told(personas.manager)) == 1
    assert len(told(personas.skip)) == 1


def test_feedback_can_be_linked_to_an_objective_of_the_recipient(personas):
    period = make_period(personas.admin)
    objective = make_objective(personas.employee.user, period, employee=personas.employee)
    fb = give(personas.peer, personas.employee, objective=objective)
    assert fb.objective == objective


def assert_refused(call, field: str) -> None:
    before = counts()
    with pytest.raises(DomainError) as exc:
        call()
    assert field in exc.value.fields, exc.value.fields
    assert counts() == before


def test_feedback_to_someone_invisible_is_refused_and_nothing_written(personas):
    gone = make_employee("离职者", personas.east, manager=personas.manager, status=Status.LEFT)
    assert_refused(lambda: give(personas.peer, gone), "recipient")


def test_feedback_to_oneself_is_refused(personas):
    assert_refused(lambda: give(personas.peer, personas.peer), "recipient")


def test_a_public_suggestion_is_refused(personas):
    assert_refused(
        lambda: give(personas.peer, personas.employee, kind=Feedback.Kind.SUGGESTION, visibility=PUBLIC), "visibility"
    )


def test_empty_feedback_is_refused(personas):
    assert_refused(lambda: give(personas.peer, personas.employee, text="   "), "text")


def test_an_objective_of_someone_else_or_one_the_giver_cannot_see_is_refused(personas):
    period = make_period(personas.admin)
    others = make_objective(personas.peer.user, period, employee=personas.peer)
    hidden = make_objective(personas.employee.user, period, employee=personas.employee, visibility="private")
    assert_refused(lambda: give(personas.manager, personas.employee, objective=others), "objective")
    assert_refused(lambda: give(personas.peer, personas.employee, objective=hidden), "objective")


def test_someone_without_an_employee_record_cannot_give_feedback(personas):
    before = counts()
    with pytest.raises(DomainError):
        feedback_give(actor=personas.admin, recipient=personas.employee, kind="praise", text="Hi", visibility=PRIVATE)
    assert counts() == before


def test_a_request_reaches_each_rater_and_is_audited(personas):
    rows = ask(personas.employee, personas.peer, personas.skip, topic="My demo", due_on=timezone.localdate())
    assert {r.rater for r in rows} == {personas.peer, personas.skip}
    assert AuditEvent.objects.filter(action="feedback_request.create").count() == 2
    assert told(personas.peer) == [f"{personas.employee.name} asks for your feedback"]


def test_a_manager_asks_for_feedback_on_her_report_but_not_on_a_peer(personas):
    (row,) = ask(personas.manager, personas.peer, subject=personas.employee)
    assert row.subject == personas.employee
    assert_refused(lambda: ask(personas.employee, personas.manager, subject=personas.peer), "subject")


def test_a_request_to_the_subject_herself_is_refused(personas):
    assert_refused(lambda: ask(personas.employee, personas.employee), "raters")
    assert_refused(lambda: ask(personas.manager, personas.employee, subject=personas.employee), "raters")


def test_a_request_without_raters_topic_or_with_a_past_date_is_refused(personas):
    assert_refused(lambda: ask(personas.employee), "raters")
    assert_refused(lambda: ask(personas.employee, personas.peer, topic=" "), "topic")
    assert_refused(
        lambda: ask(personas.employee, personas.peer, due_on=timezone.localdate() - dt.timedelta(days=1)), "due_on"
    )


def test_a_request_to_someone_who_left_is_refused(personas):
    gone = make_employee("离职者", personas.east, manager=personas.manager, status=Status.LEFT, user=make_user("gone"))
    assert_refused(lambda: ask(personas.employee, gone), "raters")


def test_answering_marks_the_request_answered_and_tells_the_requester(personas):
    (row,) = ask(personas.manager, personas.peer, subject=personas.employee)
    Notification.objects.all().delete()
    fb = give(personas.peer, personas.employee, request=row)
    row.refresh_from_db()
    assert row.state == FeedbackRequest.State.ANSWERED
    assert fb.request == row
    assert told(personas.manager) == [f"{personas.peer.name} answered your request for feedback"]
    assert len(told(personas.employee)) == 1


def test_an_answer_by_someone_else_or_twice_is_refused(personas):
    (row,) = ask(personas.employee, personas.peer)
    before = counts()
    with pytest.raises(DomainError):
        give(personas.manager, personas.employee, request=row)
    assert counts() == before
    give(personas.peer, personas.employee, request=row)
    before = counts()
    with pytest.raises(DomainError):
        give(personas.peer, personas.employee, request=row)
    assert counts() == before


def test_declining_needs_a_reason_and_tells_the_requester(personas):
    (row,) = ask(personas.employee, personas.peer)
    before = counts()
    with pytest.raises(DomainError) as exc:
        feedback_request_decline(actor=personas.peer.user, request=row, reason="  ")
    assert "reason" in exc.value.fields
    assert counts() == before
    row.refresh_from_db()
    assert row.state == FeedbackRequest.State.OPEN
    feedback_request_decline(actor=personas.peer.user, request=row, reason="Not on that project.")
    row.refresh_from_db()
    assert (row.state, row.decline_reason) == (FeedbackRequest.State.DECLINED, "Not on that project.")
    assert told(personas.employee) == [f"{personas.peer.name} declined your request for feedback"]
    assert AuditEvent.objects.filter(action="feedback_request.decline").count() == 1


def test_only_the_rater_declines_and_only_once(personas):
    (row,) = ask(personas.employee, personas.peer)
    with pytest.raises(DomainError):
        feedback_request_decline(actor=personas.manager.user, request=row, reason="No")
    feedback_request_decline(actor=personas.peer.user, request=row, reason="No")
    with pytest.raises(DomainError):
        feedback_request_decline(actor=personas.peer.user, request=row, reason="No")


def test_direct_service_call_with_many_raters_is_capped(personas):
    people = [make_employee(f"同事{i}", personas.east, manager=personas.manager) for i in range(21)]
    before = counts()
    with pytest.raises(DomainError):
        feedback_request_create(actor=personas.employee.user, raters=people, subject=personas.employee, topic="x")
    assert counts() == before
