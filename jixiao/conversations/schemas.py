"""What the conversations API reads and writes: feedback, 1:1 action items, improvement and development plans.

Input schemas forbid unknown fields (422), like every input of the API (docs/decisions/0002-api-conventions.md).
Versions travel only as ETag headers, never in a body. References to other objects are ids under the relation's
name (`recipient`, `objective`, `request`, `values`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from jixiao.core.api import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

from .models import DevelopmentAction, DevelopmentPlan, Feedback, ImprovementPlan
from .services_feedback import MAX_TEXT

MAX_VALUES = 20


class _Output(BaseModel):
    """Answers are built field by field in api.py."""


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PageFilters(Schema):
    cursor: str | None = Field(None, max_length=500, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def _page_cursor() -> Any:
    return Field(description="Pass as `cursor` to get the next page; null on the last page.")


class PersonRef(_Output):
    id: int
    name: str
    english_name: str


# ---- continuous feedback -------------------------------------------------------------------------


class ValueRef(_Output):
    id: int
    name: str
    name_en: str


class ObjectiveRef(_Output):
    id: int
    title: str


class FeedbackOut(_Output):
    id: int
    kind: Feedback.Kind
    text: str
    visibility: Feedback.Visibility = Field(
        description="Who reads it, as stored: feedback to one's own manager is never `private` "
        "(her own manager always reads it)."
    )
    giver: PersonRef
    recipient: PersonRef
    values: list[ValueRef]
    objective: ObjectiveRef | None
    request: int | None = Field(description="The request for feedback this answers, if any.")
    created_at: dt.datetime


class FeedbackPage(_Output):
    items: list[FeedbackOut]
    next_cursor: str | None = _page_cursor()


class FeedbackIn(_Input):
    recipient: int = Field(description="The colleague it is for: a current person you see in the directory.")
    kind: Feedback.Kind
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    visibility: Feedback.Visibility = Field(
        description="`private`: only the recipient; `manager`: she and her manager; `public`: the praise wall "
        "(praise only)."
    )
    values: list[int] = Field(default_factory=list, max_length=MAX_VALUES, description="Company value ids.")
    objective: int | None = Field(None, description="One of the recipient's objectives you can see.")
    request: int | None = Field(
        None, description="A request for feedback sent to you that this answers; `recipient` is its subject."
    )


# ---- 1:1 action items ----------------------------------------------------------------------------


class MeetingRef(_Output):
    id: int
    held_on: dt.date


class ActionItemOut(_Output):
    id: int
    text: str
    owner: PersonRef
    due_on: dt.date | None
    overdue: bool
    done_at: dt.datetime | None
    series: int = Field(description="The 1:1 series.")
    other: PersonRef = Field(description="The other participant of the 1:1.")
    meeting: MeetingRef = Field(description="The meeting where it was agreed.")


class ActionItemPage(_Output):
    items: list[ActionItemOut]
    next_cursor: str | None = _page_cursor()


# ---- improvement plans ---------------------------------------------------------------------------


class ExpectationOut(_Output):
    text: str
    measure: str


class NoteOut(_Output):
    author: PersonRef
    text: str
    created_at: dt.datetime


class CheckpointOut(_Output):
    id: int
    title: str
    due_on: dt.date
    notes: list[NoteOut]


class PlanRoleOut(_Output):
    is_employee: bool
    can_manage: bool = Field(description="Her manager or HR in scope: edit, send, extend, close.")
    can_note: bool = Field(description="May add progress notes to checkpoints now.")
    actions: list[str] = Field(description="What the reader may do now, e.g. `acknowledge`, `extend`, `pass`.")


class ImprovementPlanOut(_Output):
    id: int
    state: ImprovementPlan.State
    employee: PersonRef
    manager: PersonRef
    gaps: str
    support: str
    starts_on: dt.date
    ends_on: dt.date
    acknowledged_at: dt.datetime | None
    extended_at: dt.datetime | None
    expectations_version: int
    outcome: str
    expectations: list[ExpectationOut]
    checkpoints: list[CheckpointOut]
    awaiting_acknowledgement: bool = Field(description="True for the employee while the plan waits for her.")
    you: PlanRoleOut
    version: int


# ---- development plans ---------------------------------------------------------------------------


class CompetencyRef(_Output):
    id: int
    name: str
    name_en: str


class NeedOut(_Output):
    id: int
    text: str
    competency: CompetencyRef | None
    review: int | None = Field(description="The released review whose gaps suggested it.")


class DevelopmentActionOut(_Output):
    id: int
    kind: DevelopmentAction.Kind
    title: str
    due_on: dt.date | None
    status: DevelopmentAction.Status
    need: int | None


class DevelopmentRoleOut(_Output):
    role: str = Field(description="owner | manager | hr")
    can_write: bool
    can_comment: bool


class DevelopmentPlanOut(_Output):
    id: int
    employee: PersonRef
    title: str
    state: DevelopmentPlan.State
    owner_comment: str
    manager_comment: str
    needs: list[NeedOut]
    actions: list[DevelopmentActionOut]
    done: int
    total: int = Field(description="Actions not dropped.")
    progress: int = Field(description="Percent of the actions not dropped that are done.")
    you: DevelopmentRoleOut
    version: int
