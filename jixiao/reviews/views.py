"""Pages people write and read reviews on: my reviews, team reviews, the review form, the review, approvals.

Thin views: the gate in permissions.py first, then one service or selector, then render. What a reader
sees inside a review comes from selectors.review_view (the visibility matrix) through selectors_pages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.http import AuthedRequest
from jixiao.org.selectors import actor_context

from . import permissions, services
from . import selectors_pages as pages
from .forms import AcknowledgeForm, EvaluationForm, SkipLevelDecisionForm
from .models import Evaluation, EvaluationKind


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# ---- my reviews and my team's -------------------------------------------------------------------------


@login_required
def my_reviews(request: AuthedRequest) -> HttpResponse:
    """What I owe in open cycles (self reviews, manager reviews, approvals) and my released results."""
    return render(request, "reviews/my_reviews.html", {"page": pages.my_reviews(user=request.user)})


@login_required
def team_reviews(request: AuthedRequest) -> HttpResponse:
    """The reviews I write or approve in cycles in progress: where each person stands, and the scores."""
    page = pages.team_reviews(user=request.user, cycle_id=request.GET.get("cycle"))
    return render(
        request,
        "reviews/team_reviews.html",
        {"page": page, "is_manager": actor_context(request.user).is_manager},
    )


# ---- the review form ----------------------------------------------------------------------------------


def _writable_evaluation(request: AuthedRequest, evaluation_id: int) -> Evaluation:
    """The rater's own self or manager evaluation; anyone else gets 404 (skip-level parts are decided elsewhere)."""
    evaluation = permissions.evaluation_for_user(request.user, evaluation_id, write=True)
    if evaluation.kind not in (EvaluationKind.SELF, EvaluationKind.MANAGER):
        raise Http404
    return evaluation


def _render_form(request: AuthedRequest, form: EvaluationForm, *, status: int = 200, error: str = "") -> HttpResponse:
    evaluation = form.evaluation
    page = pages.evaluation_form(user=request.user, evaluation=evaluation, answers=form.answers, errors=form.errors)
    preview = None
    if page.is_manager:
        preview = pages.preview(
            evaluation.review.cycle.snapshot,
            model_key=evaluation.review.competency_model,
            auto_items=page.auto_items,
            answers=form.answers,
            self_answers=page.self_answers,
        )
    return render(
        request,
        "reviews/evaluation_form.html",
        {"page": page, "form": form, "preview": preview, "error": error, "stale": status == 409},
        status=status,
    )


@login_required
def evaluation_edit(request: AuthedRequest, evaluation_id: int) -> HttpResponse:
    """The self or manager review form: save a draft (autosave or the button) or submit."""
    if request.method != "POST":
        evaluation = permissions.evaluation_for_user(request.user, evaluation_id)
        if evaluation.kind == EvaluationKind.SKIP_LEVEL:
            return redirect("reviews:skip_level_decide", evaluation_id=evaluation.pk)
        if evaluation.rater_id != actor_context(request.user).employee_id:
            # Readers of the review who do not write this part read it on the review page.
            return redirect(evaluation.review)
        if evaluation.state == Evaluation.State.SUBMITTED:
            messages.info(request, _("You submitted this review. This is what others see of it."))
            return redirect(evaluation.review)
        return _render_form(request, EvaluationForm(evaluation))
    evaluation = _writable_evaluation(request, evaluation_id)
    form = EvaluationForm(evaluation, request.POST)
    submit = request.POST.get("action") == "submit"
    try:
        services.evaluation_save(actor=request.user, evaluation=evaluation, submit=submit, **form.submission())
    except StaleWrite as exc:
        return _render_form(request, form, status=409, error=str(exc.message))
    except DomainError as exc:
        form.add_domain_errors(exc.fields)
        return _render_form(request, form, status=400, error=str(exc.message))
    if not submit:
        messages.success(request, _("Draft saved."))
        return redirect("reviews:evaluation", evaluation_id=evaluation.pk)
    if evaluation.kind == EvaluationKind.SELF:
        messages.success(request, _("Self review submitted. Your manager has been told."))
    else:
        messages.success(request, _("Review submitted."))
    return redirect(evaluation.review)


