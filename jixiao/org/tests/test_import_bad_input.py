"""Every kind of bad import file is refused with a per-row report, and nothing at all is written."""

import datetime as dt
import io
import zipfile

import pytest
from django.utils import translation

from jixiao.audit.models import AuditEvent
from jixiao.org import imports
from jixiao.org.imports import ImportRejected, employees_import_file, report_rows
from jixiao.org.models import Department, Employee
from jixiao.org.testing_import import HEADER, HEADER_ZH, csv_bytes, person_row, xlsx_bytes

pytestmark = pytest.mark.django_db

EAST = "总部/销售部/华东区"


def counts() -> tuple[int, int, int]:
    return Employee.objects.count(), Department.objects.count(), AuditEvent.objects.count()


def rejected(actor, data: bytes, filename: str = "people.xlsx") -> list[dict]:
    """Import the file expecting a refusal; check nothing was written; return the report's entries."""
    before = counts()
    with pytest.raises(ImportRejected) as caught:
        employees_import_file(actor=actor, data=data, filename=filename)
    assert counts() == before, "a refused import must write nothing"
    report = caught.value.report.as_json()
    assert report["total_errors"] == len(report["errors"]) or report["truncated"]
    return report["errors"]


def one(errors: list[dict]) -> dict:
    assert len(errors) == 1, errors
    return errors[0]


def good(number: str = "N001", **fields) -> list[object]:
    return person_row(number, "新同事", fields.pop("department", EAST), fields.pop("manager", ""), **fields)


# ---- the file as a whole --------------------------------------------------------------------------


def test_an_empty_file_is_refused(personas):
    error = one(rejected(personas.admin, b""))
    assert error["code"] == "empty"
    assert report_rows({"errors": [error]})[0]["reason"] == "The file is empty."


def test_a_file_of_blank_lines_is_refused_as_empty(personas):
    assert one(rejected(personas.admin, b"\xef\xbb\xbf\r\n \r\n", "people.csv"))["code"] == "empty"


def test_a_header_without_people_is_refused(personas):
    assert one(rejected(personas.admin, xlsx_bytes([])))["code"] == "no_rows"


def test_a_png_renamed_to_xlsx_is_refused_as_the_wrong_type(personas):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    error = one(rejected(personas.admin, png, "people.xlsx"))
    assert error["code"] == "wrong_type"
    assert "PNG" in report_rows({"errors": [error]})[0]["reason"]


def test_a_word_document_renamed_to_xlsx_is_refused_as_the_wrong_type(personas):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as docx:
        docx.writestr("[Content_Types].xml", "<Types/>")
        docx.writestr("word/document.xml", "<w:document/>")
    error = one(rejected(personas.admin, buffer.getvalue(), "people.xlsx"))
    assert (error["code"], error["params"]["detail"]) == ("wrong_type", "DOCX")


def test_binary_data_without_a_known_signature_is_refused_as_the_wrong_type(personas):
    assert one(rejected(personas.admin, b"\x01\x02\x00\x00garbage" * 50, "people.csv"))["code"] == "wrong_type"


def test_a_broken_xlsx_is_refused_as_unreadable(personas):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as broken:
        broken.writestr("xl/workbook.xml", "<not-a-workbook")
    assert one(rejected(personas.admin, buffer.getvalue()))["code"] == "unreadable"


def test_a_file_above_the_size_limit_is_refused(personas, settings):
    settings.JIXIAO_IMPORT_MAX_BYTES = 1024
    data = csv_bytes([good(f"N{i:04d}") for i in range(100)])
    error = one(rejected(personas.admin, data, "people.csv"))
    assert error["code"] == "too_large"
    assert "the limit is 0" in report_rows({"errors": [error]})[0]["reason"]


