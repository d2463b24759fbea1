"""Goals and KPI endpoints: periods, objectives and key results, check-ins, goal plans, the KPI library,
KPI targets and actuals — behind the same gate as the pages.

Each handler parses, passes the gate in permissions.py (or a listing's `visible_to`), calls one service
and answers. Versions travel as ETag / If-Match (docs/decisions/0002-api-conventions.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status

from jixiao.accounts.models import User
from jixiao.core.api import (
    CREATE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    etag_for,
    invalid_query,
    keyset_page,
    version_from_if_match,
)
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.http import AuthedRequest
from jixiao.org.models import Department, Employee
from jixiao.org.selectors import actor_context

from . import permissions, services, services_kpi
from .models import CheckIn, GoalPlan, Indicator, KeyResult, KPIActual, KPITarget, Objective, Period
from .schemas import (
    ActualOut,
    ActualPage,
    ActualsBatchIn,
    ActualsResultOut,
    CheckInIn,
    CheckInOut,
    CheckInPage,
    GoalPlanOut,
    IndicatorFilters,
    IndicatorOut,
    IndicatorPage,
    KeyResultOut,
    KPITargetCreateIn,
    KPITargetFilters,
    KPITargetOut,
    KPITargetPage,
    KPITargetPatchIn,
    ObjectiveCreateIn,
    ObjectiveDeleteFilters,
    ObjectiveFilters,
    ObjectiveOut,
    ObjectivePage,
    ObjectivePatchIn,
    PageFilters,
    PeriodFilters,
    PeriodOut,
    PeriodPage,
    PlanDecisionIn,
)
from .selectors import owner_label

router = Router(tags=["goals"])
kpi_router = Router(tags=["KPIs"])

M = TypeVar("M", bound=Model)

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description='The ETag from the last read, e.g. "3". Required; a stale one gets 412.'),
]
OptionalIfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="Optional: the ETag of the plan you read; a stale one gets 412."),
]
QUANTUM = Decimal("0.0001")
LARGEST = Decimal("1e15")
# SQLite and PostgreSQL both take this many values in one IN (...) comfortably.
IN_CHUNK = 900


def _num(value: Decimal) -> str:
    """A stored decimal as an exact string without trailing zeros: "100", "0.8333"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _num_or_none(value: Decimal | None) -> str | None:
    return None if value is None else _num(value)


def _in_company(user: Any) -> bool:
    """Accounts with a place in the company (or HR, admin, executive); others see empty lists."""
    ctx = actor_context(user)
    return bool(ctx.is_admin or ctx.is_executive or ctx.employee_id or ctx.hr_paths)


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---- answers -----------------------------------------------------------------------------------


def period_out(period: Period) -> PeriodOut:
    return PeriodOut(
        id=period.pk,
        name=period.name,
        name_en=period.name_en,
        kind=Period.Kind(period.kind),
        start=period.start,
        end=period.end,
        parent=period.parent_id,
    )


def key_result_out(kr: KeyResult) -> KeyResultOut:
    return KeyResultOut(
        id=kr.pk,
        title=kr.title,
        unit=KeyResult.Unit(kr.unit),
        direction=KeyResult.Direction(kr.direction),
        start=_num(kr.start),
        target=_num(kr.target),
        stretch=_num_or_none(kr.stretch),
        current=_num(kr.current),
        weight=_num(kr.weight),
        position=kr.position,
        progress=_num(kr.progress),
        confidence=kr.confidence or None,  # type: ignore[arg-type]
    )


def objective_out(objective: Objective, key_results: Iterable[KeyResult]) -> ObjectiveOut:
    """An objective (department and employee loaded) with its key results."""
    return ObjectiveOut(
        id=objective.pk,
        period=objective.period_id,
        owner_type=objective.owner_type,  # type: ignore[arg-type]
        department=objective.department_id,
        employee=objective.employee_id,
        owner_name=owner_label(objective),
        title=objective.title,
        description=objective.description,
        weight=_num(objective.weight),
        visibility=objective.visibility,  # type: ignore[arg-type]
        due_date=objective.due_date,
        parent=objective.parent_id,
        path=objective.path,
        progress=_num(objective.progress),
        confidence=objective.confidence or None,  # type: ignore[arg-type]
        version=objective.version,
        key_results=[key_result_out(kr) for kr in key_results],
    )


