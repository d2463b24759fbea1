"""Template filters of the review configuration pages: text in the reader's language, band chips."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from jixiao.reviews.forms_config import plain

register = template.Library()

BAND_CODES = frozenset("SABCD")


@register.filter
def l10n(obj: Any, field: str = "name") -> str:
    """`{{ level|l10n:"label" }}`: the English text (field_en) for English readers when there is one."""
    if obj is None:
        return ""
    chinese = getattr(obj, field, "") or ""
    english = getattr(obj, f"{field}_en", "") or ""
    return english if english and (get_language() or "").startswith("en") else chinese


@register.filter
def band_class(code: str) -> str:
    """The fixed colour of a band (S deep green, A green, B blue, C amber, D red); other codes are grey."""
    code = (code or "").strip().upper()
    return f"jx-band jx-band-{code}" if code in BAND_CODES else "jx-band rcfg-band-other"


@register.filter
def num(value: Any) -> str:
    """3.50 → "3.5", 4.00 → "4": numbers as people write them; "" for nothing."""
    return plain(value)
