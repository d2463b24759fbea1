"""How audit events read on pages."""

from django import template

from jixiao.audit import selectors

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """ "Person changed" for "employee.update"; unknown actions show their code."""
    return selectors.action_label(action)


@register.filter
def target_type_label(target_type: str) -> str:
    """ "Person" for "org.employee"; unknown types show their code."""
    return selectors.target_type_label(target_type)
