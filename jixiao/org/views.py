"""Organisation pages: directory, profile, department, org chart, import."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from jixiao.core.http import AuthedRequest

from . import permissions, selectors


@login_required
def me(request: AuthedRequest) -> HttpResponse:
    ctx = selectors.actor_context(request.user)
    if ctx.employee_id is None:
        raise Http404
    return redirect("org:employee", employee_id=ctx.employee_id)


@login_required
def directory(request: AuthedRequest) -> HttpResponse:
    people = selectors.directory(user=request.user, query=request.GET.get("q", ""))[:50]
    return render(request, "org/directory.html", {"people": people, "q": request.GET.get("q", "")})


@login_required
def employee(request: AuthedRequest, employee_id: int) -> HttpResponse:
    person = permissions.employee_for_user(request.user, employee_id)
    return render(
        request,
        "org/employee.html",
        {
            "person": person,
            "sensitive": permissions.can_see_sensitive(request.user, person),
        },
    )


@login_required
def department(request: AuthedRequest, department_id: int) -> HttpResponse:
    dept = permissions.department_for_user(request.user, department_id)
    return render(request, "org/department.html", {"department": dept})


@login_required
def chart(request: AuthedRequest) -> HttpResponse:
    return render(request, "org/chart.html", {})


@login_required
def import_page(request: AuthedRequest) -> HttpResponse:
    if not permissions.can_import(request.user):
        raise Http404
    return render(request, "org/import.html", {})
