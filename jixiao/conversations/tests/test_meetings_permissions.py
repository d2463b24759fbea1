"""1:1 meetings: who reads and writes what — the two participants only; a private note its author only."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from jixiao.conversations import permissions
from jixiao.conversations import services_meetings as svc
from jixiao.conversations.selectors_meetings import my_one_on_ones
from jixiao.conversations.testing_meetings import add_action, add_topic, next_meeting, start_one_on_one, user_of

pytestmark = pytest.mark.django_db

OUTSIDE = ["peer", "skip", "ceo", "rnd_head", "scoped_hr", "other_hr", "admin", "executive", "outsider"]


def _user(personas, name):
    value = getattr(personas, name)
    return value.user if hasattr(value, "user") and not hasattr(value, "username") else value


@pytest.fixture
def series(personas):
    s = start_one_on_one(personas.manager, personas.employee)
    meeting = next_meeting(s)
    add_topic(personas.employee, meeting, "Career path")
    add_action(personas.manager, meeting, personas.employee, "Book the course")
    svc.meeting_notes_save(actor=user_of(personas.manager), meeting=meeting, text="SHARED-TEXT", version=1)
    svc.private_note_save(actor=user_of(personas.manager), meeting=meeting, text="MANAGER-PRIVATE", version=0)
    svc.private_note_save(actor=user_of(personas.employee), meeting=meeting, text="EMPLOYEE-PRIVATE", version=0)
    return s


@pytest.mark.parametrize("name", ["manager", "employee"])
def test_both_participants_open_the_series_and_its_meeting(personas, series, name):
    user = _user(personas, name)
    assert permissions.one_on_one_for_user(user, series.pk) == series
    meeting = next_meeting(series)
    assert permissions.meeting_for_user(user, meeting.pk, write=True) == meeting
    assert [row.series.pk for row in my_one_on_ones(user)] == [series.pk]


@pytest.mark.parametrize("name", OUTSIDE)
def test_nobody_else_opens_a_1on1_not_managers_above_nor_hr_nor_admins(personas, series, name):
    user = _user(personas, name)
    meeting = next_meeting(series)
    with pytest.raises(Http404):
        permissions.one_on_one_for_user(user, series.pk)
    with pytest.raises(Http404):
        permissions.meeting_for_user(user, meeting.pk)
    with pytest.raises(Http404):
        permissions.agenda_item_for_user(user, meeting.agenda.get().pk)
    with pytest.raises(Http404):
        permissions.action_item_for_user(user, meeting.actions.get().pk)
    assert my_one_on_ones(user) == []


def test_missing_and_garbage_ids_answer_404(personas, series):
    user = user_of(personas.manager)
    for bad in (0, 999_999, "x", None):
        with pytest.raises(Http404):
            permissions.one_on_one_for_user(user, bad)
        with pytest.raises(Http404):
            permissions.meeting_for_user(user, bad)


def test_an_archived_series_is_read_but_not_written(personas, series):
    series.archived = True
    series.save(update_fields=["archived"])
    user = user_of(personas.employee)
    assert permissions.one_on_one_for_user(user, series.pk)
    with pytest.raises(Http404):
        permissions.one_on_one_for_user(user, series.pk, write=True)
    with pytest.raises(Http404):
        permissions.meeting_for_user(user, next_meeting(series).pk, write=True)


# ---- the page, persona by persona: shared notes to both, a private note to its author only ------------------


@pytest.mark.parametrize(
    ("name", "sees", "hidden"),
    [
        ("manager", ["SHARED-TEXT", "MANAGER-PRIVATE"], ["EMPLOYEE-PRIVATE"]),
        ("employee", ["SHARED-TEXT", "EMPLOYEE-PRIVATE"], ["MANAGER-PRIVATE"]),
    ],
)
def test_each_participant_reads_the_shared_notes_and_only_her_own_private_note(
    client, personas, series, name, sees, hidden
):
    client.force_login(_user(personas, name))
    for url in (
        reverse("conversations:one_on_one", args=[series.pk]),
        reverse("conversations:meeting", args=[next_meeting(series).pk]),
    ):
        body = client.get(url).content.decode()
        for text in sees:
            assert text in body
        for text in hidden:
            assert text not in body


@pytest.mark.parametrize("name", OUTSIDE)
def test_everyone_else_gets_404_on_every_1on1_page_and_write(client, personas, series, name):
    client.force_login(_user(personas, name))
    meeting = next_meeting(series)
    item, action = meeting.agenda.get(), meeting.actions.get()
    gets = [
        reverse("conversations:one_on_one", args=[series.pk]),
        reverse("conversations:meeting", args=[meeting.pk]),
    ]
    posts = [
        (reverse("conversations:meeting_notes", args=[meeting.pk]), {"text": "hack", "version": 2}),
        (reverse("conversations:private_notes", args=[meeting.pk]), {"text": "hack", "version": 1}),
        (reverse("conversations:agenda_add", args=[meeting.pk]), {"text": "hack"}),
        (reverse("conversations:agenda_change", args=[item.pk]), {"op": "remove"}),
        (reverse("conversations:action_add", args=[meeting.pk]), {"text": "hack", "owner": personas.employee.pk}),
        (reverse("conversations:action_change", args=[action.pk]), {"op": "done"}),
        (reverse("conversations:meeting_complete", args=[meeting.pk]), {}),
        (reverse("conversations:meeting_schedule", args=[series.pk]), {"held_on": "2031-01-01"}),
        (reverse("conversations:meeting_cancel", args=[meeting.pk]), {}),
        (reverse("conversations:one_on_one_archive", args=[series.pk]), {}),
        (reverse("conversations:one_on_one_restore", args=[series.pk]), {}),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 404
        assert b"PRIVATE" not in response.content and b"SHARED-TEXT" not in response.content
    for url, data in posts:
        assert client.post(url, data).status_code == 404
    meeting.refresh_from_db()
    assert meeting.state == "upcoming" and not meeting.series.archived
    assert meeting.shared_notes == "SHARED-TEXT" and meeting.version == 2
    assert meeting.agenda.count() == 1 and meeting.actions.get().done_at is None
    assert "hack" not in str(list(meeting.private_notes.values_list("text", flat=True)))
