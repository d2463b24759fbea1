"""Company-level goals endpoints: strategy and values, periods, goal settings, the KPI library (business
areas and KPIs), goal templates, bulk assignment and the KPI actuals import — the operations of the HR
pages, behind the same gates and through the same services.

Each handler parses, passes the gate in permissions.py (the one the page uses), calls one service and
answers. Versions travel as ETag / If-Match (docs/decisions/0002-api-conventions.md); forbidden answers
404, like missing.

POST /periods and POST /kpis are added to api.py's routers, which own GET on the same paths: ninja gives
each router its own view per path, so a second router's POST there would never be reached.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from jixiao.core.api import (
    CREATE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    etag_for,
    keyset_page,
    version_from_if_match,
)
from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.org.models import ImportJob

from . import imports_kpi, permissions, selectors, services, services_kpi
from .api import (
    IfMatch,
    _department,
    _in_company,
    _key_result_inputs,
    _not_found,
    _num,
    _num_or_none,
    _period,
    indicator_out,
    kpi_router,
    period_out,
    router,
)
from .models import BulkAssignment, BusinessArea, CompanyValue, GoalTemplate, Indicator, KPITarget, Objective
from .schemas import IndicatorOut, PageFilters, PeriodOut
from .schemas_company import (
    AssignmentOut,
    BusinessAreaIn,
    BusinessAreaOut,
    BusinessAreaPage,
    BusinessAreaPatchIn,
    CompanyValueIn,
    CompanyValueOut,
    CompanyValuePatchIn,
    GoalSettingsOut,
    GoalSettingsPatchIn,
    GoalTemplateIn,
    GoalTemplateOut,
    GoalTemplatePage,
    GoalTemplatePatchIn,
    IndicatorIn,
    IndicatorPatchIn,
    KPIAssignIn,
    KPIImportCountsOut,
    KPIImportJobOut,
    KPIImportProblemOut,
    KPIImportProgressOut,
    KPIImportReportOut,
    PeopleMatchingFilters,
    PeopleMatchingOut,
    PeriodCreateIn,
    StrategyIn,
    StrategyOut,
    TemplateAssignIn,
    TemplateKeyResultOut,
    ThresholdOut,
)

company_router = Router(tags=["strategy and settings"])
library_router = Router(tags=["KPIs"])
# Mounted before api.kpi_router (config/api.py): its "/kpi-targets/{target_id}" would otherwise also match
# "/kpi-targets/assignments" and answer a POST there with 405.
template_router = Router(tags=["goal templates and bulk assignment"])


# ---- strategy and values -----------------------------------------------------------------------


def value_out(value: CompanyValue) -> CompanyValueOut:
    return CompanyValueOut(
        id=value.pk,
        name=value.name,
        name_en=value.name_en,
        description=value.description,
        description_en=value.description_en,
        position=value.position,
        active=value.active,
    )


def _strategy_out(user: Any) -> tuple[StrategyOut, int]:
    """The strategy with the values the user may see (retired ones only for those who manage them)."""
    row = selectors.strategy()
    values = CompanyValue.objects.order_by("position", "pk")
    if not permissions.can_manage_company(user):
        values = values.filter(active=True)
    out = StrategyOut(
        vision=row.vision,
        vision_en=row.vision_en,
        mission=row.mission,
        mission_en=row.mission_en,
        version=row.version,
        values=[value_out(v) for v in values],
    )
    return out, row.version


@company_router.get(
    "/strategy", response={200: StrategyOut, **READ_ERRORS}, summary="Read the strategy", url_name="strategy_read"
)
def strategy_read(request: AuthedRequest, response: HttpResponse) -> StrategyOut:
    """Vision and mission in Chinese and English, and the company's values, for everyone in the company.
    The ETag header carries the version, for If-Match on PUT."""
    if not _in_company(request.user):
        raise Http404
    out, version = _strategy_out(request.user)
    response["ETag"] = etag_for(version)
    return out


@company_router.put("/strategy", response={200: StrategyOut, **WRITE_ERRORS}, summary="Write the strategy")
def strategy_write(
    request: AuthedRequest, payload: StrategyIn, response: HttpResponse, if_match: IfMatch = None
) -> StrategyOut:
    """Replace the vision and mission (both languages). Administrators and company-wide HR only.
    Needs If-Match with the ETag last read; a stale one gets 412."""
    permissions.require_company_manager(request.user, "goals.strategy")
    row = selectors.strategy()
    services.strategy_update(
        actor=request.user,
        version=version_from_if_match(if_match, row.version),
        vision=payload.vision,
        vision_en=payload.vision_en,
        mission=payload.mission,
        mission_en=payload.mission_en,
    )
    out, version = _strategy_out(request.user)
    response["ETag"] = etag_for(version)
    return out


@company_router.post("/values", response={201: CompanyValueOut, **CREATE_ERRORS}, summary="Add a company value")
def value_create(request: AuthedRequest, payload: CompanyValueIn) -> Status[CompanyValueOut]:
    """Add one of the company's values (later rated as a competency). Administrators and company-wide HR."""
    permissions.require_company_manager(request.user, "goals.companyvalue")
    value = services.company_value_save(actor=request.user, **payload.model_dump())
    return Status(201, value_out(value))