def _with_key_results(objective: Objective) -> ObjectiveOut:
    return objective_out(objective, KeyResult.objects.filter(objective=objective).order_by("position", "pk"))


def indicator_out(indicator: Indicator) -> IndicatorOut:
    return IndicatorOut(
        id=indicator.pk,
        area=indicator.area_id,
        area_name=indicator.area.name,
        code=indicator.code,
        name=indicator.name,
        name_en=indicator.name_en,
        unit=indicator.unit,  # type: ignore[arg-type]
        direction=indicator.direction,  # type: ignore[arg-type]
        aggregation=indicator.aggregation,  # type: ignore[arg-type]
        definition=indicator.definition,
        data_source=indicator.data_source,
        active=indicator.active,
    )


def kpi_target_out(target: KPITarget) -> KPITargetOut:
    """A KPI target (indicator loaded)."""
    return KPITargetOut(
        id=target.pk,
        indicator=target.indicator_id,
        indicator_code=target.indicator.code,
        indicator_name=target.indicator.name,
        indicator_name_en=target.indicator.name_en,
        period=target.period_id,
        employee=target.employee_id,
        department=target.department_id,
        baseline=_num(target.baseline),
        target=_num(target.target),
        stretch=_num_or_none(target.stretch),
        weight=_num(target.weight),
        actual=_num_or_none(target.actual),
        attainment=_num_or_none(target.attainment),
        version=target.version,
    )


# ---- references in request bodies -------------------------------------------------------------


def _not_found(field: str, message: str) -> DomainError:
    return DomainError(message, fields={field: [_("Not found.")]})


def _period(period_id: int, field: str = "period") -> Period:
    period = Period.objects.filter(pk=period_id).first()
    if period is None:
        raise _not_found(field, _("Period not found."))
    return period


def _department(user: Any, department_id: int | None, field: str = "department") -> Department | None:
    if department_id is None:
        return None
    department = Department.objects.visible_to(user).select_related("head").filter(pk=department_id).first()
    if department is None:
        raise _not_found(field, _("Department not found."))
    return department


def _employee(user: Any, employee_id: int | None, field: str = "employee") -> Employee | None:
    if employee_id is None:
        return None
    employee = Employee.objects.visible_to(user).select_related("department").filter(pk=employee_id).first()
    if employee is None:
        raise _not_found(field, _("Person not found."))
    return employee


def _key_result_inputs(items: Iterable[Any]) -> list[services.KeyResultInput]:
    return [
        services.KeyResultInput(
            # Templates' key results have no id: they are always written anew.
            id=getattr(item, "key_result", None),
            title=item.title,
            unit=item.unit,
            direction=item.direction,
            start=item.start,
            target=item.target,
            stretch=item.stretch,
            weight=item.weight,
        )
        for item in items
    ]


# ---- periods -----------------------------------------------------------------------------------


@router.get("/periods", response={200: PeriodPage, **READ_ERRORS}, summary="List periods", url_name="period_list")
def period_list(request: AuthedRequest, filters: Query[PeriodFilters]) -> PeriodPage:
    """Years, halves, quarters, months and custom periods, by id. `on=<date>` gives the periods containing it."""
    if not _in_company(request.user):
        return PeriodPage(items=[], next_cursor=None)
    qs = Period.objects.all()
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.parent is not None:
        qs = qs.filter(parent_id=filters.parent)
    if filters.on is not None:
        qs = qs.filter(start__lte=filters.on, end__gte=filters.on)
    rows, next_cursor = keyset_page(qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="periods")
    return PeriodPage(items=[period_out(p) for p in rows], next_cursor=next_cursor)


# ---- objectives --------------------------------------------------------------------------------


@router.get(
    "/objectives", response={200: ObjectivePage, **READ_ERRORS}, summary="List objectives", url_name="objective_list"
)
def objective_list(request: AuthedRequest, filters: Query[ObjectiveFilters]) -> ObjectivePage:
    """Objectives the caller can see (public ones, and private ones she may read), by id, with key results."""
    qs = (
        Objective.objects.visible_to(request.user)
        .select_related("department", "employee")
        .prefetch_related("key_results")
    )
    for name in ("period", "owner_type", "employee", "department", "parent"):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{name if name == "owner_type" else f"{name}_id": value})
    rows, next_cursor = keyset_page(qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="objectives")
    return ObjectivePage(items=[objective_out(o, o.key_results.all()) for o in rows], next_cursor=next_cursor)


