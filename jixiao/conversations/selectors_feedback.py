"""Reads on continuous feedback: who reads which piece of feedback (decision 0010), feeds, the praise wall, requests.

Visibility lives in one place, `feedback_visibility_q(user)`; every listing, gate, notification and the evidence
panel start from it:

- the giver and the recipient read it;
- "manager" visibility: also the recipient's manager on the day it was given (`recipient_manager`);
- public (praise only): everyone with a current employee record;
- upward feedback (to the giver's own manager) is stored with at least "manager" visibility by `feedback_give`,
  so the manager's own manager always reads it, following the line of that day;
- the requester reads the answers to her requests, whatever their visibility;
- HR and admins read no private feedback through pages (only what they read as employees).

Lists are newest first and paged by keyset on (created_at, id) with a `before` cursor
("<microseconds since 1970>-<id>"), never OFFSET, and run a fixed number of queries whatever their length.

For the evidence panel (review form): `feedback_received_in(user, employee, start, end, limit)` returns what
`user` may read of the feedback `employee` received between the dates `start` and `end` (both included, local
days), newest first, at most `limit` rows, giver and objective loaded — one query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from jixiao.goals.models import CompanyValue, Objective
from jixiao.org.models import Employee, Status
from jixiao.org.selectors import actor_context, directory

from .models import Feedback, FeedbackRequest
from .scope import period_bounds

PAGE_SIZE = 20
SEARCH_LIMIT = 10
CURRENT = (Status.ACTIVE, Status.ON_LEAVE)


def feedback_visibility_q(user: Any) -> Q | None:
    """Who reads which feedback (module docstring); None means "nothing" (no current employee record)."""
    me = actor_context(user).employee_id
    if me is None:
        return None
    return (
        Q(giver_id=me)
        | Q(recipient_id=me)
        | Q(visibility=Feedback.Visibility.MANAGER, recipient_manager_id=me)
        | Q(visibility=Feedback.Visibility.PUBLIC)
        | Q(request__requester_id=me)
    )


def feedback_visible_to(user: Any) -> QuerySet[Feedback]:
    q = feedback_visibility_q(user)
    return Feedback.objects.none() if q is None else Feedback.objects.filter(q)


def may_read(user_employee_id: int | None, feedback: Feedback, requester_id: int | None = None) -> bool:
    """The same rule as feedback_visibility_q for one row in memory (used to pick whom to notify)."""
    if user_employee_id is None:
        return False
    return (
        user_employee_id in (feedback.giver_id, feedback.recipient_id, requester_id)
        or feedback.visibility == Feedback.Visibility.PUBLIC
        or (feedback.visibility == Feedback.Visibility.MANAGER and feedback.recipient_manager_id == user_employee_id)
    )


def request_visibility_q(user: Any) -> Q | None:
    """A request is read by the one who asked and the one asked."""
    me = actor_context(user).employee_id
    if me is None:
        return None
    return Q(requester_id=me) | Q(rater_id=me)


def request_visible_to(user: Any) -> QuerySet[FeedbackRequest]:
    q = request_visibility_q(user)
    return FeedbackRequest.objects.none() if q is None else FeedbackRequest.objects.filter(q)


# ---- keyset paging ---------------------------------------------------------------------------------


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


def parse_cursor(value: object) -> tuple[dt.datetime, int] | None:
    """The (created_at, id) written in a `before` cursor ("<microseconds since 1970>-<id>"), or None if malformed."""
    if not isinstance(value, str):
        return None
    stamp, _, pk = value.partition("-")
    if not (stamp.isdigit() and pk.isdigit()) or len(stamp) > 18:
        return None
    return _EPOCH + int(stamp) * _MICRO, int(pk)


def cursor_of(row: Any) -> str:
    return f"{(row.created_at - _EPOCH) // _MICRO}-{row.pk}"


def _before(qs: QuerySet[Any], cursor: tuple[dt.datetime, int] | None) -> QuerySet[Any]:
    if cursor is None:
        return qs
    when, pk = cursor
    return qs.filter(Q(created_at__lt=when) | Q(created_at=when, pk__lt=pk))


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str  # "" when there is nothing more


def _page(qs: QuerySet[Any], cursor: tuple[dt.datetime, int] | None, size: int) -> Page:
    rows = list(_before(qs, cursor).order_by("-created_at", "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, cursor_of(rows[-1]) if more and rows else "")


def _with_display(qs: QuerySet[Feedback]) -> QuerySet[Feedback]:
    """Giver, recipient, objective and values for a card: one join and one prefetch query for the values."""
    return qs.select_related("giver", "recipient", "objective", "request").prefetch_related(
        Prefetch("values", queryset=CompanyValue.objects.order_by("position", "pk"))
    )


# ---- pages -----------------------------------------------------------------------------------------


def feedback_received(*, user: Any, before: object = None, size: int = PAGE_SIZE) -> Page:
    """Feedback the user received, newest first (two queries; the recipient reads all of it)."""
    me = actor_context(user).employee_id
    if me is None:
        return Page([], "")
    return _page(_with_display(Feedback.objects.filter(recipient_id=me)), parse_cursor(before), size)


def feedback_given(*, user: Any, before: object = None, size: int = PAGE_SIZE) -> Page:
    """Feedback the user gave, newest first (two queries)."""
    me = actor_context(user).employee_id
    if me is None:
        return Page([], "")
    return _page(_with_display(Feedback.objects.filter(giver_id=me)), parse_cursor(before), size)


def praise_wall(*, user: Any, before: object = None, size: int = PAGE_SIZE) -> Page:
    """Public praise for everyone with an employee record, newest first (two queries)."""
    if actor_context(user).employee_id is None:
        return Page([], "")
    qs = Feedback.objects.filter(visibility=Feedback.Visibility.PUBLIC, kind=Feedback.Kind.PRAISE)
    return _page(_with_display(qs), parse_cursor(before), size)


def feedback_received_in(
    user: Any, employee: Employee | int, start: dt.date, end: dt.date, limit: int
) -> list[Feedback]:
    """What `user` may read of the feedback `employee` received from `start` to `end` (days included), newest first.

    For the evidence panel on the review form: one query, giver and objective loaded, company values not.
    """
    q = feedback_visibility_q(user)
    if q is None or limit <= 0 or end < start:
        return []
    since, until = period_bounds(start, end)
    employee_id = employee.pk if isinstance(employee, Employee) else employee
    return list(
        Feedback.objects.filter(q, recipient_id=employee_id, created_at__gte=since, created_at__lt=until)
        .select_related("giver", "objective")
        .order_by("-created_at", "-pk")[:limit]
    )


@dataclass
class Inbox:
    asked_of_me: list[FeedbackRequest]  # open requests waiting for my answer
    asked_by_me: Page  # my requests with their state and answers


def request_inbox(*, user: Any, before: object = None, size: int = PAGE_SIZE) -> Inbox:
    """Requests waiting for the user's answer, and those she sent with their answers (four queries)."""
    me = actor_context(user).employee_id
    if me is None:
        return Inbox([], Page([], ""))
    waiting = list(
        FeedbackRequest.objects.filter(rater_id=me, state=FeedbackRequest.State.OPEN)
        .select_related("requester", "subject")
        .order_by("-created_at", "-pk")[:100]
    )
    mine = FeedbackRequest.objects.filter(requester_id=me).select_related("rater", "subject")
    page = _page(mine, parse_cursor(before), size)
    answers: dict[int, list[Feedback]] = {}
    if page.rows:
        for answer in (
            Feedback.objects.filter(request_id__in=[r.pk for r in page.rows])
            .select_related("giver", "recipient")
            .order_by("-created_at", "-pk")
        ):
            answers.setdefault(answer.request_id or 0, []).append(answer)
    for row in page.rows:
        row.answer_list = answers.get(row.pk, [])
    return Inbox(waiting, page)


