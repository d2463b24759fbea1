"""Calibration, release and an appeal, through the pages only: in English for one sales region and in a Chinese
browser for another.

The demo's sales cycle ("H2 2026 sales review" / "2026 下半年销售绩效考核") is in its calibration phase, with one
region already in an open session. For each language in turn HR opens a session over another region with the
region's head as participant; the head moves one of her people from B to A with a reason — in English with the
table's move control, in Chinese by dragging her on the 9-box, which also rates her potential — and sees the
distribution (table and chart), the table and the 9-box follow; HR closes the session and reads its summary.
Then HR opens the release phase and releases every review that is not held by the seeded, still open session.
Each moved person reads on her review that calibration changed her rating and why, and appeals (in English
with a PDF attached); HR takes it up (in English), changes the result to the next band up with a written outcome;
she reads the outcome on her appeal and the new rating with that reason on her review.

The languages cannot be two runs of one test: the three actors share the server's database and, once results
are released, the cycle's calibration phase is over. So this is one ordered flow, and it leaves the demo's sales
cycle released — a later test must not expect it in calibration.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils import translation
from playwright.sync_api import FilePayload, Page, expect

from .conftest import Server
from .test_feedback_360 import top_shot
from .test_goals import pages_in, run_on_server, shot, words  # noqa: F401 - pages_in is a fixture
from .test_reviews import accept_confirmations, open_phase

FACTS = """
import json, django
django.setup()
from jixiao.accounts.models import User
from jixiao.appeals.models import Appeal
from jixiao.calibration.distribution import performance_levels
from jixiao.calibration.models import CalibrationSession, Member
from jixiao.org.models import Department
from jixiao.reviews import breakdown
from jixiao.reviews.models import Cycle, Review

DEMO = ["admin", "hr", "ceo", "manager", "employee"]
cycle = Cycle.objects.get(name="2026 下半年销售绩效考核")
assert cycle.phase == "calibration", cycle.phase
codes = [code for code, _t in sorted(breakdown.bands_of(cycle.snapshot), key=lambda b: -b[1])]  # best first
levels = performance_levels(codes)
manager = User.objects.get(username="manager").employee
seated = set(Member.objects.values_list("review_id", flat=True))
open_sessions = CalibrationSession.objects.filter(cycle=cycle, state="open", department__isnull=False)
held_paths = [s.department.path for s in open_sessions]
reviews = Review.objects.filter(cycle=cycle)
appealed = set(Appeal.objects.values_list("employee_id", flat=True))


def person_in(region):
    # A ready review moved one band up, changing her 9-box row: a real B -> A first, else C -> B.
    ready = (
        reviews.filter(department__path__startswith=region.path, state="ready", band_override="")
        .exclude(pk__in=seated).exclude(reviewee=region.head).exclude(reviewee__user__username__in=DEMO)
        .exclude(reviewee_id__in=appealed).filter(reviewee__user__is_active=True)
        .select_related("reviewee__user").order_by("pk")
    )
    for band in ("B", "C"):
        if band not in codes or codes.index(band) == 0:
            continue
        review = next((r for r in ready if r.band == band), None)
        if review is None:
            continue
        up = codes[codes.index(band) - 1]
        again = codes[codes.index(up) - 1] if codes.index(up) > 0 else codes[codes.index(band) + 1]
        return {
            "review": review.pk, "name": review.reviewee.name, "number": review.reviewee.employee_number,
            "username": review.reviewee.user.username, "from": band, "to": up, "appeal": again,
            "level": levels[up],
        }
    raise AssertionError(f"nobody to move in {region.name}")


def region_facts(region):
    members = reviews.filter(department__path__startswith=region.path).exclude(pk__in=seated).count()
    return {
        "department": region.pk, "name": region.name, "name_en": region.name_en or region.name,
        "head": {"username": region.head.user.username, "name": region.head.name},
        "members": members, "person": person_in(region),
    }


