"""What the reviewee (and her manager and HR) read about a result changed in calibration or on appeal
(decision 0011, "Transparency"): on the review page, in the API and in both exports — the source and the
reason, the score's own band beside the rating, corrected section scores, never who argued for it, and
nothing before the reader may see the score."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jixiao.goals.testing import make_period
from jixiao.reviews import services
from jixiao.reviews.models import Review
from jixiao.reviews.services_rating import review_result_change
from jixiao.reviews.testing import advance_to, launch, make_cycle, make_ready
from jixiao.reviews.transparency import rating_change

pytestmark = pytest.mark.django_db

CALIBRATION = Review.OverrideSource.CALIBRATION
APPEAL = Review.OverrideSource.APPEAL
REASON = "与其他团队对比，项目交付突出"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cycle(personas):
    admin = personas.admin
    cycle = make_cycle(admin, make_period(admin), departments=(personas.sales,), calibration=True, name="2027年度考核")
    return make_ready(admin, launch(admin, cycle), rating="3")


def review_of(cycle, employee) -> Review:
    return Review.objects.select_related("cycle", "department").get(cycle=cycle, reviewee=employee)


def release(personas, cycle):
    cycle = advance_to(personas.admin, cycle, "release")
    services.reviews_release(actor=personas.admin, cycle=cycle)
    return cycle


@pytest.fixture
def calibrated(personas, cycle):
    """The employee's review moved from B to A in calibration by HR, then released."""
    review_result_change(
        actor=personas.scoped_hr,
        review=review_of(cycle, personas.employee),
        reason=REASON,
        source=CALIBRATION,
        band="A",
    )
    release(personas, cycle)
    return review_of(cycle, personas.employee)


