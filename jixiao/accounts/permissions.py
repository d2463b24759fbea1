"""The gate to account administration: admins only; everyone else gets the same 404 as a missing page."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from jixiao.audit.services import record_event
from jixiao.org.selectors import actor_context

from .models import User


def _refuse(user: Any, target_type: str, target_id: object) -> Http404:
    record_event(
        actor=user,
        action="access.denied",
        target_type=target_type,
        target_id=str(target_id),
        after={"write": False, "area": "accounts.admin"},
    )
    return Http404()


def require_admin(user: Any) -> None:
    """Let administrators through; record the refusal and answer 404 for anyone else.

    A 404 rather than a 403, so the page does not even tell others that it exists.
    """
    if not actor_context(user).is_admin:
        raise _refuse(user, "accounts.admin", "users")


def account_for_admin(user: Any, account_id: object) -> User:
    """The account with this id for an administrator; 404 for anyone else and for a missing id."""
    require_admin(user)
    try:
        account = User.objects.filter(pk=int(str(account_id))).first()
    except ValueError:
        account = None
    if account is None:
        raise _refuse(user, "accounts.user", account_id)
    return account
