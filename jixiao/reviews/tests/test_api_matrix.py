"""The visibility matrix through the API, the lists, and cycles with their progress for HR."""

from __future__ import annotations

import pytest
from django.test import Client

from jixiao.core.testing.personas import make_employee, make_user
from jixiao.goals.testing import make_period
from jixiao.reviews.models import Cycle, CyclePhase, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(user, url: str, body: dict, *, if_match: str | None = None):
    headers = {"If-Match": if_match} if if_match else {}
    return client_for(user).post(url, body, content_type="application/json", headers=headers)


def submit(user, evaluation, answers: dict):
    return post(
        user,
        f"/api/v1/reviews/evaluations/{evaluation.pk}/submit",
        {"answers": answers},
        if_match=f'"{evaluation.version}"',
    )


@pytest.fixture
def cycle(personas) -> Cycle:
    admin = personas.admin
    return launch(admin, make_cycle(admin, make_period(admin), departments=(personas.sales,), skip_level=True))


@pytest.fixture
def review(cycle, personas) -> Review:
    return Review.objects.get(cycle=cycle, reviewee=personas.employee)


def read(user, review: Review) -> dict:
    response = client_for(user).get(f"/api/v1/reviews/{review.pk}")
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{Review.objects.get(pk=review.pk).version}"'
    return response.json()


def part(body: dict, kind: str) -> dict:
    return next(p for p in body["parts"] if p["kind"] == kind)


def self_submitted(personas, review: Review) -> None:
    answers = full_answers(review, rating="5")
    assert submit(personas.employee.user, evaluation_of(review, EvaluationKind.SELF), answers).status_code == 200


def manager_submitted(personas, cycle: Cycle, review: Review) -> None:
    advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.MANAGER)
    answers = {**full_answers(review, rating="3"), "private_note": "明年考虑晋升"}
    assert submit(personas.manager.user, evaluation_of(review, EvaluationKind.MANAGER), answers).status_code == 200


def approved_and_released(personas, cycle: Cycle, review: Review) -> None:
    skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
    url = f"/api/v1/reviews/evaluations/{skip.pk}/decision"
    assert post(personas.skip.user, url, {"approve": True}, if_match=f'"{skip.version}"').status_code == 200
    cycle = advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.RELEASE)
    assert post(personas.admin, f"/api/v1/reviews/cycles/{cycle.pk}/release", {}).json()["released"] == 1


# ---- the matrix, cell by cell ------------------------------------------------------------------


def test_before_release_the_reviewee_sees_her_self_review_but_not_the_managers_part_or_score(personas, cycle, review):
    self_submitted(personas, review)
    manager_submitted(personas, cycle, review)
    body = read(personas.employee.user, review)
    assert body["view"]["role"] == "reviewee"
    assert part(body, "self")["answers"]["overall"] == "做得很好"
    manager = part(body, "manager")
    assert manager["answers"] is None and manager["private_note"] is None
    assert part(body, "skip_level")["answers"] is None
    assert body["final_score"] is None and body["band"] is None and body["breakdown"] is None
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    direct = client_for(personas.employee.user).get(f"/api/v1/reviews/evaluations/{evaluation.pk}").json()
    assert direct["answers"] is None and direct["private_note"] is None


def test_after_release_the_reviewee_reads_the_managers_ratings_and_breakdown_never_the_private_note(
    personas, cycle, review
):
    self_submitted(personas, review)
    manager_submitted(personas, cycle, review)
    approved_and_released(personas, cycle, review)
    body = read(personas.employee.user, review)
    manager = part(body, "manager")
    assert manager["answers"]["overall"] == "做得很好"
    assert manager["private_note"] is None
    assert "明年考虑晋升" not in str(body)
    assert body["final_score"] == "3.00" and body["band"] == "B"
    assert body["breakdown"]["final"] == "3.00" and body["breakdown"]["sections"]
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    direct = client_for(personas.employee.user).get(f"/api/v1/reviews/evaluations/{evaluation.pk}")
    assert direct.json()["private_note"] is None and "明年考虑晋升" not in direct.content.decode()


