"""Company-level pages: the alignment tree, department boards, strategy, periods, settings, goal templates.

Thin views: parse, pass the gate in permissions.py, call one service or selector, render.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int
from jixiao.org import permissions as org_permissions
from jixiao.org.models import Department
from jixiao.org.selectors import actor_context, department_breadcrumbs, department_name, department_options

from . import permissions, selectors, selectors_tree, services
from .forms_strategy import (
    AssignForm,
    CompanyValueForm,
    GoalSettingsForm,
    GoalTemplateForm,
    PeriodForm,
    StrategyForm,
    plain_number,
)
from .models import CompanyValue, GoalTemplate, Objective


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _in_company(user: Any) -> bool:
    """Company-wide pages are for anyone with a place in the company; accounts outside it get 404."""
    ctx = actor_context(user)
    return bool(ctx.is_admin or ctx.is_executive or ctx.employee_id or ctx.hr_paths)


# ---- strategy ------------------------------------------------------------------------------------


@login_required
def strategy(request: AuthedRequest) -> HttpResponse:
    """Vision, mission and values for everyone, in the reader's language, and the company's objectives."""
    if not _in_company(request.user):
        raise Http404
    can_manage = permissions.can_manage_company(request.user)
    periods = selectors_tree.all_periods()
    period = selectors_tree.pick_period(periods, request.GET.get("period"))
    page = selectors_tree.strategy_page(user=request.user, period=period, periods=periods, with_inactive=can_manage)
    return render(
        request,
        "goals/strategy.html",
        {
            "page": page,
            "can_manage": can_manage,
            "periods": selectors_tree.period_options(periods),
            "period": period,
            "period_label": selectors_tree.period_label(period) if period else "",
        },
    )


@login_required
def strategy_edit(request: AuthedRequest) -> HttpResponse:
    """HR writes the vision and mission in both languages; a save based on an old version is refused."""
    permissions.require_company_manager(request.user, "goals.strategy")
    row = selectors.strategy()
    if request.method == "POST":
        form = StrategyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.strategy_update(
                    actor=request.user,
                    version=data["version"],
                    vision=data["vision"],
                    vision_en=data["vision_en"],
                    mission=data["mission"],
                    mission_en=data["mission_en"],
                )
            except StaleWrite as exc:
                form.add_error(None, str(exc.message))
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("The strategy is saved and shown to everyone."))
                return redirect("goals:strategy")
    else:
        form = StrategyForm(
            initial={
                "vision": row.vision,
                "vision_en": row.vision_en,
                "mission": row.mission,
                "mission_en": row.mission_en,
                "version": row.version,
            }
        )
    return render(request, "goals/strategy_edit.html", {"form": form})


def _value_form_page(request: AuthedRequest, value: CompanyValue | None) -> HttpResponse:
    if request.method == "POST":
        form = CompanyValueForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.company_value_save(
                    actor=request.user,
                    value=value,
                    name=data["name"],
                    name_en=data["name_en"],
                    description=data["description"],
                    description_en=data["description_en"],
                    position=data["position"] or 0,
                    active=data["active"],
                )
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Value saved."))
                return redirect("goals:strategy")
    elif value is not None:
        form = CompanyValueForm(
            initial={
                "name": value.name,
                "name_en": value.name_en,
                "description": value.description,
                "description_en": value.description_en,
                "position": value.position,
                "active": value.active,
            }
        )
    else:
        form = CompanyValueForm(initial={"position": CompanyValue.objects.count() + 1, "active": True})
    return render(request, "goals/value_form.html", {"form": form, "value": value})


@login_required
def value_new(request: AuthedRequest) -> HttpResponse:
    permissions.require_company_manager(request.user, "goals.companyvalue")
    return _value_form_page(request, None)


@login_required
def value_edit(request: AuthedRequest, value_id: int) -> HttpResponse:
    permissions.require_company_manager(request.user, "goals.companyvalue")
    value = CompanyValue.objects.filter(pk=value_id).first()
    if value is None:
        raise Http404
    return _value_form_page(request, value)


# ---- periods and settings ------------------------------------------------------------------------


@login_required
def periods(request: AuthedRequest) -> HttpResponse:
    """The periods as a tree with their dates, and a form to add one (inside a parent or on top)."""
    permissions.require_company_manager(request.user, "goals.period")
    all_periods = selectors_tree.all_periods()
    if request.method == "POST":
        form = PeriodForm(request.POST, periods=all_periods)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.period_create(
                    actor=request.user,
                    name=data["name"],
                    name_en=data["name_en"],
                    kind=data["kind"],
                    start=data["start"],
                    end=data["end"],
                    parent=data["parent"],
                )
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Period %(name)s added.") % {"name": created.name})
                return redirect("goals:periods")
    else:
        parent = parse_int(request.GET.get("parent"))
        form = PeriodForm(periods=all_periods, initial={"parent": parent} if parent else None)
    current = selectors_tree.current_period(all_periods)
    return render(
        request,
        "goals/periods.html",
        {"tree": selectors_tree.period_tree(all_periods), "form": form, "current": current},
    )


@login_required
def goal_settings_edit(request: AuthedRequest) -> HttpResponse:
    """The progress cap, the SMART requirement and the attainment → rating table."""
    permissions.require_company_manager(request.user, "goals.goalsettings")
    row = selectors.goal_settings()
    if request.method == "POST":
        form = GoalSettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.goal_settings_update(
                    actor=request.user,
                    version=data["version"],
                    progress_cap=data["progress_cap"],
                    require_smart=data["require_smart"],
                    attainment_table=form.table,
                    attainment_floor=data["attainment_floor"],
                )
            except StaleWrite as exc:
                form.add_error(None, str(exc.message))
            except DomainError as exc:
                if exc.code == "cap_below_one":
                    # The page speaks in percent, the rule in fractions: say it the page's way.
                    form.add_error("progress_cap", _("Enter 100 or more: progress may not be capped below the target."))
                elif exc.code in ("duplicate_threshold", "rating_falls"):
                    form.add_table_error(str(exc.message))
                else:
                    form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Goal settings saved."))
                return redirect("goals:settings")
    else:
        form = GoalSettingsForm(initial=GoalSettingsForm.initial_for(row), table=row.attainment_table)
    return render(request, "goals/settings.html", {"form": form, "settings_row": row})


# ---- the alignment tree --------------------------------------------------------------------------


def _tree_filters(request: AuthedRequest) -> tuple[list[Any], Any, list[Department], Department | None]:
    periods = selectors_tree.all_periods()
    period = selectors_tree.pick_period(periods, request.GET.get("period"))
    wanted = parse_int(request.GET.get("department"))
    departments = department_options(user=request.user, selected=wanted)
    department = next((d for d in departments if d.pk == wanted), None)
    return periods, period, departments, department


@login_required
def alignment_tree(request: AuthedRequest) -> HttpResponse:
    """The alignment tree from the company down, drawn by goal-tree.js from tree_data; the top levels also
    as an indented list."""
    if not _in_company(request.user):
        raise Http404
    periods, period, departments, department = _tree_filters(request)
    roots: list[Any] = []
    hidden: list[Any] = []
    if period is not None:
        roots, hidden = selectors_tree.alignment_outline(
            user=request.user, period=period, periods=periods, department=department
        )
    query = urlencode(
        {
            k: v
            for k, v in {
                "period": period.pk if period else "",
                "department": department.pk if department else "",
            }.items()
            if v
        }
    )
    return render(
        request,
        "goals/tree.html",
        {
            "period": period,
            "period_label": selectors_tree.period_label(period) if period else "",
            "periods": selectors_tree.period_options(periods),
            "departments": departments,
            "department": department,
            "outline": roots,
            "hidden": hidden,
            "data_url": reverse("goals:tree_data") + (f"?{query}" if query else ""),
            "tree_i18n": _tree_i18n(),
            "can_manage": permissions.can_manage_company(request.user),
        },
    )


def _tree_i18n() -> dict[str, Any]:
    """The words goal-tree.js shows, translated here because the script cannot call gettext."""
    return {
        "company": _("Company"),
        "hidden": _("Aligned to goals you cannot see"),
        "unaligned": _("Not aligned to a company objective"),
        "kinds": [_("Company"), _("Department"), _("Person")],
        "confidence": ["", _("On track"), _("At risk"), _("Off track")],
        "owner": _("Owner"),
        "progress": _("Progress"),
        "confidence_label": _("Confidence"),
        "context": _("Shown for context: outside the department filter"),
        "open": _("Click to open the objective."),
        "objectives_one": ngettext("%(n)s objective", "%(n)s objectives", 1),
        "objectives_other": ngettext("%(n)s objective", "%(n)s objectives", 2),
        "empty": _("No objectives match these filters."),
        "error": _("The tree could not load. Check your connection and try again."),
        "loading": _("Loading…"),
    }


@login_required
@require_GET
def alignment_tree_data(request: AuthedRequest) -> JsonResponse:
    """The tree as compact JSON (see selectors_tree.alignment_tree_data for the keys)."""
    if not _in_company(request.user):
        raise Http404
    periods = selectors_tree.all_periods()
    period = selectors_tree.pick_period(periods, request.GET.get("period"))
    wanted = parse_int(request.GET.get("department"))
    department = Department.objects.visible_to(request.user).filter(pk=wanted).first() if wanted else None
    if period is None:
        return JsonResponse({"period": None, "department": None, "n": [], "d": {}, "e": {}, "u": ""})
    data = selectors_tree.alignment_tree_data(user=request.user, period=period, periods=periods, department=department)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


# ---- the department board -------------------------------------------------------------------------


@login_required
def department_board(request: AuthedRequest, department_id: int) -> HttpResponse:
    """A department's goals for a period: its own objectives, its people's progress, a chart by unit or person."""
    department = org_permissions.department_for_user(request.user, department_id)
    periods = selectors_tree.all_periods()
    period = selectors_tree.pick_period(periods, request.GET.get("period"))
    board = None
    if period is not None:
        board = selectors_tree.department_board(
            user=request.user, department=department, period=period, periods=periods
        )
    chart = None
    if board is not None and board.bars:
        chart = {
            "kind": board.chart_kind,
            "label": _("Average progress"),
            "bars": [{"name": b.name, "value": b.value, "people": b.people, "url": b.url} for b in board.bars],
            "people_one": ngettext("%(n)s person with goals", "%(n)s people with goals", 1),
            "people_other": ngettext("%(n)s person with goals", "%(n)s people with goals", 2),
        }
    return render(
        request,
        "goals/department_board.html",
        {
            "department": department,
            "breadcrumbs": department_breadcrumbs(department),
            "board": board,
            "chart": chart,
            "period": period,
            "period_label": selectors_tree.period_label(period) if period else "",
            "periods": selectors_tree.period_options(periods),
            "can_edit": permissions.can_edit_department_goals(request.user, department),
            "can_manage": permissions.can_manage_company(request.user),
            "people_limit": selectors_tree.BOARD_PEOPLE_LIMIT,
            "progress_label": _("Progress"),
        },
    )


# ---- goal templates and bulk assignment ----------------------------------------------------------


def _require_templates(request: AuthedRequest) -> None:
    if not permissions.can_assign_in_bulk(request.user):
        raise Http404


@login_required
def templates(request: AuthedRequest) -> HttpResponse:
    """Goal templates to hand out in bulk, and the latest bulk assignments."""
    _require_templates(request)
    rows = list(selectors_tree.goal_templates())
    titles = {t.pk: t.title for t in rows}
    recent = selectors_tree.recent_assignments()
    for assignment in recent:
        assignment.template_title = titles.get(assignment.payload.get("template_id"), "")  # type: ignore[attr-defined]
        assignment.skipped = max(assignment.matched - assignment.created, 0)  # type: ignore[attr-defined]
    return render(request, "goals/templates.html", {"templates": rows, "recent": recent})


def _template_form_page(request: AuthedRequest, template: GoalTemplate | None) -> HttpResponse:
    if request.method == "POST":
        form = GoalTemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.goal_template_save(
                    actor=request.user,
                    template=template,
                    title=data["title"],
                    description=data["description"],
                    weight=data["weight"] or 0,
                    key_results=form.key_result_inputs(),
                )
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Template %(title)s saved.") % {"title": saved.title})
                return redirect("goals:templates")
        else:
            form.key_result_inputs()
    elif template is not None:
        form = GoalTemplateForm(
            initial={
                "title": template.title,
                "description": template.description,
                "weight": plain_number(template.weight),
            },
            key_results=template.key_results,
        )
    else:
        form = GoalTemplateForm()
    return render(request, "goals/template_form.html", {"form": form, "template": template})


@login_required
def template_new(request: AuthedRequest) -> HttpResponse:
    _require_templates(request)
    return _template_form_page(request, None)


@login_required
def template_edit(request: AuthedRequest, template_id: int) -> HttpResponse:
    template = permissions.template_for_user(request.user, template_id)
    return _template_form_page(request, template)


@login_required
def template_assign(request: AuthedRequest, template_id: int) -> HttpResponse:
    """Give everyone matching the filters an objective from the template; a live count before confirming."""
    template = permissions.template_for_user(request.user, template_id)
    all_periods = selectors_tree.all_periods()
    data = request.POST if request.method == "POST" else request.GET
    period = selectors_tree.pick_period(all_periods, data.get("period"))
    if period is None:
        return render(request, "goals/template_assign.html", {"template": template, "form": None})
    departments = department_options(user=request.user, selected=parse_int(data.get("department")))
    department_choices = [(d.pk, selectors_tree.INDENT * d.depth + department_name(d)) for d in departments]
    form = AssignForm(
        data if (request.method == "POST" or "period" in data) else None,
        initial={"period": period.pk},
        periods=selectors_tree.period_options(all_periods),
        departments=department_choices,
        levels=selectors_tree.job_levels(),
        parents=selectors_tree.alignment_choices(user=request.user, period=period),
    )
    if _is_htmx(request) and request.method == "GET":
        return _assign_preview(request, form, template)
    if request.method == "POST" and form.is_valid():
        chosen = next(p for p in all_periods if p.pk == form.cleaned_data["period"])
        parent_id = form.cleaned_data.get("parent")
        parent = Objective.objects.visible_to(request.user).filter(pk=parent_id).first() if parent_id else None
        try:
            assignment = services.goals_bulk_assign(
                actor=request.user, template=template, period=chosen, filters=form.people_filter(), parent=parent
            )
        except DomainError as exc:
            form.add_domain_errors(exc.fields, str(exc.message))
        else:
            if not assignment.matched:
                messages.warning(request, _("Nobody matches these filters; nothing was assigned."))
                return redirect(request.get_full_path())
            skipped = assignment.matched - assignment.created
            messages.success(
                request,
                _("%(title)s: created %(created)s, skipped %(skipped)s who already had it.")
                % {"title": template.title, "created": assignment.created, "skipped": skipped},
            )
            return redirect("goals:templates")
    return render(request, "goals/template_assign.html", {"template": template, "form": form, "period": period})


def _assign_preview(request: AuthedRequest, form: AssignForm, template: GoalTemplate) -> HttpResponse:
    """How many people the filters reach, and how many of them already have this goal in the period."""
    context: dict[str, Any] = {"template": template, "matched": None}
    if form.is_bound and form.is_valid():
        try:
            people = services.people_matching(actor=request.user, filters=form.people_filter())
            context["matched"] = people.count()
            context["already"] = Objective.objects.filter(
                template=template, period_id=form.cleaned_data["period"], employee__in=people
            ).aggregate(n=Count("pk"))["n"]
        except DomainError as exc:
            context["error"] = str(exc.message)
    context["new"] = max((context.get("matched") or 0) - (context.get("already") or 0), 0)
    return render(request, "goals/partials/company_assign_preview.html", context)
