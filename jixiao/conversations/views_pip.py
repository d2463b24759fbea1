"""Pages of improvement plans: lists (mine, my team's, HR's), the plan page, its form, its actions, its PDF.

Thin views: the gate in permissions.py first, then one service or selector, then render.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int
from jixiao.org.selectors import actor_context

from . import pdf_pip, permissions, selectors_pip, services_pip
from .forms_pip import (
    CloseForm,
    ExtendForm,
    PlanForm,
    Row,
    add_domain_errors,
    checkpoint_inputs,
    checkpoint_rows,
    expectation_inputs,
    expectation_rows,
    new_key,
    place_row_error,
    rows_from,
)
from .models import ImprovementPlan
from .views_common import attempt

S = ImprovementPlan.State


def _detail(plan: ImprovementPlan) -> HttpResponse:
    return redirect(reverse("conversations:pip_detail", args=[plan.pk]))


# ---- lists -------------------------------------------------------------------------------------------


def _list(request: AuthedRequest, which: str) -> HttpResponse:
    before = request.GET.get("before", "")
    ctx = actor_context(request.user)
    if which == "mine":
        page = selectors_pip.my_plans(user=request.user, before=before)
    elif which == "team":
        page = selectors_pip.team_plans(user=request.user, before=before)
    else:
        if not (ctx.is_hr or ctx.is_admin):
            raise Http404
        page = selectors_pip.hr_plans(user=request.user, before=before, state=request.GET.get("state", ""))
    can_open = bool(ctx.is_manager or ctx.is_hr or ctx.is_admin) and which != "mine"
    return render(
        request,
        "conversations/pip/list.html",
        {
            "which": which,
            "page": page,
            "can_open": can_open,
            "states": [(value, services_pip.state_label(value)) for value in S.values],
            "state": request.GET.get("state", ""),
        },
    )


@login_required
def pip_mine(request: AuthedRequest) -> HttpResponse:
    return _list(request, "mine")


@login_required
def pip_team(request: AuthedRequest) -> HttpResponse:
    return _list(request, "team")


@login_required
def pip_hr(request: AuthedRequest) -> HttpResponse:
    return _list(request, "hr")


# ---- the plan page -----------------------------------------------------------------------------------


@login_required
def pip_detail(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.improvement_plan_for_user(request.user, plan_id)
    page = selectors_pip.plan_page(user=request.user, plan=plan)
    return render(
        request,
        "conversations/pip/detail.html",
        {
            "page": page,
            "plan": plan,
            "extend_form": ExtendForm(initial={"version": plan.version}),
            "close_form": CloseForm(initial={"version": plan.version}),
        },
    )


@login_required
def pip_pdf(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.improvement_plan_for_user(request.user, plan_id)
    page = selectors_pip.plan_page(user=request.user, plan=plan, history=False)
    data = pdf_pip.improvement_plan_pdf(actor=request.user, page=page)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="improvement-plan-{plan.pk}.pdf"'
    return response


# ---- the form ----------------------------------------------------------------------------------------


def _form_page(
    request: AuthedRequest,
    form: PlanForm,
    *,
    plan: ImprovementPlan | None,
    expectations: list[Row],
    checkpoints: list[Row],
    sections: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    locked = plan is not None and plan.state in services_pip.LOCKED_STATES
    if not expectations and not locked:
        expectations = [Row(key=new_key(), values={})]
    if not checkpoints:
        checkpoints = [Row(key=new_key(), values={})]
    return render(
        request,
        "conversations/pip/form.html",
        {
            "form": form,
            "plan": plan,
            "locked": locked,
            "expectations": expectations,
            "locked_expectations": list(plan.expectations.all()) if locked and plan else [],
            "checkpoints": checkpoints,
            "sections": sections or {},
        },
        status=status,
    )


def _form_refused(
    request: AuthedRequest,
    form: PlanForm,
    error: DomainError,
    *,
    plan: ImprovementPlan | None,
    expectations: list[Row],
    checkpoints: list[Row],
) -> HttpResponse:
    """The form again with the service's refusal beside each field and row (409 when someone saved first)."""
    sections = add_domain_errors(form, error, expectations=expectations, checkpoints=checkpoints)
    return _form_page(
        request,
        form,
        plan=plan,
        expectations=expectations,
        checkpoints=checkpoints,
        sections=sections,
        status=409 if isinstance(error, StaleWrite) else 400,
    )