def test_a_missing_required_column_is_refused_for_the_whole_file(personas):
    header = [h for h in HEADER if h != "department"]
    rows = [[v for h, v in zip(HEADER, good(), strict=True) if h != "department"]]
    error = one(rejected(personas.admin, xlsx_bytes(rows, header=header)))
    assert (error["row"], error["code"], error["params"]["column"]) == (1, "missing_column", "department")
    assert report_rows({"errors": [error]})[0]["reason"] == (
        "The required column “Department (department / 部门)” is missing."
    )


def test_a_column_given_twice_is_refused(personas):
    header = [*HEADER, "工号"]
    error = one(rejected(personas.admin, xlsx_bytes([[*good(), "N002"]], header=header)))
    assert (error["code"], error["column"]) == ("duplicate_column", "工号")


# ---- rows -----------------------------------------------------------------------------------------


def test_an_unknown_manager_is_reported_on_its_row(personas):
    errors = rejected(personas.admin, xlsx_bytes([good("N001"), good("N002", manager="NOBODY")]))
    error = one(errors)
    assert (error["row"], error["column"], error["code"]) == (3, "manager_number", "unknown_manager")
    assert "NOBODY" in report_rows({"errors": errors})[0]["reason"]


def test_a_duplicate_employee_number_in_the_file_is_reported_with_the_first_row(personas):
    error = one(rejected(personas.admin, xlsx_bytes([good("N001"), good("N002"), good("N001")])))
    assert (error["row"], error["code"], error["params"]["first_row"]) == (4, "duplicate_number", 2)


def test_a_person_cannot_be_her_own_manager(personas):
    error = one(rejected(personas.admin, xlsx_bytes([good("N001", manager="N001")])))
    assert (error["row"], error["column"], error["code"]) == (2, "manager_number", "self_manager")


def test_a_reporting_cycle_across_rows_of_the_file_is_reported_on_each_row(personas):
    rows = [good("A1", manager="C1"), good("B1", manager="A1"), good("C1", manager="B1"), good("D1")]
    errors = rejected(personas.admin, xlsx_bytes(rows))
    assert [(e["row"], e["code"]) for e in errors] == [(2, "cycle"), (3, "cycle"), (4, "cycle")]
    assert "A1 → C1 → B1 → A1" in errors[0]["params"]["cycle"]


def test_a_reporting_cycle_through_people_already_in_the_system_is_refused(personas):
    # The manager (already in the system) would report to a newcomer who reports to her employee.
    employee = personas.employee.employee_number
    rows = [
        person_row(personas.manager.employee_number, "李经理", EAST, "NEW1"),
        person_row("NEW1", "新人", EAST, employee),
    ]
    errors = rejected(personas.admin, xlsx_bytes(rows))
    assert {e["code"] for e in errors} == {"cycle"}
    assert {e["row"] for e in errors} == {2, 3}


def test_a_bad_date_is_reported(personas):
    error = one(rejected(personas.admin, xlsx_bytes([good(hire_date="2021-02-30")])))
    assert (error["row"], error["column"], error["code"]) == (2, "hire_date", "bad_date")


def test_a_bad_email_is_reported(personas):
    error = one(rejected(personas.admin, xlsx_bytes([good(email="ming@")])))
    assert (error["column"], error["code"], error["params"]["value"]) == ("email", "bad_email", "ming@")


def test_a_bad_status_is_reported(personas):
    error = one(rejected(personas.admin, xlsx_bytes([good(status="retired")])))
    assert (error["column"], error["code"]) == ("status", "bad_status")


def test_a_required_cell_left_empty_is_reported(personas):
    errors = rejected(personas.admin, xlsx_bytes([person_row("N001", "", EAST), person_row("", "无号", EAST)]))
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (2, "name", "required"),
        (3, "employee_number", "required"),
    ]


def test_a_department_path_outside_the_company_is_reported(personas):
    error = one(rejected(personas.admin, xlsx_bytes([good(department="别的公司/销售部")])))
    assert (error["code"], error["params"]["root"]) == ("wrong_root", "总部")


