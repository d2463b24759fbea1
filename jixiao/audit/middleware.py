"""Puts the client address where record_event() can find it."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from jixiao.core.client_ip import client_ip

from .context import current_ip


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
