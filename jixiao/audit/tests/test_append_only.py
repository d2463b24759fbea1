"""The database itself refuses to change or remove an audit event, on SQLite and on PostgreSQL.

Each refused statement runs inside its own atomic block: on PostgreSQL a failed statement spoils the
surrounding transaction, and the savepoint lets the test go on to check that nothing changed.
Never use transactional_db here: Django's flush between such tests deletes rows, which SQLite refuses.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from jixiao.audit.models import AuditEvent
from jixiao.audit.services import Change, record_event, record_events
from jixiao.core.testing.personas import make_user

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


@pytest.fixture
def event() -> AuditEvent:
    return record_event(
        actor=make_user("ana"), action="employee.update", target_label="王小明", before={"title": "A"}, after={}
    )


def assert_untouched(event: AuditEvent) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.target_label, stored.before) == ("employee.update", "王小明", {"title": "A"})


def test_the_audit_table_is_the_one_the_triggers_guard():
    assert TABLE == "audit_auditevent"


def test_queryset_update_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="nothing.happened")
    assert_untouched(event)


def test_saving_a_changed_event_is_refused(event):
    event.target_label = "someone else"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    assert_untouched(event)


def test_deleting_an_event_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    assert_untouched(event)


def test_queryset_delete_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_update_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["nothing.happened", event.pk])  # noqa: S608
    assert_untouched(event)


def test_raw_sql_delete_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])  # noqa: S608
    assert_untouched(event)


def test_new_events_can_still_be_appended_one_by_one_and_in_bulk(event):
    record_event(actor=None, action="auth.login_failed", target_label="ana")
    assert record_events(actor=None, action="employee.import", changes=[Change(target=None)] * 3) == 3
    assert AuditEvent.objects.count() == 5
