"""Sign-in bookkeeping: session registry, timeout clocks, saved language, audit."""

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from jixiao.audit.services import record_event

from .middleware import LOGIN_AT, SEEN_AT
from .models import User
from .services import session_forget, session_register


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    # django.contrib.auth.login() has already cycled the session key, so a fixed session cannot be reused.
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    if request.session.session_key is None:
        request.session.save()
    session_register(user=user, session_key=request.session.session_key or "")
    record_event(actor=user, action="auth.login", target=user)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    # Sign-out and the session timeouts both end here; the registry must not keep dead keys forever.
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        session_forget(session_key=session_key)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    record_event(
        actor=None,
        action="auth.login_failed",
        target_type="accounts.user",
        target_label=str(credentials.get("username", ""))[:150],
    )
