"""What the goals and KPI API reads and writes.

Input schemas forbid unknown fields, so server-owned ones (id, progress, path, version, confidence,
current, actual, attainment; and on PATCH the owner and period, fixed at creation) are refused with 422
instead of being dropped or applied (docs/decisions/0002-api-conventions.md).

Decimals travel as strings in answers ("12.5", "0.8333"), exact and without trailing zeros; in requests
a number or a numeric string is accepted. References to other objects are ids under the relation's
name (`period`, `employee`, `department`, `parent`, `indicator`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, model_validator

from jixiao.core.api import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

from .models import Confidence, GoalPlan, Indicator, KeyResult, OwnerType, Period, Visibility

# The default of PATCH fields: typed Any so that `title: str = OMITTED` type-checks. pydantic never
# validates a default, so leaving a field out is fine while sending an explicit null is refused.
OMITTED: Any = None

MAX_ACTUALS_PER_REQUEST = 5000

NUMBER = 'A decimal as a string, e.g. "12.5".'
CURSOR = Field(None, max_length=500, description="`next_cursor` of the previous page.")


class _Output(BaseModel):
    """Answers are built field by field in api.py (plain pydantic models: cheaper than ninja's Schema)."""


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Filters(Schema):
    cursor: str | None = CURSOR
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class PageFilters(_Filters):
    """Only the page: `cursor` and `limit`."""


def _page_cursor() -> Any:
    return Field(description="Pass as `cursor` to get the next page; null on the last page.")


# ---- periods -----------------------------------------------------------------------------------


class PeriodOut(_Output):
    id: int
    name: str
    name_en: str
    kind: Period.Kind
    start: dt.date
    end: dt.date
    parent: int | None = Field(description="The period this one lies in (Q1 in FY2027), or null.")


class PeriodPage(_Output):
    items: list[PeriodOut]
    next_cursor: str | None = _page_cursor()


class PeriodFilters(_Filters):
    kind: Period.Kind | None = None
    parent: int | None = Field(None, description="Only the periods directly inside this one.")
    on: dt.date | None = Field(None, description="Only periods that contain this date (the current ones: today).")


# ---- objectives and key results ----------------------------------------------------------------


class KeyResultOut(_Output):
    id: int
    title: str
    unit: KeyResult.Unit
    direction: KeyResult.Direction
    start: str = Field(description=NUMBER)
    target: str = Field(description=NUMBER)
    stretch: str | None = Field(description=NUMBER)
    current: str = Field(description="The latest checked-in value. " + NUMBER)
    weight: str = Field(description="Relative to the objective's other key results. " + NUMBER)
    position: int
    progress: str = Field(description="clamp((current − start) / (target − start), 0, cap); 1 is 100%. " + NUMBER)
    confidence: Confidence | None


class ObjectiveOut(_Output):
    id: int
    period: int
    owner_type: OwnerType
    department: int | None = Field(description="The owning department, for owner_type department.")
    employee: int | None = Field(description="The owning person, for owner_type person.")
    owner_name: str
    title: str
    description: str
    weight: str = Field(description="A person's objectives in a period add up to 100. " + NUMBER)
    visibility: Visibility
    due_date: dt.date | None
    parent: int | None = Field(description="The objective this one is aligned to.")
    path: str = Field(description='Ids from the top of the alignment tree down to this objective: "/3/41/977/".')
    progress: str = Field(description="Weighted mean of its key results (or of its aligned objectives). " + NUMBER)
    confidence: Confidence | None
    version: int
    key_results: list[KeyResultOut]


class ObjectivePage(_Output):
    items: list[ObjectiveOut]
    next_cursor: str | None = _page_cursor()


class ObjectiveFilters(_Filters):
    period: int | None = None
    owner_type: OwnerType | None = None
    employee: int | None = Field(None, description="Only this person's objectives.")
    department: int | None = Field(None, description="Only this department's own objectives.")
    parent: int | None = Field(None, description="Only objectives aligned directly to this one.")


class KeyResultIn(_Input):
    """A key result. On PATCH, `key_result` names an existing one to keep and change; one without it is new."""

    key_result: int | None = Field(None, description="PATCH only: the id of an existing key result of this objective.")
    title: str = Field(min_length=1, max_length=200)
    unit: KeyResult.Unit = KeyResult.Unit.NUMBER
    direction: KeyResult.Direction = KeyResult.Direction.INCREASE
    start: Decimal = Field(Decimal(0), allow_inf_nan=False)
    target: Decimal | None = Field(None, allow_inf_nan=False, description="Required except for milestones.")
    stretch: Decimal | None = Field(None, allow_inf_nan=False)
    weight: Decimal = Field(Decimal(1), allow_inf_nan=False)


class ObjectiveCreateIn(_Input):
    period: int
    owner_type: OwnerType
    department: int | None = Field(None, description="Required for owner_type department.")
    employee: int | None = Field(None, description="Required for owner_type person.")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    weight: Decimal = Field(Decimal(0), allow_inf_nan=False)
    visibility: Visibility = Visibility.PUBLIC
    due_date: dt.date | None = None
    parent: int | None = Field(None, description="An objective you can see, of this period or one containing it.")
    key_results: list[KeyResultIn] = Field(default_factory=list, max_length=50)
    reason: str = Field("", max_length=2000, description="Required when the person's goals are already approved.")


class ObjectivePatchIn(_Input):
    """Only the fields sent are changed; `key_results`, when sent, is the complete new list."""

    title: str = Field(OMITTED, min_length=1, max_length=200)
    description: str = Field(OMITTED, max_length=5000)
    weight: Decimal = Field(OMITTED, allow_inf_nan=False)
    visibility: Visibility = Field(OMITTED)
    due_date: dt.date | None = None
    parent: int | None = None
    key_results: list[KeyResultIn] = Field(OMITTED, max_length=50)
    reason: str = Field("", max_length=2000, description="Required when the person's goals are already approved.")


class ObjectiveDeleteFilters(Schema):
    reason: str = Field("", max_length=2000, description="Required when the person's goals are already approved.")


# ---- check-ins ---------------------------------------------------------------------------------


class CheckInOut(_Output):
    id: int
    key_result: int
    value: str = Field(description=NUMBER)
    progress: str = Field(description=NUMBER)
    confidence: Confidence
    comment: str
    author_name: str
    created_at: dt.datetime


class CheckInPage(_Output):
    items: list[CheckInOut]
    next_cursor: str | None = _page_cursor()


class CheckInIn(_Input):
    value: Decimal = Field(allow_inf_nan=False, description="The key result's new value (0 or 1 for a milestone).")
    confidence: Confidence
    comment: str = Field("", max_length=2000)


# ---- goal plans --------------------------------------------------------------------------------


class GoalPlanOut(_Output):
    employee: int
    period: int
    state: GoalPlan.State
    comment: str = Field(description="The approver's comment (why the goals were returned).")
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    version: int
    weight_total: str = Field(description="The sum of the objectives' weights; 100 is needed to submit. " + NUMBER)
    objectives: list[ObjectiveOut]


class PlanDecisionIn(_Input):
    comment: str = Field("", max_length=2000, description="Required to return the goals.")


# ---- KPI library -------------------------------------------------------------------------------


class IndicatorOut(_Output):
    id: int
    area: int
    area_name: str
    code: str
    name: str
    name_en: str
    unit: KeyResult.Unit
    direction: KeyResult.Direction
    aggregation: Indicator.Aggregation
    definition: str
    data_source: str
    active: bool


class IndicatorPage(_Output):
    items: list[IndicatorOut]
    next_cursor: str | None = _page_cursor()


class IndicatorFilters(_Filters):
    area: int | None = Field(None, description="Only KPIs of this business area.")
    q: str = Field("", max_length=100, description="Search in the code and the Chinese and English names.")
    active: bool | None = None


# ---- KPI targets -------------------------------------------------------------------------------


class KPITargetOut(_Output):
    id: int
    indicator: int
    indicator_code: str
    indicator_name: str
    indicator_name_en: str
    period: int
    employee: int | None
    department: int | None
    baseline: str = Field(description=NUMBER)
    target: str = Field(description=NUMBER)
    stretch: str | None = Field(description=NUMBER)
    weight: str = Field(description=NUMBER)
    actual: str | None = Field(description="Latest, sum or average of the recorded values, as the KPI says.")
    attainment: str | None = Field(description="The key-result formula with the baseline as start; 1 is 100%.")
    version: int


class KPITargetPage(_Output):
    items: list[KPITargetOut]
    next_cursor: str | None = _page_cursor()


class KPITargetFilters(_Filters):
    period: int | None = None
    indicator: int | None = None
    employee: int | None = Field(None, description="Only this person's KPI targets.")
    department: int | None = Field(None, description="Only this department's own KPI targets.")


class KPITargetCreateIn(_Input):
    indicator: int
    period: int
    employee: int | None = Field(None, description="The person, or leave null and name a department.")
    department: int | None = None
    baseline: Decimal = Field(Decimal(0), allow_inf_nan=False)
    target: Decimal = Field(allow_inf_nan=False)
    stretch: Decimal | None = Field(None, allow_inf_nan=False)
    weight: Decimal = Field(Decimal(0), allow_inf_nan=False)


class KPITargetPatchIn(_Input):
    """Only the fields sent are changed. `stretch: null` removes the stretch."""

    baseline: Decimal = Field(OMITTED, allow_inf_nan=False)
    target: Decimal = Field(OMITTED, allow_inf_nan=False)
    stretch: Decimal | None = Field(None, allow_inf_nan=False)
    weight: Decimal = Field(OMITTED, allow_inf_nan=False)


# ---- KPI actuals -------------------------------------------------------------------------------


class ActualIn(_Input):
    """One value. Name the target by `target_id`, or by its owner (`employee_number` or `department_id`),
    `kpi_code` and `period_id`."""

    target_id: int | None = None
    employee_number: str | None = Field(None, max_length=32)
    department_id: int | None = None
    kpi_code: str | None = Field(None, max_length=32)
    period_id: int | None = None
    measured_on: dt.date
    value: Decimal = Field(allow_inf_nan=False)
    note: str = Field("", max_length=500)

    @model_validator(mode="after")
    def _one_way_to_name_the_target(self) -> ActualIn:
        by_owner = self.employee_number is not None or self.department_id is not None
        if self.target_id is not None:
            if by_owner or self.kpi_code is not None or self.period_id is not None:
                raise ValueError(_("Name the target either by target_id or by owner, kpi_code and period_id."))
            return self
        if self.employee_number is not None and self.department_id is not None:
            raise ValueError(_("Name either employee_number or department_id, not both."))
        if not by_owner or not self.kpi_code or self.period_id is None:
            raise ValueError(
                _("Name the target by target_id, or by employee_number (or department_id), kpi_code and period_id.")
            )
        return self


class ActualsBatchIn(_Input):
    items: list[ActualIn] = Field(min_length=1, max_length=MAX_ACTUALS_PER_REQUEST)


class ActualsResultOut(_Output):
    created: int
    updated: int
    unchanged: int
    total: int


class ActualOut(_Output):
    id: int
    target: int
    measured_on: dt.date
    value: str = Field(description=NUMBER)
    source: str
    note: str
    recorded_at: dt.datetime


class ActualPage(_Output):
    items: list[ActualOut]
    next_cursor: str | None = _page_cursor()
