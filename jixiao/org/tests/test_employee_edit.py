"""HR edits a person on her page: scoped, audited, and never silently overwriting someone else's save."""

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.org.models import Employee

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(person: Employee, **changes) -> dict:
    data = {
        "employee_number": person.employee_number,
        "name": person.name,
        "english_name": person.english_name,
        "email": person.email,
        "phone": person.phone,
        "title": person.title,
        "job_level": person.job_level,
        "department": person.department_id,
        "manager_number": person.manager.employee_number if person.manager else "",
        "hire_date": person.hire_date.isoformat() if person.hire_date else "",
        "status": person.status,
        "version": person.version,
    }
    data.update(changes)
    return data


def test_hr_in_scope_changes_a_title_and_the_change_is_audited(personas):
    url = f"/org/people/{personas.employee.pk}/edit/"
    response = signed_in(personas.scoped_hr).post(url, form_data(personas.employee, title="高级销售代表"))
    assert response.status_code == 302
    personas.employee.refresh_from_db()
    assert personas.employee.title == "高级销售代表"
    assert AuditEvent.objects.filter(action="employee.update", target_id=str(personas.employee.pk)).exists()


def test_the_profile_offers_editing_only_to_hr_in_scope(personas):
    url = f"/org/people/{personas.employee.pk}/"
    assert 'data-testid="profile-edit"' in signed_in(personas.scoped_hr).get(url).content.decode()
    assert 'data-testid="profile-edit"' not in signed_in(personas.manager.user).get(url).content.decode()


@pytest.mark.parametrize("who", ["other_hr", "manager", "employee", "outsider", "executive"])
def test_nobody_else_can_open_or_post_the_edit_page(personas, who):
    user = getattr(personas, who)
    user = getattr(user, "user", user)
    client = signed_in(user)
    url = f"/org/people/{personas.employee.pk}/edit/"
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(personas.employee, title="x")).status_code == 404
    personas.employee.refresh_from_db()
    assert personas.employee.title != "x"


def test_a_save_based_on_an_old_version_is_refused_and_keeps_what_was_typed(personas):
    stale = form_data(personas.employee, title="我的修改")
    signed_in(personas.admin).post(
        f"/org/people/{personas.employee.pk}/edit/", form_data(personas.employee, title="别人的修改")
    )
    response = signed_in(personas.scoped_hr).post(f"/org/people/{personas.employee.pk}/edit/", stale)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved this person" in page and "我的修改" in page
    personas.employee.refresh_from_db()
    assert personas.employee.title == "别人的修改"


def test_a_reporting_loop_is_refused_beside_the_manager_field(personas):
    data = form_data(personas.manager, manager_number=personas.employee.employee_number)
    response = signed_in(personas.scoped_hr).post(f"/org/people/{personas.manager.pk}/edit/", data)
    assert response.status_code == 200
    assert "reporting loop" in response.content.decode()
    personas.manager.refresh_from_db()
    assert personas.manager.manager_id == personas.skip.pk


def test_an_unknown_manager_number_and_a_bad_email_are_explained_and_nothing_is_written(personas):
    before = AuditEvent.objects.filter(action="employee.update").count()
    data = form_data(personas.employee, manager_number="NOPE", email="not-an-email", title="x")
    response = signed_in(personas.scoped_hr).post(f"/org/people/{personas.employee.pk}/edit/", data)
    page = response.content.decode()
    assert "Nobody with employee number NOPE" in page and "valid email" in page
    assert AuditEvent.objects.filter(action="employee.update").count() == before
    personas.employee.refresh_from_db()
    assert personas.employee.title != "x"