def page(user, review) -> str:
    response = client_for(user).get(review.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def competencies(review) -> str:
    return next(s["key"] for s in review.cycle.snapshot["sections"] if s["kind"] == "competencies")


# ---- the pure helper --------------------------------------------------------------------------------


def test_nothing_stands_changed_without_a_pin_or_a_correction(personas, cycle):
    review = review_of(cycle, personas.employee)
    assert rating_change(review) is None
    review = review_result_change(actor=personas.scoped_hr, review=review, reason="上调", source=CALIBRATION, band="A")
    change = rating_change(review)
    assert change is not None and change.band_moved
    review = review_result_change(
        actor=personas.scoped_hr, review=review, reason="回到原档", source=CALIBRATION, band="B"
    )
    assert rating_change(review) is None  # moved and moved back: nothing to tell


# ---- the review page ---------------------------------------------------------------------------------


def test_the_reviewee_reads_that_calibration_changed_her_rating_and_why_never_who(personas, calibrated):
    html = page(personas.employee.user, calibrated)
    assert 'data-testid="rating-change" data-source="calibration"' in html
    assert "Your rating was changed in calibration from B to A." in html
    assert REASON in html
    assert 'data-testid="score-band"' in html and "(band of the score)" in html
    assert 'class="jxr-this" data-band="A"' in html and 'class="jxr-score-band" data-band="B"' in html
    assert "S</span>" in html and "≥ 4.5" in html  # the cycle's thresholds
    hr = personas.scoped_hr
    assert hr.username not in html and (hr.get_full_name() or hr.username) not in html


def test_her_manager_and_hr_read_the_same_facts(personas, calibrated):
    for user in (personas.manager.user, personas.scoped_hr, personas.admin):
        html = page(user, calibrated)
        assert "The rating was changed in calibration from B to A." in html and REASON in html


def test_the_manager_sees_the_calibrated_rating_before_release_and_the_reviewee_sees_nothing(personas, cycle):
    review = review_of(cycle, personas.employee)
    review_result_change(actor=personas.scoped_hr, review=review, reason=REASON, source=CALIBRATION, band="A")
    assert "The rating was changed in calibration from B to A." in page(personas.manager.user, review)
    html = page(personas.employee.user, review)
    assert 'data-testid="rating-change"' not in html and REASON not in html
    assert 'data-testid="appeal-panel"' not in html
    assert 'data-testid="step-calibration"' in html


def test_corrected_sections_show_the_computed_score_and_the_reason(personas, cycle):
    release(personas, cycle)
    review = review_of(cycle, personas.employee)
    key = competencies(review)
    review_result_change(
        actor=personas.scoped_hr,
        review=review,
        reason="漏算了项目成果",
        source=APPEAL,
        corrections={key: Decimal("4.5")},
    )
    html = page(personas.employee.user, review)
    assert "Your result was changed on appeal: the corrected section scores are marked below." in html
    assert 'data-testid="why-corrected"' in html and "Score corrected from 3 to 4.5" in html
    assert "漏算了项目成果" in html
    assert 'data-testid="score-band"' not in html  # the band follows the corrected score


def test_an_appeal_that_moved_the_rating_says_so(personas, cycle):
    release(personas, cycle)
    review = review_of(cycle, personas.employee)
    review_result_change(actor=personas.scoped_hr, review=review, reason="申诉成立", source=APPEAL, band="C")
    assert "Your rating was changed on appeal from B to C." in page(personas.employee.user, review)


def test_a_released_review_loads_the_appeal_panel_from_the_appeals_app(personas, calibrated):
    html = page(personas.employee.user, calibrated)
    url = reverse("appeals:review_panel", args=[calibrated.pk])
    assert f'hx-get="{url}" hx-trigger="load"' in html


def test_an_unchanged_review_has_no_change_notice(personas, cycle):
    release(personas, cycle)
    html = page(personas.employee.user, review_of(cycle, personas.employee))
    assert 'data-testid="rating-change"' not in html and 'data-testid="result-card"' in html


def test_a_changed_result_costs_the_page_no_query(personas, cycle, calibrated):
    plain = review_of(cycle, personas.peer)
    counts = []
    for review, user in ((plain, personas.peer.user), (calibrated, personas.employee.user)):
        client = client_for(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(review.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# ---- the API -----------------------------------------------------------------------------------------


def api(user, review) -> dict:
    response = client_for(user).get(f"/api/v1/reviews/{review.pk}")
    assert response.status_code == 200
    return response.json()


def test_the_api_gives_the_scores_band_the_rating_and_what_changed_it(personas, calibrated):
    body = api(personas.employee.user, calibrated)
    assert (body["band"], body["score_band"]) == ("A", "B")
    assert body["rating_changed"] == {"source": "calibration", "reason": REASON}


def test_the_api_tells_nothing_before_the_reader_may_see_the_score(personas, cycle):
    review = review_of(cycle, personas.employee)
    review_result_change(actor=personas.scoped_hr, review=review, reason=REASON, source=CALIBRATION, band="A")
    mine = api(personas.employee.user, review)
    assert mine["band"] is None and mine["score_band"] is None and mine["rating_changed"] is None
    manager = api(personas.manager.user, review)
    assert manager["score_band"] == "B" and manager["rating_changed"]["source"] == "calibration"


def test_the_api_breakdown_carries_corrected_sections(personas, cycle):
    release(personas, cycle)
    review = review_of(cycle, personas.employee)
    key = competencies(review)
    review_result_change(
        actor=personas.scoped_hr, review=review, reason="更正", source=APPEAL, corrections={key: Decimal(4)}
    )
    body = api(personas.employee.user, review)
    section = next(s for s in body["breakdown"]["sections"] if s["key"] == key)
    assert section["corrected_from"] == "3.00" and section["correction_reason"] == "更正"
    assert body["rating_changed"] == {"source": "appeal", "reason": "更正"} and body["score_band"] == "A"


def test_an_unchanged_review_has_no_rating_change_in_the_api(personas, cycle):
    release(personas, cycle)
    body = api(personas.peer.user, review_of(cycle, personas.peer))
    assert body["rating_changed"] is None and body["score_band"] == body["band"] == "B"


# ---- exports -----------------------------------------------------------------------------------------


def table(response) -> list[list[object]]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_hrs_export_says_what_changed_each_rating_and_why(personas, calibrated, cycle):
    rows = table(client_for(personas.admin).get(reverse("reviews:cycle_export", args=[cycle.pk])))
    by_number = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    mine = by_number[personas.employee.employee_number]
    assert (mine["Band"], mine["Band of the score"], mine["Changed by"]) == ("A", "B", "Calibration")
    assert mine["Reason for the change"] == REASON
    peer = by_number[personas.peer.employee_number]
    assert (peer["Band"], peer["Band of the score"], peer["Changed by"], peer["Reason for the change"]) == (
        "B",
        "B",
        None,
        None,
    )


def test_my_export_says_what_changed_my_rating_and_the_corrected_sections(personas, cycle):
    release(personas, cycle)
    review = review_of(cycle, personas.employee)
    key = competencies(review)
    review_result_change(
        actor=personas.scoped_hr, review=review, reason="更正", source=APPEAL, band="S", corrections={key: Decimal(4)}
    )
    response = client_for(personas.employee.user).get(reverse("reviews:my_export"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)  # type: ignore[attr-defined]
    sheets = {s.title: [list(r) for r in s.iter_rows(values_only=True)] for s in workbook.worksheets}
    results = dict(zip(sheets["Results"][0], sheets["Results"][1], strict=True))
    assert (results["Band"], results["Band of the score"], results["Changed by"]) == ("S", "A", "Appeal")
    assert results["Reason for the change"] == "更正"
    header = sheets["Score breakdown"][0]
    row = next(r for r in sheets["Score breakdown"][1:] if r[header.index("Score before correction")] is not None)
    assert row[header.index("Score before correction")] == 3 and row[header.index("Score")] == 4
    assert row[header.index("Reason for the correction")] == "更正"
