"""Errors that services raise and views and the API turn into a translated answer."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the domain refused the request; `message` is shown to the person as is."""

    code = "invalid"
    status = 400

    def __init__(self, message: str | Promise, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class StaleWrite(DomainError):
    """Someone else saved the object since it was read; the write is refused, never merged."""

    code = "stale"
    status = 409


class NotFound(DomainError):
    """Missing or forbidden: both look the same so ids cannot be probed."""

    code = "not_found"
    status = 404
