"""Personal API tokens: made and revoked on the tokens page by their owner, stored hashed, acting as the owner."""

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.accounts.models import ApiToken
from jixiao.accounts.services import token_create, token_revoke, user_deactivate
from jixiao.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_refused(response) -> None:
    assert response.status_code == 401, response.content
    assert response.json() == {
        "error": {"code": "unauthenticated", "message": "Sign in or send a valid API token.", "fields": {}}
    }


def test_the_owner_creates_a_token_on_the_tokens_page_and_sees_the_secret_once(personas):
    client = signed_in(personas.employee.user)
    response = client.post(reverse("accounts:tokens"), {"name": "HRIS sync"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("jx_")
    assert secret in response.content.decode()
    assert secret not in client.get(reverse("accounts:tokens")).content.decode()
    assert Client().get("/api/v1/me", headers=bearer(secret)).json()["username"] == "p_employee"


def test_a_token_is_stored_as_a_sha256_digest_and_never_as_the_secret(personas):
    token, secret = token_create(user=personas.employee.user, name="sync")
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert stored["digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert stored["digest"] != secret
    assert all(secret not in str(value) for value in stored.values())
    assert secret.startswith(stored["prefix"]) and len(stored["prefix"]) < len(secret) // 3


def test_a_revoked_token_is_refused(personas):
    token, secret = token_create(user=personas.employee.user, name="sync")
    assert Client().get("/api/v1/employees", headers=bearer(secret)).status_code == 200
    token_revoke(token=token, actor=personas.employee.user)
    assert_refused(Client().get("/api/v1/employees", headers=bearer(secret)))


def test_an_inactive_users_token_is_refused(personas):
    _token, secret = token_create(user=personas.employee.user, name="sync")
    # Switched off directly, without the deactivation service that also revokes her tokens.
    personas.employee.user.is_active = False
    personas.employee.user.save(update_fields=["is_active"])
    assert_refused(Client().get("/api/v1/employees", headers=bearer(secret)))


def test_deactivating_a_user_revokes_her_tokens(personas):
    token, secret = token_create(user=personas.employee.user, name="sync")
    user_deactivate(user=personas.employee.user, actor=personas.admin)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert_refused(Client().get("/api/v1/employees", headers=bearer(secret)))


def test_a_secret_that_differs_by_one_character_is_refused(personas):
    _token, secret = token_create(user=personas.employee.user, name="sync")
    forged = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert_refused(Client().get("/api/v1/employees", headers=bearer(forged)))


def test_a_token_acts_with_exactly_its_owners_rights(personas):
    _token, hr_secret = token_create(user=personas.scoped_hr, name="hr sync")
    _token, employee_secret = token_create(user=personas.employee.user, name="mine")

    def change(secret, person):
        return Client().patch(
            f"/api/v1/employees/{person.pk}",
            {"title": "改"},
            content_type="application/json",
            headers={**bearer(secret), "If-Match": f'"{person.version}"'},
        )

    assert change(hr_secret, personas.employee).status_code == 200
    assert change(hr_secret, personas.rnd_head).status_code == 404, "HR of 销售部 has no rights in 研发部"
    assert change(employee_secret, personas.peer).status_code == 404, "an employee changes nobody"
    peer = Client().get(f"/api/v1/employees/{personas.peer.pk}", headers=bearer(employee_secret)).json()
    assert peer["sensitive_included"] is False
    own = Client().get(f"/api/v1/employees/{personas.employee.pk}", headers=bearer(employee_secret)).json()
    assert own["sensitive_included"] is True


def test_a_write_made_with_a_token_is_audited_as_its_owner(personas):
    _token, secret = token_create(user=personas.scoped_hr, name="hr sync")
    Client().patch(
        f"/api/v1/employees/{personas.employee.pk}",
        {"title": "改"},
        content_type="application/json",
        headers={**bearer(secret), "If-Match": '"1"'},
    )
    assert AuditEvent.objects.get(action="employee.update").actor_id == personas.scoped_hr.pk


def test_only_the_owner_can_revoke_a_token(personas):
    token, secret = token_create(user=personas.employee.user, name="sync")
    url = reverse("accounts:token_revoke", args=[token.pk])
    for other in (personas.peer.user, personas.admin):
        assert signed_in(other).post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 200

    assert signed_in(personas.employee.user).post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke", actor_id=personas.employee.user.pk).exists()
    assert_refused(Client().get("/api/v1/me", headers=bearer(secret)))


def test_the_tokens_page_lists_only_the_owners_tokens(personas):
    token_create(user=personas.employee.user, name="mine")
    token_create(user=personas.peer.user, name="someone else's")
    page = signed_in(personas.employee.user).get(reverse("accounts:tokens"))
    assert [t.name for t in page.context["tokens"]] == ["mine"]
