"""What the conversations forms share: a service's refusal put beside the inputs it names."""

from __future__ import annotations

from collections.abc import Callable

from django import forms

from jixiao.core.errors import DomainError


def add_domain_errors(
    form: forms.Form, error: DomainError, *, place: Callable[[str, list[str]], bool] | None = None
) -> None:
    """Put a service's refusal beside the inputs it names, the rest on top of the form.

    `place(name, messages)` may claim a name first (rows outside the form, such as a plan's expectations) by
    answering True. A refusal that names no field shows its message on top.
    """
    for name, found in error.fields.items():
        if place is not None and place(name, list(found)):
            continue
        field = form.fields.get(name)
        target = name if field is not None and not field.disabled else None
        for message in found:
            form.add_error(target, message)
    if not error.fields:
        form.add_error(None, str(error.message))
