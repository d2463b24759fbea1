"""The 360 report in the API, and the reviews API never handing out anonymous raters' parts (decision 0009)."""

from __future__ import annotations

import pytest

from jixiao.reviews.models import Evaluation, EvaluationKind, PhaseKind
from jixiao.reviews.testing import advance_to
from jixiao.reviews.tests.test_report_pages import build, client_for, identities, review_of

pytestmark = pytest.mark.django_db


def feedback_url(review) -> str:
    return f"/api/v1/reviews/{review.pk}/feedback"


def test_the_reviewee_reads_her_anonymised_report_after_release(personas):
    world = build(personas, customers=2, rating="4", self_rating="5", customer_rating="2")
    response = client_for(personas.employee.user).get(feedback_url(world.review))
    assert response.status_code == 200
    body = response.json()
    assert body["review"] == world.review.pk and body["k"] == 3
    groups = {g["group"]: g for g in body["groups"]}
    assert groups["peer"] == {
        "group": "peer",
        "weight": "50.00",
        "effective_weight": "100.00",
        "score": "4.00",
        "shown": True,
        "answered": 3,
        "asked": 3,
    }
    # Two customers answered: below k, so no score, no count, no comments.
    assert groups["customer"]["shown"] is False
    assert groups["customer"]["score"] is None and groups["customer"]["answered"] is None
    assert groups["customer"]["asked"] is None
    assert body["dropped"] == ["upward", "customer"]
    assert all(c["self_rating"] == "5.00" and c["others"] == "4.00" for c in body["competencies"])
    assert all(c["flag"] == "blind_spot" for c in body["competencies"])  # a gap of a quarter of 1–5
    assert [g["group"] for q in body["comments"] for g in q["groups"]] == ["self", "peer"]
    text = response.content.decode()
    assert "CUSTOMER-SAYS" not in text and '"2.00"' not in text
    for identity in identities(world):
        assert identity not in text


def test_the_report_is_404_before_it_may_be_read_and_for_others(personas):
    world = build(personas, stage="closed")
    assert client_for(personas.employee.user).get(feedback_url(world.review)).status_code == 404
    assert client_for(world.peers[0].user).get(feedback_url(world.review)).status_code == 404
    assert client_for(personas.outsider).get(feedback_url(world.review)).status_code == 404
    assert client_for(personas.other_hr).get(feedback_url(world.review)).status_code == 404
    assert client_for(personas.manager.user).get(feedback_url(world.review)).status_code == 200
    assert client_for(personas.scoped_hr).get(feedback_url(world.review)).status_code == 200


def test_the_manager_waits_for_the_feedback_phase_to_end(personas):
    world = build(personas, stage="feedback")
    assert client_for(personas.manager.user).get(feedback_url(world.review)).status_code == 404
    advance_to(personas.admin, world.cycle, PhaseKind.MANAGER)
    assert client_for(personas.manager.user).get(feedback_url(world.review)).status_code == 200


@pytest.mark.parametrize("who", ["employee", "manager", "scoped_hr", "admin"])
def test_reading_a_review_lists_no_anonymous_part(personas, who):
    world = build(personas)
    user = {
        "employee": personas.employee.user,
        "manager": personas.manager.user,
        "scoped_hr": personas.scoped_hr,
        "admin": personas.admin,
    }[who]
    response = client_for(user).get(f"/api/v1/reviews/{world.review.pk}")
    assert response.status_code == 200
    kinds = {part["kind"] for part in response.json()["parts"]}
    assert kinds <= {"self", "manager", "skip_level"}
    for identity in identities(world):
        assert identity not in response.content.decode()


def test_a_peers_evaluation_is_read_only_by_the_peer_herself(personas):
    world = build(personas, stage="closed")
    evaluation = Evaluation.objects.get(review=world.review, rater=world.peers[0])
    url = f"/api/v1/reviews/evaluations/{evaluation.pk}"
    for user in (personas.employee.user, personas.manager.user, personas.scoped_hr, personas.admin):
        assert client_for(user).get(url).status_code == 404
    mine = client_for(world.peers[0].user).get(url)
    assert mine.status_code == 200 and mine.json()["kind"] == "peer"


def test_my_evaluations_list_only_my_own_feedback_requests(personas):
    world = build(personas, stage="closed")
    theirs = client_for(personas.employee.user).get("/api/v1/reviews/evaluations", {"open": "false"}).json()
    assert {e["kind"] for e in theirs["items"]} <= {"self", "upward"}  # her self review; her manager's upward
    assert not any(e["review"] == world.review.pk and e["kind"] == "peer" for e in theirs["items"])
    mine = client_for(world.peers[0].user).get("/api/v1/reviews/evaluations", {"open": "false"}).json()
    peer = [e for e in mine["items"] if e["kind"] == "peer"]
    assert len(peer) == 1 and peer[0]["review"] == world.review.pk


def test_a_cycle_counts_anonymous_requests_only_for_hr(personas):
    world = build(personas, stage="closed")
    url = f"/api/v1/reviews/cycles/{world.cycle.pk}"
    for user in (personas.employee.user, personas.manager.user):
        counted = client_for(user).get(url).json()["evaluations"]
        assert not set(counted) & {EvaluationKind.PEER, EvaluationKind.UPWARD, EvaluationKind.CUSTOMER}
    hr = client_for(personas.scoped_hr).get(url).json()["evaluations"]
    assert hr["peer"] == {"submitted": 3}


def test_the_upward_part_is_in_the_managers_own_report(personas):
    world = build(personas, upward_ratings={0: "2", 1: "3", 2: "4"})
    response = client_for(personas.manager.user).get(feedback_url(review_of(world.cycle, personas.manager)))
    assert response.status_code == 200
    upward = next(g for g in response.json()["groups"] if g["group"] == "upward")
    assert upward["shown"] and upward["score"] == "3.00" and upward["answered"] == 3