def test_hr_cannot_import_into_a_department_outside_her_subtree(personas):
    rows = [good("N001"), good("N002", department="总部/研发部", manager="")]
    error = one(rejected(personas.scoped_hr, xlsx_bytes(rows)))
    assert (error["row"], error["column"], error["code"]) == (3, "department", "department_out_of_scope")


def test_hr_cannot_create_a_department_outside_her_subtree(personas):
    error = one(rejected(personas.scoped_hr, xlsx_bytes([good(department="总部/新事业部")])))
    assert error["code"] == "department_out_of_scope"


def test_hr_cannot_take_over_a_person_outside_her_subtree(personas):
    rows = [person_row(personas.rnd_head.employee_number, "钱研发", EAST, "")]
    error = one(rejected(personas.scoped_hr, xlsx_bytes(rows)))
    assert (error["column"], error["code"]) == ("employee_number", "employee_out_of_scope")


def test_one_bad_row_among_good_ones_writes_none_of_them(personas):
    rows = [good(f"N{i:03d}") for i in range(50)] + [good("N999", hire_date="tomorrow")]
    error = one(rejected(personas.admin, xlsx_bytes(rows)))
    assert error["row"] == 52
    assert not Employee.objects.filter(employee_number__startswith="N").exists()


def test_the_report_keeps_the_first_thousand_problems_and_counts_them_all(personas):
    rows = [good(f"N{i:05d}", email="bad") for i in range(1200)]
    with pytest.raises(ImportRejected) as caught:
        employees_import_file(actor=personas.admin, data=csv_bytes(rows), filename="people.csv")
    report = caught.value.report.as_json()
    assert (len(report["errors"]), report["total_errors"], report["truncated"]) == (1000, 1200, True)
    assert report["errors"][0]["row"] == 2


def test_row_numbers_are_those_the_spreadsheet_shows_below_a_title_and_empty_rows(personas):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["A2"] = "员工花名册"  # a title line above the header, as HR exports often have
    for i, h in enumerate(HEADER, start=1):
        sheet.cell(row=5, column=i, value=h)
    for r, values in enumerate([good("N001"), good("N002", status="gone")], start=6):
        for i, v in enumerate(values, start=1):
            sheet.cell(row=r, column=i, value=v)
    buffer = io.BytesIO()
    workbook.save(buffer)
    error = one(rejected(personas.admin, buffer.getvalue()))
    assert (error["row"], error["code"]) == (7, "bad_status")


def test_a_file_whose_first_rows_name_no_column_reports_the_missing_columns(personas):
    data = csv_bytes([["a", "b"], ["c", "d"]], header=["名字", "备注"])
    errors = rejected(personas.admin, data, "people.csv")
    assert [(e["row"], e["code"], e["field"]) for e in errors] == [
        (1, "missing_column", "employee_number"),
        (1, "missing_column", "name"),
        (1, "missing_column", "department"),
    ]


def test_the_report_reads_in_the_users_language(personas):
    errors = rejected(personas.admin, xlsx_bytes([good(hire_date="2021-13-01")], header=HEADER_ZH))
    assert errors[0]["column"] == "入职日期"
    with translation.override("zh-hans"):
        reason = report_rows({"errors": errors})[0]["reason"]
    with translation.override("en"):
        english = report_rows({"errors": errors})[0]["reason"]
    assert english == "“2021-13-01” is not a date; write it as YYYY-MM-DD."
    assert "2021-13-01" in reason


def test_csv_rows_are_checked_like_xlsx_rows(personas):
    errors = rejected(personas.admin, csv_bytes([good("N001"), good("N002", manager="NOBODY")]), "people.csv")
    assert (one(errors)["row"], errors[0]["code"]) == (3, "unknown_manager")


def test_the_too_many_rows_limit_is_checked_before_anything_else(personas, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [good(f"N{i:03d}", hire_date=dt.date(2020, 1, 1)) for i in range(5)]
    assert one(rejected(personas.admin, xlsx_bytes(rows)))["code"] == "too_many_rows"
    assert one(rejected(personas.admin, csv_bytes(rows), "people.csv"))["code"] == "too_many_rows"
