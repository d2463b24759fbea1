"""Importing KPI actuals: every kind of bad row is reported with its row and column and nothing is written;
the same file twice changes nothing; GB18030 CSV, Chinese headers, XLSX and department rows work."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jixiao.audit.models import AuditEvent
from jixiao.goals import testing as f
from jixiao.goals.imports_kpi import actuals_import_file, describe, report_rows
from jixiao.goals.models import KPIActual, KPITarget
from jixiao.org.imports import ImportRejected
from jixiao.org.models import ImportJob
from jixiao.org.testing_import import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["employee_number", "department", "kpi_code", "date", "value", "note"]
HEADER_ZH = ["工号", "部门", "指标编码", "日期", "实际值", "备注"]
EAST = "总部/销售部/华东区"


@pytest.fixture
def world(personas):
    """FY2027 with KPI SALES-01: targets for the employee and the peer (0 → 100) and for 华东区 (0 → 1000)."""
    period = f.make_period(personas.admin, "FY2027")
    indicator = f.make_indicator(personas.admin, code="SALES-01", aggregation="sum")
    manager = personas.manager.user
    return {
        "period": period,
        "indicator": indicator,
        "employee": f.make_kpi_target(manager, indicator, period, employee=personas.employee, target=100),
        "peer": f.make_kpi_target(manager, indicator, period, employee=personas.peer, target=100),
        "east": f.make_kpi_target(personas.skip.user, indicator, period, department=personas.east, target=1000),
    }


def good_rows(personas) -> list[list[object]]:
    return [
        [personas.employee.employee_number, "", "SALES-01", "2027-01-31", "30", "一月"],
        [personas.employee.employee_number, "", "sales-01", "2027-02-28", "25.5", ""],
        [personas.peer.employee_number, "", "SALES-01", "2027-01-31", "1,200", ""],
        ["", EAST, "SALES-01", "2027-01-31", "400", "部门"],
    ]


def run(actor, data: bytes, period, name: str = "actuals.csv"):
    return actuals_import_file(actor=actor, data=data, period=period, filename=name)


def rejected(actor, data: bytes, period) -> list[tuple[int | None, str, str]]:
    """The import's report as (row, column, reason) after checking that nothing at all was written."""
    before = (KPIActual.objects.count(), AuditEvent.objects.count(), list(KPITarget.objects.values_list("actual")))
    with pytest.raises(ImportRejected) as info:
        run(actor, data, period)
    after = (KPIActual.objects.count(), AuditEvent.objects.count(), list(KPITarget.objects.values_list("actual")))
    assert after == before, "a rejected file must write nothing"
    return [(r["row"] or None, r["column"], r["reason"]) for r in report_rows(info.value.report.as_json())]


# ---- a good file --------------------------------------------------------------------------------


def test_a_good_file_records_every_value_with_its_source_and_who(personas, world):
    result = run(personas.scoped_hr, csv_bytes(good_rows(personas), header=HEADER), world["period"])
    assert (result.rows, result.created, result.updated, result.unchanged) == (4, 4, 0, 0)
    target = KPITarget.objects.get(pk=world["employee"].pk)
    assert target.actual == Decimal("55.5")  # a "sum" KPI adds its values up
    actual = KPIActual.objects.get(target=target, measured_on=dt.date(2027, 1, 31))
    assert (actual.source, actual.recorded_by, actual.note) == ("import", personas.scoped_hr, "一月")
    assert KPIActual.objects.get(target=world["peer"]).value == Decimal(1200)
    assert KPITarget.objects.get(pk=world["east"].pk).actual == Decimal(400)
    assert AuditEvent.objects.filter(action="kpi_actual.record", target_label="actuals.csv").exists()


def test_the_same_file_twice_changes_nothing_the_second_time(personas, world):
    data = csv_bytes(good_rows(personas), header=HEADER)
    run(personas.scoped_hr, data, world["period"])
    events = AuditEvent.objects.count()
    second = run(personas.scoped_hr, data, world["period"])
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    assert KPIActual.objects.count() == 4
    assert AuditEvent.objects.count() == events + 1  # the summary only


def test_a_changed_value_replaces_the_one_on_that_date(personas, world):
    run(personas.scoped_hr, csv_bytes(good_rows(personas), header=HEADER), world["period"])
    rows = good_rows(personas)
    rows[0][4] = "31"
    result = run(personas.scoped_hr, csv_bytes(rows, header=HEADER), world["period"])
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert KPITarget.objects.get(pk=world["employee"].pk).actual == Decimal("56.5")
    assert AuditEvent.objects.filter(action="kpi_actual.replace").count() == 1


