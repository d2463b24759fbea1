"""Organisation pages: directory, profile, department, org chart, import."""

import copy
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int

from . import permissions, selectors, services
from .forms import DepartmentEditForm, DepartmentForm, EmployeeForm
from .models import Department


@login_required
def me(request: AuthedRequest) -> HttpResponse:
    ctx = selectors.actor_context(request.user)
    if ctx.employee_id is None:
        raise Http404
    return redirect("org:employee", employee_id=ctx.employee_id)


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _status_choices(user: Any) -> list[tuple[str, str]]:
    """Leavers are offered only to those who may see them (HR in scope, admins, executives)."""
    ctx = selectors.actor_context(user)
    choices = [
        (selectors.DirectoryStatus.CURRENT, _("Current staff")),
        (selectors.DirectoryStatus.ACTIVE, _("Active")),
        (selectors.DirectoryStatus.ON_LEAVE, _("On leave")),
    ]
    if ctx.is_admin or ctx.is_executive or ctx.is_hr:
        choices += [(selectors.DirectoryStatus.LEFT, _("Left")), (selectors.DirectoryStatus.ALL, _("Everyone"))]
    return choices


SORT_CHOICES = (
    ("name", gettext_lazy("Name")),
    ("number", gettext_lazy("Employee number")),
    ("department", gettext_lazy("Department")),
)


@login_required
def directory(request: AuthedRequest) -> HttpResponse:
    """Search and filter everyone the user may see; keyset "more" paging loads the next rows in place."""
    user = request.user
    query = request.GET.get("q", "").strip()[:100]
    statuses = _status_choices(user)
    status = request.GET.get("status", "")
    status = status if status in dict(statuses) else selectors.DirectoryStatus.CURRENT
    sort = request.GET.get("sort", "")
    sort = sort if sort in selectors.DIRECTORY_SORTS else "name"
    department_id = parse_int(request.GET.get("department"))
    departments = selectors.department_options(user=user, selected=department_id)
    department = next((d for d in departments if d.pk == department_id), None)
    rows_only = _is_htmx(request) and request.GET.get("rows") == "1"
    page = selectors.directory_page(
        user=user,
        query=query,
        department=department,
        status=status,
        sort=sort,
        after=parse_int(request.GET.get("after")),
        with_total=not rows_only,
    )
    filters = {"q": query, "department": department.pk if department else "", "status": status, "sort": sort}
    context = {
        "page": page,
        "q": query,
        "department": department,
        "departments": departments,
        "status": status,
        "statuses": statuses,
        "sort": sort,
        "sorts": SORT_CHOICES,
        "list_url": reverse("org:directory"),
        "list_query": urlencode({k: v for k, v in filters.items() if v not in ("", None)}),
        "filtered": bool(query or department or status != selectors.DirectoryStatus.CURRENT),
        "show_department": True,
    }
    if rows_only:
        return render(request, "org/partials/people_rows.html", context)
    if _is_htmx(request) and request.headers.get("HX-Target") == "jx-results":
        return render(request, "org/partials/people_results.html", context)
    return render(request, "org/directory.html", context)


@login_required
def employee(request: AuthedRequest, employee_id: int) -> HttpResponse:
    """A person's profile; level, hire date and phone only for herself, her managers and HR in scope."""
    person = permissions.employee_for_user(request.user, employee_id)
    ctx = selectors.actor_context(request.user)
    return render(
        request,
        "org/employee.html",
        {
            "person": person,
            "profile": selectors.employee_profile(user=request.user, person=person),
            "sensitive": permissions.can_see_sensitive(request.user, person),
            "is_me": ctx.employee_id == person.pk,
            # Her manager gets a "1:1" button (start or open their series); no query.
            "is_my_report": ctx.employee_id is not None and person.manager_id == ctx.employee_id,
            "can_edit": permissions.can_edit_employee(request.user, person),
        },
    )


@login_required
def employee_edit(request: AuthedRequest, employee_id: int) -> HttpResponse:
    """HR edits a person. A save made by someone else since the page was opened is refused, not merged."""
    person = permissions.employee_for_user(request.user, employee_id, write=True)
    if request.method == "POST":
        form = EmployeeForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.employee_update(
                    actor=request.user,
                    employee=person,
                    version=form.cleaned_data["version"],
                    data=form.employee_input(),
                )
            except StaleWrite as exc:
                form.add_error(None, str(exc.message))
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Saved."))
                return redirect(person)
    else:
        form = EmployeeForm(initial=EmployeeForm.initial_for(person), user=request.user)
    return render(request, "org/employee_edit.html", {"person": person, "form": form})


