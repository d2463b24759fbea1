"""SMART hints: which of specific / measurable / achievable / relevant / time-bound a goal misses, and why.

`smart_gaps` is pure (plain facts in, codes out) so it is tested without a database; `describe`
turns a gap into the one-line reason a person reads, in her language.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

CRITERIA = ("specific", "measurable", "achievable", "relevant", "time_bound")
MIN_TITLE_WIDTH = 12  # a CJK character counts 2: "提升华东区续约率" passes, "销售" does not
MAX_IMPROVEMENT = Decimal(3)  # a target more than 3× away from its baseline (relative) asks for a second look


@dataclass(frozen=True)
class KeyResultFacts:
    title: str
    start: Decimal
    target: Decimal


@dataclass(frozen=True)
class ObjectiveFacts:
    title: str
    description: str
    is_company: bool
    has_parent: bool
    due_date: dt.date | None
    period_start: dt.date
    period_end: dt.date
    key_results: tuple[KeyResultFacts, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SmartGap:
    criterion: str
    code: str
    params: tuple[tuple[str, str], ...] = ()


def text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text.strip())


def smart_gaps(facts: ObjectiveFacts) -> list[SmartGap]:
    """The SMART criteria this objective misses, in S-M-A-R-T order, with a code for the reason."""
    gaps: list[SmartGap] = []
    if text_width(facts.title) < MIN_TITLE_WIDTH:
        gaps.append(SmartGap("specific", "title_too_short"))
    elif not facts.description.strip():
        gaps.append(SmartGap("specific", "no_description"))
    if not facts.key_results:
        gaps.append(SmartGap("measurable", "no_key_results"))
    for kr in facts.key_results:
        if kr.start != 0 and abs(kr.target - kr.start) > MAX_IMPROVEMENT * abs(kr.start):
            gaps.append(SmartGap("achievable", "target_far_from_start", (("title", kr.title),)))
            break
    if not facts.has_parent and not facts.is_company:
        gaps.append(SmartGap("relevant", "not_aligned"))
    if facts.due_date is None:
        gaps.append(SmartGap("time_bound", "no_due_date"))
    elif not facts.period_start <= facts.due_date <= facts.period_end:
        gaps.append(SmartGap("time_bound", "due_outside_period"))
    return gaps


def criterion_label(criterion: str) -> str:
    labels = {
        "specific": _("Specific"),
        "measurable": _("Measurable"),
        "achievable": _("Achievable"),
        "relevant": _("Relevant"),
        "time_bound": _("Time-bound"),
    }
    return labels.get(criterion, criterion)


def describe(gap: SmartGap) -> str:
    """The one-line reason shown beside the goal."""
    params = dict(gap.params)
    reasons = {
        "title_too_short": _("The title is too short to say what will change."),
        "no_description": _("Add a description that says what done looks like."),
        "no_key_results": _("Add at least one key result with a number to reach."),
        "target_far_from_start": _(
            "“%(title)s” asks for more than three times its starting value; check it can be reached."
        ),
        "not_aligned": _("Align it to a company, department or colleague's objective."),
        "no_due_date": _("Set a due date."),
        "due_outside_period": _("The due date lies outside the period."),
    }
    text = reasons.get(gap.code, gap.code)
    return text % params if params else text
