"""A 1:1 prepared together and an improvement plan acknowledged, through the pages only. Once in English and once
in a Chinese browser.

The 1:1: the demo manager starts a 1:1 with one of her reports from "My 1:1s" and puts a topic on the agenda; the
report, in her own browser, finds it in her list, sees the topic and adds her own; the manager writes the shared
notes, which the report reads; the report writes a private note that never reaches the manager's page; the
manager adds an action item for the report with a due date and marks the meeting as held; the next meeting
shows the open item carried over, and once the report ticks it off it is gone from there (and shown done on
the past meeting).

The improvement plan: the manager opens one for a report with the gaps, an expected result with its measure, two
checkpoints (the second added with the form's button) and an end date, and sends it; the report opens it from the
notification she was sent and acknowledges it; the plan is active, its expectations locked, and shows so in her
own list; each side writes a progress note on the first checkpoint; HR in scope finds the plan in her list.

Each run takes a report of the manager who has neither a 1:1 nor a plan yet (the demo's 1:1 with the demo
employee and its plan stay untouched), so the two languages and any other test never get in each other's way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from .conftest import Server
from .test_feedback_360 import top_shot
from .test_goals import pages_in, run_on_server, words  # noqa: F401 - pages_in is a fixture

SETUP = """
import json, django
django.setup()
from django.utils import timezone
from jixiao.accounts.models import User
from jixiao.conversations.models import ImprovementPlan, OneOnOne
from jixiao.org.models import Employee, Status
manager = User.objects.get(username="manager").employee
taken = set(OneOnOne.objects.values_list("first_id", flat=True)) | set(
    OneOnOne.objects.values_list("second_id", flat=True)
) | set(ImprovementPlan.objects.values_list("employee_id", flat=True))
report = (
    Employee.objects.filter(manager=manager, status=Status.ACTIVE, user__is_active=True)
    .exclude(user__username__in=["admin", "hr", "ceo", "manager", "employee"])
    .exclude(pk__in=taken).select_related("user").order_by("-pk").first()
)
print(json.dumps({
    "today": timezone.localdate().isoformat(), "manager": manager.name,
    "report": {"pk": report.pk, "name": report.name, "number": report.employee_number,
               "username": report.user.username},
}))
"""


def plan_state(language: str, state: str) -> str:
    """The name the plan page gives a state ("Active" has a context: a plan's, not an employee's)."""
    labels = {"draft": "Draft", "pending": "Waiting for acknowledgement", "active": "Active"}
    with translation.override(language):
        return translation.pgettext("plan", labels[state])


def either(tr: Callable[[str], str], msgid: str) -> re.Pattern[str]:
    """The message in this language or in English (a notification is written in the recipient's language)."""
    return re.compile("|".join(re.escape(text) for text in {tr(msgid), msgid}))


def autosave(page: Page, testid: str, text: str, kind: str) -> None:
    """Type into a notes box that saves itself, and wait for "Saved at hh:mm"."""
    box = page.get_by_test_id(testid)
    box.fill(text)
    expect(page.get_by_test_id(f"{kind}-saved")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_manager_and_her_report_prepare_a_1on1_and_an_action_item_carries_over(
    server: Server,
    pages_in: Callable[[str, str], Page],  # noqa: F811
    language: str,
) -> None:
    tr = words(language)
    facts = run_on_server(server, SETUP)
    person: dict[str, str] = facts["report"]  # type: ignore[assignment]
    report_name, manager_name = person["name"], str(facts["manager"])
    today = dt.date.fromisoformat(str(facts["today"]))
    said = {
        "manager topic": f"Q4 targets for the east region ({language})",
        "report topic": f"Joining the southern bid project ({language})",
        "shared": f"Agreed: she leads the renewal of two key accounts ({language}).",
        "private": f"Ask about moving to Shanghai next year ({language})",
        "action": f"List the renewal risks of every key account ({language})",
    }
    due = today + dt.timedelta(days=10)

    # The manager starts a 1:1 with her report from "My 1:1s" and puts a topic on its first agenda.
    manager = pages_in(language, "manager")
    expect(manager.locator("html")).to_have_attribute("lang", language)
    manager.get_by_test_id("nav-one-on-ones").click()
    expect(manager.get_by_test_id("one-on-ones-title")).to_have_text(tr("My 1:1s"))
    manager.get_by_test_id("picker").fill(person["number"])
    candidate = manager.get_by_test_id("candidate").filter(has_text=report_name)
    expect(candidate).to_have_count(1)
    candidate.get_by_test_id("start").click()
    expect(manager.get_by_test_id("one-on-one-title")).to_contain_text(report_name)
    expect(manager.get_by_test_id("agenda-empty")).to_be_visible()
    expect(manager.get_by_test_id("past-empty")).to_be_visible()
    manager.get_by_test_id("agenda-text").fill(said["manager topic"])
    manager.get_by_test_id("agenda-add").click()
    expect(manager.get_by_test_id("agenda-item")).to_have_text([re.compile(re.escape(said["manager topic"]))])

    # The report finds the 1:1 in her own list, sees the topic and adds hers.
    report = pages_in(language, person["username"])
    report.get_by_test_id("nav-one-on-ones").click()
    row = report.get_by_test_id("series-row").filter(has_text=manager_name)
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(report.get_by_test_id("one-on-one-title")).to_contain_text(manager_name)
    expect(report.get_by_test_id("agenda-item")).to_have_count(1)
    expect(report.get_by_test_id("agenda-item")).to_contain_text(manager_name)  # "added by" her manager
    report.get_by_test_id("agenda-text").fill(said["report topic"])
    report.get_by_test_id("agenda-add").click()
    expect(report.get_by_test_id("agenda-item")).to_have_count(2)
    series_url = report.url.split("#")[0]

    # The manager sees both topics, ticks hers off as discussed and writes the shared notes.
    manager.reload()
    items = manager.get_by_test_id("agenda-item")
    expect(items).to_have_text(
        [re.compile(re.escape(said["manager topic"])), re.compile(re.escape(said["report topic"]))]
    )
    items.first.get_by_test_id("agenda-tick").click()
    expect(manager.get_by_test_id("agenda-item").first.get_by_test_id("agenda-tick")).to_have_attribute(
        "aria-pressed", "true"
    )
    autosave(manager, "shared-text", said["shared"], "shared")

    # The report reads the shared notes and keeps a private note of her own.
    report.goto(series_url)
    expect(report.get_by_test_id("shared-text")).to_have_value(said["shared"])
    expect(report.get_by_test_id("private-hint")).to_contain_text(manager_name)
    autosave(report, "private-text", said["private"], "private")
    top_shot(report, f"1on1-{language}-1-report")

    # Her private note never reaches the manager's page; the manager adds an action item for the report.
    manager.reload()
    expect(manager.get_by_test_id("shared-text")).to_have_value(said["shared"])
    expect(manager.get_by_test_id("private-text")).to_have_value("")
    expect(manager.locator("body")).not_to_contain_text(said["private"])
    manager.get_by_test_id("action-text").fill(said["action"])
    manager.get_by_test_id("action-owner").select_option(label=report_name)
    manager.get_by_test_id("action-due").fill(due.isoformat())
    manager.get_by_test_id("action-add").click()
    action = manager.get_by_test_id("action-item")
    expect(action).to_have_count(1)
    expect(action).to_contain_text(said["action"])
    expect(action).to_contain_text(report_name)
    expect(action).to_contain_text(due.isoformat())
    expect(action).not_to_have_attribute("data-carried", "1")
    top_shot(manager, f"1on1-{language}-2-manager")

    # The meeting is held: the next one starts with an empty agenda and the open action item carried over.
    manager.get_by_test_id("complete").click()
    expect(manager.get_by_test_id("meeting-head")).to_be_visible()
    expect(manager.get_by_test_id("agenda-empty")).to_be_visible()
    expect(manager.get_by_test_id("shared-text")).to_have_value("")
    carried = manager.get_by_test_id("action-item")
    expect(carried).to_have_count(1)
    expect(carried).to_have_attribute("data-carried", "1")
    expect(carried.get_by_test_id("carried-from")).to_contain_text(today.isoformat())
    expect(carried).to_contain_text(said["action"])
    expect(manager.get_by_test_id("suggestion").filter(has_text=said["action"])).to_have_count(1)
    expect(manager.get_by_test_id("past-meeting")).to_have_text([today.isoformat()])

    # The report sees it on the next meeting too, and ticks it off: it is gone from there.
    report.goto(series_url)
    carried = report.get_by_test_id("action-item").filter(has_text=said["action"])
    expect(carried).to_have_attribute("data-carried", "1")
    carried.get_by_test_id("action-tick").click()
    expect(report.get_by_test_id("action-item")).to_have_count(0)
    expect(report.get_by_test_id("actions-empty")).to_be_visible()
    top_shot(report, f"1on1-{language}-3-next-meeting")

    # The manager's next meeting has nothing open; the past meeting keeps its notes and the item, done.
    manager.reload()
    expect(manager.get_by_test_id("action-item")).to_have_count(0)
    manager.get_by_test_id("past-meeting").get_by_role("link").click()
    expect(manager.get_by_test_id("meeting-head")).to_contain_text(today.isoformat())
    expect(manager.get_by_test_id("shared-text")).to_have_value(said["shared"])
    expect(manager.get_by_test_id("agenda-item")).to_have_count(2)
    done = manager.get_by_test_id("action-item").filter(has_text=said["action"])
    expect(done.get_by_test_id("action-tick")).to_have_attribute("aria-pressed", "true")
    expect(manager.locator("body")).not_to_contain_text(said["private"])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_manager_opens_an_improvement_plan_that_her_report_acknowledges(
    server: Server,
    pages_in: Callable[[str, str], Page],  # noqa: F811
    language: str,
) -> None:
    tr = words(language)
    facts = run_on_server(server, SETUP)
    person: dict[str, str] = facts["report"]  # type: ignore[assignment]
    report_name = person["name"]
    today = dt.date.fromisoformat(str(facts["today"]))
    ends = today + dt.timedelta(days=60)
    first_cp, second_cp = today + dt.timedelta(days=20), today + dt.timedelta(days=45)
    said = {
        "gaps": f"Two of five deliveries late this quarter; visit reports missing ({language}).",
        "support": f"Weekly coaching; a senior colleague joins her customer visits ({language}).",
        "result": f"Deliver on time ({language})",
        "measure": f"90% of delivery tickets closed by their date ({language})",
        "cp1": f"First look at deliveries ({language})",
        "cp2": f"Final review ({language})",
        "manager note": f"Three deliveries on time since we started ({language}).",
        "report note": f"The coaching helps; one delay came from the customer ({language}).",
    }

    # The manager opens a plan for her report from "Improvement plans" and saves it as a draft.
    manager = pages_in(language, "manager")
    manager.get_by_test_id("nav-pip-team").click()
    expect(manager.get_by_test_id("pip-list-title")).to_have_text(tr("Improvement plans I manage"))
    manager.get_by_test_id("pip-new").click()
    form = manager.get_by_test_id("pip-form")
    expect(manager.get_by_test_id("pip-form-title")).to_have_text(tr("Open an improvement plan"))
    form.locator("#id_employee").select_option(str(person["pk"]))
    form.locator("#id_gaps").fill(said["gaps"])
    form.locator("#id_support").fill(said["support"])
    form.locator("#id_starts_on").fill(today.isoformat())
    form.locator("#id_ends_on").fill(ends.isoformat())
    expectation = form.get_by_test_id("pip-exp-row")
    expect(expectation).to_have_count(1)
    expectation.locator("input[name$='-text']").fill(said["result"])
    expectation.locator("input[name$='-measure']").fill(said["measure"])
    checkpoints = form.get_by_test_id("pip-cp-row")
    checkpoints.first.locator("input[name$='-due_on']").fill(first_cp.isoformat())
    checkpoints.first.locator("input[name$='-title']").fill(said["cp1"])
    form.get_by_test_id("pip-cp-add").click()
    expect(checkpoints).to_have_count(2)
    checkpoints.nth(1).locator("input[name$='-due_on']").fill(second_cp.isoformat())
    checkpoints.nth(1).locator("input[name$='-title']").fill(said["cp2"])
    top_shot(manager, f"pip-{language}-1-form")
    form.get_by_test_id("pip-save").click()

    # The draft: what she wrote, then sent for acknowledgement.
    expect(manager.get_by_test_id("pip-title")).to_contain_text(report_name)
    state = manager.get_by_test_id("pip-head").get_by_test_id("pip-state")
    expect(state).to_have_attribute("data-state", "draft")
    expect(state).to_have_text(plan_state(language, "draft"))
    expect(manager.get_by_test_id("pip-gaps")).to_have_text(said["gaps"])
    expect(manager.get_by_test_id("pip-expectations").locator("tbody tr")).to_have_text(
        [re.compile(re.escape(said["result"]) + r"\s*" + re.escape(said["measure"]))]
    )
    expect(manager.get_by_test_id("pip-checkpoint")).to_have_count(2)
    expect(manager.get_by_test_id("pip-ends")).to_have_text(ends.isoformat())
    manager.get_by_test_id("pip-send").click()
    expect(state).to_have_attribute("data-state", "pending")
    expect(state).to_have_text(plan_state(language, "pending"))
    expect(manager.get_by_test_id("pip-waiting")).to_contain_text(report_name)
    plan_url = manager.url

    # The report is told: from her notifications she opens the plan and acknowledges it.
    report = pages_in(language, person["username"])
    report.get_by_test_id("bell").click()
    told = report.get_by_test_id("notification").filter(
        has_text=either(tr, "An improvement plan is waiting for your acknowledgement")
    )
    expect(told).to_have_count(1)
    told.get_by_role("link").click()
    expect(report).to_have_url(plan_url)
    expect(report.get_by_test_id("pip-ack-banner")).to_be_visible()
    expect(report.get_by_test_id("pip-expectations")).to_contain_text(said["measure"])
    expect(report.get_by_test_id("pip-actions").get_by_test_id("pip-edit")).to_have_count(0)
    top_shot(report, f"pip-{language}-2-to-acknowledge")
    report.get_by_test_id("pip-acknowledge").click()
    state = report.get_by_test_id("pip-head").get_by_test_id("pip-state")
    expect(state).to_have_attribute("data-state", "active")
    expect(state).to_have_text(plan_state(language, "active"))
    expect(report.get_by_test_id("pip-ack-banner")).to_have_count(0)
    expect(report.get_by_test_id("pip-head")).to_contain_text(tr("Expectations locked"))
    expect(report.get_by_test_id("pip-head")).to_contain_text(today.isoformat())  # acknowledged today

    # Her own list ("My improvement plan", the breadcrumb) shows it active; she opens it again from there.
    report.get_by_role("navigation", name=tr("Breadcrumbs")).get_by_role("link", name=tr("My improvement plan")).click()
    expect(report.get_by_test_id("pip-list-title")).to_have_text(tr("My improvement plan"))
    mine = report.get_by_test_id("pip-row")
    expect(mine).to_have_count(1)
    expect(mine.get_by_test_id("pip-state")).to_have_attribute("data-state", "active")
    mine.get_by_role("link").click()
    expect(report).to_have_url(plan_url)

    # A progress note from each side on the first checkpoint.
    first = report.get_by_test_id("pip-checkpoint").filter(has_text=said["cp1"])
    first.locator("textarea").fill(said["report note"])
    first.get_by_test_id("pip-note-add").click()
    expect(first.get_by_test_id("pip-note")).to_have_count(1)
    expect(first.locator("[data-testid=pip-note][data-side=employee]")).to_contain_text(said["report note"])
    manager.goto(plan_url)
    expect(manager.get_by_test_id("pip-head").get_by_test_id("pip-state")).to_have_attribute("data-state", "active")
    expect(manager.get_by_test_id("pip-waiting")).to_have_count(0)
    first = manager.get_by_test_id("pip-checkpoint").filter(has_text=said["cp1"])
    first.locator("textarea").fill(said["manager note"])
    first.get_by_test_id("pip-note-add").click()
    notes = first.get_by_test_id("pip-note")
    expect(notes).to_have_count(2)
    expect(first.locator("[data-testid=pip-note][data-side=employee]")).to_contain_text(said["report note"])
    expect(first.locator("[data-testid=pip-note][data-side=manager]")).to_contain_text(said["manager note"])
    top_shot(manager, f"pip-{language}-3-active")

    # HR in scope finds the active plan in her list and reads the notes.
    hr = pages_in(language, "hr")
    hr.get_by_test_id("nav-pip-hr").click()
    row = hr.get_by_test_id("pip-row").filter(has_text=report_name)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("pip-state")).to_have_attribute("data-state", "active")
    row.get_by_role("link").click()
    expect(hr).to_have_url(plan_url)
    expect(hr.get_by_test_id("pip-note")).to_have_count(2)
