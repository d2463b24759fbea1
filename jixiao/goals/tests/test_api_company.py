"""The company-level endpoints: strategy and values, periods, goal settings, business areas and KPIs, goal
templates, bulk assignment and the KPI actuals import — the HR pages' operations behind the pages' gates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.goals import services
from jixiao.goals.models import (
    BulkAssignment,
    BusinessArea,
    CompanyValue,
    GoalSettings,
    GoalTemplate,
    Indicator,
    KPIActual,
    KPITarget,
    Objective,
    Period,
    Strategy,
)
from jixiao.goals.testing import make_indicator, make_kpi_target, make_objective, make_period
from jixiao.org.models import ImportJob
from jixiao.org.testing_import import csv_bytes

pytestmark = pytest.mark.django_db

KPI_HEADER = ["employee_number", "department", "kpi_code", "date", "value", "note"]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"


def assert_field_error(response, field: str, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert field in error["fields"], error
    return error


def send(user, method: str, path: str, body: dict | None = None, *, if_match: str | None = None):
    headers = {"If-Match": if_match} if if_match is not None else {}
    return getattr(client_for(user), method)(
        f"/api/v1{path}", body or {}, content_type="application/json", headers=headers
    )


@dataclass
class World:
    year: Period
    sales: BusinessArea
    revenue: Indicator
    template: GoalTemplate


def template_body(**extra) -> dict:
    return {
        "title": "提升客户满意度",
        "description": "全员目标",
        "weight": 20,
        "key_results": [{"title": "满意度达到90分", "start": 80, "target": 90, "stretch": 95}],
        **extra,
    }


@pytest.fixture
def world(personas) -> World:
    admin = personas.admin
    year = make_period(admin, "FY2027")
    revenue = make_indicator(admin, code="SALES-01", name="销售额", aggregation="sum")
    template = services.goal_template_save(
        actor=admin,
        title="客户回访",
        weight=10,
        key_results=[services.KeyResultInput(title="回访客户数", start=0, target=50)],
    )
    return World(year, revenue.area, revenue, template)


# ---- strategy -----------------------------------------------------------------------------------


def test_everyone_in_the_company_reads_the_strategy_and_its_active_values(personas, world):
    services.strategy_update(
        actor=personas.admin, version=1, vision="成为行业领先", vision_en="Lead", mission="成就客户", mission_en="Serve"
    )
    services.company_value_save(actor=personas.admin, name="客户第一", name_en="Customer first", position=1)
    services.company_value_save(actor=personas.admin, name="旧价值观", position=2, active=False)
    response = client_for(personas.employee.user).get("/api/v1/strategy")
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    data = response.json()
    assert (data["vision"], data["vision_en"], data["mission"], data["mission_en"]) == (
        "成为行业领先",
        "Lead",
        "成就客户",
        "Serve",
    )
    assert [v["name"] for v in data["values"]] == ["客户第一"]
    admin_values = client_for(personas.admin).get("/api/v1/strategy").json()["values"]
    assert [(v["name"], v["active"]) for v in admin_values] == [("客户第一", True), ("旧价值观", False)]


def test_an_outsider_cannot_read_the_strategy(personas, world):
    assert_not_found(client_for(personas.outsider).get("/api/v1/strategy"))


def strategy_body(**extra) -> dict:
    return {"vision": "愿景", "vision_en": "Vision", "mission": "使命", "mission_en": "Mission", **extra}


def test_an_admin_replaces_the_strategy_with_if_match_and_gets_the_new_etag(personas, world):
    etag = client_for(personas.admin).get("/api/v1/strategy")["ETag"]
    response = send(personas.admin, "put", "/strategy", strategy_body(), if_match=etag)
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{int(etag.strip(chr(34))) + 1}"'
    assert response.json()["vision"] == "愿景"
    row = Strategy.objects.get()
    assert (row.vision, row.mission_en) == ("愿景", "Mission")
    assert AuditEvent.objects.filter(action="strategy.update").exists()


def test_a_stale_strategy_write_is_412_and_changes_nothing(personas, world):
    etag = client_for(personas.admin).get("/api/v1/strategy")["ETag"]
    services.strategy_update(
        actor=personas.admin, version=1, vision="别人先存", vision_en="", mission="", mission_en=""
    )
    response = send(personas.admin, "put", "/strategy", strategy_body(), if_match=etag)
    assert response.status_code == 412, response.content
    assert response.json()["error"]["code"] == "stale"
    assert Strategy.objects.get().vision == "别人先存"


@pytest.mark.parametrize("if_match", [None, "*", 'W/"1"'])
def test_a_strategy_write_without_a_usable_if_match_is_refused(personas, world, if_match):
    client_for(personas.admin).get("/api/v1/strategy")
    response = send(personas.admin, "put", "/strategy", strategy_body(), if_match=if_match)
    assert response.status_code == (412 if if_match and if_match.startswith("W/") else 428), response.content
    assert Strategy.objects.get().vision == ""


@pytest.mark.parametrize("user", ["employee", "scoped_hr", "manager"])
def test_only_admins_and_company_wide_hr_write_the_strategy(personas, world, user):
    actor = getattr(personas, user)
    actor = getattr(actor, "user", actor)
    assert_not_found(send(actor, "put", "/strategy", strategy_body(), if_match='"1"'))
    assert Strategy.objects.filter(vision="愿景").count() == 0


@pytest.mark.parametrize("field", ["version", "values", "id", "updated_at"])
def test_the_strategy_refuses_server_owned_fields(personas, world, field):
    response = send(personas.admin, "put", "/strategy", strategy_body(**{field: 3}), if_match='"1"')
    error = assert_field_error(response, field, 422)
    assert error["fields"][field] == ["This field cannot be set."]


def test_put_needs_every_strategy_field(personas, world):
    body = strategy_body()
    del body["mission_en"]
    assert_field_error(send(personas.admin, "put", "/strategy", body, if_match='"1"'), "mission_en", 422)


# ---- values -------------------------------------------------------------------------------------


def test_an_admin_adds_and_changes_a_value(personas, world):
    response = send(personas.admin, "post", "/values", {"name": "诚信", "name_en": "Integrity", "position": 2})
    assert response.status_code == 201, response.content
    value = response.json()
    assert (value["name"], value["active"], value["position"]) == ("诚信", True, 2)
    changed = send(personas.admin, "patch", f"/values/{value['id']}", {"active": False, "description": "说到做到"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["name_en"], changed.json()["active"]) == ("Integrity", False)
    row = CompanyValue.objects.get()
    assert (row.description, row.active, row.position) == ("说到做到", False, 2)
    assert AuditEvent.objects.filter(action="company_value.update", target_id=str(row.pk)).exists()


def test_a_value_name_already_used_is_a_field_error_and_nothing_is_written(personas, world):
    services.company_value_save(actor=personas.admin, name="诚信")
    assert_field_error(send(personas.admin, "post", "/values", {"name": "诚信"}), "name")
    assert CompanyValue.objects.count() == 1


@pytest.mark.parametrize("field", ["id", "created_at"])
def test_a_value_refuses_server_owned_fields(personas, world, field):
    assert_field_error(send(personas.admin, "post", "/values", {"name": "诚信", field: 1}), field, 422)
    assert not CompanyValue.objects.exists()


def test_an_employee_and_scoped_hr_cannot_add_or_change_values(personas, world):
    value = services.company_value_save(actor=personas.admin, name="诚信")
    for user in (personas.employee.user, personas.scoped_hr):
        assert_not_found(send(user, "post", "/values", {"name": "新"}))
        assert_not_found(send(user, "patch", f"/values/{value.pk}", {"name": "改"}))
    assert list(CompanyValue.objects.values_list("name", flat=True)) == ["诚信"]


def test_patching_a_missing_value_is_404(personas, world):
    assert_not_found(send(personas.admin, "patch", "/values/999999", {"name": "改"}))


# ---- periods ------------------------------------------------------------------------------------


def test_an_admin_adds_a_quarter_inside_the_year_and_everyone_lists_it(personas, world):
    body = {"name": "FY2027 Q2", "name_en": "Q2", "kind": "quarter", "start": "2027-04-01", "end": "2027-06-30"}
    response = send(personas.admin, "post", "/periods", {**body, "parent": world.year.pk})
    assert response.status_code == 201, response.content
    assert response.json()["parent"] == world.year.pk
    listed = client_for(personas.employee.user).get("/api/v1/periods", {"parent": world.year.pk}).json()["items"]
    assert [p["name"] for p in listed] == ["FY2027 Q2"]
    assert AuditEvent.objects.filter(action="period.create", target_id=str(response.json()["id"])).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "2026-12-01"}, "parent"),
        ({"end": "2027-03-01"}, "end"),
        ({"name": "FY2027"}, "name"),
        ({"parent": 999999}, "parent"),
    ],
)
def test_a_bad_period_is_a_field_error_and_nothing_is_written(personas, world, changes, field):
    body = {"name": "Q2", "kind": "quarter", "start": "2027-04-01", "end": "2027-06-30", "parent": world.year.pk}
    assert_field_error(send(personas.admin, "post", "/periods", {**body, **changes}), field)
    assert Period.objects.count() == 1


def test_a_period_of_an_unknown_kind_is_422(personas, world):
    body = {"name": "Q2", "kind": "week", "start": "2027-04-01", "end": "2027-06-30"}
    assert_field_error(send(personas.admin, "post", "/periods", body), "kind", 422)


def test_a_manager_cannot_add_periods(personas, world):
    body = {"name": "Q2", "kind": "quarter", "start": "2027-04-01", "end": "2027-06-30"}
    assert_not_found(send(personas.manager.user, "post", "/periods", body))
    assert Period.objects.count() == 1


def test_reading_periods_still_works_beside_the_new_write(personas, world):
    assert client_for(personas.employee.user).get("/api/v1/periods").status_code == 200


# ---- goal settings ------------------------------------------------------------------------------


def test_an_admin_reads_the_settings_with_the_default_table_and_etag(personas, world):
    response = client_for(personas.admin).get("/api/v1/goal-settings")
    assert response.status_code == 200
    data = response.json()
    assert data["progress_cap"] == "1.2" and data["require_smart"] is False
    assert [(t["threshold"], t["rating"]) for t in data["attainment_table"]] == [
        ("1.2", 5),
        ("1", 4),
        ("0.8", 3),
        ("0.6", 2),
    ]
    assert response["ETag"] == f'"{data["version"]}"'


def settings_etag(personas) -> str:
    return client_for(personas.admin).get("/api/v1/goal-settings")["ETag"]


def test_patching_the_settings_changes_only_what_is_sent(personas, world):
    etag = settings_etag(personas)
    response = send(personas.admin, "patch", "/goal-settings", {"require_smart": True}, if_match=etag)
    assert response.status_code == 200, response.content
    row = GoalSettings.objects.get()
    assert row.require_smart is True and row.progress_cap == Decimal("1.2") and len(row.attainment_table) == 4
    assert response["ETag"] == f'"{row.version}"'
    table = [{"threshold": "1.1", "rating": 5}, {"threshold": "0.9", "rating": 3}]
    response = send(
        personas.admin,
        "patch",
        "/goal-settings",
        {"attainment_table": table, "attainment_floor": 2},
        if_match=response["ETag"],
    )
    assert response.status_code == 200, response.content
    assert [(t["threshold"], t["rating"]) for t in response.json()["attainment_table"]] == [("1.1", 5), ("0.9", 3)]
    assert AuditEvent.objects.filter(action="goal_settings.update").count() == 2


def test_a_stale_settings_write_is_412_and_a_missing_if_match_is_428(personas, world):
    etag = settings_etag(personas)
    assert send(personas.admin, "patch", "/goal-settings", {"require_smart": True}, if_match=etag).status_code == 200
    stale = send(personas.admin, "patch", "/goal-settings", {"require_smart": False}, if_match=etag)
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "stale"
    missing = send(personas.admin, "patch", "/goal-settings", {"require_smart": False})
    assert missing.status_code == 428 and missing.json()["error"]["code"] == "precondition_required"
    assert GoalSettings.objects.get().require_smart is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"progress_cap": "0.9"}, "progress_cap"),
        ({"attainment_table": [{"threshold": 1, "rating": 3}, {"threshold": 1, "rating": 4}]}, "attainment_table"),
        ({"attainment_table": [{"threshold": 1.2, "rating": 2}, {"threshold": 1, "rating": 4}]}, "attainment_table"),
    ],
)
def test_a_settings_rule_broken_is_a_field_error_and_nothing_is_written(personas, world, body, field):
    etag = settings_etag(personas)
    before = GoalSettings.objects.values().get()
    assert_field_error(send(personas.admin, "patch", "/goal-settings", body, if_match=etag), field)
    assert GoalSettings.objects.values().get() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": 9}, "version"),
        ({"progress_cap": "lots"}, "progress_cap"),
        ({"attainment_table": [{"threshold": 1, "rating": 0}]}, "attainment_table.0.rating"),
        ({"require_smart": None}, "require_smart"),
    ],
)
def test_settings_input_that_does_not_fit_the_schema_is_422(personas, world, body, field):
    etag = settings_etag(personas)
    assert_field_error(send(personas.admin, "patch", "/goal-settings", body, if_match=etag), field, 422)


@pytest.mark.parametrize("user", ["employee", "scoped_hr", "executive"])
def test_only_admins_and_company_wide_hr_see_and_change_the_settings(personas, world, user):
    actor = getattr(personas, user)
    actor = getattr(actor, "user", actor)
    assert_not_found(client_for(actor).get("/api/v1/goal-settings"))
    assert_not_found(send(actor, "patch", "/goal-settings", {"require_smart": True}, if_match='"1"'))


# ---- business areas -----------------------------------------------------------------------------


def test_everyone_in_the_company_lists_business_areas_and_an_outsider_sees_none(personas, world):
    items = client_for(personas.employee.user).get("/api/v1/business-areas").json()["items"]
    assert [(a["name"], a["kpi_count"]) for a in items] == [("销售", 1)]
    assert client_for(personas.outsider).get("/api/v1/business-areas").json() == {"items": [], "next_cursor": None}


def test_hr_adds_and_renames_a_business_area(personas, world):
    response = send(personas.scoped_hr, "post", "/business-areas", {"name": "生产", "name_en": "Production"})
    assert response.status_code == 201, response.content
    area_id = response.json()["id"]
    renamed = send(personas.other_hr, "patch", f"/business-areas/{area_id}", {"name": "生产制造"})
    assert renamed.status_code == 200, renamed.content
    assert (renamed.json()["name"], renamed.json()["name_en"]) == ("生产制造", "Production")
    assert AuditEvent.objects.filter(action="business_area.update", target_id=str(area_id)).exists()


def test_a_business_area_name_already_used_is_a_field_error(personas, world):
    assert_field_error(send(personas.scoped_hr, "post", "/business-areas", {"name": "销售"}), "name")
    other = BusinessArea.objects.create(name="财务")
    assert_field_error(send(personas.scoped_hr, "patch", f"/business-areas/{other.pk}", {"name": "销售"}), "name")
    assert sorted(BusinessArea.objects.values_list("name", flat=True)) == sorted(["销售", "财务"])


def test_an_employee_and_a_manager_cannot_change_business_areas(personas, world):
    for user in (personas.employee.user, personas.manager.user):
        assert_not_found(send(user, "post", "/business-areas", {"name": "生产"}))
        assert_not_found(send(user, "patch", f"/business-areas/{world.sales.pk}", {"name": "改"}))
    assert list(BusinessArea.objects.values_list("name", flat=True)) == ["销售"]


@pytest.mark.parametrize("field", ["id", "kpi_count"])
def test_a_business_area_refuses_server_owned_fields(personas, world, field):
    assert_field_error(send(personas.admin, "post", "/business-areas", {"name": "生产", field: 1}), field, 422)


# ---- KPIs ---------------------------------------------------------------------------------------


def kpi_body(world, **extra) -> dict:
    return {
        "area": world.sales.pk,
        "code": "SALES-02",
        "name": "回款率",
        "name_en": "Collection rate",
        "unit": "percent",
        "direction": "increase",
        "aggregation": "latest",
        "definition": "当期回款 / 当期应收",
        "data_source": "财务系统",
        **extra,
    }


def test_hr_adds_a_kpi_and_reads_it_back(personas, world):
    response = send(personas.scoped_hr, "post", "/kpis", kpi_body(world))
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"] == f"/api/v1/kpis/{data['id']}"
    assert (data["code"], data["area_name"], data["unit"], data["active"]) == ("SALES-02", "销售", "percent", True)
    read = client_for(personas.employee.user).get(response["Location"])
    assert read.status_code == 200 and read.json()["data_source"] == "财务系统"
    assert AuditEvent.objects.filter(action="indicator.create", target_id=str(data["id"])).exists()


def test_hr_changes_only_the_kpi_fields_sent(personas, world):
    response = send(personas.admin, "patch", f"/kpis/{world.revenue.pk}", {"name_en": "Revenue", "active": False})
    assert response.status_code == 200, response.content
    row = Indicator.objects.get(pk=world.revenue.pk)
    assert (row.name, row.name_en, row.active, row.aggregation) == ("销售额", "Revenue", False, "sum")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"code": "sales-01"}, "code"), ({"area": 999999}, "area")],
)
def test_a_bad_kpi_is_a_field_error_and_nothing_is_written(personas, world, changes, field):
    assert_field_error(send(personas.scoped_hr, "post", "/kpis", kpi_body(world, **changes)), field)
    assert Indicator.objects.count() == 1


def test_the_direction_of_a_kpi_in_use_cannot_change(personas, world):
    make_kpi_target(personas.admin, world.revenue, world.year, employee=personas.employee, target=100)
    response = send(personas.admin, "patch", f"/kpis/{world.revenue.pk}", {"direction": "decrease"})
    assert_field_error(response, "direction")
    assert Indicator.objects.get(pk=world.revenue.pk).direction == "increase"


@pytest.mark.parametrize(
    ("body", "field"), [({"id": 5}, "id"), ({"area_name": "x"}, "area_name"), ({"unit": "kg"}, "unit")]
)
def test_kpi_input_that_does_not_fit_the_schema_is_422(personas, world, body, field):
    assert_field_error(send(personas.admin, "patch", f"/kpis/{world.revenue.pk}", body), field, 422)


def test_an_employee_and_a_manager_cannot_change_the_library(personas, world):
    for user in (personas.employee.user, personas.manager.user):
        assert_not_found(send(user, "post", "/kpis", kpi_body(world)))
        assert_not_found(send(user, "patch", f"/kpis/{world.revenue.pk}", {"name": "改"}))
    assert Indicator.objects.get().name == "销售额"


def test_an_outsider_cannot_read_a_kpi_and_a_missing_one_is_404(personas, world):
    assert_not_found(client_for(personas.outsider).get(f"/api/v1/kpis/{world.revenue.pk}"))
    assert_not_found(client_for(personas.admin).get("/api/v1/kpis/999999"))


# ---- goal templates -----------------------------------------------------------------------------


def test_a_manager_writes_a_template_and_lists_it_beside_hrs(personas, world):
    response = send(personas.manager.user, "post", "/goal-templates", template_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"] == f"/api/v1/goal-templates/{data['id']}"
    assert data["key_results"] == [
        {
            "title": "满意度达到90分",
            "unit": "number",
            "direction": "increase",
            "start": "80",
            "target": "90",
            "stretch": "95",
            "weight": "1",
        }
    ]
    assert (data["weight"], data["used"], data["editable"]) == ("20", 0, True)
    items = client_for(personas.manager.user).get("/api/v1/goal-templates").json()["items"]
    assert [(t["title"], t["editable"]) for t in items] == [("客户回访", False), ("提升客户满意度", True)]
    assert AuditEvent.objects.filter(action="goal_template.create", target_id=str(data["id"])).exists()


def test_an_employee_without_reports_cannot_see_or_write_templates(personas, world):
    employee = personas.employee.user
    assert_not_found(client_for(employee).get("/api/v1/goal-templates"))
    assert_not_found(client_for(employee).get(f"/api/v1/goal-templates/{world.template.pk}"))
    assert_not_found(send(employee, "post", "/goal-templates", template_body()))
    assert_not_found(send(employee, "patch", f"/goal-templates/{world.template.pk}", {"title": "改"}))
    assert GoalTemplate.objects.count() == 1


def test_a_manager_cannot_change_a_template_hr_wrote_but_hr_can_change_hers(personas, world):
    assert_not_found(send(personas.manager.user, "patch", f"/goal-templates/{world.template.pk}", {"title": "改"}))
    mine = send(personas.manager.user, "post", "/goal-templates", template_body()).json()
    body = {"key_results": [{"title": "投诉下降", "direction": "decrease", "start": 10, "target": 5}]}
    response = send(personas.scoped_hr, "patch", f"/goal-templates/{mine['id']}", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["title"] == "提升客户满意度" and [k["title"] for k in data["key_results"]] == ["投诉下降"]
    assert GoalTemplate.objects.get(pk=world.template.pk).title == "客户回访"


def test_a_template_key_result_with_start_equal_to_target_is_a_field_error(personas, world):
    body = template_body(key_results=[{"title": "KR", "start": 5, "target": 5}])
    error = assert_field_error(send(personas.admin, "post", "/goal-templates", body), "key_results.0.target")
    assert "must differ" in error["fields"]["key_results.0.target"][0]
    assert GoalTemplate.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (template_body(key_results=[]), "key_results"),
        (template_body(used=3), "used"),
        (template_body(created_by=1), "created_by"),
        (template_body(key_results=[{"title": "KR", "target": 1, "progress": 1}]), "key_results.0.progress"),
    ],
)
def test_template_input_that_does_not_fit_the_schema_is_422(personas, world, body, field):
    assert_field_error(send(personas.admin, "post", "/goal-templates", body), field, 422)
    assert GoalTemplate.objects.count() == 1


# ---- bulk assignment ----------------------------------------------------------------------------


def assign(user, world, **body):
    return send(user, "post", f"/goal-templates/{world.template.pk}/assignments", {"period": world.year.pk, **body})


def test_hr_assigns_a_template_to_a_department_subtree_and_the_second_time_creates_nothing(personas, world):
    first = assign(personas.scoped_hr, world, department=personas.east.pk)
    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["kind"], data["period"], data["matched"], data["created"], data["skipped"]) == (
        "objective",
        world.year.pk,
        3,
        3,
        0,
    )
    owners = set(Objective.objects.filter(template=world.template).values_list("employee_id", flat=True))
    assert owners == {personas.manager.pk, personas.employee.pk, personas.peer.pk}
    again = assign(personas.scoped_hr, world, department=personas.east.pk).json()
    assert (again["matched"], again["created"], again["skipped"]) == (3, 0, 3)
    assert Objective.objects.filter(template=world.template).count() == 3
    assert AuditEvent.objects.filter(action="goals.bulk_assign").count() == 2


def test_a_manager_reaches_only_her_reports(personas, world):
    data = assign(personas.manager.user, world).json()
    assert (data["matched"], data["created"]) == (2, 2)
    owners = set(Objective.objects.filter(template=world.template).values_list("employee_id", flat=True))
    assert owners == {personas.employee.pk, personas.peer.pk}


def test_assigned_objectives_can_align_to_a_visible_objective(personas, world):
    company = make_objective(personas.admin, world.year, title="公司目标：客户满意度行业第一")
    data = assign(personas.manager.user, world, parent=company.pk, title="经理").json()
    assert data["matched"] == 0
    data = assign(personas.manager.user, world, parent=company.pk).json()
    assert data["created"] == 2
    assert set(Objective.objects.filter(template=world.template).values_list("parent_id", flat=True)) == {company.pk}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"period": 999999}, "period"), ({"parent": 999999}, "parent"), ({"department": 999999}, "department")],
)
def test_a_bad_assignment_is_a_field_error_and_nothing_is_written(personas, world, body, field):
    assert_field_error(assign(personas.scoped_hr, world, **body), field)
    assert not Objective.objects.filter(template=world.template).exists()
    assert not BulkAssignment.objects.exists()


def test_a_private_objective_one_cannot_see_is_no_parent(personas, world):
    private = make_objective(
        personas.employee.user, world.year, employee=personas.employee, visibility="private", title="个人计划"
    )
    assert_field_error(assign(personas.other_hr, world, parent=private.pk), "parent")
    assert not BulkAssignment.objects.exists()


def test_an_employee_cannot_assign_in_bulk(personas, world):
    assert_not_found(assign(personas.employee.user, world))
    assert_not_found(
        send(
            personas.employee.user,
            "post",
            "/kpi-targets/assignments",
            {"indicator": world.revenue.pk, "period": world.year.pk, "target": 100},
        )
    )
    assert not BulkAssignment.objects.exists()


@pytest.mark.parametrize("field", ["matched", "created", "template", "actor"])
def test_an_assignment_refuses_server_owned_fields(personas, world, field):
    assert_field_error(assign(personas.admin, world, **{field: 1}), field, 422)


def kpi_assign(user, world, **body):
    payload = {"indicator": world.revenue.pk, "period": world.year.pk, "baseline": 0, "target": 100, **body}
    return send(user, "post", "/kpi-targets/assignments", payload)


def test_hr_assigns_a_kpi_by_level_and_the_second_time_creates_nothing(personas, world):
    first = kpi_assign(personas.scoped_hr, world, department=personas.east.pk, levels=["P5"], weight=30, stretch=120)
    assert first.status_code == 201, first.content
    assert (first.json()["kind"], first.json()["matched"], first.json()["created"]) == ("kpi", 3, 3)
    target = KPITarget.objects.get(employee=personas.employee)
    assert (target.target, target.stretch, target.weight) == (Decimal(100), Decimal(120), Decimal(30))
    again = kpi_assign(personas.scoped_hr, world, department=personas.east.pk, levels=["P5"], weight=30).json()
    assert (again["matched"], again["created"], again["skipped"]) == (3, 0, 3)
    assert KPITarget.objects.count() == 3
    assert kpi_assign(personas.scoped_hr, world, levels=["P9"]).json()["matched"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({"target": 0}, "target"), ({"indicator": 999999}, "indicator"), ({"stretch": 50}, "stretch")],
)
def test_a_bad_kpi_assignment_is_a_field_error_and_nothing_is_written(personas, world, body, field):
    assert_field_error(kpi_assign(personas.scoped_hr, world, **body), field)
    assert not KPITarget.objects.exists()
    assert not BulkAssignment.objects.exists()


def test_a_kpi_assignment_without_a_target_is_422(personas, world):
    body = {"indicator": world.revenue.pk, "period": world.year.pk}
    assert_field_error(send(personas.scoped_hr, "post", "/kpi-targets/assignments", body), "target", 422)


def test_people_matching_counts_before_assigning_and_says_who_already_has_it(personas, world):
    client = client_for(personas.scoped_hr)
    counted = client.get("/api/v1/people-matching", {"department": personas.east.pk, "levels": ["P5", "P6"]})
    assert counted.status_code == 200, counted.content
    assert counted.json() == {"matched": 3, "already": None, "new": None}
    assign(personas.manager.user, world)
    params = {"department": personas.east.pk, "template": world.template.pk, "period": world.year.pk}
    assert client.get("/api/v1/people-matching", params).json() == {"matched": 3, "already": 2, "new": 1}
    assert client.get("/api/v1/people-matching", {"title": "不存在的职位"}).json()["matched"] == 0
    kpi_assign(personas.scoped_hr, world, department=personas.east.pk)
    params = {"indicator": world.revenue.pk, "period": world.year.pk}
    assert client.get("/api/v1/people-matching", params).json() == {"matched": 5, "already": 3, "new": 2}
    both = client.get("/api/v1/people-matching", {**params, "template": world.template.pk})
    assert_field_error(both, "indicator")
    assert_not_found(client_for(personas.employee.user).get("/api/v1/people-matching"))


# ---- the KPI actuals import ---------------------------------------------------------------------


@pytest.fixture
def targets(personas, world) -> dict[str, KPITarget]:
    manager = personas.manager.user
    return {
        "employee": make_kpi_target(manager, world.revenue, world.year, employee=personas.employee, target=100),
        "peer": make_kpi_target(manager, world.revenue, world.year, employee=personas.peer, target=100),
    }


def good_csv(personas) -> bytes:
    rows = [
        [personas.employee.employee_number, "", "SALES-01", "2027-01-31", "30", "一月"],
        [personas.peer.employee_number, "", "SALES-01", "2027-01-31", "45", ""],
    ]
    return csv_bytes(rows, header=KPI_HEADER)


def upload(user_or_client, data: bytes, period, name: str = "actuals.csv", **extra):
    client = user_or_client if isinstance(user_or_client, Client) else client_for(user_or_client)
    return client.post(
        "/api/v1/kpi-actuals/imports",
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "period": period.pk if period else ""},
        **extra,
    )


def test_hr_imports_actuals_and_reads_the_job_back(personas, world, targets):
    response = upload(personas.scoped_hr, good_csv(personas), world.year)
    assert response.status_code == 201, response.content
    body = response.json()
    job = ImportJob.objects.get()
    assert (body["id"], body["kind"], body["status"], body["period"]) == (
        job.pk,
        "kpi_actuals",
        "succeeded",
        world.year.pk,
    )
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert body["progress"]["percent"] == 100
    assert body["report"] == {"total_errors": 0, "truncated": False, "errors": [], "notices": []}
    assert body["url"] == f"/api/v1/kpi-actuals/imports/{job.pk}"
    assert body["page_url"] == f"/goals/kpis/import/{job.pk}/"
    assert KPIActual.objects.get(target=targets["employee"]).source == "import"
    assert client_for(personas.scoped_hr).get(body["url"]).json() == body


def test_the_same_file_twice_changes_nothing(personas, world, targets):
    upload(personas.scoped_hr, good_csv(personas), world.year)
    body = upload(personas.scoped_hr, good_csv(personas), world.year).json()
    assert body["counts"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert KPIActual.objects.count() == 2


def test_a_bad_file_is_a_failed_job_with_the_kpi_imports_wording_and_writes_nothing(personas, world, targets):
    rows = [
        [personas.employee.employee_number, "", "NOPE-99", "2027-01-31", "30", ""],
        ["ZZ999", "", "SALES-01", "2027-01-31", "1", ""],
        [personas.peer.employee_number, "", "SALES-01", "2027-01-31", "很多", ""],
    ]
    client = client_for(personas.scoped_hr)  # signing in is audited: count after it
    before = AuditEvent.objects.count()
    response = upload(client, csv_bytes(rows, header=KPI_HEADER), world.year)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "failed" and body["report"]["total_errors"] == 3
    problems = [(e["row"], e["column"], e["code"], e["message"]) for e in body["report"]["errors"]]
    assert problems == [
        (2, "kpi_code", "unknown_kpi", "No KPI in the library has the code “NOPE-99”."),
        (3, "employee_number", "unknown_employee", "No employee has the number ZZ999."),
        (4, "value", "bad_value", "“很多” is not a number."),
    ]
    assert not KPIActual.objects.exists()
    assert AuditEvent.objects.count() == before
    chinese = client.get(body["url"], HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["report"]["errors"][1]["code"] == "unknown_employee"


def test_a_large_file_goes_through_the_goals_task(personas, world, targets, settings):
    settings.JIXIAO_IMPORT_BACKGROUND_ROWS = 1
    body = upload(personas.scoped_hr, good_csv(personas), world.year).json()
    # The tests' task backend runs at once, so the job is already done; a real worker answers 202 first.
    assert (body["status"], body["counts"]["created"]) == ("succeeded", 2)
    assert KPIActual.objects.count() == 2


def test_an_import_needs_a_period_and_a_file(personas, world):
    client = client_for(personas.scoped_hr)
    missing = client.post("/api/v1/kpi-actuals/imports", {})
    assert missing.status_code == 422
    assert {"period", "file"} <= set(missing.json()["error"]["fields"])
    assert_field_error(upload(personas.scoped_hr, b"kpi_code,date,value\n", None), "period", 422)
    unknown = client.post("/api/v1/kpi-actuals/imports", {"file": SimpleUploadedFile("a.csv", b"x"), "period": 999999})
    assert_field_error(unknown, "period")
    assert not ImportJob.objects.exists()


def test_an_employee_without_reports_cannot_import_and_others_cannot_read_the_job(personas, world, targets):
    assert_not_found(upload(personas.employee.user, good_csv(personas), world.year))
    assert not ImportJob.objects.exists()
    job_url = upload(personas.scoped_hr, good_csv(personas), world.year).json()["url"]
    assert_not_found(client_for(personas.other_hr).get(job_url))
    assert_not_found(client_for(personas.employee.user).get(job_url))
    assert client_for(personas.admin).get(job_url).status_code == 200


def test_a_people_import_job_is_not_a_kpi_import_job(personas, world):
    job = ImportJob.objects.create(owner=personas.scoped_hr, kind=ImportJob.Kind.EMPLOYEES, filename="people.xlsx")
    assert_not_found(client_for(personas.scoped_hr).get(f"/api/v1/kpi-actuals/imports/{job.pk}"))


# ---- the OpenAPI document and query counts ------------------------------------------------------


def test_the_openapi_document_lists_the_company_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "/api/v1/strategy": {"get", "put"},
        "/api/v1/values": {"post"},
        "/api/v1/values/{value_id}": {"patch"},
        "/api/v1/periods": {"get", "post"},
        "/api/v1/goal-settings": {"get", "patch"},
        "/api/v1/business-areas": {"get", "post"},
        "/api/v1/business-areas/{area_id}": {"patch"},
        "/api/v1/kpis": {"get", "post"},
        "/api/v1/kpis/{kpi_id}": {"get", "patch"},
        "/api/v1/goal-templates": {"get", "post"},
        "/api/v1/goal-templates/{template_id}": {"get", "patch"},
        "/api/v1/goal-templates/{template_id}/assignments": {"post"},
        "/api/v1/kpi-targets/assignments": {"post"},
        "/api/v1/people-matching": {"get"},
        "/api/v1/kpi-actuals/imports": {"post"},
        "/api/v1/kpi-actuals/imports/{job_id}": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert set(paths[path]) == methods, path
    assert {"412", "428"} <= set(paths["/api/v1/strategy"]["put"]["responses"])


def signed_in(user) -> Client:
    client = client_for(user)
    client.get("/api/v1/me")  # settle the session's first-request bookkeeping before counting
    return client


# The session, the user, the caller's place and HR scopes (actor_context), then the page.
LIST_QUERIES = 5


@pytest.mark.parametrize("count", [3, 30])
def test_the_business_area_list_runs_the_same_queries_for_3_and_30_rows(
    personas, world, django_assert_num_queries, count
):
    BusinessArea.objects.bulk_create([BusinessArea(name=f"领域{i}") for i in range(count)])
    for user in (personas.employee.user, personas.admin):
        client = signed_in(user)
        with django_assert_num_queries(LIST_QUERIES):
            response = client.get("/api/v1/business-areas", {"limit": 200})
        assert len(response.json()["items"]) == count + 1


@pytest.mark.parametrize("count", [3, 30])
def test_the_template_list_runs_the_same_queries_for_3_and_30_rows(personas, world, django_assert_num_queries, count):
    GoalTemplate.objects.bulk_create(
        [
            GoalTemplate(
                title=f"模板{i}",
                created_by=personas.manager.user if i % 2 else None,
                key_results=[
                    {
                        "title": "KR",
                        "unit": "number",
                        "direction": "increase",
                        "start": "0",
                        "target": "1",
                        "stretch": None,
                        "weight": "1",
                    }
                ],
            )
            for i in range(count)
        ]
    )
    for user in (personas.manager.user, personas.scoped_hr):
        client = signed_in(user)
        with django_assert_num_queries(LIST_QUERIES):
            response = client.get("/api/v1/goal-templates", {"limit": 200})
        assert len(response.json()["items"]) == count + 1


@pytest.mark.parametrize("count", [3, 30])
def test_the_strategy_runs_the_same_queries_for_3_and_30_values(personas, world, django_assert_num_queries, count):
    selectors_strategy = client_for(personas.admin).get("/api/v1/strategy")  # creates the strategy row once
    assert selectors_strategy.status_code == 200
    CompanyValue.objects.bulk_create([CompanyValue(name=f"价值观{i}", position=i) for i in range(count)])
    for user in (personas.employee.user, personas.admin):
        client = signed_in(user)
        # actor_context's two, the session and user, the strategy row, the values.
        with django_assert_num_queries(LIST_QUERIES + 1):
            response = client.get("/api/v1/strategy")
        assert len(response.json()["values"]) == count


def test_dates_in_answers_are_iso(personas, world):
    body = {"name": "FY2028", "kind": "year", "start": dt.date(2028, 1, 1).isoformat(), "end": "2028-12-31"}
    data = send(personas.admin, "post", "/periods", body).json()
    assert (data["start"], data["end"], data["parent"]) == ("2028-01-01", "2028-12-31", None)
