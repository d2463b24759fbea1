"""The goals card on the home page: where the reader stands with her goals and what waits for her approval."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jixiao.goals import services
from jixiao.goals.models import GoalPlan
from jixiao.goals.testing import make_objective, make_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def this_year(personas):
    today = timezone.localdate()
    return make_period(
        personas.admin, f"FY{today.year}", start=dt.date(today.year, 1, 1), end=dt.date(today.year, 12, 31)
    )


def home_of(user):
    client = Client()
    client.force_login(user)
    return client.get("/")


def test_an_employee_without_goals_is_asked_to_write_her_first_objective(personas, this_year):
    page = home_of(personas.employee.user).content.decode()
    assert 'data-testid="home-goals"' in page
    assert "Write your first objective" in page


def test_an_employee_sees_her_progress_and_plan_state_for_the_current_period(personas, this_year):
    mine = make_objective(personas.employee.user, this_year, employee=personas.employee, weight=100)
    services.key_result_check_in(
        actor=personas.employee.user, key_result=mine.key_results.get(), value=4, confidence="at_risk"
    )
    response = home_of(personas.employee.user)
    card = response.context["cards"][0]
    assert (card["count"], card["progress_percent"], card["at_risk"], card["plan_state"]) == (1, 40, 1, "draft")
    assert card["can_submit"] is True


def test_a_manager_sees_how_many_goal_plans_wait_for_her(personas, this_year):
    make_objective(personas.employee.user, this_year, employee=personas.employee, weight=100)
    plan = GoalPlan(employee=personas.employee, period=this_year)
    services.goal_plan_submit(actor=personas.employee.user, plan=plan)
    page = home_of(personas.manager.user).content.decode()
    assert "1 goal plan waits for your approval" in page
    # The skip-level manager sees it too: it waits in her organisation.
    assert home_of(personas.skip.user).context["cards"][0]["waiting"] == 1
    assert home_of(personas.peer.user).context["cards"][0]["is_manager"] is False


def test_accounts_without_an_employee_record_get_no_goals_card(personas, this_year):
    assert home_of(personas.admin).context["cards"] == []


@pytest.mark.parametrize("objectives", [2, 30])
def test_the_goals_card_runs_the_same_queries_for_2_and_30_objectives(
    personas, this_year, objectives, django_assert_num_queries
):
    for _ in range(objectives):
        make_objective(personas.manager.user, this_year, employee=personas.manager, weight=1)
    client = Client()
    client.force_login(personas.manager.user)
    client.get("/")
    # The manager's home (14 with no period, see core's test) + her goal plan now that a period is open.
    with django_assert_num_queries(15):
        assert client.get("/").status_code == 200
