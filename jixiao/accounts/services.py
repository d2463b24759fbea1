"""Writes on accounts: sessions, deactivation and reactivation, roles, language, API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError
from jixiao.core.prepared import Prepared
from jixiao.org.models import Employee, Status
from jixiao.org.selectors import actor_context, forget_actor_context

from .models import ApiToken, User, UserSession

TOKEN_PREFIX = "jx_"  # noqa: S105 - a marker, not a secret


def session_register(*, user: User, session_key: str) -> None:
    """Remember that this session belongs to the user (called at sign-in)."""
    UserSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def session_forget(*, session_key: str) -> None:
    """Drop a session from the registry once it has ended (sign-out, timeout, new key)."""
    UserSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def user_end_sessions(*, user: User) -> int:
    """End every live session of the user at once; returns how many ended."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None) -> User:
    """Deactivate an account (she left the company): she cannot sign in and her sessions end now."""
    if actor is not None and actor.pk == user.pk:
        # Her own request would end mid-way and nobody might be left to undo it.
        raise DomainError(_("You cannot deactivate your own account."), code="self")
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = user_end_sessions(user=user)
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_event(
        actor=actor,
        action="user.deactivate",
        target=user,
        before={"is_active": True},
        after={"is_active": False, "sessions_ended": ended},
    )
    return user


def _require_admin_actor(actor: User) -> None:
    if not actor_context(actor).is_admin:
        raise DomainError(_("Only an administrator can change accounts and roles."), code="forbidden")


@transaction.atomic
def user_reactivate(*, user: User, actor: User) -> User:
    """Let a deactivated account sign in again (with her old password; tokens stay revoked)."""
    _require_admin_actor(actor)
    if user.is_active:
        return user
    if Employee.objects.filter(user=user, status=Status.LEFT).exists():
        raise DomainError(
            _("This account belongs to someone who has left. Change her status in her employee record first."),
            code="left",
        )
    user.is_active = True
    user.save(update_fields=["is_active"])
    forget_actor_context(user)
    record_event(
        actor=actor, action="user.reactivate", target=user, before={"is_active": False}, after={"is_active": True}
    )
    return user


def _set_role_flag(*, user: User, actor: User, field: str, value: bool, action: str) -> User:
    _require_admin_actor(actor)
    if value and not user.is_active:
        raise DomainError(_("Reactivate the account before giving it a role."), code="inactive")
    if getattr(user, field) == value:
        return user
    setattr(user, field, value)
    fields = [field]
    if field == "is_superuser":
        # Kept in step only for Django's own checks; jixiao reads is_superuser alone.
        user.is_staff = value
        fields.append("is_staff")
    user.save(update_fields=fields)
    forget_actor_context(user)
    record_event(actor=actor, action=action, target=user, before={field: not value}, after={field: value})
    return user


@transaction.atomic
def user_executive_grant(*, user: User, actor: User) -> User:
    """Make the account an executive: she reads organisation-wide analytics from her next request on."""
    return _set_role_flag(user=user, actor=actor, field="is_executive", value=True, action="user.executive_grant")


@transaction.atomic
def user_executive_revoke(*, user: User, actor: User) -> User:
    """Take the executive role away; her next request no longer sees organisation-wide analytics."""
    return _set_role_flag(user=user, actor=actor, field="is_executive", value=False, action="user.executive_revoke")


@transaction.atomic
def user_admin_grant(*, user: User, actor: User) -> User:
    """Make the account an administrator."""
    return _set_role_flag(user=user, actor=actor, field="is_superuser", value=True, action="user.admin_grant")


@transaction.atomic
def user_admin_revoke(*, user: User, actor: User) -> User:
    """Take the administrator role away; an admin cannot take it from herself (so one always remains)."""
    if actor.pk == user.pk:
        raise DomainError(_("You cannot remove your own administrator role."), code="self")
    return _set_role_flag(user=user, actor=actor, field="is_superuser", value=False, action="user.admin_revoke")


def user_set_language(*, user: User, language: str) -> None:
    """Save the language the user picked, so it follows her to every device."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the secret is returned once and never stored."""
    name = name.strip()
    if not name:
        raise DomainError(
            _("Give the token a name, so you can tell it apart later."), fields={"name": [_("Required.")]}
        )
    if len(name) > 100:
        raise DomainError(_("The name is too long (100 characters at most)."), fields={"name": [_("Too long.")]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:10], digest=token_digest(secret))
    record_event(actor=user, action="api_token.create", target=token, after={"name": name, "prefix": token.prefix})
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token at once; calls made with it are refused from now on."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, action="api_token.revoke", target=token, after={"prefix": token.prefix})
    return token


# Every API call asks this: compiled once per process (core.prepared), run with the secret's digest.
_LIVE_TOKEN = Prepared(
    lambda digest: (
        ApiToken.objects.select_related("user")
        .filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
        .order_by()[:1]
    ),
    str,
)


def token_authenticate(secret: str) -> User | None:
    """The active owner of a live token with this secret, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = _LIVE_TOKEN.first(token_digest(secret))
    if token is None:
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute, so a busy integration does not write on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
