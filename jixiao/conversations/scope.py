"""Filters the conversations' reads share: who is whose, and which moments fall within a period.

The plans' readers (decision 0010) are built from `below_q` and `hr_scope_q` (rows about a person, by default
through their `employee`); the evidence panel's lists from `period_bounds`.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from jixiao.org.selectors import ActorContext


def below_q(ctx: ActorContext, person: str = "employee") -> Q:
    """Rows about someone below the reader in the management chain (never herself); none without a record."""
    if ctx.employee_id is None:
        return Q(pk__in=[])
    return Q(**{f"{person}__chain__startswith": ctx.employee_chain}) & ~Q(**{f"{person}_id": ctx.employee_id})


def hr_scope_q(ctx: ActorContext, department: str = "employee__department") -> Q:
    """Rows inside the department subtrees the reader looks after as HR; none when she is not HR."""
    q = Q(pk__in=[])
    for path in ctx.hr_paths:
        q |= Q(**{f"{department}__path__startswith": path})
    return q


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The days `start` to `end` (included) as [first moment, moment after the last day) in the site's time zone."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
