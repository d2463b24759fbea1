"""The client's address, for login throttling and the audit log, also behind reverse proxies."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address of whoever sent the request.

    Without proxies (JIXIAO_PROXY_COUNT=0, the default) it is the socket's address: a client can write
    anything into X-Forwarded-For, so the header is ignored. Behind N trusted proxies, each appends the
    address it received the request from, so the client is the N-th entry from the right; entries
    further left were written by the client and cannot be trusted.
    """
    count = settings.JIXIAO_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-count] if len(hops) >= count else hops[0]
    return request.META.get("REMOTE_ADDR") or None
