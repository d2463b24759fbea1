"""HR uploads a file with a bad row: the page shows the per-row report and nothing is written."""

import sqlite3

from playwright.sync_api import FilePayload, Page, expect

from .conftest import Server

HEADER = "employee_number,name,department,manager_number,hire_date\n"
BAD_FILE = (
    HEADER  # row 1
    + "E2E0001,测试甲,星辰科技/销售部,,2024-01-15\n"  # row 2: fine
    + "E2E0002,测试乙,星辰科技/销售部,,2024-13-45\n"  # row 3: no such date
).encode()
# More rows than JIXIAO_IMPORT_BACKGROUND_ROWS, so the db_worker process imports it as a background task.
BIG_ROWS = 2500
BIG_BAD_ROW = 2400  # as the spreadsheet numbers it: the header is row 1


def big_file_with_one_bad_date() -> bytes:
    lines = [HEADER]
    for i in range(2, BIG_ROWS + 2):
        hire_date = "2024-02-30" if i == BIG_BAD_ROW else "2023-05-04"
        lines.append(f"E2EB{i:05d},批量{i},星辰科技/研发部,,{hire_date}\n")
    return "".join(lines).encode()


def open_import_page(page: Page) -> None:
    page.goto("/org/import/")
    expect(page.get_by_test_id("import-form")).to_be_visible()


def upload(page: Page, name: str, content: bytes) -> None:
    form = page.get_by_test_id("import-form")
    form.locator("input[type=file]").set_input_files(files=FilePayload(name=name, mimeType="text/csv", buffer=content))
    page.get_by_test_id("import-submit").click()


def report_rows(page: Page) -> list[list[str]]:
    report = page.get_by_test_id("import-report")
    expect(report).to_be_visible(timeout=60_000)
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in report.locator("tbody tr").all()]


def background_imports_finished(server: Server) -> int:
    """Import tasks the db_worker process has run to the end (the task succeeds even when the file is refused)."""
    with sqlite3.connect(server.tmp / "jixiao.sqlite3") as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE task_path LIKE ? AND status = 'SUCCESSFUL'",
            ["%.run_import_job"],
        ).fetchone()
    return int(count)


def people_numbered_like(server: Server, pattern: str) -> int:
    with sqlite3.connect(server.tmp / "jixiao.sqlite3") as db:
        (count,) = db.execute("SELECT COUNT(*) FROM org_employee WHERE employee_number LIKE ?", [pattern]).fetchone()
    return int(count)


def test_an_import_with_a_bad_row_shows_the_row_report_and_writes_nothing(page_as, server: Server):
    page = page_as("hr")
    open_import_page(page)
    upload(page, "people.csv", BAD_FILE)

    expect(page.get_by_test_id("import-failed")).to_be_visible()
    rows = report_rows(page)
    assert len(rows) == 1, rows
    row, column, reason = rows[0]
    assert row == "3"
    assert "hire_date" in column
    assert "“2024-13-45” is not a date" in reason
    assert people_numbered_like(server, "E2E0%") == 0, "a rejected file must write nothing"


def test_a_large_import_runs_in_the_background_and_still_reports_the_bad_row(page_as, server: Server):
    page = page_as("hr")
    open_import_page(page)
    finished_before = background_imports_finished(server)
    upload(page, "big.csv", big_file_with_one_bad_date())

    # The page follows the background job (htmx polling) until the worker has checked every row.
    expect(page.get_by_test_id("import-status")).to_be_visible()
    rows = report_rows(page)
    assert [r[0] for r in rows] == [str(BIG_BAD_ROW)], rows
    assert "2024-02-30" in rows[0][2]
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "failed")
    assert background_imports_finished(server) == finished_before + 1, "the worker process did not run the import"
    assert people_numbered_like(server, "E2EB%") == 0, "a rejected file must write nothing"


def test_an_employee_cannot_open_the_import_page(page_as):
    page = page_as("employee")
    # Through the page's cookies but not its console: a 404 document logs a console error by design.
    assert page.request.get("/org/import/").status == 404