@company_router.patch("/values/{value_id}", response={200: CompanyValueOut, **WRITE_ERRORS}, summary="Change a value")
def value_update(request: AuthedRequest, value_id: int, payload: CompanyValuePatchIn) -> CompanyValueOut:
    """Change the fields sent; `active: false` retires a value without losing its history."""
    permissions.require_company_manager(request.user, "goals.companyvalue")
    value = CompanyValue.objects.filter(pk=value_id).first()
    if value is None:
        raise Http404
    current = services.value_snapshot(value)
    value = services.company_value_save(
        actor=request.user, value=value, **{**current, **payload.model_dump(exclude_unset=True)}
    )
    return value_out(value)


# ---- periods -----------------------------------------------------------------------------------


@router.post("/periods", response={201: PeriodOut, **CREATE_ERRORS}, summary="Add a period")
def period_create(request: AuthedRequest, payload: PeriodCreateIn) -> Status[PeriodOut]:
    """Add a year, half, quarter, month or custom period, on top or inside `parent` (its dates must fit).
    Administrators and company-wide HR."""
    permissions.require_company_manager(request.user, "goals.period")
    period = services.period_create(
        actor=request.user,
        name=payload.name,
        name_en=payload.name_en,
        kind=payload.kind,
        start=payload.start,
        end=payload.end,
        parent=_period(payload.parent, "parent") if payload.parent is not None else None,
    )
    return Status(201, period_out(period))


# ---- goal settings -----------------------------------------------------------------------------


def settings_out(row: Any) -> GoalSettingsOut:
    return GoalSettingsOut(
        progress_cap=_num(row.progress_cap),
        require_smart=row.require_smart,
        attainment_table=[ThresholdOut(threshold=_num(t), rating=r) for t, r in services.attainment_table(row)],
        attainment_floor=row.attainment_floor,
        version=row.version,
    )


# The rules of the table and the cap refuse with a code; the API names the field it refers to.
SETTINGS_FIELDS = {
    "cap_below_one": "progress_cap",
    "duplicate_threshold": "attainment_table",
    "rating_falls": "attainment_table",
}


@company_router.get(
    "/goal-settings",
    response={200: GoalSettingsOut, **READ_ERRORS},
    summary="Read the goal settings",
    url_name="goal_settings_read",
)
def goal_settings_read(request: AuthedRequest, response: HttpResponse) -> GoalSettingsOut:
    """The progress cap, whether goals must be SMART before approval, and the attainment → rating table.
    Administrators and company-wide HR; the ETag header carries the version, for If-Match on PATCH."""
    permissions.require_company_manager(request.user, "goals.goalsettings")
    row = selectors.goal_settings()
    response["ETag"] = etag_for(row.version)
    return settings_out(row)


