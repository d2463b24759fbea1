"""The reviews API: writing an evaluation with ETag / If-Match, bad answers, the skip-level decision and
acknowledging a result."""

from __future__ import annotations

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.goals.testing import make_period
from jixiao.reviews.models import Cycle, Evaluation, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def etag(evaluation: Evaluation) -> str:
    return f'"{Evaluation.objects.get(pk=evaluation.pk).version}"'


def put(user, evaluation: Evaluation, body: dict, *, if_match: str | None = "current", method: str = "put"):
    headers = {}
    if if_match == "current":
        headers["If-Match"] = etag(evaluation)
    elif if_match is not None:
        headers["If-Match"] = if_match
    send = getattr(client_for(user), method)
    return send(
        f"/api/v1/reviews/evaluations/{evaluation.pk}/answers", body, content_type="application/json", headers=headers
    )


def submit(user, evaluation: Evaluation, answers: dict | None = None, *, if_match: str | None = "current"):
    headers = {"If-Match": etag(evaluation)} if if_match == "current" else ({"If-Match": if_match} if if_match else {})
    body = {"answers": answers} if answers is not None else {}
    return client_for(user).post(
        f"/api/v1/reviews/evaluations/{evaluation.pk}/submit", body, content_type="application/json", headers=headers
    )


@pytest.fixture
def cycle(personas) -> Cycle:
    admin = personas.admin
    return launch(admin, make_cycle(admin, make_period(admin), departments=(personas.sales,), skip_level=True))


@pytest.fixture
def review(cycle, personas) -> Review:
    return Review.objects.select_related("cycle").get(cycle=cycle, reviewee=personas.employee)


@pytest.fixture
def self_eval(review) -> Evaluation:
    return evaluation_of(review, EvaluationKind.SELF)


def rating_field(review: Review) -> str:
    return next(key for key in full_answers(review)["ratings"])


# ---- reading -----------------------------------------------------------------------------------


def test_the_rater_reads_her_evaluation_with_its_version_as_etag_and_the_form(personas, self_eval, review):
    response = client_for(personas.employee.user).get(f"/api/v1/reviews/evaluations/{self_eval.pk}")
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["kind"] == "self" and body["state"] == "pending" and body["answers"] == {}
    assert body["reviewee"]["id"] == personas.employee.pk and body["version"] == 1
    fields = {item["field"] for item in body["form"]["items"]}
    assert rating_field(review) in fields
    assert [level["value"] for level in body["form"]["levels"]] == ["1.00", "2.00", "3.00", "4.00", "5.00"]
    assert body["form"]["overrides"] == []


def test_someone_who_cannot_open_the_review_gets_404_for_its_evaluation(personas, self_eval):
    for user in (personas.peer.user, personas.outsider, personas.other_hr):
        response = client_for(user).get(f"/api/v1/reviews/evaluations/{self_eval.pk}")
        assert response.status_code == 404, user
        assert response.json()["error"]["code"] == "not_found"


def test_her_manager_does_not_see_a_self_review_draft(personas, self_eval):
    assert put(personas.employee.user, self_eval, {"overall": "还在写"}).status_code == 200
    body = client_for(personas.manager.user).get(f"/api/v1/reviews/evaluations/{self_eval.pk}").json()
    assert body["answers"] is None and body["form"] is None


# ---- ETag and If-Match -------------------------------------------------------------------------


def test_saving_without_if_match_is_428_and_writes_nothing(personas, self_eval):
    response = put(personas.employee.user, self_eval, {"overall": "草稿"}, if_match=None)
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"
    assert Evaluation.objects.get(pk=self_eval.pk).answers == {}


def test_saving_with_a_stale_etag_is_412_and_writes_nothing(personas, self_eval):
    assert put(personas.employee.user, self_eval, {"overall": "第一版"}).status_code == 200
    response = put(personas.employee.user, self_eval, {"overall": "第二版"}, if_match='"1"')
    assert response.status_code == 412
    error = response.json()["error"]
    assert error["code"] == "stale" and "Reload" in error["message"] and error["fields"] == {}
    saved = Evaluation.objects.get(pk=self_eval.pk)
    assert saved.answers["overall"] == "第一版" and saved.version == 2


def test_a_save_with_the_current_etag_answers_the_new_etag(personas, self_eval, review):
    field = rating_field(review)
    response = put(personas.employee.user, self_eval, {"ratings": {field: 4}, "overall": "草稿"})
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert body["state"] == "draft" and body["version"] == 2
    assert body["answers"]["ratings"] == {field: "4"} and body["answers"]["overall"] == "草稿"


