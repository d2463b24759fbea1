"""The pages people write and read reviews on: my reviews, team reviews, the form (autosave), the review, approvals."""

from __future__ import annotations

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.goals.testing import make_period
from jixiao.reviews import services
from jixiao.reviews.models import Cycle, Evaluation, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle, submit

pytestmark = pytest.mark.django_db


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def cycle(personas) -> Cycle:
    admin = personas.admin
    return launch(admin, make_cycle(admin, make_period(admin), departments=(personas.sales,), skip_level=True))


@pytest.fixture
def review(cycle, personas) -> Review:
    return Review.objects.select_related("cycle").get(cycle=cycle, reviewee=personas.employee)


def form_url(evaluation: Evaluation) -> str:
    return f"/reviews/evaluations/{evaluation.pk}/"


def autosave_url(evaluation: Evaluation) -> str:
    return f"/reviews/evaluations/{evaluation.pk}/autosave/"


def posted(review: Review, answers: dict, *, version: int, **extra: str) -> dict:
    """The review form's fields for `answers` (the services' shape)."""
    data = {"version": str(version), "overall": answers.get("overall", ""), **extra}
    for key, value in answers.get("ratings", {}).items():
        data[f"rating:{key}"] = value
    for key, value in answers.get("answers", {}).items():
        data[f"answer:{key}"] = value
    for key, value in answers.get("comments", {}).items():
        data[f"comment:{key}"] = value
    return data


def fresh(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.get(pk=evaluation.pk)


def to_manager_phase(personas, cycle: Cycle) -> Cycle:
    return advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.MANAGER)


# ---- my reviews ----------------------------------------------------------------------------------------


def test_my_reviews_says_why_there_is_nothing_to_do_before_any_cycle(personas):
    response = signed_in(personas.employee.user).get("/reviews/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="todo-empty"' in html
    assert "No review cycle in progress includes you" in html


def test_my_reviews_tells_an_account_without_an_employee_record_what_to_do(personas):
    html = signed_in(personas.outsider).get("/reviews/").content.decode()
    assert 'data-testid="no-employee"' in html


def test_my_reviews_lists_my_self_review_with_the_phase_due_date(personas, review):
    response = signed_in(personas.employee.user).get("/reviews/")
    open_rows = response.context["page"].open
    assert [(r.evaluation.kind, r.status) for r in open_rows] == [("self", "open")]
    assert open_rows[0].due_on == review.cycle.phases.get(kind=PhaseKind.SELF).due_on
    assert form_url(evaluation_of(review, EvaluationKind.SELF)) in response.content.decode()


def test_my_reviews_shows_the_manager_what_she_writes_and_the_skip_level_what_waits(personas, review):
    rows = signed_in(personas.manager.user).get("/reviews/").context["page"].owed
    employee_row = next(r for r in rows if r.reviewee == personas.employee)
    assert employee_row.evaluation.kind == "manager" and employee_row.status == "open"
    assert "not in yet" in employee_row.note
    skip_rows = signed_in(personas.skip.user).get("/reviews/").context["page"].owed
    approval = next(r for r in skip_rows if r.reviewee == personas.employee)
    assert approval.evaluation.kind == "skip_level" and approval.status == "waiting"


def test_once_everything_is_submitted_my_reviews_says_so(personas, review):
    submit(personas.employee.user, review)
    html = signed_in(personas.employee.user).get("/reviews/").content.decode()
    assert 'data-testid="todo-empty"' in html
    assert "Everything you owe" in html


# ---- team reviews ----------------------------------------------------------------------------------------


def test_team_reviews_lists_the_managers_reports_with_their_state(personas, review):
    response = signed_in(personas.manager.user).get("/reviews/team/")
    rows = {r.review.reviewee: r for r in response.context["page"].rows}
    assert set(rows) == {personas.employee, personas.peer}
    assert rows[personas.employee].role == "manager"
    assert rows[personas.employee].final == ""


def test_team_reviews_shows_the_score_once_the_manager_submitted(personas, cycle, review):
    to_manager_phase(personas, cycle)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="3"))
    rows = signed_in(personas.skip.user).get("/reviews/team/").context["page"].rows
    row = next(r for r in rows if r.review.reviewee == personas.employee)
    assert row.role == "skip_level" and row.final == "3" and row.band.code == "B" and row.waiting_on_me


