"""Personal and team goal pages: my goals, team goals, objectives, check-ins, goal plans.

Thin views: parse, pass the gate in permissions.py, call one service or selector, render.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError, NotFound
from jixiao.core.http import AuthedRequest
from jixiao.org import permissions as org_permissions
from jixiao.org.models import Department, Employee
from jixiao.org.selectors import actor_context, department_name

from . import permissions, selectors, services
from .forms import (
    KEY_RESULTS_PREFIX,
    CheckInForm,
    KeyResultFormSet,
    ObjectiveForm,
    PlanActionForm,
    add_domain_errors,
    kept_key_result_forms,
    key_result_initial,
)
from .models import GoalPlan, KeyResult, Objective, OwnerType, Period


def _today() -> dt.date:
    return timezone.localdate()


def _periods(
    request: AuthedRequest, *, employees: Q | None = None
) -> tuple[list[selectors.PeriodChoice], Period | None]:
    """The periods for the picker and the one to show: ?period=, else a current one with these people's goals."""
    today = _today()
    choices = selectors.period_choices(today=today)
    period = selectors.pick_period(choices, request.GET.get("period"), today=today, employees=employees)
    return choices, period


def _safe_next(request: AuthedRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _my_goals_url(period: Period) -> str:
    return f"{reverse('goals:mine')}?{urlencode({'period': period.pk})}"


def _home_of(objective: Objective, user: Any) -> str:
    """Where to go once an objective is saved or removed: the owner's goals for that period."""
    if objective.owner_type == OwnerType.PERSON:
        assert objective.employee_id is not None
        if actor_context(user).employee_id == objective.employee_id:
            return _my_goals_url(objective.period)
        return reverse("goals:plan", args=[objective.employee_id, objective.period_id])
    if objective.owner_type == OwnerType.DEPARTMENT:
        return reverse("goals:department_board", args=[objective.department_id])
    return _my_goals_url(objective.period)


# ---- my goals and my team's --------------------------------------------------------------------


@login_required
def my_goals(request: AuthedRequest) -> HttpResponse:
    """My objectives for a period: progress, SMART hints, the goal plan, and what to align to."""
    ctx = actor_context(request.user)
    choices, period = _periods(request, employees=Q(employee_id=ctx.employee_id) if ctx.employee_id else None)
    context: dict[str, Any] = {"choices": choices, "period": period, "has_employee": ctx.employee_id is not None}
    if period is not None:
        context["period_label"] = selectors.period_label(period)
    if ctx.employee_id is not None and period is not None:
        goals = selectors.my_goals(user=request.user, period=period)
        plan_state = goals.plan.state if goals.plan else GoalPlan.State.DRAFT
        context.update(
            goals=goals,
            plan_state=plan_state,
            can_submit=bool(goals.cards) and plan_state in (GoalPlan.State.DRAFT, GoalPlan.State.RETURNED),
            plan_url=reverse("goals:plan", args=[ctx.employee_id, period.pk]),
            new_url=f"{reverse('goals:objective_new')}?{urlencode({'period': period.pk})}",
            here=request.get_full_path(),
        )
    return render(request, "goals/my_goals.html", context)


@login_required
def team_goals(request: AuthedRequest) -> HttpResponse:
    """My reports' goal plans and progress for a period, with approve and return for submitted plans."""
    ctx = actor_context(request.user)
    reports = Q(employee__manager_id=ctx.employee_id) if ctx.employee_id else None
    choices, period = _periods(request, employees=reports)
    everyone = request.GET.get("scope") == "all"
    rows: list[selectors.TeamRow] = []
    if ctx.employee_id is not None and period is not None:
        rows = selectors.team_goals(
            manager_id=ctx.employee_id, manager_chain=ctx.employee_chain, period=period, everyone=everyone
        )
    query = {"period": period.pk} if period else {}
    return render(
        request,
        "goals/team_goals.html",
        {
            "choices": choices,
            "period": period,
            "period_label": selectors.period_label(period) if period else "",
            "everyone": everyone,
            "rows": rows,
            "waiting": sum(1 for r in rows if r.state == GoalPlan.State.SUBMITTED),
            "at_risk": sum(r.at_risk for r in rows),
            "is_manager": ctx.is_manager,
            "direct_url": f"{reverse('goals:team')}?{urlencode(query)}",
            "all_url": f"{reverse('goals:team')}?{urlencode({**query, 'scope': 'all'})}",
            "here": request.get_full_path(),
            "team_keep": [("scope", "all")] if everyone else [],
        },
    )


# ---- objectives --------------------------------------------------------------------------------


def _objective_forms(
    request: AuthedRequest,
    *,
    parent_choices: list[tuple[str, list[tuple[int, str]]]],
    owner_type: str,
    needs_reason: bool,
    initial: dict[str, Any],
    key_results: list[dict[str, Any]],
) -> tuple[ObjectiveForm, Any]:
    options: dict[str, Any] = {
        "parent_choices": parent_choices,
        "company": owner_type == OwnerType.COMPANY,
        "person": owner_type == OwnerType.PERSON,
        "needs_reason": needs_reason,
    }
    if request.method == "POST":
        form = ObjectiveForm(request.POST, **options)
        formset = KeyResultFormSet(request.POST, prefix=KEY_RESULTS_PREFIX, initial=key_results)
    else:
        form = ObjectiveForm(initial=initial, **options)
        formset = KeyResultFormSet(prefix=KEY_RESULTS_PREFIX, initial=key_results)
        if not key_results:
            formset.extra = 1  # a blank row to start from; left blank, it is skipped
    return form, formset


def _render_objective_form(request: AuthedRequest, context: dict[str, Any]) -> HttpResponse:
    formset = context["formset"]
    context["kr_rows"] = formset.forms
    context["kr_empty"] = formset.empty_form
    return render(request, "goals/objective_form.html", context)


@login_required
def objective_new(request: AuthedRequest) -> HttpResponse:
    """Write an objective for me (default), a person I set goals for, a department, or the company."""
    user = request.user
    ctx = actor_context(user)
    _choices, period = _periods(request, employees=Q(employee_id=ctx.employee_id) if ctx.employee_id else None)
    if period is None:
        raise Http404
    owner_type = request.GET.get("owner") or OwnerType.PERSON
    department: Department | None = None
    employee: Employee | None = None
    if owner_type == OwnerType.PERSON:
        employee_id = request.GET.get("employee") or ctx.employee_id
        if employee_id is None:
            raise Http404
        employee = org_permissions.employee_for_user(user, employee_id)
        if not permissions.can_edit_person_goals(user, employee):
            raise Http404
    elif owner_type == OwnerType.DEPARTMENT:
        department = org_permissions.department_for_user(user, request.GET.get("department", ""))
        if not permissions.can_edit_department_goals(user, department):
            raise Http404
    elif owner_type != OwnerType.COMPANY or not permissions.can_manage_company(user):
        raise Http404
    plan = selectors.goal_plan_of(employee_id=employee.pk, period=period) if employee is not None else None
    parent_choices = selectors.alignment_choices(user=user, period=period, department=department, employee=employee)
    parent_id = request.GET.get("parent", "")
    form, formset = _objective_forms(
        request,
        parent_choices=parent_choices,
        owner_type=owner_type,
        needs_reason=plan is not None and plan.state == GoalPlan.State.APPROVED,
        initial={"due_date": period.end, "parent": int(parent_id) if parent_id.isdigit() else None},
        key_results=[],
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = kept_key_result_forms(formset)
        try:
            objective = services.objective_create(
                actor=user,
                period=period,
                owner_type=owner_type,
                department=department,
                employee=employee,
                data=form.objective_input([f.key_result_input() for f in kept]),
                reason=form.cleaned_data.get("reason") or "",
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            add_domain_errors(form, kept, exc.fields, str(exc.message))
        else:
            messages.success(request, _("Objective saved."))
            return redirect(_home_of(objective, user))
    owner_label = (
        employee.name
        if employee is not None
        else department_name(department)
        if department is not None
        else str(OwnerType.COMPANY.label)
    )
    return _render_objective_form(
        request,
        {
            "form": form,
            "formset": formset,
            "objective": None,
            "period": period,
            "period_label": selectors.period_label(period),
            "owner_label": owner_label,
            "is_me": employee is not None and employee.pk == ctx.employee_id,
            "plan": plan,
            "cancel_url": _my_goals_url(period),
        },
    )


@login_required
def objective_edit(request: AuthedRequest, objective_id: int) -> HttpResponse:
    """Change an objective and its key results; approved goals ask for a reason; stale saves are refused."""
    user = request.user
    objective = permissions.objective_for_user(user, objective_id, write=True)
    key_results = list(KeyResult.objects.filter(objective=objective).order_by("position", "pk"))
    plan = (
        selectors.goal_plan_of(employee_id=objective.employee_id, period=objective.period)
        if objective.employee_id is not None
        else None
    )
    parent_choices = selectors.alignment_choices(
        user=user,
        period=objective.period,
        department=objective.department,
        employee=objective.employee,
        current_parent_id=objective.parent_id,
        exclude_path=objective.path,
    )
    offered = {pk for _group, rows in parent_choices for pk, _label in rows}
    if objective.parent_id is not None and objective.parent_id not in offered:
        # Keeping an alignment the author can no longer see is allowed; its title stays hidden.
        parent_choices.insert(0, (_("Current alignment"), [(objective.parent_id, _("Current alignment (hidden)"))]))
    form, formset = _objective_forms(
        request,
        parent_choices=parent_choices,
        owner_type=objective.owner_type,
        needs_reason=plan is not None and plan.state == GoalPlan.State.APPROVED,
        initial=ObjectiveForm.initial_for(objective),
        key_results=key_result_initial(key_results),
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = kept_key_result_forms(formset)
        try:
            services.objective_update(
                actor=user,
                objective=objective,
                version=form.cleaned_data["version"] or 0,
                data=form.objective_input([f.key_result_input() for f in kept]),
                reason=form.cleaned_data.get("reason") or "",
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            add_domain_errors(form, kept, exc.fields, str(exc.message))
        else:
            messages.success(request, _("Objective saved."))
            return redirect(objective)
    return _render_objective_form(
        request,
        {
            "form": form,
            "formset": formset,
            "objective": objective,
            "period": objective.period,
            "period_label": selectors.period_label(objective.period),
            "owner_label": selectors.owner_name(objective),
            "is_me": objective.employee_id is not None and objective.employee_id == actor_context(user).employee_id,
            "plan": plan,
            "cancel_url": objective.get_absolute_url(),
        },
    )


def _render_objective(
    request: AuthedRequest, objective: Objective, *, bound: CheckInForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    page = selectors.objective_page(user=user, objective=objective)
    can_edit = permissions.can_edit_objective(user, objective)
    rows = []
    for kr in page.key_results:
        form = None
        if can_edit:
            form = bound if bound is not None and bound.key_result.pk == kr.pk else CheckInForm(key_result=kr)
        rows.append({"kr": kr, "form": form, "check_ins": page.check_ins[kr.pk]})
    ctx = actor_context(user)
    is_mine = objective.employee_id is not None and objective.employee_id == ctx.employee_id
    plan_url = None
    if objective.employee is not None and (
        ctx.is_executive or permissions.can_edit_person_goals(user, objective.employee)
    ):
        plan_url = reverse("goals:plan", args=[objective.employee_id, objective.period_id])
    return render(
        request,
        "goals/objective.html",
        {
            "objective": objective,
            "page": page,
            "rows": rows,
            "owner_label": selectors.owner_name(objective),
            "period_label": selectors.period_label(objective.period),
            "parent_owner": selectors.owner_name(page.parent) if page.parent else "",
            "children": [(c, selectors.owner_name(c)) for c in page.children],
            "can_edit": can_edit,
            "needs_reason": page.plan is not None and page.plan.state == GoalPlan.State.APPROVED,
            "plan_url": plan_url,
            "is_mine": is_mine,
            "chart_i18n": {"progress": _("Progress"), "start": _("Start")},
        },
        status=status,
    )


@login_required
def objective_detail(request: AuthedRequest, objective_id: int) -> HttpResponse:
    """An objective: owner, alignment up and down, key results with check-ins and their history."""
    objective = permissions.objective_for_user(request.user, objective_id)
    return _render_objective(request, objective)


@login_required
@require_POST
def objective_delete(request: AuthedRequest, objective_id: int) -> HttpResponse:
    """Remove an objective nothing aligns to (approved goals need a reason)."""
    objective = permissions.objective_for_user(request.user, objective_id, write=True)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    try:
        services.objective_delete(
            actor=request.user, objective=objective, version=version, reason=request.POST.get("reason", "")[:2000]
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(objective)
    messages.success(request, _("Objective deleted."))
    return redirect(_home_of(objective, request.user))


@login_required
@require_POST
def check_in(request: AuthedRequest, key_result_id: int) -> HttpResponse:
    """Record a new value and confidence for a key result, then go back to its objective."""
    objective_id = KeyResult.objects.filter(pk=key_result_id).values_list("objective_id", flat=True).first()
    if objective_id is None:
        raise Http404
    objective = permissions.objective_for_user(request.user, objective_id, write=True)
    key_result = KeyResult.objects.get(pk=key_result_id)
    key_result.objective = objective
    form = CheckInForm(request.POST, key_result=key_result)
    if form.is_valid():
        try:
            services.key_result_check_in(
                actor=request.user,
                key_result=key_result,
                value=form.cleaned_data["value"],
                confidence=form.cleaned_data["confidence"],
                comment=form.cleaned_data["comment"],
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("Progress updated."))
            return redirect(f"{objective.get_absolute_url()}#kr-{key_result.pk}")
    return _render_objective(request, objective, bound=form)


# ---- goal plans --------------------------------------------------------------------------------

PLAN_DONE = {
    "submit": lambda: _("Goals submitted for approval."),
    "approve": lambda: _("Goals approved."),
    "return": lambda: _("Goals returned with your comment."),
}


@login_required
def plan(request: AuthedRequest, employee_id: int, period_id: int) -> HttpResponse:
    """A person's goals for a period as a whole: submit (her), approve or return (her managers, HR)."""
    user = request.user
    goal_plan = permissions.plan_for_user(user, employee_id, period_id)
    form = PlanActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        next_url = _safe_next(request, form.cleaned_data["next"])
        try:
            if action == "submit":
                services.goal_plan_submit(actor=user, plan=goal_plan)
            else:
                goal_plan = permissions.plan_for_user(user, employee_id, period_id, approve=True)
                services.goal_plan_decide(
                    actor=user, plan=goal_plan, approve=action == "approve", comment=form.cleaned_data["comment"]
                )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            if next_url and not exc.fields:
                messages.error(request, str(exc.message))
                return redirect(next_url)
            form.add_error(None, str(exc.message))
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, PLAN_DONE[action]())
            return redirect(next_url or reverse("goals:plan", args=[employee_id, period_id]))
    person = goal_plan.employee
    cards = selectors.person_objectives(user=user, employee_id=person.pk, period=goal_plan.period)
    objectives = [c.objective for c in cards]
    total = sum((o.weight for o in objectives), Decimal(0))
    is_me = actor_context(user).employee_id == person.pk
    may_edit = permissions.can_edit_person_goals(user, person)
    may_decide = permissions.can_approve_plan(user, person)
    state = goal_plan.state
    progress = selectors.weighted_progress(objectives)
    return render(
        request,
        "goals/plan.html",
        {
            "plan": goal_plan,
            "person": person,
            "period": goal_plan.period,
            "period_label": selectors.period_label(goal_plan.period),
            "cards": cards,
            "total_weight": total,
            "weights_ok": total == services.PLAN_TOTAL,
            "progress_percent": round(progress * 100),
            "form": form,
            "is_me": is_me,
            "can_write": may_edit and state != GoalPlan.State.SUBMITTED,
            "can_submit": is_me and may_edit and state in (GoalPlan.State.DRAFT, GoalPlan.State.RETURNED),
            "can_approve": may_decide and state == GoalPlan.State.SUBMITTED,
            "can_return": may_decide and state in (GoalPlan.State.SUBMITTED, GoalPlan.State.APPROVED),
            "new_url": f"{reverse('goals:objective_new')}?"
            + urlencode({"period": goal_plan.period_id, "employee": person.pk}),
        },
    )
