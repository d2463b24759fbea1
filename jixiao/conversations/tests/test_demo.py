"""The demo's conversations: feedback, a 1:1 series, an improvement plan and development plans, through the services."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.audit.models import AuditEvent
from jixiao.conversations.demo import DECLINE_REASON, DONE_ACTION, OPEN_ACTION, conversations_seed_demo
from jixiao.conversations.models import (
    CheckpointNote,
    DevelopmentPlan,
    Feedback,
    FeedbackRequest,
    ImprovementPlan,
    Meeting,
    OneOnOne,
    PrivateNote,
)
from jixiao.conversations.selectors_feedback import praise_wall
from jixiao.conversations.selectors_idp import competency_gaps
from jixiao.conversations.selectors_meetings import one_on_one_page
from jixiao.goals.demo import goals_seed_demo
from jixiao.org.demo import company_seed_demo
from jixiao.org.models import Employee
from jixiao.reviews.demo import CYCLE_NAME, reviews_seed_demo
from jixiao.reviews.models import Review

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def seeded(mailoutbox):
    company_seed_demo(employees=80, seed=1)
    goals_seed_demo(seed=1, today=TODAY)
    reviews_seed_demo(seed=1, today=TODAY)
    result = conversations_seed_demo(seed=1, today=TODAY)
    assert result is not None
    return result


def person(username: str) -> Employee:
    return Employee.objects.select_related("user").get(user__username=username)


def series_of_the_demo_users() -> OneOnOne:
    manager, employee = person("manager"), person("employee")
    return OneOnOne.objects.get(first_id=min(manager.pk, employee.pk), second_id=max(manager.pk, employee.pk))


def test_feedback_has_praise_on_the_wall_with_values_and_suggestions_kept_private(seeded, mailoutbox):
    feedback = Feedback.objects.all()
    assert feedback.count() == seeded.feedback >= 10
    kinds = Counter(feedback.values_list("kind", "visibility"))
    assert kinds[("praise", "public")] >= 4
    assert {("suggestion", "private"), ("praise", "manager")} <= set(kinds)
    assert not feedback.filter(kind="suggestion", visibility="public").exists()
    assert feedback.filter(visibility="public", values__isnull=False).distinct().count() >= 4
    employee, manager = person("employee"), person("manager")
    assert feedback.filter(recipient=employee).count() >= 3
    assert feedback.filter(giver=employee, recipient=manager).exists()  # upward
    # Through the service: every piece audited, the recipient's manager of the day kept; no email while seeding.
    assert AuditEvent.objects.filter(action="feedback.give").count() == seeded.feedback
    assert not feedback.filter(recipient_manager__isnull=True).exclude(recipient__manager__isnull=True).exists()
    assert mailoutbox == []


def test_feedback_is_spread_over_the_last_three_months_and_answers_come_after_their_requests(seeded):
    days = [timezone.localtime(at).date() for at in Feedback.objects.values_list("created_at", flat=True)]
    assert len(set(days)) >= 6
    assert all(TODAY - dt.timedelta(days=90) <= day for day in days)
    for answer in Feedback.objects.filter(request__isnull=False).select_related("request"):
        assert answer.request is not None and answer.created_at >= answer.request.created_at
    # The praise wall reads newest first across those days.
    wall = [fb.created_at for fb in praise_wall(user=User.objects.get(username="employee")).rows]
    assert len(set(wall)) == len(wall) >= 4 and wall == sorted(wall, reverse=True)


def test_the_demo_employee_has_open_requests_in_her_inbox_and_her_own_request_answered_and_declined(seeded):
    employee = person("employee")
    inbox = FeedbackRequest.objects.filter(rater=employee, state=FeedbackRequest.State.OPEN)
    assert inbox.count() == 2
    asked = FeedbackRequest.objects.filter(requester=employee)
    states = Counter(asked.values_list("state", flat=True))
    assert states == {"answered": 1, "declined": 1}
    assert asked.get(state="declined").decline_reason == DECLINE_REASON
    answer = Feedback.objects.get(request__in=asked)
    assert answer.recipient == employee


def test_the_one_on_one_has_two_meetings_held_and_an_upcoming_one_with_topics_from_both(seeded):
    series = series_of_the_demo_users()
    assert series.cadence == OneOnOne.Cadence.BIWEEKLY
    meetings = list(series.meetings.order_by("held_on"))
    assert [m.state for m in meetings] == ["done", "done", "upcoming"]
    assert all(m.shared_notes for m in meetings[:2])
    assert meetings[0].held_on < meetings[1].held_on < meetings[2].held_on
    authors = set(meetings[2].agenda.values_list("author__user__username", flat=True))
    assert authors == {"manager", "employee"}
    # Each writes private notes of her own.
    assert set(PrivateNote.objects.filter(meeting__series=series).values_list("author__user__username", flat=True)) == {
        "manager",
        "employee",
    }


def test_the_open_action_item_carries_over_to_the_next_meeting_and_private_notes_stay_private(seeded):
    series = OneOnOne.objects.select_related("first", "second").get(pk=series_of_the_demo_users().pk)
    employee = User.objects.get(username="employee")
    page = one_on_one_page(user=employee, series=series)
    assert page.meeting is not None and page.meeting.state == Meeting.State.UPCOMING
    texts = {a.text: a.done_at for a in page.actions}
    assert OPEN_ACTION in texts and texts[OPEN_ACTION] is None
    assert DONE_ACTION not in texts  # done in the first meeting: it does not carry over
    first = series.meetings.order_by("held_on").first()
    assert first is not None
    held = one_on_one_page(user=employee, series=series, meeting=first)
    # The manager wrote a private note on the first meeting; the employee reads none there.
    assert held.private_note is None


def test_an_acknowledged_improvement_plan_runs_for_someone_else_in_the_managers_team(seeded):
    plan = ImprovementPlan.objects.select_related("employee").get()
    manager, employee = person("manager"), person("employee")
    assert plan.state == ImprovementPlan.State.ACTIVE and plan.acknowledged_at is not None
    assert plan.employee.manager_id == manager.pk and plan.employee != employee
    assert plan.manager_id == manager.pk
    assert plan.expectations.count() == 2
    checkpoints = list(plan.checkpoints.order_by("due_on"))
    assert len(checkpoints) == 3 and checkpoints[0].due_on <= TODAY < checkpoints[-1].due_on <= plan.ends_on
    authors = set(CheckpointNote.objects.filter(checkpoint__plan=plan).values_list("author_id", flat=True))
    assert authors == {manager.pk, plan.employee_id}
    actions = set(AuditEvent.objects.filter(action__startswith="pip.").values_list("action", flat=True))
    assert {"pip.create", "pip.send", "pip.acknowledge", "pip.note"} <= actions


def test_development_plans_include_the_employees_prefilled_from_her_released_review(seeded):
    assert DevelopmentPlan.objects.count() == seeded.development_plans >= 3
    plan = DevelopmentPlan.objects.get(employee=person("employee"))
    review = Review.objects.get(cycle__name=CYCLE_NAME[0], reviewee=person("employee"))
    assert review.state == Review.State.RELEASED
    # Pre-filled with the gaps of that review (in the 300-person demo: three competencies); a company this small
    # may leave her none, and then she wrote one need herself.
    gaps = competency_gaps(person("employee"))
    assert gaps.review == review
    needs = list(plan.needs.order_by("order", "pk"))
    prefilled = [n for n in needs if n.review_id is not None]
    assert [n.competency_id for n in prefilled] == [g.competency_id for g in gaps.gaps]
    assert all(n.review_id == review.pk for n in prefilled)
    assert needs and (prefilled or len(needs) == 1)
    assert plan.actions.count() >= 3
    assert plan.owner_comment and plan.manager_comment
    assert DevelopmentPlan.objects.filter(employee=person("manager")).exists()


def test_the_demo_users_pages_open_on_the_seeded_data(seeded):
    series = series_of_the_demo_users()
    for username in ("manager", "employee"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        response = client.get(reverse("conversations:one_on_one", args=[series.pk]))
        assert response.status_code == 200
        assert OPEN_ACTION in response.content.decode()
    client = Client()
    client.force_login(User.objects.get(username="employee"))
    assert client.get(reverse("conversations:praise_wall")).status_code == 200
    assert client.get(reverse("conversations:feedback_requests")).status_code == 200
    plan = DevelopmentPlan.objects.get(employee=person("employee"))
    assert client.get(reverse("conversations:idp_plan", args=[plan.pk])).status_code == 200


def test_seeding_again_changes_nothing(seeded):
    before = (Feedback.objects.count(), Meeting.objects.count(), DevelopmentPlan.objects.count())
    assert conversations_seed_demo(seed=1, today=TODAY) is None
    assert (Feedback.objects.count(), Meeting.objects.count(), DevelopmentPlan.objects.count()) == before
