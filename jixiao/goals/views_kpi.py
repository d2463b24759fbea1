"""KPI pages: the board, the library, targets, actuals by hand and by file import.

Thin views: parse, pass the gate in permissions.py, call one service or selector, render.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int
from jixiao.org.imports import megabytes
from jixiao.org.models import Department, Employee, ImportJob, Status
from jixiao.org.selectors import actor_context, department_name, department_options

from . import imports_kpi, permissions, selectors_kpi, services, services_kpi
from .forms_kpi import (
    ActualForm,
    ActualsImportForm,
    BusinessAreaForm,
    IndicatorForm,
    KPIAssignForm,
    KPITargetEditForm,
    KPITargetForm,
    PeopleFilterForm,
)
from .models import BusinessArea, Indicator, KPITarget, Period
from .selectors_kpi import Scope


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _in_company(request: AuthedRequest) -> bool:
    ctx = actor_context(request.user)
    return bool(ctx.employee_id or ctx.is_hr or ctx.is_admin or ctx.is_executive)


def _job_levels() -> list[str]:
    return list(
        Employee.objects.exclude(status=Status.LEFT)
        .exclude(job_level="")
        .order_by("job_level")
        .values_list("job_level", flat=True)
        .distinct()
    )


# ---- the board ----------------------------------------------------------------------------------


@login_required
def kpi_board(request: AuthedRequest) -> HttpResponse:
    """Attainment of the reader's KPIs, her team's or a department's for a period, with trends; keyset paging."""
    if not _in_company(request):
        raise Http404
    user = request.user
    ctx = actor_context(user)
    tabs: list[tuple[str, str]] = []
    if ctx.employee_id:
        tabs.append((Scope.MINE, _("Mine")))
    if ctx.is_manager:
        tabs.append((Scope.TEAM, _("My team")))
    tabs.append((Scope.DEPARTMENT, _("Department")))
    scope = request.GET.get("scope", "")
    scope = scope if scope in dict(tabs) else tabs[0][0]
    periods = selectors_kpi.period_choices()
    chosen = parse_int(request.GET.get("period"))
    period = next((p for p in periods if p.pk == chosen), None) or selectors_kpi.default_period(
        periods, timezone.localdate()
    )
    department: Department | None = None
    departments: list[Department] = []
    if scope == Scope.DEPARTMENT:
        wanted = parse_int(request.GET.get("department"))
        if wanted is None and "department" not in request.GET and ctx.department_ids:
            wanted = ctx.department_ids[-1]
        departments = department_options(user=user, selected=wanted)
        department = next((d for d in departments if d.pk == wanted), None)
    rows_only = _is_htmx(request) and request.GET.get("rows") == "1"
    rule = selectors_kpi.rating_rule()
    page = (
        selectors_kpi.kpi_board_page(
            user=user,
            scope=scope,
            period=period,
            department=department,
            after=parse_int(request.GET.get("after")),
            with_total=not rows_only,
            rule=rule,
        )
        if period is not None
        else selectors_kpi.BoardPage(rows=[], next_after=None, total=0)
    )
    filters = {
        "scope": scope,
        "period": period.pk if period else "",
        "department": department.pk if department else "",
    }
    context: dict[str, Any] = {
        "page": page,
        "tabs": [(key, label, _board_url(key, period)) for key, label in tabs],
        "scope": scope,
        "periods": [(p, selectors_kpi.period_name(p)) for p in periods],
        "period": period,
        "department": department,
        "departments": [(d.pk, "\u2003" * d.depth + department_name(d)) for d in departments],
        "rule": rule,
        "list_url": reverse("goals:kpi_board"),
        "list_query": urlencode({k: v for k, v in filters.items() if v not in ("", None)}),
        "can_assign": permissions.can_assign_in_bulk(user),
        "can_import": permissions.can_import_actuals(user),
    }
    if rows_only:
        return render(request, "goals/partials/kpi_board_rows.html", context)
    return render(request, "goals/kpi_board.html", context)


def _board_url(scope: str, period: Period | None) -> str:
    query = {"scope": scope, **({"period": period.pk} if period else {})}
    return f"{reverse('goals:kpi_board')}?{urlencode(query)}"


# ---- the library --------------------------------------------------------------------------------


@login_required
def kpi_library(request: AuthedRequest) -> HttpResponse:
    """The KPIs by business area: what each measures, in which unit, which way is better, from where."""
    if not _in_company(request):
        raise Http404
    can_manage = permissions.can_manage_library(request.user)
    query = request.GET.get("q", "").strip()[:100]
    areas = selectors_kpi.kpi_library(include_inactive=can_manage, query=query)
    return render(
        request,
        "goals/kpi_library.html",
        {
            "areas": areas,
            "q": query,
            "can_manage": can_manage,
            "count": sum(len(a.indicators) for a in areas),
        },
    )


