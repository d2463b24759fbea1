"""Signing in and out: the real login form, a fresh session, throttling and the demo password."""

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse

from jixiao.accounts.models import User, UserSession
from jixiao.accounts.validators import NotTheDemoPasswordValidator
from jixiao.core.testing.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("core:home")
PRODUCTION_VALIDATORS = [
    *settings.AUTH_PASSWORD_VALIDATORS,
    {"NAME": "jixiao.accounts.validators.NotTheDemoPasswordValidator"},
]


def sign_in(client: Client, username: str, password: str = PASSWORD, ip: str = "127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in_as(client: Client) -> int | None:
    response = client.get(HOME)
    return response.wsgi_request.user.pk if response.status_code == 200 else None


def test_a_person_signs_in_with_the_login_form_and_lands_on_her_home_page():
    ana = make_user("ana")
    response = sign_in(Client(), "ana")
    assert response.status_code == 302
    assert response["Location"] == HOME
    client = Client()
    sign_in(client, "ana")
    assert signed_in_as(client) == ana.pk


def test_a_wrong_password_shows_the_form_again_with_an_error_and_signs_nobody_in():
    make_user("ana")
    client = Client()
    response = sign_in(client, "ana", "not-her-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert signed_in_as(client) is None


def test_pages_send_a_visitor_who_is_not_signed_in_to_the_login_page():
    response = Client().get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_signing_out_ends_the_session_on_the_server():
    make_user("ana")
    client = Client()
    sign_in(client, "ana")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    assert signed_in_as(client) is None


def test_signing_in_gives_a_new_session_key_so_a_planted_session_is_useless():
    ana = make_user("ana")
    planted = SessionStore()
    planted["planted_by"] = "attacker"
    planted.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key or ""
    sign_in(client, "ana")
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()
    # The attacker's copy of the old key does not carry her in.
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key or ""
    assert signed_in_as(attacker) is None
    assert UserSession.objects.filter(user=ana, session_key=new_key).exists()


def test_five_failures_lock_the_username_from_that_address_and_show_the_lockout_page():
    make_user("ana")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "ana", "guess").status_code == 200
    locked = sign_in(client, "ana", "guess")
    assert locked.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in locked.templates]
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # Even the right password is refused while the lock lasts.
    assert sign_in(client, "ana").status_code == 429
    assert signed_in_as(client) is None


def test_the_lock_is_per_address_so_the_person_can_still_sign_in_from_her_own_desk():
    make_user("ana")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "ana", "guess", ip="203.0.113.66")
    client = Client()
    assert sign_in(client, "ana", ip="198.51.100.10").status_code == 302


def test_the_lock_is_per_username_so_colleagues_behind_the_same_address_are_not_locked_out():
    make_user("ana")
    make_user("bo")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "ana", "guess")
    assert sign_in(Client(), "bo").status_code == 302


def test_a_successful_sign_in_resets_the_failure_count():
    make_user("ana")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(Client(), "ana", "guess")
    assert sign_in(Client(), "ana").status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(Client(), "ana", "guess").status_code == 200
    assert sign_in(Client(), "ana").status_code == 302


def test_a_deactivated_account_cannot_sign_in():
    make_user("ana", is_active=False)
    client = Client()
    assert sign_in(client, "ana").status_code == 200
    assert signed_in_as(client) is None


def test_demo_mode_accepts_the_demo_password(settings):
    settings.JIXIAO_DEMO_MODE = True
    demo = User.objects.create_user("employee", password=settings.DEMO_PASSWORD)
    client = Client()
    assert sign_in(client, "employee", settings.DEMO_PASSWORD).status_code == 302
    assert signed_in_as(client) == demo.pk


def test_production_mode_refuses_a_user_who_still_has_the_demo_password(settings):
    settings.JIXIAO_DEMO_MODE = False
    User.objects.create_user("employee", password=settings.DEMO_PASSWORD)
    client = Client()
    response = sign_in(client, "employee", settings.DEMO_PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert signed_in_as(client) is None
    # The backend itself refuses, whoever calls it (API, admin, a custom form).
    request = RequestFactory().post(LOGIN)
    assert authenticate(request, username="employee", password=settings.DEMO_PASSWORD) is None


def test_production_mode_still_signs_in_people_with_their_own_password(settings):
    settings.JIXIAO_DEMO_MODE = False
    ana = make_user("ana")
    client = Client()
    assert sign_in(client, "ana").status_code == 302
    assert signed_in_as(client) == ana.pk


def test_the_production_password_rules_refuse_the_demo_password(settings):
    settings.AUTH_PASSWORD_VALIDATORS = PRODUCTION_VALIDATORS
    ana = make_user("ana")
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(settings.DEMO_PASSWORD, user=ana)
    assert "demo_password" in [e.code for e in refused.value.error_list]
    password_validation.validate_password("a-long-and-private-phrase-42", user=ana)
    assert NotTheDemoPasswordValidator().get_help_text()


def test_a_person_cannot_change_her_password_to_the_demo_password_in_production(settings):
    settings.JIXIAO_DEMO_MODE = False
    settings.AUTH_PASSWORD_VALIDATORS = PRODUCTION_VALIDATORS
    ana = make_user("ana")
    client = Client()
    sign_in(client, "ana")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": settings.DEMO_PASSWORD, "new_password2": settings.DEMO_PASSWORD},
    )
    assert response.status_code == 200
    assert "The demo password cannot be used here." in response.context["form"].errors["new_password2"]
    ana.refresh_from_db()
    assert ana.check_password(PASSWORD)
