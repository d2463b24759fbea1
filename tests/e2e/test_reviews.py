"""A review cycle from start to end in the demo company, through the pages only. Once in English and once
in a Chinese browser.

HR creates a cycle for the demo employee's department (no skip-level approval, so the manager's review is
the last word before release) and launches it; the employee writes and submits her self review; HR opens
the manager-review phase; the manager rates and submits; HR opens the release phase and releases; the
employee reads her score, band and breakdown, and acknowledges it.

Each run creates its own cycle with its own names; the demo's own cycles stay in the employee's and the
manager's lists, so every row is picked by the run's cycle name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.utils import translation
from playwright.sync_api import Dialog, Page, expect

from .conftest import Server
from .test_goals import pages_in, run_on_server, shot, words  # noqa: F401 - pages_in is a fixture

FACTS = """
import json, django
django.setup()
from jixiao.accounts.models import User
from jixiao.org.models import Employee, Status
from jixiao.reviews.models import ReviewTemplate
employee = User.objects.get(username="employee").employee
department = employee.department
people = Employee.objects.exclude(status=Status.LEFT).filter(department__path__startswith=department.path)
template = ReviewTemplate.objects.filter(archived=False).order_by("pk").first()
print(json.dumps({
    "department": department.pk, "people": people.count(), "employee": employee.name,
    "manager": employee.manager.name, "template": template.pk,
}))
"""
SCORE = re.compile(r"^\d+(\.\d+)?$")


@pytest.fixture(scope="module")
def facts(server: Server) -> dict[str, object]:
    """Who is who in the demo: the employee's department and its head count, names, the demo's template."""
    return run_on_server(server, FACTS)


def accept_confirmations(page: Page) -> list[str]:
    """HR's hard-to-undo buttons ask first (window.confirm): say yes, and keep what they asked."""
    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    page.on("dialog", accept)
    return asked


def fill_evaluation(page: Page, *, rating: int, text: str) -> None:
    """Rate every competency, answer every question and write the overall comment."""
    competencies = page.get_by_test_id("competency")
    expect(competencies.first).to_be_visible()
    for i in range(competencies.count()):
        competency = competencies.nth(i)
        competency.locator("input[type=radio]").nth(rating - 1).check()
        competency.locator("textarea").fill(f"{text} ({i + 1})")
    questions = page.get_by_test_id("question").locator("textarea")
    for i in range(questions.count()):
        questions.nth(i).fill(f"{text}: answer {i + 1}.")
    page.locator("#jxr-overall").fill(f"{text}: overall.")


