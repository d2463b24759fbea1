"""Writes on accounts: sessions, deactivation, language, API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError

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


def token_authenticate(secret: str) -> User | None:
    """The active owner of a live token with this secret, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute, so a busy integration does not write on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