def _require_library(request: AuthedRequest) -> None:
    if not permissions.can_manage_library(request.user):
        raise Http404


@login_required
def indicator_new(request: AuthedRequest) -> HttpResponse:
    _require_library(request)
    initial = {"area": parse_int(request.GET.get("area")), "active": True}
    form = IndicatorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services_kpi.indicator_save(actor=request.user, data=form.indicator_input())
        except DomainError as exc:
            form.add_domain_errors(exc.fields, str(exc.message))
        else:
            messages.success(request, _("KPI %(code)s added to the library.") % {"code": indicator.code})
            return redirect(f"{reverse('goals:kpi_library')}#kpi-{indicator.pk}")
    return render(
        request,
        "goals/kpi_indicator_form.html",
        {"form": form, "indicator": None, "has_areas": BusinessArea.objects.exists()},
    )


@login_required
def indicator_edit(request: AuthedRequest, indicator_id: int) -> HttpResponse:
    _require_library(request)
    indicator = Indicator.objects.select_related("area").filter(pk=indicator_id).first()
    if indicator is None:
        raise Http404
    form = IndicatorForm(request.POST or None, initial=IndicatorForm.initial_for(indicator))
    if request.method == "POST" and form.is_valid():
        try:
            services_kpi.indicator_save(actor=request.user, indicator=indicator, data=form.indicator_input())
        except DomainError as exc:
            form.add_domain_errors(exc.fields, str(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('goals:kpi_library')}#kpi-{indicator.pk}")
    return render(
        request,
        "goals/kpi_indicator_form.html",
        {
            "form": form,
            "indicator": indicator,
            "has_areas": True,
            "targets_count": KPITarget.objects.filter(indicator=indicator).count(),
        },
    )


@login_required
def business_areas(request: AuthedRequest) -> HttpResponse:
    """The library's headings: add one, or rename one in place."""
    _require_library(request)
    areas = list(BusinessArea.objects.order_by("position", "pk"))
    editing = parse_int(request.POST.get("area")) if request.method == "POST" else None
    area = next((a for a in areas if a.pk == editing), None)
    if editing is not None and area is None:
        raise Http404
    form = BusinessAreaForm(
        request.POST if request.method == "POST" else None,
        initial={"position": (max((a.position for a in areas), default=0) + 1) if areas else 1},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_kpi.business_area_save(
                actor=request.user,
                area=area,
                name=form.cleaned_data["name"],
                name_en=form.cleaned_data["name_en"],
                position=form.cleaned_data["position"] or 0,
            )
        except DomainError as exc:
            form.add_domain_errors(exc.fields, str(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("goals:business_areas")
    counts: dict[int, int] = dict(
        Indicator.objects.values("area_id").annotate(n=Count("pk")).order_by().values_list("area_id", "n")
    )
    for a in areas:
        a.indicator_count = counts.get(a.pk, 0)  # type: ignore[attr-defined]
        a.label = selectors_kpi.area_name(a)  # type: ignore[attr-defined]
    return render(
        request,
        "goals/kpi_areas.html",
        {"areas": areas, "form": form, "editing": area, "blank": BusinessAreaForm(initial=form.initial)},
    )


# ---- targets -------------------------------------------------------------------------------------


def _require_assign(request: AuthedRequest) -> None:
    if not permissions.can_assign_in_bulk(request.user):
        raise Http404


@login_required
def kpi_target_new(request: AuthedRequest) -> HttpResponse:
    """Give one person (by employee number) or one department a KPI for a period."""
    _require_assign(request)
    user = request.user
    initial: dict[str, Any] = {"owner": "person", "weight": 0, "baseline": 0}
    if request.GET.get("employee"):
        initial["employee_number"] = request.GET["employee"][:32]
    if request.GET.get("period"):
        initial["period"] = parse_int(request.GET["period"])
    else:
        default = selectors_kpi.default_period(selectors_kpi.period_choices(), timezone.localdate())
        initial["period"] = default.pk if default else None
    if request.GET.get("indicator"):
        initial["indicator"] = parse_int(request.GET["indicator"])
    form = KPITargetForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = services_kpi.kpi_target_create(
                actor=user,
                indicator=data["indicator"],
                period=data["period"],
                target=data["target"],
                **form.values(),
                **form.owner_kwargs(),
            )
        except DomainError as exc:
            form.add_domain_errors(exc.fields, str(exc.message))
        else:
            messages.success(request, _("KPI target saved."))
            return redirect(target)
    return render(request, "goals/kpi_target_form.html", {"form": form, "target": None})


@login_required
def kpi_target_edit(request: AuthedRequest, target_id: int) -> HttpResponse:
    """Change baseline, target, stretch or weight; a save based on an old version is refused, not merged."""
    target = permissions.kpi_target_for_user(request.user, target_id, write=True)
    if request.method == "POST":
        form = KPITargetEditForm(request.POST)
        if form.is_valid():
            try:
                services_kpi.kpi_target_update(
                    actor=request.user,
                    target=target,
                    version=form.cleaned_data["version"],
                    target_value=form.cleaned_data["target"],
                    **form.values(),
                )
            except StaleWrite as exc:
                form.add_error(None, str(exc.message))
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Saved."))
                return redirect(target)
    else:
        form = KPITargetEditForm(initial=KPITargetEditForm.initial_for(target))
    return render(
        request,
        "goals/kpi_target_form.html",
        {"form": form, "target": target, "name": selectors_kpi.indicator_name(target.indicator)},
    )


@login_required
def kpi_targets_assign(request: AuthedRequest) -> HttpResponse:
    """Give everyone matching the filters a KPI for a period, with a live count of whom it reaches."""
    _require_assign(request)
    user = request.user
    data = request.POST if request.method == "POST" else request.GET
    departments = department_options(user=user, selected=parse_int(data.get("department")))
    levels = _job_levels()
    if _is_htmx(request) and request.method == "GET":
        return _assign_preview(request, PeopleFilterForm(request.GET, departments=departments, levels=levels))
    periods = selectors_kpi.period_choices()
    default = selectors_kpi.default_period(periods, timezone.localdate())
    form = KPIAssignForm(
        request.POST if request.method == "POST" else None,
        departments=departments,
        levels=levels,
        initial={"period": default.pk if default else None, "baseline": 0, "weight": 0},
    )
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            assignment = services_kpi.kpi_targets_bulk_assign(
                actor=user,
                indicator=cleaned["indicator"],
                period=cleaned["period"],
                filters=form.people_filter(),
                target=cleaned["target"],
                **form.values(),
            )
        except DomainError as exc:
            form.add_domain_errors(exc.fields, str(exc.message))
        else:
            skipped = assignment.matched - assignment.created
            messages.success(
                request,
                _("%(code)s: %(created)s targets created; %(skipped)s people already had this KPI and kept theirs.")
                % {"code": cleaned["indicator"].code, "created": assignment.created, "skipped": skipped},
            )
            query = {"scope": Scope.DEPARTMENT, "period": cleaned["period"].pk}
            if form.people_filter().department_id:
                query["department"] = form.people_filter().department_id
            return redirect(f"{reverse('goals:kpi_board')}?{urlencode(query)}")
    return render(request, "goals/kpi_assign.html", {"form": form, "has_periods": bool(periods)})


def _assign_preview(request: AuthedRequest, form: PeopleFilterForm) -> HttpResponse:
    """How many people the filters reach, and how many of them already have this KPI in the period."""
    context: dict[str, Any] = {"matched": None}
    if form.is_valid():
        try:
            people = services.people_matching(actor=request.user, filters=form.people_filter())
            context["matched"] = people.count()
            indicator_id = parse_int(request.GET.get("indicator"))
            period_id = parse_int(request.GET.get("period"))
            context["already"] = (
                KPITarget.objects.filter(indicator_id=indicator_id, period_id=period_id, employee__in=people).count()
                if indicator_id and period_id
                else 0
            )
        except DomainError as exc:
            context["error"] = str(exc.message)
    context["new"] = max((context.get("matched") or 0) - (context.get("already") or 0), 0)
    return render(request, "goals/partials/kpi_assign_preview.html", context)


# ---- one target and its actuals -------------------------------------------------------------------


def _detail(request: AuthedRequest, target: KPITarget, form: ActualForm | None = None) -> HttpResponse:
    user = request.user
    can_record = permissions.can_record_actual(user, target)
    detail = selectors_kpi.kpi_target_detail(target=target)
    if form is None and can_record:
        form = ActualForm(period=target.period)
    return render(
        request,
        "goals/kpi_target.html",
        {
            "target": target,
            "detail": detail,
            "name": selectors_kpi.indicator_name(target.indicator),
            "area": selectors_kpi.area_name(target.indicator.area),
            "period_label": selectors_kpi.period_name(target.period),
            "owner": str(target.employee)
            if target.employee is not None
            else selectors_kpi.localised(target.department.name, target.department.name_en),  # type: ignore[union-attr]
            "form": form,
            "can_record": can_record,
            "can_edit": permissions.can_set_kpi_target(user, target),
            "chart_i18n": {
                "actual": _("Actual"),
                "target": _("Target"),
                "stretch": _("Stretch"),
                "baseline": _("Baseline"),
            },
        },
        status=422 if form is not None and form.is_bound and form.errors else 200,
    )


@login_required
def kpi_target_detail(request: AuthedRequest, target_id: int) -> HttpResponse:
    """Attainment, actual against baseline, target and stretch, the rating it earns, and every recorded value."""
    target = permissions.kpi_target_for_user(request.user, target_id)
    return _detail(request, target)


@login_required
@require_POST
def actual_record(request: AuthedRequest, target_id: int) -> HttpResponse:
    """Record a value by hand: the person herself, her management chain, HR in scope, admins."""
    target = permissions.kpi_target_for_user(request.user, target_id, record=True)
    form = ActualForm(request.POST, period=target.period)
    if form.is_valid():
        try:
            result = services_kpi.kpi_actual_record(
                actor=request.user,
                target=target,
                measured_on=form.cleaned_data["measured_on"],
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_domain_errors(exc.fields, str(exc.message))
        else:
            if result.created:
                messages.success(request, _("Actual recorded."))
            elif result.updated:
                messages.success(request, _("The value for that date was replaced."))
            else:
                messages.info(request, _("That value was already recorded; nothing changed."))
            return redirect(target)
    return _detail(request, target, form)


# ---- import ---------------------------------------------------------------------------------------


def _require_import(request: AuthedRequest) -> None:
    if not permissions.can_import_actuals(request.user):
        raise Http404


@login_required
def actuals_import(request: AuthedRequest) -> HttpResponse:
    """Upload a CSV or XLSX of actuals for a period; the import runs at once or in the background."""
    _require_import(request)
    if request.method == "POST":
        form = ActualsImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            job = imports_kpi.actuals_job_create(
                actor=request.user, file=upload, period=form.cleaned_data["period"], filename=upload.name
            )
            return redirect(job)
    else:
        periods = selectors_kpi.period_choices()
        default = selectors_kpi.default_period(periods, timezone.localdate())
        form = ActualsImportForm(initial={"period": default.pk if default else None})
    return render(
        request,
        "goals/kpi_import.html",
        {
            "form": form,
            "columns": imports_kpi.COLUMNS,
            "example": _example_csv(_template_example(request)),
            "recent": selectors_kpi.recent_actuals_imports(user=request.user),
            "max_mb": megabytes(settings.JIXIAO_IMPORT_MAX_BYTES),
            "max_rows": imports_kpi.org_imports.MAX_ROWS,
            "background_rows": settings.JIXIAO_IMPORT_BACKGROUND_ROWS,
        },
    )


def _example_csv(example: list[object]) -> str:
    """The header, a person's row (the reader's own reachable target when there is one) and a department's row."""
    number, _dept, code, day, value, _note = example
    day_text = day.isoformat() if isinstance(day, dt.date) else str(day)
    value_text = format(Decimal(str(value)).normalize(), "f")
    return "\n".join(
        [
            ",".join(c.key for c in imports_kpi.COLUMNS),
            f"{number},,{code},{day_text},{value_text},",
            ",星辰科技/销售部/华东区,SALES-02,2027-02-28,96.5,部门指标",
        ]
    )


@login_required
@require_GET
def actuals_import_template(request: AuthedRequest) -> HttpResponse:
    """An XLSX with the headers (Chinese on a Chinese page), one example row and a sheet explaining each column."""
    _require_import(request)
    chinese = (get_language() or "").startswith("zh")
    example = _template_example(request)
    response = HttpResponse(
        imports_kpi.template_xlsx(chinese_headers=chinese, example=example),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="jixiao-kpi-actuals-template.xlsx"'
    return response


def _template_example(request: AuthedRequest) -> list[object]:
    """One of the reader's own reachable targets as the example row, so the file works as it is; else a sample."""
    target = (
        KPITarget.objects.visible_to(request.user)
        .filter(employee__isnull=False)
        .select_related("employee", "indicator", "period")
        .order_by("-period__start", "pk")
        .first()
    )
    if target is None or target.employee is None:
        return [c.example for c in imports_kpi.COLUMNS]
    day = min(max(timezone.localdate(), target.period.start), target.period.end)
    return [target.employee.employee_number, "", target.indicator.code, day, float(target.target), ""]


@login_required
@require_GET
def actuals_import_job(request: AuthedRequest, job_id: int) -> HttpResponse:
    """One import: its progress while it runs (htmx polls this page's status block), then its counts or report."""
    job = permissions.actuals_import_job_for_user(request.user, job_id)
    report = job.report or {}
    period_id = parse_int(str(report.get("period_id") or ""))
    period = Period.objects.filter(pk=period_id).first() if period_id else None
    context = {
        "job": job,
        "period": period,
        "period_label": selectors_kpi.period_name(period) if period else "",
        "problems": imports_kpi.report_rows(report) if job.status == ImportJob.State.FAILED else [],
        "total_errors": report.get("total_errors", 0),
        "truncated": report.get("truncated", False),
        "notices": [imports_kpi.describe(n) for n in report.get("notices", [])],
    }
    if _is_htmx(request):
        return render(request, "goals/partials/kpi_import_status.html", context)
    return render(request, "goals/kpi_import_job.html", context)
