"""The employee endpoints: the gate's rules, sensitive fields, writes with ETag / If-Match, mass assignment, audit."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jixiao.audit.models import AuditEvent
from jixiao.core.testing.personas import make_employee
from jixiao.org.models import Employee, Status

pytestmark = pytest.mark.django_db

SENSITIVE = ("job_level", "hire_date", "phone")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read(user, employee) -> dict:
    response = client_for(user).get(f"/api/v1/employees/{employee.pk}")
    assert response.status_code == 200, response.content
    return response.json()


def patch(user, employee, body: dict, *, if_match: str | None = None):
    headers = {"If-Match": if_match if if_match is not None else f'"{employee.version}"'}
    return client_for(user).patch(
        f"/api/v1/employees/{employee.pk}", body, content_type="application/json", headers=headers
    )


def new_person(personas, **extra) -> dict:
    return {"employee_number": "N0001", "name": "新同事", "department": personas.east.pk, **extra}


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.content
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


# ---- reading: who sees whom ---------------------------------------------------------------------


def test_employee_sees_a_colleague_in_another_unit(personas):
    assert read(personas.employee.user, personas.rnd_head)["name"] == "钱研发"


def test_outsider_gets_the_same_404_for_a_colleague_and_for_a_missing_id(personas):
    client = client_for(personas.outsider)
    existing = client.get(f"/api/v1/employees/{personas.employee.pk}")
    missing = client.get("/api/v1/employees/999999")
    assert_not_found(existing)
    assert_not_found(missing)
    assert existing.content == missing.content


def test_outsider_lists_nobody(personas):
    response = client_for(personas.outsider).get("/api/v1/employees")
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_refused_access_through_the_api_is_recorded_in_the_audit_log(personas):
    client_for(personas.outsider).get(f"/api/v1/employees/{personas.employee.pk}")
    event = AuditEvent.objects.get(action="access.denied", actor_id=personas.outsider.pk)
    assert event.target_id == str(personas.employee.pk)
    assert event.ip == "127.0.0.1"


def test_people_who_left_are_hidden_from_colleagues_but_not_from_hr_in_scope(personas):
    personas.peer.status = Status.LEFT
    personas.peer.save()
    assert_not_found(client_for(personas.employee.user).get(f"/api/v1/employees/{personas.peer.pk}"))
    assert_not_found(client_for(personas.other_hr).get(f"/api/v1/employees/{personas.peer.pk}"))
    assert read(personas.scoped_hr, personas.peer)["status"] == "left"
    listed = client_for(personas.employee.user).get("/api/v1/employees", {"limit": 200}).json()["items"]
    assert personas.peer.pk not in {item["id"] for item in listed}
    listed = client_for(personas.scoped_hr).get("/api/v1/employees", {"status": "left"}).json()["items"]
    assert [item["id"] for item in listed] == [personas.peer.pk]


# ---- sensitive fields ---------------------------------------------------------------------------


def assert_sensitive_shown(data: dict, employee) -> None:
    assert data["sensitive_included"] is True
    assert data["job_level"] == employee.job_level
    assert data["hire_date"] == employee.hire_date.isoformat()
    assert data["phone"] == employee.phone


def assert_sensitive_hidden(data: dict) -> None:
    assert data["sensitive_included"] is False
    assert all(data[field] is None for field in SENSITIVE)


def test_a_person_sees_her_own_sensitive_fields(personas):
    assert_sensitive_shown(read(personas.employee.user, personas.employee), personas.employee)


def test_her_manager_and_skip_level_manager_see_her_sensitive_fields(personas):
    assert_sensitive_shown(read(personas.manager.user, personas.employee), personas.employee)
    assert_sensitive_shown(read(personas.skip.user, personas.employee), personas.employee)


def test_a_peer_does_not_see_her_sensitive_fields(personas):
    data = read(personas.peer.user, personas.employee)
    assert data["name"] == personas.employee.name
    assert_sensitive_hidden(data)


def test_a_report_does_not_see_her_managers_sensitive_fields(personas):
    assert_sensitive_hidden(read(personas.employee.user, personas.manager))


def test_hr_in_scope_sees_sensitive_fields_and_hr_of_another_unit_does_not(personas):
    assert_sensitive_shown(read(personas.scoped_hr, personas.employee), personas.employee)
    assert_sensitive_hidden(read(personas.other_hr, personas.employee))


def test_admin_sees_sensitive_fields_and_executive_does_not(personas):
    assert_sensitive_shown(read(personas.admin, personas.employee), personas.employee)
    assert_sensitive_hidden(read(personas.executive, personas.employee))


def test_the_list_applies_the_same_sensitive_rule_to_every_row(personas):
    items = client_for(personas.manager.user).get("/api/v1/employees", {"limit": 200}).json()["items"]
    by_id = {item["id"]: item for item in items}
    assert_sensitive_shown(by_id[personas.employee.pk], personas.employee)
    assert_sensitive_shown(by_id[personas.manager.pk], personas.manager)
    assert_sensitive_hidden(by_id[personas.skip.pk])
    assert_sensitive_hidden(by_id[personas.rnd_head.pk])


# ---- listing: filters and keyset pages ----------------------------------------------------------


def test_search_finds_people_by_name(personas):
    items = client_for(personas.employee.user).get("/api/v1/employees", {"q": "Ming"}).json()["items"]
    assert [item["id"] for item in items] == [personas.employee.pk]


def test_the_department_filter_covers_the_whole_subtree(personas):
    items = client_for(personas.employee.user).get("/api/v1/employees", {"department": personas.sales.pk}).json()
    ids = {item["id"] for item in items["items"]}
    assert {personas.skip.pk, personas.manager.pk, personas.employee.pk, personas.peer.pk} <= ids
    assert personas.rnd_head.pk not in ids and personas.ceo.pk not in ids


def test_an_unknown_department_filter_is_refused_with_a_field_error(personas):
    response = client_for(personas.employee.user).get("/api/v1/employees", {"department": 999999})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["department"]


def test_pages_follow_the_cursor_through_everyone_exactly_once(personas):
    client = client_for(personas.admin)
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/employees", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = list(Employee.objects.order_by("employee_number", "id").values_list("id", flat=True))
    assert seen == expected


def test_a_later_page_is_found_by_key_not_by_offset(personas):
    client = client_for(personas.admin)
    first = client.get("/api/v1/employees", {"limit": 2}).json()
    # Someone added earlier in the order must not shift the next page (as OFFSET would).
    make_employee("插队者", personas.east, number="A0000")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/api/v1/employees", {"limit": 2, "cursor": first["next_cursor"]}).json()
    expected = list(Employee.objects.exclude(employee_number="A0000").order_by("employee_number")[2:4])
    assert [item["id"] for item in second["items"]] == [e.pk for e in expected]
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)


def test_a_page_holds_at_most_two_hundred_people(personas):
    response = client_for(personas.admin).get("/api/v1/employees", {"limit": 201})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"limit": ["At most 200."]}


def test_a_tampered_cursor_is_refused(personas):
    client = client_for(personas.admin)
    cursor = client.get("/api/v1/employees", {"limit": 1}).json()["next_cursor"]
    response = client.get("/api/v1/employees", {"cursor": cursor[:-2] + "xx"})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["cursor"]


def test_a_cursor_of_another_list_is_refused(personas):
    client = client_for(personas.admin)
    cursor = client.get("/api/v1/departments", {"limit": 1}).json()["next_cursor"]
    assert client.get("/api/v1/employees", {"cursor": cursor}).status_code == 422


# ---- creating -----------------------------------------------------------------------------------


def test_hr_in_scope_adds_a_person_and_the_addition_is_audited(personas):
    response = client_for(personas.scoped_hr).post(
        "/api/v1/employees",
        new_person(personas, manager=personas.manager.pk, hire_date="2024-05-06", title="销售代表"),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    person = Employee.objects.get(employee_number="N0001")
    assert data["id"] == person.pk
    assert response["Location"] == f"/api/v1/employees/{person.pk}"
    assert response["ETag"] == '"1"'
    assert person.chain == f"{personas.manager.chain}{person.pk}/"
    assert person.hire_date == dt.date(2024, 5, 6)
    event = AuditEvent.objects.get(action="employee.create", target_id=str(person.pk))
    assert event.actor_id == personas.scoped_hr.pk
    assert event.after is not None and event.after["employee_number"] == "N0001"


def test_hr_of_another_unit_cannot_add_a_person_to_this_unit(personas):
    response = client_for(personas.other_hr).post(
        "/api/v1/employees", new_person(personas), content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not Employee.objects.filter(employee_number="N0001").exists()


def test_people_without_hr_rights_cannot_add_anyone(personas):
    for user in (personas.manager.user, personas.employee.user, personas.executive, personas.outsider):
        response = client_for(user).post("/api/v1/employees", new_person(personas), content_type="application/json")
        assert_not_found(response)
    assert not Employee.objects.filter(employee_number="N0001").exists()


def test_a_duplicate_employee_number_is_refused_with_a_field_error(personas):
    response = client_for(personas.scoped_hr).post(
        "/api/v1/employees",
        new_person(personas, employee_number=personas.peer.employee_number),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["employee_number"]


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(personas):
    response = client_for(personas.scoped_hr).post(
        "/api/v1/employees",
        {"name": "", "department": "sales", "email": "not-an-email", "status": "retired", "hire_date": "31/12/2024"},
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields["employee_number"] == ["Required."]
    assert fields["name"] == ["Required."]
    assert fields["department"] == ["Enter a whole number."]
    assert fields["email"] == ["Enter a valid email address."]
    assert fields["status"] == ["Not one of the allowed values."]
    assert fields["hire_date"] == ["Enter a date as YYYY-MM-DD."]
    assert not AuditEvent.objects.filter(action="employee.create").exists()


@pytest.mark.parametrize(
    "field, value",
    [("id", 4242), ("version", 7), ("chain", "/1/"), ("user", 1), ("created_at", "2020-01-01T00:00:00Z")],
)
def test_creating_refuses_server_owned_fields(personas, field, value):
    response = client_for(personas.scoped_hr).post(
        "/api/v1/employees", new_person(personas, **{field: value}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {field: ["This field cannot be set."]}
    assert not Employee.objects.filter(employee_number="N0001").exists()


# ---- changing -----------------------------------------------------------------------------------


def test_hr_in_scope_changes_a_person_with_the_etag_she_read(personas):
    client = client_for(personas.scoped_hr)
    etag = client.get(f"/api/v1/employees/{personas.employee.pk}")["ETag"]
    assert etag == f'"{personas.employee.version}"'
    response = client.patch(
        f"/api/v1/employees/{personas.employee.pk}",
        {"title": "高级销售", "status": "on_leave"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{personas.employee.version + 1}"'
    personas.employee.refresh_from_db()
    assert (personas.employee.title, personas.employee.status) == ("高级销售", Status.ON_LEAVE)
    assert personas.employee.name == "王小明", "fields not sent stay as they were"


def test_every_change_is_audited_with_before_and_after(personas):
    patch(personas.scoped_hr, personas.employee, {"title": "高级销售"})
    event = AuditEvent.objects.get(action="employee.update", target_id=str(personas.employee.pk))
    assert event.actor_id == personas.scoped_hr.pk
    assert event.before is not None and event.after is not None
    assert event.before["title"] == "" and event.after["title"] == "高级销售"
    assert event.ip == "127.0.0.1"


def test_a_new_manager_rechains_her_and_her_reports(personas):
    response = patch(personas.admin, personas.manager, {"manager": personas.ceo.pk})
    assert response.status_code == 200, response.content
    personas.employee.refresh_from_db()
    assert personas.employee.chain == f"/{personas.ceo.pk}/{personas.manager.pk}/{personas.employee.pk}/"


def test_a_reporting_loop_is_refused(personas):
    response = patch(personas.admin, personas.manager, {"manager": personas.employee.pk})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "cycle"
    assert list(response.json()["error"]["fields"]) == ["manager"]


def test_a_stale_etag_is_refused_with_412_and_nothing_changes(personas):
    first = patch(personas.scoped_hr, personas.employee, {"title": "甲"}, if_match='"1"')
    assert first.status_code == 200
    second = patch(personas.scoped_hr, personas.employee, {"title": "乙"}, if_match='"1"')
    assert second.status_code == 412
    assert second.json()["error"]["code"] == "stale"
    personas.employee.refresh_from_db()
    assert personas.employee.title == "甲"
    assert AuditEvent.objects.filter(action="employee.update").count() == 1


def test_a_change_without_if_match_is_refused_with_428(personas):
    response = client_for(personas.scoped_hr).patch(
        f"/api/v1/employees/{personas.employee.pk}", {"title": "甲"}, content_type="application/json"
    )
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"
    personas.employee.refresh_from_db()
    assert personas.employee.title == ""


def test_a_wildcard_or_weak_if_match_does_not_pass_for_a_version(personas):
    assert patch(personas.scoped_hr, personas.employee, {"title": "甲"}, if_match="*").status_code == 428
    assert patch(personas.scoped_hr, personas.employee, {"title": "甲"}, if_match='W/"1"').status_code == 412


def test_hr_of_another_unit_cannot_change_a_person(personas):
    assert_not_found(patch(personas.other_hr, personas.employee, {"title": "甲"}))
    personas.employee.refresh_from_db()
    assert personas.employee.title == ""


def test_only_hr_in_scope_and_admins_may_change_a_person(personas):
    assert patch(personas.scoped_hr, personas.employee, {"title": "甲"}).status_code == 200
    personas.employee.refresh_from_db()
    assert patch(personas.admin, personas.employee, {"title": "乙"}).status_code == 200
    for user in (personas.other_hr, personas.manager.user, personas.employee.user, personas.executive):
        assert_not_found(patch(user, personas.employee, {"title": "丙"}))
    personas.employee.refresh_from_db()
    assert personas.employee.title == "乙"


def test_hr_cannot_move_a_person_out_of_her_scope(personas):
    response = patch(personas.scoped_hr, personas.employee, {"department": personas.rnd.pk})
    assert response.status_code == 404
    personas.employee.refresh_from_db()
    assert personas.employee.department_id == personas.east.pk


@pytest.mark.parametrize(
    "field, value", [("id", 4242), ("version", 9), ("chain", "/1/"), ("user", 1), ("updated_at", "2020-01-01")]
)
def test_changing_refuses_server_owned_fields(personas, field, value):
    before = Employee.objects.values().get(pk=personas.employee.pk)
    response = patch(personas.scoped_hr, personas.employee, {"title": "甲", field: value})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {field: ["This field cannot be set."]}
    assert Employee.objects.values().get(pk=personas.employee.pk) == before
    assert not AuditEvent.objects.filter(action="employee.update").exists()


def test_null_is_refused_for_fields_that_cannot_be_empty_and_clears_those_that_can(personas):
    refused = patch(personas.scoped_hr, personas.employee, {"name": None})
    assert refused.status_code == 422
    assert list(refused.json()["error"]["fields"]) == ["name"]
    cleared = patch(personas.scoped_hr, personas.employee, {"hire_date": None})
    assert cleared.status_code == 200
    personas.employee.refresh_from_db()
    assert personas.employee.hire_date is None
