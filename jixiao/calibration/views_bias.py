"""Rater bias and normalisation pages of a calibration session (decision 0011).

For the session's HR facilitators only: a manager sitting in the session does not see how her colleagues rate
(nor her own row), and everyone else gets the same 404 as for a session that does not exist. The session page
loads the panel by htmx; opened directly, the same panel comes in a page of its own.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jixiao.audit.services import access_denied
from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.org.selectors import actor_context

from . import permissions, selectors_bias, services_normalise
from .models import CalibrationSession


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def session_for_bias(user: object, session_id: object) -> CalibrationSession:
    """A session `user` facilitates as HR (or an admin); 404 otherwise, as for a session that does not exist."""
    session = permissions.session_for_user(user, session_id, facilitator=True)
    ctx = actor_context(user)
    if not (ctx.is_hr or ctx.is_admin):
        raise access_denied(user, "calibration.calibrationsession", session_id, write=False)
    return session


@login_required
@require_GET
def bias(request: AuthedRequest, session_id: int) -> HttpResponse:
    """Rater bias of the session's raters, and peer agreement: the panel (htmx) or a page of its own."""
    session = session_for_bias(request.user, session_id)
    panel = selectors_bias.bias_panel(session)
    template = "calibration/_bias_panel.html" if _is_htmx(request) else "calibration/bias.html"
    return render(request, template, {"panel": panel, "session": session})


def _preview(
    request: AuthedRequest, session: CalibrationSession, *, error: str = "", status: int = 200
) -> HttpResponse:
    preview = selectors_bias.normalise_preview(session)
    template = "calibration/_bias_normalise.html" if _is_htmx(request) else "calibration/bias_normalise.html"
    return render(request, template, {"preview": preview, "session": session, "error": error}, status=status)


@login_required
@require_GET
def normalise_preview(request: AuthedRequest, session_id: int) -> HttpResponse:
    """Every member's rating before and after normalisation, those left as they are and why."""
    return _preview(request, session_for_bias(request.user, session_id))


@login_required
@require_POST
def normalise_apply(request: AuthedRequest, session_id: int) -> HttpResponse:
    """Apply the previewed normalisation; a changed session shows the new preview instead, writing nothing."""
    session = session_for_bias(request.user, session_id)
    try:
        result = services_normalise.session_normalise(
            actor=request.user, session=session, fingerprint=request.POST.get("fingerprint", "")
        )
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        # Read again: the preview shown with the error is today's, with its own fingerprint.
        session = session_for_bias(request.user, session_id)
        return _preview(request, session, error=str(exc.message), status=exc.status)
    messages.success(
        request,
        _("Normalisation applied: %(moved)s moved (%(up)s up, %(down)s down), %(left)s left as they were.")
        % {"moved": result.moved, "up": result.up, "down": result.down, "left": result.left},
    )
    return redirect(session.get_absolute_url())
