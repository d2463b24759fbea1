"""Pages for choosing 360 raters (decision 0009): nominating peers, approving them, inviting customers.

Thin views: the gate first (permissions.review_for_user or cycle_for_hr, then who chooses raters on this
review: selectors_nominations.nomination_role), one service call, redirect with a message; refusals come
back as messages or beside the fields. Anyone else, and any review without 360 feedback, gets 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jixiao.audit.services import access_denied
from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int
from jixiao.org.imports import ImportRejected

from . import imports_nominations, permissions, selectors_nominations, services_feedback, services_nominations
from .forms_nominations import CustomerForm, DecideForm, ImportForm, PickForm, SearchForm
from .models import PhaseKind, Review
from .selectors_cycles import cycle_name


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _refused(request: AuthedRequest, exc: DomainError) -> None:
    """A service's refusal as a message: its sentence, and the field's words when they add something."""
    details = [m for messages_ in exc.fields.values() for m in messages_]
    text = str(exc.message)
    messages.error(request, text if not details else f"{text} ({' '.join(details)})")


# ---- one review's raters ------------------------------------------------------------------------


def _page_url(review: Review, anchor: str = "") -> str:
    return reverse("reviews:nominations", args=[review.pk]) + (f"#{anchor}" if anchor else "")


def _picker(request: AuthedRequest, review: Review, role: str) -> dict[str, Any]:
    """The review's raters and the people picker: the search form, its query and the colleagues matching it."""
    page = selectors_nominations.nomination_page(user=request.user, review=review, role=role)
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    candidates = (
        selectors_nominations.people_search(user=request.user, review=review, query=query, role=role)
        if query and page.can_add_peer
        else []
    )
    return {"page": page, "review": review, "search": search, "query": query, "candidates": candidates}


def _render(
    request: AuthedRequest,
    review: Review,
    role: str,
    *,
    customer_form: CustomerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _picker(request, review, role)
    page = context["page"]
    return render(
        request,
        "reviews/nominations/review.html",
        {
            **context,
            "cycle_name": cycle_name(review.cycle),
            "customer_form": customer_form or CustomerForm(),
            "replacing": page.feedback_open and page.is_decider,
        },
        status=status,
    )


@login_required
def nominations(request: AuthedRequest, review_id: int) -> HttpResponse:
    """Who gives 360 feedback on a review: the reviewee proposes peers; her manager and HR approve and add."""
    review = permissions.review_for_user(request.user, review_id)
    role = selectors_nominations.nomination_role(request.user, review)
    if request.method == "POST":
        return _nominate(request, review, role)
    if _is_htmx(request) and "q" in request.GET:
        return _search(request, review, role)
    return _render(request, review, role)


def _search(request: AuthedRequest, review: Review, role: str) -> HttpResponse:
    """The people picker's results (htmx): colleagues matching the query, already nominated ones marked."""
    return render(request, "reviews/nominations/_candidates.html", _picker(request, review, role))


def _nominate(request: AuthedRequest, review: Review, role: str) -> HttpResponse:
    form = PickForm(request.POST)
    rater = selectors_nominations.active_rater(request.POST.get("rater")) if form.is_valid() else None
    if rater is None:
        messages.error(request, _("Pick a current colleague from the search results."))
        return redirect(_page_url(review, "peers"))
    cycle = review.cycle
    try:
        if role in selectors_nominations.DECIDERS and cycle.phase == PhaseKind.FEEDBACK:
            services_nominations.nomination_replace(actor=request.user, review=review, rater=rater)
            text = _("%(name)s is asked for feedback in place of the peer who declined.")
        else:
            nomination = services_nominations.nomination_add(actor=request.user, review=review, rater=rater)
            if nomination.state == nomination.State.PROPOSED:
                text = _("%(name)s is proposed. Your manager approves the list.")
            else:
                text = _("%(name)s is added and approved.")
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, text % {"name": rater.name})
    return redirect(_page_url(review, "peers"))


@login_required
@require_POST
def nomination_decide(request: AuthedRequest, nomination_id: int) -> HttpResponse:
    """The manager or HR approves a proposed peer, or removes a nominated one."""
    nomination = selectors_nominations.nomination_for_user(request.user, nomination_id)
    review = nomination.review
    if selectors_nominations.nomination_role(request.user, review) not in selectors_nominations.DECIDERS:
        raise access_denied(request.user, "reviews.nomination", nomination_id, write=True)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to remove."))
        return redirect(_page_url(review, "peers"))
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services_feedback.nomination_decide(actor=request.user, nomination=nomination, approve=approve)
    except DomainError as exc:
        _refused(request, exc)
    else:
        name = nomination.rater.name if nomination.rater else nomination.name
        if approve:
            messages.success(request, _("%(name)s is approved.") % {"name": name})
        else:
            messages.success(request, _("%(name)s is removed from the list.") % {"name": name})
    return redirect(_page_url(review, "peers"))


