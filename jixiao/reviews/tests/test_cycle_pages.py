"""HR's cycle pages: who may open and act on them, the cycle form, launching through the page, phases,
release per department, scoring, reassigning a rater and nudging one."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jixiao.audit.models import AuditEvent
from jixiao.core.testing.personas import make_employee
from jixiao.goals.testing import make_period
from jixiao.reviews import services
from jixiao.reviews.models import (
    Cycle,
    CyclePhase,
    Evaluation,
    EvaluationKind,
    PhaseKind,
    Reminder,
    Review,
    ReviewTemplate,
)
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle, make_template, submit

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dated_phases(*, skip_level: bool = False, first_due_days_ago: int = 20):
    """Phases one week each, back to back, the first due `first_due_days_ago` days ago."""
    start = timezone.localdate() - dt.timedelta(days=first_due_days_ago + 6)
    kinds = [PhaseKind.SELF, PhaseKind.MANAGER] + ([PhaseKind.SKIP_LEVEL] if skip_level else [])
    kinds += [PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT]
    return tuple(
        services.PhaseInput(kind=k, starts_on=start + dt.timedelta(days=7 * i), due_on=start + dt.timedelta(7 * i + 6))
        for i, k in enumerate(kinds)
    )


@pytest.fixture
def period(personas):
    return make_period(personas.admin)


@pytest.fixture
def draft(personas, period):
    """A draft cycle of 销售部 created by the HR of 销售部."""
    return make_cycle(personas.scoped_hr, period, departments=(personas.sales,), name="2027年度考核")


@pytest.fixture
def launched(personas, draft):
    return launch(personas.scoped_hr, draft)


def review_of(cycle, employee) -> Review:
    return Review.objects.select_related("cycle", "department").get(cycle=cycle, reviewee=employee)


# ---- the gate ----------------------------------------------------------------------------------------


def pages(cycle, review, evaluation):
    """(method, url) of every cycle page and action, for the gate tests."""
    c = cycle.pk
    return [
        ("get", reverse("reviews:cycle", args=[c])),
        ("get", reverse("reviews:cycle_edit", args=[c])),
        ("post", reverse("reviews:cycle_launch", args=[c])),
        ("get", reverse("reviews:cycle_launch_progress", args=[c])),
        ("post", reverse("reviews:cycle_advance", args=[c])),
        ("post", reverse("reviews:cycle_close", args=[c])),
        ("get", reverse("reviews:cycle_release", args=[c])),
        ("post", reverse("reviews:cycle_release", args=[c])),
        ("get", reverse("reviews:cycle_scoring", args=[c])),
        ("get", reverse("reviews:cycle_export", args=[c])),
        ("get", reverse("reviews:reassign", args=[review.pk])),
        ("post", reverse("reviews:nudge", args=[evaluation.pk])),
    ]


@pytest.mark.parametrize("who", ["employee", "manager", "other_hr", "outsider"])
def test_nobody_but_hr_in_scope_and_admins_gets_past_any_cycle_page_or_action(personas, launched, who):
    user = {
        "employee": personas.employee.user,
        "manager": personas.manager.user,
        "other_hr": personas.other_hr,
        "outsider": personas.outsider,
    }[who]
    review = review_of(launched, personas.employee)
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    client = client_for(user)
    before = (Cycle.objects.get(pk=launched.pk).version, Reminder.objects.count())
    for method, url in pages(launched, review, evaluation):
        assert getattr(client, method)(url).status_code == 404, (method, url)
    assert (Cycle.objects.get(pk=launched.pk).version, Reminder.objects.count()) == before
    assert AuditEvent.objects.filter(action="cycle.export").count() == 0


@pytest.mark.parametrize("who", ["employee", "manager", "outsider"])
def test_people_who_are_not_hr_cannot_list_or_create_cycles(personas, who):
    user = {"employee": personas.employee.user, "manager": personas.manager.user, "outsider": personas.outsider}[who]
    client = client_for(user)
    assert client.get(reverse("reviews:cycles")).status_code == 404
    assert client.get(reverse("reviews:cycle_new")).status_code == 404
    assert client.post(reverse("reviews:cycle_new"), {"name": "x"}).status_code == 404
    assert not Cycle.objects.exists()


@pytest.mark.parametrize("who", ["scoped_hr", "admin"])
def test_hr_in_scope_and_admins_open_every_page_of_a_launched_cycle(personas, launched, who):
    client = client_for(getattr(personas, who))
    review = review_of(launched, personas.employee)
    for name, args in [
        ("reviews:cycle", [launched.pk]),
        ("reviews:cycle_edit", [launched.pk]),
        ("reviews:cycle_launch_progress", [launched.pk]),
        ("reviews:cycle_release", [launched.pk]),
        ("reviews:cycle_scoring", [launched.pk]),
        ("reviews:cycle_export", [launched.pk]),
        ("reviews:reassign", [review.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name


def test_hr_of_another_unit_does_not_see_a_cycle_of_sales_in_her_list(personas, launched):
    html = client_for(personas.other_hr).get(reverse("reviews:cycles")).content.decode()
    assert "2027年度考核" not in html
    assert 'data-testid="cycles-empty"' in html


def test_hr_of_another_unit_opens_a_company_wide_cycle_but_only_manages_it_if_she_created_it(personas, period):
    cycle = launch(personas.admin, make_cycle(personas.admin, period))
    client = client_for(personas.other_hr)
    assert client.get(reverse("reviews:cycle", args=[cycle.pk])).status_code == 200
    assert client.get(reverse("reviews:cycle_scoring", args=[cycle.pk])).status_code == 404
    assert client.post(reverse("reviews:cycle_advance", args=[cycle.pk]), {"version": cycle.version}).status_code == 404


def test_a_missing_cycle_answers_404_like_a_forbidden_one(personas):
    assert client_for(personas.admin).get(reverse("reviews:cycle", args=[999999])).status_code == 404


# ---- the list ----------------------------------------------------------------------------------------


def test_the_list_shows_each_cycle_with_state_phase_completion_and_due_date(personas, launched):
    submit(personas.employee.user, review_of(launched, personas.employee))
    html = client_for(personas.scoped_hr).get(reverse("reviews:cycles")).content.decode()
    assert "2027年度考核" in html or "Review" in html
    assert html.count('data-testid="cycle-row"') == 1
    assert "Self review" in html and "2027-12-07" in html
    reviews = Review.objects.filter(cycle=launched).count()
    assert f"1 of {reviews}" in html


def test_the_empty_list_explains_and_links_to_templates_when_there_is_none(personas, period):
    html = client_for(personas.admin).get(reverse("reviews:cycles")).content.decode()
    assert 'data-testid="cycles-empty-templates"' in html
    make_template()
    html = client_for(personas.admin).get(reverse("reviews:cycles")).content.decode()
    assert 'data-testid="cycles-empty-new"' in html


# ---- the form ----------------------------------------------------------------------------------------


def form_data(personas, period, template, **changes):
    data = {
        "name": "2027年度考核",
        "name_en": "2027 annual review",
        "period": period.pk,
        "template": template.pk,
        "departments": [personas.sales.pk],
        "exclude": "",
    }
    for phase in dated_phases(first_due_days_ago=-30):
        data[f"phase_{phase.kind}_start"] = phase.starts_on.isoformat()
        data[f"phase_{phase.kind}_due"] = phase.due_on.isoformat()
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_hr_creates_a_draft_cycle_of_her_departments_with_its_phases(personas, period):
    template = make_template()
    client = client_for(personas.scoped_hr)
    assert client.get(reverse("reviews:cycle_new")).status_code == 200
    response = client.post(
        reverse("reviews:cycle_new"),
        form_data(personas, period, template, levels=["P5"], exclude=personas.peer.employee_number),
    )
    cycle = Cycle.objects.get()
    assert response.status_code == 302 and response["Location"] == cycle.get_absolute_url()
    assert cycle.state == Cycle.State.DRAFT and cycle.created_by == personas.scoped_hr
    assert cycle.filters == {
        "departments": [personas.sales.pk],
        "levels": ["P5"],
        "hired_before": None,
        "exclude": [personas.peer.pk],
    }
    assert sorted(CyclePhase.objects.filter(cycle=cycle).values_list("kind", flat=True)) == sorted(
        ["self", "manager", "release", "acknowledgement"]
    )


def nothing_written() -> tuple[int, int, int]:
    return Cycle.objects.count(), CyclePhase.objects.count(), AuditEvent.objects.filter(action="cycle.create").count()


def test_a_cycle_without_phase_dates_is_refused_and_nothing_is_written(personas, period):
    template = make_template()
    data = {k: v for k, v in form_data(personas, period, template).items() if not k.startswith("phase_")}
    response = client_for(personas.scoped_hr).post(reverse("reviews:cycle_new"), data)
    assert response.status_code == 422
    assert 'data-testid="error-phase_self_due"' in response.content.decode()
    assert nothing_written() == (0, 0, 0)


def test_a_phase_ending_before_it_starts_is_refused_beside_its_dates(personas, period):
    template = make_template()
    data = form_data(personas, period, template, phase_manager_start="2028-01-20", phase_manager_due="2028-01-10")
    response = client_for(personas.scoped_hr).post(reverse("reviews:cycle_new"), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="error-phase_manager_due"' in html and "cannot end before it starts" in html
    assert nothing_written() == (0, 0, 0)


def test_phases_out_of_order_are_refused_by_the_service_and_nothing_is_written(personas, period):
    template = make_template()
    data = form_data(personas, period, template)
    data["phase_manager_start"] = (dt.date.fromisoformat(data["phase_self_start"]) - dt.timedelta(days=3)).isoformat()
    data["phase_manager_due"] = data["phase_manager_start"]
    response = client_for(personas.scoped_hr).post(reverse("reviews:cycle_new"), data)
    assert response.status_code == 422
    assert "Phases run in order" in response.content.decode()
    assert nothing_written() == (0, 0, 0)


def test_departments_outside_her_scope_are_refused_and_nothing_is_written(personas, period):
    template = make_template()
    client = client_for(personas.scoped_hr)
    response = client.post(
        reverse("reviews:cycle_new"), form_data(personas, period, template, departments=[personas.rnd.pk])
    )
    assert response.status_code == 422
    assert 'data-testid="error-departments"' in response.content.decode()
    response = client.post(reverse("reviews:cycle_new"), form_data(personas, period, template, departments=[]))
    assert response.status_code == 422 and "within your HR scope" in response.content.decode()
    assert nothing_written() == (0, 0, 0)


def test_unknown_employee_numbers_to_leave_out_are_named(personas, period):
    template = make_template()
    data = form_data(personas, period, template, exclude="NOPE-1, " + personas.peer.employee_number)
    response = client_for(personas.scoped_hr).post(reverse("reviews:cycle_new"), data)
    assert response.status_code == 422 and "NOPE-1" in response.content.decode()
    assert nothing_written() == (0, 0, 0)


def test_an_archived_template_is_not_offered(personas, period):
    archived = make_template(name="旧模板")
    ReviewTemplate.objects.filter(pk=archived.pk).update(archived=True)
    response = client_for(personas.scoped_hr).post(reverse("reviews:cycle_new"), form_data(personas, period, archived))
    assert response.status_code == 422 and nothing_written() == (0, 0, 0)


def test_the_live_preview_counts_the_people_the_filters_reach(personas, period, draft):
    client = client_for(personas.scoped_hr)
    url = reverse("reviews:cycle_new")
    html = client.get(url, {"preview": "1", "departments": [personas.east.pk]}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-matched="3"' in html  # manager, employee, peer
    html = client.get(
        url,
        {"preview": "1", "departments": [personas.east.pk], "exclude": personas.peer.employee_number},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-matched="2"' in html
    html = client.get(url, {"preview": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "within your HR scope" in html  # scoped HR must pick departments
    assert Cycle.objects.count() == 1


def test_after_launch_only_names_and_dates_change(personas, launched):
    client = client_for(personas.scoped_hr)
    html = client.get(reverse("reviews:cycle_edit", args=[launched.pk])).content.decode()
    assert "only its names and phase dates can change" in html
    other = make_template(name="另一个模板")
    data = form_data(personas, launched.period, other, name="改名后的考核", departments=[personas.east.pk])
    data["version"] = launched.version
    response = client.post(reverse("reviews:cycle_edit", args=[launched.pk]), data)
    assert response.status_code == 302
    launched.refresh_from_db()
    assert launched.name == "改名后的考核"
    assert launched.template_id != other.pk and launched.filters["departments"] == [personas.sales.pk]


def test_a_stale_edit_is_refused(personas, draft):
    template = draft.template
    data = form_data(personas, draft.period, template, name="新名字")
    data["version"] = draft.version - 1 if draft.version > 1 else 999
    response = client_for(personas.scoped_hr).post(reverse("reviews:cycle_edit", args=[draft.pk]), data)
    assert response.status_code == 422
    draft.refresh_from_db()
    assert draft.name == "2027年度考核"


# ---- launch, phases, close -------------------------------------------------------------------------


def test_hr_launches_through_the_page_and_sees_the_progress_then_the_report(
    personas, draft, django_capture_on_commit_callbacks
):
    make_employee("无上级", personas.sales, number="X-ORPHAN")
    client = client_for(personas.scoped_hr)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="cycle-launch"' in page and 'data-testid="draft-matched"' in page
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("reviews:cycle_launch", args=[draft.pk]), {"version": draft.version})
    assert response.status_code == 302 and len(callbacks) == 1
    draft.refresh_from_db()
    assert draft.state == Cycle.State.ACTIVE and draft.phase == PhaseKind.SELF
    assert Review.objects.filter(cycle=draft, reviewee=personas.employee).exists()
    progress = client.get(reverse("reviews:cycle_launch_progress", args=[draft.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    html = client.get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="launch-report"' in html
    assert "X-ORPHAN" in html and "has no manager to review her" in html


def test_while_the_launch_runs_the_page_polls_its_progress(personas, draft):
    services.cycle_launch(actor=personas.scoped_hr, cycle=draft, version=draft.version)  # the task never ran
    html = client_for(personas.scoped_hr).get(draft.get_absolute_url()).content.decode()
    assert 'data-running="1"' in html
    assert 'hx-trigger="every 1s"' in html and reverse("reviews:cycle_launch_progress", args=[draft.pk]) in html
    progress = client_for(personas.scoped_hr).get(
        reverse("reviews:cycle_launch_progress", args=[draft.pk]), HTTP_HX_REQUEST="true"
    )
    assert "HX-Refresh" not in progress and 'data-running="1"' in progress.content.decode()


def test_launching_again_adds_the_people_who_joined_since(personas, launched, django_capture_on_commit_callbacks):
    newcomer = make_employee("新同事", personas.east, manager=personas.manager)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(personas.scoped_hr).post(
            reverse("reviews:cycle_launch", args=[launched.pk]), {"version": launched.version}
        )
    assert Review.objects.filter(cycle=launched, reviewee=newcomer).exists()
    launched.refresh_from_db()
    assert launched.launch_report["created"] == 1


def test_a_launch_with_an_old_version_is_refused_with_a_message(personas, draft):
    response = client_for(personas.scoped_hr).post(
        reverse("reviews:cycle_launch", args=[draft.pk]), {"version": draft.version + 5}, follow=True
    )
    assert "Someone else saved this cycle" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == Cycle.State.DRAFT


def test_hr_opens_the_next_phase_and_cannot_close_before_acknowledgement(personas, launched):
    client = client_for(personas.scoped_hr)
    response = client.post(
        reverse("reviews:cycle_advance", args=[launched.pk]), {"version": launched.version}, follow=True
    )
    assert "is open" in response.content.decode()
    launched.refresh_from_db()
    assert launched.phase == PhaseKind.MANAGER
    response = client.post(
        reverse("reviews:cycle_close", args=[launched.pk]), {"version": launched.version}, follow=True
    )
    assert "closes from its acknowledgement phase" in response.content.decode()
    launched.refresh_from_db()
    assert launched.state == Cycle.State.ACTIVE


def test_hr_closes_a_cycle_in_its_acknowledgement_phase(personas, launched):
    cycle = advance_to(personas.scoped_hr, launched, PhaseKind.ACKNOWLEDGEMENT)
    client_for(personas.scoped_hr).post(reverse("reviews:cycle_close", args=[cycle.pk]), {"version": cycle.version})
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.CLOSED


# ---- release ---------------------------------------------------------------------------------------


def ready(cycle, personas, *employees):
    cycle = advance_to(personas.scoped_hr, cycle, PhaseKind.MANAGER)
    for employee in employees:
        review = review_of(cycle, employee)
        submit(employee.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="3"))
    return advance_to(personas.scoped_hr, cycle, PhaseKind.RELEASE)


def test_release_of_one_department_publishes_only_its_ready_reviews_after_showing_the_count(personas, launched):
    cycle = ready(launched, personas, personas.employee, personas.skip)  # one in 华东区, one in 销售部 itself
    client = client_for(personas.scoped_hr)
    html = client.get(
        reverse("reviews:cycle_release", args=[cycle.pk]), {"department": personas.east.pk}
    ).content.decode()
    assert 'data-ready="1"' in html
    html = client.get(reverse("reviews:cycle_release", args=[cycle.pk])).content.decode()
    assert 'data-ready="2"' in html
    response = client.post(
        reverse("reviews:cycle_release", args=[cycle.pk]), {"department": personas.east.pk}, follow=True
    )
    assert "1 review released" in response.content.decode()
    assert review_of(cycle, personas.employee).state == Review.State.RELEASED
    assert review_of(cycle, personas.skip).state == Review.State.READY


def test_release_before_the_release_phase_is_refused_with_the_phase_named(personas, launched):
    response = client_for(personas.scoped_hr).post(
        reverse("reviews:cycle_release", args=[launched.pk]), {}, follow=True
    )
    assert "reviews cannot be released now" in response.content.decode()


def test_release_by_a_department_outside_her_scope_is_404(personas, launched):
    cycle = ready(launched, personas, personas.employee)
    client = client_for(personas.scoped_hr)
    response = client.post(reverse("reviews:cycle_release", args=[cycle.pk]), {"department": personas.rnd.pk})
    assert response.status_code == 404
    assert review_of(cycle, personas.employee).state == Review.State.READY


# ---- scoring ---------------------------------------------------------------------------------------


def test_new_band_thresholds_rescore_every_submitted_review(personas, launched):
    cycle = ready(launched, personas, personas.employee)
    assert review_of(cycle, personas.employee).band == "B"
    client = client_for(personas.scoped_hr)
    html = client.get(reverse("reviews:cycle_scoring", args=[cycle.pk])).content.decode()
    assert 'name="band_S"' in html
    data = {
        "version": cycle.version,
        "self_weight": 0,
        "band_S": "4.5",
        "band_A": "2.5",
        "band_B": "2",
        "band_C": "1",
        "band_D": "0",
    }
    assert client.post(reverse("reviews:cycle_scoring", args=[cycle.pk]), data).status_code == 302
    assert review_of(cycle, personas.employee).band == "A"


def test_bands_with_the_same_lowest_score_are_refused(personas, launched):
    client = client_for(personas.scoped_hr)
    data = {
        "version": launched.version,
        "self_weight": 0,
        "band_S": "3",
        "band_A": "3",
        "band_B": "2",
        "band_C": "1",
        "band_D": "0",
    }
    response = client.post(reverse("reviews:cycle_scoring", args=[launched.pk]), data)
    assert response.status_code == 422
    launched.refresh_from_db()
    assert {b["threshold"] for b in launched.snapshot["scale"]["bands"]} != {"3"}


# ---- reassign and nudge ---------------------------------------------------------------------------


def test_hr_reassigns_the_manager_part_with_a_reason(personas, launched):
    review = review_of(launched, personas.employee)
    client = client_for(personas.scoped_hr)
    response = client.post(
        reverse("reviews:reassign", args=[review.pk]),
        {"kind": "manager", "employee_number": personas.skip.employee_number, "reason": "经理休产假"},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.manager_id == personas.skip.pk
    assert evaluation_of(review, EvaluationKind.MANAGER).rater_id == personas.skip.pk
    assert AuditEvent.objects.filter(action="review.reassign", after__reason="经理休产假").exists()


def test_reassigning_without_a_reason_or_to_nobody_changes_nothing(personas, launched):
    review = review_of(launched, personas.employee)
    client = client_for(personas.scoped_hr)
    response = client.post(
        reverse("reviews:reassign", args=[review.pk]), {"kind": "manager", "employee_number": "NOPE", "reason": ""}
    )
    html = response.content.decode()
    assert response.status_code == 422 and 'data-testid="error-reason"' in html and "NOPE" in html
    response = client.post(
        reverse("reviews:reassign", args=[review.pk]),
        {"kind": "manager", "employee_number": personas.employee.employee_number, "reason": "x"},
    )
    assert response.status_code == 422 and "other than the reviewee" in response.content.decode()
    review.refresh_from_db()
    assert review.manager_id == personas.manager.pk


def test_hr_nudges_a_rater_once_a_day(personas, launched):
    evaluation = evaluation_of(review_of(launched, personas.employee), EvaluationKind.SELF)
    client = client_for(personas.scoped_hr)
    url = reverse("reviews:nudge", args=[evaluation.pk])
    first = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Reminder sent" in first
    again = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "already went out today" in again
    assert Reminder.objects.filter(evaluation=evaluation, kind=Reminder.Kind.NUDGE).count() == 1


def test_a_manager_nudges_her_reports_self_review_but_not_other_parts(personas, launched):
    review = review_of(launched, personas.employee)
    client = client_for(personas.manager.user)
    self_part = evaluation_of(review, EvaluationKind.SELF)
    assert client.post(reverse("reviews:nudge", args=[self_part.pk])).status_code == 302
    assert Reminder.objects.filter(evaluation=self_part).count() == 1
    manager_part = evaluation_of(review, EvaluationKind.MANAGER)
    assert client.post(reverse("reviews:nudge", args=[manager_part.pk])).status_code == 404


def test_a_submitted_part_cannot_be_nudged(personas, launched):
    review = review_of(launched, personas.employee)
    submit(personas.employee.user, review)
    evaluation = Evaluation.objects.get(review=review, kind=EvaluationKind.SELF)
    html = client_for(personas.scoped_hr).post(reverse("reviews:nudge", args=[evaluation.pk]), HTTP_HX_REQUEST="true")
    assert "nothing to remind" in html.content.decode()
    assert not Reminder.objects.exists()


def test_the_cycle_page_finds_a_review_by_employee_number_and_links_to_reassign(personas, launched):
    html = (
        client_for(personas.scoped_hr)
        .get(launched.get_absolute_url(), {"q": personas.employee.employee_number})
        .content.decode()
    )
    review = review_of(launched, personas.employee)
    assert html.count('data-testid="found-review"') == 1
    assert reverse("reviews:reassign", args=[review.pk]) in html


def test_a_chinese_reader_gets_the_cycle_page_in_chinese(personas, launched):
    html = (
        client_for(personas.scoped_hr).get(launched.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert "2027年度考核" in html


def test_scores_of_the_scoring_form_are_decimals(personas):
    # The band inputs reject text that is not a number (nothing is saved).
    from jixiao.reviews.forms_cycles import ScoringForm

    form = ScoringForm({"version": 1, "self_weight": 10, "band_S": "abc"}, bands=[{"code": "S", "threshold": "4.5"}])
    assert not form.is_valid() and "band_S" in form.errors
    form = ScoringForm({"version": 1, "self_weight": 10, "band_S": "4.25"}, bands=[{"code": "S", "threshold": "4.5"}])
    assert form.is_valid() and form.bands() == [("S", Decimal("4.25"))]