east = manager.department
others = [
    d for d in Department.objects.filter(parent=east.parent).order_by("path")
    if d.pk != east.pk and d.head_id and not any(d.path.startswith(p) for p in held_paths)
]
assert east.head_id == manager.pk and others, (east.head_id, others)
held = reviews.filter(calibration_hold=True).count()
print(json.dumps({
    "cycle": cycle.pk, "name": cycle.name, "name_en": cycle.name_en,
    "releasable": reviews.filter(state="ready").count() - held, "held": held,
    "en": region_facts(east), "zh-hans": region_facts(others[0]),
}))
"""
# A one-page PDF, small enough to type: what an employee attaches to her appeal.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
CHART_SHARE = """([code, share]) => {
  const chart = window.echarts && echarts.getInstanceByDom(document.getElementById("jxc-chart"));
  const codes = JSON.parse(document.getElementById("jxc-chart-data").textContent).codes;
  return !!chart && Math.abs(chart.getOption().series[0].data[codes.indexOf(code)].value - share) < 0.06;
}"""


def ptr(language: str, context: str, msgid: str) -> str:
    with translation.override(language):
        return translation.pgettext(context, msgid)


def counts(page: Page) -> dict[str, int]:
    """People per rating in the session's distribution table (the chart's text alternative)."""
    rows = page.get_by_test_id("distribution-row")
    expect(rows.first).to_be_visible()
    return {
        str(rows.nth(i).get_attribute("data-band")): int(str(rows.nth(i).get_attribute("data-count")))
        for i in range(rows.count())
    }


def share(page: Page, band: str) -> float:
    """The share the distribution table gives a rating now ("15.0%")."""
    row = page.locator(f"[data-testid=distribution-row][data-band='{band}']")
    return float(row.locator("td").nth(1).inner_text().rstrip("%"))


def open_session(hr: Page, language: str, *, cycle: int, name: str, region: dict[str, Any]) -> str:
    """HR fills "Open a session" (the cycle is chosen already): a department and its head as participant."""
    expect(hr.get_by_test_id("sessions")).to_be_visible()  # the seeded session is hers
    hr.get_by_test_id("session-new").click()
    form = hr.get_by_test_id("session-form")
    expect(form.locator("#id_cycle")).to_have_value(str(cycle))
    form.locator("#id_name").fill(name)
    expect(form.locator("input[name=scope][value=department]")).to_be_checked()
    form.locator("#id_department").select_option(str(region["department"]))
    head = region["head"]["name"]
    form.locator("#id_participant_q").fill(head)
    form.locator("#id_participant_q").press("Enter")  # searches, keeping what was typed
    form.get_by_test_id("field-participants").get_by_label(head).check()
    expect(form.locator("#id_name")).to_have_value(name)
    shot(hr, f"calibration-{language}-1-open")
    form.get_by_test_id("session-open").click()

    expect(hr.locator("h1")).to_contain_text(name)
    expect(hr.get_by_test_id("session-state")).to_have_text(ptr(language, "calibration session", "Open"))
    expect(hr.get_by_test_id("participants")).to_contain_text(head)
    expect(hr.get_by_test_id("member-count")).to_contain_text(str(region["members"]))
    expect(hr.get_by_test_id("adjustments-empty")).to_be_visible()
    expect(hr.locator("#jxc-chart canvas").first).to_be_visible()
    return hr.url


def moved(page: Page, tr: Callable[[str], str], person: dict[str, str], before: dict[str, int]) -> None:
    """After a move: the toast, her row and 9-box chip, the distribution table and the chart all follow."""
    old, new = person["from"], person["to"]
    expect(page.get_by_test_id("status")).to_have_text(tr("Moved from %(from)s to %(to)s.") % {"from": old, "to": new})
    row = page.locator(f"[data-testid=member-row][data-band='{new}']").filter(has_text=person["number"])
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("member-band")).to_contain_text(tr("was %(b)s") % {"b": old})
    member = row.get_attribute("data-member")
    expect(page.locator(f"[data-testid=ninebox-person][data-member='{member}'] .jx-band")).to_have_text(new)
    expect(page.locator(f"[data-testid=distribution-row][data-band='{new}']")).to_have_attribute(
        "data-count", str(before[new] + 1)
    )
    expect(page.locator(f"[data-testid=distribution-row][data-band='{old}']")).to_have_attribute(
        "data-count", str(before[old] - 1)
    )
    page.wait_for_function(CHART_SHARE, arg=[new, share(page, new)])


def move_in_table(page: Page, person: dict[str, str], reason: str) -> None:
    """A participant opens the person's row in the table and moves her rating with a reason."""
    row = page.get_by_test_id("member-row").filter(has_text=person["number"])
    expect(row).to_have_attribute("data-band", person["from"])
    row.get_by_test_id("move-open").click()
    form = row.get_by_test_id("move-form")
    expect(row.get_by_test_id("member-detail")).to_be_visible()
    form.locator("select[name=band]").select_option(person["to"])
    form.locator("textarea[name=reason]").fill(reason)
    form.get_by_test_id("move-submit").click()