@login_required
def department(request: AuthedRequest, department_id: int) -> HttpResponse:
    """A department: where it sits, who leads it, its sub-departments and its people (paged)."""
    dept = permissions.department_for_user(request.user, department_id)
    rows_only = _is_htmx(request) and request.GET.get("rows") == "1"
    page = selectors.directory_page(
        user=request.user, department=dept, after=parse_int(request.GET.get("after")), with_total=not rows_only
    )
    context = {
        "department": dept,
        "page": page,
        "list_url": dept.get_absolute_url(),
        "list_query": "",
        "filtered": False,
        "show_department": True,
    }
    if rows_only:
        return render(request, "org/partials/people_rows.html", context)
    context["overview"] = selectors.department_overview(department=dept)
    context["can_edit"] = permissions.can_edit_department(request.user, dept)
    return render(request, "org/department.html", context)


@login_required
def department_edit(request: AuthedRequest, department_id: int) -> HttpResponse:
    """HR renames, re-heads or moves a department; a save based on an old version is refused, not merged."""
    dept = permissions.department_for_user(request.user, department_id, write=True)
    if request.method == "POST":
        form = DepartmentEditForm(request.POST, user=request.user, department=dept)
        if form.is_valid():
            changes = {"parent": form.cleaned_data["parent"]} if "parent" in form.fields else {}
            try:
                # The service sets fields as it checks them; a copy keeps the page's title and breadcrumbs
                # on the saved names when the save is refused.
                services.department_update(
                    actor=request.user,
                    department=copy.copy(dept),
                    version=form.cleaned_data["version"],
                    name=form.cleaned_data["name"],
                    name_en=form.cleaned_data["name_en"],
                    head=form.head,
                    **changes,
                )
            except StaleWrite as exc:
                form.add_error(None, str(exc.message))
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Saved."))
                return redirect(dept)
    else:
        form = DepartmentEditForm(initial=DepartmentEditForm.initial_for(dept), user=request.user, department=dept)
    return render(request, "org/department_edit.html", {"department": dept, "form": form})


@login_required
def department_new(request: AuthedRequest, department_id: int) -> HttpResponse:
    """HR adds a sub-department under one she may change."""
    parent = permissions.department_for_user(request.user, department_id, write=True)
    if request.method == "POST":
        form = DepartmentForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                created = services.department_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    name_en=form.cleaned_data["name_en"],
                    parent=parent,
                    head=form.head,
                )
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Department created."))
                return redirect(created)
    else:
        form = DepartmentForm(user=request.user)
    return render(request, "org/department_new.html", {"parent": parent, "form": form})


@login_required
def chart(request: AuthedRequest) -> HttpResponse:
    """The org chart: top levels drawn at once, deeper levels fetched from chart_nodes when opened."""
    if Department.objects.visible_to(request.user).query.is_empty():
        raise Http404
    focus_id = request.GET.get("focus")
    focus = permissions.department_for_user(request.user, focus_id) if focus_id else None
    return render(
        request,
        "org/chart.html",
        {"tree": selectors.chart_tree(user=request.user, focus=focus), "focus": focus, "chart_i18n": _chart_i18n()},
    )


def _chart_i18n() -> dict[str, str]:
    """The words orgchart.js shows, translated here because the script cannot call gettext."""
    return {
        # Chinese and English have at most two plural forms, so "one" and "other" are enough here.
        "people_one": ngettext("%(n)s person", "%(n)s people", 1),
        "people_other": ngettext("%(n)s person", "%(n)s people", 2),
        "head": _("Head"),
        "headcount": _("Headcount"),
        "no_head": _("No head yet"),
        "open": _("Open department page"),
        "directory": _("People in the directory"),
        "head_profile": _("Head's profile"),
        "subs": _("Has sub-departments"),
        "show_subs": _("Show sub-departments"),
        "hide_subs": _("Hide sub-departments"),
        "loading": _("Loading…"),
        "error": _("The chart could not load this department. Check your connection and try again."),
        "directory_url": reverse("org:directory"),
    }


@login_required
def chart_nodes(request: AuthedRequest) -> JsonResponse:
    """One level of the org chart as JSON: `?parent=<id>` gives its children, no parent the top level."""
    if Department.objects.visible_to(request.user).query.is_empty():
        raise Http404
    parent_id = request.GET.get("parent")
    parent = permissions.department_for_user(request.user, parent_id) if parent_id else None
    return JsonResponse(
        {
            "parent": parent.pk if parent is not None else None,
            "nodes": selectors.chart_children(user=request.user, parent=parent),
        }
    )


@login_required
def import_page(request: AuthedRequest) -> HttpResponse:
    from . import views_import  # the import pages live in their own module

    return views_import.import_page(request)
