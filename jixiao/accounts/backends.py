"""Sign-in that refuses the demo password outside demo mode."""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class JixiaoModelBackend(ModelBackend):
    """Django's model backend, except that outside demo mode nobody signs in with the demo password.

    An installation that started as a demo may still have users with that password; they must
    have it reset before they can sign in.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if password == settings.DEMO_PASSWORD and not settings.JIXIAO_DEMO_MODE:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
