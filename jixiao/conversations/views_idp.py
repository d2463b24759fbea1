"""Development plan pages (IDP, 个人发展计划): my plans, one plan, my team's plans.

Thin views: the gate (permissions.development_plan_for_user), one service, render. A refused write re-renders the
plan page with what was typed and the error beside its field.
"""

from __future__ import annotations

from collections.abc import Callable
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
from .forms_idp import ActionForm, CommentForm, NeedForm, PlanCreateForm, StatusForm, VersionedForm
from .models import DevelopmentPlan
from .views_common import has_employee


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


def _save(
    request: AuthedRequest,
    plan: DevelopmentPlan,
    form: VersionedForm,
    name: str,
    write: Callable[[dict[str, Any]], object],
    done: str = "",
) -> HttpResponse:
    """A form of the plan page: valid input goes to the service and back to the plan; bad input or a refusal
    re-renders the page with what was typed and the errors beside the fields (the form is `name` there)."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except DomainError as exc:
            form.add_domain_errors(exc)
        else:
            if done:
                messages.success(request, done)
            return _back(plan)
    return _plan_page(request, plan, status=400, **{name: form})


def _run(request: AuthedRequest, plan: DevelopmentPlan, write: Callable[[], object], done: str = "") -> HttpResponse:
    """A button of the plan page: the service, then back to the plan; a refusal shows on top of the page."""
    try:
        write()
    except DomainError as exc:
        return _plan_page(request, plan, status=400, error=exc.message)
    if done:
        messages.success(request, done)
    return _back(plan)


def _run_form(
    request: AuthedRequest,
    plan: DevelopmentPlan,
    form: VersionedForm,
    invalid: str,
    write: Callable[[dict[str, Any]], object],
) -> HttpResponse:
    """A small form of the plan page whose errors show on top of it (`invalid` when the input itself is bad)."""
    if not form.is_valid():
        return _plan_page(request, plan, status=400, error=invalid)
    return _run(request, plan, lambda: write(form.cleaned_data))


def _version(request: AuthedRequest) -> int:
    return parse_int(request.POST.get("version")) or 0


@login_required
def idp_mine(request: AuthedRequest) -> HttpResponse:
    """My development plans, and a form to start one."""
    return render(
        request,
        "conversations/idp/mine.html",
        {
            "rows": selectors_idp.my_plans(request.user),
            "has_employee": has_employee(request),
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
    return _save(
        request,
        plan,
        NeedForm(request.POST),
        "need_form",
        lambda data: services_idp.development_need_add(
            actor=request.user, plan=plan, text=data["text"], version=data["version"]
        ),
    )


@login_required
@require_POST
def idp_need_update(request: AuthedRequest, plan_id: int, need_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    return _run_form(
        request,
        plan,
        NeedForm(request.POST),
        _("Write what you want to develop (up to 500 characters)."),
        lambda data: services_idp.development_need_update(
            actor=request.user, plan=plan, need_id=need_id, text=data["text"], version=data["version"]
        ),
    )


@login_required
@require_POST
def idp_need_remove(request: AuthedRequest, plan_id: int, need_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    version = _version(request)
    return _run(
        request,
        plan,
        lambda: services_idp.development_need_remove(actor=request.user, plan=plan, need_id=need_id, version=version),
    )


@login_required
@require_POST
def idp_action_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    needs = selectors_idp.plan_page(request.user, plan).needs
    return _save(
        request,
        plan,
        ActionForm(request.POST, needs=needs),
        "action_form",
        lambda data: services_idp.development_action_add(
            actor=request.user,
            plan=plan,
            kind=data["kind"],
            title=data["title"],
            due_on=data["due_on"],
            need_id=data["need"] or None,
            version=data["version"],
        ),
    )


@login_required
@require_POST
def idp_action_status(request: AuthedRequest, plan_id: int, action_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    return _run_form(
        request,
        plan,
        StatusForm(request.POST),
        _("Choose a status from the list."),
        lambda data: services_idp.development_action_update(
            actor=request.user, plan=plan, action_id=action_id, status=data["status"], version=data["version"]
        ),
    )


@login_required
@require_POST
def idp_comment(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, comment=True)
    return _save(
        request,
        plan,
        CommentForm(request.POST),
        "comment_form",
        lambda data: services_idp.development_plan_comment(
            actor=request.user, plan=plan, text=data["text"], version=data["version"]
        ),
        _("Your comment is saved."),
    )


@login_required
@require_POST
def idp_close(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.development_plan_for_user(request.user, plan_id, write=True)
    version = _version(request)
    return _run(
        request,
        plan,
        lambda: services_idp.development_plan_close(actor=request.user, plan=plan, version=version),
        _("The plan is closed. It stays here to read."),
    )