@router.get(
    "/objectives/{objective_id}",
    response={200: ObjectiveOut, **READ_ERRORS},
    summary="Read an objective",
    url_name="objective_read",
)
def objective_read(request: AuthedRequest, objective_id: int, response: HttpResponse) -> ObjectiveOut:
    """One objective with its key results. The ETag header carries its version, for If-Match on PATCH."""
    objective = permissions.objective_for_user(request.user, objective_id)
    response["ETag"] = etag_for(objective.version)
    return _with_key_results(objective)


@router.post("/objectives", response={201: ObjectiveOut, **CREATE_ERRORS}, summary="Write an objective")
def objective_create(
    request: AuthedRequest, payload: ObjectiveCreateIn, response: HttpResponse
) -> Status[ObjectiveOut]:
    """Write an objective for the company, a department or a person, with its key results, optionally aligned
    to an objective the caller can see. A person's approved goals need a `reason`."""
    if not _in_company(request.user):
        raise Http404
    objective = services.objective_create(
        actor=request.user,
        period=_period(payload.period),
        owner_type=payload.owner_type,
        department=_department(request.user, payload.department),
        employee=_employee(request.user, payload.employee),
        data=services.ObjectiveInput(
            title=payload.title,
            description=payload.description,
            weight=payload.weight,
            visibility=payload.visibility,
            due_date=payload.due_date,
            parent_id=payload.parent,
            key_results=_key_result_inputs(payload.key_results),
        ),
        reason=payload.reason,
    )
    response["ETag"] = etag_for(objective.version)
    response["Location"] = reverse("api:objective_read", args=[objective.pk])
    return Status(201, _with_key_results(objective))