def open_request_count(user: Any) -> int:
    me = actor_context(user).employee_id
    if me is None:
        return 0
    return FeedbackRequest.objects.filter(rater_id=me, state=FeedbackRequest.State.OPEN).count()


# ---- pickers ---------------------------------------------------------------------------------------


def people_search(*, user: Any, query: str, exclude: tuple[int, ...] = ()) -> list[Employee]:
    """Current colleagues matching a name, pinyin or employee number (the directory's search), not the user."""
    query = query.strip()[:100]
    me = actor_context(user).employee_id
    if not query or me is None:
        return []
    return list(
        directory(user=user, query=query)
        .filter(status__in=CURRENT)
        .exclude(pk__in=[me, *exclude])
        .order_by("name", "pk")[:SEARCH_LIMIT]
    )


def visible_colleague(user: Any, employee_id: object) -> Employee | None:
    """A current colleague the user sees in the directory, with her manager; None otherwise."""
    from jixiao.core.parsing import parse_int

    pk = parse_int(employee_id)
    if pk is None:
        return None
    return (
        Employee.objects.visible_to(user)
        .filter(pk=pk, status__in=CURRENT)
        .select_related("department", "manager__user", "user")
        .first()
    )


def objectives_for(*, user: Any, recipient: Employee) -> list[Objective]:
    """The recipient's own objectives the giver may read, newest period first: what feedback may be linked to."""
    return list(
        Objective.objects.visible_to(user)
        .filter(employee=recipient)
        .select_related("period")
        .order_by("-period__start", "title", "pk")[:50]
    )


def company_values() -> list[CompanyValue]:
    return list(CompanyValue.objects.filter(active=True).order_by("position", "pk"))


def subjects_for(user: Any) -> list[Employee]:
    """Whom the user may ask feedback about: herself and the people she manages (directly or not)."""
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return []
    return list(
        Employee.objects.filter(chain__startswith=ctx.employee_chain, status__in=CURRENT)
        .select_related("department")
        .order_by("name", "pk")[:200]
    )
