"""Writes on 1:1 meetings (decision 0010): series, meetings, agenda, shared and private notes, action items.

Every function is keyword-only, atomic and audited. The actor must be one of the series' two participants;
anyone else is told "not found" (the gate's answer), so ids cannot be probed. Note texts never go into the
audit log: shared notes belong to the two participants and private notes to their author alone.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError, NotFound, StaleWrite
from jixiao.goals.models import Objective
from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context

from . import permissions
from .models import ActionItem, AgendaItem, Feedback, Meeting, OneOnOne, PrivateNote

AGENDA_MAX = 500
ACTION_MAX = 500
NOTES_MAX = 20_000
TITLE_MAX = 100


# ---- helpers ------------------------------------------------------------------------------------------


def _me(actor: Any) -> int:
    """The actor's employee id; people without one take part in no 1:1."""
    employee_id = actor_context(actor).employee_id
    if employee_id is None:
        raise NotFound(_("1:1 not found."))
    return employee_id


def _participant(actor: Any, series: OneOnOne, *, archived_too: bool = False) -> int:
    """The actor's employee id if she is one of the two participants; "not found" otherwise.

    An archived series changes no more (only `one_on_one_restore` passes `archived_too`).
    """
    me = _me(actor)
    if me not in (series.first_id, series.second_id):
        raise NotFound(_("1:1 not found."))
    if series.archived and not archived_too:
        raise DomainError(_("This 1:1 is archived: it can no longer change."), code="archived")
    return me