@router.patch("/objectives/{objective_id}", response={200: ObjectiveOut, **WRITE_ERRORS}, summary="Change an objective")
def objective_update(
    request: AuthedRequest,
    objective_id: int,
    payload: ObjectivePatchIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> ObjectiveOut:
    """Change the fields sent; `key_results`, when sent, replaces the list (items naming a `key_result` keep it).
    Needs If-Match with the ETag last read (412 when stale); approved goals need a `reason`."""
    objective = permissions.objective_for_user(request.user, objective_id, write=True)
    version = version_from_if_match(if_match, objective.version)
    sent = payload.model_fields_set
    if "key_results" in sent:
        key_results = _key_result_inputs(payload.key_results)
    else:
        key_results = [
            services.KeyResultInput(
                id=kr.pk,
                title=kr.title,
                unit=kr.unit,
                direction=kr.direction,
                start=kr.start,
                target=kr.target,
                stretch=kr.stretch,
                weight=kr.weight,
            )
            for kr in KeyResult.objects.filter(objective=objective).order_by("position", "pk")
        ]
    objective = services.objective_update(
        actor=request.user,
        objective=objective,
        version=version,
        data=services.ObjectiveInput(
            title=payload.title if "title" in sent else objective.title,
            description=payload.description if "description" in sent else objective.description,
            weight=payload.weight if "weight" in sent else objective.weight,
            visibility=payload.visibility if "visibility" in sent else objective.visibility,
            due_date=payload.due_date if "due_date" in sent else objective.due_date,
            parent_id=payload.parent if "parent" in sent else objective.parent_id,
            key_results=key_results,
        ),
        reason=payload.reason,
    )
    response["ETag"] = etag_for(objective.version)
    return _with_key_results(objective)


@router.delete("/objectives/{objective_id}", response={204: None, **WRITE_ERRORS}, summary="Remove an objective")
def objective_delete(
    request: AuthedRequest, objective_id: int, filters: Query[ObjectiveDeleteFilters], if_match: IfMatch = None
) -> Status[None]:
    """Remove an objective nothing is aligned to. Needs If-Match; approved goals need `?reason=`."""
    objective = permissions.objective_for_user(request.user, objective_id, write=True)
    version = version_from_if_match(if_match, objective.version)
    services.objective_delete(actor=request.user, objective=objective, version=version, reason=filters.reason)
    return Status(204, None)


# ---- check-ins ---------------------------------------------------------------------------------


def _author_names(user_ids: set[int]) -> dict[int, str]:
    rows = User.objects.filter(pk__in=user_ids).values_list("pk", "username", "employee__name")
    return {pk: name or username for pk, username, name in rows}


def check_in_out(check_in: CheckIn, authors: dict[int, str]) -> CheckInOut:
    return CheckInOut(
        id=check_in.pk,
        key_result=check_in.key_result_id,
        value=_num(check_in.value),
        progress=_num(check_in.progress),
        confidence=check_in.confidence,  # type: ignore[arg-type]
        comment=check_in.comment,
        author_name=authors.get(check_in.author_id, "") if check_in.author_id else "",
        created_at=check_in.created_at,
    )


@router.post(
    "/key-results/{key_result_id}/check-ins",
    response={201: CheckInOut, **CREATE_ERRORS},
    summary="Check in on a key result",
    url_name="check_in_create",
)
def check_in_create(request: AuthedRequest, key_result_id: int, payload: CheckInIn) -> Status[CheckInOut]:
    """Record a new value with a confidence and a comment; the objective and those it aligns to move with it."""
    key_result = permissions.key_result_for_user(request.user, key_result_id, write=True)
    check_in = services.key_result_check_in(
        actor=request.user,
        key_result=key_result,
        value=payload.value,
        confidence=payload.confidence,
        comment=payload.comment,
    )
    return Status(201, check_in_out(check_in, _author_names({request.user.pk})))


@router.get(
    "/key-results/{key_result_id}/check-ins",
    response={200: CheckInPage, **READ_ERRORS},
    summary="List a key result's check-ins",
    url_name="check_in_list",
)
def check_in_list(request: AuthedRequest, key_result_id: int, filters: Query[PageFilters]) -> CheckInPage:
    """The key result's history of values, oldest first (the line chart of its progress)."""
    key_result = permissions.key_result_for_user(request.user, key_result_id)
    rows, next_cursor = keyset_page(
        CheckIn.objects.filter(key_result=key_result),
        keys=("id",),
        cursor=filters.cursor,
        limit=filters.limit,
        salt="check-ins",
    )
    authors = _author_names({c.author_id for c in rows if c.author_id})
    return CheckInPage(items=[check_in_out(c, authors) for c in rows], next_cursor=next_cursor)


# ---- goal plans --------------------------------------------------------------------------------


def plan_out(plan: GoalPlan) -> GoalPlanOut:
    objectives = list(
        services.plan_objectives(plan)
        .select_related("department", "employee")
        .prefetch_related("key_results")
        .order_by("pk")
    )
    return GoalPlanOut(
        employee=plan.employee_id,
        period=plan.period_id,
        state=plan.state,  # type: ignore[arg-type]
        comment=plan.comment,
        submitted_at=plan.submitted_at,
        decided_at=plan.decided_at,
        version=plan.version,
        weight_total=_num(sum((o.weight for o in objectives), Decimal(0))),
        objectives=[objective_out(o, o.key_results.all()) for o in objectives],
    )


def _check_plan_version(plan: GoalPlan, if_match: str | None) -> None:
    """If-Match is optional on plan actions; when sent it must name the plan's current version."""
    if if_match is not None and version_from_if_match(if_match, plan.version) != plan.version:
        raise StaleWrite(_("Someone else changed these goals. Reload to see their changes."))


def _decide_plan(
    request: AuthedRequest,
    employee_id: int,
    period_id: int,
    response: HttpResponse,
    if_match: str | None,
    *,
    approve: bool,
    comment: str,
) -> GoalPlanOut:
    """Approve or return a plan: the deciders' gate, the optional If-Match, the decision, the new ETag."""
    plan = permissions.plan_for_user(request.user, employee_id, period_id, approve=True)
    _check_plan_version(plan, if_match)
    plan = services.goal_plan_decide(actor=request.user, plan=plan, approve=approve, comment=comment)
    response["ETag"] = etag_for(plan.version)
    return plan_out(plan)


PLAN_PATH = "/goal-plans/{employee_id}/{period_id}"


@router.get(
    PLAN_PATH, response={200: GoalPlanOut, **READ_ERRORS}, summary="Read a person's goal plan", url_name="plan_read"
)
def plan_read(request: AuthedRequest, employee_id: int, period_id: int, response: HttpResponse) -> GoalPlanOut:
    """A person's goals for a period as a whole: state (draft, submitted, approved, returned), weights, objectives.
    For the person, her management chain, HR in scope, executives and admins."""
    plan = permissions.plan_for_user(request.user, employee_id, period_id)
    response["ETag"] = etag_for(plan.version)
    return plan_out(plan)


@router.post(
    PLAN_PATH + "/submit",
    response={200: GoalPlanOut, **WRITE_ERRORS},
    summary="Submit a goal plan for approval",
    url_name="plan_submit",
)
def plan_submit(
    request: AuthedRequest, employee_id: int, period_id: int, response: HttpResponse, if_match: OptionalIfMatch = None
) -> GoalPlanOut:
    """Send the goals to the manager. The objectives' weights must add up to 100 (and be SMART, if HR says so)."""
    plan = permissions.plan_for_user(request.user, employee_id, period_id)
    _check_plan_version(plan, if_match)
    plan = services.goal_plan_submit(actor=request.user, plan=plan)
    response["ETag"] = etag_for(plan.version)
    return plan_out(plan)


@router.post(
    PLAN_PATH + "/approve",
    response={200: GoalPlanOut, **WRITE_ERRORS},
    summary="Approve a submitted goal plan",
    url_name="plan_approve",
)
def plan_approve(
    request: AuthedRequest,
    employee_id: int,
    period_id: int,
    payload: PlanDecisionIn,
    response: HttpResponse,
    if_match: OptionalIfMatch = None,
) -> GoalPlanOut:
    """Approve the goals. Her management chain, HR in scope and admins; never the person herself."""
    return _decide_plan(request, employee_id, period_id, response, if_match, approve=True, comment=payload.comment)


@router.post(
    PLAN_PATH + "/return",
    response={200: GoalPlanOut, **WRITE_ERRORS},
    summary="Return a goal plan with a comment",
    url_name="plan_return",
)
def plan_return(
    request: AuthedRequest,
    employee_id: int,
    period_id: int,
    payload: PlanDecisionIn,
    response: HttpResponse,
    if_match: OptionalIfMatch = None,
) -> GoalPlanOut:
    """Send submitted (or approved) goals back to the person; `comment` says what should change."""
    return _decide_plan(request, employee_id, period_id, response, if_match, approve=False, comment=payload.comment)


# ---- KPI library -------------------------------------------------------------------------------


@kpi_router.get(
    "/kpis", response={200: IndicatorPage, **READ_ERRORS}, summary="List the KPI library", url_name="kpi_list"
)
def kpi_list(request: AuthedRequest, filters: Query[IndicatorFilters]) -> IndicatorPage:
    """The KPIs of the library by business area: code, names, unit, direction, how actuals add up, definition."""
    if not _in_company(request.user):
        return IndicatorPage(items=[], next_cursor=None)
    qs = Indicator.objects.select_related("area")
    if filters.area is not None:
        qs = qs.filter(area_id=filters.area)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    if filters.q:
        qs = qs.filter(Q(code__icontains=filters.q) | Q(name__icontains=filters.q) | Q(name_en__icontains=filters.q))
    rows, next_cursor = keyset_page(qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="kpis")
    return IndicatorPage(items=[indicator_out(i) for i in rows], next_cursor=next_cursor)


# ---- KPI targets -------------------------------------------------------------------------------


@kpi_router.get(
    "/kpi-targets",
    response={200: KPITargetPage, **READ_ERRORS},
    summary="List KPI targets",
    url_name="kpi_target_list",
)
def kpi_target_list(request: AuthedRequest, filters: Query[KPITargetFilters]) -> KPITargetPage:
    """KPI targets the caller can see (her own, her team's, her departments', HR in scope), by id."""
    qs = KPITarget.objects.visible_to(request.user).select_related("indicator")
    for name in ("period", "indicator", "employee", "department"):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{f"{name}_id": value})
    rows, next_cursor = keyset_page(qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="kpi-targets")
    return KPITargetPage(items=[kpi_target_out(t) for t in rows], next_cursor=next_cursor)


