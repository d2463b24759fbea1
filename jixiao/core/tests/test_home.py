"""The home page answers each role's question: mine, my team, the units I support, the whole company."""

import json

import pytest
from django.test import Client

from jixiao.org import services as org_services
from jixiao.org.tests.test_pages_queries import grow_company

pytestmark = pytest.mark.django_db


def home_of(user):
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


def test_an_employee_sees_her_profile_her_manager_her_colleagues_and_her_department(personas):
    response = home_of(personas.employee.user)
    body = response.content.decode()
    for card in ("home-profile", "home-team", "home-department"):
        assert f'data-testid="{card}"' in body
    assert personas.manager.name in body
    assert [p.name for p in response.context["peers"]] == [personas.peer.name]
    assert 'data-testid="home-units"' not in body
    assert 'data-testid="home-activity"' not in body
    assert "/audit/" not in body


def test_a_manager_sees_her_team(personas):
    response = home_of(personas.manager.user)
    assert response.context["is_manager"] is True
    assert response.context["direct_count"] == 2
    body = response.content.decode()
    assert personas.employee.name in body and personas.peer.name in body


def test_scoped_hr_sees_the_units_she_supports_with_headcounts_and_recent_activity(personas):
    org_services.employee_update(
        actor=personas.admin,
        employee=personas.employee,
        version=personas.employee.version,
        data=org_services.employee_input_from(personas.employee, title="高级销售代表"),
    )
    response = home_of(personas.scoped_hr)
    body = response.content.decode()
    assert 'data-testid="home-hr"' in body
    assert [(u.name, u.headcount) for u in response.context["units"]] == [("华东区", 3)]
    assert [(d.name, d.headcount) for d in response.context["hr_departments"]] == [("销售部", 5)]
    assert response.context["status_counts"] == {"active": 5, "on_leave": 0, "left": 0}
    assert [e.action for e in response.context["recent_events"]] == ["employee.update"]
    assert 'data-testid="home-activity"' in body


def test_an_executive_sees_headcount_by_unit_as_a_chart_and_as_a_table(personas):
    response = home_of(personas.executive)
    body = response.content.decode()
    chart = json.loads(body.split('id="jx-units-data" type="application/json">')[1].split("</script>")[0])
    assert {u["name"]: u["value"] for u in chart["units"]} == {"Sales": 5, "R&D": 2}
    assert 'data-testid="home-units-table"' in body
    assert "js/home.js" in body
    assert 'data-testid="home-activity"' not in body  # the audit log is for admins and HR


def test_an_admin_sees_the_company_and_recent_activity(personas):
    response = home_of(personas.admin)
    body = response.content.decode()
    assert 'data-testid="home-company"' in body
    assert 'data-testid="home-activity"' in body
    assert response.context["status_counts"]["active"] == 8


def test_an_account_outside_the_organisation_is_told_what_to_do(personas):
    body = home_of(personas.outsider).content.decode()
    assert "Ask HR to link your account" in body


def test_the_navigation_follows_the_role(personas):
    employee = home_of(personas.employee.user).content.decode()
    assert 'href="/org/people/"' in employee and 'href="/audit/"' not in employee and "/org/import/" not in employee
    hr = home_of(personas.scoped_hr).content.decode()
    assert 'href="/audit/"' in hr and 'href="/org/import/"' in hr


# The session, the user, the reader's place and HR scopes, then home_summary's reads for the role, then the
# cards of other apps: goals reads the current periods and the reader's objectives (+ plans waiting, managers);
# conversations reads her plan, open 1:1 action items and feedback requests in one query (with an employee record).
HOME_QUERIES = {"employee": 13, "manager": 14, "scoped_hr": 19, "admin": 9}


@pytest.mark.parametrize("size", [10, 1000])
@pytest.mark.parametrize("role", sorted(HOME_QUERIES))
def test_the_home_page_runs_the_same_queries_for_ten_and_a_thousand_people(
    personas, django_assert_num_queries, size, role
):
    grow_company(personas.east, personas.manager, size)
    user = {
        "employee": personas.employee.user,
        "manager": personas.manager.user,
        "scoped_hr": personas.scoped_hr,
        "admin": personas.admin,
    }[role]
    client = Client()
    client.force_login(user)
    client.get("/")
    with django_assert_num_queries(HOME_QUERIES[role]):
        assert client.get("/").status_code == 200


def test_hr_of_a_unit_without_sub_departments_still_sees_her_unit_and_its_people(personas):
    response = home_of(personas.other_hr)
    assert [(u.name, u.headcount) for u in response.context["units"]] == [("研发部", 2)]
    assert 'data-testid="home-hr"' in response.content.decode()
