"""Pages of appeals: file one, my appeals, the appeal, handling it, HR's list and report, the review's panel.

Thin views: the gate in permissions.py first (or reviews.permissions.review_for_user for a review), then one
service or selector, then render. Refusals come back beside the fields they name, nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.accounts.models import User
from jixiao.audit.services import access_denied, record_event
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int
from jixiao.org.selectors import actor_context
from jixiao.reviews.permissions import review_for_user
from jixiao.reviews.selectors_pages import cycle_name

from . import permissions, selectors, services
from .files import MAX_FILE_BYTES, MAX_FILES
from .forms import AppealForm, DecideForm, ReassignForm, RespondForm, VersionForm, add_domain_errors
from .models import Appeal


def _status(exc: DomainError) -> int:
    return 409 if isinstance(exc, StaleWrite) else 400


# ---- filing ---------------------------------------------------------------------------------------------


@login_required
def appeal_new(request: AuthedRequest, review_id: int) -> HttpResponse:
    """ "Appeal this result": the reviewee's form, while the window is open."""
    review = review_for_user(request.user, review_id)
    if review.reviewee_id != actor_context(request.user).employee_id:
        raise access_denied(request.user, "appeals.appeal", f"review:{review_id}", write=True)
    existing = Appeal.objects.filter(review_id=review.pk).only("pk").first()
    if existing is not None:
        return redirect(existing)
    window = selectors.appeal_window(review)
    form = AppealForm(request.POST or None)
    file_errors: list[str] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.appeal_file(
                actor=request.user,
                review=review,
                reason=form.cleaned_data["reason"],
                files=request.FILES.getlist("files"),
            )
        except DomainError as exc:
            status = _status(exc)
            file_errors = [str(m) for m in exc.fields.get("files", [])]
            add_domain_errors(form, exc, skip=("files",))
            if file_errors and not form.errors:
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your appeal is filed. HR will answer by %(due)s.") % {"due": appeal.due_on})
            return redirect(appeal)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "appeals/file.html",
        {
            "review": review,
            "window": window,
            "form": form,
            "file_errors": file_errors,
            "cycle_name": cycle_name(review.cycle),
            "max_files": MAX_FILES,
            "max_mb": MAX_FILE_BYTES // (1024 * 1024),
            "sla_days": review.cycle.appeal_sla_days,
        },
        status=status,
    )


@login_required
def my_appeals(request: AuthedRequest) -> HttpResponse:
    rows = selectors.my_appeals(user=request.user)
    return render(request, "appeals/mine.html", {"rows": rows})


# ---- the appeal page -----------------------------------------------------------------------------------


def _render_appeal(
    request: AuthedRequest,
    appeal: Appeal,
    *,
    respond_form: RespondForm | None = None,
    reassign_form: ReassignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = selectors.appeal_page(user=request.user, appeal=appeal)
    initial = {"version": appeal.version}
    if page.can_respond and respond_form is None:
        respond_form = RespondForm(initial={**initial, "response": appeal.manager_response})
    if page.can_reassign and reassign_form is None:
        reassign_form = ReassignForm(initial=initial, candidates=page.candidates)
    return render(
        request,
        "appeals/appeal.html",
        {
            "page": page,
            "appeal": appeal,
            "review": appeal.review,
            "respond_form": respond_form if page.can_respond else None,
            "reassign_form": reassign_form if page.can_reassign else None,
            "take_up_form": VersionForm(initial=initial) if page.can_take_up else None,
        },
        status=status,
    )


@login_required
def appeal_detail(request: AuthedRequest, appeal_id: int) -> HttpResponse:
    appeal = permissions.appeal_for_user(request.user, appeal_id)
    return _render_appeal(request, appeal)


@login_required
@require_POST
def appeal_take_up(request: AuthedRequest, appeal_id: int) -> HttpResponse:
    appeal = permissions.appeal_for_user(request.user, appeal_id, write=True)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.appeal_take_up(actor=request.user, appeal=appeal, version=version)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("You took up this appeal. The employee has been told."))
    return redirect(appeal)


@login_required
@require_POST
def appeal_reassign(request: AuthedRequest, appeal_id: int) -> HttpResponse:
    appeal = permissions.appeal_for_user(request.user, appeal_id)
    if not permissions.can_reassign(request.user, appeal):
        raise access_denied(request.user, "appeals.appeal", appeal_id, write=True)
    candidates = selectors.owner_candidates(appeal)
    form = ReassignForm(request.POST, candidates=candidates)
    if not form.is_valid():
        return _render_appeal(request, appeal, reassign_form=form, status=400)
    owner_id = form.cleaned_data["owner"]
    owner = User.objects.filter(pk=owner_id, is_active=True).first() if owner_id else None
    try:
        services.appeal_reassign(actor=request.user, appeal=appeal, owner=owner, version=form.cleaned_data["version"])
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render_appeal(request, appeal, reassign_form=form, status=_status(exc))
    messages.success(request, _("The appeal is now %(name)s's to handle.") % {"name": selectors.user_label(owner)})
    return redirect(appeal)


@login_required
@require_POST
def appeal_respond(request: AuthedRequest, appeal_id: int) -> HttpResponse:
    appeal = permissions.appeal_for_user(request.user, appeal_id)
    if not permissions.is_reviews_manager(request.user, appeal):
        raise access_denied(request.user, "appeals.appeal", appeal_id, write=True)
    form = RespondForm(request.POST)
    if not form.is_valid():
        return _render_appeal(request, appeal, respond_form=form, status=400)
    try:
        services.appeal_respond(
            actor=request.user,
            appeal=appeal,
            response=form.cleaned_data["response"],
            version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        add_domain_errors(form, exc)
        return _render_appeal(request, appeal, respond_form=form, status=_status(exc))
    messages.success(request, _("Your response is saved. HR has been told."))
    return redirect(appeal)


@login_required
def appeal_decide(request: AuthedRequest, appeal_id: int) -> HttpResponse:
    """The decide form: upheld, changed (a new band and/or corrected section scores) or not accepted."""
    appeal = permissions.appeal_for_user(request.user, appeal_id, write=True)
    if appeal.state not in selectors.OPEN_STATES:
        messages.info(request, _("This appeal is decided."))
        return redirect(appeal)
    page = selectors.decide_page(appeal)
    form = DecideForm(
        request.POST or None, initial={"version": appeal.version}, sections=page.sections, bands=page.bands
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.appeal_decide(
                    actor=request.user,
                    appeal=appeal,
                    outcome_state=form.cleaned_data["outcome_state"],
                    outcome=form.cleaned_data["outcome"],
                    band=form.cleaned_data["band"] or None,
                    corrections=form.corrections(),
                    version=form.cleaned_data["version"],
                )
            except DomainError as exc:
                status = _status(exc)
                add_domain_errors(form, exc)
            else:
                messages.success(
                    request, _("The appeal is decided. The employee, her manager and the owner have been told.")
                )
                return redirect(appeal)
    return render(
        request,
        "appeals/decide.html",
        {
            "appeal": appeal,
            "review": appeal.review,
            "page": page,
            "form": form,
            "cycle_name": cycle_name(appeal.review.cycle),
        },
        status=status,
    )


# ---- attachments -----------------------------------------------------------------------------------------


@login_required
def attachment_download(request: AuthedRequest, attachment_id: int) -> HttpResponseBase:
    """A file of an appeal, through the appeal's gate, always as a download (never shown in the page)."""
    attachment = permissions.attachment_for_user(request.user, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    record_event(
        actor=request.user,
        action="appeal.download",
        target_type="appeals.appeal",
        target_id=str(attachment.appeal_id),
        target_label=attachment.name,
        scope_path=_appeal_scope(attachment.appeal),
        after={"file": attachment.name},
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _appeal_scope(appeal: Appeal) -> str:
    department = appeal.department if appeal.department_id else None
    return department.path if department is not None else ""


# ---- HR: the list and the report ------------------------------------------------------------------------


def _require_hr(request: AuthedRequest) -> None:
    if not permissions.can_see_hr_pages(request.user):
        raise access_denied(request.user, "appeals.list", "", write=False)


@login_required
def appeals_list(request: AuthedRequest) -> HttpResponse:
    _require_hr(request)
    state = request.GET.get("state", "")
    state = state if state in selectors.STATE_FILTERS else ""
    department_id = parse_int(request.GET.get("department"))
    overdue = request.GET.get("overdue") == "1"
    mine = request.GET.get("mine") == "1"
    page = selectors.hr_appeals(
        user=request.user,
        state=state,
        department_id=department_id,
        overdue=overdue,
        mine=mine,
        after=request.GET.get("after", ""),
    )
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "appeals/list.html",
        {
            "page": page,
            "state": state,
            "department_id": department_id,
            "overdue": overdue,
            "mine": mine,
            "states": [(value, label) for value, label in Appeal.State.choices],
            "query": query.urlencode(),
        },
    )


@login_required
def appeals_report(request: AuthedRequest) -> HttpResponse:
    _require_hr(request)
    cycle_id = parse_int(request.GET.get("cycle"))
    department_id = parse_int(request.GET.get("department"))
    report = selectors.appeals_report(user=request.user, cycle_id=cycle_id, department_id=department_id)
    return render(
        request,
        "appeals/report.html",
        {
            "report": report,
            "cycle_id": cycle_id,
            "department_id": department_id,
            "cycle_names": [(c.pk, cycle_name(c)) for c in report.cycles],
            "states": Appeal.State.choices,
        },
    )


# ---- the review page's panel (loaded by htmx) ---------------------------------------------------------------


@login_required
def review_panel(request: AuthedRequest, review_id: int) -> HttpResponse:
    """The appeal part of a review page: how to appeal, or the appeal's state; empty for everyone else."""
    review = review_for_user(request.user, review_id)
    panel = selectors.review_panel(user=request.user, review=review)
    context: dict[str, Any] = {"panel": panel, "review": review, "window": panel.window}
    response = render(request, "appeals/_panel.html", context)
    response["Cache-Control"] = "no-store, private"
    return response
