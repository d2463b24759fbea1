"""Session timeouts and the user's chosen language."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import translation

LOGIN_AT = "jixiao_login_at"
SEEN_AT = "jixiao_seen_at"
# Refresh the idle clock at most once a minute, so a busy page does not write its session every request.
SEEN_RESOLUTION = 60


class SessionTimeoutMiddleware:
    """Ends a session after JIXIAO_SESSION_IDLE_SECONDS of silence or JIXIAO_SESSION_ABSOLUTE_SECONDS in all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and LOGIN_AT in request.session:
            now = int(time.time())
            login_at = int(request.session.get(LOGIN_AT, now))
            seen_at = int(request.session.get(SEEN_AT, login_at))
            if (
                now - seen_at > settings.JIXIAO_SESSION_IDLE_SECONDS
                or now - login_at > settings.JIXIAO_SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
            elif now - seen_at >= SEEN_RESOLUTION:
                request.session[SEEN_AT] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's; the switch saves it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "language", "") if request.user.is_authenticated else ""
        if language and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
