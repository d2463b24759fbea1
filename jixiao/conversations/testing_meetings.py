"""Factories for tests of 1:1 meetings: they go through the services, as people do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jixiao.org.models import Employee

from . import services_meetings
from .models import ActionItem, AgendaItem, Meeting, OneOnOne
from .testing_feedback import user_of as user_of  # the meetings' tests take it from here too


def start_one_on_one(
    one: Employee,
    other: Employee,
    *,
    cadence: str = OneOnOne.Cadence.WEEKLY,
    held_on: dt.date | None = None,
    title: str = "",
) -> OneOnOne:
    """A 1:1 series started by `one` with `other`, with its first (upcoming) meeting."""
    return services_meetings.one_on_one_start(
        actor=user_of(one), other=other, cadence=cadence, title=title, held_on=held_on
    )


def next_meeting(series: OneOnOne) -> Meeting:
    meeting = series.meetings.filter(state=Meeting.State.UPCOMING).order_by("held_on", "pk").first()
    assert meeting is not None, "the series has no upcoming meeting"
    return meeting


def add_topic(by: Employee, meeting: Meeting, text: str = "How is the launch going?", **links: Any) -> AgendaItem:
    return services_meetings.agenda_item_add(actor=user_of(by), meeting=meeting, text=text, **links)


def add_action(
    by: Employee, meeting: Meeting, owner: Employee, text: str = "Send the draft plan", due_on: dt.date | None = None
) -> ActionItem:
    return services_meetings.action_item_add(actor=user_of(by), meeting=meeting, owner=owner, text=text, due_on=due_on)


def hold(by: Employee, meeting: Meeting) -> Meeting | None:
    """Mark the meeting held; returns the next one planned by the cadence."""
    return services_meetings.meeting_complete(actor=user_of(by), meeting=meeting)


def many_meetings(series: OneOnOne, count: int, *, first: dt.date = dt.date(2020, 1, 6)) -> list[Meeting]:
    """`count` held meetings in bulk (for query-count tests), a week apart, each with an agenda item and an open
    action item owned by the series' first participant."""
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(series=series, held_on=first + dt.timedelta(days=7 * i), state=Meeting.State.DONE)
            for i in range(count)
        ]
    )
    if not meetings or meetings[0].pk is None:
        meetings = list(Meeting.objects.filter(series=series, state=Meeting.State.DONE).order_by("held_on", "pk"))
    AgendaItem.objects.bulk_create(
        [AgendaItem(meeting=m, author_id=series.first_id, text=f"Topic {i}", order=1) for i, m in enumerate(meetings)]
    )
    ActionItem.objects.bulk_create(
        [
            ActionItem(series=series, meeting=m, owner_id=series.first_id, text=f"Action {i}")
            for i, m in enumerate(meetings)
        ]
    )
    return meetings