def open_phase(hr: Page, kind: str) -> None:
    """HR opens the cycle's next phase and sees it as the current step."""
    hr.get_by_test_id("cycle-advance").click()
    expect(hr.get_by_test_id(f"phase-{kind}")).to_have_attribute("aria-current", "step")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_cycle_is_launched_written_reviewed_released_and_acknowledged(server, pages_in, facts, language):  # noqa: F811
    tr: Callable[[str], str] = words(language)
    name, name_en = f"端到端考核 {language}", f"End-to-end review {language}"
    shown = name_en if language == "en" else name  # what the pages call the cycle in this language
    employee_name, people = str(facts["employee"]), int(str(facts["people"]))

    # HR creates a cycle for the employee's department with the demo's template and the default dates.
    hr = pages_in(language, "hr")
    asked = accept_confirmations(hr)
    hr.goto("/reviews/cycles/")
    expect(hr.locator("html")).to_have_attribute("lang", language)
    hr.get_by_test_id("cycle-new").click()
    form = hr.get_by_test_id("cycle-form")
    form.locator("#id_name").fill(name)
    form.locator("#id_name_en").fill(name_en)
    form.locator("#id_template").select_option(str(facts["template"]))
    expect(form.locator("#id_skip_level")).not_to_be_checked()
    form.locator("#id_departments").select_option(str(facts["department"]))
    expect(hr.get_by_test_id("cycle-preview-count")).to_have_attribute("data-matched", str(people))
    shot(hr, f"reviews-{language}-1-new-cycle")
    hr.get_by_test_id("cycle-save").click()

    # The draft shows who it reaches; HR launches it, and the page follows the launch to its report.
    expect(hr.get_by_test_id("cycle-draft")).to_be_visible()
    expect(hr.get_by_test_id("draft-matched")).to_have_attribute("data-matched", str(people))
    with translation.override(language):
        expect(hr.get_by_test_id("cycle-state")).to_have_text(translation.pgettext("cycle", "Draft"))
    hr.get_by_test_id("cycle-launch").click()
    # The progress bar polls until the worker is done (21 reviews may be created before the first paint).
    expect(hr.get_by_test_id("launch-progress").or_(hr.get_by_test_id("launch-report"))).to_be_visible()
    expect(hr.get_by_test_id("launch-report")).to_be_visible()
    expect(hr.get_by_test_id("cycle-state")).to_have_text(tr("In progress"))
    expect(hr.get_by_test_id("launch-nobody-skipped")).to_be_visible()
    expect(hr.get_by_test_id("stat-reviews")).to_have_text(str(people))
    expect(hr.get_by_test_id("phase-self")).to_have_attribute("aria-current", "step")
    cycle_url = hr.url
    shot(hr, f"reviews-{language}-2-launched")

    # The employee writes her self review; the draft saves itself as she types; then she submits it.
    employee = pages_in(language, "employee")
    employee.goto("/reviews/")
    own = employee.get_by_test_id("owed-row").filter(has_text=shown)
    expect(own).to_have_count(1)
    expect(own).to_have_attribute("data-kind", "self")
    expect(own).to_have_attribute("data-status", "open")
    own.get_by_test_id("owed-action").click()
    expect(employee.get_by_test_id("form-title")).to_have_text(tr("My self review"))
    fill_evaluation(employee, rating=4, text="I renewed eleven of twelve key accounts")
    expect(employee.get_by_test_id("save-status").get_by_test_id("autosave-ok")).to_be_visible()
    shot(employee, f"reviews-{language}-3-self-review")
    employee.get_by_test_id("submit").click()
    expect(employee.get_by_test_id("review-title")).to_have_text(tr("My review"))
    expect(employee.get_by_test_id("review-state")).to_have_text(tr("In manager review"))
    expect(employee.get_by_test_id("self-part").get_by_test_id("part-overall")).to_contain_text(
        "I renewed eleven of twelve key accounts: overall."
    )
    expect(employee.get_by_test_id("result-pending")).to_be_visible()

    # HR opens the manager-review phase.
    hr.goto(cycle_url)
    open_phase(hr, "manager")

    # The manager reads the self review beside each item, rates and submits.
    manager = pages_in(language, "manager")
    manager.goto("/reviews/")
    owed = (
        manager.get_by_test_id("owed-row")
        .filter(has_text=shown)
        .filter(has_text=employee_name)
        .and_(manager.locator("[data-kind=manager]"))
    )
    expect(owed).to_have_count(1)
    expect(owed).to_have_attribute("data-status", "open")
    owed.get_by_test_id("owed-action").click()
    expect(manager.get_by_test_id("form-title")).to_contain_text(employee_name)
    expect(manager.get_by_test_id("self-shown")).to_be_visible()
    expect(manager.get_by_test_id("self-overall")).to_contain_text("I renewed eleven of twelve key accounts")
    fill_evaluation(manager, rating=4, text="Kept every key account and coached two new colleagues")
    manager.locator("#jxr-private").fill("Ready for a team lead role next year.")
    expect(manager.get_by_test_id("save-status").get_by_test_id("autosave-ok")).to_be_visible()
    expect(manager.get_by_test_id("preview-final")).to_have_text(SCORE)
    shot(manager, f"reviews-{language}-4-manager-review")
    manager.get_by_test_id("submit").click()
    expect(manager.get_by_test_id("review-title")).to_have_text(employee_name)
    expect(manager.get_by_test_id("review-state")).to_have_text(tr("Ready to release"))
    expect(manager.get_by_test_id("final-score")).to_have_text(SCORE)

    # HR opens the release phase and releases the one ready review.
    hr.goto(cycle_url)
    open_phase(hr, "release")
    hr.get_by_test_id("cycle-release").click()
    expect(hr.get_by_test_id("release-count")).to_have_attribute("data-ready", "1")
    shot(hr, f"reviews-{language}-5-release")
    hr.get_by_test_id("release-confirm").click()
    expect(hr).to_have_url(cycle_url)
    expect(hr.get_by_test_id("band-list")).to_be_visible()
    assert len(asked) == 3 and all(q.startswith("confirm: ") and len(q) > 12 for q in asked), asked  # launch, 2 phases

    # The employee reads her result: score, band, and how each section adds up to it.
    employee.goto("/reviews/")
    result = employee.get_by_test_id("result-row").filter(has_text=shown)
    expect(result).to_have_count(1)
    expect(result.get_by_test_id("review-state")).to_have_text(tr("Released"))
    final = result.get_by_test_id("result-score").inner_text()
    assert SCORE.match(final), final
    expect(employee.get_by_test_id("to-acknowledge").filter(has_text=shown)).to_have_count(1)
    result.get_by_role("link").click()
    card = employee.get_by_test_id("result-card")
    expect(card.get_by_test_id("final-score")).to_have_text(final)
    expect(card.get_by_test_id("final-sum")).to_have_text(final)
    expect(card.get_by_test_id("band")).to_be_visible()
    # The demo template: KPIs 40 / goals 30 / competencies 30; a section without a score is left out and its
    # weight goes to the others, so the applied weights still add up to 100 and so do the contributions.
    rows = card.get_by_test_id("breakdown-row")
    expect(rows).to_have_count(3)
    expect(rows.locator("td:nth-child(2)")).to_have_text(["40%", "30%", "30%"])
    applied = [float(w.rstrip("%")) for w in rows.locator("td:nth-child(3)").all_inner_texts()]
    assert abs(sum(applied) - 100) <= 0.05, applied
    scores = rows.locator("td:nth-child(4)").all_inner_texts()
    assert "4" in scores, scores  # competencies: every rating 4, by her and by her manager
    contributions = [float(c) for c in rows.locator("td:nth-child(5)").all_inner_texts()]
    assert abs(sum(contributions) - float(final)) <= 0.01 * len(contributions), (contributions, final)
    dropped = rows.filter(has=employee.get_by_test_id("why-dropped"))
    for i in range(dropped.count()):
        expect(dropped.nth(i).locator("td:nth-child(5)")).to_have_text(re.compile(r"^0(\.0+)?$"))
    expect(employee.get_by_test_id("manager-part").get_by_test_id("part-overall")).to_contain_text(
        "Kept every key account and coached two new colleagues: overall."
    )
    expect(employee.get_by_test_id("private-note")).to_have_count(0)
    expect(employee.locator("#jxr-chart canvas").first).to_be_visible()
    shot(employee, f"reviews-{language}-6-result")

    # She acknowledges it; the page then says so, and asks nothing more.
    ack = employee.get_by_test_id("acknowledge")
    ack.get_by_label(tr("I acknowledge my result")).check()
    ack.locator("textarea").fill("Thank you; agreed on the coaching goal.")
    ack.get_by_test_id("ack-submit").click()
    expect(employee.get_by_test_id("review-state")).to_have_text(tr("Acknowledged"))
    expect(employee.get_by_test_id("ack-outcome")).to_contain_text(tr("Acknowledged"))
    expect(employee.get_by_test_id("ack-comment")).to_have_text("Thank you; agreed on the coaching goal.")
    expect(employee.get_by_test_id("acknowledge")).to_have_count(0)
    expect(employee.get_by_test_id("ack-hint")).to_have_count(0)
    expect(employee.get_by_test_id("result-card").get_by_test_id("final-score")).to_have_text(final)
    shot(employee, f"reviews-{language}-7-acknowledged")
    employee.goto("/reviews/")
    expect(employee.get_by_test_id("to-acknowledge").filter(has_text=shown)).to_have_count(0)
    expect(employee.get_by_test_id("result-row").filter(has_text=shown).get_by_test_id("review-state")).to_have_text(
        tr("Acknowledged")
    )
