"""An employee writes an objective aligned to her department's and submits it; her manager approves it;
a check-in moves the progress bar. Once in English and once in a Chinese browser.

Each run gets its own period (and a department objective in it), written through the services in a
separate process on the server's database, so the demo's own goals never get in the way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .conftest import ROOT, Console, Server, _sign_in, new_context

SETUP = """
import datetime as dt, json, django
django.setup()
from jixiao.accounts.models import User
from jixiao.goals import services
admin = User.objects.get(username="admin")
employee = User.objects.get(username="employee").employee
year = {year}
period = services.period_create(
    actor=admin, name="E2E {year}", name_en="E2E {year}", kind="custom",
    start=dt.date(year, 1, 1), end=dt.date(year, 12, 31),
)
goal = services.objective_create(
    actor=admin, period=period, owner_type="department", department=employee.department,
    data=services.ObjectiveInput(
        title="Renew 90% of East China key accounts in {year}", description="Renewals signed before expiry.",
        due_date=period.end, key_results=[services.KeyResultInput(title="Renewal rate", start=70, target=90)],
    ),
)
print(json.dumps({{"period": period.pk, "goal": goal.pk, "title": goal.title, "employee": employee.pk}}))
"""


def run_on_server(server: Server, script: str) -> dict[str, object]:
    """Run a Django script in a separate process on the server's database; the JSON its last line prints."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def setup_period(server: Server, year: int) -> dict[str, object]:
    """A period and her department's objective in it, created through the services."""
    return run_on_server(server, SETUP.format(year=year))


def words(language: str) -> Callable[[str], str]:
    """The text the server shows for a msgid in `language`, read from the same catalogue in this process."""

    def tr(msgid: str) -> str:
        with translation.override(language):
            return translation.gettext(msgid)

    return tr


def shot(page: Page, name: str) -> None:
    """Keep a screenshot when JIXIAO_E2E_SHOTS names a directory (to look at the pages)."""
    folder = os.environ.get("JIXIAO_E2E_SHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def pages_in(browser: Browser, server: Server, console: Console, page_as) -> Iterator[Callable[[str, str], Page]]:
    """pages_in(language, username): the demo user's page in English (saved sign-in) or a Chinese browser."""
    contexts: list[BrowserContext] = []
    switched: list[Page] = []

    def open_as(language: str, username: str) -> Page:
        if language == "en":
            return page_as(username)
        context = new_context(browser, server, console, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        _sign_in(page, username)
        if page.locator("html").get_attribute("lang") != "zh-hans":
            # The account chose English earlier (a saved choice beats the browser's); switch for this test.
            page.get_by_test_id("lang-switch").click()
            expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
            switched.append(page)
        return page

    yield open_as
    for page in switched:  # leave the shared demo accounts as we found them
        page.goto("/")
        page.get_by_test_id("lang-switch").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    for context in contexts:
        context.close()


@pytest.mark.parametrize(("language", "year"), [("en", 2031), ("zh-hans", 2032)])
def test_an_aligned_objective_is_submitted_approved_and_moved_by_a_check_in(server, pages_in, language, year):
    data = setup_period(server, year)
    period, goal, title = data["period"], data["goal"], str(data["title"])
    tr = words(language)
    mine = f"/goals/?period={period}"

    # The employee starts from an empty period that offers her department's objective to align to.
    employee = pages_in(language, "employee")
    employee.goto(mine)
    expect(employee.locator("html")).to_have_attribute("lang", language)
    expect(employee.get_by_test_id("goals-empty")).to_be_visible()
    expect(employee.get_by_test_id("align-to")).to_contain_text(title)
    employee.get_by_test_id("objective-new-empty").click()

    # She writes the objective with a key result; a second row added by mistake is removed again.
    form = employee.get_by_test_id("objective-form")
    expect(form).to_be_visible()
    form.locator("#id_title").fill("Renew every key account in my territory on time")
    form.locator("#id_description").fill("All twelve key accounts renewed before their contracts expire.")
    form.locator("#id_parent").select_option(str(goal))
    form.locator("#id_weight").fill("100")
    form.locator("#id_kr-0-title").fill("Key accounts renewed")
    form.locator("#id_kr-0-start").fill("0")
    form.locator("#id_kr-0-target").fill("10")
    employee.get_by_test_id("kr-add").click()
    form.locator("#id_kr-1-title").fill("Added by mistake")
    form.get_by_test_id("kr-row").nth(1).locator("[data-kr-remove]").click()
    expect(form.locator("#id_kr-1-title")).to_be_hidden()
    employee.get_by_test_id("objective-save").click()

    expect(employee).to_have_url(f"{server.url}{mine}")
    card = employee.get_by_test_id("objective-card")
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("objective-parent")).to_contain_text(title)
    expect(card.get_by_test_id("kr")).to_have_count(1)
    expect(card).to_contain_text(f"{year}-12-31")  # the due date defaults to the period's end
    expect(employee.get_by_test_id("total-weight")).to_contain_text("100")
    shot(employee, f"goals-{language}-1-written")

    # She submits her goals for the period.
    employee.get_by_test_id("plan-submit").click()
    state = employee.get_by_test_id("plan-card").get_by_test_id("plan-state")
    expect(state).to_have_attribute("data-state", "submitted")
    expect(state).to_have_text(tr("Submitted"))

    # Her manager approves them from the team page.
    manager = pages_in(language, "manager")
    manager.goto(f"/goals/team/?period={period}")
    row = manager.locator(f'[data-testid="team-row"][data-employee="{data["employee"]}"]')
    expect(row.get_by_test_id("plan-state")).to_have_attribute("data-state", "submitted")
    shot(manager, f"goals-{language}-2-team")
    row.get_by_test_id("team-approve").click()
    expect(manager).to_have_url(f"{server.url}/goals/team/?period={period}")
    expect(row.get_by_test_id("plan-state")).to_have_attribute("data-state", "approved")
    expect(row.get_by_test_id("plan-state")).to_have_text(tr("Approved"))

    # A check-in moves the progress bar of the key result and of the objective.
    employee.goto(mine)
    expect(state).to_have_attribute("data-state", "approved")
    employee.get_by_test_id("objective-title").click()
    bar = employee.get_by_test_id("objective-head").get_by_test_id("objective-progress")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    check_in = employee.get_by_test_id("checkin-form")
    check_in.locator("input[name$='-value']").fill("6")
    check_in.locator("input[value='at_risk']").check()
    check_in.locator("textarea").fill("Two renewals are waiting for the customer's legal team.")
    employee.get_by_test_id("checkin-submit").click()
    expect(bar).to_have_attribute("aria-valuenow", "60")
    expect(employee.get_by_test_id("kr-progress")).to_have_attribute("aria-valuenow", "60")
    expect(employee.get_by_test_id("objective-head").get_by_test_id("confidence")).to_have_text(tr("At risk"))
    expect(employee.locator("[data-goal-chart] canvas").first).to_be_visible()
    employee.get_by_test_id("kr-history").locator("summary").click()
    expect(employee.get_by_test_id("kr-history")).to_contain_text("Two renewals are waiting")
    shot(employee, f"goals-{language}-3-checked-in")

    # Her goals page shows the new progress too.
    employee.goto(mine)
    expect(employee.get_by_test_id("objective-card").get_by_test_id("objective-progress")).to_have_attribute(
        "aria-valuenow", "60"
    )