@login_required
def pip_new(request: AuthedRequest) -> HttpResponse:
    candidates = selectors_pip.candidates(user=request.user)
    if not candidates:
        raise Http404
    chosen = parse_int(request.GET.get("employee"))
    form = PlanForm(request.POST or None, candidates=candidates, initial={"employee": chosen} if chosen else None)
    if request.method != "POST":
        return _form_page(request, form, plan=None, expectations=[], checkpoints=[])
    expectations, checkpoints = rows_from(request.POST, "exp"), rows_from(request.POST, "cp")
    if form.is_valid():
        cps = checkpoint_inputs(checkpoints)
        try:
            plan = services_pip.improvement_plan_create(
                actor=request.user,
                employee=form.cleaned_data["employee"],
                gaps=form.cleaned_data["gaps"],
                support=form.cleaned_data["support"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                expectations=expectation_inputs(expectations),
                checkpoints=cps,
            )
        except DomainError as error:
            return _form_refused(request, form, error, plan=None, expectations=expectations, checkpoints=checkpoints)
        messages.success(request, _("Plan saved as a draft. Send it to her when it is ready."))
        return _detail(plan)
    return _form_page(request, form, plan=None, expectations=expectations, checkpoints=checkpoints, status=400)


@login_required
def pip_edit(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.improvement_plan_for_user(request.user, plan_id, write=True)
    if plan.state not in services_pip.OPEN_STATES:
        raise Http404
    form = PlanForm(request.POST or None, plan=plan)
    if request.method != "POST":
        return _form_page(
            request,
            form,
            plan=plan,
            expectations=expectation_rows(plan.expectations.all()),
            checkpoints=checkpoint_rows(plan.checkpoints.all()),
        )
    expectations, checkpoints = rows_from(request.POST, "exp"), rows_from(request.POST, "cp")
    locked = plan.state in services_pip.LOCKED_STATES
    if form.is_valid():
        data = form.cleaned_data
        try:
            services_pip.improvement_plan_update(
                actor=request.user,
                plan=plan,
                version=data["version"],
                gaps=data["gaps"],
                support=data["support"],
                starts_on=plan.starts_on if locked else data["starts_on"],
                ends_on=plan.ends_on if locked else data["ends_on"],
                # A locked plan's form has no expectation rows; any that arrive are checked (and refused if changed).
                expectations=expectation_inputs(expectations) if expectations or not locked else None,
                checkpoints=checkpoint_inputs(checkpoints),
            )
        except DomainError as error:
            return _form_refused(request, form, error, plan=plan, expectations=expectations, checkpoints=checkpoints)
        messages.success(request, _("Plan saved."))
        return _detail(plan)
    return _form_page(request, form, plan=plan, expectations=expectations, checkpoints=checkpoints, status=400)


@login_required
def pip_expectations(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """Change the locked expectations of an active plan: she acknowledges the new version."""
    plan = permissions.improvement_plan_for_user(request.user, plan_id, write=True)
    if plan.state not in services_pip.LOCKED_STATES:
        raise Http404
    rows = expectation_rows(plan.expectations.all())
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        rows = rows_from(request.POST, "exp")
        try:
            services_pip.improvement_plan_change_expectations(
                actor=request.user,
                plan=plan,
                expectations=expectation_inputs(rows),
                version=parse_int(request.POST.get("version")),
            )
        except DomainError as error:
            errors = [str(error.message)]
            for name, found in error.fields.items():
                if not place_row_error({"expectations": rows}, name, found):
                    errors.extend(found)
            status = 409 if isinstance(error, StaleWrite) else 400
        else:
            messages.success(request, _("Expectations changed. She has been asked to acknowledge them."))
            return _detail(plan)
    return render(
        request,
        "conversations/pip/expectations_form.html",
        {"plan": plan, "expectations": rows or [Row(key=new_key(), values={})], "errors": errors},
        status=status,
    )


@login_required
def pip_row(request: AuthedRequest, kind: str) -> HttpResponse:
    """A blank expectation or checkpoint row for the form (htmx)."""
    if kind not in ("expectation", "checkpoint"):
        raise Http404
    return render(
        request, f"conversations/pip/_{kind}_row.html", {"row": Row(key=new_key(), values={}), "removable": True}
    )


# ---- actions -----------------------------------------------------------------------------------------


def _act(request: AuthedRequest, plan: ImprovementPlan, run: Callable[[], object], done: str) -> HttpResponse:
    attempt(request, run, done)
    return _detail(plan)


def _posted(form: forms.Form) -> dict[str, Any]:
    """What a plan action's small form holds; the service says what is missing or wrong."""
    form.is_valid()
    return form.cleaned_data


@login_required
@require_POST
def pip_send(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.improvement_plan_for_user(request.user, plan_id, write=True)
    version = parse_int(request.POST.get("version"))
    return _act(
        request,
        plan,
        lambda: services_pip.improvement_plan_send(actor=request.user, plan=plan, version=version),
        _("Plan sent. She has been asked to acknowledge it."),
    )


@login_required
@require_POST
def pip_acknowledge(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.improvement_plan_for_user(request.user, plan_id)
    version = parse_int(request.POST.get("version"))
    return _act(
        request,
        plan,
        lambda: services_pip.improvement_plan_acknowledge(actor=request.user, plan=plan, version=version),
        _("Thank you. Your manager has been told you acknowledged the plan."),
    )


@login_required
@require_POST
def pip_extend(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.improvement_plan_for_user(request.user, plan_id, write=True)
    data = _posted(ExtendForm(request.POST))
    return _act(
        request,
        plan,
        lambda: services_pip.improvement_plan_extend(
            actor=request.user,
            plan=plan,
            ends_on=data.get("ends_on"),
            reason=data.get("reason", ""),
            version=data.get("version"),
        ),
        _("Plan extended. She has been asked to acknowledge the new end date."),
    )


@login_required
@require_POST
def pip_close(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = permissions.improvement_plan_for_user(request.user, plan_id, write=True)
    data = _posted(CloseForm(request.POST))
    return _act(
        request,
        plan,
        lambda: services_pip.improvement_plan_close(
            actor=request.user,
            plan=plan,
            outcome=data.get("outcome", request.POST.get("outcome", "")),
            text=data.get("text", ""),
            version=data.get("version"),
        ),
        _("Plan closed."),
    )


@login_required
@require_POST
def pip_note(request: AuthedRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = permissions.checkpoint_for_user(request.user, checkpoint_id)
    plan = checkpoint.plan
    return _act(
        request,
        plan,
        lambda: services_pip.checkpoint_note_add(
            actor=request.user, checkpoint=checkpoint, text=request.POST.get("text", "")
        ),
        _("Progress note added."),
    )
