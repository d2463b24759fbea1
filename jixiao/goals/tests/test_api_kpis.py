"""The KPI endpoints: the library, targets (gate, ETag/If-Match, mass assignment) and batches of actuals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.goals.models import BusinessArea, Indicator, KPIActual, KPITarget, Period
from jixiao.goals.schemas import MAX_ACTUALS_PER_REQUEST
from jixiao.goals.testing import make_indicator, make_kpi_target, make_period

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"


@dataclass
class Kpis:
    year: Period
    revenue: Indicator
    complaints: Indicator
    mine: KPITarget
    peers: KPITarget
    east: KPITarget


@pytest.fixture
def kpis(personas) -> Kpis:
    admin = personas.admin
    year = make_period(admin, "FY2027")
    revenue = make_indicator(admin, code="S01", name="销售额", aggregation="sum")
    service = BusinessArea.objects.create(name="客户服务", name_en="Customer service", position=2)
    complaints = make_indicator(admin, code="C01", name="投诉率", direction="decrease", area=service)
    mine = make_kpi_target(admin, revenue, year, employee=personas.employee, baseline=0, target=1000, weight=60)
    peers = make_kpi_target(admin, revenue, year, employee=personas.peer, baseline=0, target=800, weight=60)
    east = make_kpi_target(admin, complaints, year, department=personas.east, baseline=10, target=5)
    return Kpis(year, revenue, complaints, mine, peers, east)


def post_actuals(user, items: list[dict]):
    return client_for(user).post("/api/v1/kpi-actuals", {"items": items}, content_type="application/json")


# ---- the library --------------------------------------------------------------------------------


def test_everyone_in_the_company_reads_the_kpi_library(personas, kpis):
    items = client_for(personas.employee.user).get("/api/v1/kpis").json()["items"]
    assert [(k["code"], k["area_name"]) for k in items] == [("S01", "销售"), ("C01", "客户服务")]
    assert items[1]["direction"] == "decrease"


def test_the_library_filters_by_area_and_search(personas, kpis):
    client = client_for(personas.employee.user)
    by_area = client.get("/api/v1/kpis", {"area": kpis.complaints.area_id}).json()["items"]
    assert [k["code"] for k in by_area] == ["C01"]
    assert [k["code"] for k in client.get("/api/v1/kpis", {"q": "销售"}).json()["items"]] == ["S01"]


def test_an_outsider_sees_an_empty_library_and_no_targets(personas, kpis):
    client = client_for(personas.outsider)
    assert client.get("/api/v1/kpis").json() == {"items": [], "next_cursor": None}
    assert client.get("/api/v1/kpi-targets").json() == {"items": [], "next_cursor": None}


# ---- targets: who sees what ---------------------------------------------------------------------


def listed(user, **params) -> set[int]:
    return {t["id"] for t in client_for(user).get("/api/v1/kpi-targets", params).json()["items"]}


def test_she_sees_her_own_and_her_departments_targets_but_not_her_peers(personas, kpis):
    assert listed(personas.employee.user) == {kpis.mine.pk, kpis.east.pk}
    assert_not_found(client_for(personas.employee.user).get(f"/api/v1/kpi-targets/{kpis.peers.pk}"))


def test_her_manager_and_hr_in_scope_see_the_teams_targets_and_hr_of_another_unit_does_not(personas, kpis):
    everything = {kpis.mine.pk, kpis.peers.pk, kpis.east.pk}
    assert listed(personas.manager.user) == everything
    assert listed(personas.scoped_hr) == everything
    assert listed(personas.other_hr) == set()


def test_targets_filter_by_employee_department_indicator_and_period(personas, kpis):
    manager = personas.manager.user
    assert listed(manager, employee=personas.peer.pk) == {kpis.peers.pk}
    assert listed(manager, department=personas.east.pk) == {kpis.east.pk}
    assert listed(manager, indicator=kpis.complaints.pk) == {kpis.east.pk}
    assert listed(manager, period=kpis.year.pk + 100) == set()


def test_reading_a_target_answers_its_numbers_and_etag(personas, kpis):
    response = client_for(personas.employee.user).get(f"/api/v1/kpi-targets/{kpis.mine.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    data = response.json()
    assert data["indicator_code"] == "S01" and data["target"] == "1000" and data["weight"] == "60"
    assert data["actual"] is None and data["attainment"] is None


# ---- targets: writing ---------------------------------------------------------------------------


def new_target(personas, kpis, **extra) -> dict:
    return {
        "indicator": kpis.complaints.pk,
        "period": kpis.year.pk,
        "employee": personas.employee.pk,
        "baseline": 8,
        "target": 4,
        "stretch": 2,
        "weight": 40,
        **extra,
    }


def test_her_manager_assigns_her_a_kpi(personas, kpis):
    response = client_for(personas.manager.user).post(
        "/api/v1/kpi-targets", new_target(personas, kpis), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"] == f"/api/v1/kpi-targets/{data['id']}"
    assert data["employee"] == personas.employee.pk and data["stretch"] == "2"
    assert AuditEvent.objects.filter(action="kpi_target.create", target_id=str(data["id"])).exists()


def test_she_cannot_set_her_own_kpi_targets(personas, kpis):
    response = client_for(personas.employee.user).post(
        "/api/v1/kpi-targets", new_target(personas, kpis), content_type="application/json"
    )
    assert_not_found(response)


def test_a_target_on_the_wrong_side_of_the_baseline_is_a_field_error(personas, kpis):
    response = client_for(personas.manager.user).post(
        "/api/v1/kpi-targets", new_target(personas, kpis, target=12, stretch=None), content_type="application/json"
    )
    assert response.status_code == 400
    assert "target" in response.json()["error"]["fields"]


def test_an_unknown_kpi_is_a_field_error(personas, kpis):
    response = client_for(personas.manager.user).post(
        "/api/v1/kpi-targets", new_target(personas, kpis, indicator=99999), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"indicator": ["Not found."]}


@pytest.mark.parametrize("field", ["id", "actual", "attainment", "version", "assignment"])
def test_server_owned_target_fields_cannot_be_sent(personas, kpis, field):
    response = client_for(personas.manager.user).post(
        "/api/v1/kpi-targets", new_target(personas, kpis, **{field: 1}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {field: ["This field cannot be set."]}


def patch_target(user, target, body: dict, headers: dict | None = None):
    return client_for(user).patch(
        f"/api/v1/kpi-targets/{target.pk}", body, content_type="application/json", headers=headers or {}
    )


def test_patching_a_target_needs_if_match_and_changes_only_what_is_sent(personas, kpis):
    manager = personas.manager.user
    assert patch_target(manager, kpis.mine, {"target": 1200}).status_code == 428
    stale = patch_target(manager, kpis.mine, {"target": 1200}, {"If-Match": '"4"'})
    assert stale.status_code == 412
    response = patch_target(manager, kpis.mine, {"target": 1200}, {"If-Match": '"1"'})
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["target"] == "1200" and response.json()["weight"] == "60"


@pytest.mark.parametrize("field", ["id", "actual", "attainment", "version", "employee", "period", "indicator"])
def test_patching_server_owned_or_fixed_target_fields_is_422(personas, kpis, field):
    response = patch_target(personas.manager.user, kpis.mine, {field: 1}, {"If-Match": '"1"'})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {field: ["This field cannot be set."]}


def test_she_cannot_change_her_own_target(personas, kpis):
    assert_not_found(patch_target(personas.employee.user, kpis.mine, {"target": 1}, {"If-Match": '"1"'}))


# ---- actuals ------------------------------------------------------------------------------------


def test_she_records_actuals_for_her_own_kpi_by_target_id(personas, kpis):
    items = [
        {"target_id": kpis.mine.pk, "measured_on": "2027-01-31", "value": 300},
        {"target_id": kpis.mine.pk, "measured_on": "2027-02-28", "value": "250.5", "note": "二月"},
    ]
    response = post_actuals(personas.employee.user, items)
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0, "total": 2}
    actual = KPIActual.objects.get(measured_on=dt.date(2027, 2, 28))
    assert actual.source == "api" and actual.recorded_by == personas.employee.user and actual.note == "二月"
    target = KPITarget.objects.get(pk=kpis.mine.pk)
    assert target.actual == Decimal("550.5")  # the KPI adds its values up
    assert target.attainment == Decimal("0.5505")


def test_the_same_batch_twice_changes_nothing_and_a_new_value_replaces_the_old(personas, kpis):
    items = [{"target_id": kpis.mine.pk, "measured_on": "2027-01-31", "value": 300}]
    post_actuals(personas.employee.user, items)
    assert post_actuals(personas.employee.user, items).json()["unchanged"] == 1
    items[0]["value"] = 310
    assert post_actuals(personas.employee.user, items).json()["updated"] == 1
    assert KPIActual.objects.get().value == Decimal(310)


def test_targets_can_be_named_by_employee_number_or_department_with_kpi_code_and_period(personas, kpis):
    items = [
        {
            "employee_number": personas.peer.employee_number,
            "kpi_code": "S01",
            "period_id": kpis.year.pk,
            "measured_on": "2027-03-31",
            "value": 400,
        },
        {
            "department_id": personas.east.pk,
            "kpi_code": "C01",
            "period_id": kpis.year.pk,
            "measured_on": "2027-03-31",
            "value": 7.5,
        },
    ]
    response = post_actuals(personas.manager.user, items)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    assert KPITarget.objects.get(pk=kpis.east.pk).attainment == Decimal("0.5")


def test_a_batch_with_any_bad_item_records_nothing_and_names_each_problem(personas, kpis):
    items = [
        {"target_id": kpis.mine.pk, "measured_on": "2027-01-31", "value": 300},
        {"target_id": kpis.mine.pk, "measured_on": "2028-01-31", "value": 300},
        {
            "employee_number": "NOBODY",
            "kpi_code": "S01",
            "period_id": kpis.year.pk,
            "measured_on": "2027-01-31",
            "value": 1,
        },
        {"target_id": 999999, "measured_on": "2027-01-31", "value": 1},
    ]
    response = post_actuals(personas.manager.user, items)
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error["fields"]) == {"items.1.measured_on", "items.2.kpi_code", "items.3.target_id"}
    assert error["message"] == "Nothing was recorded: 3 of 4 values have problems."
    assert not KPIActual.objects.exists()


def test_a_non_numeric_value_is_422_with_the_items_index(personas, kpis):
    items = [
        {"target_id": kpis.mine.pk, "measured_on": "2027-01-31", "value": 1},
        {"target_id": kpis.mine.pk, "measured_on": "2027-01-31", "value": "lots"},
    ]
    response = post_actuals(personas.employee.user, items)
    assert response.status_code == 422
    assert "items.1.value" in response.json()["error"]["fields"]
    assert not KPIActual.objects.exists()


def test_an_item_must_name_its_target_one_way(personas, kpis):
    items = [{"target_id": kpis.mine.pk, "kpi_code": "S01", "measured_on": "2027-01-31", "value": 1}]
    assert post_actuals(personas.employee.user, items).status_code == 422
    assert post_actuals(personas.employee.user, [{"measured_on": "2027-01-31", "value": 1}]).status_code == 422


def test_a_batch_above_5000_items_is_refused(personas, kpis):
    item = {"target_id": kpis.mine.pk, "measured_on": "2027-01-31", "value": 1}
    response = post_actuals(personas.employee.user, [item] * (MAX_ACTUALS_PER_REQUEST + 1))
    assert response.status_code == 422
    assert "items" in response.json()["error"]["fields"]
    assert not KPIActual.objects.exists()


def test_a_peer_cannot_record_actuals_on_her_colleagues_kpi(personas, kpis):
    response = post_actuals(personas.peer.user, [{"target_id": kpis.mine.pk, "measured_on": "2027-01-31", "value": 1}])
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"items.0.target_id": ["KPI target not found."]}


def test_a_department_member_sees_but_cannot_record_her_departments_kpi(personas, kpis):
    item = {"target_id": kpis.east.pk, "measured_on": "2027-01-31", "value": 9}
    assert post_actuals(personas.employee.user, [item]).status_code == 400
    assert post_actuals(personas.manager.user, [item]).status_code == 200


def test_a_batch_writes_one_summary_audit_event(personas, kpis):
    items = [{"target_id": kpis.mine.pk, "measured_on": f"2027-01-{d:02d}", "value": d} for d in range(1, 29)]
    post_actuals(personas.employee.user, items)
    events = AuditEvent.objects.filter(action="kpi_actual.record")
    assert events.count() == 1
    assert (events.get().after or {})["source"] == "api"


def test_actuals_are_listed_by_date_with_paging(personas, kpis):
    items = [{"target_id": kpis.mine.pk, "measured_on": f"2027-0{m}-01", "value": m} for m in (3, 1, 2)]
    post_actuals(personas.employee.user, items)
    client = client_for(personas.manager.user)
    first = client.get(f"/api/v1/kpi-targets/{kpis.mine.pk}/actuals", {"limit": 2}).json()
    assert [a["measured_on"] for a in first["items"]] == ["2027-01-01", "2027-02-01"]
    assert first["items"][0]["source"] == "api"
    rest = client.get(f"/api/v1/kpi-targets/{kpis.mine.pk}/actuals", {"cursor": first["next_cursor"]}).json()
    assert [a["value"] for a in rest["items"]] == ["3"] and rest["next_cursor"] is None
    bad = client.get(f"/api/v1/kpi-targets/{kpis.mine.pk}/actuals", {"cursor": "nonsense"})
    assert bad.status_code == 422


def test_a_peer_cannot_list_her_colleagues_actuals(personas, kpis):
    assert_not_found(client_for(personas.peer.user).get(f"/api/v1/kpi-targets/{kpis.mine.pk}/actuals"))


# ---- the OpenAPI document and query counts ------------------------------------------------------


def test_the_openapi_document_lists_the_kpi_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/kpis",
        "/api/v1/kpi-targets",
        "/api/v1/kpi-targets/{target_id}",
        "/api/v1/kpi-targets/{target_id}/actuals",
        "/api/v1/kpi-actuals",
    ):
        assert path in paths, path


def signed_in(user) -> Client:
    client = client_for(user)
    client.get("/api/v1/me")  # settle the session's first-request bookkeeping before counting
    return client


# The session, the user, the caller's place and HR scopes (actor_context), then the page.
LIST_QUERIES = 5


@pytest.mark.parametrize("count", [3, 30])
def test_the_target_and_library_lists_run_the_same_queries_for_3_and_30_rows(
    personas, kpis, django_assert_num_queries, count
):
    area = BusinessArea.objects.get(name="销售")
    indicators = Indicator.objects.bulk_create(
        [Indicator(area=area, code=f"X{i:03d}", name=f"指标{i}") for i in range(count)]
    )
    KPITarget.objects.bulk_create(
        [KPITarget(indicator=i, period=kpis.year, employee=personas.peer, target=10) for i in indicators]
    )
    for user in (personas.manager.user, personas.scoped_hr, personas.admin):
        client = signed_in(user)
        with django_assert_num_queries(LIST_QUERIES):
            response = client.get("/api/v1/kpi-targets", {"limit": 200})
        assert len(response.json()["items"]) == count + 3
        with django_assert_num_queries(LIST_QUERIES):
            response = client.get("/api/v1/kpis", {"limit": 200})
        assert len(response.json()["items"]) == count + 2


@pytest.mark.parametrize("count", [3, 30])
def test_the_actual_list_runs_the_same_queries_for_3_and_30_rows(personas, kpis, django_assert_num_queries, count):
    start = dt.date(2027, 1, 1)
    KPIActual.objects.bulk_create(
        [
            KPIActual(
                target=kpis.mine,
                measured_on=start + dt.timedelta(days=i),
                value=i,
                source="manual",
                recorded_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
            )
            for i in range(count)
        ]
    )
    client = signed_in(personas.manager.user)
    # actor_context, the target through the gate, the page.
    with django_assert_num_queries(LIST_QUERIES + 1):
        response = client.get(f"/api/v1/kpi-targets/{kpis.mine.pk}/actuals", {"limit": 200})
    assert len(response.json()["items"]) == count
