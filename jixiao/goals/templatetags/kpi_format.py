"""Template filters of the KPI pages: numbers as people write them, names in the reader's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from jixiao.goals.selectors_kpi import localised

register = template.Library()


@register.filter
def kpi_number(value: Any) -> str:
    """1250000.0000 → "1,250,000", 12.5000 → "12.5"; never an exponent; "—" for nothing."""
    if value is None or value == "":
        return "—"
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if not number.is_finite():
        return str(value)
    text = format(number.normalize(), ",f")
    return "0" if text in ("-0", "0") else text


@register.filter
def l10n_name(obj: Any) -> str:
    """Anything with name and name_en (KPI, business area, period, department) in the reader's language."""
    if obj is None:
        return ""
    return localised(getattr(obj, "name", ""), getattr(obj, "name_en", ""))
