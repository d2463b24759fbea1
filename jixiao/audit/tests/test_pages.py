"""The audit log page: admins read everything, HR her own departments, everyone else gets a 404."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jixiao.audit.models import AuditEvent
from jixiao.audit.selectors import event_changes
from jixiao.audit.services import Change, record_events
from jixiao.org import services as org_services

pytestmark = pytest.mark.django_db

# The session, the user, the reader's place and HR scopes; the actions and object types offered as
# filters; one page of events.
AUDIT_PAGE_QUERIES = 7


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def changes(personas):
    """An admin retitles someone in 销售部 (scoped HR's unit) and someone in 研发部 (other HR's)."""
    for person, title in ((personas.employee, "高级销售代表"), (personas.rnd_head, "研发副总裁")):
        org_services.employee_update(
            actor=personas.admin,
            employee=person,
            version=person.version,
            data=org_services.employee_input_from(person, title=title),
        )
    return personas


def events_seen_by(user, **params) -> list[AuditEvent]:
    response = signed_in(user).get("/audit/", params)
    assert response.status_code == 200
    return response.context["page"].events


def test_employees_managers_and_executives_get_a_404(personas):
    for user in (personas.employee.user, personas.manager.user, personas.skip.user, personas.executive):
        assert signed_in(user).get("/audit/").status_code == 404
    assert signed_in(personas.outsider).get("/audit/").status_code == 404


def test_hr_sees_only_events_inside_her_departments(changes):
    personas = changes
    seen = events_seen_by(personas.scoped_hr, action="employee.update")
    assert [e.target_id for e in seen] == [str(personas.employee.pk)]
    other = events_seen_by(personas.other_hr, action="employee.update")
    assert [e.target_id for e in other] == [str(personas.rnd_head.pk)]


def test_hr_does_not_see_sign_ins_or_refused_accesses_outside_her_scope(changes):
    actions = {e.action for e in events_seen_by(changes.scoped_hr)}
    assert actions == {"employee.update"}


def test_admins_see_every_event(changes):
    seen = events_seen_by(changes.admin, action="employee.update")
    assert {e.target_id for e in seen} == {str(changes.employee.pk), str(changes.rnd_head.pk)}


def test_the_page_shows_what_changed_compactly(changes):
    body = signed_in(changes.admin).get("/audit/", {"action": "employee.update"}).content.decode()
    assert "<del>" in body and "高级销售代表" in body
    assert "Person changed" in body
    assert f"/org/people/{changes.employee.pk}/" in body


def test_filters_by_actor_object_type_and_dates_are_kept_in_the_url(changes):
    admin = changes.admin
    assert events_seen_by(admin, actor="p_admin", target_type="org.employee")
    assert not events_seen_by(admin, actor="nobody-like-this")
    today = timezone.localdate()
    assert events_seen_by(admin, date_from=today.isoformat(), date_to=today.isoformat())
    assert not events_seen_by(admin, date_to=(today - dt.timedelta(days=1)).isoformat())
    body = signed_in(admin).get("/audit/", {"actor": "p_admin"}).content.decode()
    assert 'name="actor" value="p_admin"' in body


def test_a_bad_date_is_explained_and_ignored(changes):
    response = signed_in(changes.admin).get("/audit/", {"date_from": "2024-02-30", "action": "employee.update"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert len(response.context["page"].events) == 2


def test_an_end_date_before_the_start_date_is_refused_with_a_reason(changes):
    body = signed_in(changes.admin).get("/audit/", {"date_from": "2024-03-02", "date_to": "2024-03-01"}).content
    assert "The end date is before the start date." in body.decode()


def bulk_events(personas, count: int) -> None:
    record_events(
        actor=personas.admin,
        action="employee.update",
        changes=[
            Change(
                target=None,
                target_type="org.employee",
                target_id=str(personas.employee.pk),
                target_label=personas.employee.name,
                before={"title": f"t{i}"},
                after={"title": f"t{i + 1}"},
                scope_path=personas.east.path,
            )
            for i in range(count)
        ],
    )


def test_older_events_load_by_keyset_without_gaps_or_repeats(personas):
    bulk_events(personas, 120)
    client = signed_in(personas.scoped_hr)
    seen: list[int] = []
    before = None
    while True:
        params = {"action": "employee.update", **({"before": before} if before else {})}
        page = client.get("/audit/", params).context["page"]
        seen.extend(e.pk for e in page.events)
        if page.next_before is None:
            break
        before = page.next_before
    assert len(seen) == len(set(seen)) == 120
    assert seen == sorted(seen, reverse=True)


def test_the_more_button_returns_only_rows(personas):
    bulk_events(personas, 60)
    client = signed_in(personas.admin)
    before = client.get("/audit/").context["page"].next_before
    body = client.get("/audit/", {"before": before, "rows": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<tr" in body and "<html" not in body


@pytest.mark.parametrize("count", [10, 1000])
def test_the_audit_page_runs_the_same_queries_for_ten_and_a_thousand_events(personas, django_assert_num_queries, count):
    bulk_events(personas, count)
    client = signed_in(personas.scoped_hr)
    client.get("/")  # settle the session's first-request bookkeeping
    with django_assert_num_queries(AUDIT_PAGE_QUERIES):
        response = client.get("/audit/")
    assert len(response.context["page"].events) == min(count, 50)


def test_event_changes_lists_only_the_fields_that_changed():
    event = AuditEvent(before={"title": "a", "phone": "1"}, after={"title": "b", "phone": "1", "email": "x@y"})
    assert [(c.field, c.before, c.after) for c in event_changes(event)] == [("title", "a", "b"), ("email", None, "x@y")]


def test_event_changes_lists_every_field_of_a_creation():
    event = AuditEvent(before=None, after={"name": "王小明", "title": "代表"})
    changes = event_changes(event)
    assert [(c.field, c.after, c.changed) for c in changes] == [("name", "王小明", False), ("title", "代表", False)]


def test_changed_fields_are_named_as_the_model_names_them():
    event = AuditEvent(
        target_type="org.employee", before={"hire_date": "2020-01-01"}, after={"hire_date": "2021-01-01"}
    )
    assert [c.label for c in event_changes(event)] == ["hire date"]
    unknown = AuditEvent(target_type="demo.thing", before=None, after={"seed": 1})
    assert [c.label for c in event_changes(unknown)] == ["seed"]


def test_the_audit_log_shows_summary_events_whose_keys_are_not_model_fields(personas):
    """A seeding or import summary stores counts under keys such as "employees" (a reverse relation)."""
    from jixiao.audit.services import record_event

    record_event(actor=personas.admin, action="demo.seed", target=personas.root, after={"employees": 300, "seed": 1})
    response = signed_in(personas.admin).get("/audit/")
    assert response.status_code == 200
    assert "300" in response.content.decode()


def test_a_refused_visit_to_the_audit_log_is_itself_recorded(personas):
    response = signed_in(personas.employee.user).get("/audit/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", actor_id=personas.employee.user.pk, target_type="audit.auditevent"
    ).exists()


def test_the_audit_log_shows_names_and_labels_instead_of_ids_and_codes(personas):
    org_services.employee_update(
        actor=personas.admin,
        employee=personas.peer,
        version=personas.peer.version,
        data=org_services.employee_input_from(personas.peer, manager_id=personas.skip.pk, status="on_leave"),
    )
    page = signed_in(personas.admin).get("/audit/?action=employee.update").content.decode()
    assert personas.skip.name in page and personas.manager.name in page
    assert "On leave" in page and "on_leave →" not in page
