"""HR's reveal of who wrote what: only HR in scope (or an admin), only with a reason, audited, stored nowhere."""

from __future__ import annotations

import pytest

from jixiao.audit.models import AuditEvent
from jixiao.reviews.models import Evaluation, Nomination, Review
from jixiao.reviews.tests.test_report_pages import build, client_for

pytestmark = pytest.mark.django_db


def reveal_url(world) -> str:
    return f"/reviews/{world.review.pk}/360/reveal/"


def counts() -> tuple[int, int, int, int]:
    return (
        AuditEvent.objects.count(),
        Evaluation.objects.count(),
        Nomination.objects.count(),
        Review.objects.count(),
    )


def test_hr_in_scope_sees_who_wrote_each_answer_after_giving_a_reason(personas):
    world = build(personas, stage="closed", customers=1, customer_rating="2", comment="PEER-SAYS")
    hr = client_for(personas.scoped_hr)  # signing in is audited too: before counting
    before = counts()
    response = hr.post(reveal_url(world), {"reason": "投诉：评语涉及人身攻击"})
    assert response.status_code == 200
    revealed = response.context["revealed"]
    assert {(r.rater, r.group) for r in revealed} == {
        *((p.name, "peer") for p in world.peers),
        ("客户0号", "customer"),
    }
    customer = next(r for r in revealed if r.group == "customer")
    assert customer.email == "customer0@client.example"
    peer = next(r for r in revealed if r.rater == world.peers[0].name)
    assert all(value == "3" for _name, value in peer.ratings)
    assert ("What should she keep doing?", "PEER-SAYS-0") in peer.answers
    body = response.content.decode()
    assert world.peers[0].name in body and "PEER-SAYS-0" in body
    # One audit event, with the reason; nothing else written.
    assert counts() == (before[0] + 1, *before[1:])
    event = AuditEvent.objects.latest("pk")
    assert event.action == "feedback.reveal" and event.actor_id == personas.scoped_hr.pk
    assert event.target_id == str(world.review.pk) and event.after == {"reason": "投诉：评语涉及人身攻击"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_no_reveal_without_a_reason_and_nothing_written(personas, reason):
    world = build(personas, stage="closed")
    hr = client_for(personas.scoped_hr)
    before = counts()
    response = hr.post(reveal_url(world), {"reason": reason})
    assert response.status_code == 400
    assert response.context["revealed"] is None
    assert "Say why you need to see who wrote what." in response.content.decode()
    for rater in world.peers:
        assert rater.name not in response.content.decode()
    assert counts() == before


def test_asking_for_the_form_writes_nothing(personas):
    world = build(personas, stage="closed")
    admin = client_for(personas.admin)
    before = counts()
    response = admin.get(reveal_url(world))
    assert response.status_code == 200 and response.context["revealed"] is None
    assert counts() == before


@pytest.mark.parametrize("who", ["employee", "manager", "skip", "other_hr", "peer_rater"])
def test_nobody_but_hr_may_reveal_even_in_a_confidential_cycle(personas, who):
    world = build(personas, stage="closed", confidential=True)
    user = {
        "employee": personas.employee.user,
        "manager": personas.manager.user,
        "skip": personas.skip.user,
        "other_hr": personas.other_hr,
        "peer_rater": world.peers[0].user,
    }[who]
    response = client_for(user).post(reveal_url(world), {"reason": "想知道"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="feedback.reveal").exists()


def test_the_report_offers_the_reveal_to_hr_only(personas):
    world = build(personas, stage="closed")
    report = f"/reviews/{world.review.pk}/360/"
    assert 'data-testid="reveal-card"' in client_for(personas.scoped_hr).get(report).content.decode()
    assert 'data-testid="reveal-card"' not in client_for(personas.manager.user).get(report).content.decode()
