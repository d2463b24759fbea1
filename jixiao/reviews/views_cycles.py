"""HR's cycle pages: the list, the cycle form, the progress page with its actions, export, reassign, nudge.

Thin views: the gate first (permissions.py, plus "the cycle's participants overlap my HR scope" for reading),
one service or selector call, render. Refusals from services come back as messages or beside the fields.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from jixiao.audit.services import access_denied
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int
from jixiao.goals import selectors_kpi
from jixiao.goals.models import Period
from jixiao.org.models import Department, Status
from jixiao.org.selectors import actor_context

from . import exports, permissions, selectors_cycles, services
from .forms_cycles import CycleForm, ParticipantsForm, ReassignForm, ReleaseForm, ScoringForm
from .models import Cycle, Evaluation, EvaluationKind, PhaseKind, ReviewTemplate

# ---- the gate ------------------------------------------------------------------------------------


def _require_hr(request: AuthedRequest) -> None:
    if not permissions.can_create_cycle(request.user):
        raise access_denied(request.user, "reviews.cycle", "", write=False)


def _cycle(request: AuthedRequest, cycle_id: int, *, manage: bool = False) -> Cycle:
    return permissions.cycle_for_hr(request.user, cycle_id, manage=manage)


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _department(request: AuthedRequest, value: str | None) -> Department | None:
    """A department picked in the query string, if it lies in the reader's scope; 404 for any other id."""
    pk = parse_int(value)
    if pk is None:
        return None
    department = Department.objects.filter(pk=pk).only("id", "path", "name", "name_en", "depth").first()
    if department is None or not actor_context(request.user).in_hr_scope(department.path):
        raise Http404
    return department


def _next(request: AuthedRequest, fallback: str) -> str:
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def _version(request: AuthedRequest) -> int:
    return parse_int(request.POST.get("version")) or 0


# ---- the list ------------------------------------------------------------------------------------


@login_required
@require_GET
def cycles(request: AuthedRequest) -> HttpResponse:
    """Every cycle HR may open, with its state, current phase, its completion and due date."""
    _require_hr(request)
    rows = selectors_cycles.cycles_for_hr(request.user, today=timezone.localdate())
    context: dict[str, Any] = {"rows": rows}
    if not rows:
        context["has_templates"] = ReviewTemplate.objects.filter(archived=False).exists()
        context["has_periods"] = Period.objects.exists()
    return render(request, "reviews/cycles/list.html", context)


# ---- the form ------------------------------------------------------------------------------------


def _form_options(request: AuthedRequest, cycle: Cycle | None) -> dict[str, Any]:
    ctx = actor_context(request.user)
    selected = (cycle.filters or {}).get("departments") or [] if cycle else []
    return {
        "departments": selectors_cycles.department_choices(request.user, selected=selected),
        "levels": selectors_cycles.job_levels(),
        "company_wide": ctx.is_admin or ctx.is_company_hr,
    }


def _preview(request: AuthedRequest, form: ParticipantsForm) -> HttpResponse:
    """How many current employees the filters reach, on an unsaved cycle (services.cycle_participants)."""
    context: dict[str, Any] = {"matched": None}
    if form.is_valid():
        f = form.participant_filters()
        draft = Cycle(
            filters={
                "departments": sorted(set(f["departments"])),
                "levels": sorted(set(f["levels"])),
                "hired_before": f["hired_before"].isoformat() if f["hired_before"] else None,
                "exclude": sorted(set(f["exclude"])),
            }
        )
        people = services.cycle_participants(draft)
        context["matched"] = people.count()
        context["no_manager"] = people.filter(Q(manager__isnull=True) | Q(manager__status=Status.LEFT)).count()
    else:
        context["errors"] = [e for errors in form.errors.values() for e in errors]
    return render(request, "reviews/cycles/_preview.html", context)


