"""Each demo login signs in, sees a home page made for her role, and switches between 中文 and English."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, expect

from .conftest import Console, Server, new_context

# What each role's home page must show (data-testid of its cards).
DEMO_HOMES = {
    "admin": ["home-company"],
    "hr": ["home-hr"],
    "ceo": ["home-profile", "home-company"],
    "manager": ["home-profile", "home-team", "home-department"],
    "employee": ["home-profile", "home-team", "home-department"],
}


def chinese(msgid: str) -> str:
    """The zh-Hans translation the server will use, read from the same catalogue in this process."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def switch_language(page: Page, to: str) -> None:
    label = {"zh-hans": "中文", "en": "English"}[to]
    switch = page.get_by_test_id("lang-switch")
    expect(switch).to_have_text(label)
    switch.click()
    expect(page.locator("html")).to_have_attribute("lang", to)


@pytest.mark.parametrize("username", list(DEMO_HOMES))
def test_demo_user_signs_in_sees_her_home_page_and_switches_language(page: Page, sign_in, username):
    sign_in(page, username)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("home-title")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_text(username)
    for card in DEMO_HOMES[username]:
        expect(page.get_by_test_id(card)).to_be_visible()

    switch_language(page, "zh-hans")
    expect(page.get_by_test_id("lang-switch")).to_have_text("English")
    expect(page.get_by_test_id("home-title")).to_be_visible()
    for card in DEMO_HOMES[username]:
        expect(page.get_by_test_id(card)).to_be_visible()

    switch_language(page, "en")
    expect(page.get_by_test_id("lang-switch")).to_have_text("中文")


def test_a_manager_sees_her_team_on_her_home_page(page_as):
    page = page_as("manager")
    expect(page.get_by_test_id("home-team").locator('a[href*="/org/people/"]').first).to_be_visible()


def test_the_chinese_interface_shows_chinese_text(page_as):
    msgid = "My work"
    if chinese(msgid) == msgid:
        pytest.skip(f"the zh-Hans catalogue does not translate {msgid!r} yet; this test is strict once it does")
    page = page_as("employee")
    nav = page.locator("#jx-nav")
    expect(nav).to_contain_text(msgid)
    switch_language(page, "zh-hans")
    expect(nav).to_contain_text(chinese(msgid))
    expect(nav).not_to_contain_text(msgid)
    switch_language(page, "en")


def test_a_chinese_browser_gets_the_chinese_login_page(browser: Browser, server: Server, console: Console):
    context = new_context(browser, server, console, locale="zh-CN")
    page = context.new_page()
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("lang-switch")).to_have_text("English")
    context.close()


def test_the_chosen_language_follows_the_person_to_another_browser(
    browser: Browser, server: Server, console: Console, page_as, sign_in
):
    switch_language(page_as("manager"), "zh-hans")

    # A new browser with no cookies and an English Accept-Language: the account's choice wins.
    other_browser = new_context(browser, server, console)
    page = other_browser.new_page()
    sign_in(page, "manager")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    switch_language(page, "en")  # leave the shared demo account as we found it
    other_browser.close()


def test_signing_out_from_the_user_menu_returns_to_the_login_page(page: Page, sign_in):
    sign_in(page, "employee")
    page.get_by_test_id("user-menu").click()  # a Bootstrap dropdown: proves the vendored JS runs under the CSP
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_a_wrong_password_is_refused_with_a_message(page: Page):
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("employee")
    page.locator("#id_password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_personal_pages_are_not_cached_but_collected_static_files_are(page_as):
    page = page_as("employee")
    home = page.request.get("/")
    assert home.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    css = page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert css and re.search(r"\.[0-9a-f]{12}\.css$", css), f"not a hashed static URL: {css}"
    static = page.request.get(css)
    assert static.ok
    assert "no-store" not in static.headers["cache-control"]
    assert "immutable" in static.headers["cache-control"]
    assert static.headers["x-content-type-options"] == "nosniff"
