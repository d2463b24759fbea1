"""Small helpers every conversations page shares: htmx, who is reading, a service's refusal as a message.

Pages that re-render a form put refusals beside the fields instead (forms_common.add_domain_errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.utils.translation import gettext as _

from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.org.selectors import actor_context


def is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def has_employee(request: AuthedRequest) -> bool:
    """Whether the reader has an employee record (without one she gives, asks and meets nobody)."""
    return actor_context(request.user).employee_id is not None


def refusal_text(exc: DomainError) -> str:
    """The refusal's message and its field messages, each once, as one sentence for a message banner."""
    details = [str(m) for found in exc.fields.values() for m in found]
    return " ".join(dict.fromkeys([str(exc.message), *details]))


def flash_form_errors(request: AuthedRequest, form: Any) -> None:
    errors = [str(e) for found in form.errors.values() for e in found]
    messages.error(request, " ".join(errors) or _("Check what you entered."))


def attempt(request: AuthedRequest, write: Callable[[], object], done: str = "") -> bool:
    """Run one service call: a refusal becomes an error message (False), success the `done` message (True)."""
    try:
        write()
    except DomainError as exc:
        messages.error(request, refusal_text(exc))
        return False
    if done:
        messages.success(request, done)
    return True
