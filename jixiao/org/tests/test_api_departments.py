"""The department endpoints: who reads and changes which unit, ETag / If-Match, mass assignment, audit."""

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.org.models import Department

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def patch(user, department, body: dict, *, if_match: str | None = None):
    headers = {"If-Match": if_match if if_match is not None else f'"{department.version}"'}
    return client_for(user).patch(
        f"/api/v1/departments/{department.pk}", body, content_type="application/json", headers=headers
    )


def create(user, body: dict):
    return client_for(user).post("/api/v1/departments", body, content_type="application/json")


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"


def test_everyone_in_the_company_reads_the_department_tree(personas):
    for user in (personas.employee.user, personas.other_hr, personas.executive, personas.admin):
        response = client_for(user).get(f"/api/v1/departments/{personas.east.pk}")
        assert response.status_code == 200
        data = response.json()
        assert (data["name"], data["parent"], data["path"]) == ("华东区", personas.sales.pk, personas.east.path)
        assert response["ETag"] == '"1"'


def test_an_outsider_sees_no_department_and_gets_the_same_404_as_for_a_missing_one(personas):
    client = client_for(personas.outsider)
    existing = client.get(f"/api/v1/departments/{personas.east.pk}")
    missing = client.get("/api/v1/departments/999999")
    assert_not_found(existing)
    assert existing.content == missing.content
    assert client.get("/api/v1/departments").json() == {"items": [], "next_cursor": None}


def test_the_list_pages_through_every_department_by_id(personas):
    client = client_for(personas.employee.user)
    first = client.get("/api/v1/departments", {"limit": 3}).json()
    second = client.get("/api/v1/departments", {"limit": 3, "cursor": first["next_cursor"]}).json()
    ids = [d["id"] for d in first["items"] + second["items"]]
    assert ids == list(Department.objects.order_by("id").values_list("id", flat=True))
    assert second["next_cursor"] is None


def test_the_list_filters_by_name_and_parent(personas):
    client = client_for(personas.employee.user)
    assert [d["id"] for d in client.get("/api/v1/departments", {"q": "east"}).json()["items"]] == [personas.east.pk]
    children = client.get("/api/v1/departments", {"parent": personas.root.pk}).json()["items"]
    assert {d["id"] for d in children} == {personas.sales.pk, personas.rnd.pk}


def test_hr_adds_a_department_inside_her_scope_and_it_is_audited(personas):
    response = create(personas.scoped_hr, {"name": "华南区", "name_en": "South China", "parent": personas.sales.pk})
    assert response.status_code == 201, response.content
    department = Department.objects.get(name="华南区")
    assert response["Location"] == f"/api/v1/departments/{department.pk}"
    assert department.path == f"{personas.sales.path}{department.pk}/"
    event = AuditEvent.objects.get(action="department.create", target_id=str(department.pk))
    assert event.actor_id == personas.scoped_hr.pk


def test_hr_cannot_add_a_department_outside_her_scope(personas):
    assert_not_found(create(personas.scoped_hr, {"name": "测试组", "parent": personas.rnd.pk}))
    assert not Department.objects.filter(name="测试组").exists()


def test_only_an_administrator_adds_a_top_level_department(personas):
    refused = create(personas.scoped_hr, {"name": "海外"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "forbidden"
    assert create(personas.admin, {"name": "海外"}).status_code == 201


def test_people_without_hr_rights_cannot_add_a_department(personas):
    for user in (personas.manager.user, personas.employee.user, personas.executive, personas.outsider):
        assert_not_found(create(user, {"name": "测试组", "parent": personas.east.pk}))
    assert not Department.objects.filter(name="测试组").exists()


def test_a_sibling_with_the_same_name_is_refused(personas):
    response = create(personas.scoped_hr, {"name": "华东区", "parent": personas.sales.pk})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["name"]


def test_an_unknown_parent_is_refused_with_a_field_error(personas):
    response = create(personas.scoped_hr, {"name": "测试组", "parent": 999999})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["parent"]


@pytest.mark.parametrize(
    "field, value", [("id", 4242), ("path", "/1/"), ("depth", 0), ("version", 5), ("created_at", "2020-01-01")]
)
def test_creating_refuses_server_owned_fields(personas, field, value):
    response = create(personas.scoped_hr, {"name": "测试组", "parent": personas.sales.pk, field: value})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {field: ["This field cannot be set."]}
    assert not Department.objects.filter(name="测试组").exists()


def test_hr_in_scope_renames_a_department_with_the_etag_she_read_and_it_is_audited(personas):
    response = patch(personas.scoped_hr, personas.east, {"name": "华东大区", "head": personas.employee.pk})
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    personas.east.refresh_from_db()
    assert (personas.east.name, personas.east.head_id) == ("华东大区", personas.employee.pk)
    event = AuditEvent.objects.get(action="department.update", target_id=str(personas.east.pk))
    assert event.before is not None and event.after is not None
    assert (event.before["name"], event.after["name"]) == ("华东区", "华东大区")


def test_hr_of_another_unit_cannot_change_a_department(personas):
    assert_not_found(patch(personas.other_hr, personas.east, {"name": "改名"}))
    for user in (personas.manager.user, personas.employee.user, personas.executive):
        assert_not_found(patch(user, personas.east, {"name": "改名"}))
    personas.east.refresh_from_db()
    assert personas.east.name == "华东区"


def test_moving_a_department_repaths_its_subtree(personas):
    team = Department.objects.create(name="一组", parent=personas.east, path="", depth=3)
    team.path = f"{personas.east.path}{team.pk}/"
    team.save()
    response = patch(personas.admin, personas.east, {"parent": personas.rnd.pk})
    assert response.status_code == 200, response.content
    team.refresh_from_db()
    assert team.path == f"{personas.rnd.path}{personas.east.pk}/{team.pk}/"


def test_hr_cannot_move_a_department_out_of_her_scope(personas):
    assert_not_found(patch(personas.scoped_hr, personas.east, {"parent": personas.rnd.pk}))
    personas.east.refresh_from_db()
    assert personas.east.parent_id == personas.sales.pk


def test_a_department_cannot_move_under_itself(personas):
    response = patch(personas.admin, personas.sales, {"parent": personas.east.pk})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "cycle"


def test_a_stale_etag_is_refused_with_412(personas):
    assert patch(personas.scoped_hr, personas.east, {"name": "甲"}, if_match='"1"').status_code == 200
    stale = patch(personas.scoped_hr, personas.east, {"name": "乙"}, if_match='"1"')
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "stale"
    personas.east.refresh_from_db()
    assert personas.east.name == "甲"


def test_a_change_without_if_match_is_refused_with_428(personas):
    response = client_for(personas.scoped_hr).patch(
        f"/api/v1/departments/{personas.east.pk}", {"name": "甲"}, content_type="application/json"
    )
    assert response.status_code == 428
    personas.east.refresh_from_db()
    assert personas.east.name == "华东区"


@pytest.mark.parametrize("field, value", [("id", 4242), ("path", "/1/"), ("depth", 0), ("version", 5)])
def test_changing_refuses_server_owned_fields(personas, field, value):
    before = Department.objects.values().get(pk=personas.east.pk)
    response = patch(personas.scoped_hr, personas.east, {"name": "甲", field: value})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {field: ["This field cannot be set."]}
    assert Department.objects.values().get(pk=personas.east.pk) == before
    assert not AuditEvent.objects.filter(action="department.update").exists()