def move_on_the_9box(page: Page, person: dict[str, str], reason: str) -> None:
    """A participant drags the person from "potential not rated" into the higher row's high-potential box: her
    potential is saved, and the dialog asks for the new rating (proposed) and the reason."""
    member = page.get_by_test_id("member-row").filter(has_text=person["number"]).get_attribute("data-member")
    chip = page.locator(f"[data-testid=ninebox-person][data-member='{member}']")
    expect(page.get_by_test_id("ninebox-tray").locator(f"[data-member='{member}']")).to_have_count(1)
    box = page.locator(f"[data-testid=ninebox-cell][data-level='{person['level']}'][data-potential=high]")
    chip.drag_to(box)
    dialog = page.get_by_test_id("move-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("select[name=band]")).to_have_value(person["to"])
    expect(dialog.locator("select[name=potential]")).to_have_value("high")  # saved on the drop
    dialog.locator("textarea[name=reason]").fill(reason)
    shot(page, "calibration-zh-hans-9box-dialog")
    dialog.get_by_test_id("move-submit").click()
    expect(dialog).to_be_hidden()
    expect(box.locator(f"[data-member='{member}']")).to_have_count(1)


def close_session(hr: Page, language: str, *, url: str, person: dict[str, str]) -> None:
    """HR reads what the session changed and closes it; the summary stays."""
    hr.goto(url)
    hr.get_by_test_id("close-link").click()
    expect(hr.get_by_test_id("summary-changed")).to_have_text("1")
    hr.get_by_test_id("close-confirm").click()
    expect(hr.get_by_test_id("session-state")).to_have_text(ptr(language, "calibration session", "Closed"))
    expect(hr.get_by_test_id("summary-up")).to_have_text("▲ 1")
    changed = hr.get_by_test_id("summary-changed-list").locator("tbody tr")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text(person["name"])
    expect(changed.locator(".jx-band")).to_have_text([person["from"], person["to"]])
    shot(hr, f"calibration-{language}-3-closed")


def calibrate(
    hr: Page, head: Page, language: str, facts: dict[str, Any], reason: str, *, from_cycle_page: bool
) -> None:
    tr = words(language)
    region: dict[str, Any] = facts[language]
    person: dict[str, str] = region["person"]
    name = f"{region['name_en'] if language == 'en' else region['name']} · e2e {language}"

    # HR opens a session over the region, with its head as participant.
    if from_cycle_page:
        hr.get_by_test_id("nav-cycles").click()
        shown = facts["name_en"] if language == "en" else facts["name"]
        hr.get_by_test_id("cycle-row").filter(has_text=shown).get_by_role("link").first.click()
        hr.get_by_test_id("cycle-calibration").click()
    else:
        hr.get_by_test_id("nav-calibration").click()
    expect(hr.locator("h1")).to_have_text(tr("Calibration sessions"))
    url = open_session(hr, language, cycle=facts["cycle"], name=name, region=region)

    # The head finds the session in her list and moves her person up one rating, with a reason.
    head.get_by_test_id("nav-calibration").click()
    head.get_by_test_id("session-row").filter(has_text=name).get_by_role("link").click()
    expect(head.locator("h1")).to_contain_text(name)
    expect(head.get_by_test_id("close-link")).to_have_count(0)  # only facilitators close
    before = counts(head)
    if language == "en":
        move_in_table(head, person, reason)
    else:
        move_on_the_9box(head, person, reason)
    moved(head, tr, person, before)
    top_shot(head, f"calibration-{language}-2-moved")
    head.reload()
    change = head.get_by_test_id("adjustments").locator("li").filter(has_text=person["name"])
    expect(change).to_contain_text(reason)

    close_session(hr, language, url=url, person=person)


def release(hr: Page, facts: dict[str, Any]) -> None:
    """HR (in Chinese) opens the release phase and releases: everyone ready but the seeded open session's people."""
    hr.get_by_test_id("nav-cycles").click()
    hr.get_by_test_id("cycle-row").filter(has_text=facts["name"]).get_by_role("link").first.click()
    open_phase(hr, "release")
    hr.get_by_test_id("cycle-release").click()
    expect(hr.get_by_test_id("release-count")).to_have_attribute("data-ready", str(facts["releasable"]))
    expect(hr.get_by_test_id("release-held")).to_have_attribute("data-held", str(facts["held"]))
    shot(hr, "calibration-release")
    hr.get_by_test_id("release-confirm").click()
    expect(hr.get_by_test_id("phase-release")).to_have_attribute("aria-current", "step")
    with translation.override("zh-hans"):
        told = translation.ngettext(
            "%(count)s review released; its reviewee has been told.",
            "%(count)s reviews released; their reviewees have been told.",
            facts["releasable"],
        ) % {"count": facts["releasable"]}
    expect(hr.get_by_role("status").filter(has_text=told)).to_have_count(1)


def open_my_result(page: Page, shown: str) -> None:
    page.get_by_test_id("nav-my-reviews").click()
    page.get_by_test_id("result-row").filter(has_text=shown).get_by_role("link").click()
    expect(page.get_by_test_id("result-card")).to_be_visible()


def appeal(
    employee: Page, hr: Page, language: str, facts: dict[str, Any], said: dict[str, str], *, attach: bool
) -> None:
    tr = words(language)
    person: dict[str, str] = facts[language]["person"]
    shown = facts["name_en"] if language == "en" else facts["name"]

    # She reads that calibration changed her rating, and why; then appeals, while the window is open.
    open_my_result(employee, shown)
    card = employee.get_by_test_id("result-card")
    expect(card.get_by_test_id("band").first).to_contain_text(person["to"])
    change = card.get_by_test_id("rating-change")
    expect(change).to_have_attribute("data-source", "calibration")
    expect(change).to_contain_text(
        tr("Your rating was changed in calibration from %(from)s to %(to)s.")
        % {"from": person["from"], "to": person["to"]}
    )
    expect(change.get_by_test_id("rating-change-reason")).to_have_text(said["calibration"])
    employee.get_by_test_id("appeal-card").get_by_test_id("panel-file").click()
    expect(employee.get_by_test_id("file-title")).to_have_text(tr("Appeal your result"))
    form = employee.get_by_test_id("appeal-form")
    form.locator("textarea[name=reason]").fill(said["appeal"])
    if attach:
        form.locator("input[type=file]").set_input_files(
            files=[FilePayload(name="renewals.pdf", mimeType="application/pdf", buffer=PDF)]
        )
    shot(employee, f"appeal-{language}-1-form")
    form.get_by_test_id("appeal-submit").click()
    expect(employee.get_by_test_id("appeal-title")).to_have_text(tr("My appeal"))
    expect(employee.get_by_test_id("appeal-state")).to_have_attribute("data-state", "submitted")
    expect(employee.get_by_test_id("reason")).to_have_text(said["appeal"])
    expect(employee.get_by_test_id("waiting")).to_be_visible()
    expect(employee.get_by_test_id("owner")).not_to_be_empty()
    appeal_url = employee.url

    # HR finds it in her list of appeals, takes it up (in English) and changes the result with an outcome.
    hr.get_by_test_id("nav-appeals").click()
    expect(hr.get_by_test_id("list-title")).to_have_text(tr("Appeals"))
    hr.get_by_test_id("list-row").filter(has_text=person["name"]).get_by_role("link").click()
    expect(hr).to_have_url(appeal_url)
    expect(hr.get_by_test_id("reason")).to_have_text(said["appeal"])
    if attach:
        expect(hr.get_by_test_id("attachment-link")).to_have_text(re.compile(r"renewals\.pdf"))
        hr.get_by_test_id("take-up").click()
        state = hr.get_by_test_id("appeal-state")
        expect(state).to_have_attribute("data-state", "under_review")
        expect(state).to_have_text(ptr(language, "appeal", "Under review"))
    hr.get_by_test_id("decide-link").click()
    decide = hr.get_by_test_id("decide-form")
    decide.locator("input[name=outcome_state][value=changed]").check()
    decide.locator("select[name=band]").select_option(person["appeal"])
    decide.locator("textarea[name=outcome]").fill(said["outcome"])
    shot(hr, f"appeal-{language}-2-decide")
    decide.get_by_test_id("decide-submit").click()
    expect(hr).to_have_url(appeal_url)
    expect(hr.get_by_test_id("appeal-state")).to_have_attribute("data-state", "changed")

    # She reads the outcome on her appeal, and on her review the new rating with that reason.
    employee.get_by_test_id("nav-my-appeals").click()
    expect(employee.get_by_test_id("mine-title")).to_have_text(tr("My appeals"))
    row = employee.get_by_test_id("mine-row").filter(has_text=shown)
    expect(row.get_by_test_id("appeal-state")).to_have_text(ptr(language, "appeal", "Result changed"))
    row.get_by_role("link").click()
    outcome = employee.get_by_test_id("outcome")
    expect(outcome).to_contain_text(tr("Decision: the result was changed"))
    expect(outcome.get_by_test_id("outcome-text")).to_have_text(said["outcome"])
    expect(outcome.get_by_test_id("result-now")).to_contain_text(person["appeal"])
    top_shot(employee, f"appeal-{language}-3-outcome")
    employee.get_by_test_id("review-link").click()
    card = employee.get_by_test_id("result-card")
    expect(card.get_by_test_id("band").first).to_contain_text(person["appeal"])
    expect(card.get_by_test_id("score-band")).to_contain_text(person["from"])
    change = card.get_by_test_id("rating-change")
    expect(change).to_have_attribute("data-source", "appeal")
    expect(change).to_contain_text(
        tr("Your rating was changed on appeal from %(from)s to %(to)s.")
        % {"from": person["from"], "to": person["appeal"]}
    )
    expect(change.get_by_test_id("rating-change-reason")).to_have_text(said["outcome"])
    panel = employee.get_by_test_id("appeal-card")
    expect(panel.get_by_test_id("appeal-state")).to_have_attribute("data-state", "changed")
    expect(panel.get_by_test_id("panel-outcome")).to_have_text(said["outcome"])
    top_shot(employee, f"appeal-{language}-4-review")


def test_hr_calibrates_two_regions_releases_and_appeals_change_results_in_english_and_chinese(
    server: Server,
    pages_in: Callable[[str, str], Page],  # noqa: F811
) -> None:
    facts: dict[str, Any] = run_on_server(server, FACTS)
    said = {
        "en": {
            "calibration": "Closed the two largest renewals of the region this half.",
            "appeal": "The renewal signed on the last day of the half was not counted in my KPIs.",
            "outcome": "The late renewal counts for this half, so your rating is raised one band.",
        },
        "zh-hans": {
            "calibration": "本半年拿下区域内两家重点新客户。",
            "appeal": "半年最后一天签下的续约没有计入我的关键绩效指标。",
            "outcome": "最后一天的续约计入本期，评级上调一档。",
        },
    }

    # English: HR (from the cycle's page) and the East China head, the demo manager.
    hr_en = pages_in("en", "hr")
    calibrate(hr_en, pages_in("en", "manager"), "en", facts, said["en"]["calibration"], from_cycle_page=True)

    # Chinese: HR (from the menu) and the head of a region not in the seeded session.
    hr_zh = pages_in("zh-hans", "hr")
    head_zh = pages_in("zh-hans", facts["zh-hans"]["head"]["username"])
    calibrate(hr_zh, head_zh, "zh-hans", facts, said["zh-hans"]["calibration"], from_cycle_page=False)

    # HR releases the results; then each moved person appeals and HR changes her result.
    asked = accept_confirmations(hr_zh)
    release(hr_zh, facts)
    assert len(asked) == 1 and asked[0].startswith("confirm: "), asked
    for language, hr in (("en", hr_en), ("zh-hans", hr_zh)):
        employee = pages_in(language, facts[language]["person"]["username"])
        appeal(employee, hr, language, facts, said[language], attach=language == "en")
