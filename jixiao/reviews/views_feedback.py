"""Pages for giving 360 feedback (decision 0009): the rater's inbox and form, declining, and customers' links.

Peers and direct reports sign in and answer as themselves (the gate: permissions.evaluation_for_user with
write=True, so only the rater herself). Customers have no account: their emailed link carries a token that
the first visit exchanges for a short session before redirecting, so the token leaves the address bar;
every page of theirs is sent with `Referrer-Policy: no-referrer` and `Cache-Control: no-store`, failed
look-ups are rate-limited per client address (429), and nothing is written on any refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jixiao.core.client_ip import client_ip
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.http import AuthedRequest

from . import permissions, services_feedback
from . import selectors_inbox as inbox
from .forms_feedback import DeclineForm, FeedbackForm
from .models import Evaluation
from .selectors_pages import dom_id
from .services_feedback import InvitationRefused

# Codes of a refusal that mean "this part can no longer be written" (the autosave stops on them).
CLOSED_CODES = ("illegal_transition", "wrong_phase", "already_submitted")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _save(
    request: HttpRequest, evaluation: Evaluation, form: FeedbackForm, *, submit: bool, token: str | None = None
) -> tuple[Evaluation | None, DomainError | None]:
    """One call to the service; its refusal comes back instead of being raised."""
    try:
        saved = services_feedback.feedback_save(
            actor=request.user if token is None else None,
            evaluation=evaluation,
            submit=submit,
            token=token,
            **form.submission(),
        )
    except DomainError as exc:
        return None, exc
    return saved, None


def _closed(exc: DomainError) -> bool:
    """The part can no longer be written here: wrong phase, already in, or the customer's link spent meanwhile."""
    return exc.code in CLOSED_CODES or isinstance(exc, InvitationRefused)


def _refusal_status(exc: DomainError) -> int:
    if isinstance(exc, StaleWrite) or _closed(exc):
        return 409
    return 400


def _autosave_answer(
    request: HttpRequest, evaluation: Evaluation, saved: Evaluation | None, exc: DomainError | None, reload_url: str
) -> HttpResponse:
    """The small status the form shows after an autosave: saved (with the new version) or why not."""
    context: dict[str, Any] = {"evaluation": saved or evaluation, "reload_url": reload_url}
    if exc is None and saved is not None:
        context["saved_at"] = timezone.localtime(saved.updated_at)
        return render(request, "reviews/feedback/_autosave_status.html", context)
    assert exc is not None
    context.update(
        error=str(exc.message),
        stale=isinstance(exc, StaleWrite),
        closed=_closed(exc),
        fields={dom_id(name): [str(e) for e in errors] for name, errors in exc.fields.items()},
    )
    return render(request, "reviews/feedback/_autosave_status.html", context, status=_refusal_status(exc))


# ---- the inbox ---------------------------------------------------------------------------------------


@login_required
@require_GET
def feedback_inbox(request: AuthedRequest) -> HttpResponse:
    """My 360 requests (peers and my manager asked through me), by cycle, with where each stands."""
    return render(request, "reviews/feedback/inbox.html", {"inbox": inbox.feedback_inbox(user=request.user)})


# ---- the form (peers and direct reports) ---------------------------------------------------------------


def _rater_evaluation(request: AuthedRequest, evaluation_id: int) -> Evaluation:
    """The reader's own peer or upward request; anyone else (and any other part) gets 404."""
    evaluation = permissions.evaluation_for_user(request.user, evaluation_id, write=True)
    if evaluation.kind not in inbox.RATER_KINDS:
        raise Http404
    return evaluation


def _render_form(
    request: HttpRequest,
    form: FeedbackForm,
    *,
    template: str,
    urls: dict[str, str],
    status: int = 200,
    error: str = "",
    stale: bool = False,
) -> HttpResponse:
    page = inbox.feedback_form(evaluation=form.evaluation, answers=form.answers, errors=form.errors)
    return render(
        request,
        template,
        {"page": page, "form": form, "error": error, "stale": stale, "urls": urls},
        status=status,
    )


