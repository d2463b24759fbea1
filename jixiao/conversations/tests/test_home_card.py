"""The home page's conversations card: her plan to acknowledge, open 1:1 action items, feedback requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jixiao.conversations.models import ImprovementPlan
from jixiao.conversations.selectors_home import home_card
from jixiao.conversations.testing_feedback import ask
from jixiao.conversations.testing_meetings import add_action, hold, many_meetings, next_meeting, start_one_on_one
from jixiao.conversations.testing_pip import make_plan

S = ImprovementPlan.State
pytestmark = pytest.mark.django_db


def home(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_nothing_waiting_means_no_card(personas):
    assert home_card(personas.employee.user) is None
    assert 'data-testid="home-conversations"' not in home(personas.employee.user)


def test_an_account_without_an_employee_record_gets_no_card_and_no_query(personas, django_assert_num_queries):
    with django_assert_num_queries(2):  # the reader's place and HR scopes, shared with every page
        assert home_card(personas.outsider) is None


def test_a_plan_waiting_for_her_acknowledgement_comes_first_with_a_button(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.PENDING)
    body = home(personas.employee.user)
    assert 'data-testid="home-conversations"' in body
    assert "Your improvement plan waits for your acknowledgement." in body
    assert reverse("conversations:pip_detail", args=[plan.pk]) in body


def test_a_running_plan_shows_as_my_improvement_plan(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    card = home_card(personas.employee.user)
    assert card is not None and card["plan_id"] == plan.pk and not card["plan_waiting"]
    body = home(personas.employee.user)
    assert "My improvement plan" in body and "acknowledgement." not in body


def test_a_draft_being_prepared_about_her_does_not_show(personas):
    make_plan(actor=personas.manager.user, employee=personas.employee, state=S.DRAFT)
    assert home_card(personas.employee.user) is None


def test_a_plan_closed_within_ninety_days_shows_an_older_one_does_not(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.PASSED)
    card = home_card(personas.employee.user)
    assert card is not None and card["plan_id"] == plan.pk and card["plan_closed"]
    ImprovementPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now() - dt.timedelta(days=91))
    assert home_card(personas.employee.user) is None


def test_her_manager_does_not_get_her_plan_on_her_own_home(personas):
    make_plan(actor=personas.manager.user, employee=personas.employee, state=S.PENDING)
    assert home_card(personas.manager.user) is None


def test_the_pending_plan_wins_over_an_older_closed_one(personas):
    make_plan(actor=personas.manager.user, employee=personas.employee, state=S.CANCELLED)
    pending = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.PENDING)
    card = home_card(personas.employee.user)
    assert card is not None and card["plan_id"] == pending.pk and card["plan_waiting"]


def test_open_action_items_she_owns_are_counted_with_the_overdue_ones(personas):
    series = start_one_on_one(personas.manager, personas.employee)
    meeting = next_meeting(series)
    add_action(personas.manager, meeting, personas.employee, due_on=timezone.localdate() - dt.timedelta(days=1))
    add_action(personas.manager, meeting, personas.employee)
    add_action(personas.manager, meeting, personas.manager)  # hers, not the employee's
    card = home_card(personas.employee.user)
    assert card is not None and (card["actions"], card["overdue"]) == (2, 1)
    body = home(personas.employee.user)
    assert "2 open action items from your 1:1s" in body and "1 is past its due date" in body
    hold(personas.manager, meeting)
    assert home_card(personas.employee.user)["actions"] == 2  # type: ignore[index]  # they carry over


def test_open_feedback_requests_for_her_are_counted(personas):
    ask(personas.peer, personas.employee)
    ask(personas.manager, personas.employee)
    card = home_card(personas.employee.user)
    assert card is not None and card["requests"] == 2
    assert "2 requests for your feedback wait for your answer" in home(personas.employee.user)
    assert home_card(personas.peer.user) is None  # the requester is not asked anything


@pytest.mark.parametrize("size", [1, 40])
def test_the_card_is_one_query_whatever_the_data(personas, django_assert_num_queries, size):
    series = start_one_on_one(personas.manager, personas.employee)
    many_meetings(series, size)  # open items owned by the series' first participant: the manager
    assert series.first_id == personas.manager.pk
    for _ in range(min(size, 5)):
        make_plan(actor=personas.skip.user, employee=personas.manager, state=S.CANCELLED)
    make_plan(actor=personas.skip.user, employee=personas.manager, state=S.PENDING)
    for _ in range(size):
        ask(personas.peer, personas.manager, topic="How did the workshop go?")
    user = personas.manager.user
    home_card(user)  # the reader's context, cached on the user like every page does
    with django_assert_num_queries(1):
        card = home_card(user)
    assert card is not None and (card["actions"], card["requests"], card["plan_waiting"]) == (size, size, True)