@login_required
@require_POST
def evaluation_autosave(request: AuthedRequest, evaluation_id: int) -> HttpResponse:
    """Save the draft as the rater types (htmx); answers a small status, the new version and the live score."""
    evaluation = _writable_evaluation(request, evaluation_id)
    form = EvaluationForm(evaluation, request.POST)
    context: dict[str, Any] = {"evaluation": evaluation}
    try:
        saved = services.evaluation_save(actor=request.user, evaluation=evaluation, submit=False, **form.submission())
    except StaleWrite as exc:
        return render(
            request,
            "reviews/_autosave_status.html",
            {**context, "error": str(exc.message), "stale": True},
            status=409,
        )
    except DomainError as exc:
        fields = {pages.dom_id(name): [str(e) for e in errors] for name, errors in exc.fields.items()}
        return render(
            request,
            "reviews/_autosave_status.html",
            {**context, "error": str(exc.message), "fields": fields},
            status=409 if exc.code in ("illegal_transition", "wrong_phase", "already_submitted") else 400,
        )
    if saved.kind == EvaluationKind.MANAGER:
        page = pages.evaluation_form(user=request.user, evaluation=saved, answers=form.answers)
        context["preview"] = pages.preview(
            saved.review.cycle.snapshot,
            model_key=saved.review.competency_model,
            auto_items=page.auto_items,
            answers=form.answers,
            self_answers=page.self_answers,
        )
        context["with_preview"] = True
    context.update(evaluation=saved, saved_at=timezone.localtime(saved.updated_at))
    return render(request, "reviews/_autosave_status.html", context)


# ---- reading a review ----------------------------------------------------------------------------------


def _render_review(
    request: AuthedRequest, review_id: int, *, form: AcknowledgeForm | None = None, status: int = 200
) -> HttpResponse:
    review = permissions.review_for_user(request.user, review_id)
    page = pages.review_page(user=request.user, review=review)
    if form is None and page.can_acknowledge:
        form = AcknowledgeForm(initial={"version": review.version})
    chart = page.breakdown.chart() if page.breakdown else None
    return render(
        request,
        "reviews/review.html",
        {
            "page": page,
            "review": review,
            "form": form,
            "chart": chart,
            "chart_i18n": {"contribution": _("Contribution"), "score": _("Section score")},
        },
        status=status,
    )


@login_required
def review_detail(request: AuthedRequest, review_id: int) -> HttpResponse:
    """A review as the reader may see it; for the employee after release, her score and why."""
    return _render_review(request, review_id)


def _add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """A refusal from a service: its message above the form, each field's errors beside that field."""
    form.add_error(None, str(exc.message))
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


@login_required
@require_POST
def review_acknowledge(request: AuthedRequest, review_id: int) -> HttpResponse:
    """The reviewee acknowledges her released result or records that she disagrees (comment required)."""
    review = permissions.review_for_user(request.user, review_id)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _render_review(request, review_id, form=form, status=400)
    agree = form.cleaned_data["decision"] == "agree"
    try:
        services.review_acknowledge(
            actor=request.user,
            review=review,
            agree=agree,
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
    except StaleWrite as exc:
        form.add_error(None, str(exc.message))
        return _render_review(request, review_id, form=form, status=409)
    except DomainError as exc:
        _add_domain_errors(form, exc)
        return _render_review(request, review_id, form=form, status=400)
    if agree:
        messages.success(request, _("Thank you. Your result is acknowledged."))
    else:
        messages.success(request, _("Your disagreement is recorded. Your manager and HR can read it."))
    return redirect(reverse("reviews:review", args=[review.pk]))


# ---- skip-level approval --------------------------------------------------------------------------------


@login_required
def skip_level_decide(request: AuthedRequest, evaluation_id: int) -> HttpResponse:
    """The skip-level manager reads the manager's ratings and score, then approves or returns them."""
    evaluation = permissions.evaluation_for_user(request.user, evaluation_id, write=True)
    if evaluation.kind != EvaluationKind.SKIP_LEVEL:
        raise Http404
    form = SkipLevelDecisionForm(request.POST or None, initial={"version": evaluation.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                services.review_skip_level_decide(
                    actor=request.user,
                    evaluation=evaluation,
                    approve=approve,
                    comment=form.cleaned_data["comment"],
                    version=form.cleaned_data["version"],
                )
            except DomainError as exc:
                status = exc.status if isinstance(exc, StaleWrite) else 400
                _add_domain_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Review approved.") if approve else _("Review returned to the manager with your comment."),
                )
                return redirect("reviews:team")
    page = pages.skip_level_page(user=request.user, evaluation=evaluation)
    chart = page.page.breakdown.chart() if page.page.breakdown else None
    return render(
        request,
        "reviews/skip_level_decide.html",
        {
            "skip": page,
            "page": page.page,
            "review": page.review,
            "form": form,
            "chart": chart,
            "chart_i18n": {"contribution": _("Contribution"), "score": _("Section score")},
        },
        status=status,
    )