def _open_meeting(meeting: Meeting, message: str) -> None:
    if meeting.state != Meeting.State.UPCOMING:
        raise DomainError(message, code="meeting_closed")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_date(cadence: str, after: dt.date, *, today: dt.date) -> dt.date | None:
    """The date of the meeting after one held on `after`, by the cadence, never in the past; None: no rhythm."""
    step = {OneOnOne.Cadence.WEEKLY: 7, OneOnOne.Cadence.BIWEEKLY: 14}.get(cadence)  # type: ignore[call-overload]
    if cadence == OneOnOne.Cadence.MONTHLY:
        day, n = add_months(after, 1), 1
        while day < today:
            n += 1
            day = add_months(after, n)
        return day
    if step is None:
        return None
    day = after + dt.timedelta(days=step)
    if day < today:
        day += dt.timedelta(days=step * -(-(today - day).days // step))
    return day


def _private_label(item: AgendaItem | ActionItem) -> str:
    """What the audit log names an item by: its id, never its words (only the two participants read those)."""
    return f"{item._meta.model_name} {item.pk}"


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("Write something first."), fields={field: [_("Required.")]})
    if len(text) > limit:
        raise DomainError(
            _("That is too long."), fields={field: [_("At most %(n)s characters.") % {"n": f"{limit:,}"}]}
        )
    return text


def _upcoming(series: OneOnOne) -> Meeting | None:
    return series.meetings.filter(state=Meeting.State.UPCOMING).order_by("held_on", "pk").first()


def _take_cancelled_topics(series: OneOnOne, meeting: Meeting) -> int:
    """Move the topics still on the series' cancelled meetings to `meeting`, after its own; how many moved."""
    last = AgendaItem.objects.filter(meeting=meeting).aggregate(last=Max("order"))["last"] or 0
    return AgendaItem.objects.filter(meeting__series=series, meeting__state=Meeting.State.CANCELLED).update(
        meeting=meeting, order=F("order") + last, updated_at=timezone.now()
    )


# ---- series and meetings ------------------------------------------------------------------------------


@transaction.atomic
def one_on_one_start(
    *, actor: Any, other: Employee, cadence: str, title: str = "", held_on: dt.date | None = None
) -> OneOnOne:
    """Start a 1:1 series with a colleague the actor sees in the directory, with its first meeting.

    One series per pair: starting again returns the existing one (brought back if it was archived).
    """
    me = _me(actor)
    if other.pk == me:
        raise DomainError(_("A 1:1 needs two people: choose a colleague."), fields={"other": [_("Not yourself.")]})
    if not Employee.objects.visible_to(actor).filter(pk=other.pk).exists():
        raise DomainError(_("Choose a colleague from the directory."), fields={"other": [_("Not found.")]})
    if cadence not in OneOnOne.Cadence.values:
        raise DomainError(_("Choose how often you meet."), fields={"cadence": [_("Required.")]})
    clean_title = _text(title, field="title", limit=TITLE_MAX, required=False)
    existing = OneOnOne.objects.filter(Q(first_id=me, second=other) | Q(first=other, second_id=me)).first()
    if existing is not None:
        if existing.archived:
            _set_archived(actor, existing, False)
        return existing
    # The lower id first: the unique (first, second) constraint then holds one series per pair.
    low, high = sorted((me, other.pk))
    try:
        with transaction.atomic():
            series = OneOnOne.objects.create(
                first_id=low, second_id=high, title=clean_title, cadence=cadence, created_by=actor
            )
    except IntegrityError:
        return OneOnOne.objects.get(first_id=low, second_id=high)
    meeting = Meeting.objects.create(series=series, held_on=held_on or timezone.localdate())
    record_event(
        actor=actor,
        action="one_on_one.start",
        target=series,
        after={"first": low, "second": high, "cadence": cadence, "title": clean_title, "meeting": meeting.pk},
    )
    return series


def _set_archived(actor: Any, series: OneOnOne, archived: bool) -> OneOnOne:
    _participant(actor, series, archived_too=True)
    if series.archived == archived:
        message = _("This 1:1 is already archived.") if archived else _("This 1:1 is not archived.")
        raise DomainError(message, code="archived")
    OneOnOne.objects.filter(pk=series.pk).update(archived=archived, updated_at=timezone.now())
    series.archived = archived
    record_event(
        actor=actor,
        action="one_on_one.archive" if archived else "one_on_one.restore",
        target=series,
        before={"archived": not archived},
        after={"archived": archived},
    )
    return series


@transaction.atomic
def one_on_one_archive(*, actor: Any, series: OneOnOne) -> OneOnOne:
    """Put a 1:1 away (either participant): it leaves the list and reads as it was; nothing in it changes."""
    return _set_archived(actor, series, True)


@transaction.atomic
def one_on_one_restore(*, actor: Any, series: OneOnOne) -> OneOnOne:
    """Bring an archived 1:1 back (either participant): it is on the list again and open to change."""
    return _set_archived(actor, series, False)


@transaction.atomic
def meeting_schedule(*, actor: Any, series: OneOnOne, held_on: dt.date) -> Meeting:
    """Set the date of the next meeting: move the upcoming one, or plan one when there is none."""
    _participant(actor, series)
    last_held = (
        series.meetings.filter(state=Meeting.State.DONE).aggregate(last=Max("held_on"))["last"] if series.pk else None
    )
    if last_held is not None and held_on < last_held:
        raise DomainError(
            _("The next meeting cannot be before the last one held."), fields={"held_on": [_("Choose a later date.")]}
        )
    meeting = _upcoming(series)
    if meeting is None:
        meeting = Meeting.objects.create(series=series, held_on=held_on)
        _take_cancelled_topics(series, meeting)
        before = None
    else:
        before = {"held_on": meeting.held_on}
        meeting.held_on = held_on
        meeting.save(update_fields=["held_on", "updated_at"])
    record_event(actor=actor, action="meeting.schedule", target=meeting, before=before, after={"held_on": held_on})
    return meeting


@transaction.atomic
def meeting_complete(*, actor: Any, meeting: Meeting) -> Meeting | None:
    """Mark the meeting held and plan the next one by the series' cadence; returns the next meeting, if any.

    Open action items are not copied: they show in every later meeting until done (a query on the series).
    """
    series = meeting.series
    _participant(actor, series)
    done = Meeting.objects.filter(pk=meeting.pk, state=Meeting.State.UPCOMING).update(
        state=Meeting.State.DONE, updated_at=timezone.now()
    )
    if not done:
        raise DomainError(_("This meeting is already marked as held."), code="meeting_closed")
    meeting.state = Meeting.State.DONE
    following = (
        series.meetings.filter(state=Meeting.State.UPCOMING).exclude(pk=meeting.pk).order_by("held_on", "pk").first()
    )
    if following is None:
        day = next_date(series.cadence, meeting.held_on, today=timezone.localdate())
        if day is not None:
            following = Meeting.objects.create(series=series, held_on=day)
    OneOnOne.objects.filter(pk=series.pk).update(updated_at=timezone.now())
    record_event(
        actor=actor,
        action="meeting.complete",
        target=meeting,
        after={"held_on": meeting.held_on, "next": following.held_on if following else None},
    )
    return following


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: Meeting) -> Meeting | None:
    """Call off an upcoming meeting (either participant); returns the next meeting, if any.

    The next one is planned by the series' cadence (as when a meeting is held) and the cancelled meeting's
    topics move to it, so nothing on the agenda is lost (without a rhythm they wait for the next meeting
    planned by hand); open action items carry over as always.
    """
    series = meeting.series
    _participant(actor, series)
    cancelled = Meeting.objects.filter(pk=meeting.pk, state=Meeting.State.UPCOMING).update(
        state=Meeting.State.CANCELLED, updated_at=timezone.now()
    )
    if not cancelled:
        raise DomainError(_("Only an upcoming meeting can be cancelled."), code="meeting_closed")
    meeting.state = Meeting.State.CANCELLED
    following = _upcoming(series)
    if following is None:
        day = next_date(series.cadence, meeting.held_on, today=timezone.localdate())
        if day is not None:
            following = Meeting.objects.create(series=series, held_on=day)
    moved = _take_cancelled_topics(series, following) if following is not None else 0
    OneOnOne.objects.filter(pk=series.pk).update(updated_at=timezone.now())
    record_event(
        actor=actor,
        action="meeting.cancel",
        target=meeting,
        before={"state": Meeting.State.UPCOMING},
        after={
            "state": Meeting.State.CANCELLED,
            "held_on": meeting.held_on,
            "next": following.held_on if following else None,
            "topics_moved": moved,
        },
    )
    return following


