"""The appeal pages end to end: filing, handling, deciding, HR's list and report — and their query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jixiao.accounts.models import User
from jixiao.appeals import services
from jixiao.appeals.models import Appeal
from jixiao.appeals.selectors import company_today
from jixiao.appeals.testing import (
    file_appeal,
    many_appeals,
    pdf,
    released_review,
    reload_appeal,
    reload_review,
    stored_files,
)
from jixiao.org.models import HRScope

pytestmark = pytest.mark.django_db
S = Appeal.State


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def review(personas):
    return released_review(personas)


@pytest.fixture
def appeal(personas, review):
    return file_appeal(personas, review)


# ---- filing ------------------------------------------------------------------------------------------------------


def test_the_employee_files_an_appeal_with_a_file_and_reads_it_back(personas, review, media):
    client = signed_in(personas.employee.user)
    url = reverse("appeals:file", args=[review.pk])
    assert 'data-testid="appeal-form"' in client.get(url).content.decode()
    response = client.post(url, {"reason": "第三季度的大客户订单没有计入 KPI。", "files": [pdf("订单.pdf")]})
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == appeal.get_absolute_url()
    html = client.get(appeal.get_absolute_url()).content.decode()
    assert "第三季度的大客户订单没有计入 KPI。" in html and "订单.pdf" in html
    assert 'data-testid="timeline-filed"' in html and 'data-testid="waiting"' in html
    assert len(stored_files(media)) == 1
    # Filing again leads to the appeal, not a second form.
    assert client.get(url)["Location"] == appeal.get_absolute_url()


def test_a_refused_file_keeps_the_reason_says_why_and_stores_nothing(personas, review, media):
    client = signed_in(personas.employee.user)
    response = client.post(
        reverse("appeals:file", args=[review.pk]),
        {"reason": "我的理由很长。", "files": [SimpleUploadedFile("tool.exe", b"MZ\x90")]},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-files"' in html and "tool.exe" in html and "我的理由很长。" in html
    assert not Appeal.objects.exists() and not stored_files(media)


def test_an_empty_reason_is_refused_beside_the_field(personas, review):
    response = signed_in(personas.employee.user).post(reverse("appeals:file", args=[review.pk]), {"reason": ""})
    assert response.status_code == 400 and 'data-testid="error-reason"' in response.content.decode()


def test_nobody_but_the_reviewee_opens_the_form(personas, review):
    for user in (personas.manager.user, personas.scoped_hr, personas.admin):
        assert signed_in(user).get(reverse("appeals:file", args=[review.pk])).status_code == 404


def test_after_the_window_the_form_explains_instead(personas):
    from jixiao.appeals.testing import released_days_ago

    review = released_days_ago(released_review(personas, appeal_days=3), 4)
    html = signed_in(personas.employee.user).get(reverse("appeals:file", args=[review.pk])).content.decode()
    assert 'data-testid="window-closed"' in html and 'data-testid="appeal-form"' not in html


# ---- handling ----------------------------------------------------------------------------------------------------


def test_the_owner_takes_it_up_from_the_page(personas, appeal):
    client = signed_in(personas.scoped_hr)
    assert 'data-testid="take-up"' in client.get(appeal.get_absolute_url()).content.decode()
    response = client.post(reverse("appeals:take_up", args=[appeal.pk]), {"version": appeal.version})
    assert response.status_code == 302 and reload_appeal(appeal.pk).state == S.UNDER_REVIEW


def test_the_manager_responds_from_the_page(personas, appeal):
    client = signed_in(personas.manager.user)
    assert 'data-testid="respond-form"' in client.get(appeal.get_absolute_url()).content.decode()
    empty = client.post(reverse("appeals:respond", args=[appeal.pk]), {"response": " ", "version": appeal.version})
    assert empty.status_code == 400 and 'data-testid="error-response"' in empty.content.decode()
    client.post(reverse("appeals:respond", args=[appeal.pk]), {"response": "评分依据充分。", "version": appeal.version})
    assert reload_appeal(appeal.pk).manager_response == "评分依据充分。"


def test_handing_the_appeal_to_the_manager_is_refused_beside_the_field(personas, appeal):
    HRScope.objects.create(user=personas.manager.user, department=personas.sales)
    response = signed_in(personas.admin).post(
        reverse("appeals:reassign", args=[appeal.pk]), {"owner": personas.manager.user_id, "version": appeal.version}
    )
    # The manager is not even offered; posting her id anyway is refused.
    html = response.content.decode()
    assert response.status_code == 400 and 'data-testid="error-owner"' in html
    assert "The manager being appealed cannot handle the appeal." in html
    assert reload_appeal(appeal.pk).owner == personas.scoped_hr


def test_the_decide_form_shows_the_sections_and_a_changed_result_reaches_the_employee(personas, appeal):
    client = signed_in(personas.scoped_hr)
    url = reverse("appeals:decide", args=[appeal.pk])
    html = client.get(url).content.decode()
    sections = [s["key"] for s in appeal.review.breakdown["sections"] if s["kind"] != "questions"]
    assert all(f'data-section="{key}"' in html for key in sections)
    key = next(s["key"] for s in appeal.review.breakdown["sections"] if s["kind"] == "competencies")
    missing = client.post(url, {"outcome_state": "changed", "outcome": "", f"correction_{key}": "5", "version": 1})
    assert missing.status_code == 400 and 'data-testid="error-outcome"' in missing.content.decode()
    assert reload_appeal(appeal.pk).state == S.SUBMITTED
    off_scale = client.post(
        url, {"outcome_state": "changed", "outcome": "更正", f"correction_{key}": "9", "version": 1}
    )
    assert off_scale.status_code == 400 and f'data-testid="error-correction_{key}"' in off_scale.content.decode()
    done = client.post(
        url, {"outcome_state": "changed", "outcome": "能力素质评分更正为 5。", f"correction_{key}": "5", "version": 1}
    )
    assert done.status_code == 302
    assert (reload_review(appeal.review_id).final_score or 0) > Decimal(3)
    page = signed_in(personas.employee.user).get(appeal.get_absolute_url()).content.decode()
    assert 'data-testid="outcome"' in page and "能力素质评分更正为 5。" in page
    assert 'data-testid="corrected-sections"' in page and 'data-testid="timeline-decided"' in page


# ---- lists, report, query counts -------------------------------------------------------------------------------------


def test_hr_filters_the_list_by_state_department_and_overdue(personas, review):
    many_appeals(personas, review, 8)
    client = signed_in(personas.scoped_hr)
    rows = lambda query: client.get(reverse("appeals:list") + query).content.decode().count('data-testid="list-row"')  # noqa: E731
    assert rows("") == 8
    assert rows("?state=submitted") == 2 and rows("?state=open") == 4
    overdue = Appeal.objects.filter(state__in=[S.SUBMITTED, S.UNDER_REVIEW], due_on__lt=company_today()).count()
    assert rows("?overdue=1") == overdue
    assert rows(f"?department={personas.east.pk}") == 8 and rows(f"?department={personas.rnd.pk}") == 0


def test_the_list_pages_with_more(personas, review):
    many_appeals(personas, review, 55)
    client = signed_in(personas.scoped_hr)
    first = client.get(reverse("appeals:list")).content.decode()
    assert first.count('data-testid="list-row"') == 50 and 'data-testid="list-more"' in first
    cursor = first.split('data-testid="list-more"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(reverse("appeals:list") + cursor).content.decode()
    assert second.count('data-testid="list-row"') == 5 and 'data-testid="list-more"' not in second


@pytest.mark.parametrize("url_name", ["appeals:list", "appeals:report"])
def test_hr_pages_run_the_same_queries_for_10_and_60_appeals(personas, review, django_assert_num_queries, url_name):
    client = signed_in(personas.scoped_hr)
    many_appeals(personas, review, 10)
    client.get(reverse(url_name))  # warm the session
    expected = {"appeals:list": 7, "appeals:report": 8}[url_name]
    with django_assert_num_queries(expected):
        assert client.get(reverse(url_name)).status_code == 200
    many_appeals(personas, review, 50)
    with django_assert_num_queries(expected):
        assert client.get(reverse(url_name)).status_code == 200


def test_my_appeals_runs_a_fixed_number_of_queries(personas, review, django_assert_num_queries):
    file_appeal(personas, review)
    client = signed_in(personas.employee.user)
    client.get(reverse("appeals:mine"))
    with django_assert_num_queries(5):
        html = client.get(reverse("appeals:mine")).content.decode()
    assert html.count('data-testid="mine-row"') == 1


def test_the_appeal_page_runs_a_fixed_number_of_queries(personas, appeal, django_assert_num_queries):
    client = signed_in(personas.employee.user)
    client.get(appeal.get_absolute_url())
    with django_assert_num_queries(7):
        client.get(appeal.get_absolute_url())


def test_the_report_counts_by_department_and_outcome_with_the_median_and_overdue(personas, review):
    many_appeals(personas, review, 8)
    html = signed_in(personas.admin).get(reverse("appeals:report")).content.decode()
    assert 'data-testid="report-total">8<' in html
    assert 'id="jxa-report-data"' in html and 'data-testid="report-table"' in html
    overdue = Appeal.objects.filter(state__in=[S.SUBMITTED, S.UNDER_REVIEW], due_on__lt=company_today()).count()
    assert f'data-testid="report-overdue">{overdue}<' in html
    assert 'data-testid="report-median">0<' in html  # decided the day they were filed


def test_the_median_counts_days_from_filing_to_decision(personas, review):
    from django.utils import timezone

    appeals = many_appeals(personas, review, 4)  # two of four are decided
    decided = [a for a in appeals if a.decided_at]
    now = timezone.now()
    for appeal, days in zip(decided, (2, 6), strict=True):
        Appeal.objects.filter(pk=appeal.pk).update(created_at=now - dt.timedelta(days=days), decided_at=now)
    from jixiao.appeals.selectors import appeals_report

    report = appeals_report(user=personas.admin)
    assert report.median_days == "4" and report.decided == 2 and report.rows[0].counts[S.UPHELD] == 1


def test_the_review_panel_links_to_the_form_and_services_refuse_after_deciding(personas, appeal):
    services.appeal_decide(actor=personas.scoped_hr, appeal=appeal, outcome_state=S.UPHELD, outcome="维持原结果。")
    html = signed_in(personas.employee.user).get(reverse("appeals:review_panel", args=[appeal.review_id])).content
    assert "维持原结果。" in html.decode()
    assert signed_in(personas.scoped_hr).get(reverse("appeals:decide", args=[appeal.pk])).status_code == 302


def test_hr_does_not_find_her_own_appeal_on_her_desk(personas, review):
    from jixiao.appeals.selectors import hr_appeals

    many_appeals(personas, review, 2)
    HRScope.objects.create(user=personas.employee.user, department=personas.sales)
    file_appeal(personas, review)
    page = hr_appeals(user=User.objects.get(pk=personas.employee.user_id))  # fresh roles
    assert len(page.rows) == 2 and all(a.employee_id != personas.employee.pk for a in page.rows)
