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
        self.csp = settings.JIXIAO_CSP
        # The interactive API docs page runs the vendored Swagger UI with one inline bootstrap script.
        self.docs_csp = self.csp.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
            "style-src 'self'", "style-src 'self' 'unsafe-inline'"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_docs = request.path.startswith("/api/v1/docs")
        response.headers.setdefault("Content-Security-Policy", self.docs_csp if is_docs else self.csp)
        if not request.path.startswith(settings.STATIC_URL):
            response.headers["Cache-Control"] = "no-store"
        return response
