"""The 9-box of a session: who sits where (rating → performance row, potential → column) and what a drop does."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.audit.models import AuditEvent
from jixiao.calibration.models import Member
from jixiao.calibration.testing import make_calibration_cycle, open_session, ready_reviews
from jixiao.goals.testing import make_period
from jixiao.reviews.models import Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(personas):
    cycle = make_calibration_cycle(personas.admin, make_period(personas.admin), departments=(personas.sales,))
    ready_reviews(cycle, {personas.employee.pk: "5", personas.peer.pk: "2"})
    return open_session(personas.scoped_hr, cycle, department=personas.sales, participants=[personas.manager.user])


def ninebox(client, session):
    response = client.get(reverse("calibration:session", args=[session.pk]))
    return response.context["page"].ninebox


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_people_sit_in_the_row_of_their_rating_and_the_column_of_their_potential(session, personas):
    client = client_for(personas.manager.user)
    member = Member.objects.get(session=session, review__reviewee=personas.employee)
    client.post(
        reverse("calibration:member_potential", args=[session.pk]), {"member": member.pk, "potential": "medium"}
    )
    box = ninebox(client, session)
    assert box["levels"] == {"S": "high", "A": "high", "B": "medium", "C": "low", "D": "low"}
    people = {row[0]: row for row in box["members"]}
    _pk, name, band, potential, movable = people[member.pk]
    assert (name, band, potential, movable) == (personas.employee.name, "S", "medium", True)
    peer = Member.objects.get(session=session, review__reviewee=personas.peer)
    assert people[peer.pk][2:4] == ["C", ""]  # low performance, potential not rated yet: the tray


def test_a_drop_into_another_column_saves_the_potential_and_says_so(session, personas):
    client = client_for(personas.manager.user)
    member = Member.objects.get(session=session, review__reviewee=personas.peer)
    response = client.post(
        reverse("calibration:member_potential", args=[session.pk]),
        {"member": member.pk, "potential": "low"},
        headers={"HX-Request": "true"},
    )
    assert json.loads(response["HX-Trigger"])["jxc:changed"] == {"member": member.pk, "potential": "low"}
    assert AuditEvent.objects.filter(action="calibration.potential").count() == 1


def test_a_drop_into_another_row_is_a_move_with_a_reason(session, personas):
    client = client_for(personas.manager.user)
    member = Member.objects.get(session=session, review__reviewee=personas.peer)
    url = reverse("calibration:member_move", args=[session.pk])
    refused = client.post(
        url,
        {"member": member.pk, "band": "B", "reason": "", "seen_band": "C", "variant": "dialog"},
        headers={"HX-Request": "true"},
    )
    assert b'data-testid="error-reason"' in refused.content and 'id="jxc-move-dialog"' in refused.content.decode()
    assert Review.objects.get(pk=member.review_id).band == "C"
    moved = client.post(
        url,
        {"member": member.pk, "band": "B", "reason": "Fair against the team", "seen_band": "C", "variant": "dialog"},
        headers={"HX-Request": "true"},
    )
    payload = json.loads(moved["HX-Trigger"])["jxc:changed"]
    assert (payload["band"], payload["counts"], payload["shares"]) == (
        "B",
        [1, 0, 4, 0, 0],
        [20.0, 0.0, 80.0, 0.0, 0.0],
    )
    assert Review.objects.get(pk=member.review_id).band == "B"


def test_the_9box_of_a_closed_session_is_read_only(session, personas):
    from jixiao.calibration import services

    services.session_close(actor=personas.scoped_hr, session=session, version=session.version)
    client = client_for(personas.manager.user)
    response = client.get(reverse("calibration:session", args=[session.pk]))
    assert 'data-editable=""' in response.content.decode()
    member = Member.objects.get(session=session, review__reviewee=personas.peer)
    refused = client.post(
        reverse("calibration:member_potential", args=[session.pk]),
        {"member": member.pk, "potential": "high"},
        headers={"HX-Request": "true"},
    )
    assert "HX-Trigger" not in refused
    assert Member.objects.get(pk=member.pk).potential == ""
