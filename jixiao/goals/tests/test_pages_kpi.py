"""The KPI pages for each persona: the board, the library, targets, recording an actual by hand."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jixiao.audit.models import AuditEvent
from jixiao.goals import testing as f
from jixiao.goals.models import BusinessArea, Indicator, KPIActual, KPITarget

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(personas):
    """FY2027; KPI SALES-01 (sales revenue, increasing); the employee's target 0 → 100 (stretch 120, weight 60)
    set by her manager; a department target for 华东区."""
    period = f.make_period(personas.admin, "FY2027")
    indicator = f.make_indicator(personas.admin, code="SALES-01", name="销售额")
    Indicator.objects.filter(pk=indicator.pk).update(name_en="Sales revenue")
    target = f.make_kpi_target(
        personas.manager.user, indicator, period, employee=personas.employee, target=100, stretch=120, weight=60
    )
    dept_target = f.make_kpi_target(personas.skip.user, indicator, period, department=personas.east, target=1000)
    return {"period": period, "indicator": indicator, "target": target, "dept_target": dept_target}


# ---- the board ----------------------------------------------------------------------------------


def test_the_employee_sees_her_own_kpi_on_the_board_with_its_kpi_name_in_english(personas, world):
    response = client_for(personas.employee.user).get(reverse("goals:kpi_board"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sales revenue" in html
    assert html.count('data-testid="kpi-row"') == 1
    assert 'data-testid="kpi-tab-team"' not in html  # she manages nobody


def test_the_board_shows_the_kpi_name_in_chinese_to_a_chinese_reader(personas, world, settings):
    client = client_for(personas.employee.user)
    html = client.get(reverse("goals:kpi_board"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "销售额" in html


def test_the_manager_sees_her_reports_kpis_on_the_team_tab_but_not_on_her_own(personas, world):
    client = client_for(personas.manager.user)
    mine = client.get(reverse("goals:kpi_board"), {"scope": "mine"}).content.decode()
    team = client.get(reverse("goals:kpi_board"), {"scope": "team"}).content.decode()
    assert 'data-testid="kpi-row"' not in mine
    assert f'data-owner="{personas.employee.employee_number}"' in team


def test_the_department_tab_lists_people_and_department_targets_of_the_subtree(personas, world):
    client = client_for(personas.scoped_hr)
    html = client.get(
        reverse("goals:kpi_board"), {"scope": "department", "department": personas.sales.pk}
    ).content.decode()
    assert html.count('data-testid="kpi-row"') == 2
    assert 'data-owner="华东区"' in html


def test_a_peer_sees_neither_the_employees_kpi_on_the_board_nor_its_page(personas, world):
    client = client_for(personas.peer.user)
    html = client.get(reverse("goals:kpi_board"), {"scope": "department"}).content.decode()
    assert f'data-owner="{personas.employee.employee_number}"' not in html
    assert client.get(world["target"].get_absolute_url()).status_code == 404
    assert client.get(reverse("goals:kpi_target_edit", args=[world["target"].pk])).status_code == 404


def test_the_board_colours_the_bar_by_the_rating_the_attainment_earns(personas, world):
    f_target = world["target"]
    client = client_for(personas.employee.user)
    client.post(reverse("goals:actual_record", args=[f_target.pk]), {"measured_on": "2027-03-31", "value": "85"})
    html = client.get(reverse("goals:kpi_board")).content.decode()
    assert "kpi-bar-B" in html  # 85% ≥ 0.8 → rating 3 → band B
    assert "85%" in html
    assert 'data-kpi-spark="85.0"' in html


def test_the_weight_column_shows_the_owners_total_and_flags_one_that_is_not_100(personas, world):
    html = client_for(personas.employee.user).get(reverse("goals:kpi_board")).content.decode()
    assert "kpi-weight-off" in html  # 60 of 100


def test_a_long_board_pages_with_a_more_row_that_htmx_swaps_for_the_next_rows(personas, world, monkeypatch):
    from jixiao.goals import selectors_kpi

    monkeypatch.setattr(selectors_kpi, "PAGE_SIZE", 1)
    client = client_for(personas.scoped_hr)
    query = {"scope": "department", "department": personas.sales.pk, "period": world["period"].pk}
    html = client.get(reverse("goals:kpi_board"), query).content.decode()
    assert html.count('data-testid="kpi-row"') == 1
    assert 'data-testid="kpi-more"' in html
    first = world["dept_target"] if 'data-owner="华东区"' in html else world["target"]
    rest = client.get(
        reverse("goals:kpi_board"), {**query, "after": first.pk, "rows": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert rest.count('data-testid="kpi-row"') == 1
    assert "<html" not in rest and 'data-testid="kpi-more"' not in rest


def test_people_outside_the_company_cannot_open_the_board(personas, world):
    assert client_for(personas.outsider).get(reverse("goals:kpi_board")).status_code == 404


def test_an_executive_reads_every_kpi_on_the_department_tab(personas, world):
    html = client_for(personas.executive).get(reverse("goals:kpi_board")).content.decode()
    assert html.count('data-testid="kpi-row"') == 2
    assert 'data-testid="kpi-tab-mine"' not in html


# ---- the target page and recording actuals ----------------------------------------------------------


def test_the_employee_records_her_own_actual_and_the_page_shows_it(personas, world):
    target = world["target"]
    client = client_for(personas.employee.user)
    response = client.post(
        reverse("goals:actual_record", args=[target.pk]),
        {"measured_on": "2027-02-28", "value": "110", "note": "二月"},
    )
    assert response.status_code == 302
    actual = KPIActual.objects.get(target=target)
    assert (actual.value, actual.source, actual.recorded_by) == (Decimal(110), "manual", personas.employee.user)
    target.refresh_from_db()
    assert target.attainment == Decimal("1.1")  # past the target: 1 + 0.2 × 10/20
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="kpi-actuals"' in html and "二月" in html
    assert 'id="kpi-trend-data"' in html
    assert "110%" in html


def test_the_date_field_holds_an_iso_date_in_chinese_too(personas, world):
    client = client_for(personas.employee.user)
    url = world["target"].get_absolute_url()
    for language in ("en", "zh-hans"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert 'type="date"' in html
        assert re.search(r'name="measured_on" value="\d{4}-\d{2}-\d{2}"', html), language


def test_a_peers_post_is_refused_and_nothing_is_written(personas, world):
    target = world["target"]
    client = client_for(personas.peer.user)
    before = AuditEvent.objects.exclude(action="access.denied").count()
    response = client.post(
        reverse("goals:actual_record", args=[target.pk]), {"measured_on": "2027-02-28", "value": "110"}
    )
    assert response.status_code == 404
    assert not KPIActual.objects.exists()
    assert AuditEvent.objects.exclude(action="access.denied").count() == before


def test_a_date_outside_the_period_is_shown_beside_the_field_and_nothing_is_written(personas, world):
    response = client_for(personas.employee.user).post(
        reverse("goals:actual_record", args=[world["target"].pk]), {"measured_on": "2028-01-05", "value": "5"}
    )
    assert response.status_code == 422
    assert 'data-testid="error-measured_on"' in response.content.decode()
    assert not KPIActual.objects.exists()


def test_a_value_that_is_not_a_number_is_refused(personas, world):
    response = client_for(personas.employee.user).post(
        reverse("goals:actual_record", args=[world["target"].pk]), {"measured_on": "2027-01-05", "value": "lots"}
    )
    assert response.status_code == 422
    assert 'data-testid="error-value"' in response.content.decode()
    assert not KPIActual.objects.exists()


def test_the_employee_cannot_change_her_own_target(personas, world):
    client = client_for(personas.employee.user)
    assert client.get(reverse("goals:kpi_target_edit", args=[world["target"].pk])).status_code == 404
    html = client.get(world["target"].get_absolute_url()).content.decode()
    assert 'data-testid="kpi-target-edit"' not in html
    assert 'data-testid="kpi-actual-form"' in html


def test_the_manager_changes_the_target_and_a_stale_version_is_refused(personas, world):
    target = world["target"]
    client = client_for(personas.manager.user)
    url = reverse("goals:kpi_target_edit", args=[target.pk])
    data = {"baseline": "0", "target": "200", "stretch": "", "weight": "50", "version": target.version}
    assert client.post(url, data).status_code == 302
    target.refresh_from_db()
    assert (target.target, target.weight, target.stretch) == (Decimal(200), Decimal(50), None)
    stale = client.post(url, {**data, "target": "300"})
    assert stale.status_code == 200
    assert "Someone else saved" in stale.content.decode()
    target.refresh_from_db()
    assert target.target == Decimal(200)


def test_the_rating_table_on_the_target_page_marks_the_earned_rating(personas, world):
    client = client_for(personas.manager.user)
    client.post(reverse("goals:actual_record", args=[world["target"].pk]), {"measured_on": "2027-05-01", "value": "65"})
    html = client.get(world["target"].get_absolute_url()).content.decode()
    assert 'data-testid="kpi-target-rating">2 ' in html
    assert 'class="kpi-current"' in html


# ---- targets: one and in bulk ---------------------------------------------------------------------


def test_a_manager_sets_a_target_for_her_report_by_employee_number(personas, world):
    indicator = f.make_indicator(personas.admin, code="CS-01")
    response = client_for(personas.manager.user).post(
        reverse("goals:kpi_target_new"),
        {
            "indicator": indicator.pk,
            "period": world["period"].pk,
            "owner": "person",
            "employee_number": personas.peer.employee_number,
            "baseline": "10",
            "target": "2",
            "weight": "40",
        },
    )
    assert response.status_code == 200  # an increasing KPI cannot go from 10 down to 2
    assert "To increase, the target must be above the start." in response.content.decode()
    assert not KPITarget.objects.filter(indicator=indicator).exists()
    response = client_for(personas.manager.user).post(
        reverse("goals:kpi_target_new"),
        {
            "indicator": indicator.pk,
            "period": world["period"].pk,
            "owner": "person",
            "employee_number": personas.peer.employee_number,
            "baseline": "2",
            "target": "10",
            "weight": "40",
        },
    )
    target = KPITarget.objects.get(indicator=indicator)
    assert response["Location"] == target.get_absolute_url()
    assert (target.employee, target.weight) == (personas.peer, Decimal(40))


def test_a_manager_cannot_set_a_target_for_someone_outside_her_team(personas, world):
    indicator = f.make_indicator(personas.admin, code="CS-02")
    response = client_for(personas.manager.user).post(
        reverse("goals:kpi_target_new"),
        {
            "indicator": indicator.pk,
            "period": world["period"].pk,
            "owner": "person",
            "employee_number": personas.rnd_head.employee_number,
            "baseline": "0",
            "target": "10",
        },
    )
    assert response.status_code == 200
    assert 'data-testid="error-employee_number"' in response.content.decode()
    assert not KPITarget.objects.filter(indicator=indicator).exists()


def test_an_employee_without_reports_cannot_open_the_target_pages(personas, world):
    client = client_for(personas.employee.user)
    assert client.get(reverse("goals:kpi_target_new")).status_code == 404
    assert client.get(reverse("goals:kpi_targets_assign")).status_code == 404


def test_hr_previews_and_assigns_a_kpi_to_a_department_subtree(personas, world):
    indicator = f.make_indicator(personas.admin, code="SALES-09")
    client = client_for(personas.scoped_hr)
    filters = {"department": personas.east.pk, "indicator": indicator.pk, "period": world["period"].pk}
    preview = client.get(reverse("goals:kpi_targets_assign"), filters, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-matched="3"' in preview  # 李经理, 王小明, 赵同事
    response = client.post(
        reverse("goals:kpi_targets_assign"), {**filters, "baseline": "0", "target": "50", "weight": "20"}
    )
    assert response.status_code == 302
    assert KPITarget.objects.filter(indicator=indicator).count() == 3
    again = client.get(reverse("goals:kpi_targets_assign"), filters, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-new="0"' in again


# ---- the library ----------------------------------------------------------------------------------


def test_everyone_in_the_company_reads_the_library_and_outsiders_do_not(personas, world):
    html = client_for(personas.employee.user).get(reverse("goals:kpi_library")).content.decode()
    assert "SALES-01" in html and "Sales revenue" in html
    assert 'data-testid="kpi-new"' not in html
    assert client_for(personas.outsider).get(reverse("goals:kpi_library")).status_code == 404


def test_only_hr_and_admins_edit_the_library(personas, world):
    employee = client_for(personas.employee.user)
    assert employee.get(reverse("goals:indicator_new")).status_code == 404
    assert employee.get(reverse("goals:indicator_edit", args=[world["indicator"].pk])).status_code == 404
    assert employee.get(reverse("goals:business_areas")).status_code == 404
    hr = client_for(personas.scoped_hr)
    area = BusinessArea.objects.get()
    response = hr.post(
        reverse("goals:indicator_new"),
        {
            "area": area.pk,
            "code": "SALES-02",
            "name": "回款率",
            "name_en": "Collection rate",
            "unit": "percent",
            "direction": "increase",
            "aggregation": "average",
            "definition": "回款 ÷ 应收",
            "data_source": "ERP",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert Indicator.objects.get(code="SALES-02").aggregation == "average"


def test_a_code_used_by_another_kpi_is_refused_beside_the_field(personas, world):
    area = BusinessArea.objects.get()
    response = client_for(personas.admin).post(
        reverse("goals:indicator_new"),
        {
            "area": area.pk,
            "code": "sales-01",
            "name": "重复",
            "unit": "number",
            "direction": "increase",
            "aggregation": "latest",
        },
    )
    assert response.status_code == 200
    assert 'data-testid="error-code"' in response.content.decode()


def test_hr_adds_and_renames_business_areas(personas, world):
    client = client_for(personas.scoped_hr)
    assert (
        client.post(reverse("goals:business_areas"), {"name": "客服", "name_en": "Service", "position": 2}).status_code
        == 302
    )
    area = BusinessArea.objects.get(name="客服")
    response = client.post(
        reverse("goals:business_areas"),
        {"area": area.pk, "name": "客户服务", "name_en": "Customer service", "position": 2},
    )
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.name == "客户服务"


# ---- the import pages -------------------------------------------------------------------------------


def test_the_import_pages_are_for_hr_admins_and_managers_only(personas, world):
    for user in (personas.employee.user, personas.peer.user, personas.outsider):
        client = client_for(user)
        assert client.get(reverse("goals:actuals_import")).status_code == 404
        assert client.get(reverse("goals:actuals_import_template")).status_code == 404
    for user in (personas.scoped_hr, personas.admin, personas.manager.user):
        assert client_for(user).get(reverse("goals:actuals_import")).status_code == 200


def test_the_template_has_the_headers_and_one_example_row(personas, world):
    response = client_for(personas.manager.user).get(reverse("goals:actuals_import_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("employee_number", "department", "kpi_code", "date", "value", "note")
    assert rows[1][0] == personas.employee.employee_number and rows[1][2] == "SALES-01"
    assert isinstance(rows[1][3], dt.datetime)
    assert len(rows) == 2


def test_the_template_has_chinese_headers_for_a_chinese_reader(personas, world):
    response = client_for(personas.scoped_hr).get(
        reverse("goals:actuals_import_template"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert next(sheet.iter_rows(values_only=True)) == ("工号", "部门", "指标编码", "日期", "实际值", "备注")
