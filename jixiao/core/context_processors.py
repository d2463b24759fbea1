"""What the layout needs on every page: the navigation for the user's roles."""

from typing import Any

from django.http import HttpRequest

from jixiao.org.selectors import actor_context


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    ctx = actor_context(user)
    return {
        "nav": {
            "is_admin": ctx.is_admin,
            "is_hr": ctx.is_hr,
            "is_executive": ctx.is_executive,
            "has_employee": ctx.employee_id is not None,
            "is_manager": ctx.is_manager,
            "is_company_hr": ctx.is_admin or ctx.is_company_hr,
            "can_import": ctx.is_admin or ctx.is_hr,
            "can_audit": ctx.is_admin or ctx.is_hr,
        }
    }
