"""What an audit event records: who, what, on which object, before and after, and from which address."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.accounts.models import ApiToken
from jixiao.audit.models import AuditEvent
from jixiao.audit.services import Change, record_event, record_events
from jixiao.core.testing.personas import PASSWORD, Personas, make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def test_an_event_keeps_actor_action_target_and_the_change():
    ana = make_user("ana")
    token = ApiToken.objects.create(user=ana, name="sync", prefix="jx_abc", digest="0" * 64)
    event = record_event(
        actor=ana,
        action="api_token.rename",
        target=token,
        before={"name": "sync", "since": dt.date(2024, 1, 31)},
        after={"name": "nightly sync", "weight": Decimal("0.25")},
        scope_path="/1/5/",
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_label) == (ana.pk, "ana")
    assert stored.action == "api_token.rename"
    assert (stored.target_type, stored.target_id, stored.target_label) == (
        "accounts.apitoken",
        str(token.pk),
        str(token),
    )
    # Dates and decimals are stored the way Django's JSON encoder writes them.
    assert stored.before == {"name": "sync", "since": "2024-01-31"}
    assert stored.after == {"name": "nightly sync", "weight": "0.25"}
    assert stored.scope_path == "/1/5/"
    assert stored.created_at is not None
    assert stored.ip is None, "outside a request there is no client address"


def test_an_event_without_a_signed_in_actor_keeps_an_empty_actor():
    event = record_event(actor=None, action="auth.login_failed", target_type="accounts.user", target_label="ghost")
    assert (event.actor_id, event.actor_label, event.target_label) == (None, "", "ghost")


def test_an_event_keeps_the_client_address_of_the_request_that_caused_it():
    ana = make_user("ana")
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.post(LOGIN, {"username": "ana", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    response = client.post(reverse("accounts:tokens"), {"name": "payroll export"}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    token = ApiToken.objects.get(user=ana)
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.ip == "203.0.113.7"
    assert (event.actor_id, event.target_type, event.target_id) == (ana.pk, "accounts.apitoken", str(token.pk))
    assert event.after == {"name": "payroll export", "prefix": token.prefix}


def test_the_address_of_one_request_does_not_leak_into_work_done_after_it():
    make_user("ana")
    Client().post(LOGIN, {"username": "ana", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    assert record_event(actor=None, action="task.run").ip is None


def test_an_ipv6_client_address_is_kept():
    make_user("ana")
    Client().post(LOGIN, {"username": "ana", "password": PASSWORD}, REMOTE_ADDR="2001:db8::7")
    assert AuditEvent.objects.get(action="auth.login").ip == "2001:db8::7"


def test_a_successful_sign_in_is_recorded():
    ana = make_user("ana")
    Client().post(LOGIN, {"username": "ana", "password": PASSWORD}, REMOTE_ADDR="198.51.100.4")
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor_id, event.target_id, event.ip) == (ana.pk, str(ana.pk), "198.51.100.4")


def test_a_failed_sign_in_is_recorded_with_the_username_tried_and_the_address():
    make_user("ana")
    Client().post(LOGIN, {"username": "ana", "password": "guess"}, REMOTE_ADDR="198.51.100.9")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor_id is None
    assert (event.target_type, event.target_label, event.ip) == ("accounts.user", "ana", "198.51.100.9")
    assert not event.after, "the password tried is never stored"


def test_every_failed_attempt_is_recorded_including_those_refused_by_the_lock(settings):
    make_user("ana")
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        Client().post(LOGIN, {"username": "ana", "password": "guess"}, REMOTE_ADDR="198.51.100.9")
    assert AuditEvent.objects.filter(action="auth.login_failed", target_label="ana").count() == (
        settings.AXES_FAILURE_LIMIT + 2
    )


def test_a_refused_profile_page_is_recorded_with_who_tried_what_and_from_where(personas: Personas):
    client = Client()
    client.force_login(personas.outsider)
    response = client.get(reverse("org:employee", args=[personas.employee.pk]), REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.actor_id, event.target_type, event.target_id) == (
        personas.outsider.pk,
        "org.employee",
        str(personas.employee.pk),
    )
    assert event.ip == "192.0.2.44"
    assert event.after == {"write": False}


def test_a_probe_for_a_missing_id_is_recorded_like_a_refused_one(personas: Personas):
    client = Client()
    client.force_login(personas.outsider)
    assert client.get(reverse("org:employee", args=[987654])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", target_id="987654").exists()


def test_bulk_events_are_written_in_batches_with_the_same_actor_and_address(django_assert_num_queries):
    ana = make_user("ana")
    changes = [Change(target=None, target_type="org.employee", target_id=str(i), after={"n": i}) for i in range(25)]
    with django_assert_num_queries(3):  # three INSERTs of ten, ten and five rows
        assert record_events(actor=ana, action="employee.import", changes=changes, batch_size=10) == 25
    events = AuditEvent.objects.filter(action="employee.import")
    assert events.count() == 25
    assert set(events.values_list("actor_id", flat=True)) == {ana.pk}
    assert events.get(target_id="7").after == {"n": 7}
