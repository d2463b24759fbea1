"""Company-level pages: the alignment tree, department boards, strategy, periods, settings, goal templates.

Thin views: parse, pass the gate in permissions.py, call one service or selector, render.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def alignment_tree(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def alignment_tree_data(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def department_board(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def strategy(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def strategy_edit(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def value_new(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def value_edit(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def periods(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def goal_settings_edit(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def templates(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def template_new(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def template_edit(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def template_assign(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet
