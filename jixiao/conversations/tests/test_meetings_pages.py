"""1:1 pages: my 1:1s with the picker, the 1:1 page, autosave, suggested agenda, fixed query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jixiao.conversations import services_meetings as svc
from jixiao.conversations.models import ActionItem, AgendaItem, Meeting, OneOnOne
from jixiao.conversations.selectors_meetings import PAST_PAGE, action_items_in
from jixiao.conversations.testing_meetings import (
    add_action,
    add_topic,
    hold,
    many_meetings,
    next_meeting,
    start_one_on_one,
)
from jixiao.goals.services import key_result_check_in
from jixiao.goals.testing import make_objective, make_period

pytestmark = pytest.mark.django_db


def test_my_1on1s_says_what_to_do_when_there_are_none(client, personas):
    client.force_login(personas.employee.user)
    response = client.get(reverse("conversations:one_on_ones"))
    assert response.status_code == 200
    assert b'data-testid="no-series"' in response.content


def test_my_1on1s_lists_each_series_with_its_next_date_and_open_actions(client, personas):
    series = start_one_on_one(personas.manager, personas.employee, held_on=dt.date(2030, 3, 4))
    add_action(personas.manager, next_meeting(series), personas.employee)
    add_action(personas.manager, next_meeting(series), personas.manager)
    client.force_login(personas.employee.user)
    body = client.get(reverse("conversations:one_on_ones")).content.decode()
    assert personas.manager.name in body
    assert "2030-03-04" in body
    assert '<span class="jxm-count">2</span>' in body


def test_the_picker_finds_colleagues_but_not_oneself(client, personas):
    client.force_login(personas.employee.user)
    response = client.get(reverse("conversations:one_on_ones"), {"q": "赵"}, headers={"HX-Request": "true"})
    assert personas.peer.name in response.content.decode()
    response = client.get(reverse("conversations:one_on_ones"), {"q": "王小明"}, headers={"HX-Request": "true"})
    assert b'data-testid="no-candidates"' in response.content


def test_starting_a_1on1_from_the_picker_opens_it(client, personas):
    client.force_login(personas.employee.user)
    response = client.post(reverse("conversations:one_on_ones"), {"other": personas.peer.pk, "cadence": "monthly"})
    series = OneOnOne.objects.get()
    assert response.status_code == 302 and response.url == reverse("conversations:one_on_one", args=[series.pk])
    assert series.cadence == "monthly"
    assert "add the first topics" in client.get(response.url).content.decode()


def test_starting_a_1on1_the_two_already_have_opens_it_and_says_so(client, personas):
    series = start_one_on_one(personas.peer, personas.employee)
    client.force_login(personas.employee.user)
    response = client.post(
        reverse("conversations:one_on_ones"), {"other": personas.peer.pk, "cadence": "weekly"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("conversations:one_on_one", args=[series.pk])
    assert "You already have a 1:1 with" in response.content.decode()
    assert "add the first topics" not in response.content.decode()
    assert OneOnOne.objects.count() == 1


def test_starting_a_1on1_with_nobody_is_refused_with_a_message(client, personas):
    client.force_login(personas.employee.user)
    response = client.post(reverse("conversations:one_on_ones"), {"other": 999_999, "cadence": "weekly"}, follow=True)
    assert b"Pick a colleague" in response.content
    assert not OneOnOne.objects.exists()


def test_the_1on1_page_shows_agenda_notes_private_hint_and_carried_actions(client, personas):
    series = start_one_on_one(personas.manager, personas.employee, held_on=dt.date(2030, 3, 4))
    first = next_meeting(series)
    add_action(personas.manager, first, personas.employee, "Finish the onboarding guide")
    second = hold(personas.manager, first)
    assert second is not None
    add_topic(personas.employee, second, "Conference next month")
    client.force_login(personas.employee.user)
    body = client.get(reverse("conversations:one_on_one", args=[series.pk])).content.decode()
    assert "Conference next month" in body
    assert "Only you can read this" in body
    assert 'data-testid="carried-from"' in body and "2030-03-04" in body
    assert "Finish the onboarding guide" in body


def test_adding_a_topic_ticking_it_and_an_empty_topic(client, personas):
    series = start_one_on_one(personas.manager, personas.employee)
    meeting = next_meeting(series)
    client.force_login(personas.employee.user)
    client.post(reverse("conversations:agenda_add", args=[meeting.pk]), {"text": "My promotion"})
    item = AgendaItem.objects.get()
    client.post(reverse("conversations:agenda_change", args=[item.pk]), {"op": "discussed"})
    assert AgendaItem.objects.get().discussed
    response = client.post(reverse("conversations:agenda_add", args=[meeting.pk]), {"text": ""}, follow=True)
    assert b"Write the topic first." in response.content
    assert AgendaItem.objects.count() == 1


def test_an_action_item_for_an_outsider_through_the_page_is_refused(client, personas):
    series = start_one_on_one(personas.manager, personas.employee)
    client.force_login(personas.manager.user)
    response = client.post(
        reverse("conversations:action_add", args=[next_meeting(series).pk]),
        {"text": "Do it", "owner": personas.peer.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert not ActionItem.objects.exists()


def test_an_action_item_is_added_and_ticked_done_on_the_page(client, personas):
    series = start_one_on_one(personas.manager, personas.employee)
    client.force_login(personas.manager.user)
    client.post(
        reverse("conversations:action_add", args=[next_meeting(series).pk]),
        {"text": "Share the slides", "owner": personas.employee.pk, "due_on": "2030-03-10"},
    )
    item = ActionItem.objects.get()
    assert (item.owner_id, item.due_on) == (personas.employee.pk, dt.date(2030, 3, 10))
    client.post(reverse("conversations:action_change", args=[item.pk]), {"op": "done", "back": "series"})
    assert ActionItem.objects.get().done_at is not None


def test_shared_notes_autosave_says_saved_at_and_a_stale_save_answers_409(client, personas):
    series = start_one_on_one(personas.manager, personas.employee)
    meeting = next_meeting(series)
    url = reverse("conversations:meeting_notes", args=[meeting.pk])
    client.force_login(personas.manager.user)
    response = client.post(url, {"text": "Agreed on Q3", "version": 1}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"Saved at" in response.content and b'value="2"' in response.content
    client.force_login(personas.employee.user)
    response = client.post(url, {"text": "Mine", "version": 1}, headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert Meeting.objects.get(pk=meeting.pk).shared_notes == "Agreed on Q3"


def test_private_notes_autosave_from_version_zero(client, personas):
    series = start_one_on_one(personas.manager, personas.employee)
    meeting = next_meeting(series)
    client.force_login(personas.employee.user)
    url = reverse("conversations:private_notes", args=[meeting.pk])
    response = client.post(url, {"text": "Ask about the raise", "version": 0}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and b'value="1"' in response.content
    response = client.post(url, {"text": "Ask about the raise!", "version": 1}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and b'value="2"' in response.content


def test_the_suggested_agenda_offers_the_reports_at_risk_goals_check_ins_and_open_actions(client, personas):
    today = timezone.localdate()
    period = make_period(personas.admin, start=today - dt.timedelta(days=30), end=today + dt.timedelta(days=60))
    risky = make_objective(personas.admin, period, employee=personas.employee, title="Win three new accounts")
    key_result_check_in(
        actor=personas.employee.user, key_result=risky.key_results.get(), value=2, confidence="at_risk", comment="Slow"
    )
    own = make_objective(personas.admin, period, employee=personas.manager, title="Manager's own goal")
    key_result_check_in(actor=personas.manager.user, key_result=own.key_results.get(), value=2, confidence="at_risk")
    series = start_one_on_one(personas.manager, personas.employee)
    add_action(personas.manager, next_meeting(series), personas.employee, "Call the customer")
    client.force_login(personas.manager.user)
    body = client.get(reverse("conversations:one_on_one", args=[series.pk])).content.decode()
    assert "Win three new accounts" in body
    assert "Manager&#x27;s own goal" not in body and "Manager's own goal" not in body  # the report's goals only
    assert 'data-kind="action"' in body
    # "Add to agenda" links the goal.
    client.post(
        reverse("conversations:agenda_add", args=[next_meeting(series).pk]),
        {"text": "Win three new accounts", "objective": risky.pk},
    )
    assert AgendaItem.objects.get().objective_id == risky.pk


def test_past_meetings_page_by_keyset(client, personas):
    series = start_one_on_one(personas.manager, personas.employee, held_on=dt.date(2030, 1, 1))
    many_meetings(series, PAST_PAGE + 3)
    client.force_login(personas.employee.user)
    url = reverse("conversations:one_on_one", args=[series.pk])
    body = client.get(url).content.decode()
    assert body.count('data-testid="past-meeting"') == PAST_PAGE
    cursor = body.split("?before=")[1].split('"')[0]
    more = client.get(url, {"before": cursor}, headers={"HX-Request": "true"}).content.decode()
    assert more.count('data-testid="past-meeting"') == 3


# ---- fixed query counts ------------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_1on1_page_runs_the_same_queries_for_ten_and_many_meetings(client, personas, django_assert_num_queries):
    small = start_one_on_one(personas.manager, personas.employee, held_on=dt.date(2031, 1, 1))
    many_meetings(small, 10)
    big = start_one_on_one(personas.manager, personas.peer, held_on=dt.date(2031, 1, 1))
    many_meetings(big, 300)
    for s in (small, big):
        meeting = next_meeting(s)
        for i in range(3 if s is small else 40):
            add_topic(personas.manager, meeting, f"Topic {i}")
            add_action(personas.manager, meeting, personas.manager, f"Action {i}")
    client.force_login(personas.manager.user)
    client.get(reverse("conversations:one_on_ones"))  # warm the session
    small_url = reverse("conversations:one_on_one", args=[small.pk])
    big_url = reverse("conversations:one_on_one", args=[big.pk])
    assert _count(client, small_url) == _count(client, big_url)
    with django_assert_num_queries(_count(client, small_url)):
        client.get(big_url)


def test_my_1on1s_runs_the_same_queries_for_one_and_many_series(client, personas):
    start_one_on_one(personas.manager, personas.employee)
    client.force_login(personas.manager.user)
    one = _count(client, reverse("conversations:one_on_ones"))
    for other in (personas.peer, personas.skip, personas.ceo, personas.rnd_head):
        series = start_one_on_one(personas.manager, other)
        add_action(personas.manager, next_meeting(series), other)
    assert _count(client, reverse("conversations:one_on_ones")) == one


# ---- the evidence panel's selector --------------------------------------------------------------------


def test_action_items_in_lists_a_persons_items_of_the_readers_own_series_in_one_query(
    personas, django_assert_num_queries
):
    mine = start_one_on_one(personas.manager, personas.employee)
    theirs = start_one_on_one(personas.peer, personas.employee)
    inside = add_action(personas.manager, next_meeting(mine), personas.employee, "In range", due_on=dt.date(2030, 6, 1))
    add_action(personas.peer, next_meeting(theirs), personas.employee, "Another series")
    add_action(personas.manager, next_meeting(mine), personas.manager, "Not hers")
    old = add_action(personas.manager, next_meeting(mine), personas.employee, "Long ago")
    ActionItem.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=800))
    user = personas.manager.user
    user.refresh_from_db()
    today = timezone.localdate()
    from jixiao.org.selectors import actor_context

    actor_context(user)
    with django_assert_num_queries(1):
        items = action_items_in(user, personas.employee, today - dt.timedelta(days=30), today)
    assert [i.text for i in items] == ["In range"] and items[0] == inside
    assert [i.text for i in action_items_in(user, personas.employee, dt.date(2030, 5, 1), dt.date(2030, 6, 30))] == [
        "In range"
    ]
    # HR and the managers above read no 1:1: they get nothing.
    assert action_items_in(personas.scoped_hr, personas.employee, today - dt.timedelta(days=30), today) == []
    assert action_items_in(personas.skip.user, personas.employee, today - dt.timedelta(days=30), today) == []


# ---- archive, restore, cancel -----------------------------------------------------------------------------


def test_the_1on1_page_offers_to_cancel_the_meeting_and_archive_and_an_archived_one_to_restore(client, personas):
    series = start_one_on_one(personas.manager, personas.employee)
    client.force_login(personas.employee.user)
    url = reverse("conversations:one_on_one", args=[series.pk])
    body = client.get(url).content.decode()
    assert 'data-testid="cancel-meeting"' in body and 'data-testid="archive"' in body
    assert 'data-testid="restore"' not in body
    response = client.post(reverse("conversations:one_on_one_archive", args=[series.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("conversations:one_on_ones")
    assert "1:1 archived" in response.content.decode()
    body = client.get(url).content.decode()
    assert 'data-testid="archived-note"' in body and 'data-testid="restore"' in body
    for gone in (
        'data-testid="archive"',
        'data-testid="cancel-meeting"',
        'data-testid="agenda-add"',
        'data-testid="suggestions"',
    ):
        assert gone not in body
    client.post(reverse("conversations:one_on_one_restore", args=[series.pk]))
    assert not OneOnOne.objects.get(pk=series.pk).archived
    assert 'data-testid="agenda-add"' in client.get(url).content.decode()


def test_an_archived_1on1_leaves_my_list_until_i_ask_for_the_archived_ones(client, personas):
    kept = start_one_on_one(personas.manager, personas.employee)
    put_away = start_one_on_one(personas.manager, personas.peer)
    client.force_login(personas.manager.user)
    client.post(reverse("conversations:one_on_one_archive", args=[put_away.pk]))
    body = client.get(reverse("conversations:one_on_ones")).content.decode()
    assert body.count('data-testid="series-row"') == 1 and personas.peer.name not in body
    assert 'data-testid="show-archived"' in body
    body = client.get(reverse("conversations:one_on_ones") + "?archived=1").content.decode()
    assert body.count('data-testid="series-row"') == 2 and body.count('data-testid="series-archived"') == 1
    assert 'data-testid="hide-archived"' in body
    # The archived one comes last.
    assert body.index(personas.employee.name) < body.index(personas.peer.name)
    assert kept.pk != put_away.pk


def test_my_archived_1on1s_run_the_same_queries_for_one_and_many_series(client, personas):
    url = reverse("conversations:one_on_ones") + "?archived=1"
    first = start_one_on_one(personas.manager, personas.employee)
    svc.one_on_one_archive(actor=personas.manager.user, series=first)
    client.force_login(personas.manager.user)
    one = _count(client, url)
    for other in (personas.peer, personas.skip, personas.ceo, personas.rnd_head):
        series = start_one_on_one(personas.manager, other)
        add_action(personas.manager, next_meeting(series), other)
        svc.one_on_one_archive(actor=personas.manager.user, series=series)
    assert _count(client, url) == one == _count(client, reverse("conversations:one_on_ones"))


def test_cancelling_from_the_page_says_when_the_next_meeting_is_and_keeps_the_cancelled_one_in_the_history(
    client, personas
):
    series = start_one_on_one(personas.manager, personas.employee, held_on=dt.date(2031, 1, 6))
    meeting = next_meeting(series)
    add_topic(personas.employee, meeting, "Holiday plans")
    client.force_login(personas.manager.user)
    response = client.post(reverse("conversations:meeting_cancel", args=[meeting.pk]), follow=True)
    body = response.content.decode()
    assert "Meeting cancelled. The next one is on 2031-01-13" in body
    assert "Holiday plans" in body  # moved to the next meeting
    assert 'data-testid="past-cancelled"' in body
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.CANCELLED


def test_cancelling_a_meeting_already_held_is_refused_with_a_message(client, personas):
    series = start_one_on_one(personas.manager, personas.employee, held_on=dt.date(2031, 1, 6))
    meeting = next_meeting(series)
    hold(personas.manager, meeting)
    client.force_login(personas.employee.user)
    response = client.post(reverse("conversations:meeting_cancel", args=[meeting.pk]), follow=True)
    assert "Only an upcoming meeting can be cancelled." in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.DONE
