"""My goals, team goals and the objective page run the same number of queries for 2 and for 30 rows."""

import pytest
from django.test import Client

from jixiao.goals import services
from jixiao.goals.models import GoalPlan, KeyResult
from jixiao.goals.testing import make_objective, make_period
from jixiao.org.tests.test_pages_queries import grow_company

pytestmark = pytest.mark.django_db

# Every signed-in page starts with the session, the user, and the reader's place and HR scopes (actor_context).
BASE = 4
# + the periods, her objectives and their key results, her goal plan, and the objectives to align to.
MY_GOALS = BASE + 5
# + the periods, the reports, their goal plans, and their objectives counted and summed per person.
TEAM_GOALS = BASE + 4
# + the objective (gate), its key results and their check-ins, the objectives aligned to it, its parent
# (visible?), and the owner's goal plan.
OBJECTIVE = BASE + 6


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/")  # settle the session's first-request bookkeeping before counting
    return client


@pytest.fixture
def period(personas):
    return make_period(personas.admin, "FY2027")


@pytest.fixture
def east_goal(personas, period):
    return make_objective(personas.manager.user, period, title="East China renewals", department=personas.east)


@pytest.mark.parametrize("size", [2, 30])
def test_my_goals_runs_the_same_queries_for_2_and_30_objectives(
    personas, period, east_goal, django_assert_num_queries, size
):
    for i in range(size):
        make_objective(
            personas.employee.user,
            period,
            employee=personas.employee,
            parent=east_goal,
            weight=1,
            key_results=[(0, 10), (0, 5)],
            title=f"Objective {i} with a long enough title",
        )
    make_objective(personas.manager.user, period, title=f"Another team goal {size}", department=personas.east)
    client = signed_in(personas.employee.user)
    with django_assert_num_queries(MY_GOALS):
        response = client.get("/goals/", {"period": period.pk})
    assert response.status_code == 200
    assert len(response.context["goals"].cards) == size
    assert all(len(c.key_results) == 2 and c.parent == east_goal for c in response.context["goals"].cards)


@pytest.mark.parametrize("size", [2, 30])
def test_team_goals_runs_the_same_queries_for_2_and_30_people(personas, period, django_assert_num_queries, size):
    grow_company(personas.east, personas.manager, size)
    people = list(personas.manager.direct_reports.all())
    for person in people:
        make_objective(personas.manager.user, period, employee=person, weight=100)
    services.goal_plan_submit(
        actor=personas.employee.user, plan=GoalPlan.objects.get(employee=personas.employee, period=period)
    )
    client = signed_in(personas.manager.user)
    with django_assert_num_queries(TEAM_GOALS):
        response = client.get("/goals/team/", {"period": period.pk})
    assert response.status_code == 200
    assert len(response.context["rows"]) == size + 2
    skip = signed_in(personas.skip.user)
    with django_assert_num_queries(TEAM_GOALS):
        response = skip.get("/goals/team/", {"period": period.pk, "scope": "all"})
    assert len(response.context["rows"]) == size + 4  # the manager, HR of sales, and the manager's people


@pytest.mark.parametrize("size", [2, 30])
def test_the_objective_page_runs_the_same_queries_for_2_and_30_check_ins_and_aligned_objectives(
    personas, period, django_assert_num_queries, size
):
    parent = make_objective(personas.admin, period, title="Company goal")
    objective = make_objective(
        personas.employee.user,
        period,
        employee=personas.employee,
        parent=parent,
        weight=100,
        key_results=[(0, 100)] * 3,
    )
    for kr in KeyResult.objects.filter(objective=objective):
        for i in range(size):
            services.key_result_check_in(actor=personas.employee.user, key_result=kr, value=i, confidence="on_track")
    for _ in range(size):
        make_objective(personas.employee.user, period, employee=personas.employee, parent=objective)
    client = signed_in(personas.employee.user)
    with django_assert_num_queries(OBJECTIVE):
        response = client.get(f"/goals/objectives/{objective.pk}/")
    assert response.status_code == 200
    assert len(response.context["page"].children) == size
    assert all(len(row["check_ins"]) == size for row in response.context["rows"])