@login_required
def customer_invite(request: AuthedRequest, review_id: int) -> HttpResponse:
    """The manager or HR invites an external customer; the email with her link goes out at once."""
    review = permissions.review_for_user(request.user, review_id)
    role = selectors_nominations.nomination_role(request.user, review)
    if role not in selectors_nominations.DECIDERS:
        raise access_denied(request.user, "reviews.review", review_id, write=True)
    if request.method != "POST":
        return redirect(_page_url(review, "customers"))
    form = CustomerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            nomination = services_nominations.customer_invite_send(
                actor=request.user,
                review=review,
                email=data["email"],
                name=data["name"],
                language=data["language"],
                link_for=lambda token: request.build_absolute_uri(reverse("reviews:customer_link", args=[token])),
            )
        except DomainError as exc:
            if exc.fields:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("The invitation is on its way to %(name)s (%(email)s).")
                % {"name": nomination.name, "email": nomination.email},
            )
            return redirect(_page_url(review, "customers"))
    return _render(request, review, role, customer_form=form, status=422)


# ---- the manager's team -------------------------------------------------------------------------


@login_required
@require_GET
def team_nominations(request: AuthedRequest) -> HttpResponse:
    """The peers of the people I review, while they are chosen and while feedback is collected."""
    rows = selectors_nominations.team_nominations(user=request.user)
    return render(
        request,
        "reviews/nominations/team.html",
        {
            "rows": rows,
            "waiting": sum(1 for r in rows if r.proposed),
            "short": sum(1 for r in rows if r.needed),
        },
    )


# ---- HR's overview of a cycle -------------------------------------------------------------------


def _cycle_page(
    request: AuthedRequest,
    cycle: Any,
    *,
    problems: list[dict[str, Any]] | None = None,
    error: str = "",
    after: int | None = None,
) -> HttpResponse:
    page = selectors_nominations.cycle_nominations(user=request.user, cycle=cycle, after=after)
    return render(
        request,
        "reviews/nominations/cycle.html",
        {
            "page": page,
            "cycle": cycle,
            "cycle_name": cycle_name(cycle),
            "form": ImportForm(),
            "problems": problems or [],
            "import_error": error,
            "columns": imports_nominations.COLUMNS,
        },
        status=422 if problems or error else 200,
    )


@login_required
@require_GET
def cycle_nominations(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """HR's view of a cycle's 360 raters: who is short of peers, who is asked too often, bulk assignment."""
    cycle = permissions.cycle_for_hr(request.user, cycle_id)
    after = parse_int(request.GET.get("after"))
    if _is_htmx(request) and request.GET.get("rows") == "1":
        rows, next_after = selectors_nominations.short_of_peers(user=request.user, cycle=cycle, after=after)
        return render(
            request,
            "reviews/nominations/_short_rows.html",
            {"cycle": cycle, "rows": rows, "next_after": next_after},
        )
    return _cycle_page(request, cycle, after=after)


@login_required
def cycle_nominations_import(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """Assign peers in bulk from a file (all rows or none); GET downloads the file to fill in."""
    cycle = permissions.cycle_for_hr(request.user, cycle_id)
    if request.method != "POST":
        chinese = (get_language() or "").startswith("zh")
        response = HttpResponse(
            imports_nominations.template_xlsx(chinese_headers=chinese),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="jixiao-360-peers.xlsx"'
        return response
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _cycle_page(request, cycle, error=" ".join(str(e) for errors in form.errors.values() for e in errors))
    upload = form.cleaned_data["file"]
    try:
        table = imports_nominations.read(upload.read(), filename=upload.name)
        result = imports_nominations.nominations_import(actor=request.user, cycle=cycle, table=table)
    except ImportRejected as exc:
        return _cycle_page(
            request,
            cycle,
            problems=imports_nominations.report_rows(exc.report.as_json()),
            error=str(exc.message),
        )
    except DomainError as exc:
        return _cycle_page(request, cycle, error=str(exc.message))
    messages.success(
        request,
        _("%(rows)s rows imported: %(added)s peers added, %(approved)s approved, %(unchanged)s already approved.")
        % {"rows": result.rows, "added": result.added, "approved": result.approved, "unchanged": result.unchanged},
    )
    for notice in result.notices:
        messages.info(request, notice)
    return redirect("reviews:cycle_nominations", cycle.pk)
