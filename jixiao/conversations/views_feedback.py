"""Pages of continuous feedback: my feedback (received / given), give, praise wall, requests (decision 0010).

Thin views: parse, pass the gate in permissions.py, call one service or selector, render. Long lists page by
keyset with a `before` cursor; htmx asks for the next rows only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int
from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context

from . import permissions, selectors_feedback, services_feedback
from .forms_common import add_domain_errors
from .forms_feedback import DeclineForm, GiveForm, RequestForm
from .models import Feedback, FeedbackRequest
from .views_common import has_employee, is_htmx

TABS = ("received", "given")


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Feedback I received or gave, newest first, with what I am asked for on top."""
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "received"
    before = request.GET.get("before")
    if tab == "given":
        page = selectors_feedback.feedback_given(user=request.user, before=before)
    else:
        page = selectors_feedback.feedback_received(user=request.user, before=before)
    context = {"tab": tab, "page": page, "more_url": f"{reverse('conversations:feedback')}?tab={tab}&before="}
    if is_htmx(request) and before:
        return render(request, "conversations/feedback/_rows.html", context)
    return render(
        request,
        "conversations/feedback/home.html",
        {
            **context,
            "has_employee": has_employee(request),
            "open_requests": selectors_feedback.open_request_count(request.user),
        },
    )


@login_required
def praise_wall(request: AuthedRequest) -> HttpResponse:
    """Public praise from everyone to everyone, newest first."""
    before = request.GET.get("before")
    page = selectors_feedback.praise_wall(user=request.user, before=before)
    context = {"page": page, "more_url": f"{reverse('conversations:praise_wall')}?before=", "wall": True}
    if is_htmx(request) and before:
        return render(request, "conversations/feedback/_rows.html", context)
    return render(request, "conversations/feedback/wall.html", {**context, "has_employee": has_employee(request)})


@login_required
def detail(request: AuthedRequest, feedback_id: int) -> HttpResponse:
    feedback = permissions.feedback_for_user(request.user, feedback_id)
    return render(request, "conversations/feedback/detail.html", {"fb": feedback})


def _give_form(request: AuthedRequest, recipient: Employee | None, data: Any = None) -> GiveForm:
    objectives = selectors_feedback.objectives_for(user=request.user, recipient=recipient) if recipient else []
    return GiveForm(data, values=selectors_feedback.company_values(), objectives=objectives)


def _send(
    request: AuthedRequest, form: GiveForm, recipient: Employee, ask: FeedbackRequest | None = None
) -> Feedback | None:
    """Give the feedback of a valid form (the answer to `ask`, if any); a refusal goes beside the fields (None)."""
    try:
        return services_feedback.feedback_give(
            actor=request.user,
            recipient=recipient,
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            visibility=form.cleaned_data["visibility"],
            values=form.chosen_values(),
            objective=form.chosen_objective(),
            request=ask,
        )
    except DomainError as exc:
        add_domain_errors(form, exc)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def give(request: AuthedRequest) -> HttpResponse:
    """Pick a colleague, then write praise or a suggestion; searching and picking never lose what was typed."""
    source = request.POST if request.method == "POST" else request.GET
    query = (source.get("q") or "").strip()[:100]
    if is_htmx(request) and request.method == "GET" and "q" in request.GET:
        candidates = selectors_feedback.people_search(user=request.user, query=query)
        return render(request, "conversations/feedback/_candidates.html", {"query": query, "candidates": candidates})
    picked = source.get("pick")
    to = picked if picked is not None else source.get("to")
    recipient = selectors_feedback.visible_colleague(request.user, to) if to else None
    sending = request.method == "POST" and picked is None and "search" not in request.POST
    form = _give_form(request, recipient, request.POST if sending else None)
    if request.method == "POST" and not sending:
        # Searching or picking: keep what was typed, show no errors yet.
        form = _give_form(request, recipient)
        typed = {k: request.POST.get(k) for k in ("kind", "text", "visibility") if k in request.POST}
        form.initial = {**form.initial, **typed, "values": request.POST.getlist("values")}
    if sending and form.is_valid():
        if recipient is None:
            form.add_error(None, _("Pick a colleague first."))
        elif (feedback := _send(request, form, recipient)) is not None:
            messages.success(request, _("Your feedback is sent to %(name)s.") % {"name": recipient.name})
            return redirect(reverse("conversations:feedback") + f"?tab=given#fb-{feedback.pk}")
    return _render_give(request, form, recipient, query, status=400 if sending else 200)


def _render_give(
    request: AuthedRequest,
    form: GiveForm,
    recipient: Employee | None,
    query: str,
    *,
    ask: FeedbackRequest | None = None,
    status: int = 200,
) -> HttpResponse:
    candidates = selectors_feedback.people_search(user=request.user, query=query) if query and not recipient else []
    upward = recipient is not None and recipient.pk == _my_manager_id(request)
    return render(
        request,
        "conversations/feedback/give.html",
        {
            "form": form,
            "recipient": recipient,
            "query": query,
            "candidates": candidates,
            "ask": ask,
            "upward": upward,
            "has_employee": has_employee(request),
        },
        status=status,
    )


