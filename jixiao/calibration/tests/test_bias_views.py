"""Who sees the rater-bias panel: the session's HR facilitators, nobody else (404, as for a missing session)."""

import pytest
from django.urls import reverse

from jixiao.audit.models import AuditEvent
from jixiao.calibration.testing_bias import by_manager, calibration_cycle, make_managers, make_session, peer_ratings
from jixiao.core.testing.personas import make_user
from jixiao.org.models import HRScope

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def session(personas):
    cycle = calibration_cycle(personas.admin, departments=(personas.sales,))
    kind, strict, fair = make_managers(3, personas.east)
    reviews = by_manager(
        cycle, {kind: ["4.8", "4.6", "4.4"], strict: ["2.0", "2.4", "2.6"], fair: ["3.4", "3.5", "3.6"]}
    )
    peer_ratings(reviews[0], [{"s9:c1": "4"}, {"s9:c1": "4"}, {"s9:c1": "5"}])
    return make_session(cycle, personas.scoped_hr, reviews, participants=[personas.manager.user, personas.other_hr])


def url(session):
    return reverse("calibration:bias", args=[session.pk])


def test_the_facilitator_reads_the_panel_as_a_fragment_for_the_session_page(client, personas, session):
    client.force_login(personas.scoped_hr)
    response = client.get(url(session), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="bias-panel"' in html and "<html" not in html
    assert html.count('data-testid="bias-row"') == 3
    assert 'data-flag="lenient"' in html and 'data-flag="severe"' in html
    assert "0.50 points" in html  # the threshold is explained where the flag is


def test_opened_directly_the_panel_comes_in_a_page_of_its_own(client, personas, session):
    client.force_login(personas.scoped_hr)
    response = client.get(url(session))
    assert (
        response.status_code == 200 and b"<html" in response.content and b'data-testid="bias-panel"' in response.content
    )


def test_the_panel_never_names_a_peer(client, personas, session):
    client.force_login(personas.scoped_hr)
    html = client.get(url(session), **HTMX).content.decode()
    assert "同事" not in html  # the peers' names all start so (testing_bias.peer_ratings)


@pytest.mark.parametrize(
    "who",
    [
        "manager",  # sits in the session, but does not see how her colleagues rate
        "other_hr",  # sits in the session, HR, but not a facilitator
        "scoped_hr_elsewhere",  # HR in scope of the reviews, not in the session
        "admin",
        "outsider",
        "employee",
    ],
)
def test_everyone_but_the_hr_facilitators_gets_a_404(client, personas, session, who):
    users = {
        "manager": personas.manager.user,
        "other_hr": personas.other_hr,
        "admin": personas.admin,
        "outsider": personas.outsider,
        "employee": personas.employee.user,
    }
    if who == "scoped_hr_elsewhere":
        users[who] = make_user("p_sales_hr2")
        HRScope.objects.create(user=users[who], department=personas.sales)
    client.force_login(users[who])
    for name in ("calibration:bias", "calibration:normalise_preview"):
        assert client.get(reverse(name, args=[session.pk]), **HTMX).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", target_id=str(session.pk)).exists()


def test_a_manager_made_facilitator_still_does_not_see_her_colleagues_bias(client, personas, session):
    session.participants.filter(user=personas.manager.user).update(facilitator=True)
    client.force_login(personas.manager.user)
    assert client.get(url(session), **HTMX).status_code == 404


def test_a_missing_session_looks_the_same_as_a_forbidden_one(client, personas):
    client.force_login(personas.scoped_hr)
    assert client.get(reverse("calibration:bias", args=[999_999])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, session):
    response = client.get(url(session))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_session_of_reviews_not_yet_scored_explains_the_empty_panel(client, personas):
    cycle = calibration_cycle(personas.admin, departments=(personas.sales,))
    session = make_session(cycle, personas.scoped_hr, [])
    client.force_login(personas.scoped_hr)
    response = client.get(url(session), **HTMX)
    assert b'data-testid="bias-empty"' in response.content
