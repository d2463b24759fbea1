"""Users and roles: only administrators reach the pages; every change is a service, audited, and counts at once."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jixiao.accounts import selectors, services
from jixiao.accounts.models import ApiToken, User
from jixiao.accounts.permissions import require_admin
from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError
from jixiao.core.testing.personas import make_user
from jixiao.org.models import Employee, HRScope, Status
from jixiao.org.services import hr_scope_grant, hr_scope_revoke

pytestmark = pytest.mark.django_db

USERS = reverse("accounts:admin_users")
HOME = reverse("core:home")
IMPORT = reverse("org:import")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail_url(user) -> str:
    return reverse("accounts:admin_user", args=[user.pk])


def change_url(user, change: str) -> str:
    return reverse("accounts:admin_user_change", args=[user.pk, change])


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# ---- the gate ----------------------------------------------------------------------------------


NON_ADMINS = {
    "employee": lambda p: p.employee.user,
    "manager": lambda p: p.manager.user,
    "scoped_hr": lambda p: p.scoped_hr,
    "executive": lambda p: p.executive,
    "outsider": lambda p: p.outsider,
}


@pytest.mark.parametrize("who", NON_ADMINS)
def test_non_admins_get_404_on_the_users_list_and_it_is_recorded(personas, who):
    user = NON_ADMINS[who](personas)
    assert signed_in(user).get(USERS).status_code == 404
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.actor_id == user.pk
    assert denied.target_type == "accounts.admin"


@pytest.mark.parametrize("who", NON_ADMINS)
def test_non_admins_get_404_on_an_account_page_and_cannot_change_it(personas, who):
    user = NON_ADMINS[who](personas)
    client = signed_in(user)
    target = personas.peer.user
    assert client.get(detail_url(target)).status_code == 404
    assert client.post(change_url(target, "deactivate")).status_code == 404
    assert client.post(change_url(user, "admin-grant")).status_code == 404
    target.refresh_from_db()
    user.refresh_from_db()
    assert target.is_active and not user.is_superuser
    assert not events("user.deactivate") and not events("user.admin_grant")


def test_signed_out_visitors_are_sent_to_sign_in(personas):
    response = Client().get(USERS)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_admin_gets_the_users_page(personas):
    response = signed_in(personas.admin).get(USERS)
    assert response.status_code == 200
    assert "p_employee" in response.content.decode()
    assert not events("access.denied")


def test_require_admin_lets_an_admin_through_and_refuses_a_deactivated_admin(personas):
    require_admin(personas.admin)
    User.objects.filter(pk=personas.admin.pk).update(is_active=False)
    with pytest.raises(Http404):
        require_admin(User.objects.get(pk=personas.admin.pk))
    assert AuditEvent.objects.filter(action="access.denied", actor_id=personas.admin.pk).count() == 1


def test_an_unknown_account_id_answers_404_for_an_admin(personas):
    assert signed_in(personas.admin).get(reverse("accounts:admin_user", args=[999999])).status_code == 404


def test_only_admins_see_the_users_and_roles_navigation_entry(personas):
    assert 'data-testid="nav-users"' in signed_in(personas.admin).get(HOME).content.decode()
    for user in (personas.scoped_hr, personas.executive, personas.employee.user):
        assert 'data-testid="nav-users"' not in signed_in(user).get(HOME).content.decode()


# ---- the list ------------------------------------------------------------------------------------


def usernames(response) -> list[str]:
    return [a.username for a in response.context["page"].accounts]


def test_the_list_shows_linked_employee_department_and_every_role(personas):
    HRScope.objects.create(user=personas.scoped_hr, department=personas.rnd)
    html = signed_in(personas.admin).get(USERS).content.decode()
    assert "王小明" in html and "East China" in html
    assert "HR: R&amp;D, Sales" in html or "HR: Sales, R&amp;D" in html
    assert "Administrator" in html and "Executive" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [("p_emp", ["p_employee"]), ("王小明", ["p_employee"]), ("ming", ["p_employee"])],
)
def test_admin_searches_by_username_name_and_english_name(personas, query, expected):
    assert usernames(signed_in(personas.admin).get(USERS, {"q": query})) == expected


def test_admin_searches_by_exact_employee_number(personas):
    number = personas.peer.employee_number
    assert usernames(signed_in(personas.admin).get(USERS, {"q": number})) == ["p_peer"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", ["p_admin"]),
        ("hr", ["p_other_hr", "p_scoped_hr"]),
        ("executive", ["p_exec"]),
        ("no_employee", ["p_admin", "p_exec", "p_gone", "p_outsider"]),
        ("deactivated", ["p_gone"]),
    ],
)
def test_admin_filters_accounts_by_role(personas, role, expected):
    make_user("p_gone", is_active=False)
    assert usernames(signed_in(personas.admin).get(USERS, {"role": role})) == expected


def test_more_paging_continues_after_the_last_row_without_repeats(personas):
    for i in range(7):
        make_user(f"zz{i}")
    client = signed_in(personas.admin)
    first = selectors.account_page(size=10)
    assert first.next_after is not None and first.total == 18
    response = client.get(USERS, {"after": str(first.next_after), "rows": "1"}, headers={"HX-Request": "true"})
    second = usernames(response)
    assert len(second) == 8
    assert not set(second) & {a.username for a in first.accounts}
    assert second == sorted(second) and second[0] > first.accounts[-1].username


def _populate(n: int, personas, start: int = 0) -> None:
    users = User.objects.bulk_create(
        User(username=f"bulk{i:04d}", is_executive=i % 5 == 0) for i in range(start, start + n)
    )
    Employee.objects.bulk_create(
        Employee(employee_number=f"B{start + i:05d}", name=f"员工{i}", department=personas.east, user=u, chain="/")
        for i, u in enumerate(users)
        if i % 3
    )
    HRScope.objects.bulk_create(HRScope(user=u, department=personas.rnd) for i, u in enumerate(users) if i % 4 == 0)


def _page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(USERS).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_runs_the_same_number_of_queries_for_ten_and_five_hundred_accounts(personas):
    client = signed_in(personas.admin)
    _populate(10, personas)
    small = _page_queries(client)
    _populate(490, personas, start=10)
    assert User.objects.count() > 500
    large = _page_queries(client)
    assert small == large


def test_a_page_of_accounts_takes_three_queries(personas, django_assert_num_queries):
    _populate(120, personas)
    with django_assert_num_queries(3):
        page = selectors.account_page()
        for account in page.accounts:
            _ = [s.department.name for s in account.scopes]  # type: ignore[attr-defined]
            _ = account.employee.department.name if hasattr(account, "employee") else None
    assert len(page.accounts) == selectors.PAGE_SIZE


# ---- deactivate and reactivate -----------------------------------------------------------------


def test_admin_deactivates_an_account_ending_sessions_and_tokens_with_an_audit_record(personas):
    target = personas.employee.user
    victim = signed_in(target)
    services.token_create(user=target, name="sync")
    response = signed_in(personas.admin).post(change_url(target, "deactivate"))
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert not ApiToken.objects.filter(user=target, revoked_at__isnull=True).exists()
    assert victim.get(HOME).status_code == 302
    event = AuditEvent.objects.get(action="user.deactivate")
    assert event.actor_id == personas.admin.pk and event.target_id == str(target.pk)


def test_admin_cannot_deactivate_herself(personas):
    client = signed_in(personas.admin)
    sessions = Session.objects.count()
    response = client.post(change_url(personas.admin, "deactivate"))
    assert response.status_code == 200
    assert "You cannot deactivate your own account." in response.content.decode()
    personas.admin.refresh_from_db()
    assert personas.admin.is_active
    assert not events("user.deactivate")
    assert Session.objects.count() == sessions


def test_admin_reactivates_an_account_with_an_audit_record(personas):
    target = personas.peer.user
    services.user_deactivate(user=target, actor=personas.admin)
    response = signed_in(personas.admin).post(change_url(target, "reactivate"))
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_active
    event = AuditEvent.objects.get(action="user.reactivate")
    assert event.before == {"is_active": False} and event.after == {"is_active": True}


def test_reactivating_the_account_of_a_leaver_is_refused_and_nothing_is_written(personas):
    target = personas.peer.user
    services.user_deactivate(user=target, actor=personas.admin)
    Employee.objects.filter(pk=personas.peer.pk).update(status=Status.LEFT)
    response = signed_in(personas.admin).post(change_url(target, "reactivate"))
    assert response.status_code == 200
    assert "someone who has left" in response.context["error"]
    target.refresh_from_db()
    assert not target.is_active and not events("user.reactivate")


def test_only_an_admin_can_reactivate(personas):
    target = make_user("gone", is_active=False)
    with pytest.raises(DomainError) as excinfo:
        services.user_reactivate(user=target, actor=personas.scoped_hr)
    assert excinfo.value.code == "forbidden"
    target.refresh_from_db()
    assert not target.is_active and not events("user.reactivate")


def test_reactivating_an_active_account_changes_nothing(personas):
    services.user_reactivate(user=personas.peer.user, actor=personas.admin)
    assert not events("user.reactivate")


# ---- executive and admin roles -----------------------------------------------------------------


def test_executive_role_counts_from_her_next_request_and_is_audited(personas):
    target = personas.employee.user
    her = signed_in(target)
    assert her.get(HOME).context["nav"]["is_executive"] is False
    assert signed_in(personas.admin).post(change_url(target, "executive-grant")).status_code == 302
    assert her.get(HOME).context["nav"]["is_executive"] is True
    assert signed_in(personas.admin).post(change_url(target, "executive-revoke")).status_code == 302
    assert her.get(HOME).context["nav"]["is_executive"] is False
    grant, revoke = events("user.executive_grant"), events("user.executive_revoke")
    assert len(grant) == 1 and grant[0].after == {"is_executive": True}
    assert len(revoke) == 1 and revoke[0].after == {"is_executive": False}


def test_a_deactivated_account_cannot_be_given_a_role(personas):
    target = make_user("gone", is_active=False)
    response = signed_in(personas.admin).post(change_url(target, "executive-grant"))
    assert response.status_code == 200
    assert "Reactivate the account before giving it a role." in response.content.decode()
    target.refresh_from_db()
    assert not target.is_executive and not events("user.executive_grant")


def test_only_an_admin_can_grant_executive(personas):
    with pytest.raises(DomainError):
        services.user_executive_grant(user=personas.peer.user, actor=personas.executive)
    personas.peer.user.refresh_from_db()
    assert not personas.peer.user.is_executive and not events("user.executive_grant")


def test_admin_makes_someone_admin_and_takes_it_back_with_audit_records(personas):
    target = personas.peer.user
    her = signed_in(target)
    admin = signed_in(personas.admin)
    admin.post(change_url(target, "admin-grant"))
    assert her.get(USERS).status_code == 200
    admin.post(change_url(target, "admin-revoke"))
    assert her.get(USERS).status_code == 404
    assert len(events("user.admin_grant")) == 1 and len(events("user.admin_revoke")) == 1


def test_admin_cannot_remove_her_own_admin_role(personas):
    response = signed_in(personas.admin).post(change_url(personas.admin, "admin-revoke"))
    assert response.status_code == 200
    assert "You cannot remove your own administrator role." in response.content.decode()
    personas.admin.refresh_from_db()
    assert personas.admin.is_superuser and not events("user.admin_revoke")


def test_an_unknown_change_answers_404(personas):
    assert signed_in(personas.admin).post(change_url(personas.peer.user, "delete")).status_code == 404


def test_changes_need_post(personas):
    assert signed_in(personas.admin).get(change_url(personas.peer.user, "deactivate")).status_code == 405


# ---- HR scopes ---------------------------------------------------------------------------------


def test_hr_scope_counts_from_her_next_request_and_is_audited_with_the_department_path(personas):
    target = personas.peer.user
    her = signed_in(target)
    admin = signed_in(personas.admin)
    assert her.get(IMPORT).status_code == 404
    assert admin.post(change_url(target, "hr-grant"), {"department": personas.rnd.pk}).status_code == 302
    assert her.get(IMPORT).status_code == 200
    grant = AuditEvent.objects.get(action="hr_scope.grant")
    assert grant.scope_path == personas.rnd.path and grant.target_id == str(target.pk)
    assert admin.post(change_url(target, "hr-revoke"), {"department": personas.rnd.pk}).status_code == 302
    assert her.get(IMPORT).status_code == 404
    revoke = AuditEvent.objects.get(action="hr_scope.revoke")
    assert revoke.scope_path == personas.rnd.path
    assert not HRScope.objects.filter(user=target).exists()


def test_scoped_hr_reads_the_audit_record_of_a_grant_in_her_unit(personas):
    hr_scope_grant(actor=personas.admin, user=personas.peer.user, department=personas.east)
    assert AuditEvent.objects.visible_to(personas.scoped_hr).filter(action="hr_scope.grant").exists()
    assert not AuditEvent.objects.visible_to(personas.other_hr).filter(action="hr_scope.grant").exists()


def test_adding_an_hr_scope_without_a_department_shows_the_error_beside_the_picker(personas):
    response = signed_in(personas.admin).post(change_url(personas.peer.user, "hr-grant"), {"department": "x"})
    assert response.status_code == 200
    assert response.context["fields"] == {"department": ["Required."]}
    assert "is-invalid" in response.content.decode()
    assert not HRScope.objects.filter(user=personas.peer.user).exists() and not events("hr_scope.grant")


def test_the_same_hr_scope_twice_is_refused(personas):
    with pytest.raises(DomainError) as excinfo:
        hr_scope_grant(actor=personas.admin, user=personas.scoped_hr, department=personas.sales)
    assert str(excinfo.value.message) == "She is already HR of 销售部."
    assert HRScope.objects.filter(user=personas.scoped_hr).count() == 1 and not events("hr_scope.grant")


def test_an_hr_scope_inside_one_she_already_has_is_refused(personas):
    with pytest.raises(DomainError) as excinfo:
        hr_scope_grant(actor=personas.admin, user=personas.scoped_hr, department=personas.east)
    assert "which includes this department" in str(excinfo.value.message)
    assert HRScope.objects.filter(user=personas.scoped_hr).count() == 1


def test_removing_an_hr_scope_she_does_not_have_is_refused(personas):
    with pytest.raises(DomainError):
        hr_scope_revoke(actor=personas.admin, user=personas.scoped_hr, department=personas.rnd)
    assert HRScope.objects.filter(user=personas.scoped_hr).count() == 1 and not events("hr_scope.revoke")


def test_only_an_admin_can_change_hr_scopes(personas):
    with pytest.raises(DomainError):
        hr_scope_grant(actor=personas.scoped_hr, user=personas.peer.user, department=personas.east)
    with pytest.raises(DomainError):
        hr_scope_revoke(actor=personas.other_hr, user=personas.scoped_hr, department=personas.sales)
    assert HRScope.objects.count() == 2 and not events("hr_scope.grant") and not events("hr_scope.revoke")


def test_a_deactivated_account_cannot_become_hr(personas):
    target = make_user("gone", is_active=False)
    with pytest.raises(DomainError):
        hr_scope_grant(actor=personas.admin, user=target, department=personas.rnd)
    assert not HRScope.objects.filter(user=target).exists()


def test_her_own_page_offers_neither_deactivation_nor_removing_her_admin_role(personas):
    html = signed_in(personas.admin).get(detail_url(personas.admin)).content.decode()
    assert 'data-testid="self-note"' in html
    assert 'data-testid="deactivate-open"' not in html and 'data-testid="admin-revoke"' not in html
    other = signed_in(personas.admin).get(detail_url(personas.peer.user)).content.decode()
    assert 'data-testid="deactivate-open"' in other and 'data-testid="admin-grant"' in other
