"""Live sessions: idle and absolute timeouts, deactivation ending them at once, password change."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from jixiao.accounts import services
from jixiao.accounts.middleware import LOGIN_AT, SEEN_AT
from jixiao.accounts.models import ApiToken, UserSession
from jixiao.audit.models import AuditEvent
from jixiao.core.testing.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("core:home")


def signed_in_client(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 302, "sign-in failed"
    return client


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def shift_clocks(client: Client, *, login_ago: int, seen_ago: int) -> None:
    """Pretend the session signed in `login_ago` seconds ago and was last seen `seen_ago` seconds ago."""
    session = client.session
    now = int(time.time())
    session[LOGIN_AT] = now - login_ago
    session[SEEN_AT] = now - seen_ago
    session.save()


def is_sent_to_login(client: Client) -> bool:
    response = client.get(HOME)
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_sign_in_starts_both_session_clocks():
    make_user("ana")
    client = signed_in_client("ana")
    session = client.session
    assert abs(session[LOGIN_AT] - time.time()) < 5
    assert session[SEEN_AT] == session[LOGIN_AT]


def test_a_session_idle_for_longer_than_the_idle_limit_ends(settings):
    settings.JIXIAO_SESSION_IDLE_SECONDS = 600
    make_user("ana")
    client = signed_in_client("ana")
    key = session_key(client)
    shift_clocks(client, login_ago=700, seen_ago=601)
    assert is_sent_to_login(client)
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()


def test_a_session_used_within_the_idle_limit_stays_open_and_its_idle_clock_moves_on(settings):
    settings.JIXIAO_SESSION_IDLE_SECONDS = 600
    make_user("ana")
    client = signed_in_client("ana")
    shift_clocks(client, login_ago=3000, seen_ago=590)
    assert client.get(HOME).status_code == 200
    assert abs(client.session[SEEN_AT] - time.time()) < 5
    # Ten more minutes later the session is still alive, because the last visit reset the idle clock.
    shift_clocks(client, login_ago=3600, seen_ago=0)
    assert client.get(HOME).status_code == 200


def test_a_busy_session_ends_anyway_at_the_absolute_limit(settings):
    settings.JIXIAO_SESSION_ABSOLUTE_SECONDS = 8 * 3600
    make_user("ana")
    client = signed_in_client("ana")
    shift_clocks(client, login_ago=8 * 3600 + 1, seen_ago=5)
    assert is_sent_to_login(client)


def test_a_session_just_inside_the_absolute_limit_stays_open(settings):
    settings.JIXIAO_SESSION_ABSOLUTE_SECONDS = 8 * 3600
    make_user("ana")
    client = signed_in_client("ana")
    shift_clocks(client, login_ago=8 * 3600 - 60, seen_ago=5)
    assert client.get(HOME).status_code == 200


def test_deactivating_a_person_ends_her_live_sessions_at_once():
    admin = make_user("boss", is_superuser=True, is_staff=True)
    ana = make_user("ana")
    laptop, phone = signed_in_client("ana"), signed_in_client("ana")
    keys = [session_key(laptop), session_key(phone)]
    assert laptop.get(HOME).status_code == 200

    services.user_deactivate(user=ana, actor=admin)

    assert is_sent_to_login(laptop)
    assert is_sent_to_login(phone)
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=ana).exists()
    event = AuditEvent.objects.get(action="user.deactivate")
    assert (event.actor_id, event.target_id) == (admin.pk, str(ana.pk))
    assert event.after == {"is_active": False, "sessions_ended": 2}


def test_deactivating_a_person_leaves_other_peoples_sessions_alone():
    ana, bo = make_user("ana"), make_user("bo")
    bos_client = signed_in_client("bo")
    signed_in_client("ana")
    services.user_deactivate(user=ana, actor=None)
    assert bos_client.get(HOME).status_code == 200
    assert UserSession.objects.filter(user=bo).count() == 1


def test_deactivating_a_person_revokes_her_api_tokens():
    ana = make_user("ana")
    _token, secret = services.token_create(user=ana, name="spreadsheet sync")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert services.token_authenticate(secret) == ana

    services.user_deactivate(user=ana, actor=None)

    assert services.token_authenticate(secret) is None
    assert not ApiToken.objects.filter(user=ana, revoked_at__isnull=True).exists()
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_changing_the_password_keeps_her_signed_in_and_the_new_password_works():
    ana = make_user("ana")
    client = signed_in_client("ana")
    old_key = session_key(client)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-phrase-77", "new_password2": "a-new-long-phrase-77"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    assert client.get(HOME).status_code == 200
    ana.refresh_from_db()
    assert ana.check_password("a-new-long-phrase-77")
    assert signed_in_client("ana", "a-new-long-phrase-77").get(HOME).status_code == 200
    # The session was given a new key; the registry follows it, so deactivation still finds it.
    assert session_key(client) != old_key
    assert UserSession.objects.filter(user=ana, session_key=session_key(client)).exists()
    assert not UserSession.objects.filter(session_key=old_key).exists()


def test_changing_the_password_signs_her_out_everywhere_else():
    make_user("ana")
    here, elsewhere = signed_in_client("ana"), signed_in_client("ana")
    here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-phrase-77", "new_password2": "a-new-long-phrase-77"},
    )
    assert here.get(HOME).status_code == 200
    assert is_sent_to_login(elsewhere)


def test_deactivation_after_a_password_change_still_ends_the_session():
    ana = make_user("ana")
    client = signed_in_client("ana")
    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-phrase-77", "new_password2": "a-new-long-phrase-77"},
    )
    live_key = session_key(client)
    services.user_deactivate(user=ana, actor=None)
    assert not Session.objects.filter(session_key=live_key).exists()
    assert is_sent_to_login(client)


def test_a_wrong_old_password_changes_nothing():
    ana = make_user("ana")
    client = signed_in_client("ana")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "not-it", "new_password1": "a-new-long-phrase-77", "new_password2": "a-new-long-phrase-77"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    ana.refresh_from_db()
    assert ana.check_password(PASSWORD)
