"""The goals endpoints: periods, objectives, key results, check-ins and goal plans, behind the pages' gate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.goals.models import CheckIn, GoalPlan, KeyResult, Objective, Period
from jixiao.goals.testing import make_objective, make_period

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"


@dataclass
class World:
    year: Period
    q1: Period
    company: Objective
    sales: Objective
    mine: Objective
    private: Objective


@pytest.fixture
def world(personas) -> World:
    admin = personas.admin
    year = make_period(admin, "FY2027")
    q1 = make_period(
        admin, "FY2027 Q1", kind=Period.Kind.QUARTER, start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31), parent=year
    )
    company = make_objective(admin, year, title="成为华东地区市场份额第一的企业")
    sales = make_objective(
        personas.skip.user, year, department=personas.sales, parent=company, title="销售额增长30%", key_results=[]
    )
    mine = make_objective(
        personas.employee.user, year, employee=personas.employee, parent=sales, weight=60, key_results=[(0, 100)]
    )
    private = make_objective(
        personas.employee.user, year, employee=personas.employee, weight=40, visibility="private", title="个人成长计划"
    )
    return World(year, q1, company, sales, mine, private)


def body_of(objective: Objective, **changes) -> dict:
    return {"title": objective.title, **changes}


def patch(user, objective: Objective, body: dict, *, if_match: str | None = "current"):
    headers = {}
    if if_match == "current":
        headers["If-Match"] = f'"{Objective.objects.get(pk=objective.pk).version}"'
    elif if_match is not None:
        headers["If-Match"] = if_match
    return client_for(user).patch(
        f"/api/v1/objectives/{objective.pk}", body, content_type="application/json", headers=headers
    )


# ---- periods ------------------------------------------------------------------------------------


def test_everyone_in_the_company_lists_periods_and_the_current_one_by_date(personas, world):
    items = client_for(personas.employee.user).get("/api/v1/periods").json()["items"]
    assert [p["name"] for p in items] == ["FY2027", "FY2027 Q1"]
    assert items[1]["parent"] == world.year.pk and items[1]["kind"] == "quarter"
    inside = client_for(personas.employee.user).get("/api/v1/periods", {"on": "2027-05-01"}).json()["items"]
    assert [p["name"] for p in inside] == ["FY2027"]


def test_an_outsider_sees_no_periods(personas, world):
    assert client_for(personas.outsider).get("/api/v1/periods").json() == {"items": [], "next_cursor": None}


# ---- reading objectives: the gate ---------------------------------------------------------------


def test_an_employee_lists_public_objectives_and_her_own_private_one(personas, world):
    items = client_for(personas.employee.user).get("/api/v1/objectives").json()["items"]
    assert {o["id"] for o in items} == {world.company.pk, world.sales.pk, world.mine.pk, world.private.pk}
    mine = next(o for o in items if o["id"] == world.mine.pk)
    assert mine["owner_type"] == "person" and mine["employee"] == personas.employee.pk
    assert mine["parent"] == world.sales.pk
    assert mine["path"] == f"/{world.company.pk}/{world.sales.pk}/{world.mine.pk}/"
    assert mine["weight"] == "60" and mine["progress"] == "0"
    assert mine["key_results"][0]["target"] == "100"


def test_a_peer_does_not_list_a_private_objective_and_gets_404_on_it(personas, world):
    client = client_for(personas.peer.user)
    ids = {o["id"] for o in client.get("/api/v1/objectives").json()["items"]}
    assert world.private.pk not in ids and world.mine.pk in ids
    missing = client.get("/api/v1/objectives/999999")
    hidden = client.get(f"/api/v1/objectives/{world.private.pk}")
    assert_not_found(hidden)
    assert hidden.content == missing.content
    assert AuditEvent.objects.filter(action="access.denied", target_id=str(world.private.pk)).exists()


def test_her_manager_and_hr_in_scope_read_the_private_objective_but_hr_of_another_unit_does_not(personas, world):
    for user in (personas.manager.user, personas.skip.user, personas.scoped_hr, personas.admin, personas.executive):
        response = client_for(user).get(f"/api/v1/objectives/{world.private.pk}")
        assert response.status_code == 200, user
    assert_not_found(client_for(personas.other_hr).get(f"/api/v1/objectives/{world.private.pk}"))


def test_an_outsider_lists_no_objectives(personas, world):
    assert client_for(personas.outsider).get("/api/v1/objectives").json() == {"items": [], "next_cursor": None}


def test_reading_an_objective_sends_its_version_as_etag(personas, world):
    response = client_for(personas.employee.user).get(f"/api/v1/objectives/{world.mine.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["owner_name"] == str(personas.employee)


def test_filters_by_owner_type_employee_department_parent_and_period(personas, world):
    client = client_for(personas.manager.user)

    def ids(**params) -> set[int]:
        return {o["id"] for o in client.get("/api/v1/objectives", params).json()["items"]}

    assert ids(owner_type="company") == {world.company.pk}
    assert ids(employee=personas.employee.pk) == {world.mine.pk, world.private.pk}
    assert ids(department=personas.sales.pk) == {world.sales.pk}
    assert ids(parent=world.sales.pk) == {world.mine.pk}
    assert ids(period=world.q1.pk) == set()
    assert client.get("/api/v1/objectives", {"owner_type": "team"}).status_code == 422


def test_the_list_pages_by_keyset_and_refuses_a_tampered_cursor(personas, world):
    client = client_for(personas.employee.user)
    first = client.get("/api/v1/objectives", {"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = client.get("/api/v1/objectives", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [o["id"] for o in second["items"]] == [world.private.pk]
    assert second["next_cursor"] is None
    bad = client.get("/api/v1/objectives", {"cursor": first["next_cursor"] + "x"})
    assert bad.status_code == 422
    assert "cursor" in bad.json()["error"]["fields"]


# ---- writing objectives -------------------------------------------------------------------------


def new_objective(personas, world, **extra) -> dict:
    return {
        "period": world.year.pk,
        "owner_type": "person",
        "employee": personas.employee.pk,
        "title": "华东区新客户签约数达到40家",
        "weight": 0,
        "parent": world.sales.pk,
        "key_results": [
            {"title": "新签客户", "start": 0, "target": 40, "stretch": 50},
            {"title": "完成行业白皮书", "unit": "milestone"},
        ],
        **extra,
    }


def test_an_employee_writes_an_objective_aligned_to_her_departments(personas, world):
    response = client_for(personas.employee.user).post(
        "/api/v1/objectives", new_objective(personas, world), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"/api/v1/objectives/{data['id']}"
    assert data["parent"] == world.sales.pk
    assert data["path"].startswith(world.sales.path)
    assert [kr["title"] for kr in data["key_results"]] == ["新签客户", "完成行业白皮书"]
    assert data["key_results"][1]["target"] == "1"
    assert AuditEvent.objects.filter(action="objective.create", target_id=str(data["id"])).exists()


def test_aligning_to_an_objective_one_cannot_see_is_refused_and_nothing_is_written(personas, world):
    before = Objective.objects.count()
    response = client_for(personas.peer.user).post(
        "/api/v1/objectives",
        new_objective(personas, world, employee=personas.peer.pk, parent=world.private.pk),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "parent" in response.json()["error"]["fields"]
    assert Objective.objects.count() == before


def test_start_equal_to_target_is_a_clear_field_error(personas, world):
    body = new_objective(personas, world, key_results=[{"title": "持平", "start": 5, "target": 5}])
    response = client_for(personas.employee.user).post("/api/v1/objectives", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["key_results.0.target"] == [
        "Start and target must differ, or there is nothing to measure."
    ]


def test_a_peer_cannot_write_goals_for_her_colleague(personas, world):
    response = client_for(personas.peer.user).post(
        "/api/v1/objectives", new_objective(personas, world), content_type="application/json"
    )
    assert_not_found(response)


def test_an_outsider_cannot_write_objectives(personas, world):
    response = client_for(personas.outsider).post(
        "/api/v1/objectives", new_objective(personas, world), content_type="application/json"
    )
    assert_not_found(response)


@pytest.mark.parametrize("field", ["id", "progress", "path", "version", "confidence", "created_by"])
def test_server_owned_fields_cannot_be_sent_when_creating(personas, world, field):
    body = new_objective(personas, world, **{field: 1})
    response = client_for(personas.employee.user).post("/api/v1/objectives", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {field: ["This field cannot be set."]}


def test_a_key_results_id_progress_and_current_value_cannot_be_sent(personas, world):
    key_result = {"title": "x", "target": 3, "current": 2, "progress": 1, "id": 7}
    body = new_objective(personas, world, key_results=[key_result])
    response = client_for(personas.employee.user).post("/api/v1/objectives", body, content_type="application/json")
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {
        "key_results.0.current",
        "key_results.0.progress",
        "key_results.0.id",
    }


def test_patch_changes_the_fields_sent_and_answers_the_new_etag(personas, world):
    response = patch(personas.employee.user, world.mine, {"title": "华东区销售额同比增长30%", "due_date": "2027-06-30"})
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    data = response.json()
    assert data["title"] == "华东区销售额同比增长30%" and data["due_date"] == "2027-06-30"
    assert data["parent"] == world.sales.pk and data["weight"] == "60"
    assert len(data["key_results"]) == 1


def test_patch_with_key_results_keeps_those_with_an_id_and_adds_the_others(personas, world):
    kr = world.mine.key_results.get()
    body = {
        "key_results": [{"key_result": kr.pk, "title": "改名的关键结果", "target": 120}, {"title": "新增", "target": 8}]
    }
    data = patch(personas.employee.user, world.mine, body).json()
    assert [k["title"] for k in data["key_results"]] == ["改名的关键结果", "新增"]
    assert data["key_results"][0]["id"] == kr.pk
    assert KeyResult.objects.filter(objective=world.mine).count() == 2


def test_patch_with_a_stale_if_match_is_refused_with_412_and_nothing_changes(personas, world):
    response = patch(personas.employee.user, world.mine, {"title": "新标题新标题新标题"}, if_match='"7"')
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "stale"
    assert Objective.objects.get(pk=world.mine.pk).title == world.mine.title


@pytest.mark.parametrize("if_match", [None, "*", ""])
def test_patch_without_if_match_is_refused_with_428(personas, world, if_match):
    response = patch(personas.employee.user, world.mine, {"title": "新标题新标题新标题"}, if_match=if_match)
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"


def test_a_weak_etag_does_not_match(personas, world):
    assert patch(personas.employee.user, world.mine, {"title": "弱标签"}, if_match='W/"1"').status_code == 412


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", 5),
        ("progress", "0.5"),
        ("path", "/1/"),
        ("version", 9),
        ("employee", 1),
        ("period", 1),
        ("owner_type", "company"),
        ("department", 1),
    ],
)
def test_patch_refuses_server_owned_and_fixed_fields_with_422(personas, world, field, value):
    response = patch(personas.employee.user, world.mine, {field: value})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {field: ["This field cannot be set."]}
    assert Objective.objects.get(pk=world.mine.pk).version == 1


def test_patch_refuses_null_for_a_title(personas, world):
    response = patch(personas.employee.user, world.mine, {"title": None})
    assert response.status_code == 422
    assert "title" in response.json()["error"]["fields"]


def test_a_peer_cannot_change_her_colleagues_public_objective(personas, world):
    assert_not_found(patch(personas.peer.user, world.mine, {"title": "别人的目标别人的目标"}))


def test_changing_approved_goals_needs_a_reason(personas, world):
    GoalPlan.objects.filter(employee=personas.employee, period=world.year).update(state=GoalPlan.State.APPROVED)
    refused = patch(personas.employee.user, world.mine, {"weight": 50})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "reason_required"
    assert "reason" in refused.json()["error"]["fields"]
    accepted = patch(personas.employee.user, world.mine, {"weight": 50, "reason": "客户调整了预算"})
    assert accepted.status_code == 200
    event = AuditEvent.objects.filter(action="objective.update", target_id=str(world.mine.pk)).latest("pk")
    assert (event.after or {})["reason"] == "客户调整了预算"


def test_delete_needs_if_match_and_removes_the_objective(personas, world):
    client = client_for(personas.employee.user)
    assert client.delete(f"/api/v1/objectives/{world.private.pk}").status_code == 428
    assert client.delete(f"/api/v1/objectives/{world.private.pk}", headers={"If-Match": '"3"'}).status_code == 412
    response = client.delete(f"/api/v1/objectives/{world.private.pk}", headers={"If-Match": '"1"'})
    assert response.status_code == 204
    assert not Objective.objects.filter(pk=world.private.pk).exists()


def test_an_objective_others_align_to_cannot_be_deleted(personas, world):
    response = client_for(personas.skip.user).delete(
        f"/api/v1/objectives/{world.sales.pk}", headers={"If-Match": '"1"'}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "has_children"


# ---- check-ins ----------------------------------------------------------------------------------


def check_in(user, kr, **body):
    return client_for(user).post(
        f"/api/v1/key-results/{kr.pk}/check-ins",
        {"value": 45, "confidence": "at_risk", "comment": "渠道延迟", **body},
        content_type="application/json",
    )


def test_a_check_in_moves_the_key_result_and_the_objectives_it_aligns_to(personas, world):
    kr = world.mine.key_results.get()
    response = check_in(personas.employee.user, kr)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["value"] == "45" and data["progress"] == "0.45" and data["confidence"] == "at_risk"
    assert data["author_name"] == personas.employee.name
    mine = client_for(personas.employee.user).get(f"/api/v1/objectives/{world.mine.pk}").json()
    assert mine["progress"] == "0.45" and mine["key_results"][0]["current"] == "45"
    assert Objective.objects.get(pk=world.sales.pk).progress == Decimal("0.45")


def test_check_ins_are_listed_oldest_first_with_paging(personas, world):
    kr = world.mine.key_results.get()
    for value in (10, 20, 30):
        check_in(personas.employee.user, kr, value=value, confidence="on_track")
    client = client_for(personas.peer.user)  # a public objective: colleagues may read its history
    first = client.get(f"/api/v1/key-results/{kr.pk}/check-ins", {"limit": 2}).json()
    assert [c["value"] for c in first["items"]] == ["10", "20"]
    rest = client.get(f"/api/v1/key-results/{kr.pk}/check-ins", {"cursor": first["next_cursor"]}).json()
    assert [c["value"] for c in rest["items"]] == ["30"] and rest["next_cursor"] is None


def test_a_peer_cannot_check_in_on_her_colleagues_key_result_nor_read_a_private_one(personas, world):
    assert_not_found(check_in(personas.peer.user, world.mine.key_results.get()))
    private_kr = world.private.key_results.get()
    assert_not_found(client_for(personas.peer.user).get(f"/api/v1/key-results/{private_kr.pk}/check-ins"))
    assert not CheckIn.objects.exists()


def test_a_check_in_with_an_unknown_confidence_is_422(personas, world):
    response = check_in(personas.employee.user, world.mine.key_results.get(), confidence="great")
    assert response.status_code == 422
    assert "confidence" in response.json()["error"]["fields"]


# ---- goal plans ---------------------------------------------------------------------------------


def plan_url(personas, world, action: str = "") -> str:
    return f"/api/v1/goal-plans/{personas.employee.pk}/{world.year.pk}" + (f"/{action}" if action else "")


def test_the_plan_lists_her_objectives_and_their_total_weight(personas, world):
    response = client_for(personas.manager.user).get(plan_url(personas, world))
    assert response.status_code == 200
    data = response.json()
    assert data["state"] == "draft" and data["weight_total"] == "100"
    assert {o["id"] for o in data["objectives"]} == {world.mine.pk, world.private.pk}


def test_a_peer_cannot_read_her_colleagues_plan(personas, world):
    assert_not_found(client_for(personas.peer.user).get(plan_url(personas, world)))


def test_submit_then_her_manager_approves(personas, world):
    submitted = client_for(personas.employee.user).post(plan_url(personas, world, "submit"))
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    approved = client_for(personas.manager.user).post(
        plan_url(personas, world, "approve"), {"comment": "很好"}, content_type="application/json"
    )
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"
    assert approved["ETag"] == f'"{GoalPlan.objects.get(employee=personas.employee).version}"'


def test_she_cannot_approve_her_own_goals(personas, world):
    client_for(personas.employee.user).post(plan_url(personas, world, "submit"))
    response = client_for(personas.employee.user).post(
        plan_url(personas, world, "approve"), {}, content_type="application/json"
    )
    assert_not_found(response)


def test_returning_needs_a_comment_and_then_she_can_submit_again(personas, world):
    client_for(personas.employee.user).post(plan_url(personas, world, "submit"))
    manager = client_for(personas.manager.user)
    refused = manager.post(plan_url(personas, world, "return"), {}, content_type="application/json")
    assert refused.status_code == 400 and "comment" in refused.json()["error"]["fields"]
    returned = manager.post(
        plan_url(personas, world, "return"), {"comment": "请补充关键结果"}, content_type="application/json"
    )
    assert returned.json()["state"] == "returned" and returned.json()["comment"] == "请补充关键结果"
    again = client_for(personas.employee.user).post(plan_url(personas, world, "submit"))
    assert again.json()["state"] == "submitted"


def test_weights_that_do_not_add_up_to_100_cannot_be_submitted(personas, world):
    Objective.objects.filter(pk=world.private.pk).update(weight=10)
    response = client_for(personas.employee.user).post(plan_url(personas, world, "submit"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "weights_total"


def test_a_stale_if_match_on_a_plan_action_is_412(personas, world):
    client_for(personas.employee.user).post(plan_url(personas, world, "submit"))
    response = client_for(personas.manager.user).post(
        plan_url(personas, world, "approve"), {}, content_type="application/json", headers={"If-Match": '"1"'}
    )
    assert response.status_code == 412
    assert GoalPlan.objects.get(employee=personas.employee).state == GoalPlan.State.SUBMITTED


def test_approving_a_draft_names_the_state(personas, world):
    response = client_for(personas.manager.user).post(
        plan_url(personas, world, "approve"), {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "illegal_transition"


# ---- the OpenAPI document and query counts ------------------------------------------------------


def test_the_openapi_document_lists_the_goals_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/periods",
        "/api/v1/objectives",
        "/api/v1/objectives/{objective_id}",
        "/api/v1/key-results/{key_result_id}/check-ins",
        "/api/v1/goal-plans/{employee_id}/{period_id}",
        "/api/v1/goal-plans/{employee_id}/{period_id}/submit",
        "/api/v1/goal-plans/{employee_id}/{period_id}/approve",
        "/api/v1/goal-plans/{employee_id}/{period_id}/return",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/objectives/{objective_id}"]) == {"get", "patch", "delete"}


def grow_objectives(personas, world, count: int) -> None:
    """`count` more person objectives with two key results each, set-based."""
    rows = Objective.objects.bulk_create(
        [
            Objective(
                period=world.year,
                owner_type="person",
                employee=personas.peer,
                title=f"目标{i}",
                parent=world.sales,
                weight=1,
            )
            for i in range(count)
        ]
    )
    for row in rows:
        row.path = f"{world.sales.path}{row.pk}/"
    Objective.objects.bulk_update(rows, ["path"])
    KeyResult.objects.bulk_create(
        [KeyResult(objective=row, title=f"KR{i}", target=10, position=i) for row in rows for i in range(2)]
    )


def signed_in(user) -> Client:
    client = client_for(user)
    client.get("/api/v1/me")  # settle the session's first-request bookkeeping before counting
    return client


# The session, the user, the caller's place and HR scopes (actor_context), the page, its key results.
OBJECTIVE_LIST_QUERIES = 6
# The same, the key result through the gate, the page and its authors (no objective rows: 5 + 3).
CHECK_IN_LIST_QUERIES = 7


@pytest.mark.parametrize("count", [3, 30])
def test_the_objective_list_runs_the_same_queries_for_3_and_30_rows(personas, world, django_assert_num_queries, count):
    grow_objectives(personas, world, count)
    for user in (personas.employee.user, personas.scoped_hr, personas.admin):
        client = signed_in(user)
        with django_assert_num_queries(OBJECTIVE_LIST_QUERIES):
            response = client.get("/api/v1/objectives", {"limit": 200})
        assert len(response.json()["items"]) >= count


@pytest.mark.parametrize("count", [3, 30])
def test_the_check_in_list_runs_the_same_queries_for_3_and_30_rows(personas, world, django_assert_num_queries, count):
    kr = world.mine.key_results.get()
    CheckIn.objects.bulk_create(
        [
            CheckIn(key_result=kr, value=i, confidence="on_track", author=personas.employee.user if i % 2 else None)
            for i in range(count)
        ]
    )
    client = signed_in(personas.manager.user)
    with django_assert_num_queries(CHECK_IN_LIST_QUERIES):
        response = client.get(f"/api/v1/key-results/{kr.pk}/check-ins", {"limit": 200})
    assert len(response.json()["items"]) == count


@pytest.mark.parametrize("count", [3, 30])
def test_the_period_list_runs_the_same_queries_for_3_and_30_rows(personas, world, django_assert_num_queries, count):
    Period.objects.bulk_create(
        [
            Period(name=f"2027-M{i}", kind="custom", start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 2))
            for i in range(count)
        ]
    )
    client = signed_in(personas.employee.user)
    with django_assert_num_queries(5):
        response = client.get("/api/v1/periods", {"limit": 200})
    assert len(response.json()["items"]) == count + 2