def test_a_gb18030_csv_with_chinese_headers_is_read(personas, world):
    data = csv_bytes(good_rows(personas), header=HEADER_ZH, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = run(personas.scoped_hr, data, world["period"])
    assert result.created == 4
    assert KPIActual.objects.get(target=world["east"]).note == "部门"


def test_an_xlsx_with_date_and_number_cells_and_chinese_headers_is_read(personas, world):
    rows = [
        [personas.employee.employee_number, None, "SALES-01", dt.date(2027, 3, 31), 42, "三月"],
        [None, EAST, "SALES-01", dt.date(2027, 3, 31), 12.25, None],
    ]
    result = run(personas.manager.user, xlsx_bytes(rows, header=HEADER_ZH), world["period"])
    assert result.created == 2
    assert KPIActual.objects.get(target=world["east"]).value == Decimal("12.25")


def test_a_department_may_be_named_by_its_english_path(personas, world):
    rows = [["", "Head office/Sales/East China", "SALES-01", "2027-04-01", "7", ""]]
    assert run(personas.scoped_hr, csv_bytes(rows, header=HEADER), world["period"]).created == 1


def test_the_employee_may_import_only_her_own_values_through_the_file_rules(personas, world):
    # Through the service (the page is for HR, admins and managers), the rules are those of recording by hand.
    rows = [[personas.employee.employee_number, "", "SALES-01", "2027-01-31", "3", ""]]
    assert run(personas.employee.user, csv_bytes(rows, header=HEADER), world["period"]).created == 1


# ---- bad input: each kind reported with row and column, nothing written ------------------------------------


def test_an_unknown_kpi_code_is_reported(personas, world):
    rows = [*good_rows(personas), [personas.employee.employee_number, "", "NOPE-9", "2027-01-31", "1", ""]]
    assert rejected(personas.scoped_hr, csv_bytes(rows, header=HEADER), world["period"]) == [
        (6, "kpi_code", "No KPI in the library has the code “NOPE-9”.")
    ]


def test_an_unknown_employee_is_reported(personas, world):
    rows: list[list[object]] = [["ZZ999", "", "SALES-01", "2027-01-31", "1", ""], *good_rows(personas)]
    assert rejected(personas.scoped_hr, csv_bytes(rows, header=HEADER), world["period"]) == [
        (2, "employee_number", "No employee has the number ZZ999.")
    ]


def test_an_unknown_department_is_reported(personas, world):
    rows: list[list[object]] = [*good_rows(personas), ["", "总部/销售部/火星区", "SALES-01", "2027-01-31", "1", ""]]
    assert rejected(personas.scoped_hr, csv_bytes(rows, header=HEADER), world["period"]) == [
        (6, "department", "No department has the path “总部/销售部/火星区”.")
    ]


def test_a_row_without_a_target_for_that_kpi_person_and_period_is_reported(personas, world):
    other_period = f.make_period(personas.admin, "FY2028", start=dt.date(2028, 1, 1), end=dt.date(2028, 12, 31))
    rows = [[personas.employee.employee_number, "", "SALES-01", "2028-01-31", "1", ""]]
    assert rejected(personas.scoped_hr, csv_bytes(rows, header=HEADER), other_period) == [
        (2, "kpi_code", f"王小明 ({personas.employee.employee_number}) has no target for KPI SALES-01 in FY2028.")
    ]


def test_a_value_that_is_not_a_number_is_reported(personas, world):
    rows = good_rows(personas)
    rows[1][4] = "abc"
    rows[2][4] = "1e99"
    assert rejected(personas.scoped_hr, csv_bytes(rows, header=HEADER), world["period"]) == [
        (3, "value", "“abc” is not a number."),
        (4, "value", "“1e99” is too large."),
    ]


def test_a_date_that_is_not_a_date_or_lies_outside_the_period_is_reported(personas, world):
    rows = good_rows(personas)
    rows[0][3] = "2027-02-30"
    rows[3][3] = "2026-12-31"
    assert rejected(personas.scoped_hr, csv_bytes(rows, header=HEADER), world["period"]) == [
        (2, "date", "“2027-02-30” is not a date; write it as YYYY-MM-DD."),
        (5, "date", "2026-12-31 is outside FY2027 (2027-01-01 – 2027-12-31)."),
    ]


def test_a_person_the_uploader_may_not_record_for_is_reported(personas, world):
    # HR of R&D uploads values for sales people and the sales department.
    assert rejected(personas.other_hr, csv_bytes(good_rows(personas), header=HEADER), world["period"]) == [
        (2, "employee_number", f"You may not record actuals for 王小明 ({personas.employee.employee_number})."),
        (3, "employee_number", f"You may not record actuals for 王小明 ({personas.employee.employee_number})."),
        (4, "employee_number", f"You may not record actuals for 赵同事 ({personas.peer.employee_number})."),
        (5, "department", f"You may not record actuals for {EAST}."),
    ]


def test_a_peer_may_not_import_for_a_colleague(personas, world):
    rows = [[personas.employee.employee_number, "", "SALES-01", "2027-01-31", "1", ""]]
    assert rejected(personas.peer.user, csv_bytes(rows, header=HEADER), world["period"])[0][1] == "employee_number"


def test_a_row_without_owner_and_the_same_target_and_date_twice_are_reported(personas, world):
    rows: list[list[object]] = [*good_rows(personas), ["", "", "SALES-01", "2027-01-31", "1", ""]]
    rows.append(list(rows[0]))
    problems = rejected(personas.scoped_hr, csv_bytes(rows, header=HEADER), world["period"])
    assert problems == [
        (6, "employee_number", "Give the employee number, or the department for a department's KPI."),
        (7, "date", "This KPI already has a value for 2027-01-31 in row 2 of the file."),
    ]


def test_a_file_without_an_owner_column_or_without_the_kpi_code_is_refused(personas, world):
    no_owner = csv_bytes([["SALES-01", "2027-01-31", "1"]], header=["kpi_code", "date", "value"])
    assert rejected(personas.scoped_hr, no_owner, world["period"]) == [
        (
            None,
            "Employee number (employee_number / 工号)",
            "The file needs an employee number column (工号) or a department column (部门).",
        )
    ]
    no_code = csv_bytes([["X1", "2027-01-31", "1"]], header=["工号", "日期", "实际值"])
    problems = rejected(personas.scoped_hr, no_code, world["period"])
    assert [p[2] for p in problems] == ["The required column “KPI code (kpi_code / 指标编码)” is missing."]


def test_a_report_keeps_codes_and_is_worded_when_read(personas, world):
    rows = [["ZZ999", "", "SALES-01", "2027-01-31", "1", ""]]
    with pytest.raises(ImportRejected) as info:
        run(personas.scoped_hr, csv_bytes(rows, header=HEADER), world["period"])
    entry = info.value.report.as_json()["errors"][0]
    # Stored as a code with parameters, so a report written by the worker reads in the reader's language.
    assert (entry["code"], entry["params"], entry["column"]) == (
        "unknown_employee",
        {"value": "ZZ999"},
        "employee_number",
    )
    assert describe(entry) == "No employee has the number ZZ999."


# ---- the page and its job ------------------------------------------------------------------------


def upload(client: Client, data: bytes, period, name: str = "actuals.csv"):
    return client.post(reverse("goals:actuals_import"), {"period": period.pk, "file": SimpleUploadedFile(name, data)})


def test_hr_uploads_a_file_and_the_job_page_shows_the_counts(personas, world):
    client = Client()
    client.force_login(personas.scoped_hr)
    response = upload(client, csv_bytes(good_rows(personas), header=HEADER), world["period"])
    job = ImportJob.objects.get()
    assert (job.kind, job.status, job.created_count, job.content) == ("kpi_actuals", "succeeded", 4, b"")
    assert response["Location"] == reverse("goals:actuals_import_job", args=[job.pk])
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-created">4<' in html
    assert "hx-trigger" not in html
    again = upload(client, csv_bytes(good_rows(personas), header=HEADER), world["period"])
    html = client.get(again["Location"]).content.decode()
    assert 'data-testid="import-unchanged">4<' in html and 'data-testid="import-created">0<' in html


def test_a_bad_upload_shows_the_report_on_the_job_page(personas, world):
    client = Client()
    client.force_login(personas.scoped_hr)
    rows = [["ZZ999", "", "SALES-01", "2027-01-31", "1", ""]]
    response = upload(client, csv_bytes(rows, header=HEADER), world["period"])
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-failed"' in html and "No employee has the number ZZ999." in html
    assert not KPIActual.objects.exists()


def test_a_large_file_runs_as_a_task_and_only_its_owner_sees_the_job(personas, world, settings):
    settings.JIXIAO_IMPORT_BACKGROUND_ROWS = 2
    client = Client()
    client.force_login(personas.scoped_hr)
    response = upload(client, csv_bytes(good_rows(personas), header=HEADER), world["period"])
    job = ImportJob.objects.get()
    assert job.status == "succeeded" and job.created_count == 4  # the test settings run tasks at once
    polled = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert polled.lstrip().startswith('<div id="jx-import-status"')
    other = Client()
    other.force_login(personas.other_hr)
    assert other.get(response["Location"]).status_code == 404
    assert other.get(reverse("org:import_job", args=[job.pk])).status_code == 404


def test_the_page_asks_for_a_period_and_a_file(personas, world):
    client = Client()
    client.force_login(personas.scoped_hr)
    response = client.post(reverse("goals:actuals_import"), {})
    html = response.content.decode()
    assert "Choose the period the actuals belong to." in html
    assert "Choose a CSV or XLSX file to import." in html
    assert not ImportJob.objects.exists()
