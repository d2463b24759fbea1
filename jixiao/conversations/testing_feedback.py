"""Factories for tests of continuous feedback: they go through the services, as people do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from jixiao.goals.models import CompanyValue, Objective
from jixiao.org.models import Employee

from . import services_feedback
from .models import Feedback, FeedbackRequest


def user_of(employee: Employee) -> Any:
    assert employee.user is not None, "this persona has no account"
    return employee.user


def give(
    giver: Employee,
    recipient: Employee,
    *,
    kind: str = Feedback.Kind.PRAISE,
    visibility: str = Feedback.Visibility.PRIVATE,
    text: str = "Thanks for the clear handover notes this week.",
    values: Sequence[CompanyValue | int] = (),
    objective: Objective | None = None,
    request: FeedbackRequest | None = None,
) -> Feedback:
    """Feedback from `giver` (who must have an account) to `recipient`; private praise by default."""
    return services_feedback.feedback_give(
        actor=user_of(giver),
        recipient=recipient,
        kind=kind,
        text=text,
        visibility=visibility,
        values=values,
        objective=objective,
        request=request,
    )


def ask(
    requester: Employee,
    *raters: Employee,
    subject: Employee | None = None,
    topic: str = "How did the customer workshop go?",
    due_on: dt.date | None = None,
) -> list[FeedbackRequest]:
    """`requester` asks `raters` for feedback on herself (or on `subject`, someone in her team)."""
    return services_feedback.feedback_request_create(
        actor=user_of(requester), raters=list(raters), subject=subject or requester, topic=topic, due_on=due_on
    )


def make_value(name: str = "客户第一", *, name_en: str = "Customer first", position: int = 0) -> CompanyValue:
    return CompanyValue.objects.create(name=name, name_en=name_en, position=position)
