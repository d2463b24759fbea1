"""The calibration pages: who sees a session, opening one, moving from the table, the guide, closing."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.calibration import services
from jixiao.calibration.models import Adjustment, CalibrationSession, Member
from jixiao.calibration.testing import make_calibration_cycle, open_session, ready_reviews
from jixiao.goals.testing import make_period
from jixiao.reviews.models import Review

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cycle(personas):
    cycle = make_calibration_cycle(personas.admin, make_period(personas.admin), departments=(personas.sales,))
    ready_reviews(cycle, {personas.employee.pk: "4"})
    return cycle


@pytest.fixture
def session(cycle, personas):
    return open_session(personas.scoped_hr, cycle, department=personas.sales, participants=[personas.manager.user])


def member_of(session, employee):
    return Member.objects.get(session=session, review__reviewee=employee)


def test_only_participants_see_a_session(session, personas):
    url = reverse("calibration:session", args=[session.pk])
    seated = {"scoped_hr": personas.scoped_hr, "manager": personas.manager.user}
    others = {
        "employee": personas.employee.user,
        "peer": personas.peer.user,
        "skip-level manager": personas.skip.user,
        "other HR": personas.other_hr,
        "outsider": personas.outsider,
        "executive": personas.executive,
        "admin": personas.admin,
    }
    for who, user in seated.items():
        assert client_for(user).get(url).status_code == 200, who
    for who, user in others.items():
        client = client_for(user)
        assert client.get(url).status_code == 404, who
        move = reverse("calibration:member_move", args=[session.pk])
        assert (
            client.post(move, {"member": member_of(session, personas.peer).pk, "band": "A", "reason": "x"}).status_code
            == 404
        ), who
        assert client.get(reverse("calibration:session_summary", args=[session.pk])).status_code == 404, who
    assert not Adjustment.objects.exists()


def test_facilitator_pages_are_404_for_other_participants(session, personas):
    client = client_for(personas.manager.user)
    for name in ("session_guide", "session_participants", "session_close"):
        assert client.get(reverse(f"calibration:{name}", args=[session.pk])).status_code == 404, name


def test_the_list_shows_the_sessions_she_sits_in_and_explains_when_there_are_none(session, personas):
    response = client_for(personas.manager.user).get(reverse("calibration:sessions"))
    assert [row.pk for row in response.context["rows"]] == [session.pk]
    assert response.context["rows"][0].members == Member.objects.filter(session=session).count()
    empty = client_for(personas.other_hr).get(reverse("calibration:sessions"))
    assert empty.context["rows"] == []
    assert b'data-testid="sessions-empty"' in empty.content
    assert (
        b'data-testid="session-new"'
        not in client_for(personas.employee.user).get(reverse("calibration:sessions")).content
    )


def test_hr_opens_a_session_from_the_form(cycle, personas):
    client = client_for(personas.scoped_hr)
    url = reverse("calibration:session_new")
    assert client.get(url).status_code == 200
    found = client.post(
        url,
        {"cycle": cycle.pk, "name": "East", "scope": "department", "action": "find_people", "participant_q": "李经理"},
    )
    assert found.status_code == 200
    assert personas.manager.user.pk in [value for value, _label in found.context["form"].fields["participants"].choices]
    response = client.post(
        url,
        {
            "cycle": cycle.pk,
            "name": "East",
            "scope": "department",
            "department": personas.east.pk,
            "participants": [personas.manager.user.pk],
            "action": "open",
        },
    )
    session = CalibrationSession.objects.get(name="East")
    assert response.status_code == 302 and response["Location"] == reverse("calibration:session", args=[session.pk])
    assert session.participants.count() == 2


def test_a_refused_open_shows_the_reason_beside_the_field_and_writes_nothing(cycle, personas):
    response = client_for(personas.scoped_hr).post(
        reverse("calibration:session_new"), {"cycle": cycle.pk, "name": "X", "scope": "department", "action": "open"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["department"]
    assert not CalibrationSession.objects.exists()


def test_managers_cannot_open_sessions(cycle, personas):
    assert client_for(personas.manager.user).get(reverse("calibration:session_new")).status_code == 404


def test_the_session_page_shows_the_distribution_the_table_and_the_9box(session, personas):
    response = client_for(personas.manager.user).get(reverse("calibration:session", args=[session.pk]))
    page = response.context["page"]
    assert page.members == Member.objects.filter(session=session).count()
    counts = {c.code: c.count for c in page.counts}
    assert counts["A"] == 1 and counts["B"] == page.members - 1
    content = response.content.decode()
    assert 'id="jxc-chart-data"' in content and 'id="jxc-ninebox-data"' in content
    assert 'data-testid="member-row"' in content and 'data-testid="distribution-row"' in content
    row = next(r for r in page.table.rows if r.name == personas.employee.name)
    assert row.score and (row.band, row.score_band, row.original) == ("A", "A", "A")
    detail = client_for(personas.manager.user).get(
        reverse("calibration:member_move", args=[session.pk]),
        {"member": member_of(session, personas.employee).pk},
        headers={"HX-Request": "true"},
    )
    assert b'data-testid="member-breakdown"' in detail.content and b'data-testid="move-form"' in detail.content


def test_a_move_from_the_table_without_a_reason_is_refused_and_nothing_written(session, personas, cycle):
    client = client_for(personas.manager.user)
    url = reverse("calibration:member_move", args=[session.pk])
    member = member_of(session, personas.peer)
    response = client.post(
        url, {"member": member.pk, "band": "A", "reason": "", "seen_band": "B"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert b'data-testid="error-reason"' in response.content
    assert not Adjustment.objects.exists()
    assert Review.objects.get(pk=member.review_id).band == "B"


def test_a_move_from_the_table_updates_the_chart_through_the_trigger(session, personas, cycle):
    client = client_for(personas.manager.user)
    url = reverse("calibration:member_move", args=[session.pk])
    member = member_of(session, personas.peer)
    response = client.post(
        url,
        {"member": member.pk, "band": "A", "reason": "Carried the team", "seen_band": "B"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    payload = json.loads(response["HX-Trigger"])["jxc:changed"]
    assert payload["member"] == member.pk and payload["band"] == "A"
    assert payload["counts"][1] == 2  # two people in A now
    assert b'hx-swap-oob="true"' in response.content
    assert Review.objects.get(pk=member.review_id).band == "A"


def test_without_script_a_move_is_a_page_and_a_redirect(session, personas):
    client = client_for(personas.scoped_hr)
    url = reverse("calibration:member_move", args=[session.pk])
    member = member_of(session, personas.peer)
    page = client.get(url, {"member": member.pk})
    assert page.status_code == 200 and page.context["row"].sections
    refused = client.post(url, {"member": member.pk, "band": "C", "reason": ""})
    assert refused.status_code == 400
    done = client.post(url, {"member": member.pk, "band": "C", "reason": "Missed the targets"})
    assert done.status_code == 302
    assert Review.objects.get(pk=member.review_id).band == "C"


def test_potential_from_the_9box(session, personas):
    client = client_for(personas.manager.user)
    member = member_of(session, personas.peer)
    response = client.post(
        reverse("calibration:member_potential", args=[session.pk]),
        {"member": member.pk, "potential": "high"},
        headers={"HX-Request": "true"},
    )
    assert json.loads(response["HX-Trigger"])["jxc:changed"]["potential"] == "high"
    assert Member.objects.get(pk=member.pk).potential == "high"


def test_the_guide_page_refuses_a_total_other_than_100(session, personas):
    client = client_for(personas.scoped_hr)
    url = reverse("calibration:session_guide", args=[session.pk])
    data = {"version": session.version, "guide_S": 10, "guide_A": 20, "guide_B": 50, "guide_C": 15, "guide_D": 10}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "guide" in str(response.context["form"].non_field_errors()) or response.context["form"].errors
    session.refresh_from_db()
    assert session.guide["D"] == 5
    data["guide_D"] = 5
    data["guide_S"], data["guide_A"] = 5, 25
    assert client.post(url, data).status_code == 302
    session.refresh_from_db()
    assert session.guide == {"S": 5, "A": 25, "B": 50, "C": 15, "D": 5}


def test_closing_from_the_page_shows_the_summary(session, personas, cycle):
    services.member_move(
        actor=personas.manager.user,
        member=Member.objects.select_related("session__cycle").get(pk=member_of(session, personas.peer).pk),
        band="A",
        reason="Carried the team",
    )
    client = client_for(personas.scoped_hr)
    confirm = client.get(reverse("calibration:session_close", args=[session.pk]))
    assert confirm.context["page"].summary["changed"] == 1
    response = client.post(
        reverse("calibration:session_close", args=[session.pk]), {"version": session.version}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("calibration:session_summary", args=[session.pk])
    assert response.context["page"].summary["up"] == 1
    assert not Review.objects.filter(cycle=cycle, calibration_hold=True).exists()
    manager_view = client_for(personas.manager.user).get(reverse("calibration:session", args=[session.pk]))
    assert b'data-testid="move-open"' not in manager_view.content


def test_participants_page_seats_another_manager(session, personas):
    client = client_for(personas.scoped_hr)
    url = reverse("calibration:session_participants", args=[session.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"participants": [personas.manager.user.pk, personas.skip.user.pk], "action": "save"})
    assert response.status_code == 302
    assert set(session.participants.values_list("user_id", flat=True)) == {
        personas.scoped_hr.pk,
        personas.manager.user.pk,
        personas.skip.user.pk,
    }