def _my_manager_id(request: AuthedRequest) -> int | None:
    me = actor_context(request.user).employee_id
    return Employee.objects.filter(pk=me).values_list("manager_id", flat=True).first() if me else None


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: AuthedRequest, request_id: int) -> HttpResponse:
    """Answer a request for feedback: feedback to the person it is about, which the requester reads too."""
    ask = permissions.request_for_user(request.user, request_id, write=True)
    if ask.state != FeedbackRequest.State.OPEN:
        messages.info(request, _("This request is already answered or declined."))
        return redirect("conversations:feedback_requests")
    recipient = ask.subject
    form = _give_form(request, recipient, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and _send(request, form, recipient, ask) is not None:
        messages.success(request, _("Thank you. %(name)s can read your answer.") % {"name": ask.requester.name})
        return redirect("conversations:feedback_requests")
    status = 400 if request.method == "POST" else 200
    return _render_give(request, form, recipient, "", ask=ask, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def decline(request: AuthedRequest, request_id: int) -> HttpResponse:
    ask = permissions.request_for_user(request.user, request_id, write=True)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_feedback.feedback_request_decline(
                actor=request.user, request=ask, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Declined. %(name)s is told why.") % {"name": ask.requester.name})
            return redirect("conversations:feedback_requests")
    status = 400 if request.method == "POST" else 200
    return render(request, "conversations/feedback/decline.html", {"form": form, "ask": ask}, status=status)


@login_required
def requests(request: AuthedRequest) -> HttpResponse:
    """Requests waiting for my answer, and those I sent with their state and answers."""
    before = request.GET.get("before")
    inbox = selectors_feedback.request_inbox(user=request.user, before=before)
    return render(
        request,
        "conversations/feedback/requests.html",
        {
            "inbox": inbox,
            "has_employee": has_employee(request),
            "more_url": f"{reverse('conversations:feedback_requests')}?before=",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: AuthedRequest) -> HttpResponse:
    """Ask colleagues for feedback on me (or on someone in my team); raters are picked from the directory search."""
    ctx = actor_context(request.user)
    subjects = selectors_feedback.subjects_for(request.user)
    source = request.POST if request.method == "POST" else request.GET
    query = (source.get("q") or "").strip()[:100]
    if is_htmx(request) and request.method == "GET" and "q" in request.GET:
        chosen = [p for p in (parse_int(v) for v in request.GET.getlist("raters")) if p]
        candidates = selectors_feedback.people_search(user=request.user, query=query, exclude=tuple(chosen))
        return render(
            request,
            "conversations/feedback/_candidates.html",
            {"query": query, "candidates": candidates, "adding": True},
        )
    rater_ids = [p for p in (parse_int(v) for v in source.getlist("raters")) if p]
    add, remove = parse_int(request.POST.get("add")), parse_int(request.POST.get("remove"))
    if add and add not in rater_ids:
        rater_ids.append(add)
    if remove:
        rater_ids = [p for p in rater_ids if p != remove]
    raters = list(Employee.objects.visible_to(request.user).filter(pk__in=rater_ids).order_by("name", "pk"))
    sending = request.method == "POST" and not (add or remove or "search" in request.POST)
    data = request.POST if request.method == "POST" else None
    form = RequestForm(data, subjects=subjects, me_id=ctx.employee_id or 0)
    if sending and form.is_valid():
        subject = form.chosen_subject()
        try:
            if subject is None:
                raise DomainError(_("Choose whom the feedback is about."), fields={"subject": [_("Required.")]})
            rows = services_feedback.feedback_request_create(
                actor=request.user,
                raters=raters,
                subject=subject,
                topic=form.cleaned_data["topic"],
                due_on=form.cleaned_data["due_on"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
            if "raters" in exc.fields:
                form.raters_errors = exc.fields["raters"]  # type: ignore[attr-defined]
        else:
            messages.success(request, _("Your request is sent to %(n)s people.") % {"n": len(rows)})
            return redirect("conversations:feedback_requests")
    elif request.method == "POST" and not sending:
        typed = {k: request.POST.get(k) for k in ("subject", "topic", "due_on")}
        form = RequestForm(initial=typed, subjects=subjects, me_id=ctx.employee_id or 0)
    candidates = (
        selectors_feedback.people_search(user=request.user, query=query, exclude=tuple(rater_ids)) if query else []
    )
    return render(
        request,
        "conversations/feedback/request_form.html",
        {
            "form": form,
            "raters": raters,
            "query": query,
            "candidates": candidates,
            "has_employee": ctx.employee_id is not None,
        },
        status=400 if sending else 200,
    )
