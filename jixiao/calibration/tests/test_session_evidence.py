"""A person's evidence in a session: for her manager and HR in scope, not for other managers at the table."""

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.calibration.models import Member
from jixiao.calibration.testing import make_calibration_cycle, open_session, ready_reviews
from jixiao.goals.testing import make_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(personas):
    cycle = make_calibration_cycle(personas.admin, make_period(personas.admin), departments=(personas.sales,))
    ready_reviews(cycle)
    return open_session(
        personas.scoped_hr,
        cycle,
        department=personas.sales,
        participants=[personas.manager.user, personas.rnd_head.user],
    )


def opened_row(user, session, employee) -> str:
    client = Client()
    client.force_login(user)
    member = Member.objects.get(session=session, review__reviewee=employee)
    response = client.get(
        reverse("calibration:member_move", args=[session.pk]), {"member": member.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_her_manager_and_hr_see_her_evidence_in_the_session(session, personas):
    for user in (personas.manager.user, personas.scoped_hr):
        html = opened_row(user, session, personas.employee)
        assert 'data-testid="member-evidence"' in html
        assert (
            reverse("conversations:evidence", args=[session.members.get(review__reviewee=personas.employee).review_id])
            in html
        )


def test_another_manager_at_the_table_sees_her_breakdown_but_not_her_evidence(session, personas):
    html = opened_row(personas.rnd_head.user, session, personas.employee)
    assert 'data-testid="member-breakdown"' in html
    assert 'data-testid="member-evidence"' not in html
