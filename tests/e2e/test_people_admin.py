"""HR and admins at work in the browser: editing a person, and ending a leaver's access at once."""

import re
import sqlite3

from playwright.sync_api import Browser, Page, expect

from .conftest import Console, Server, new_context


def seeded_colleague(server: Server, offset: int) -> tuple[int, str, str]:
    """(employee id, username, employee number) of a plain seeded colleague, picked from the end of the list."""
    with sqlite3.connect(server.tmp / "jixiao.sqlite3") as db:
        row = db.execute(
            "SELECT e.id, u.username, e.employee_number FROM org_employee e JOIN accounts_user u ON u.id = e.user_id "
            "WHERE u.is_active AND NOT u.is_superuser AND u.username LIKE 'xc%' "
            "ORDER BY e.id DESC LIMIT 1 OFFSET ?",
            (offset,),
        ).fetchone()
    return int(row[0]), str(row[1]), str(row[2])


def test_hr_changes_a_title_on_the_profile_and_sees_it_saved(page_as, server: Server):
    employee_id, _username, _number = seeded_colleague(server, offset=3)
    page: Page = page_as("hr")
    page.goto(f"/org/people/{employee_id}/")
    page.get_by_test_id("profile-edit").click()
    page.locator("#id_title").fill("客户成功经理")
    page.get_by_test_id("employee-save").click()
    expect(page).to_have_url(re.compile(rf"/org/people/{employee_id}/$"))
    expect(page.get_by_test_id("profile-head")).to_contain_text("客户成功经理")


def test_an_admin_deactivates_an_account_and_its_open_session_ends(
    page_as, browser: Browser, server: Server, console: Console, sign_in
):
    _employee_id, username, _number = seeded_colleague(server, offset=4)
    leaver_context = new_context(browser, server, console)
    try:
        leaver = leaver_context.new_page()
        sign_in(leaver, username)

        admin = page_as("admin")
        with sqlite3.connect(server.tmp / "jixiao.sqlite3") as db:
            (account_id,) = db.execute("SELECT id FROM accounts_user WHERE username = ?", (username,)).fetchone()
        admin.goto(f"/accounts/admin/users/{account_id}/")
        admin.get_by_test_id("deactivate-open").click()
        admin.get_by_test_id("deactivate").click()
        expect(admin.get_by_test_id("reactivate")).to_be_visible()

        leaver.goto("/")
        expect(leaver).to_have_url(re.compile(r"/accounts/login/"))
    finally:
        leaver_context.close()