@company_router.patch(
    "/goal-settings", response={200: GoalSettingsOut, **WRITE_ERRORS}, summary="Change the goal settings"
)
def goal_settings_update(
    request: AuthedRequest, payload: GoalSettingsPatchIn, response: HttpResponse, if_match: IfMatch = None
) -> GoalSettingsOut:
    """Change the fields sent. A new cap recomputes every cached progress and attainment. Needs If-Match."""
    permissions.require_company_manager(request.user, "goals.goalsettings")
    row = selectors.goal_settings()
    version = version_from_if_match(if_match, row.version)
    sent = payload.model_fields_set
    table = (
        [(t.threshold, t.rating) for t in payload.attainment_table]
        if "attainment_table" in sent
        else services.attainment_table(row)
    )
    try:
        row = services.goal_settings_update(
            actor=request.user,
            version=version,
            progress_cap=payload.progress_cap if "progress_cap" in sent else row.progress_cap,
            require_smart=payload.require_smart if "require_smart" in sent else row.require_smart,
            attainment_table=table,
            attainment_floor=payload.attainment_floor if "attainment_floor" in sent else row.attainment_floor,
        )
    except DomainError as exc:
        field = SETTINGS_FIELDS.get(exc.code)
        if field is None or exc.fields:
            raise
        raise DomainError(exc.message, code=exc.code, fields={field: [str(exc.message)]}) from exc
    response["ETag"] = etag_for(row.version)
    return settings_out(row)


# ---- the KPI library: business areas and KPIs --------------------------------------------------


def area_out(area: BusinessArea, kpi_count: int) -> BusinessAreaOut:
    return BusinessAreaOut(
        id=area.pk, name=area.name, name_en=area.name_en, position=area.position, kpi_count=kpi_count
    )


def _area_for_manager(user: Any, area_id: int) -> BusinessArea:
    if not permissions.can_manage_library(user):
        raise Http404
    area = BusinessArea.objects.filter(pk=area_id).first()
    if area is None:
        raise Http404
    return area


@library_router.get(
    "/business-areas",
    response={200: BusinessAreaPage, **READ_ERRORS},
    summary="List the business areas of the KPI library",
    url_name="business_area_list",
)
def business_area_list(request: AuthedRequest, filters: Query[PageFilters]) -> BusinessAreaPage:
    """The headings of the KPI library (sales, customer service, production …), by id, with their KPI counts."""
    if not _in_company(request.user):
        return BusinessAreaPage(items=[], next_cursor=None)
    qs = BusinessArea.objects.annotate(n=Count("indicators"))
    rows, next_cursor = keyset_page(qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="areas")
    return BusinessAreaPage(items=[area_out(a, a.n) for a in rows], next_cursor=next_cursor)  # type: ignore[attr-defined]


@library_router.post("/business-areas", response={201: BusinessAreaOut, **CREATE_ERRORS}, summary="Add a business area")
def business_area_create(request: AuthedRequest, payload: BusinessAreaIn) -> Status[BusinessAreaOut]:
    """Add a heading to the KPI library. HR and administrators."""
    if not permissions.can_manage_library(request.user):
        raise Http404
    area = services_kpi.business_area_save(actor=request.user, **payload.model_dump())
    return Status(201, area_out(area, 0))


@library_router.patch(
    "/business-areas/{area_id}", response={200: BusinessAreaOut, **WRITE_ERRORS}, summary="Change a business area"
)
def business_area_update(request: AuthedRequest, area_id: int, payload: BusinessAreaPatchIn) -> BusinessAreaOut:
    """Rename or reorder a business area (the fields sent). HR and administrators."""
    area = _area_for_manager(request.user, area_id)
    current = {"name": area.name, "name_en": area.name_en, "position": area.position}
    area = services_kpi.business_area_save(
        actor=request.user, area=area, **{**current, **payload.model_dump(exclude_unset=True)}
    )
    return area_out(area, Indicator.objects.filter(area=area).count())


def _indicator(indicator_id: int) -> Indicator:
    indicator = Indicator.objects.select_related("area").filter(pk=indicator_id).first()
    if indicator is None:
        raise Http404
    return indicator


def _with_area(indicator: Indicator) -> Indicator:
    return Indicator.objects.select_related("area").get(pk=indicator.pk)


@library_router.get(
    "/kpis/{kpi_id}", response={200: IndicatorOut, **READ_ERRORS}, summary="Read a KPI", url_name="kpi_read"
)
def kpi_read(request: AuthedRequest, kpi_id: int) -> IndicatorOut:
    """One KPI of the library, for everyone in the company."""
    if not _in_company(request.user):
        raise Http404
    return indicator_out(_indicator(kpi_id))


@kpi_router.post("/kpis", response={201: IndicatorOut, **CREATE_ERRORS}, summary="Add a KPI to the library")
def kpi_create(request: AuthedRequest, payload: IndicatorIn, response: HttpResponse) -> Status[IndicatorOut]:
    """Add a KPI: code, names, unit, direction (which way is better), how actuals add up, definition and
    data source. HR and administrators."""
    if not permissions.can_manage_library(request.user):
        raise Http404
    values = payload.model_dump()
    values["area_id"] = values.pop("area")
    indicator = services_kpi.indicator_save(actor=request.user, data=services_kpi.IndicatorInput(**values))
    response["Location"] = reverse("api:kpi_read", args=[indicator.pk])
    return Status(201, indicator_out(_with_area(indicator)))


