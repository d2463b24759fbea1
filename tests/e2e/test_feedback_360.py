"""360° feedback from nomination to report, through the pages only. Once in English and once in a Chinese browser.

A cycle with the demo's 360 template (competencies 40, 360 feedback 60: peers 50 / direct reports 30 /
customers 20, self for comparison) is created and launched for the demo employee's department through the
services, in a separate process on the server's database. Then, in the browser: the employee proposes three
peers on her nomination page; her manager approves them and invites an external customer by email; HR opens the
feedback phase; the three peers answer from their feedback inbox; the customer answers through the link in her
email (read from the server's console email backend), which leaves the address bar at once; HR opens the
manager-review phase; the manager submits her review; HR releases it. The employee reads her 360 report: the
peers' numbers and comments are shown, the customer's are not (one customer is fewer than 3), and no rater is
named anywhere.

Each run has its own cycle and its own three peers (employees of another unit), so the demo's 360 cycles and
the other run never get in the way.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import Console, Server, new_context
from .test_goals import pages_in, run_on_server, shot, words  # noqa: F401 - pages_in is a fixture
from .test_reviews import SCORE, accept_confirmations, fill_evaluation, open_phase

SETUP = """
import datetime as dt, json, time, django
django.setup()
from django.utils import timezone
from jixiao.accounts.models import User
from jixiao.goals.models import Period
from jixiao.org.models import Employee, Status
from jixiao.reviews import services
from jixiao.reviews.models import Cycle, PhaseKind, Review, ReviewTemplate

hr = User.objects.get(username="hr")
employee = User.objects.get(username="employee").employee
template = ReviewTemplate.objects.get(name="360度反馈模板")
today = timezone.localdate()
period = (
    Period.objects.filter(start__lte=today, end__gte=today).order_by("-start").first()
    or Period.objects.order_by("-start").first()
)
kinds = [PhaseKind.PEER_SELECTION, PhaseKind.SELF, PhaseKind.FEEDBACK, PhaseKind.MANAGER, PhaseKind.RELEASE,
         PhaseKind.ACKNOWLEDGEMENT]
phases = tuple(
    services.PhaseInput(kind, today + dt.timedelta(days=7 * i), today + dt.timedelta(days=7 * i + 6))
    for i, kind in enumerate(kinds)
)
cycle = services.cycle_create(actor=hr, data=services.CycleInput(
    name="{name}", name_en="{name_en}", period=period, template=template,
    departments=(employee.department_id,), phases=phases,
))
services.cycle_launch(actor=hr, cycle=cycle, version=cycle.version)
for _ in range(600):  # the task worker runs the launch
    cycle.refresh_from_db()
    if cycle.state == Cycle.State.ACTIVE:
        break
    time.sleep(0.2)
assert cycle.state == Cycle.State.ACTIVE, cycle.state
review = Review.objects.get(cycle=cycle, reviewee=employee)
# Peers from another unit, with accounts (every demo employee has one): three per run.
peers = list(
    Employee.objects.filter(status=Status.ACTIVE, user__is_active=True, manager__isnull=False)
    .exclude(department__path__startswith=employee.department.path)
    .exclude(user__username__in=["admin", "hr", "ceo", "manager", "employee"])
    .exclude(pk__in=Employee.objects.filter(manager__isnull=False).values("manager_id"))
    .select_related("user").order_by("pk")[{offset}:{offset} + 3]
)
print(json.dumps({{
    "cycle": cycle.pk, "review": review.pk, "employee": employee.name, "manager": employee.manager.name,
    "peers": [{{"username": p.user.username, "name": p.name, "number": p.employee_number}} for p in peers],
}}))
"""
# The link of a customer's invitation, as the console email backend prints it into the server's log.
LINK = re.compile(r"https?://[^\s]+?/reviews/external/[A-Za-z0-9_\-]{20,}/")


def emailed_link(server: Server, address: str, timeout: float = 10) -> str:
    """The link in the last email to `address` (the demo settings print emails on the server's console)."""
    deadline = time.monotonic() + timeout
    while True:
        log = (server.tmp / "granian.log").read_text(errors="replace")
        at = log.rfind(f"To: {address}")
        match = LINK.search(log, at) if at >= 0 else None
        if match:
            return match.group(0)
        assert time.monotonic() < deadline, f"no email to {address} in the server's log"
        time.sleep(0.2)


def top_shot(page: Page, name: str) -> None:
    """A screenshot from the top of the page (an anchor such as #peers scrolls it; the sticky bar would then be
    drawn in the middle of a full-page shot)."""
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, name)


