"""The request's client address, made available to services without passing the request around."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("jixiao_audit_ip", default=None)
