"""The list endpoints run a fixed number of queries, whether the company has ten people or a thousand."""

import datetime as dt

import pytest
from django.test import Client

from jixiao.org.models import Department, Employee

pytestmark = pytest.mark.django_db

# The session, the user, the caller's place and her HR scopes (actor_context), then the page itself.
EMPLOYEE_LIST_QUERIES = 5
# The same, and the department named in the filter.
EMPLOYEE_LIST_BY_DEPARTMENT_QUERIES = 6
DEPARTMENT_LIST_QUERIES = 5


def grow_company(personas, size: int) -> None:
    """Add `size` people in size/10 new teams under 华东区, all reporting to the manager, set-based."""
    teams = Department.objects.bulk_create(
        [
            Department(name=f"组{i}", parent=personas.east, path="", depth=personas.east.depth + 1)
            for i in range(size // 10)
        ]
    )
    for team in teams:
        team.path = f"{personas.east.path}{team.pk}/"
    Department.objects.bulk_update(teams, ["path"], batch_size=500)
    people = Employee.objects.bulk_create(
        [
            Employee(
                employee_number=f"B{i:06d}",
                name=f"员工{i}",
                department=teams[i % len(teams)],
                manager=personas.manager,
                hire_date=dt.date(2021, 1, 1),
                job_level="P4",
                phone="13900000000",
            )
            for i in range(size)
        ],
        batch_size=500,
    )
    for person in people:
        person.chain = f"{personas.manager.chain}{person.pk}/"
    Employee.objects.bulk_update(people, ["chain"], batch_size=500)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/api/v1/me")  # settle the session's first-request bookkeeping before counting
    return client


@pytest.mark.parametrize("size", [10, 1000])
def test_the_employee_list_runs_the_same_queries_for_ten_and_a_thousand_people(
    personas, django_assert_num_queries, size
):
    grow_company(personas, size)
    for user in (personas.scoped_hr, personas.manager.user):
        client = signed_in(user)
        with django_assert_num_queries(EMPLOYEE_LIST_BY_DEPARTMENT_QUERIES):
            response = client.get("/api/v1/employees", {"limit": 200, "department": personas.sales.pk})
        assert response.status_code == 200
        # 销售部 holds skip, the manager, employee, peer and scoped HR, plus everyone added.
        assert len(response.json()["items"]) == min(200, size + 5)
        with django_assert_num_queries(EMPLOYEE_LIST_QUERIES):
            response = client.get("/api/v1/employees", {"limit": "200", "q": "员工"})
        assert len(response.json()["items"]) == min(200, size)
        cursor = client.get("/api/v1/employees", {"limit": "5", "q": "员工"}).json()["next_cursor"]
        with django_assert_num_queries(EMPLOYEE_LIST_QUERIES):
            response = client.get("/api/v1/employees", {"limit": "200", "q": "员工", "cursor": cursor})
        assert len(response.json()["items"]) == min(200, size - 5)


@pytest.mark.parametrize("size", [10, 1000])
def test_the_department_list_runs_the_same_queries_for_ten_and_a_thousand_people(
    personas, django_assert_num_queries, size
):
    grow_company(personas, size)
    client = signed_in(personas.employee.user)
    with django_assert_num_queries(DEPARTMENT_LIST_QUERIES):
        response = client.get("/api/v1/departments", {"limit": 200})
    assert response.status_code == 200
    assert len(response.json()["items"]) == min(200, 4 + size // 10)
