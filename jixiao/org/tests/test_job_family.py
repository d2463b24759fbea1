"""A person's job family (销售, 研发 …) picks the competency model her reviews rate: HR sets it on her page,
by import (column job_family / 职族) or through the API, and every change is audited."""

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.org.imports import ImportRejected, employees_import_file
from jixiao.org.models import Employee
from jixiao.org.testing_import import xlsx_bytes
from jixiao.org.tests.test_employee_edit import form_data

pytestmark = pytest.mark.django_db

EAST = "总部/销售部/华东区"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_form(person: Employee, **changes) -> dict:
    """The edit page's form as it stands for the person (her job family included), with these changes."""
    return form_data(person, **{"job_family": person.job_family, **changes})


def import_rows(actor, header: list[str], *rows: list[str]):
    return employees_import_file(actor=actor, data=xlsx_bytes(list(rows), header=header), filename="people.xlsx")


def test_hr_sets_a_job_family_on_the_edit_page_and_the_change_is_audited(personas):
    url = f"/org/people/{personas.employee.pk}/edit/"
    client = signed_in(personas.scoped_hr)
    assert 'name="job_family"' in client.get(url).content.decode()
    response = client.post(url, edit_form(personas.employee, job_family=" 销售 "))
    assert response.status_code == 302
    personas.employee.refresh_from_db()
    assert personas.employee.job_family == "销售"
    event = AuditEvent.objects.filter(action="employee.update", target_id=str(personas.employee.pk)).latest("id")
    assert event.before is not None and event.after is not None
    assert (event.before["job_family"], event.after["job_family"]) == ("", "销售")


def test_a_job_family_longer_than_sixty_characters_is_refused_beside_the_field(personas):
    url = f"/org/people/{personas.employee.pk}/edit/"
    response = signed_in(personas.scoped_hr).post(url, edit_form(personas.employee, job_family="长" * 61))
    assert response.status_code == 200
    assert "job_family" in response.context["form"].errors
    personas.employee.refresh_from_db()
    assert personas.employee.job_family == ""


def test_the_import_reads_the_chinese_job_family_column(personas):
    header = ["工号", "姓名", "部门", "上级工号", "职族"]
    result = import_rows(personas.admin, header, ["N1", "甲", EAST, personas.manager.employee_number, "研发"])
    assert result.created == 1
    assert Employee.objects.get(employee_number="N1").job_family == "研发"


def test_the_import_changes_a_job_family_and_a_file_without_the_column_keeps_it(personas):
    employee = personas.employee
    row = [employee.employee_number, employee.name, EAST, personas.manager.employee_number]
    header = ["employee_number", "name", "department", "manager_number"]
    result = import_rows(personas.admin, [*header, "job_family"], [*row, "销售"])
    assert (result.updated, result.unchanged) == (1, 0)
    employee.refresh_from_db()
    assert employee.job_family == "销售"
    assert import_rows(personas.admin, header, row).unchanged == 1
    employee.refresh_from_db()
    assert employee.job_family == "销售"


def test_the_import_refuses_a_job_family_that_is_too_long(personas):
    header = ["employee_number", "name", "department", "job_family"]
    with pytest.raises(ImportRejected):
        import_rows(personas.admin, header, ["N1", "甲", EAST, "长" * 61])
    assert not Employee.objects.filter(employee_number="N1").exists()


def test_the_api_reads_and_changes_a_job_family(personas):
    client = signed_in(personas.scoped_hr)
    url = f"/api/v1/employees/{personas.employee.pk}"
    assert client.get(url).json()["job_family"] == ""
    response = client.patch(url, {"job_family": "销售"}, content_type="application/json", headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.content
    assert response.json()["job_family"] == "销售"
    created = client.post(
        "/api/v1/employees",
        {"employee_number": "N9", "name": "新同事", "department": personas.east.pk, "job_family": "职能"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert Employee.objects.get(employee_number="N9").job_family == "职能"