def _rater_urls(evaluation: Evaluation) -> dict[str, str]:
    return {
        "post": reverse("reviews:feedback_form", args=[evaluation.pk]),
        "autosave": reverse("reviews:feedback_autosave", args=[evaluation.pk]),
        "reload": reverse("reviews:feedback_form", args=[evaluation.pk]),
        "decline": reverse("reviews:feedback_decline", args=[evaluation.pk]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def feedback_form(request: AuthedRequest, evaluation_id: int) -> HttpResponse:
    """The 360 form: rate each competency (or "not able to judge") and answer the questions; draft or submit."""
    evaluation = _rater_evaluation(request, evaluation_id)
    urls = _rater_urls(evaluation)
    template = "reviews/feedback/form.html"
    if request.method != "POST":
        return _render_form(request, FeedbackForm(evaluation), template=template, urls=urls)
    form = FeedbackForm(evaluation, request.POST)
    submit = request.POST.get("action") == "submit"
    _saved, exc = _save(request, evaluation, form, submit=submit)
    if exc is not None:
        form.add_domain_errors(exc.fields)
        status = _refusal_status(exc)
        return _render_form(
            request,
            form,
            template=template,
            urls=urls,
            status=status,
            error=str(exc.message),
            stale=isinstance(exc, StaleWrite),
        )
    if not submit:
        messages.success(request, _("Draft saved."))
        return redirect(urls["post"])
    messages.success(request, _("Thank you. Your feedback is submitted."))
    return redirect("reviews:feedback_inbox")


@login_required
@require_POST
def feedback_autosave(request: AuthedRequest, evaluation_id: int) -> HttpResponse:
    """Save the draft as the rater types (htmx): a small status and the new version, or why not."""
    evaluation = _rater_evaluation(request, evaluation_id)
    form = FeedbackForm(evaluation, request.POST)
    saved, exc = _save(request, evaluation, form, submit=False)
    return _autosave_answer(request, evaluation, saved, exc, reverse("reviews:feedback_form", args=[evaluation.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def feedback_decline(request: AuthedRequest, evaluation_id: int) -> HttpResponse:
    """Decline a request with a reason; the reviewee's manager is told and can ask someone else."""
    evaluation = _rater_evaluation(request, evaluation_id)
    page = inbox.feedback_form(evaluation=evaluation, answers=evaluation.answers or {})
    form = DeclineForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not page.can_decline:
            status = 409  # the page says why (submitted, declined or outside the feedback phase)
        elif form.is_valid():
            try:
                services_feedback.feedback_decline(
                    actor=request.user, evaluation=evaluation, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                status = _refusal_status(exc)
                form.add_error(None, str(exc.message))
                for name, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                messages.success(request, _("You declined the request. The reviewee's manager has been told."))
                return redirect("reviews:feedback_inbox")
    return render(request, "reviews/feedback/decline.html", {"page": page, "form": form}, status=status)


# ---- customers: a link, a short session, the same form -------------------------------------------------

SESSION_KEY = "jixiao_external_feedback"
# How long the exchanged session lasts: long enough to write the feedback, short on a shared computer.
SESSION_SECONDS = int(getattr(settings, "JIXIAO_EXTERNAL_SESSION_SECONDS", 2 * 3600))
# Failed look-ups allowed per client address in the window before every look-up is answered 429.
FAILURE_LIMIT = int(getattr(settings, "JIXIAO_EXTERNAL_LINK_FAILURES", 10))
FAILURE_WINDOW = int(getattr(settings, "JIXIAO_EXTERNAL_LINK_WINDOW", 600))
# The status of each refusal: a forged link is not found; a used or expired one is gone for good.
REFUSAL_STATUS = {"forged": 404, "expired": 410, "used": 410, "not_open": 200, "no_session": 404}


def external(referrer: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """The headers every customer page sends: its referrer policy, no caching, no index.

    The link's own address holds the token, so its answers (the redirect, or a refusal page) say
    `no-referrer`. The pages after the redirect hold no secret and say `same-origin`: under `no-referrer`
    browsers post forms with `Origin: null`, which Django's CSRF check refuses, so the customer could not
    submit; `same-origin` still sends nothing to any other site.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response.headers["Referrer-Policy"] = referrer
            response.headers["Cache-Control"] = "no-store"
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
            return response

        return wrapped

    return decorate


def _failures_key(request: HttpRequest) -> str:
    return f"jixiao:external-link-failures:{client_ip(request) or 'unknown'}"


def _blocked(request: HttpRequest) -> bool:
    return int(cache.get(_failures_key(request)) or 0) >= FAILURE_LIMIT


def _count_failure(request: HttpRequest) -> None:
    key = _failures_key(request)
    if not cache.add(key, 1, FAILURE_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, FAILURE_WINDOW)


def _refused(request: HttpRequest, code: str) -> HttpResponse:
    """A clear page for a link that cannot be used (the code says which); nothing was written.

    At the link's own address the page has no form (not even the language switch): under `no-referrer` a
    post would be refused by the CSRF check, and the browser's language is used instead.
    """
    at_link = request.resolver_match is not None and request.resolver_match.url_name == "customer_link"
    return render(
        request,
        "reviews/feedback/customer_refused.html",
        {"code": code, "no_forms": at_link},
        status=REFUSAL_STATUS.get(code, 404),
    )


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "reviews/feedback/customer_refused.html",
        {"code": "too_many", "minutes": max(1, FAILURE_WINDOW // 60), "no_forms": True},
        status=429,
    )
    response.headers["Retry-After"] = str(FAILURE_WINDOW)
    return response


def _forget(request: HttpRequest, *, done: bool = False) -> None:
    """Drop the link from the session; once the feedback is in, a visitor without an account keeps nothing."""
    if done and not request.user.is_authenticated:
        request.session.flush()
    else:
        request.session.pop(SESSION_KEY, None)


def _session_link(request: HttpRequest) -> tuple[str, int] | None:
    """The token and evaluation the visitor's session was given by her link, if it has not run out."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if int(data.get("until", 0)) < time.time():
        _forget(request)
        return None
    token, evaluation_id = data.get("token"), data.get("evaluation")
    if not isinstance(token, str) or not isinstance(evaluation_id, int):
        _forget(request)
        return None
    return token, evaluation_id


@external("no-referrer")
@require_GET
def customer_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: check the token, exchange it for a short session and redirect to the form."""
    if _blocked(request):
        return _too_many(request)
    try:
        evaluation = services_feedback.invitation_open(token=token)
    except InvitationRefused as exc:
        if exc.code == "forged":
            _count_failure(request)
        return _refused(request, exc.code)
    if not request.user.is_authenticated:
        # A fresh session key for a fresh visitor (no fixation), which ends soon.
        request.session.cycle_key()
        request.session.set_expiry(SESSION_SECONDS)
    request.session[SESSION_KEY] = {
        "token": token,
        "evaluation": evaluation.pk,
        "until": int(time.time()) + SESSION_SECONDS,
    }
    return _see_other("reviews:customer_answer")


def _see_other(name: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = reverse(name)
    return response


def _customer_urls() -> dict[str, str]:
    answer = reverse("reviews:customer_answer")
    return {"post": answer, "autosave": answer, "reload": answer, "decline": ""}


@external("same-origin")
@require_http_methods(["GET", "POST"])
def customer_answer(request: HttpRequest) -> HttpResponse:
    """The customer's form (no account; CSRF still on): the same 360 form as peers, saved through her link."""
    link = _session_link(request)
    if link is None:
        return _refused(request, "no_session")
    token, evaluation_id = link
    try:
        evaluation = services_feedback.invitation_open(token=token)
    except InvitationRefused as refused:
        _forget(request)
        return _refused(request, refused.code)
    if evaluation.pk != evaluation_id:
        _forget(request)
        return _refused(request, "forged")
    template = "reviews/feedback/customer_form.html"
    urls = _customer_urls()
    if request.method != "POST":
        return _render_form(request, FeedbackForm(evaluation), template=template, urls=urls)
    form = FeedbackForm(evaluation, request.POST)
    action = request.POST.get("action", "")
    if _is_htmx(request) and action not in ("save", "submit"):
        saved, exc = _save(request, evaluation, form, submit=False, token=token)
        return _autosave_answer(request, evaluation, saved, exc, urls["reload"])
    submit = action == "submit"
    saved, exc = _save(request, evaluation, form, submit=submit, token=token)
    if isinstance(exc, InvitationRefused):
        _forget(request)
        return _refused(request, exc.code)
    if exc is not None:
        form.add_domain_errors(exc.fields)
        return _render_form(
            request,
            form,
            template=template,
            urls=urls,
            status=_refusal_status(exc),
            error=str(exc.message),
            stale=isinstance(exc, StaleWrite),
        )
    if not submit:
        messages.success(request, _("Draft saved. You can come back through your link until you submit."))
        return _see_other("reviews:customer_answer")
    _forget(request, done=True)
    return _see_other("reviews:customer_done")


@external("same-origin")
@require_GET
def customer_done(request: HttpRequest) -> HttpResponse:
    """Thank you: the link is spent and the session forgotten."""
    return render(request, "reviews/feedback/customer_done.html")