@library_router.patch("/kpis/{kpi_id}", response={200: IndicatorOut, **WRITE_ERRORS}, summary="Change a KPI")
def kpi_update(request: AuthedRequest, kpi_id: int, payload: IndicatorPatchIn) -> IndicatorOut:
    """Change the fields sent; `active: false` retires the KPI (its targets stay, no new ones are handed out).
    The direction can no longer change once targets use the KPI. HR and administrators."""
    if not permissions.can_manage_library(request.user):
        raise Http404
    indicator = _indicator(kpi_id)
    sent = payload.model_dump(exclude_unset=True)
    if "area" in sent:
        sent["area_id"] = sent.pop("area")
    values = {**services_kpi.indicator_snapshot(indicator), **sent}
    indicator = services_kpi.indicator_save(
        actor=request.user, indicator=indicator, data=services_kpi.IndicatorInput(**values)
    )
    return indicator_out(_with_area(indicator))


# ---- goal templates ----------------------------------------------------------------------------


def template_out(user: Any, template: GoalTemplate, used: int) -> GoalTemplateOut:
    return GoalTemplateOut(
        id=template.pk,
        title=template.title,
        description=template.description,
        weight=_num(template.weight),
        key_results=[
            TemplateKeyResultOut(
                title=kr["title"],
                unit=kr["unit"],
                direction=kr["direction"],
                start=_num(Decimal(kr["start"])),
                target=_num(Decimal(kr["target"])),
                stretch=_num_or_none(None if kr.get("stretch") in (None, "") else Decimal(kr["stretch"])),
                weight=_num(Decimal(kr["weight"])),
            )
            for kr in template.key_results
        ],
        used=used,
        editable=permissions.can_edit_template(user, template),
    )


def _stored_key_results(template: GoalTemplate) -> list[services.KeyResultInput]:
    return [
        services.KeyResultInput(
            id=None,
            title=kr["title"],
            unit=kr["unit"],
            direction=kr["direction"],
            start=kr["start"],
            target=kr["target"],
            stretch=kr.get("stretch"),
            weight=kr["weight"],
        )
        for kr in template.key_results
    ]


def _require_templates(user: Any) -> None:
    if not permissions.can_assign_in_bulk(user):
        raise Http404


@template_router.get(
    "/goal-templates",
    response={200: GoalTemplatePage, **READ_ERRORS},
    summary="List goal templates",
    url_name="goal_template_list",
)
def goal_template_list(request: AuthedRequest, filters: Query[PageFilters]) -> GoalTemplatePage:
    """Objectives with key results to hand out in bulk, by id, with how often each was assigned.
    HR, administrators and managers."""
    _require_templates(request.user)
    qs = GoalTemplate.objects.annotate(used=Count("objectives"))
    rows, next_cursor = keyset_page(qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="templates")
    return GoalTemplatePage(
        items=[template_out(request.user, t, t.used) for t in rows],  # type: ignore[attr-defined]
        next_cursor=next_cursor,
    )


@template_router.get(
    "/goal-templates/{template_id}",
    response={200: GoalTemplateOut, **READ_ERRORS},
    summary="Read a goal template",
    url_name="goal_template_read",
)
def goal_template_read(request: AuthedRequest, template_id: int) -> GoalTemplateOut:
    """One goal template. HR, administrators and managers."""
    template = permissions.template_for_user(request.user, template_id)
    return template_out(request.user, template, Objective.objects.filter(template=template).count())


@template_router.post(
    "/goal-templates", response={201: GoalTemplateOut, **CREATE_ERRORS}, summary="Write a goal template"
)
def goal_template_create(
    request: AuthedRequest, payload: GoalTemplateIn, response: HttpResponse
) -> Status[GoalTemplateOut]:
    """An objective (title, description, weight) with at least one key result, to assign to many people.
    HR, administrators and managers (a manager's template can be changed by her and HR)."""
    _require_templates(request.user)
    template = services.goal_template_save(
        actor=request.user,
        title=payload.title,
        description=payload.description,
        weight=payload.weight,
        key_results=_key_result_inputs(payload.key_results),
    )
    response["Location"] = reverse("api:goal_template_read", args=[template.pk])
    return Status(201, template_out(request.user, template, 0))


