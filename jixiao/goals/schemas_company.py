"""What the company-level goals API reads and writes: strategy and values, periods, goal settings, the KPI
library's business areas and KPIs, goal templates, bulk assignment and the KPI actuals import.

As in schemas.py, input schemas forbid unknown fields, so server-owned ones (id, version, used, counts, the
template's author) are refused with 422 (docs/decisions/0002-api-conventions.md). References to other
objects are ids under the relation's name (`period`, `parent`, `department`, `area`, `indicator`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from .models import Indicator, KeyResult, Period
from .schemas import NUMBER, OMITTED, _Input, _Output, _page_cursor

MAX_TEXT = 5000
MAX_LEVELS = 50

# ---- strategy and values -----------------------------------------------------------------------


class CompanyValueOut(_Output):
    id: int
    name: str
    name_en: str
    description: str
    description_en: str
    position: int = Field(description="Values are listed from the lowest number up.")
    active: bool = Field(description="Retired values (false) are shown only to those who manage the strategy.")


class StrategyOut(_Output):
    vision: str
    vision_en: str
    mission: str
    mission_en: str
    version: int = Field(description="Also sent as the ETag header; send it back as If-Match on PUT.")
    values: list[CompanyValueOut]


class StrategyIn(_Input):
    """The whole vision and mission in both languages (PUT replaces all four; send "" to clear one)."""

    vision: str = Field(max_length=MAX_TEXT)
    vision_en: str = Field(max_length=MAX_TEXT)
    mission: str = Field(max_length=MAX_TEXT)
    mission_en: str = Field(max_length=MAX_TEXT)


class CompanyValueIn(_Input):
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    description: str = Field("", max_length=MAX_TEXT)
    description_en: str = Field("", max_length=MAX_TEXT)
    position: int = Field(0, ge=0, le=999)
    active: bool = True


class CompanyValuePatchIn(_Input):
    """Only the fields sent are changed."""

    name: str = Field(OMITTED, min_length=1, max_length=100)
    name_en: str = Field(OMITTED, max_length=100)
    description: str = Field(OMITTED, max_length=MAX_TEXT)
    description_en: str = Field(OMITTED, max_length=MAX_TEXT)
    position: int = Field(OMITTED, ge=0, le=999)
    active: bool = Field(OMITTED)


# ---- periods -----------------------------------------------------------------------------------


class PeriodCreateIn(_Input):
    name: str = Field(min_length=1, max_length=100, description="Unique, e.g. FY2027 or 2027Q1.")
    name_en: str = Field("", max_length=100)
    kind: Period.Kind
    start: dt.date
    end: dt.date
    parent: int | None = Field(None, description="The period this one lies in (Q1 in FY2027); its dates must fit.")


# ---- goal settings -----------------------------------------------------------------------------


class ThresholdOut(_Output):
    threshold: str = Field(description="Attainment from which the rating applies; 1 is 100%. " + NUMBER)
    rating: int


class GoalSettingsOut(_Output):
    progress_cap: str = Field(description="How far past the target progress and attainment count; 1.2 is 120%.")
    require_smart: bool = Field(description="Goals missing a SMART element cannot be submitted for approval.")
    attainment_table: list[ThresholdOut] = Field(description="Highest threshold first.")
    attainment_floor: int = Field(description="The rating below every threshold.")
    version: int = Field(description="Also sent as the ETag header; send it back as If-Match on PATCH.")


class ThresholdIn(_Input):
    threshold: Decimal = Field(ge=0, le=1000, allow_inf_nan=False, description="1 is 100%.")
    rating: int = Field(ge=1, le=100)


class GoalSettingsPatchIn(_Input):
    """Only the fields sent are changed; `attainment_table`, when sent, is the complete new table."""

    progress_cap: Decimal = Field(OMITTED, le=1000, allow_inf_nan=False, description="At least 1; 1.2 is 120%.")
    require_smart: bool = Field(OMITTED)
    attainment_table: list[ThresholdIn] = Field(OMITTED, max_length=20)
    attainment_floor: int = Field(OMITTED, ge=1, le=100)


# ---- the KPI library ---------------------------------------------------------------------------


class BusinessAreaOut(_Output):
    id: int
    name: str
    name_en: str
    position: int
    kpi_count: int = Field(description="How many KPIs of the library belong to it (retired ones included).")


class BusinessAreaPage(_Output):
    items: list[BusinessAreaOut]
    next_cursor: str | None = _page_cursor()


class BusinessAreaIn(_Input):
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    position: int = Field(0, ge=0, le=999)


class BusinessAreaPatchIn(_Input):
    name: str = Field(OMITTED, min_length=1, max_length=100)
    name_en: str = Field(OMITTED, max_length=100)
    position: int = Field(OMITTED, ge=0, le=999)


class IndicatorIn(_Input):
    area: int = Field(description="The business area it belongs to.")
    code: str = Field(min_length=1, max_length=32, description="Unique (case does not matter); files name KPIs by it.")
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    unit: KeyResult.Unit = KeyResult.Unit.NUMBER
    direction: KeyResult.Direction = KeyResult.Direction.INCREASE
    aggregation: Indicator.Aggregation = Indicator.Aggregation.LATEST
    definition: str = Field("", max_length=MAX_TEXT)
    data_source: str = Field("", max_length=200)
    active: bool = True


class IndicatorPatchIn(_Input):
    """Only the fields sent are changed. The direction is fixed once targets use the KPI."""

    area: int = Field(OMITTED)
    code: str = Field(OMITTED, min_length=1, max_length=32)
    name: str = Field(OMITTED, min_length=1, max_length=100)
    name_en: str = Field(OMITTED, max_length=100)
    unit: KeyResult.Unit = Field(OMITTED)
    direction: KeyResult.Direction = Field(OMITTED)
    aggregation: Indicator.Aggregation = Field(OMITTED)
    definition: str = Field(OMITTED, max_length=MAX_TEXT)
    data_source: str = Field(OMITTED, max_length=200)
    active: bool = Field(OMITTED)


# ---- goal templates ----------------------------------------------------------------------------


class TemplateKeyResultOut(_Output):
    title: str
    unit: KeyResult.Unit
    direction: KeyResult.Direction
    start: str = Field(description=NUMBER)
    target: str = Field(description=NUMBER)
    stretch: str | None = Field(description=NUMBER)
    weight: str = Field(description=NUMBER)


class GoalTemplateOut(_Output):
    id: int
    title: str
    description: str
    weight: str = Field(description="The weight each assigned objective gets. " + NUMBER)
    key_results: list[TemplateKeyResultOut]
    used: int = Field(description="How many objectives were assigned from it.")
    editable: bool = Field(description="Whether the caller may change it (HR and admins; a manager her own).")


class GoalTemplatePage(_Output):
    items: list[GoalTemplateOut]
    next_cursor: str | None = _page_cursor()


class TemplateKeyResultIn(_Input):
    title: str = Field(min_length=1, max_length=200)
    unit: KeyResult.Unit = KeyResult.Unit.NUMBER
    direction: KeyResult.Direction = KeyResult.Direction.INCREASE
    start: Decimal = Field(Decimal(0), allow_inf_nan=False)
    target: Decimal | None = Field(None, allow_inf_nan=False, description="Required except for milestones.")
    stretch: Decimal | None = Field(None, allow_inf_nan=False)
    weight: Decimal = Field(Decimal(1), allow_inf_nan=False)


class GoalTemplateIn(_Input):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=MAX_TEXT)
    weight: Decimal = Field(Decimal(0), allow_inf_nan=False, description="0 to 100.")
    key_results: list[TemplateKeyResultIn] = Field(min_length=1, max_length=50)


class GoalTemplatePatchIn(_Input):
    """Only the fields sent are changed; `key_results`, when sent, is the complete new list. Objectives
    already assigned from the template keep what they were given."""

    title: str = Field(OMITTED, min_length=1, max_length=200)
    description: str = Field(OMITTED, max_length=MAX_TEXT)
    weight: Decimal = Field(OMITTED, allow_inf_nan=False)
    key_results: list[TemplateKeyResultIn] = Field(OMITTED, min_length=1, max_length=50)


# ---- bulk assignment ---------------------------------------------------------------------------


class _PeopleFilterIn(_Input):
    department: int | None = Field(None, description="Everyone in this department and the units below it.")
    title: str = Field("", max_length=100, description="Job titles containing this text.")
    levels: list[str] = Field(default_factory=list, max_length=MAX_LEVELS, description="Any of these job levels.")


class TemplateAssignIn(_PeopleFilterIn):
    period: int
    parent: int | None = Field(None, description="An objective you can see to align every new objective to.")


class KPIAssignIn(_PeopleFilterIn):
    indicator: int
    period: int
    baseline: Decimal = Field(Decimal(0), allow_inf_nan=False)
    target: Decimal = Field(allow_inf_nan=False)
    stretch: Decimal | None = Field(None, allow_inf_nan=False)
    weight: Decimal = Field(Decimal(0), allow_inf_nan=False)


class AssignmentOut(_Output):
    id: int
    kind: str = Field(description="objective (a goal template) or kpi.")
    period: int
    matched: int = Field(description="Everyone the filters reach (current people the caller may set goals for).")
    created: int
    skipped: int = Field(description="Matched people who already had it; they keep theirs.")


class PeopleMatchingFilters(Schema):
    department: int | None = Field(None, description="Everyone in this department and the units below it.")
    title: str = Field("", max_length=100, description="Job titles containing this text.")
    levels: list[str] = Field(default_factory=list, max_length=MAX_LEVELS, description="Any of these job levels.")
    period: int | None = Field(None, description="With `template` or `indicator`: count who already has it.")
    template: int | None = Field(None, description="A goal template, to count who already has it in `period`.")
    indicator: int | None = Field(None, description="A KPI, to count who already has it in `period`.")


class PeopleMatchingOut(_Output):
    matched: int
    already: int | None = Field(description="Of those, who already has the template or KPI (with `period`).")
    new: int | None = Field(description="Who an assignment would reach now: matched − already.")


# ---- the KPI actuals import --------------------------------------------------------------------


class KPIImportProgressOut(_Output):
    done: int
    total: int
    percent: int
    stage: str = Field(description="reading, checking or writing while the job runs.")


class KPIImportCountsOut(_Output):
    created: int
    updated: int
    unchanged: int


class KPIImportProblemOut(_Output):
    row: int | None = Field(description="The row as the spreadsheet numbers it (the header is row 1).")
    column: str = Field(description="The column as the file names it.")
    field: str
    code: str
    message: str = Field(description="The reason, in the caller's language.")


class KPIImportReportOut(_Output):
    total_errors: int
    truncated: bool
    errors: list[KPIImportProblemOut]
    notices: list[str]


class KPIImportJobOut(_Output):
    id: int
    kind: str
    filename: str
    period: int | None
    status: str = Field(description="queued, running, succeeded or failed.")
    progress: KPIImportProgressOut
    counts: KPIImportCountsOut
    report: KPIImportReportOut
    created_at: dt.datetime
    finished_at: dt.datetime | None
    url: str
    page_url: str
