"""Personal and team goal pages: my goals, team goals, objectives, check-ins, goal plans.

Thin views: parse, pass the gate in permissions.py, call one service or selector, render.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def my_goals(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def team_goals(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def objective_new(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def objective_detail(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def objective_edit(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def objective_delete(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def check_in(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def plan(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet
