"""The alignment tree, the department board and the strategy page: what they show to whom, and that they run
the same number of queries for 5 objectives as for 200."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.test import Client

from jixiao.goals import selectors_tree
from jixiao.goals.models import Objective, OwnerType, Period
from jixiao.goals.testing import make_objective, make_period
from jixiao.org.models import Employee

pytestmark = pytest.mark.django_db

# Every signed-in page starts with the session, the user, and the reader's place and HR scopes.
BASE = 4
# + the periods, the department filter, the objectives (tuples), their ancestors outside the filter.
TREE_DATA = BASE + 4
# + the periods, the department filter's options, the top-level objectives and their ancestors.
TREE_PAGE = BASE + 4
# + the department (gate), the periods, its ancestors, its objectives and their key results, one page of
# people, their total, their goals grouped per person, their goal plans, the sub-departments.
BOARD = BASE + 10
# + the periods, the strategy, the values, the company objectives.
STRATEGY = BASE + 4


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/")  # settle the session's first-request bookkeeping before counting
    return client


@pytest.fixture
def company(personas):
    """FY2027 with Q1 inside it; a company objective, one per department (sales, east, R&D), a private one of
    the manager, and a goal of the employee aligned to it."""
    admin = personas.admin
    fy = make_period(admin, "FY2027", start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
    q1 = make_period(admin, "2027Q1", kind="quarter", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31), parent=fy)
    top = make_objective(admin, fy, title="Grow revenue by thirty percent in 2027")
    sales = make_objective(admin, fy, department=personas.sales, parent=top, title="Sales grows new accounts")
    east = make_objective(admin, fy, department=personas.east, parent=sales, title="East China wins 40 accounts")
    rnd = make_objective(admin, fy, department=personas.rnd, parent=top, title="Research ships the platform")
    private = make_objective(
        admin, fy, employee=personas.manager, parent=east, visibility="private", title="Manager's private plan"
    )
    mine = make_objective(admin, q1, employee=personas.employee, parent=private, title="Win ten accounts in Q1")
    return {"fy": fy, "q1": q1, "top": top, "sales": sales, "east": east, "rnd": rnd, "private": private, "mine": mine}


def grow_objectives(parent: Objective, employees: list[Employee], count: int, *, private_every: int = 0) -> None:
    """Add `count` person objectives aligned to `parent`, spread over `employees`, in two statements."""
    Objective.objects.bulk_create(
        [
            Objective(
                period=parent.period,
                owner_type=OwnerType.PERSON,
                employee=employees[i % len(employees)],
                title=f"Person objective {i}",
                parent=parent,
                weight=Decimal(10),
                progress=Decimal(i % 120) / 100,
                confidence=["", "on_track", "at_risk", "off_track"][i % 4],
                visibility="private" if private_every and i % private_every == 0 else "public",
            )
            for i in range(count)
        ],
        batch_size=500,
    )
    # New rows have no path yet; ids come from the database (explicit ids would leave PostgreSQL's sequence behind).
    Objective.objects.filter(parent=parent, path="").update(
        path=Concat(Value(parent.path), Cast("id", CharField()), Value("/"))
    )


def tree_json(client: Client, **params) -> dict:
    response = client.get("/goals/tree/data.json", params)
    assert response.status_code == 200
    return json.loads(response.content)


# ---- what the tree shows -----------------------------------------------------------------------------


def test_the_tree_is_compact_json_with_short_keys(personas, company):
    data = tree_json(signed_in(personas.admin))
    assert set(data) == {"period", "department", "n", "d", "e", "u"}
    assert data["period"]["id"] == company["fy"].pk
    by_id = {row[0]: row for row in data["n"]}
    top = by_id[company["top"].pk]
    assert top[1] == selectors_tree.TOP and top[3] == 0  # under the company root, owned by the company
    assert by_id[company["sales"].pk][1] == company["top"].pk
    assert data["d"][str(personas.sales.pk)] == "Sales"  # the English name for an English reader
    assert data["u"] == "/goals/objectives/0/"


def test_the_year_includes_the_goals_of_its_quarters_and_the_quarter_only_its_own_plus_ancestors(personas, company):
    client = signed_in(personas.admin)
    year = {row[0] for row in tree_json(client)["n"]}
    assert company["mine"].pk in year
    quarter = tree_json(client, period=company["q1"].pk)
    ids = {row[0]: row for row in quarter["n"]}
    assert set(ids) == {
        c.pk for c in (company["mine"], company["private"], company["east"], company["sales"], company["top"])
    }
    assert ids[company["mine"].pk][7] == 0
    assert ids[company["top"].pk][7] == 1  # shown for context: the path from the company stays visible


def test_a_peer_does_not_see_a_private_objective_and_its_child_hangs_under_not_visible(personas, company):
    data = tree_json(signed_in(personas.peer.user))
    ids = {row[0]: row for row in data["n"]}
    assert company["private"].pk not in ids
    assert "Manager's private plan" not in json.dumps(data, ensure_ascii=False)
    assert ids[company["mine"].pk][1] == selectors_tree.HIDDEN


def test_the_owner_and_her_managers_see_the_private_objective_in_place(personas, company):
    for user in (personas.manager.user, personas.skip.user, personas.scoped_hr):
        ids = {row[0]: row for row in tree_json(signed_in(user))["n"]}
        assert ids[company["mine"].pk][1] == company["private"].pk


def test_the_department_filter_keeps_its_subtree_and_its_people_plus_their_ancestors(personas, company):
    data = tree_json(signed_in(personas.admin), department=personas.east.pk)
    ids = {row[0]: row for row in data["n"]}
    assert set(ids) == {
        c.pk for c in (company["top"], company["sales"], company["east"], company["private"], company["mine"])
    }
    assert company["rnd"].pk not in ids
    assert ids[company["top"].pk][7] == 1 and ids[company["sales"].pk][7] == 1  # context only
    assert ids[company["east"].pk][7] == 0


def test_an_ancestor_above_a_hidden_objective_is_not_revealed(personas, company):
    # For the peer the private objective breaks the path: its ancestors are not pulled in as context.
    data = tree_json(signed_in(personas.peer.user), period=company["q1"].pk)
    ids = {row[0]: row for row in data["n"]}
    assert set(ids) == {company["mine"].pk}
    assert ids[company["mine"].pk][1] == selectors_tree.HIDDEN


def test_outsiders_get_404_for_the_tree_and_its_data(personas, company):
    client = signed_in(personas.outsider)
    assert client.get("/goals/tree/").status_code == 404
    assert client.get("/goals/tree/data.json").status_code == 404


def test_the_tree_page_lists_company_and_department_objectives_as_text(personas, company):
    page = signed_in(personas.employee.user).get("/goals/tree/").content.decode()
    assert 'data-testid="tree-outline"' in page
    for key in ("top", "sales", "east", "rnd"):
        assert company[key].title in page
    assert company["mine"].title not in page  # people's goals are in the tree, not in the text list
    assert 'data-url="/goals/tree/data.json?period=' in page


def test_the_tree_page_without_periods_says_what_to_do(personas):
    page = signed_in(personas.admin).get("/goals/tree/").content.decode()
    assert 'data-testid="tree-empty"' in page
    assert "/goals/periods/" in page


# ---- period helpers --------------------------------------------------------------------------------


def test_the_current_period_is_the_widest_that_contains_today():
    fy = Period(pk=1, name="FY", start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
    q2 = Period(pk=2, name="Q2", start=dt.date(2027, 4, 1), end=dt.date(2027, 6, 30))
    old = Period(pk=3, name="FY26", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    periods = [old, fy, q2]
    assert selectors_tree.current_period(periods, today=dt.date(2027, 5, 1)) == fy
    assert selectors_tree.current_period(periods, today=dt.date(2028, 5, 1)) == fy  # the latest to end
    assert selectors_tree.current_period(periods, today=dt.date(2020, 1, 1)) == old  # the first to come
    assert selectors_tree.current_period([], today=dt.date(2027, 1, 1)) is None
    assert selectors_tree.periods_within(periods, fy) == [1, 2]


# ---- fixed numbers of queries ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("who", ["admin", "peer", "scoped_hr"])
def test_tree_data_runs_the_same_queries_for_5_and_200_objectives(
    personas, company, django_assert_num_queries, size, who
):
    grow_objectives(company["east"], [personas.employee, personas.peer, personas.manager], size, private_every=3)
    grow_objectives(company["private"], [personas.employee], 2)  # children of a private goal: the hidden branch
    user = {"admin": personas.admin, "peer": personas.peer.user, "scoped_hr": personas.scoped_hr}[who]
    client = signed_in(user)
    with django_assert_num_queries(TREE_DATA):
        client.get("/goals/tree/data.json", {"department": personas.east.pk})


@pytest.mark.parametrize("size", [5, 200])
def test_the_tree_page_runs_the_same_queries_for_5_and_200_objectives(
    personas, company, django_assert_num_queries, size
):
    grow_objectives(company["east"], [personas.employee, personas.peer], size)
    for i in range(size // 5):
        make_objective(
            personas.admin, company["q1"], department=personas.rnd, parent=company["rnd"], title=f"R&D goal {i}"
        )
    client = signed_in(personas.peer.user)
    with django_assert_num_queries(TREE_PAGE):
        response = client.get("/goals/tree/", {"period": company["fy"].pk, "department": personas.sales.pk})
    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 200])
def test_the_department_board_runs_the_same_queries_for_5_and_200_objectives(
    personas, company, django_assert_num_queries, size
):
    people = [personas.employee, personas.peer, personas.manager]
    grow_objectives(company["east"], people, size)
    for i in range(size // 20 + 1):
        make_objective(
            personas.admin, company["fy"], department=personas.sales, parent=company["sales"], title=f"Sales goal {i}"
        )
    client = signed_in(personas.manager.user)
    with django_assert_num_queries(BOARD):
        response = client.get(f"/goals/departments/{personas.sales.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 200])
def test_the_strategy_page_runs_the_same_queries_for_5_and_200_objectives(
    personas, company, django_assert_num_queries, size
):
    for i in range(size // 5):
        make_objective(personas.admin, company["fy"], title=f"Company goal number {i} for 2027")
    client = signed_in(personas.employee.user)
    client.get("/goals/strategy/")  # the strategy row is created on the first read
    with django_assert_num_queries(STRATEGY):
        response = client.get("/goals/strategy/")
    assert response.status_code == 200


# ---- the department board ---------------------------------------------------------------------------


def test_the_board_counts_only_goals_the_reader_may_see_and_shows_plans_only_to_those_who_may_read_them(
    personas, company
):
    peer_page = signed_in(personas.peer.user).get(f"/goals/departments/{personas.east.pk}/")
    board = peer_page.context["board"]
    rows = {r.employee.pk: r for r in board.people}
    assert rows[personas.manager.pk].objectives == 0  # her only objective is private
    assert rows[personas.employee.pk].plan_state is None  # a peer does not read her plan
    manager_board = signed_in(personas.manager.user).get(f"/goals/departments/{personas.east.pk}/").context["board"]
    rows = {r.employee.pk: r for r in manager_board.people}
    assert rows[personas.manager.pk].objectives == 1
    assert rows[personas.employee.pk].plan_state == "draft"
    assert [o.pk for o in manager_board.objectives] == [company["east"].pk]


def test_the_board_charts_sub_departments_when_there_are_some_and_people_otherwise(personas, company):
    client = signed_in(personas.admin)
    sales = client.get(f"/goals/departments/{personas.sales.pk}/").context["board"]
    assert sales.chart_kind == "departments"
    assert sales.bars[0].name == "East China"
    east = client.get(f"/goals/departments/{personas.east.pk}/").context["board"]
    assert east.chart_kind == "people"
    assert {b.name for b in east.bars} == {personas.employee.name, personas.manager.name}


def test_the_weighted_progress_of_a_person_weighs_her_objectives(personas, company):
    grow_objectives(company["east"], [personas.peer], 2)  # 0% and 1%, weight 10 each
    Objective.objects.filter(employee=personas.peer).update(progress=Decimal("0.5"))
    Objective.objects.filter(employee=personas.peer).order_by("pk").filter(
        pk=Objective.objects.filter(employee=personas.peer).order_by("pk").values("pk")[:1]
    ).update(progress=Decimal("1.0"), weight=Decimal(30))
    board = signed_in(personas.admin).get(f"/goals/departments/{personas.east.pk}/").context["board"]
    row = next(r for r in board.people if r.employee.pk == personas.peer.pk)
    assert row.objectives == 2
    assert row.progress == round((1.0 * 30 + 0.5 * 10) / 40 * 100)
