"""The organisation pages run a fixed number of queries, whether the company has ten people or a thousand."""

import datetime as dt

import pytest
from django.db.models import Max
from django.test import Client

from jixiao.org.models import Department, Employee

pytestmark = pytest.mark.django_db

# Every signed-in page starts with the session, the user, and the reader's place and HR scopes (actor_context).
BASE = 4
# + the department filter options, the total and one page of rows.
DIRECTORY = BASE + 3
# + the person (gate), her managers, her direct reports, her team size and her department's ancestors.
PROFILE = BASE + 5
# + the department (gate), the members' total and rows, its ancestors, its own headcounts, and its
# sub-departments with their headcounts (two).
DEPARTMENT = BASE + 7
# + the focus itself (gate), every level on the way to it, and their headcounts.
CHART_FOCUSED = BASE + 3
# + the parent (gate), its children, and their headcounts.
CHART_NODES = BASE + 3


def grow_company(east: Department, manager: Employee, size: int) -> list[Department]:
    """Add `size` people reporting to `manager`, spread over size/10 new teams under `east`.

    Ids are chosen up front, so paths and chains are computed here and each table takes one bulk insert.
    On PostgreSQL explicit ids do not move the id sequences, so a test adds no rows to these tables after it.
    """
    next_dept = (Department.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    teams = [
        Department(
            pk=next_dept + i,
            name=f"组{i:04d}",
            parent=east,
            path=f"{east.path}{next_dept + i}/",
            depth=east.depth + 1,
        )
        for i in range(max(1, size // 10))
    ]
    Department.objects.bulk_create(teams, batch_size=500)
    next_emp = (Employee.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    Employee.objects.bulk_create(
        [
            Employee(
                pk=next_emp + i,
                employee_number=f"G{next_emp + i:07d}",
                name=f"员工{i:04d}",
                english_name=f"Staff {i}",
                email=f"staff{i}@example.com",
                title="工程师",
                department=teams[i % len(teams)],
                manager=manager,
                chain=f"{manager.chain}{next_emp + i}/",
                hire_date=dt.date(2021, 1, 1),
                job_level="P4",
                phone="13900000000",
            )
            for i in range(size)
        ],
        batch_size=500,
    )
    return teams


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/")  # settle the session's first-request bookkeeping before counting
    return client


@pytest.mark.parametrize("size", [10, 1000])
def test_the_directory_runs_the_same_queries_for_ten_and_a_thousand_people(personas, django_assert_num_queries, size):
    grow_company(personas.east, personas.manager, size)
    client = signed_in(personas.scoped_hr)
    with django_assert_num_queries(DIRECTORY):
        first = client.get("/org/people/", {"q": "员工", "department": personas.sales.pk, "sort": "department"})
    assert first.status_code == 200
    assert first.content.count(b'class="jx-person-name"') == min(size, 50)
    with django_assert_num_queries(DIRECTORY - 1):  # the "more" rows skip the total
        last = first.context["page"].people[-1].pk
        more = client.get("/org/people/", {"q": "员工", "after": last, "rows": "1"}, HTTP_HX_REQUEST="true")
    assert more.status_code == 200


@pytest.mark.parametrize("size", [10, 1000])
def test_a_profile_runs_the_same_queries_for_ten_and_a_thousand_reports(personas, django_assert_num_queries, size):
    grow_company(personas.east, personas.manager, size)
    client = signed_in(personas.skip.user)
    with django_assert_num_queries(PROFILE):
        response = client.get(f"/org/people/{personas.manager.pk}/")
    assert response.status_code == 200
    assert response.context["profile"].reports_total == size + 2


@pytest.mark.parametrize("size", [10, 1000])
def test_a_department_page_runs_the_same_queries_for_ten_and_a_thousand_people(
    personas, django_assert_num_queries, size
):
    grow_company(personas.east, personas.manager, size)
    client = signed_in(personas.employee.user)
    with django_assert_num_queries(DEPARTMENT):
        response = client.get(f"/org/departments/{personas.east.pk}/")
    assert response.status_code == 200
    assert response.context["overview"].headcount == size + 3
    assert len(response.context["overview"].children) == max(1, size // 10)


@pytest.mark.parametrize("size", [10, 1000])
def test_the_org_chart_and_its_nodes_run_the_same_queries_for_ten_and_a_thousand_people(
    personas, django_assert_num_queries, size
):
    teams = grow_company(personas.east, personas.manager, size)
    client = signed_in(personas.employee.user)
    with django_assert_num_queries(CHART_FOCUSED):
        page = client.get("/org/chart/", {"focus": teams[0].pk})
    assert page.status_code == 200
    with django_assert_num_queries(CHART_NODES):
        nodes = client.get("/org/chart/nodes/", {"parent": personas.east.pk})
    assert nodes.status_code == 200
    assert len(nodes.json()["nodes"]) == len(teams)
    assert sum(n["headcount"] for n in nodes.json()["nodes"]) == size
