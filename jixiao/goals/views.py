"""Pages for goals and KPIs: thin views over the gate, the selectors and one service each."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import permissions


@login_required
def my_goals(request: HttpRequest) -> HttpResponse:
    return render(request, "goals/my_goals.html", {})


@login_required
def objective_detail(request: HttpRequest, objective_id: int) -> HttpResponse:
    objective = permissions.objective_for_user(request.user, objective_id)
    return render(request, "goals/objective.html", {"objective": objective})


@login_required
def kpi_target_detail(request: HttpRequest, target_id: int) -> HttpResponse:
    target = permissions.kpi_target_for_user(request.user, target_id)
    return render(request, "goals/kpi_target.html", {"target": target})
