"""HR imports KPI actuals from a file and the KPI board shows the new attainment, in English and in Chinese."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import FilePayload, Page, expect

from .conftest import Server


@dataclass
class DemoTarget:
    """A KPI target of the demo employee whose KPI takes the latest value (so one new value sets the actual)."""

    employee_number: str
    department_id: int
    code: str
    period_id: int
    period_end: str
    baseline: Decimal
    target: Decimal
    stretch: Decimal | None

    def value_for(self, attainment: Decimal) -> Decimal:
        """The actual that earns this attainment (up to the target, where the formula is linear)."""
        return self.baseline + attainment * (self.target - self.baseline)


def demo_target(server: Server) -> DemoTarget:
    with sqlite3.connect(server.tmp / "jixiao.sqlite3") as db:
        row = db.execute(
            """
            SELECT e.employee_number, e.department_id, i.code, p.id, p."end", t.baseline, t.target, t.stretch
            FROM goals_kpitarget t
            JOIN goals_indicator i ON i.id = t.indicator_id
            JOIN goals_period p ON p.id = t.period_id
            JOIN org_employee e ON e.id = t.employee_id
            JOIN accounts_user u ON u.id = e.user_id
            WHERE u.username = 'employee' AND i.aggregation = 'latest'
            ORDER BY p.start DESC, t.id LIMIT 1
            """
        ).fetchone()
    if row is None:
        pytest.skip("the demo company has no KPI target with a 'latest' KPI for the demo employee")
    number, dept, code, period_id, end, baseline, target, stretch = row
    return DemoTarget(
        number,
        dept,
        code,
        period_id,
        str(end),
        Decimal(str(baseline)),
        Decimal(str(target)),
        None if stretch is None else Decimal(str(stretch)),
    )


def chinese(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def switch_language(page: Page, to: str) -> None:
    label = {"zh-hans": "中文", "en": "English"}[to]
    switch = page.get_by_test_id("lang-switch")
    expect(switch).to_have_text(label)
    switch.click()
    expect(page.locator("html")).to_have_attribute("lang", to)


def upload_actuals(page: Page, target: DemoTarget, value: Decimal, *, chinese_headers: bool) -> None:
    header = "工号,指标编码,日期,实际值,备注" if chinese_headers else "employee_number,kpi_code,date,value,note"
    content = f"{header}\n{target.employee_number},{target.code},{target.period_end},{value},e2e\n"
    page.goto("/goals/kpis/import/")
    form = page.get_by_test_id("kpi-import-form")
    expect(form).to_be_visible()
    form.locator("select[name=period]").select_option(str(target.period_id))
    encoding = "gb18030" if chinese_headers else "utf-8"
    form.locator("input[type=file]").set_input_files(
        files=FilePayload(name="actuals.csv", mimeType="text/csv", buffer=content.encode(encoding))
    )
    page.get_by_test_id("kpi-import-submit").click()
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("import-succeeded")).to_be_visible()


def board_row(page: Page, target: DemoTarget):
    page.goto(f"/goals/kpis/?scope=department&period={target.period_id}&department={target.department_id}")
    row = page.locator(f'[data-testid="kpi-row"][data-owner="{target.employee_number}"][data-code="{target.code}"]')
    expect(row).to_have_count(1)
    return row


def test_hr_imports_actuals_and_the_board_shows_the_new_attainment(page_as, server: Server):
    target = demo_target(server)
    page = page_as("hr")
    upload_actuals(page, target, target.value_for(Decimal("0.7")), chinese_headers=False)
    expect(page.locator("h1")).to_contain_text("actuals.csv")

    row = board_row(page, target)
    expect(row.get_by_test_id("kpi-attainment-text")).to_have_text("70%")
    expect(row).to_contain_text("Needs improvement")  # 0.6 ≤ 70% < 0.8 → rating 2, band C
    expect(row.locator(".kpi-bar-C")).to_have_count(1)
    expect(row.locator("[data-kpi-spark] svg")).to_have_count(1)  # the sparkline drew itself

    # The employee sees the same value on her own board and on the target's page.
    mine = page_as("employee")
    mine.goto(f"/goals/kpis/?period={target.period_id}")
    own = mine.locator(f'[data-testid="kpi-row"][data-code="{target.code}"]')
    expect(own.get_by_test_id("kpi-attainment-text")).to_have_text("70%")
    own.locator("a.jx-person-name").click()
    expect(mine.get_by_test_id("kpi-actuals")).to_contain_text("e2e")
    expect(mine.get_by_test_id("kpi-target-attainment-text")).to_have_text("70%")


def test_hr_imports_actuals_with_chinese_headers_in_chinese_and_the_board_follows(page_as, server: Server):
    target = demo_target(server)
    page = page_as("hr")
    page.goto("/goals/kpis/import/")
    switch_language(page, "zh-hans")
    try:
        expect(page.get_by_test_id("kpi-import-title")).to_have_text(chinese("Import KPI actuals"))
        upload_actuals(page, target, target.value_for(Decimal("0.9")), chinese_headers=True)
        expect(page.get_by_test_id("import-succeeded")).to_contain_text(chinese("Imported."))

        row = board_row(page, target)
        expect(row.get_by_test_id("kpi-attainment-text")).to_have_text("90%")
        expect(row).to_contain_text(chinese("Good"))  # 0.8 ≤ 90% < 1.0 → rating 3, band B
        expect(row.locator(".kpi-bar-B")).to_have_count(1)
        expect(page.get_by_test_id("kpi-board-title")).to_have_text(chinese("KPI board"))
    finally:
        switch_language(page, "en")  # leave the shared demo account as we found it


def test_a_bad_actuals_file_is_reported_row_by_row_and_changes_nothing(page_as, server: Server):
    target = demo_target(server)
    page = page_as("hr")
    before = board_row(page, target).get_by_test_id("kpi-attainment-text").inner_text()
    page.goto("/goals/kpis/import/")
    form = page.get_by_test_id("kpi-import-form")
    form.locator("select[name=period]").select_option(str(target.period_id))
    content = (
        "employee_number,kpi_code,date,value\n"
        f"{target.employee_number},{target.code},{target.period_end},1\n"
        f"{target.employee_number},{target.code},{target.period_end[:4]}-02-30,lots\n"
    )
    form.locator("input[type=file]").set_input_files(
        files=FilePayload(name="bad.csv", mimeType="text/csv", buffer=content.encode())
    )
    page.get_by_test_id("kpi-import-submit").click()
    expect(page.get_by_test_id("import-failed")).to_be_visible()
    cells = page.get_by_test_id("import-report").locator("tbody tr td")
    expect(cells.first).to_have_text("3")
    expect(page.get_by_test_id("import-report")).to_contain_text("is not a date")
    expect(page.get_by_test_id("import-report")).to_contain_text("“lots” is not a number.")
    expect(board_row(page, target).get_by_test_id("kpi-attainment-text")).to_have_text(before)


def test_an_employee_cannot_open_the_actuals_import(page_as):
    page = page_as("employee")
    assert page.request.get("/goals/kpis/import/").status == 404
