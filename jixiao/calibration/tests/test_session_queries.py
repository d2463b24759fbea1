"""The session page, its member table and the sessions list run the same queries for 10 and for 500 people."""

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.calibration import services
from jixiao.calibration.models import Member
from jixiao.calibration.testing import make_calibration_cycle, open_session, ready_reviews
from jixiao.goals.testing import make_period
from jixiao.org.tests.test_pages_queries import grow_company

pytestmark = pytest.mark.django_db

# Every signed-in page starts with the session, the user, and the reader's place and HR scopes (actor_context).
BASE = 4
# + the session (gate), its participants, every member as one row, the scores of the table's page, and the latest
# adjustments.
SESSION_PAGE = BASE + 5
# + the session (gate), every member as one row, the scores of the table's page.
MEMBER_TABLE = BASE + 3
# + the sessions she sits in, and their member and participant counts.
SESSIONS_LIST = BASE + 2


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/")  # settle the session's first-request bookkeeping before counting
    return client


@pytest.fixture(params=[10, 500])
def session(request, personas):
    size = request.param
    grow_company(personas.east, personas.manager, size - 5)  # the personas bring 5 reviews of their own in sales
    cycle = make_calibration_cycle(personas.admin, make_period(personas.admin), departments=(personas.sales,))
    ready_reviews(cycle, {personas.employee.pk: "4", personas.peer.pk: "2"})
    session = open_session(personas.scoped_hr, cycle, department=personas.sales, participants=[personas.manager.user])
    assert Member.objects.filter(session=session).count() == size
    members = Member.objects.filter(session=session).select_related("session__cycle")[:3]
    for member, band in zip(members, ("A", "C", "S"), strict=True):
        if member.review.reviewee_id != personas.manager.pk and member.review.band != band:
            services.member_move(actor=personas.scoped_hr, member=member, band=band, reason="Calibrated")
        services.member_potential_set(actor=personas.scoped_hr, member=member, potential="high")
    return session


def test_the_session_page_runs_the_same_queries_for_10_and_500_people(session, personas, django_assert_num_queries):
    client = signed_in(personas.manager.user)
    with django_assert_num_queries(SESSION_PAGE):
        response = client.get(reverse("calibration:session", args=[session.pk]))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.members == Member.objects.filter(session=session).count()
    assert len(page.ninebox["members"]) == page.members
    assert len(page.table.rows) == min(page.members, 50)


def test_the_member_table_runs_the_same_queries_for_10_and_500_people(session, personas, django_assert_num_queries):
    client = signed_in(personas.scoped_hr)
    with django_assert_num_queries(MEMBER_TABLE):
        response = client.get(
            reverse("calibration:session", args=[session.pk]),
            {"page": "2", "band": "B"},
            headers={"HX-Request": "true", "HX-Target": "jxc-members"},
        )
    assert response.status_code == 200
    assert all(row.band == "B" for row in response.context["table"].rows)


def test_opening_a_person_runs_the_same_queries_for_10_and_500_people(session, personas, django_assert_num_queries):
    client = signed_in(personas.manager.user)
    member = Member.objects.filter(session=session).latest("pk")
    # + the session (gate), the member, her row, her score, her breakdown, whether the reader sees her evidence.
    with django_assert_num_queries(BASE + 6):
        response = client.get(
            reverse("calibration:member_move", args=[session.pk]), {"member": member.pk}, headers={"HX-Request": "true"}
        )
    assert b'data-testid="member-detail"' in response.content
    assert b'data-testid="member-breakdown"' in response.content


def test_the_sessions_list_runs_the_same_queries_for_10_and_500_people(session, personas, django_assert_num_queries):
    client = signed_in(personas.manager.user)
    with django_assert_num_queries(SESSIONS_LIST):
        response = client.get(reverse("calibration:sessions"))
    assert response.context["rows"][0].members == Member.objects.filter(session=session).count()
