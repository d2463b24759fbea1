"""KPI pages: the board, the library, targets, actuals by hand and by file import.

Thin views: parse, pass the gate in permissions.py, call one service or selector, render.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def kpi_board(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def kpi_library(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def indicator_new(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def indicator_edit(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def business_areas(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def kpi_target_new(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def kpi_targets_assign(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def kpi_target_detail(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def kpi_target_edit(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def actual_record(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def actuals_import(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def actuals_import_template(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet


@login_required
def actuals_import_job(request: HttpRequest, **kwargs: int) -> HttpResponse:
    raise Http404  # not built yet