def _cycle_form(request: AuthedRequest, cycle: Cycle | None) -> HttpResponse:
    user = request.user
    options = _form_options(request, cycle)
    if _is_htmx(request) and request.method == "GET" and "preview" in request.GET:
        return _preview(request, ParticipantsForm(request.GET, **options))
    if cycle is not None:
        initial = CycleForm.initial_for(cycle)
    else:
        default = selectors_kpi.default_period(selectors_kpi.period_choices(), timezone.localdate())
        initial = {"period": default.pk if default else None}
    form = CycleForm(request.POST if request.method == "POST" else None, cycle=cycle, initial=initial, **options)
    if request.method == "POST" and form.is_valid():
        try:
            if cycle is None:
                saved = services.cycle_create(actor=user, data=form.cycle_input())
            else:
                saved = services.cycle_update(
                    actor=user, cycle=cycle, data=form.cycle_input(), version=form.cleaned_data.get("version") or 0
                )
        except StaleWrite as exc:
            form.add_error(None, str(exc.message))
        except DomainError as exc:
            form.add_domain_errors(exc.fields, str(exc.message))
        else:
            messages.success(request, _("Cycle saved.") if cycle else _("Cycle created. Check it, then launch it."))
            return redirect(saved)
    has_templates = bool(form.fields["template"].queryset.exists())  # type: ignore[attr-defined]
    return render(
        request,
        "reviews/cycles/form.html",
        {
            "form": form,
            "cycle": cycle,
            "name": selectors_cycles.cycle_name(cycle) if cycle else "",
            "has_templates": has_templates,
            "preview_url": reverse("reviews:cycle_edit", args=[cycle.pk]) if cycle else reverse("reviews:cycle_new"),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@login_required
def cycle_new(request: AuthedRequest) -> HttpResponse:
    """A new cycle in draft: nothing is sent and no review exists until it is launched."""
    _require_hr(request)
    return _cycle_form(request, None)


@login_required
def cycle_edit(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """Change a cycle: everything before launch, names and dates after."""
    cycle = _cycle(request, cycle_id, manage=True)
    if cycle.state == Cycle.State.CLOSED:
        messages.info(request, _("This cycle is closed; it can no longer change."))
        return redirect(cycle)
    return _cycle_form(request, cycle)


# ---- the cycle page (HR progress) ---------------------------------------------------------------


@login_required
@require_GET
def cycle_detail(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """Where the cycle stands: phases, launch, completion per department, overdue raters, bands; its actions."""
    cycle = _cycle(request, cycle_id)
    user = request.user
    today = timezone.localdate()
    department = _department(request, request.GET.get("department"))
    phases = selectors_cycles.cycle_phases(cycle)
    after = selectors_cycles.parse_after(request.GET.get("overdue_after"))
    overdue = selectors_cycles.overdue_page(
        user=user, cycle=cycle, phases=phases, today=today, after=after, department=department
    )
    filters = {"department": department.pk if department else ""}
    list_query = urlencode({k: v for k, v in filters.items() if v})
    if _is_htmx(request) and request.GET.get("rows") == "1":
        return render(
            request,
            "reviews/cycles/_overdue_rows.html",
            {"cycle": cycle, "overdue": overdue, "list_query": list_query, "back": request.get_full_path()},
        )
    launched = cycle.state in (Cycle.State.ACTIVE, Cycle.State.CLOSED)
    progress = (
        selectors_cycles.cycle_progress(user=user, cycle=cycle, phases=phases, department=department, today=today)
        if launched
        else None
    )
    query = request.GET.get("q", "").strip()[:100]
    kinds = [p.kind for p in phases]
    position = kinds.index(cycle.phase) if cycle.phase in kinds else -1
    next_kind = kinds[position + 1] if cycle.state == Cycle.State.ACTIVE and position + 1 < len(kinds) else None
    can_manage = permissions.can_manage_cycle(user, cycle)
    context = {
        "cycle": cycle,
        "name": selectors_cycles.cycle_name(cycle),
        "period": selectors_cycles.localised(cycle.period.name, cycle.period.name_en),
        "steps": selectors_cycles.phase_steps(cycle, phases, today),
        "current": selectors_cycles.current_phase(cycle, phases),
        "launch": selectors_cycles.launch_status(cycle),
        "progress": progress,
        "overdue": overdue,
        "department": department,
        "list_query": list_query,
        "query": query,
        "found": selectors_cycles.review_search(user=user, cycle=cycle, query=query) if query else None,
        "can_manage": can_manage,
        "next_phase": PhaseKind(next_kind).label if next_kind else None,
        "can_release": cycle.state == Cycle.State.ACTIVE
        and cycle.phase in (PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT),
        "can_close": can_manage and cycle.state == Cycle.State.ACTIVE and cycle.phase == PhaseKind.ACKNOWLEDGEMENT,
        # Calibration sessions live in the calibration app; the page links there by URL name (decision 0011).
        "in_calibration": cycle.state == Cycle.State.ACTIVE and cycle.phase == PhaseKind.CALIBRATION,
        "back": request.get_full_path(),
        "chart": progress.chart if progress and progress.total.total else None,
    }
    if cycle.state == Cycle.State.DRAFT:
        context["matched"] = services.cycle_participants(cycle).count()
        context["template_name"] = (
            selectors_cycles.localised(cycle.template.name, cycle.template.name_en) if cycle.template else "—"
        )
    return render(request, "reviews/cycles/detail.html", context)


@login_required
@require_GET
def cycle_launch_progress(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """The launch's progress bar (htmx polls it every second); once done the page reloads to show the report."""
    cycle = _cycle(request, cycle_id)
    launch = selectors_cycles.launch_status(cycle)
    response = render(request, "reviews/cycles/_launch_status.html", {"cycle": cycle, "launch": launch})
    if not launch.running and _is_htmx(request):
        response["HX-Refresh"] = "true"
    return response


def _act(request: AuthedRequest, cycle: Cycle, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect(cycle)


@login_required
@require_POST
def cycle_launch(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """Launch a draft (or, on an active cycle, add the people who joined its filters since)."""
    cycle = _cycle(request, cycle_id, manage=True)
    first = cycle.state == Cycle.State.DRAFT
    return _act(
        request,
        cycle,
        lambda: services.cycle_launch(actor=request.user, cycle=cycle, version=_version(request)),
        _("Launching: the reviews are being created.") if first else _("Looking for people who joined since…"),
    )


@login_required
@require_POST
def cycle_advance(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """Open the cycle's next phase."""
    cycle = _cycle(request, cycle_id, manage=True)

    def advance() -> None:
        moved = services.cycle_phase_advance(actor=request.user, cycle=cycle, version=_version(request))
        messages.success(request, _("The phase “%(phase)s” is open.") % {"phase": PhaseKind(moved.phase).label})

    try:
        advance()
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(cycle)


@login_required
@require_POST
def cycle_close(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """Close the cycle: reviews stay readable, nothing can be written any more."""
    cycle = _cycle(request, cycle_id, manage=True)
    return _act(
        request,
        cycle,
        lambda: services.cycle_close(actor=request.user, cycle=cycle, version=_version(request)),
        _("The cycle is closed."),
    )


@login_required
def cycle_release(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """Release the ready reviews of the cycle, or of one department subtree, after seeing how many."""
    cycle = _cycle(request, cycle_id)
    user = request.user
    data = request.POST if request.method == "POST" else request.GET
    picked = parse_int(data.get("department"))
    form = ReleaseForm(
        data if "department" in data else None,
        departments=selectors_cycles.department_choices(user, selected=[picked] if picked else []),
        initial={"department": picked},
    )
    department = form.chosen() if form.is_bound and form.is_valid() else None
    if form.is_bound and not form.is_valid():
        raise Http404
    if request.method == "POST":
        try:
            count = services.reviews_release(actor=user, cycle=cycle, department=department)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            if count:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s review released; its reviewee has been told.",
                        "%(count)s reviews released; their reviewees have been told.",
                        count,
                    )
                    % {"count": count},
                )
            else:
                messages.info(request, _("No review was ready to release."))
        return redirect(cycle)
    return render(
        request,
        "reviews/cycles/release.html",
        {
            "cycle": cycle,
            "name": selectors_cycles.cycle_name(cycle),
            "form": form,
            "department": department,
            "ready": selectors_cycles.ready_to_release(user=user, cycle=cycle, department=department),
            "held": selectors_cycles.held_in_calibration(user=user, cycle=cycle, department=department),
            "in_phase": cycle.state == Cycle.State.ACTIVE
            and cycle.phase in (PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT),
        },
    )


@login_required
def cycle_scoring(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """A launched cycle's band thresholds and self-rating weight; saving rescores every review."""
    cycle = _cycle(request, cycle_id, manage=True)
    snapshot = cycle.snapshot or {}
    if not snapshot or cycle.state == Cycle.State.CLOSED:
        messages.info(
            request,
            _("Scoring is set on a cycle in progress. Before launch, it comes from the template and its scale."),
        )
        return redirect(cycle)
    bands = list(snapshot.get("scale", {}).get("bands", []))
    initial: dict[str, Any] = {
        "self_weight": int(float(snapshot.get("template", {}).get("self_weight") or 0)),
        "version": cycle.version,
        **{f"band_{b['code']}": b["threshold"] for b in bands},
    }
    form = ScoringForm(request.POST if request.method == "POST" else None, bands=bands, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_scoring_update(
                actor=request.user,
                cycle=cycle,
                bands=form.bands(),
                self_weight=form.cleaned_data["self_weight"],
                version=form.cleaned_data["version"],
            )
        except StaleWrite as exc:
            form.add_error(None, str(exc.message))
        except DomainError as exc:
            form.add_domain_errors(exc.fields, str(exc.message))
        else:
            messages.success(request, _("Scoring saved; every submitted review has been rescored."))
            return redirect(cycle)
    return render(
        request,
        "reviews/cycles/scoring.html",
        {
            "cycle": cycle,
            "name": selectors_cycles.cycle_name(cycle),
            "form": form,
            "bands": [
                (field, b["code"], selectors_cycles.band_label(b))
                for field, b in zip(form.band_fields(), bands, strict=True)
            ],
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@login_required
@require_GET
def cycle_export(request: AuthedRequest, cycle_id: int) -> FileResponse:
    """The cycle's results in the reader's scope as XLSX (audited)."""
    cycle = _cycle(request, cycle_id)
    department = _department(request, request.GET.get("department"))
    out, _count = exports.cycle_export(user=request.user, cycle=cycle, department=department)
    stamp = timezone.localdate().isoformat()
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"jixiao-cycle-{cycle.pk}-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# ---- one review: reassign a rater, nudge a rater ----------------------------------------------------


@login_required
def review_reassign(request: AuthedRequest, review_id: int) -> HttpResponse:
    """HR in scope moves the manager's or skip-level part of a review to someone else, with a reason."""
    user = request.user
    review = permissions.review_for_user(user, review_id)
    if not permissions.can_administer_review(user, review):
        raise access_denied(user, "reviews.review", review_id, write=True)
    cycle = review.cycle
    kind = request.GET.get("kind")
    form = ReassignForm(
        request.POST if request.method == "POST" else None,
        skip_level=cycle.skip_level,
        initial={"kind": kind if kind in (EvaluationKind.MANAGER, EvaluationKind.SKIP_LEVEL) else "manager"},
    )
    back = _next(request, cycle.get_absolute_url())
    if request.method == "POST" and form.is_valid():
        assert form.rater is not None
        try:
            services.review_reassign(
                actor=user,
                review=review,
                kind=form.cleaned_data["kind"],
                rater=form.rater,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form.add_domain_errors(exc.fields, str(exc.message))
        else:
            messages.success(
                request,
                _("%(name)s's review now goes to %(rater)s.")
                % {"name": review.reviewee.name, "rater": form.rater.name},
            )
            return redirect(back)
    evaluations = list(Evaluation.objects.filter(review=review).select_related("rater").order_by("pk"))
    return render(
        request,
        "reviews/cycles/reassign.html",
        {
            "review": review,
            "cycle": cycle,
            "name": selectors_cycles.cycle_name(cycle),
            "form": form,
            "evaluations": evaluations,
            "state_label": review.get_state_display(),
            "back": back,
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def evaluation_nudge(request: AuthedRequest, evaluation_id: int) -> HttpResponse:
    """Remind one rater now (HR in scope; a manager for her report's self review); once a day."""
    user = request.user
    evaluation = permissions.evaluation_for_user(user, evaluation_id)
    review = evaluation.review
    ctx = actor_context(user)
    is_manager = review.manager_id is not None and review.manager_id == ctx.employee_id
    if not (permissions.can_administer_review(user, review) or (is_manager and evaluation.kind == EvaluationKind.SELF)):
        raise access_denied(user, "reviews.evaluation", evaluation_id, write=True)
    try:
        services.evaluation_nudge(actor=user, evaluation=evaluation)
    except DomainError as exc:
        sent, message = False, str(exc.message)
    else:
        name = (
            evaluation.rater.name if evaluation.rater else evaluation.nomination.name if evaluation.nomination else ""
        )
        sent, message = True, _("Reminder sent to %(name)s.") % {"name": name}
    if _is_htmx(request):
        return render(request, "reviews/cycles/_nudge.html", {"sent": sent, "message": message})
    (messages.success if sent else messages.error)(request, message)
    return redirect(_next(request, review.cycle.get_absolute_url()))