@template_router.patch(
    "/goal-templates/{template_id}",
    response={200: GoalTemplateOut, **WRITE_ERRORS},
    summary="Change a goal template",
)
def goal_template_update(request: AuthedRequest, template_id: int, payload: GoalTemplatePatchIn) -> GoalTemplateOut:
    """Change the fields sent; `key_results`, when sent, replaces the list. Objectives assigned earlier keep
    what they were given. HR and administrators, or the manager who wrote it."""
    template = permissions.template_for_user(request.user, template_id)
    if not permissions.can_edit_template(request.user, template):
        raise Http404
    sent = payload.model_fields_set
    template = services.goal_template_save(
        actor=request.user,
        template=template,
        title=payload.title if "title" in sent else template.title,
        description=payload.description if "description" in sent else template.description,
        weight=payload.weight if "weight" in sent else template.weight,
        key_results=(
            _key_result_inputs(payload.key_results) if "key_results" in sent else _stored_key_results(template)
        ),
    )
    return template_out(request.user, template, Objective.objects.filter(template=template).count())


# ---- bulk assignment ---------------------------------------------------------------------------


def assignment_out(assignment: BulkAssignment) -> AssignmentOut:
    return AssignmentOut(
        id=assignment.pk,
        kind=assignment.kind,
        period=assignment.period_id,
        matched=assignment.matched,
        created=assignment.created,
        skipped=max(assignment.matched - assignment.created, 0),
    )


def _people_filter(user: Any, department: int | None, title: str, levels: list[str]) -> services.PeopleFilter:
    """The filters of a bulk assignment; the department must be one the caller can see."""
    dept = _department(user, department)
    return services.PeopleFilter(
        department_id=dept.pk if dept is not None else None,
        title=title.strip(),
        levels=tuple(level.strip() for level in levels if level.strip()),
    )


@template_router.post(
    "/goal-templates/{template_id}/assignments",
    response={201: AssignmentOut, **CREATE_ERRORS},
    summary="Assign a goal template to everyone matching filters",
)
def goal_template_assign(request: AuthedRequest, template_id: int, payload: TemplateAssignIn) -> Status[AssignmentOut]:
    """Give everyone matching the filters (department subtree, job title, job levels) whom the caller may set
    goals for an objective from the template in `period`, optionally aligned to `parent`. People who already
    have it in the period are skipped, so sending the same assignment twice creates nothing the second time."""
    template = permissions.template_for_user(request.user, template_id)
    period = _period(payload.period)
    filters = _people_filter(request.user, payload.department, payload.title, payload.levels)
    parent = None
    if payload.parent is not None:
        parent = Objective.objects.visible_to(request.user).filter(pk=payload.parent).first()
        if parent is None:
            raise DomainError(
                _("Choose an objective you can see."), fields={"parent": [_("Choose an objective you can see.")]}
            )
    assignment = services.goals_bulk_assign(
        actor=request.user, template=template, period=period, filters=filters, parent=parent
    )
    return Status(201, assignment_out(assignment))


@template_router.post(
    "/kpi-targets/assignments",
    response={201: AssignmentOut, **CREATE_ERRORS},
    summary="Assign a KPI to everyone matching filters",
)
def kpi_targets_assign(request: AuthedRequest, payload: KPIAssignIn) -> Status[AssignmentOut]:
    """Give everyone matching the filters whom the caller may set KPIs for this KPI in `period`, with the same
    baseline, target, stretch and weight. People who already have it keep theirs (counted as skipped)."""
    _require_templates(request.user)
    indicator = Indicator.objects.filter(pk=payload.indicator).first()
    if indicator is None:
        raise _not_found("indicator", _("KPI not found."))
    assignment = services_kpi.kpi_targets_bulk_assign(
        actor=request.user,
        indicator=indicator,
        period=_period(payload.period),
        filters=_people_filter(request.user, payload.department, payload.title, payload.levels),
        baseline=payload.baseline,
        target=payload.target,
        stretch=payload.stretch,
        weight=payload.weight,
    )
    return Status(201, assignment_out(assignment))


