"""Development plan pages (IDP, 个人发展计划): my plans, one plan, my team's plans.

Thin views: the gate (permissions.development_plan_for_user), one service, render. A refused write re-renders the
plan page with what was typed and the error beside its field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int
from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context

from . import permissions, selectors_idp, services_idp
from .forms_idp import ActionForm, CommentForm, NeedForm, PlanCreateForm, StatusForm
from .models import DevelopmentPlan


def _plan_context(request: AuthedRequest, plan: DevelopmentPlan, **bound: Any) -> dict[str, Any]:
    page = selectors_idp.plan_page(request.user, plan)
    v = {"version": plan.version}
    return {
        "page": page,
        "plan": plan,
        "need_form": bound.get("need_form") or NeedForm(initial=v),
        "action_form": bound.get("action_form") or ActionForm(initial=v, needs=page.needs),
        "comment_form": bound.get("comment_form")
        or CommentForm(
            initial={**v, "text": plan.owner_comment if page.role.role == "owner" else plan.manager_comment}
        ),
        "error": bound.get("error", ""),
    }


def _plan_page(request: AuthedRequest, plan: DevelopmentPlan, *, status: int = 200, **bound: Any) -> HttpResponse:
    return render(request, "conversations/idp/plan.html", _plan_context(request, plan, **bound), status=status)


def _back(plan: DevelopmentPlan) -> HttpResponse:
    return redirect("conversations:idp_plan", plan.pk)


@login_required
def idp_mine(request: AuthedRequest) -> HttpResponse:
    """My development plans, and a form to start one."""
    ctx = actor_context(request.user)
    return render(
        request,
        "conversations/idp/mine.html",
        {
            "rows": selectors_idp.my_plans(request.user),
            "has_employee": ctx.employee_id is not None,
            "form": PlanCreateForm(initial={"title": _("My development plan")}),
        },
    )


@login_required
@require_POST
def idp_create(request: AuthedRequest) -> HttpResponse:
    """Start a plan for myself, or (employee=<id>) for one of my direct reports."""
    ctx = actor_context(request.user)
    employee_id = parse_int(request.POST.get("employee")) or ctx.employee_id
    employee = Employee.objects.filter(pk=employee_id).select_related("department").first() if employee_id else None
    if employee is None or (employee.pk != ctx.employee_id and employee.manager_id != ctx.employee_id):
        raise Http404
    form = PlanCreateForm(request.POST)
    if form.is_valid():
        try:
            plan = services_idp.development_plan_create(
                actor=request.user, employee=employee, title=form.cleaned_data["title"]
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Your development plan is ready."))
            return _back(plan)
    else:
        messages.error(request, _("Give the plan a title."))
    return redirect("conversations:idp_team" if employee.pk != ctx.employee_id else "conversations:idp_mine")


@login_required
def idp_plan(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id)
    return _plan_page(request, plan)


@login_required
def idp_team(request: AuthedRequest) -> HttpResponse:
    """The open plans of the people below me, and my direct reports who have none."""
    ctx = actor_context(request.user)
    if not ctx.is_manager:
        raise Http404
    return render(request, "conversations/idp/team.html", {"team": selectors_idp.team_plans(request.user)})


@login_required
@require_POST
def idp_need_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    form = NeedForm(request.POST)
    if form.is_valid():
        try:
            services_idp.development_need_add(
                actor=request.user, plan=plan, text=form.cleaned_data["text"], version=form.cleaned_data["version"]
            )
        except DomainError as exc:
            form.add_domain_errors(exc)
        else:
            return _back(plan)
    return _plan_page(request, plan, status=400, need_form=form)


@login_required
@require_POST
def idp_need_update(request: AuthedRequest, plan_id: int, need_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    form = NeedForm(request.POST)
    if form.is_valid():
        try:
            services_idp.development_need_update(
                actor=request.user,
                plan=plan,
                need_id=need_id,
                text=form.cleaned_data["text"],
                version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            return _plan_page(request, plan, status=400, error=exc.message)
        return _back(plan)
    return _plan_page(request, plan, status=400, error=_("Write what you want to develop (up to 500 characters)."))


@login_required
@require_POST
def idp_need_remove(request: AuthedRequest, plan_id: int, need_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    try:
        services_idp.development_need_remove(
            actor=request.user, plan=plan, need_id=need_id, version=parse_int(request.POST.get("version")) or 0
        )
    except DomainError as exc:
        return _plan_page(request, plan, status=400, error=exc.message)
    return _back(plan)


@login_required
@require_POST
def idp_action_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    needs = selectors_idp.plan_page(request.user, plan).needs
    form = ActionForm(request.POST, needs=needs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services_idp.development_action_add(
                actor=request.user,
                plan=plan,
                kind=data["kind"],
                title=data["title"],
                due_on=data["due_on"],
                need_id=data["need"] or None,
                version=data["version"],
            )
        except DomainError as exc:
            form.add_domain_errors(exc)
        else:
            return _back(plan)
    return _plan_page(request, plan, status=400, action_form=form)


@login_required
@require_POST
def idp_action_status(request: AuthedRequest, plan_id: int, action_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _plan_page(request, plan, status=400, error=_("Choose a status from the list."))
    try:
        services_idp.development_action_update(
            actor=request.user,
            plan=plan,
            action_id=action_id,
            status=form.cleaned_data["status"],
            version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        return _plan_page(request, plan, status=400, error=exc.message)
    return _back(plan)


@login_required
@require_POST
def idp_comment(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, comment=True)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services_idp.development_plan_comment(
                actor=request.user, plan=plan, text=form.cleaned_data["text"], version=form.cleaned_data["version"]
            )
        except DomainError as exc:
            form.add_domain_errors(exc)
        else:
            messages.success(request, _("Your comment is saved."))
            return _back(plan)
    return _plan_page(request, plan, status=400, comment_form=form)


@login_required
@require_POST
def idp_close(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    try:
        services_idp.development_plan_close(
            actor=request.user, plan=plan, version=parse_int(request.POST.get("version")) or 0
        )
    except DomainError as exc:
        return _plan_page(request, plan, status=400, error=exc.message)
    messages.success(request, _("The plan is closed. It stays here to read."))
    return _back(plan)