@kpi_router.get(
    "/kpi-targets/{target_id}",
    response={200: KPITargetOut, **READ_ERRORS},
    summary="Read a KPI target",
    url_name="kpi_target_read",
)
def kpi_target_read(request: AuthedRequest, target_id: int, response: HttpResponse) -> KPITargetOut:
    """One KPI target with its actual and attainment. The ETag header carries its version, for PATCH."""
    target = permissions.kpi_target_for_user(request.user, target_id)
    response["ETag"] = etag_for(target.version)
    return kpi_target_out(target)


@kpi_router.post("/kpi-targets", response={201: KPITargetOut, **CREATE_ERRORS}, summary="Assign a KPI")
def kpi_target_create(
    request: AuthedRequest, payload: KPITargetCreateIn, response: HttpResponse
) -> Status[KPITargetOut]:
    """Assign a KPI of the library to a person (by her management or HR) or a department for a period."""
    if not _in_company(request.user):
        raise Http404
    indicator = Indicator.objects.filter(pk=payload.indicator).first()
    if indicator is None:
        raise _not_found("indicator", _("KPI not found."))
    target = services_kpi.kpi_target_create(
        actor=request.user,
        indicator=indicator,
        period=_period(payload.period),
        employee=_employee(request.user, payload.employee),
        department=_department(request.user, payload.department),
        baseline=payload.baseline,
        target=payload.target,
        stretch=payload.stretch,
        weight=payload.weight,
    )
    response["ETag"] = etag_for(target.version)
    response["Location"] = reverse("api:kpi_target_read", args=[target.pk])
    return Status(201, kpi_target_out(target))