def test_patch_changes_only_the_keys_sent(personas, self_eval, review):
    field = rating_field(review)
    question = next(iter(full_answers(review)["answers"]))
    put(personas.employee.user, self_eval, {"ratings": {field: "4"}, "answers": {question: "完成了"}, "overall": "好"})
    response = put(personas.employee.user, self_eval, {"ratings": {field: "5"}}, method="patch")
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"3"'
    answers = response.json()["answers"]
    assert answers["ratings"] == {field: "5"} and answers["answers"] == {question: "完成了"}
    assert answers["overall"] == "好"
    cleared = put(personas.employee.user, self_eval, {"answers": {question: None}}, method="patch").json()
    assert cleared["answers"]["answers"] == {} and cleared["answers"]["ratings"] == {field: "5"}


def test_a_weak_or_wildcard_etag_is_not_enough(personas, self_eval):
    assert put(personas.employee.user, self_eval, {"overall": "x"}, if_match="*").status_code == 428
    assert put(personas.employee.user, self_eval, {"overall": "x"}, if_match='W/"1"').status_code == 412


# ---- bad answers -------------------------------------------------------------------------------


def test_a_rating_off_the_scale_is_400_with_the_field_and_writes_nothing(personas, self_eval, review):
    field = rating_field(review)
    response = put(personas.employee.user, self_eval, {"ratings": {field: "7"}})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["fields"] == {field: ["Pick a level of the scale."]}
    saved = Evaluation.objects.get(pk=self_eval.pk)
    assert saved.version == 1 and saved.answers == {}


def test_an_answer_to_an_item_not_on_the_review_is_refused(personas, self_eval):
    response = put(personas.employee.user, self_eval, {"ratings": {"s999:c1": "3"}, "overrides": {"s1": None}})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "s999:c1": ["This is not part of this review."],
        "override:s1": ["This is not part of this review."],
    }


def test_a_self_review_has_no_private_note(personas, self_eval):
    response = put(personas.employee.user, self_eval, {"overall": "x", "private_note": "给自己的备注"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"private_note": ["Only a manager's review has a private note."]}


def test_unknown_fields_in_the_body_are_422(personas, self_eval):
    response = put(personas.employee.user, self_eval, {"overall": "x", "version": 9, "state": "submitted"})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"version", "state"}


def test_an_answer_too_long_is_422_and_names_the_field(personas, self_eval, review):
    question = next(iter(full_answers(review)["answers"]))
    response = put(personas.employee.user, self_eval, {"answers": {question: "长" * 8001}})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == [f"answers.{question}"]
    assert Evaluation.objects.get(pk=self_eval.pk).version == 1


def test_submitting_without_the_required_answers_names_each_one(personas, self_eval, review):
    response = submit(personas.employee.user, self_eval, {"overall": ""})
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields[rating_field(review)] == ["Rate this before submitting."]
    assert fields["overall"] == ["Write an overall comment before submitting."]
    assert Evaluation.objects.get(pk=self_eval.pk).state == Evaluation.State.PENDING


def test_submitting_the_saved_draft_then_submitting_twice(personas, self_eval, review):
    assert put(personas.employee.user, self_eval, full_answers(review)).status_code == 200
    response = submit(personas.employee.user, self_eval)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted" and response["ETag"] == '"3"'
    assert Review.objects.get(pk=review.pk).state == Review.State.MANAGER_REVIEW
    again = submit(personas.employee.user, self_eval)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_submitted"
    assert AuditEvent.objects.filter(action="review.self_submit", target_id=str(review.pk)).count() == 1


