"""1:1 meetings: the services' rules, as sentences (decision 0010)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jixiao.audit.models import AuditEvent
from jixiao.conversations import services_meetings as svc
from jixiao.conversations.models import ActionItem, AgendaItem, Meeting, OneOnOne, PrivateNote
from jixiao.conversations.testing_meetings import add_action, add_topic, hold, next_meeting, start_one_on_one, user_of
from jixiao.core.errors import DomainError, NotFound, StaleWrite
from jixiao.goals.testing import make_objective, make_period
from jixiao.org.models import Status

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 3, 4)


def test_a_manager_starts_a_1on1_with_her_report_and_its_first_meeting(personas):
    series = start_one_on_one(personas.manager, personas.employee, held_on=MONDAY)
    assert {series.first_id, series.second_id} == {personas.manager.pk, personas.employee.pk}
    assert next_meeting(series).held_on == MONDAY
    assert AuditEvent.objects.filter(action="one_on_one.start", target_id=str(series.pk)).exists()


def test_starting_again_from_either_side_returns_the_same_series(personas):
    series = start_one_on_one(personas.manager, personas.employee)
    again = start_one_on_one(personas.employee, personas.manager, cadence=OneOnOne.Cadence.MONTHLY)
    assert again.pk == series.pk
    assert OneOnOne.objects.count() == 1
    assert Meeting.objects.count() == 1


def test_nobody_starts_a_1on1_with_herself(personas):
    with pytest.raises(DomainError):
        start_one_on_one(personas.employee, personas.employee)
    assert not OneOnOne.objects.exists()


def test_a_colleague_who_left_cannot_be_picked(personas):
    personas.peer.status = Status.LEFT
    personas.peer.save(update_fields=["status"])
    with pytest.raises(DomainError):
        start_one_on_one(personas.employee, personas.peer)
    assert not OneOnOne.objects.exists()


def test_an_account_without_an_employee_record_starts_no_1on1(personas):
    with pytest.raises(NotFound):
        svc.one_on_one_start(actor=personas.outsider, other=personas.employee, cadence="weekly")
    assert not OneOnOne.objects.exists()


def test_an_unknown_cadence_is_refused(personas):
    with pytest.raises(DomainError) as exc:
        start_one_on_one(personas.employee, personas.peer, cadence="hourly")
    assert "cadence" in exc.value.fields
    assert not OneOnOne.objects.exists()


# ---- agenda -------------------------------------------------------------------------------------------


def test_both_participants_add_topics_in_order(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    add_topic(personas.manager, meeting, "Quarter goals")
    add_topic(personas.employee, meeting, "Training budget")
    assert list(AgendaItem.objects.filter(meeting=meeting).order_by("order").values_list("text", flat=True)) == [
        "Quarter goals",
        "Training budget",
    ]


def test_an_empty_topic_is_refused_and_nothing_written(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    with pytest.raises(DomainError) as exc:
        add_topic(personas.employee, meeting, "   ")
    assert "text" in exc.value.fields
    assert not AgendaItem.objects.exists()


def test_someone_outside_the_series_cannot_add_a_topic(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    for outsider in (personas.peer, personas.skip):
        with pytest.raises(NotFound):
            add_topic(outsider, meeting)
    assert not AgendaItem.objects.exists()


def test_a_topic_links_a_goal_both_can_see_but_not_a_private_one_of_a_third_person(personas):
    period = make_period(personas.admin)
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    mine = make_objective(personas.admin, period, employee=personas.employee, visibility="private")
    item = add_topic(personas.manager, meeting, "Her goal", objective=mine)
    assert item.objective_id == mine.pk
    # The peer's private goal: her manager reads it, the employee does not, so it cannot be linked here.
    peers = make_objective(personas.admin, period, employee=personas.peer, visibility="private")
    with pytest.raises(DomainError) as exc:
        add_topic(personas.manager, meeting, "The peer's goal", objective=peers)
    assert "objective" in exc.value.fields
    assert AgendaItem.objects.count() == 1


def test_topics_move_up_and_down_and_are_ticked_and_removed(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    a = add_topic(personas.manager, meeting, "A")
    b = add_topic(personas.manager, meeting, "B")
    svc.agenda_item_move(actor=user_of(personas.employee), item=b, up=True)
    assert list(AgendaItem.objects.filter(meeting=meeting).order_by("order", "pk").values_list("text", flat=True)) == [
        "B",
        "A",
    ]
    svc.agenda_item_update(actor=user_of(personas.employee), item=a, discussed=True)
    assert AgendaItem.objects.get(pk=a.pk).discussed
    svc.agenda_item_remove(actor=user_of(personas.manager), item=b)
    assert list(AgendaItem.objects.values_list("text", flat=True)) == ["A"]


def test_the_agenda_of_a_held_meeting_no_longer_changes(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    item = add_topic(personas.manager, meeting, "A")
    hold(personas.manager, meeting)
    meeting.refresh_from_db()
    with pytest.raises(DomainError):
        add_topic(personas.employee, meeting, "Too late")
    item.refresh_from_db()
    with pytest.raises(DomainError):
        svc.agenda_item_remove(actor=user_of(personas.employee), item=item)
    assert AgendaItem.objects.count() == 1


# ---- notes --------------------------------------------------------------------------------------------


def test_shared_notes_save_with_versions_and_a_stale_save_is_refused(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    svc.meeting_notes_save(actor=user_of(personas.manager), meeting=meeting, text="First", version=1)
    stale = Meeting.objects.get(pk=meeting.pk)
    stale.version = 1
    with pytest.raises(StaleWrite):
        svc.meeting_notes_save(actor=user_of(personas.employee), meeting=stale, text="Mine", version=1)
    meeting.refresh_from_db()
    assert (meeting.shared_notes, meeting.version) == ("First", 2)


def test_note_topic_and_action_texts_never_go_into_the_audit_log(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    item = add_topic(personas.manager, meeting, "topic secret")
    svc.agenda_item_move(actor=user_of(personas.manager), item=item, up=False)
    svc.agenda_item_update(actor=user_of(personas.manager), item=item, discussed=True)
    action = add_action(personas.manager, meeting, personas.employee, "action secret")
    svc.action_item_complete(actor=user_of(personas.employee), item=action)
    svc.meeting_notes_save(actor=user_of(personas.manager), meeting=meeting, text="shared secret", version=1)
    svc.private_note_save(actor=user_of(personas.manager), meeting=meeting, text="private secret", version=0)
    events = list(AuditEvent.objects.exclude(action="access.denied"))
    assert len(events) >= 7
    for event in events:
        assert "secret" not in f"{event.after} {event.before} {event.target_label}"


def test_each_participant_keeps_her_own_private_note(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    mine = svc.private_note_save(actor=user_of(personas.manager), meeting=meeting, text="Hers is late", version=0)
    theirs = svc.private_note_save(actor=user_of(personas.employee), meeting=meeting, text="Ask for help", version=0)
    svc.private_note_save(actor=user_of(personas.manager), meeting=meeting, text="Hers is late again", version=1)
    assert mine.pk != theirs.pk
    assert PrivateNote.objects.get(pk=theirs.pk).text == "Ask for help"
    assert PrivateNote.objects.get(pk=mine.pk).text == "Hers is late again"


def test_nobody_writes_someone_elses_private_note(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    note = svc.private_note_save(actor=user_of(personas.employee), meeting=meeting, text="Mine", version=0)
    for other in (personas.peer, personas.skip):
        with pytest.raises(NotFound):
            svc.private_note_save(actor=user_of(other), meeting=meeting, text="Overwritten", version=1)
    # The other participant's save with the note's version writes her own note, never this one.
    with pytest.raises(StaleWrite):
        svc.private_note_save(actor=user_of(personas.manager), meeting=meeting, text="Overwritten", version=1)
    assert PrivateNote.objects.get(pk=note.pk).text == "Mine"
    assert PrivateNote.objects.count() == 1


def test_a_second_first_save_of_a_private_note_is_refused_not_merged(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    svc.private_note_save(actor=user_of(personas.employee), meeting=meeting, text="Window one", version=0)
    with pytest.raises(StaleWrite):
        svc.private_note_save(actor=user_of(personas.employee), meeting=meeting, text="Window two", version=0)
    assert PrivateNote.objects.get().text == "Window one"


# ---- action items and carry-over ----------------------------------------------------------------------


def test_an_action_item_for_an_outsider_is_refused_and_nothing_written(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    with pytest.raises(DomainError) as exc:
        add_action(personas.manager, meeting, personas.peer)
    assert "owner" in exc.value.fields
    assert not ActionItem.objects.exists()
    assert not AuditEvent.objects.filter(action="action_item.add").exists()


def test_an_empty_action_item_is_refused(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    with pytest.raises(DomainError):
        add_action(personas.manager, meeting, personas.employee, text="")
    assert not ActionItem.objects.exists()


def test_a_meeting_of_a_series_you_are_not_in_refuses_every_write(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee))
    peer = user_of(personas.peer)
    with pytest.raises(NotFound):
        svc.action_item_add(actor=peer, meeting=meeting, owner=personas.peer, text="x")
    with pytest.raises(NotFound):
        svc.meeting_notes_save(actor=peer, meeting=meeting, text="x", version=1)
    with pytest.raises(NotFound):
        svc.meeting_complete(actor=peer, meeting=meeting)
    with pytest.raises(NotFound):
        svc.meeting_schedule(actor=peer, series=meeting.series, held_on=MONDAY)
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.UPCOMING and meeting.shared_notes == "" and not ActionItem.objects.exists()


def test_open_action_items_carry_over_until_done(personas):
    series = start_one_on_one(personas.manager, personas.employee, held_on=MONDAY)
    first = next_meeting(series)
    item = add_action(personas.manager, first, personas.employee, "Draft the plan")
    second = hold(personas.manager, first)
    assert second is not None
    from jixiao.conversations.selectors_meetings import one_on_one_page

    page = one_on_one_page(user=user_of(personas.employee), series=series)
    assert page.meeting == second
    assert [a.pk for a in page.carried] == [item.pk]
    third = hold(personas.employee, second)
    assert third is not None
    page = one_on_one_page(user=user_of(personas.employee), series=series)
    assert [a.pk for a in page.carried] == [item.pk]
    svc.action_item_complete(actor=user_of(personas.employee), item=item)
    page = one_on_one_page(user=user_of(personas.employee), series=series)
    assert page.carried == []
    svc.action_item_reopen(actor=user_of(personas.manager), item=item)
    page = one_on_one_page(user=user_of(personas.employee), series=series)
    assert [a.pk for a in page.carried] == [item.pk]
    assert ActionItem.objects.count() == 1  # carried over by a query, never copied


# ---- meetings by the cadence ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "expected"),
    [("weekly", dt.date(2030, 3, 11)), ("biweekly", dt.date(2030, 3, 18)), ("monthly", dt.date(2030, 4, 4))],
)
def test_holding_a_meeting_plans_the_next_by_the_cadence(personas, cadence, expected, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a: MONDAY)
    series = start_one_on_one(personas.manager, personas.employee, cadence=cadence, held_on=MONDAY)
    following = hold(personas.employee, next_meeting(series))
    assert following is not None and following.held_on == expected
    assert Meeting.objects.get(pk=next_meeting(series).pk) == following


def test_without_a_rhythm_the_next_meeting_is_planned_by_hand(personas):
    series = start_one_on_one(personas.manager, personas.employee, cadence="none", held_on=MONDAY)
    assert hold(personas.manager, next_meeting(series)) is None
    planned = svc.meeting_schedule(actor=user_of(personas.employee), series=series, held_on=dt.date(2030, 3, 20))
    assert next_meeting(series) == planned


def test_a_meeting_is_marked_held_only_once(personas):
    meeting = next_meeting(start_one_on_one(personas.manager, personas.employee, held_on=MONDAY))
    hold(personas.manager, meeting)
    with pytest.raises(DomainError):
        hold(personas.employee, meeting)
    assert Meeting.objects.filter(state=Meeting.State.UPCOMING).count() == 1


def test_the_next_meeting_cannot_be_planned_before_the_last_held(personas):
    series = start_one_on_one(personas.manager, personas.employee, held_on=MONDAY)
    hold(personas.manager, next_meeting(series))
    with pytest.raises(DomainError):
        svc.meeting_schedule(actor=user_of(personas.manager), series=series, held_on=MONDAY - dt.timedelta(days=1))


def test_a_late_meeting_plans_the_next_one_in_the_future(personas, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2030, 5, 1))
    assert svc.next_date("weekly", MONDAY, today=dt.date(2030, 5, 1)) == dt.date(2030, 5, 6)
    assert svc.next_date("monthly", dt.date(2030, 1, 31), today=dt.date(2030, 1, 31)) == dt.date(2030, 2, 28)
    assert svc.next_date("none", MONDAY, today=MONDAY) is None


# ---- archive, restore, cancel ----------------------------------------------------------------------------


def test_either_participant_archives_and_restores_a_1on1_and_each_is_audited(personas):
    series = start_one_on_one(personas.manager, personas.employee)
    svc.one_on_one_archive(actor=user_of(personas.employee), series=series)
    assert OneOnOne.objects.get(pk=series.pk).archived
    svc.one_on_one_restore(actor=user_of(personas.manager), series=series)
    assert not OneOnOne.objects.get(pk=series.pk).archived
    events = AuditEvent.objects.filter(target_type="conversations.oneonone", target_id=str(series.pk))
    assert list(events.order_by("pk").values_list("action", flat=True)) == [
        "one_on_one.start",
        "one_on_one.archive",
        "one_on_one.restore",
    ]


def test_an_archived_1on1_changes_no_more_until_it_is_restored(personas):
    series = start_one_on_one(personas.manager, personas.employee)
    meeting = next_meeting(series)
    svc.one_on_one_archive(actor=user_of(personas.manager), series=series)
    meeting.series.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        add_topic(personas.employee, meeting, "Anything")
    assert exc.value.code == "archived"
    with pytest.raises(DomainError):
        svc.meeting_cancel(actor=user_of(personas.employee), meeting=meeting)
    assert not AgendaItem.objects.exists() and next_meeting(series).state == Meeting.State.UPCOMING
    svc.one_on_one_restore(actor=user_of(personas.employee), series=meeting.series)
    add_topic(personas.employee, meeting, "Back to it")
    assert AgendaItem.objects.count() == 1


def test_archiving_twice_or_restoring_an_active_1on1_is_refused(personas):
    series = start_one_on_one(personas.manager, personas.employee)
    with pytest.raises(DomainError):
        svc.one_on_one_restore(actor=user_of(personas.manager), series=series)
    svc.one_on_one_archive(actor=user_of(personas.manager), series=series)
    with pytest.raises(DomainError):
        svc.one_on_one_archive(actor=user_of(personas.employee), series=series)
    assert AuditEvent.objects.filter(action__in=["one_on_one.archive", "one_on_one.restore"]).count() == 1


@pytest.mark.parametrize("name", ["peer", "skip", "scoped_hr", "admin"])
def test_nobody_outside_the_1on1_archives_restores_or_cancels_it(personas, name):
    series = start_one_on_one(personas.manager, personas.employee)
    meeting = next_meeting(series)
    value = getattr(personas, name)
    actor = value.user if hasattr(value, "user") and not hasattr(value, "username") else value
    for call in (
        lambda: svc.one_on_one_archive(actor=actor, series=series),
        lambda: svc.meeting_cancel(actor=actor, meeting=meeting),
    ):
        with pytest.raises(NotFound):
            call()
    svc.one_on_one_archive(actor=user_of(personas.manager), series=series)
    with pytest.raises(NotFound):
        svc.one_on_one_restore(actor=actor, series=series)
    assert OneOnOne.objects.get(pk=series.pk).archived
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.UPCOMING


def test_starting_an_archived_1on1_again_restores_it_and_says_so_in_the_audit_log(personas):
    series = start_one_on_one(personas.manager, personas.employee)
    svc.one_on_one_archive(actor=user_of(personas.manager), series=series)
    again = start_one_on_one(personas.employee, personas.manager)
    assert again.pk == series.pk and not OneOnOne.objects.get(pk=series.pk).archived
    assert AuditEvent.objects.filter(action="one_on_one.restore", target_id=str(series.pk)).exists()


def test_cancelling_the_upcoming_meeting_plans_the_next_by_the_rhythm_and_moves_its_topics(personas, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a: MONDAY)
    series = start_one_on_one(personas.manager, personas.employee, cadence="weekly", held_on=MONDAY)
    meeting = next_meeting(series)
    add_topic(personas.employee, meeting, "First topic")
    add_topic(personas.manager, meeting, "Second topic")
    add_action(personas.manager, meeting, personas.employee, "Still to do")
    following = svc.meeting_cancel(actor=user_of(personas.employee), meeting=meeting)
    assert following is not None and following.held_on == dt.date(2030, 3, 11)
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.CANCELLED
    assert next_meeting(series) == following
    assert list(following.agenda.order_by("order", "pk").values_list("text", flat=True)) == [
        "First topic",
        "Second topic",
    ]
    # The open action item carries over, as it would from a held meeting.
    assert ActionItem.objects.filter(series=series, done_at__isnull=True).count() == 1
    event = AuditEvent.objects.get(action="meeting.cancel", target_id=str(meeting.pk))
    assert event.after is not None and event.after["topics_moved"] == 2 and event.after["state"] == "cancelled"


def test_without_a_rhythm_nothing_is_planned_and_the_topics_wait_for_the_next_meeting(personas):
    series = start_one_on_one(personas.manager, personas.employee, cadence="none", held_on=MONDAY)
    cancelled = next_meeting(series)
    add_topic(personas.employee, cancelled, "Kept topic")
    assert svc.meeting_cancel(actor=user_of(personas.manager), meeting=cancelled) is None
    assert not Meeting.objects.filter(series=series, state=Meeting.State.UPCOMING).exists()
    assert AgendaItem.objects.get().meeting_id == cancelled.pk
    # The topic waits for the next meeting planned by hand.
    planned = svc.meeting_schedule(actor=user_of(personas.employee), series=series, held_on=dt.date(2030, 3, 20))
    assert AgendaItem.objects.get().meeting_id == planned.pk


def test_only_an_upcoming_meeting_can_be_cancelled(personas):
    series = start_one_on_one(personas.manager, personas.employee, held_on=MONDAY)
    held = next_meeting(series)
    hold(personas.manager, held)
    with pytest.raises(DomainError):
        svc.meeting_cancel(actor=user_of(personas.manager), meeting=held)
    upcoming = next_meeting(series)
    svc.meeting_cancel(actor=user_of(personas.manager), meeting=upcoming)
    with pytest.raises(DomainError):
        svc.meeting_cancel(actor=user_of(personas.employee), meeting=upcoming)
    assert Meeting.objects.get(pk=held.pk).state == Meeting.State.DONE
    assert AuditEvent.objects.filter(action="meeting.cancel").count() == 1
