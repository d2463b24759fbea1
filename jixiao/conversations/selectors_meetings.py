"""Reads on 1:1 meetings, each a fixed number of queries whatever the number of meetings and items.

- `my_one_on_ones`: the series the reader takes part in, with the next meeting's date and open action count;
- `one_on_one_page`: one meeting of a series with its agenda, the reader's private note, the open action items
  carried over from earlier meetings, past meetings (keyset "more") and the suggested agenda;
- `action_items_in`: the evidence panel's 1:1 action items of one person in a date range (one query).

Only the two participants read a series (permissions.one_on_one_q); a private note is read by its author only:
every read of PrivateNote here filters on the reader's own employee id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from jixiao.goals.models import CheckIn, Confidence, Objective
from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context

from .models import ActionItem, AgendaItem, Meeting, OneOnOne, PrivateNote
from .permissions import one_on_one_q
from .scope import period_bounds

PAST_PAGE = 10
OPEN_ACTIONS_LIMIT = 200
SUGGESTION_LIMIT = 5
LIST_LIMIT = 200  # my 1:1s: nobody keeps more; the page stays one query and one screenful
CHECK_IN_DAYS = 30


# ---- my 1:1s ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesRow:
    series: OneOnOne
    other: Employee
    next_on: dt.date | None
    open_actions: int


def one_on_ones_of(user: Any) -> QuerySet[OneOnOne]:
    """The series `user` takes part in (the listing's `visible_to`)."""
    q = one_on_one_q(user)
    return OneOnOne.objects.none() if q is None else OneOnOne.objects.filter(q)


def my_one_on_ones(user: Any, *, archived: bool = False) -> list[SeriesRow]:
    """The reader's 1:1s (at most LIST_LIMIT), the soonest next meeting first (one query).

    Archived series are left out unless `archived`; then they come after the others.
    """
    me = actor_context(user).employee_id
    next_meeting = (
        Meeting.objects.filter(series=OuterRef("pk"), state=Meeting.State.UPCOMING)
        .order_by("held_on", "pk")
        .values("held_on")[:1]
    )
    open_actions = (
        ActionItem.objects.filter(series=OuterRef("pk"), done_at__isnull=True)
        .order_by()
        .values("series")
        .annotate(n=Count("pk"))
        .values("n")
    )
    series = one_on_ones_of(user) if archived else one_on_ones_of(user).filter(archived=False)
    rows = (
        series.select_related("first__department", "second__department")
        .annotate(
            next_on=Subquery(next_meeting),
            open_actions=Coalesce(Subquery(open_actions, output_field=IntegerField()), Value(0)),
        )
        .order_by(
            "archived",
            Coalesce("next_on", Value(dt.date(9999, 12, 31))).asc(),
            "-updated_at",
            "-pk",
        )[:LIST_LIMIT]
    )
    return [
        SeriesRow(
            series=s,
            other=s.second if s.first_id == me else s.first,
            next_on=s.next_on,
            open_actions=s.open_actions,
        )
        for s in rows
    ]


# ---- the 1:1 page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "action" | "check_in" | "at_risk"
    text: str
    objective_id: int | None = None
    detail: str = ""


@dataclass
class MeetingPage:
    series: OneOnOne
    me: Employee
    other: Employee
    meeting: Meeting | None
    is_current: bool
    agenda: list[AgendaItem]
    private_note: PrivateNote | None
    actions: list[ActionItem]
    past: list[Meeting]
    past_more: str
    reports: list[Employee]
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def can_edit_agenda(self) -> bool:
        return self.meeting is not None and self.meeting.state == Meeting.State.UPCOMING and not self.series.archived

    @property
    def can_write_notes(self) -> bool:
        return self.meeting is not None and self.meeting.state != Meeting.State.CANCELLED and not self.series.archived

    @property
    def open_actions(self) -> list[ActionItem]:
        return [a for a in self.actions if a.done_at is None]

    @property
    def carried(self) -> list[ActionItem]:
        """Open items agreed in an earlier meeting: they show until done."""
        return [a for a in self.open_actions if self.meeting is None or a.meeting_id != self.meeting.pk]


def _cursor(meeting: Meeting) -> str:
    return f"{meeting.held_on.isoformat()}_{meeting.pk}"


def parse_cursor(value: str | None) -> tuple[dt.date, int] | None:
    """A "more" cursor `YYYY-MM-DD_id`; anything else is ignored (first page)."""
    if not value or "_" not in value:
        return None
    day, _sep, pk = value.partition("_")
    try:
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def past_meetings(
    series: OneOnOne, *, before: tuple[dt.date, int] | None, exclude: int | None = None
) -> tuple[list[Meeting], str]:
    """Held (and cancelled) meetings of the series, newest first, a page at a time by keyset on (held_on, id).

    One query. A cancelled meeting stays in the history, marked as such.
    """
    qs = Meeting.objects.filter(series=series, state__in=(Meeting.State.DONE, Meeting.State.CANCELLED))
    if before is not None:
        day, pk = before
        qs = qs.filter(Q(held_on__lt=day) | Q(held_on=day, pk__lt=pk))
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    rows = list(qs.order_by("-held_on", "-pk").only("pk", "series_id", "held_on", "state")[: PAST_PAGE + 1])
    more = _cursor(rows[PAST_PAGE - 1]) if len(rows) > PAST_PAGE else ""
    return rows[:PAST_PAGE], more


def reports_in(series: OneOnOne) -> list[Employee]:
    """Whose goals the suggested agenda reads: the report when one manages the other, both when peers."""
    first, second = series.first, series.second
    if first.manager_id == second.pk:
        return [first]
    if second.manager_id == first.pk:
        return [second]
    return [first, second]


def _current_meeting(series: OneOnOne) -> Meeting | None:
    """The next upcoming meeting, else the last one held (one query, two when nothing is upcoming)."""
    return (
        Meeting.objects.filter(series=series, state=Meeting.State.UPCOMING).order_by("held_on", "pk").first()
        or Meeting.objects.filter(series=series, state=Meeting.State.DONE).order_by("-held_on", "-pk").first()
    )


def one_on_one_page(
    *, user: Any, series: OneOnOne, meeting: Meeting | None = None, before: tuple[dt.date, int] | None = None
) -> MeetingPage:
    """Everything the 1:1 page shows, in a fixed number of queries (the series comes from the gate)."""
    me_id = actor_context(user).employee_id
    me, other = (series.first, series.second) if series.first_id == me_id else (series.second, series.first)
    if meeting is None:
        meeting = _current_meeting(series)
    is_current = meeting is not None and meeting.state == Meeting.State.UPCOMING
    agenda: list[AgendaItem] = []
    note: PrivateNote | None = None
    actions: list[ActionItem] = []
    if meeting is not None:
        agenda = list(
            AgendaItem.objects.filter(meeting=meeting).select_related("author", "objective").order_by("order", "pk")
        )
        # The reader's own note only: nobody else's is ever loaded.
        note = PrivateNote.objects.filter(meeting=meeting, author_id=me_id).first()
        # Carry-over is a query on the series: every open item from this meeting or an earlier one, plus the
        # items of this meeting already done (so they can be reopened).
        actions = list(
            ActionItem.objects.filter(series=series)
            .filter(Q(done_at__isnull=True, meeting__held_on__lte=meeting.held_on) | Q(meeting=meeting))
            .select_related("owner", "meeting")
            .order_by("done_at", "due_on", "pk")[:OPEN_ACTIONS_LIMIT]
        )
    past, more = past_meetings(series, before=before)
    reports = reports_in(series)
    page = MeetingPage(
        series=series,
        me=me,
        other=other,
        meeting=meeting,
        is_current=is_current,
        agenda=agenda,
        private_note=note,
        actions=actions,
        past=past,
        past_more=more,
        reports=reports,
    )
    if is_current and not series.archived:
        page.suggestions = suggested_agenda(user=user, page=page)
    return page


def suggested_agenda(*, user: Any, page: MeetingPage) -> list[Suggestion]:
    """Topics for the next meeting: open action items, the report's recent check-ins and at-risk goals.

    Two queries (check-ins, at-risk goals), both limited to goals the reader may see; topics already on the
    agenda are left out.
    """
    on_agenda = {item.text for item in page.agenda}
    linked = {item.objective_id for item in page.agenda if item.objective_id}
    out: list[Suggestion] = [
        Suggestion(kind="action", text=a.text, detail=a.owner.name)
        for a in page.open_actions
        if a.text not in on_agenda
    ][:SUGGESTION_LIMIT]
    report_ids = [e.pk for e in page.reports]
    visible = Objective.objects.visible_to(user).filter(employee_id__in=report_ids)
    since = timezone.now() - dt.timedelta(days=CHECK_IN_DAYS)
    check_ins = (
        CheckIn.objects.filter(key_result__objective__in=visible.values("pk"), created_at__gte=since)
        .select_related("key_result__objective")
        .order_by("-created_at", "-pk")[: SUGGESTION_LIMIT * 2]
    )
    seen: set[int] = set()
    for c in check_ins:
        objective = c.key_result.objective
        if objective.pk in seen or objective.pk in linked:
            continue
        seen.add(objective.pk)
        out.append(
            Suggestion(
                kind="check_in",
                text=objective.title,
                objective_id=objective.pk,
                detail=f"{c.key_result.title}: {c.comment}" if c.comment else c.key_result.title,
            )
        )
    today = timezone.localdate()
    at_risk = (
        visible.filter(
            confidence__in=[Confidence.AT_RISK, Confidence.OFF_TRACK],
            period__start__lte=today,
            period__end__gte=today,
        )
        .exclude(pk__in=seen | linked)
        .order_by("pk")
        .only("pk", "title", "confidence")[:SUGGESTION_LIMIT]
    )
    out.extend(
        Suggestion(kind="at_risk", text=o.title, objective_id=o.pk, detail=str(Confidence(o.confidence).label))
        for o in at_risk
    )
    return out


# ---- the evidence panel -------------------------------------------------------------------------------


def action_items_in(
    user: Any, employee: Employee | int, start: dt.date, end: dt.date, *, limit: int = 50
) -> list[ActionItem]:
    """Action items owned by `employee` in the 1:1 series `user` takes part in, created or due in [start, end].

    For the evidence panel on a review (helper J): one query whatever the data size; each item carries its
    `meeting` (held_on) and `series`. Newest first, at most `limit`. Outside her own series the reader gets
    nothing: the managers above and HR do not read a 1:1.
    """
    employee_id = employee if isinstance(employee, int) else employee.pk
    q = one_on_one_q(user)
    if q is None:
        return []
    since, until = period_bounds(start, end)
    return list(
        ActionItem.objects.filter(owner_id=employee_id, series__in=OneOnOne.objects.filter(q).values("pk"))
        .filter(Q(created_at__gte=since, created_at__lt=until) | Q(due_on__gte=start, due_on__lte=end))
        .select_related("meeting", "series")
        .order_by("-created_at", "-pk")[:limit]
    )