def test_the_manager_cannot_submit_in_the_self_review_phase(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    response = submit(personas.manager.user, evaluation, full_answers(review))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "wrong_phase"
    assert Evaluation.objects.get(pk=evaluation.pk).state == Evaluation.State.PENDING


def test_a_self_review_cannot_be_written_after_the_review_phases(personas, cycle, self_eval):
    advance_to(personas.admin, cycle, PhaseKind.RELEASE)
    response = put(personas.employee.user, self_eval, {"overall": "太晚了"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "wrong_phase"


def test_only_the_rater_writes_an_evaluation(personas, self_eval, review):
    for user in (personas.manager.user, personas.scoped_hr, personas.admin, personas.peer.user):
        assert put(user, self_eval, {"overall": "不是我的"}).status_code == 404, user
    assert Evaluation.objects.get(pk=self_eval.pk).version == 1


def test_a_manager_override_needs_a_reason(personas, cycle, review):
    advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    kpi = next(s["key"] for s in cycle.snapshot["sections"] if s["kind"] == "kpi")
    response = put(personas.manager.user, evaluation, {"overrides": {kpi: {"score": "4"}}})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {f"override:{kpi}": ["Say why you override the automatic score."]}
    body = put(personas.manager.user, evaluation, {"overrides": {kpi: {"score": 4, "reason": "大客户流失"}}}).json()
    assert body["answers"]["overrides"] == {kpi: {"score": "4", "reason": "大客户流失"}}
    assert body["form"]["overrides"] == [s["key"] for s in cycle.snapshot["sections"] if s["kind"] in ("kpi", "goals")]


# ---- the manager's submission, the skip-level decision, acknowledging ----------------------------


def test_the_manager_submits_with_a_private_note_and_the_review_is_scored(personas, cycle, review):
    advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    answers = {**full_answers(review, rating="3"), "private_note": "明年考虑晋升"}
    response = submit(personas.manager.user, evaluation, answers)
    assert response.status_code == 200, response.content
    assert response.json()["private_note"] == "明年考虑晋升"
    saved = Review.objects.get(pk=review.pk)
    assert saved.state == Review.State.SKIP_LEVEL and saved.band == "B"


def test_the_skip_level_manager_approves_with_if_match(personas, cycle, review):
    advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    assert (
        submit(personas.manager.user, evaluation_of(review, EvaluationKind.MANAGER), full_answers(review)).status_code
        == 200
    )
    skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
    url = f"/api/v1/reviews/evaluations/{skip.pk}/decision"
    client = client_for(personas.skip.user)
    assert client.post(url, {"approve": True}, content_type="application/json").status_code == 428
    returned = client.post(
        url, {"approve": False, "comment": ""}, content_type="application/json", headers={"If-Match": '"1"'}
    )
    assert returned.status_code == 400 and "comment" in returned.json()["error"]["fields"]
    response = client.post(url, {"approve": True}, content_type="application/json", headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"' and response.json()["review_state"] == "ready"
    # The manager is not the skip-level rater: the gate answers 404.
    manager = client_for(personas.manager.user).post(
        url, {"approve": True}, content_type="application/json", headers={"If-Match": '"2"'}
    )
    assert manager.status_code == 404


def released(personas, cycle, review) -> Review:
    """The employee's review through the whole loop, up to release."""
    self_eval = evaluation_of(review, EvaluationKind.SELF)
    assert submit(personas.employee.user, self_eval, full_answers(review, rating="5")).status_code == 200
    advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    answers = {**full_answers(review, rating="3"), "private_note": "明年考虑晋升"}
    assert submit(personas.manager.user, evaluation_of(review, EvaluationKind.MANAGER), answers).status_code == 200
    skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
    client_for(personas.skip.user).post(
        f"/api/v1/reviews/evaluations/{skip.pk}/decision",
        {"approve": True},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    cycle = advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.RELEASE)
    response = client_for(personas.admin).post(
        f"/api/v1/reviews/cycles/{cycle.pk}/release", {}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["released"] == 1, response.content
    return Review.objects.get(pk=review.pk)


def acknowledge(user, review: Review, body: dict, *, if_match: str | None, action: str = "acknowledge"):
    headers = {"If-Match": if_match} if if_match else {}
    return client_for(user).post(
        f"/api/v1/reviews/{review.pk}/{action}", body, content_type="application/json", headers=headers
    )


def test_acknowledging_needs_the_reviews_etag_and_answers_the_new_one(personas, cycle, review):
    review = released(personas, cycle, review)
    current = f'"{review.version}"'
    assert acknowledge(personas.employee.user, review, {}, if_match=None).status_code == 428
    assert acknowledge(personas.employee.user, review, {}, if_match='"1"').status_code == 412
    response = acknowledge(personas.employee.user, review, {"comment": "认可"}, if_match=current)
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{review.version + 1}"'
    body = response.json()
    assert body["state"] == "acknowledged" and body["acknowledgement_comment"] == "认可"
    again = acknowledge(personas.employee.user, review, {}, if_match=response["ETag"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"


def test_only_the_reviewee_acknowledges_and_only_after_release(personas, cycle, review):
    early = acknowledge(personas.employee.user, review, {}, if_match=f'"{review.version}"')
    assert early.status_code == 409 and early.json()["error"]["code"] == "wrong_phase"
    review = released(personas, cycle, review)
    manager = acknowledge(personas.manager.user, review, {}, if_match=f'"{review.version}"')
    assert manager.status_code == 403 and manager.json()["error"]["code"] == "forbidden"
    assert acknowledge(personas.peer.user, review, {}, if_match=f'"{review.version}"').status_code == 404


def test_disagreeing_needs_a_comment(personas, cycle, review):
    review = released(personas, cycle, review)
    current = f'"{review.version}"'
    empty = acknowledge(personas.employee.user, review, {"comment": ""}, if_match=current, action="disagree")
    assert empty.status_code == 422 and "comment" in empty.json()["error"]["fields"]
    response = acknowledge(
        personas.employee.user, review, {"comment": "KPI数据有误"}, if_match=current, action="disagree"
    )
    assert response.status_code == 200 and response.json()["state"] == "disagreed"
