"""Administrators' "Users and roles" pages: list accounts, (de)activate them, give and take roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int
from jixiao.org import services as org_services
from jixiao.org.models import Department

from . import permissions, selectors, services
from .models import User

ROLE_CHOICES = (
    (selectors.RoleFilter.ALL, gettext_lazy("All accounts")),
    (selectors.RoleFilter.ADMIN, gettext_lazy("Administrators")),
    (selectors.RoleFilter.HR, gettext_lazy("HR")),
    (selectors.RoleFilter.EXECUTIVE, gettext_lazy("Executives")),
    (selectors.RoleFilter.NO_EMPLOYEE, gettext_lazy("No employee record")),
    (selectors.RoleFilter.DEACTIVATED, gettext_lazy("Deactivated")),
)


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def users(request: AuthedRequest) -> HttpResponse:
    """Every account with its person, roles, state and last sign-in; keyset "more" paging in place."""
    permissions.require_admin(request.user)
    query = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "")
    role = role if role in selectors.RoleFilter.VALUES else selectors.RoleFilter.ALL
    rows_only = _is_htmx(request) and request.GET.get("rows") == "1"
    page = selectors.account_page(
        query=query, role=role, after=parse_int(request.GET.get("after")), with_total=not rows_only
    )
    list_url = reverse("accounts:admin_users")
    context = {
        "page": page,
        "q": query,
        "role": role,
        "roles": ROLE_CHOICES,
        "list_url": list_url,
        "list_query": urlencode({k: v for k, v in {"q": query, "role": role}.items() if v}),
        "filtered": bool(query or role),
    }
    if rows_only:
        return render(request, "accounts/admin/user_rows.html", context)
    if _is_htmx(request) and request.headers.get("HX-Target") == "jx-results":
        return render(request, "accounts/admin/user_results.html", context)
    return render(request, "accounts/admin/users.html", context)


def _detail(
    request: AuthedRequest,
    account: User,
    *,
    error: str = "",
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return render(
        request,
        "accounts/admin/user_detail.html",
        {
            "account": selectors.account_detail(account=account),
            "is_self": account.pk == request.user.pk,
            "departments": selectors.department_choices(),
            "error": error,
            "fields": fields or {},
        },
    )


@login_required
def user_detail(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = permissions.account_for_admin(request.user, account_id)
    return _detail(request, account)


def _department(request: AuthedRequest) -> Department:
    department_id = parse_int(request.POST.get("department"))
    department = Department.objects.filter(pk=department_id).first() if department_id is not None else None
    if department is None:
        raise DomainError(_("Choose a department."), fields={"department": [_("Required.")]})
    return department


# What each button does and what the page says after it; the services check the rules again.
_CHANGES: dict[str, tuple[Callable[[AuthedRequest, User], Any], Any]] = {
    "deactivate": (
        lambda r, a: services.user_deactivate(user=a, actor=r.user),
        gettext_lazy("%(name)s was deactivated; her sessions and API tokens have ended."),
    ),
    "reactivate": (
        lambda r, a: services.user_reactivate(user=a, actor=r.user),
        gettext_lazy("%(name)s was reactivated."),
    ),
    "executive-grant": (
        lambda r, a: services.user_executive_grant(user=a, actor=r.user),
        gettext_lazy("%(name)s is now an executive."),
    ),
    "executive-revoke": (
        lambda r, a: services.user_executive_revoke(user=a, actor=r.user),
        gettext_lazy("%(name)s is no longer an executive."),
    ),
    "admin-grant": (
        lambda r, a: services.user_admin_grant(user=a, actor=r.user),
        gettext_lazy("%(name)s is now an administrator."),
    ),
    "admin-revoke": (
        lambda r, a: services.user_admin_revoke(user=a, actor=r.user),
        gettext_lazy("%(name)s is no longer an administrator."),
    ),
    "hr-grant": (
        lambda r, a: org_services.hr_scope_grant(actor=r.user, user=a, department=_department(r)),
        gettext_lazy("%(name)s is now HR of the chosen department."),
    ),
    "hr-revoke": (
        lambda r, a: org_services.hr_scope_revoke(actor=r.user, user=a, department=_department(r)),
        gettext_lazy("%(name)s is no longer HR of that department."),
    ),
}


@login_required
@require_POST
def user_change(request: AuthedRequest, account_id: int, change: str) -> HttpResponse:
    """One change to an account from its page; an error is shown on the page and nothing is written.

    The page with the error answers 200, as Django's invalid forms do, so the browser keeps it as a normal page.
    """
    account = permissions.account_for_admin(request.user, account_id)
    if change not in _CHANGES:
        raise Http404
    apply, done = _CHANGES[change]
    try:
        apply(request, account)
    except DomainError as exc:
        return _detail(request, account, error=str(exc.message), fields=exc.fields)
    messages.success(request, str(done) % {"name": account.get_username()})
    return redirect("accounts:admin_user", account_id=account.pk)
