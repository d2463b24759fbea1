"""The account pages a person uses herself: changing her password and her API tokens."""

import re
import sqlite3

import pytest
from playwright.sync_api import Page, Playwright, expect

from .conftest import DEMO_PASSWORD, Server

DEMO_LOGINS = ("admin", "hr", "ceo", "manager", "employee")


@pytest.fixture
def colleague(server: Server) -> str:
    """A seeded colleague who is none of the demo logins, so changing her password disturbs no other test."""
    with sqlite3.connect(server.tmp / "jixiao.sqlite3") as db:
        # The demo logins are few and fixed, so they are listed inline rather than bound one by one.
        usernames = ", ".join(f"'{name}'" for name in DEMO_LOGINS)
        query = (
            f"SELECT username FROM accounts_user WHERE is_active AND NOT is_superuser AND username NOT IN ({usernames})"  # noqa: S608 - constants only
        )
        (username,) = db.execute(query + " ORDER BY id DESC LIMIT 1").fetchone()
    return str(username)


def test_a_person_changes_her_password_and_stays_signed_in(page: Page, sign_in, colleague: str):
    sign_in(page, colleague)
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Change password").click()
    page.locator("#id_old_password").fill(DEMO_PASSWORD)
    page.locator("#id_new_password1").fill("a-private-phrase-for-e2e-93")
    page.locator("#id_new_password2").fill("a-private-phrase-for-e2e-93")
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/done/$"))
    page.goto("/")
    expect(page.get_by_test_id("home-title")).to_be_visible()


def test_a_person_creates_and_revokes_an_api_token(page_as, playwright: Playwright, server: Server):
    page = page_as("ceo")
    page.goto("/accounts/tokens/")
    page.locator("#id_name").fill("e2e dashboard")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_test_id("new-token").inner_text()
    assert secret.startswith("jx_")
    api = page.context.request
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status == 200

    row = page.locator("tr").filter(has_text="e2e dashboard")
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("tr").filter(has_text="e2e dashboard")).to_contain_text("Revoked")
    # A plain HTTP client with no session cookie: only the (revoked) token could let it in.
    outsider = playwright.request.new_context(base_url=server.url)
    try:
        assert outsider.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status == 401
    finally:
        outsider.dispose()