# ---- the shared agenda --------------------------------------------------------------------------------


def _check_links(actor: Any, series: OneOnOne, objective: Objective | None, feedback: Feedback | None) -> None:
    """A linked objective must be readable by both participants; linked feedback by the actor."""
    if objective is not None:
        readers = [actor]
        other_id = series.second_id if actor_context(actor).employee_id == series.first_id else series.first_id
        other_user = Employee.objects.filter(pk=other_id).values_list("user", flat=True).first()
        if other_user is not None:
            from jixiao.accounts.models import User

            readers.append(User.objects.get(pk=other_user))
        for reader in readers:
            if not Objective.objects.visible_to(reader).filter(pk=objective.pk).exists():
                raise DomainError(
                    _("Link a goal you can both see."), fields={"objective": [_("Not visible to both of you.")]}
                )
    if feedback is not None:
        try:
            permissions.feedback_for_user(actor, feedback.pk)
        except Http404:
            raise DomainError(_("Link feedback you can read."), fields={"feedback": [_("Not found.")]}) from None


@transaction.atomic
def agenda_item_add(
    *,
    actor: Any,
    meeting: Meeting,
    text: str,
    objective: Objective | None = None,
    feedback: Feedback | None = None,
) -> AgendaItem:
    """Add a topic to a meeting's shared agenda, before or during the meeting, optionally linked."""
    me = _participant(actor, meeting.series)
    _open_meeting(meeting, _("The meeting is over: add the topic to the next one."))
    clean = _text(text, field="text", limit=AGENDA_MAX)
    _check_links(actor, meeting.series, objective, feedback)
    last = AgendaItem.objects.filter(meeting=meeting).aggregate(last=Max("order"))["last"]
    item = AgendaItem.objects.create(
        meeting=meeting,
        author_id=me,
        text=clean,
        objective=objective,
        feedback=feedback,
        order=(last or 0) + 1,
    )
    record_event(
        actor=actor,
        action="agenda_item.add",
        target=item,
        target_label=_private_label(item),
        after={
            "meeting": meeting.pk,
            "objective": objective.pk if objective else None,
            "feedback": feedback.pk if feedback else None,
        },
    )
    return item


@transaction.atomic
def agenda_item_update(
    *, actor: Any, item: AgendaItem, text: str | None = None, discussed: bool | None = None
) -> AgendaItem:
    """Change a topic's words or tick it discussed (either participant, while the meeting is not over)."""
    meeting = item.meeting
    _participant(actor, meeting.series)
    _open_meeting(meeting, _("The meeting is over: its agenda no longer changes."))
    before = {"discussed": item.discussed}
    fields = ["updated_at"]
    if text is not None:
        item.text = _text(text, field="text", limit=AGENDA_MAX)
        fields.append("text")
    if discussed is not None:
        item.discussed = discussed
        fields.append("discussed")
    item.save(update_fields=fields)
    record_event(
        actor=actor,
        action="agenda_item.update",
        target=item,
        target_label=_private_label(item),
        before=before,
        after={"discussed": item.discussed, "text_changed": text is not None},
    )
    return item


@transaction.atomic
def agenda_item_remove(*, actor: Any, item: AgendaItem) -> None:
    """Take a topic off the agenda (either participant, while the meeting is not over)."""
    meeting = item.meeting
    _participant(actor, meeting.series)
    _open_meeting(meeting, _("The meeting is over: its agenda no longer changes."))
    record_event(
        actor=actor,
        action="agenda_item.remove",
        target=item,
        target_label=_private_label(item),
        before={"meeting": meeting.pk},
    )
    item.delete()