def answer_feedback(page: Page, *, ratings: list[int], comment: str) -> None:
    """Rate each competency of the 360 form (cycling through `ratings`) and answer every question."""
    competencies = page.get_by_test_id("competency")
    expect(competencies.first).to_be_visible()
    for i in range(competencies.count()):
        competencies.nth(i).locator("input[type=radio]").nth(ratings[i % len(ratings)] - 1).check()
    questions = page.get_by_test_id("question").locator("textarea")
    for i in range(questions.count()):
        questions.nth(i).fill(f"{comment} ({i + 1})")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_peers_and_a_customer_answer_and_the_employee_reads_her_360_report(
    server: Server,
    browser: Browser,
    console: Console,
    pages_in: Callable[[str, str], Page],  # noqa: F811
    language: str,
) -> None:
    tr: Callable[[str], str] = words(language)
    name, name_en = f"360 端到端 {language}", f"360 end to end {language}"
    shown = name_en if language == "en" else name
    setup = run_on_server(server, SETUP.format(name=name, name_en=name_en, offset=0 if language == "en" else 3))
    cycle_url, review = f"/reviews/cycles/{setup['cycle']}/", int(str(setup["review"]))
    employee_name = str(setup["employee"])
    peers: list[dict[str, str]] = setup["peers"]  # type: ignore[assignment]
    assert len(peers) == 3
    customer = {"name": f"Ada Customer {language}", "email": f"ada.{language}@client.example"}
    said = {"peer": f"Peers say {language}: keeps every promise", "customer": f"Customer says {language}: slow replies"}

    # The employee proposes three peers from her list of reviews.
    employee = pages_in(language, "employee")
    employee.goto("/reviews/")
    employee.get_by_test_id("choose-peers").filter(has_text=shown).get_by_role("link").click()
    expect(employee.get_by_test_id("nominations-title")).to_have_text(tr("Who gives you 360° feedback"))
    for peer in peers:
        employee.locator("#id_q").fill(peer["number"])
        candidate = employee.get_by_test_id("candidate").filter(has_text=peer["name"])
        expect(candidate).to_have_count(1)
        candidate.get_by_test_id("nominate").click()
        row = employee.get_by_test_id("peer-row").filter(has_text=peer["name"])
        expect(row).to_have_attribute("data-state", "proposed")
    expect(employee.get_by_test_id("count-proposed")).to_have_text("3")
    top_shot(employee, f"360-{language}-1-proposed")

    # Her manager approves them and invites a customer, who gets her link by email.
    manager = pages_in(language, "manager")
    manager.goto("/reviews/team/nominations/")
    manager.locator(f"[data-testid=team-nomination-row][data-review='{review}']").get_by_test_id("row-open").click()
    expect(manager.get_by_test_id("nominations-title")).to_contain_text(employee_name)
    for peer in peers:
        manager.get_by_test_id("peer-row").filter(has_text=peer["name"]).get_by_test_id("approve").click()
        expect(manager.get_by_test_id("peer-row").filter(has_text=peer["name"])).to_have_attribute(
            "data-state", "approved"
        )
    expect(manager.get_by_test_id("count-approved")).to_contain_text("3")
    form = manager.get_by_test_id("invite-form")
    form.locator("#id_name").fill(customer["name"])
    form.locator("#id_email").fill(customer["email"])
    form.locator("#id_language").select_option(language)
    form.get_by_test_id("invite").click()
    expect(manager.get_by_test_id("customer-row").filter(has_text=customer["email"])).to_have_count(1)
    top_shot(manager, f"360-{language}-2-approved-and-invited")
    link = emailed_link(server, customer["email"])

    # HR opens the feedback phase (through the self-review phase).
    hr = pages_in(language, "hr")
    asked = accept_confirmations(hr)
    hr.goto(cycle_url)
    open_phase(hr, "self")
    open_phase(hr, "feedback")

    # Each peer answers from her feedback inbox.
    for i, peer in enumerate(peers):
        rater = pages_in(language, peer["username"])
        rater.goto("/reviews/feedback/")
        request = (
            rater.get_by_test_id("inbox-cycle")
            .filter(has_text=shown)
            .get_by_test_id("inbox-row")
            .filter(has_text=employee_name)
        )
        expect(request).to_have_attribute("data-status", "open")
        request.get_by_test_id("inbox-action").click()
        expect(rater.get_by_test_id("form-title")).to_contain_text(employee_name)
        answer_feedback(rater, ratings=[4, 5, 4] if i < 2 else [3, 4, 5], comment=f"{said['peer']} #{i}")
        if i == 0:
            shot(rater, f"360-{language}-3-peer-form")
        rater.get_by_test_id("submit").click()
        expect(rater.get_by_test_id("inbox-title")).to_be_visible()
        expect(request).not_to_have_attribute("data-status", "open")

    # The customer answers through her link: it opens the form and leaves the address bar.
    outsider = new_context(browser, server, console, locale="en-US" if language == "en" else "zh-CN")
    try:
        guest = outsider.new_page()
        guest.goto(link)
        expect(guest).to_have_url(re.compile(r"/reviews/external/answer/$"))
        expect(guest.get_by_test_id("form-title")).to_contain_text(employee_name)
        answer_feedback(guest, ratings=[1], comment=said["customer"])
        shot(guest, f"360-{language}-4-customer-form")
        guest.get_by_test_id("submit").click()
        expect(guest.get_by_test_id("customer-done")).to_be_visible()
        # Used: gone for good (asked without the page, which would log the 410 as a console error).
        again = outsider.request.get(link, max_redirects=0)
        assert again.status == 410, again.status
        assert employee_name not in again.text()
    finally:
        outsider.close()

    # HR opens the manager-review phase; the manager rates and submits; HR releases.
    hr.goto(cycle_url)
    open_phase(hr, "manager")
    manager.goto("/reviews/")
    owed = (
        manager.get_by_test_id("owed-row")
        .filter(has_text=shown)
        .filter(has_text=employee_name)
        .and_(manager.locator("[data-kind=manager]"))
    )
    expect(owed).to_have_count(1)
    owed.get_by_test_id("owed-action").click()
    fill_evaluation(manager, rating=4, text="Reliable with customers")
    expect(manager.get_by_test_id("save-status").get_by_test_id("autosave-ok")).to_be_visible()
    manager.get_by_test_id("submit").click()
    expect(manager.get_by_test_id("review-state")).to_have_text(tr("Ready to release"))
    hr.goto(cycle_url)
    open_phase(hr, "release")
    hr.get_by_test_id("cycle-release").click()
    expect(hr.get_by_test_id("release-count")).to_have_attribute("data-ready", "1")
    hr.get_by_test_id("release-confirm").click()
    expect(hr).to_have_url(cycle_url)
    assert len(asked) == 4, asked  # each phase HR opened asked first

    # The employee reads her 360 report: peers shown, the one customer not; nobody named.
    employee.goto("/reviews/")
    employee.get_by_test_id("result-row").filter(has_text=shown).get_by_role("link").click()
    employee.get_by_test_id("feedback-link").click()
    expect(employee.get_by_test_id("report-title")).to_have_text(tr("My 360° feedback"))
    groups = employee.get_by_test_id("groups")
    peer_row = groups.locator("[data-testid=group][data-group=peer]")
    expect(peer_row).to_have_attribute("data-shown", "1")
    expect(peer_row.get_by_test_id("group-count")).to_have_text(
        tr("%(answered)s of %(asked)s answered") % {"answered": 3, "asked": 3}
    )
    customer_row = groups.locator("[data-testid=group][data-group=customer]")
    expect(customer_row).to_have_attribute("data-shown", "0")
    expect(customer_row.get_by_test_id("group-hidden")).to_have_text(
        tr("Not enough answers to show (fewer than %(k)s)") % {"k": 3}
    )
    expect(employee.get_by_test_id("section-score")).to_have_text(SCORE)
    peer_comments = employee.locator("[data-testid=comment-block][data-group=peer]")
    expect(peer_comments.first).to_be_visible()
    for i in range(3):
        expect(peer_comments.first).to_contain_text(f"{said['peer']} #{i}")
    expect(employee.locator("[data-testid=comment-block][data-group=customer]")).to_have_count(0)
    expect(employee.get_by_test_id("radar").locator("canvas").first).to_be_visible()
    body = employee.locator("body")
    expect(body).not_to_contain_text(said["customer"])
    for person in [*(p["name"] for p in peers), customer["name"], customer["email"]]:
        expect(body).not_to_contain_text(person)
    shot(employee, f"360-{language}-5-report")