def test_the_manager_sees_the_self_review_only_once_submitted(personas, cycle, review):
    evaluation = evaluation_of(review, EvaluationKind.SELF)
    post(personas.employee.user, f"/api/v1/reviews/evaluations/{evaluation.pk}/submit", {}, if_match='"1"')
    client = client_for(personas.employee.user)
    client.put(
        f"/api/v1/reviews/evaluations/{evaluation.pk}/answers",
        {"overall": "草稿"},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    body = read(personas.manager.user, review)
    assert body["view"]["role"] == "manager" and part(body, "self")["answers"] is None
    self_submitted(personas, review)
    assert part(read(personas.manager.user, review), "self")["answers"]["overall"] == "做得很好"


def test_the_manager_sees_her_own_private_note_and_the_score_once_she_submitted(personas, cycle, review):
    manager_submitted(personas, cycle, review)
    body = read(personas.manager.user, review)
    assert part(body, "manager")["private_note"] == "明年考虑晋升"
    assert body["final_score"] == "3.00" and body["breakdown"] is not None


def test_the_skip_level_manager_and_hr_in_scope_see_the_managers_part_once_submitted(personas, cycle, review):
    for user in (personas.skip.user, personas.scoped_hr):
        assert part(read(user, review), "manager")["answers"] is None
    manager_submitted(personas, cycle, review)
    for user, role in ((personas.skip.user, "skip_level"), (personas.scoped_hr, "hr"), (personas.admin, "admin")):
        body = read(user, review)
        assert body["view"]["role"] == role
        assert part(body, "manager")["answers"] is not None and body["band"] == "B"


def test_someone_outside_the_review_gets_404_like_a_missing_one(personas, review):
    missing = client_for(personas.outsider).get("/api/v1/reviews/999999")
    for user in (personas.outsider, personas.peer.user, personas.other_hr, personas.rnd_head.user):
        response = client_for(user).get(f"/api/v1/reviews/{review.pk}")
        assert response.status_code == 404, user
        assert response.content == missing.content


# ---- lists -------------------------------------------------------------------------------------


def test_my_reviews_and_the_ones_i_write(personas, cycle, review):
    mine = client_for(personas.employee.user).get("/api/v1/reviews", {"role": "reviewee"}).json()["items"]
    assert [r["id"] for r in mine] == [review.pk]
    assert mine[0]["final_score"] is None
    todo = client_for(personas.employee.user).get("/api/v1/reviews/evaluations").json()["items"]
    assert [(e["kind"], e["reviewee"]["id"]) for e in todo] == [("self", personas.employee.pk)]
    team = client_for(personas.manager.user).get("/api/v1/reviews", {"role": "manager"}).json()["items"]
    assert {r["reviewee"]["id"] for r in team} == {personas.employee.pk, personas.peer.pk}
    writes = client_for(personas.manager.user).get("/api/v1/reviews/evaluations", {"kind": "manager"}).json()
    assert {e["reviewee"]["id"] for e in writes["items"]} == {personas.employee.pk, personas.peer.pk}


def test_skip_level_approvals_wait_until_the_manager_has_submitted(personas, cycle, review):
    client = client_for(personas.skip.user)
    assert client.get("/api/v1/reviews/evaluations", {"kind": "skip_level"}).json()["items"] == []
    manager_submitted(personas, cycle, review)
    items = client.get("/api/v1/reviews/evaluations", {"kind": "skip_level"}).json()["items"]
    assert [e["review"] for e in items] == [review.pk]
    everything = client.get("/api/v1/reviews/evaluations", {"kind": "skip_level", "open": "false"}).json()["items"]
    assert len(everything) == 2  # the manager's and the employee's reviews, as her skip-level


def test_a_scored_review_shows_its_score_in_the_list_only_to_those_allowed(personas, cycle, review):
    manager_submitted(personas, cycle, review)
    own = client_for(personas.employee.user).get("/api/v1/reviews", {"role": "reviewee"}).json()["items"][0]
    assert own["final_score"] is None and own["band"] is None
    hr = client_for(personas.scoped_hr).get("/api/v1/reviews", {"cycle": cycle.pk, "state": "skip_level"}).json()
    assert [(r["id"], r["band"]) for r in hr["items"]] == [(review.pk, "B")]


def people_under_the_manager(personas, count: int) -> None:
    for i in range(count):
        make_employee(f"组员{i}", personas.east, manager=personas.manager, user=make_user(f"extra{i}"))


@pytest.mark.parametrize("extra", [0, 30])
def test_lists_and_the_cycle_run_the_same_queries_whatever_their_size(personas, extra, django_assert_num_queries):
    people_under_the_manager(personas, extra)
    admin = personas.admin
    cycle = launch(admin, make_cycle(admin, make_period(admin), departments=(personas.sales,), skip_level=True))
    for user, url, queries in (
        (personas.manager.user, "/api/v1/reviews?role=manager&limit=200", 5),
        (personas.manager.user, "/api/v1/reviews/evaluations?limit=200", 5),
        (personas.scoped_hr, "/api/v1/reviews?limit=200", 5),
        (personas.scoped_hr, f"/api/v1/reviews/cycles/{cycle.pk}", 8),
        (personas.scoped_hr, "/api/v1/reviews/cycles", 6),
    ):
        client = client_for(user)
        client.get(url)
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200


# ---- cycles ------------------------------------------------------------------------------------


def test_hr_reads_a_cycles_progress_over_the_reviews_in_her_scope(personas, cycle, review):
    self_submitted(personas, review)
    body = client_for(personas.scoped_hr).get(f"/api/v1/reviews/cycles/{cycle.pk}").json()
    assert body["reviews"] == 5 and body["by_state"] == {"self_review": 4, "manager_review": 1}
    assert body["evaluations"]["self"] == {"pending": 4, "submitted": 1}
    assert [p["kind"] for p in body["phases"]] == ["self", "manager", "skip_level", "release", "acknowledgement"]
    assert body["phase"] == "self" and body["state"] == "active" and body["overdue"] == 0
    assert body["launch"] == {"done": 5, "total": 5, "problems": 0}
    admin = client_for(personas.admin).get(f"/api/v1/reviews/cycles/{cycle.pk}").json()
    assert admin["evaluations"] == body["evaluations"] and admin["by_state"] == body["by_state"]
    other = client_for(personas.other_hr).get(f"/api/v1/reviews/cycles/{cycle.pk}").json()
    assert other["reviews"] == 0 and other["evaluations"] == {}
    listed = client_for(personas.scoped_hr).get("/api/v1/reviews/cycles").json()["items"]
    assert [(c["id"], c["reviews"]) for c in listed] == [(cycle.pk, 5)]


def test_the_overdue_count_lists_the_current_phase_past_its_due_date(personas, cycle, review):
    self_submitted(personas, review)
    CyclePhase.objects.filter(cycle=cycle, kind=PhaseKind.SELF).update(starts_on="2020-01-01", due_on="2020-01-31")
    assert client_for(personas.admin).get(f"/api/v1/reviews/cycles/{cycle.pk}").json()["overdue"] == 4


def test_people_outside_a_cycle_do_not_see_it(personas, cycle):
    assert client_for(personas.outsider).get("/api/v1/reviews/cycles").json()["items"] == []
    assert client_for(personas.outsider).get(f"/api/v1/reviews/cycles/{cycle.pk}").status_code == 404
    assert client_for(personas.rnd_head.user).get(f"/api/v1/reviews/cycles/{cycle.pk}").status_code == 404


def test_releasing_is_for_hr_who_manage_the_cycle_and_only_in_the_release_phase(personas, cycle, review):
    url = f"/api/v1/reviews/cycles/{cycle.pk}/release"
    assert post(personas.employee.user, url, {}).status_code == 404
    assert post(personas.other_hr, url, {}).status_code == 404
    early = post(personas.admin, url, {})
    assert early.status_code == 409 and early.json()["error"]["code"] == "wrong_phase"
    bad = post(personas.admin, url, {"department": 999999})
    assert bad.status_code == 400 and bad.json()["error"]["fields"] == {"department": ["Not found."]}


def test_release_by_department_releases_only_its_subtree(personas, cycle, review):
    self_submitted(personas, review)
    manager_submitted(personas, cycle, review)
    skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
    post(personas.skip.user, f"/api/v1/reviews/evaluations/{skip.pk}/decision", {"approve": True}, if_match='"1"')
    advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.RELEASE)
    url = f"/api/v1/reviews/cycles/{cycle.pk}/release"
    assert post(personas.admin, url, {"department": personas.rnd.pk}).json()["released"] == 0
    assert post(personas.admin, url, {"department": personas.east.pk}).json()["released"] == 1
    assert Review.objects.get(pk=review.pk).state == Review.State.RELEASED
