"""The language switch: the browser's language by default, the person's choice once she makes one."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jixiao.core.testing.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("core:home")
SWITCH = reverse("core:set_language")
CHINESE_BROWSER = "zh-CN,zh;q=0.9,en;q=0.5"
ENGLISH_BROWSER = "en-GB,en;q=0.9"


def page_language(client: Client, url: str = HOME) -> str:
    response = client.get(url)
    assert response.status_code == 200
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "the page has no <html lang>"
    return match.group(1)


def signed_in_client(username: str, *, accept_language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=accept_language)
    assert client.post(LOGIN, {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_the_login_page_follows_a_chinese_browser():
    assert page_language(Client(HTTP_ACCEPT_LANGUAGE=CHINESE_BROWSER), LOGIN) == "zh-hans"


def test_the_login_page_follows_an_english_browser():
    assert page_language(Client(HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER), LOGIN) == "en"


def test_a_person_who_never_chose_sees_her_browsers_language():
    make_user("ana")
    assert page_language(signed_in_client("ana", accept_language=CHINESE_BROWSER)) == "zh-hans"
    assert page_language(signed_in_client("ana", accept_language=ENGLISH_BROWSER)) == "en"


def test_switching_to_chinese_saves_it_on_the_account_and_in_a_cookie():
    ana = make_user("ana")
    client = signed_in_client("ana", accept_language=ENGLISH_BROWSER)
    response = client.post(SWITCH, {"language": "zh-hans", "next": HOME})
    assert response.status_code == 302
    assert response["Location"] == HOME
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hans"
    assert cookie["httponly"]
    assert int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE
    ana.refresh_from_db()
    assert ana.language == "zh-hans"
    assert page_language(client) == "zh-hans"


def test_the_saved_language_follows_the_person_to_a_new_english_browser():
    make_user("ana", language="zh-hans")
    fresh_browser = signed_in_client("ana", accept_language=ENGLISH_BROWSER)
    assert page_language(fresh_browser) == "zh-hans"


def test_switching_back_to_english_wins_over_a_chinese_browser():
    ana = make_user("ana", language="zh-hans")
    client = signed_in_client("ana", accept_language=CHINESE_BROWSER)
    client.post(SWITCH, {"language": "en", "next": HOME})
    ana.refresh_from_db()
    assert ana.language == "en"
    assert page_language(client) == "en"


def test_a_visitor_not_signed_in_keeps_her_choice_in_the_cookie():
    client = Client(HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)
    client.post(SWITCH, {"language": "zh-hans", "next": LOGIN})
    assert page_language(client, LOGIN) == "zh-hans"


def test_an_unknown_language_changes_nothing():
    ana = make_user("ana")
    client = signed_in_client("ana", accept_language=ENGLISH_BROWSER)
    response = client.post(SWITCH, {"language": "klingon", "next": HOME})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    ana.refresh_from_db()
    assert ana.language == ""


def test_the_switch_does_not_redirect_to_another_site():
    response = Client().post(SWITCH, {"language": "en", "next": "https://evil.example.com/"})
    assert response["Location"] == "/"


def test_the_switch_only_accepts_post():
    assert Client().get(SWITCH, {"language": "zh-hans"}).status_code == 405