@kpi_router.patch(
    "/kpi-targets/{target_id}", response={200: KPITargetOut, **WRITE_ERRORS}, summary="Change a KPI target"
)
def kpi_target_update(
    request: AuthedRequest,
    target_id: int,
    payload: KPITargetPatchIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> KPITargetOut:
    """Change baseline, target, stretch or weight (the fields sent). Needs If-Match; a stale one gets 412."""
    target = permissions.kpi_target_for_user(request.user, target_id, write=True)
    version = version_from_if_match(if_match, target.version)
    sent = payload.model_fields_set
    target = services_kpi.kpi_target_update(
        actor=request.user,
        target=target,
        version=version,
        baseline=payload.baseline if "baseline" in sent else target.baseline,
        target_value=payload.target if "target" in sent else target.target,
        stretch=payload.stretch if "stretch" in sent else target.stretch,
        weight=payload.weight if "weight" in sent else target.weight,
    )
    response["ETag"] = etag_for(target.version)
    return kpi_target_out(target)


# ---- KPI actuals -------------------------------------------------------------------------------


def _date_page(
    qs: QuerySet[KPIActual], *, cursor: str | None, limit: int, salt: str
) -> tuple[list[KPIActual], str | None]:
    """One page of a target's actuals in date order (one per date), after the signed date in `cursor`."""
    if cursor:
        try:
            after = dt.date.fromisoformat(signing.loads(cursor, salt=f"jixiao.api.cursor.{salt}"))
        except (signing.BadSignature, TypeError, ValueError):
            raise invalid_query("cursor", _("This cursor is not valid. Start again without one.")) from None
        qs = qs.filter(measured_on__gt=after)
    rows = list(qs.order_by("measured_on")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, signing.dumps(rows[-1].measured_on.isoformat(), salt=f"jixiao.api.cursor.{salt}")


@kpi_router.get(
    "/kpi-targets/{target_id}/actuals",
    response={200: ActualPage, **READ_ERRORS},
    summary="List a KPI target's actuals",
    url_name="kpi_actual_list",
)
def kpi_actual_list(request: AuthedRequest, target_id: int, filters: Query[PageFilters]) -> ActualPage:
    """The recorded values of a KPI target in date order, each with its source (manual, import, api)."""
    target = permissions.kpi_target_for_user(request.user, target_id)
    rows, next_cursor = _date_page(
        KPIActual.objects.filter(target=target), cursor=filters.cursor, limit=filters.limit, salt="kpi-actuals"
    )
    return ActualPage(
        items=[
            ActualOut(
                id=a.pk,
                target=a.target_id,
                measured_on=a.measured_on,
                value=_num(a.value),
                source=a.source,
                note=a.note,
                recorded_at=a.recorded_at,
            )
            for a in rows
        ],
        next_cursor=next_cursor,
    )


_TARGET_RELATED = ("indicator", "period", "employee__department", "department__head")


def _targets_for_batch(
    user: Any, items: Sequence[Any]
) -> tuple[dict[int, KPITarget], dict[tuple[Any, ...], KPITarget]]:
    """The visible targets the batch names, by id and by (owner, KPI code, period): a few queries per 900."""
    visible = KPITarget.objects.visible_to(user).select_related(*_TARGET_RELATED)
    by_id: dict[int, KPITarget] = {}
    ids = sorted({item.target_id for item in items if item.target_id is not None})
    for chunk in _chunks(ids):
        by_id.update({t.pk: t for t in visible.filter(pk__in=chunk)})
    by_key: dict[tuple[Any, ...], KPITarget] = {}
    named = [item for item in items if item.target_id is None]
    if named:
        codes = sorted({item.kpi_code for item in named})
        periods = sorted({item.period_id for item in named})
        scope = visible.filter(indicator__code__in=codes, period_id__in=periods)
        numbers = sorted({item.employee_number for item in named if item.employee_number is not None})
        for chunk in _chunks(numbers):
            for t in scope.filter(employee__employee_number__in=chunk):
                assert t.employee is not None
                by_key[("employee", t.employee.employee_number, t.indicator.code, t.period_id)] = t
        departments = sorted({item.department_id for item in named if item.department_id is not None})
        for chunk in _chunks(departments):
            for t in scope.filter(department_id__in=chunk):
                by_key[("department", t.department_id, t.indicator.code, t.period_id)] = t
    return by_id, by_key


def _item_key(item: Any) -> tuple[Any, ...]:
    if item.employee_number is not None:
        return ("employee", item.employee_number, item.kpi_code, item.period_id)
    return ("department", item.department_id, item.kpi_code, item.period_id)


@kpi_router.post(
    "/kpi-actuals",
    response={200: ActualsResultOut, **CREATE_ERRORS},
    summary="Record KPI actuals in a batch",
    url_name="kpi_actuals_record",
)
def kpi_actuals_record(request: AuthedRequest, payload: ActualsBatchIn) -> ActualsResultOut:
    """Record up to 5,000 values at once, all or nothing. Name each target by `target_id` or by
    `employee_number` (or `department_id`), `kpi_code` and `period_id`. A value for a date already recorded
    replaces it; the same batch twice changes nothing. If any item is refused nothing is recorded, and the
    error's `fields` name each problem as `items.<index>.<field>`."""
    user = request.user
    by_id, by_key = _targets_for_batch(user, payload.items)
    errors: dict[str, list[str]] = {}
    rows: list[services_kpi.ActualRow] = []
    scope_paths: dict[int, str] = {}
    for index, item in enumerate(payload.items):
        prefix = f"items.{index}."
        known = len(errors)
        if item.target_id is not None:
            target, field = by_id.get(item.target_id), "target_id"
        else:
            target, field = by_key.get(_item_key(item)), "kpi_code"
        if target is None or not permissions.can_record_actual(user, target):
            errors[prefix + field] = [_("KPI target not found.")]
            continue
        period = target.period
        if not period.start <= item.measured_on <= period.end:
            errors[prefix + "measured_on"] = [
                _("The date must lie inside %(period)s (%(start)s – %(end)s).")
                % {"period": period.name, "start": period.start, "end": period.end}
            ]
        if abs(item.value) >= LARGEST:
            errors[prefix + "value"] = [_("Enter a number.")]
        if len(errors) > known:
            continue
        rows.append(
            services_kpi.ActualRow(target.pk, item.measured_on, item.value.quantize(QUANTUM), item.note.strip())
        )
        if target.pk not in scope_paths:
            owner = target.employee.department if target.employee is not None else target.department
            scope_paths[target.pk] = owner.path if owner is not None else ""
    if errors:
        raise DomainError(
            _("Nothing was recorded: %(bad)s of %(total)s values have problems.")
            % {"bad": len({key.split(".")[1] for key in errors}), "total": len(payload.items)},
            fields=errors,
        )
    result = services_kpi.kpi_actuals_record(
        actor=user, rows=rows, source=KPIActual.Source.API, label="API", scope_paths=scope_paths
    )
    return ActualsResultOut(
        created=result.created, updated=result.updated, unchanged=result.unchanged, total=result.total
    )
