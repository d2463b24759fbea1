"""Response headers every page carries."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every response and no-store caching on everything but static files.

    Nearly every page shows personal data, so nothing dynamic may sit in a shared or browser cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # One policy for every page, the API docs included: django-ninja serves Swagger UI from its own
        # static files with the settings in a JSON block and no inline script or style, so it needs no exemption.
        self.csp = settings.JIXIAO_CSP

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        if not request.path.startswith(settings.STATIC_URL):
            response.headers["Cache-Control"] = "no-store"
        return response