@template_router.get(
    "/people-matching",
    response={200: PeopleMatchingOut, **READ_ERRORS},
    summary="Count whom bulk-assignment filters reach",
    url_name="people_matching",
)
def people_matching(request: AuthedRequest, filters: Query[PeopleMatchingFilters]) -> PeopleMatchingOut:
    """How many people an assignment with these filters would reach, before assigning. With `period` and
    `template` (or `indicator`), also how many of them already have it."""
    _require_templates(request.user)
    if filters.template is not None and filters.indicator is not None:
        message = _("Name a template or a KPI, not both.")
        raise DomainError(message, fields={"indicator": [message]})
    people = services.people_matching(
        actor=request.user,
        filters=_people_filter(request.user, filters.department, filters.title, filters.levels),
    )
    matched = people.count()
    already = None
    if filters.period is not None and filters.template is not None:
        template = permissions.template_for_user(request.user, filters.template)
        already = Objective.objects.filter(template=template, period_id=filters.period, employee__in=people).count()
    elif filters.period is not None and filters.indicator is not None:
        already = KPITarget.objects.filter(
            indicator_id=filters.indicator, period_id=filters.period, employee__in=people
        ).count()
    return PeopleMatchingOut(
        matched=matched, already=already, new=None if already is None else max(matched - already, 0)
    )


# ---- the KPI actuals import --------------------------------------------------------------------


def import_job_out(job: ImportJob) -> KPIImportJobOut:
    """A KPI actuals import job, its report worded as the KPI import words it (in the caller's language)."""
    report = job.report or {}
    period = report.get("period_id")
    return KPIImportJobOut(
        id=job.pk,
        kind=job.kind,
        filename=job.filename,
        period=int(period) if isinstance(period, int) else None,
        status=job.status,
        progress=KPIImportProgressOut(
            done=job.progress_done, total=job.progress_total, percent=job.percent, stage=job.stage
        ),
        counts=KPIImportCountsOut(created=job.created_count, updated=job.updated_count, unchanged=job.unchanged_count),
        report=KPIImportReportOut(
            total_errors=report.get("total_errors", 0),
            truncated=report.get("truncated", False),
            errors=[
                KPIImportProblemOut(
                    row=entry.get("row"),
                    column=entry.get("column") or entry.get("field") or "",
                    field=entry.get("field") or "",
                    code=entry.get("code", ""),
                    message=imports_kpi.describe(entry),
                )
                for entry in report.get("errors", [])
            ],
            notices=[imports_kpi.describe(n) for n in report.get("notices", [])],
        ),
        created_at=job.created_at,
        finished_at=job.finished_at,
        url=reverse("api:kpi_actuals_import_job", args=[job.pk]),
        page_url=job.get_absolute_url(),
    )


@library_router.post(
    "/kpi-actuals/imports",
    response={201: KPIImportJobOut, 202: KPIImportJobOut, **CREATE_ERRORS},
    url_name="kpi_actuals_import",
    summary="Import KPI actuals from a CSV or XLSX file",
)
def kpi_actuals_import(request: AuthedRequest, period: Form[int], file: File[UploadedFile]) -> Status[KPIImportJobOut]:
    """Upload a file (multipart: `file`, and `period`, the id of the period the values belong to) with the
    columns employee_number or department, kpi_code, date, value and note (or their Chinese names). Small
    files are imported at once and answer 201 with the finished job; large ones answer 202 with a queued job
    to poll at `url`. All or nothing: a file with any bad row records nothing, and the job's `report` lists
    each problem (row, column, message). The same file twice changes nothing. HR, administrators and
    managers; each row is checked against who may record that KPI."""
    if not permissions.can_import_actuals(request.user):
        raise Http404
    job = imports_kpi.actuals_job_create(
        actor=request.user, file=file, period=_period(period), filename=file.name or ""
    )
    return Status(201 if job.finished else 202, import_job_out(job))


@library_router.get(
    "/kpi-actuals/imports/{job_id}",
    response={200: KPIImportJobOut, **READ_ERRORS},
    url_name="kpi_actuals_import_job",
    summary="Read a KPI actuals import job: status, progress, counts and per-row report",
)
def kpi_actuals_import_job(request: AuthedRequest, job_id: int) -> KPIImportJobOut:
    """The job, for the person who uploaded it or an administrator; 404 for anyone else."""
    return import_job_out(permissions.actuals_import_job_for_user(request.user, job_id))