@transaction.atomic
def agenda_item_move(*, actor: Any, item: AgendaItem, up: bool) -> AgendaItem:
    """Swap a topic with the one above (up) or below it; at either end nothing changes."""
    meeting = item.meeting
    _participant(actor, meeting.series)
    _open_meeting(meeting, _("The meeting is over: its agenda no longer changes."))
    siblings = AgendaItem.objects.filter(meeting=meeting)
    if up:
        neighbour = (
            siblings.filter(Q(order__lt=item.order) | Q(order=item.order, pk__lt=item.pk))
            .order_by("-order", "-pk")
            .first()
        )
    else:
        neighbour = (
            siblings.filter(Q(order__gt=item.order) | Q(order=item.order, pk__gt=item.pk))
            .order_by("order", "pk")
            .first()
        )
    if neighbour is None:
        return item
    if neighbour.order == item.order:
        # Equal positions (old rows): spread them out before swapping.
        for position, pk in enumerate(siblings.order_by("order", "pk").values_list("pk", flat=True), start=1):
            AgendaItem.objects.filter(pk=pk).update(order=position)
        item.refresh_from_db(fields=["order"])
        neighbour.refresh_from_db(fields=["order"])
    item.order, neighbour.order = neighbour.order, item.order
    AgendaItem.objects.bulk_update([item, neighbour], ["order"])
    record_event(
        actor=actor, action="agenda_item.move", target=item, target_label=_private_label(item), after={"up": up}
    )
    return item


# ---- notes --------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_notes_save(*, actor: Any, meeting: Meeting, text: str, version: int) -> Meeting:
    """Save the meeting's shared notes (autosave); a save based on an older version is refused, never merged."""
    _participant(actor, meeting.series)
    if meeting.state == Meeting.State.CANCELLED:
        raise DomainError(_("This meeting was cancelled."), code="meeting_closed")
    clean = _text(text, field="text", limit=NOTES_MAX, required=False)
    updated = Meeting.objects.filter(pk=meeting.pk, version=version).update(
        shared_notes=clean, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise StaleWrite(_("The other person saved these notes in the meantime. Copy what you typed, then reload."))
    meeting.shared_notes, meeting.version = clean, version + 1
    record_event(actor=actor, action="meeting.notes", target=meeting, after={"version": meeting.version})
    return meeting


@transaction.atomic
def private_note_save(*, actor: Any, meeting: Meeting, text: str, version: int) -> PrivateNote:
    """Save the actor's own private notes on a meeting; nobody else ever reads them.

    `version` is 0 before the first save. The audit event records that a note changed, never its words.
    """
    me = _participant(actor, meeting.series)
    clean = _text(text, field="text", limit=NOTES_MAX, required=False)
    if version == 0:
        try:
            with transaction.atomic():
                note = PrivateNote.objects.create(meeting=meeting, author_id=me, text=clean, version=1)
        except IntegrityError:
            raise StaleWrite(_("You saved these notes in another window. Copy what you typed, then reload.")) from None
    else:
        updated = PrivateNote.objects.filter(meeting=meeting, author_id=me, version=version).update(
            text=clean, version=F("version") + 1, updated_at=timezone.now()
        )
        if not updated:
            raise StaleWrite(_("You saved these notes in another window. Copy what you typed, then reload."))
        note = PrivateNote.objects.get(meeting=meeting, author_id=me)
    record_event(
        actor=actor,
        action="meeting.private_note",
        target_type="conversations.meeting",
        target_id=str(meeting.pk),
        after={"version": note.version},
    )
    return note


# ---- action items -------------------------------------------------------------------------------------


@transaction.atomic
def action_item_add(
    *, actor: Any, meeting: Meeting, owner: Employee, text: str, due_on: dt.date | None = None
) -> ActionItem:
    """Agree on something to do: the owner is one of the two participants; it carries over until done."""
    series = meeting.series
    _participant(actor, series)
    if meeting.state == Meeting.State.CANCELLED:
        raise DomainError(_("This meeting was cancelled."), code="meeting_closed")
    if owner.pk not in (series.first_id, series.second_id):
        raise DomainError(
            _("An action item belongs to one of the two people in the 1:1."),
            fields={"owner": [_("Choose one of you two.")]},
        )
    clean = _text(text, field="text", limit=ACTION_MAX)
    item = ActionItem.objects.create(series=series, meeting=meeting, owner=owner, text=clean, due_on=due_on)
    record_event(
        actor=actor,
        action="action_item.add",
        target=item,
        target_label=_private_label(item),
        after={"meeting": meeting.pk, "owner": owner.pk, "due_on": due_on},
    )
    return item


def _set_done(actor: Any, item: ActionItem, done: bool) -> ActionItem:
    _participant(actor, item.series)
    if (item.done_at is not None) == done:
        return item
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done_at", "updated_at"])
    record_event(
        actor=actor,
        action="action_item.complete" if done else "action_item.reopen",
        target=item,
        target_label=_private_label(item),
        after={"done_at": item.done_at},
    )
    return item


@transaction.atomic
def action_item_complete(*, actor: Any, item: ActionItem) -> ActionItem:
    """Tick an action item done: it stops carrying over."""
    return _set_done(actor, item, True)


@transaction.atomic
def action_item_reopen(*, actor: Any, item: ActionItem) -> ActionItem:
    """Open a done action item again: it carries over again."""
    return _set_done(actor, item, False)