def test_team_reviews_filters_by_cycle(personas, cycle):
    admin = personas.admin
    other = launch(admin, make_cycle(admin, make_period(admin), departments=(personas.east,), name="第二个"))
    client = signed_in(personas.manager.user)
    assert {r.review.cycle_id for r in client.get("/reviews/team/", {"cycle": cycle.pk}).context["page"].rows} == {
        cycle.pk
    }
    both = client.get("/reviews/team/", {"cycle": "all"}).context["page"]
    assert {r.review.cycle_id for r in both.rows} == {cycle.pk, other.pk}
    assert both.cycle_id is None


def test_team_reviews_is_empty_with_a_reason_for_someone_without_reports(personas, cycle):
    html = signed_in(personas.peer.user).get("/reviews/team/").content.decode()
    assert 'data-testid="team-empty"' in html


# ---- the form: autosave, stale versions, submit -----------------------------------------------------


def test_the_self_review_form_shows_sections_in_order_with_bars_anchors(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    response = signed_in(personas.employee.user).get(form_url(evaluation))
    assert response.status_code == 200
    page = response.context["page"]
    assert [s.kind for s in page.sections] == ["kpi", "goals", "competencies", "questions"]
    competency = page.sections[2].competencies[0]
    assert [lv.value for lv in competency.levels] == ["1", "2", "3", "4", "5"]
    assert competency.levels[3].anchor == "Behaviour at 4"
    html = response.content.decode()
    assert "Behaviour at 4" in html and "Exceeds expectations" in html
    assert f'name="version" id="jxr-version" value="{evaluation.version}"' in html
    assert 'name="private_note"' not in html


def test_autosave_saves_the_draft_and_returns_the_time_and_new_version(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    client = signed_in(personas.employee.user)
    data = posted(review, {"overall": "Half written"}, version=evaluation.version)
    response = client.post(autosave_url(evaluation), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saved at" in html
    saved = fresh(evaluation)
    assert saved.state == Evaluation.State.DRAFT and saved.answers["overall"] == "Half written"
    assert f'id="jxr-version" value="{saved.version}" hx-swap-oob="true"' in html
    # The draft is there to resume.
    assert "Half written" in client.get(form_url(evaluation)).content.decode()


def test_a_stale_autosave_is_refused_with_a_message_and_writes_nothing(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    client = signed_in(personas.employee.user)
    client.post(autosave_url(evaluation), posted(review, {"overall": "First tab"}, version=evaluation.version))
    response = client.post(
        autosave_url(evaluation), posted(review, {"overall": "Second tab"}, version=evaluation.version)
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this review" in html
    assert 'data-testid="stale-banner"' in html and "copy what you need, then reload" in html
    assert fresh(evaluation).answers["overall"] == "First tab"


def test_a_stale_submit_keeps_what_was_typed_on_the_page(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    client = signed_in(personas.employee.user)
    client.post(autosave_url(evaluation), posted(review, {"overall": "Saved elsewhere"}, version=evaluation.version))
    answers = full_answers(review, overall="My long careful text")
    response = client.post(form_url(evaluation), posted(review, answers, version=evaluation.version, action="submit"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "My long careful text" in html and "Nothing was saved" in html
    assert fresh(evaluation).state == Evaluation.State.DRAFT
    assert Review.objects.get(pk=review.pk).state == Review.State.SELF_REVIEW


def test_submit_with_missing_items_shows_errors_beside_them_and_moves_nothing(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    answers = full_answers(review, overall="")
    missing_rating = next(iter(answers["ratings"]))
    question = next(iter(answers["answers"]))
    del answers["ratings"][missing_rating]
    answers["answers"][question] = "   "
    data = posted(review, answers, version=evaluation.version, action="submit")
    response = signed_in(personas.employee.user).post(form_url(evaluation), data)
    assert response.status_code == 400
    html = response.content.decode()
    rating_dom = missing_rating.replace(":", "-")
    question_dom = question.replace(":", "-")
    assert f'id="jxr-err-{rating_dom}" data-testid="error-{rating_dom}">Rate this before submitting.' in html
    assert f'data-testid="error-{question_dom}">Answer this before submitting.' in html
    assert 'data-testid="error-overall">Write an overall comment before submitting.' in html
    # What was typed stays: the other ratings are still checked.
    other = next(k for k in answers["ratings"])
    assert f'name="rating:{other}" value="4" checked' in html
    assert fresh(evaluation).state == Evaluation.State.PENDING
    assert Review.objects.get(pk=review.pk).state == Review.State.SELF_REVIEW


def test_submit_moves_the_review_to_the_manager_and_a_second_submit_is_refused(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    client = signed_in(personas.employee.user)
    data = posted(review, full_answers(review), version=evaluation.version, action="submit")
    response = client.post(form_url(evaluation), data)
    assert response.status_code == 302 and response["Location"] == f"/reviews/{review.pk}/"
    assert Review.objects.get(pk=review.pk).state == Review.State.MANAGER_REVIEW
    submitted = fresh(evaluation)
    again = client.post(form_url(evaluation), {**data, "version": str(submitted.version)})
    assert again.status_code == 400
    assert "already been submitted" in again.content.decode()
    assert fresh(evaluation).version == submitted.version
    # Opening the form again leads to the review, where her submitted self review reads back.
    assert client.get(form_url(evaluation))["Location"] == f"/reviews/{review.pk}/"


def test_the_manager_cannot_submit_during_the_self_review_phase(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    client = signed_in(personas.manager.user)
    html = client.get(form_url(evaluation)).content.decode()
    assert 'data-testid="submit" disabled' in html
    data = posted(review, full_answers(review), version=evaluation.version, action="submit")
    response = client.post(form_url(evaluation), data)
    assert response.status_code == 400
    assert "phase" in response.content.decode()
    assert fresh(evaluation).state == Evaluation.State.PENDING
    assert Review.objects.get(pk=review.pk).state == Review.State.SELF_REVIEW


def test_the_self_review_cannot_be_written_once_its_phase_is_over(personas, cycle, review):
    advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.SKIP_LEVEL)
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    client = signed_in(personas.employee.user)
    html = client.get(form_url(evaluation)).content.decode()
    assert 'data-testid="form-note"' in html and "can no longer be written" in html
    assert "hx-post" not in html.split('id="jxr-form"')[1].split(">")[0]
    response = client.post(autosave_url(evaluation), posted(review, {"overall": "late"}, version=evaluation.version))
    assert response.status_code == 409
    assert fresh(evaluation).answers == {}


def test_an_override_without_a_reason_is_refused_beside_the_section(personas, cycle, review):
    to_manager_phase(personas, cycle)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    kpi = next(s["key"] for s in review.cycle.snapshot["sections"] if s["kind"] == "kpi")
    data = posted(review, full_answers(review), version=evaluation.version, action="submit")
    data[f"override_score:{kpi}"] = "4"
    response = signed_in(personas.manager.user).post(form_url(evaluation), data)
    assert response.status_code == 400
    assert f'data-testid="error-override-{kpi}">Say why you override the automatic score.' in response.content.decode()
    assert fresh(evaluation).state == Evaluation.State.PENDING


def test_an_autosave_with_an_unexplained_override_is_refused_beside_it_and_writes_nothing(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    kpi = next(s["key"] for s in review.cycle.snapshot["sections"] if s["kind"] == "kpi")
    data = posted(review, {"overall": "Draft"}, version=evaluation.version, **{f"override_score:{kpi}": "4"})
    response = signed_in(personas.manager.user).post(autosave_url(evaluation), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="jxr-live-override-{kpi}" hx-swap-oob="true"' in html
    assert "Say why you override the automatic score." in html
    assert fresh(evaluation).answers == {} and fresh(evaluation).version == evaluation.version


def test_manager_autosave_keeps_the_private_note_and_returns_the_live_score(personas, cycle, review):
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    data = posted(
        review, full_answers(review, rating="3"), version=evaluation.version, private_note="Promote next year"
    )
    response = signed_in(personas.manager.user).post(autosave_url(evaluation), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="jxr-preview"' in html and 'data-testid="preview-final">3<' in html
    assert fresh(evaluation).private_note == "Promote next year"


def test_the_manager_submits_with_an_override_and_the_employee_reads_why_after_release(personas, cycle, review):
    submit(personas.employee.user, review)
    to_manager_phase(personas, cycle)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    kpi = next(s["key"] for s in review.cycle.snapshot["sections"] if s["kind"] == "kpi")
    data = posted(review, full_answers(review, rating="4"), version=evaluation.version, action="submit")
    data.update({f"override_score:{kpi}": "3", f"override_reason:{kpi}": "Market fell in Q2"})
    response = signed_in(personas.manager.user).post(form_url(evaluation), data)
    assert response.status_code == 302
    skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
    services.review_skip_level_decide(
        actor=personas.skip.user, evaluation=skip, approve=True, comment="", version=skip.version
    )
    cycle = advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.RELEASE)
    services.reviews_release(actor=personas.admin, cycle=cycle)
    response = signed_in(personas.employee.user).get(f"/reviews/{review.pk}/")
    html = response.content.decode()
    breakdown = response.context["page"].breakdown
    rows = {r.kind: r for r in breakdown.rows}
    # The goals section had nothing to score: it drops out and the others carry its weight.
    assert rows["goals"].dropped and rows["kpi"].gained and rows["kpi"].score == "3"
    assert rows["kpi"].override_reason == "Market fell in Q2"
    assert breakdown.final == Review.objects.get(pk=review.pk).breakdown["final"].rstrip("0").rstrip(".")
    assert 'data-testid="why-dropped"' in html and "Market fell in Q2" in html
    assert 'id="jxr-chart-data"' in html and 'data-testid="breakdown"' in html
    assert 'data-testid="thresholds"' in html


# ---- acknowledgement -------------------------------------------------------------------------------------


@pytest.fixture
def released(personas, cycle, review) -> Review:
    submit(personas.employee.user, review)
    to_manager_phase(personas, cycle)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="3"))
    skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
    services.review_skip_level_decide(
        actor=personas.skip.user, evaluation=skip, approve=True, comment="", version=skip.version
    )
    cycle = advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.RELEASE)
    services.reviews_release(actor=personas.admin, cycle=cycle)
    return Review.objects.get(pk=review.pk)


def test_disagreeing_needs_a_comment(personas, released):
    client = signed_in(personas.employee.user)
    url = f"/reviews/{released.pk}/acknowledge/"
    response = client.post(url, {"decision": "disagree", "comment": " ", "version": released.version})
    assert response.status_code == 400
    assert 'data-testid="error-comment">Say what you disagree with.' in response.content.decode()
    assert Review.objects.get(pk=released.pk).state == Review.State.RELEASED


def test_a_stale_acknowledgement_is_refused(personas, released):
    client = signed_in(personas.employee.user)
    url = f"/reviews/{released.pk}/acknowledge/"
    response = client.post(url, {"decision": "agree", "comment": "", "version": released.version - 1})
    assert response.status_code == 409
    assert 'data-testid="ack-error"' in response.content.decode()
    assert Review.objects.get(pk=released.pk).state == Review.State.RELEASED


def test_the_employee_acknowledges_or_disagrees_with_her_result(personas, released):
    client = signed_in(personas.employee.user)
    url = f"/reviews/{released.pk}/acknowledge/"
    response = client.post(url, {"decision": "disagree", "comment": "My KPIs were cut", "version": released.version})
    assert response.status_code == 302
    review = Review.objects.get(pk=released.pk)
    assert review.state == Review.State.DISAGREED and review.acknowledgement_comment == "My KPIs were cut"
    html = client.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="ack-outcome"' in html and 'data-testid="acknowledge"' not in html
    # Only she acknowledges: her manager gets no form and cannot post one.
    manager = signed_in(personas.manager.user)
    assert 'data-testid="acknowledge"' not in manager.get(f"/reviews/{review.pk}/").content.decode()


def test_acknowledging_before_release_is_refused(personas, review):
    client = signed_in(personas.employee.user)
    response = client.post(
        f"/reviews/{review.pk}/acknowledge/", {"decision": "agree", "comment": "", "version": review.version}
    )
    assert response.status_code == 400
    assert Review.objects.get(pk=review.pk).state == Review.State.SELF_REVIEW
    assert not AuditEvent.objects.filter(action="review.acknowledge").exists()


# ---- skip-level approval ---------------------------------------------------------------------------------


@pytest.fixture
def awaiting_approval(personas, cycle, review) -> Evaluation:
    to_manager_phase(personas, cycle)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="4"))
    return evaluation_of(review, EvaluationKind.SKIP_LEVEL)


def test_the_skip_level_manager_reads_the_ratings_and_returns_them_with_a_comment(personas, awaiting_approval):
    client = signed_in(personas.skip.user)
    url = f"/reviews/evaluations/{awaiting_approval.pk}/decide/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["page"].breakdown.final == "4"
    refused = client.post(url, {"decision": "return", "comment": "", "version": awaiting_approval.version})
    assert refused.status_code == 400
    assert Review.objects.get(pk=awaiting_approval.review_id).state == Review.State.SKIP_LEVEL
    response = client.post(url, {"decision": "return", "comment": "Too generous", "version": awaiting_approval.version})
    assert response.status_code == 302
    assert Review.objects.get(pk=awaiting_approval.review_id).state == Review.State.MANAGER_REVIEW
    # The manager can write again.
    manager_eval = evaluation_of(Review.objects.get(pk=awaiting_approval.review_id), EvaluationKind.MANAGER)
    assert manager_eval.state == Evaluation.State.DRAFT


def test_the_skip_level_manager_approves(personas, awaiting_approval):
    url = f"/reviews/evaluations/{awaiting_approval.pk}/decide/"
    response = signed_in(personas.skip.user).post(
        url, {"decision": "approve", "comment": "", "version": awaiting_approval.version}
    )
    assert response.status_code == 302
    assert Review.objects.get(pk=awaiting_approval.review_id).state == Review.State.READY
    again = signed_in(personas.skip.user).get(url)
    assert 'data-testid="decide"' not in again.content.decode()


def test_approving_before_the_manager_submitted_is_refused(personas, review):
    skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
    url = f"/reviews/evaluations/{skip.pk}/decide/"
    client = signed_in(personas.skip.user)
    assert 'data-testid="skip-note"' in client.get(url).content.decode()
    response = client.post(url, {"decision": "approve", "comment": "", "version": skip.version})
    assert response.status_code == 400
    assert Review.objects.get(pk=review.pk).state == Review.State.SELF_REVIEW


# ---- languages -------------------------------------------------------------------------------------------


def test_the_pages_speak_chinese(personas, review):
    client = signed_in(personas.employee.user, "zh-hans")
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    html = client.get(form_url(evaluation)).content.decode()
    assert "等级4的行为" in html and "业绩指标" in html
    assert "本期最大的成绩是什么？" in html
