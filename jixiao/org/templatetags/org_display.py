"""How people and departments appear on pages: avatar initials and tones, names in the reader's language."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django import template
from django.utils import timezone
from django.utils.translation import ngettext

from jixiao.org.models import Department
from jixiao.org.selectors import department_name

register = template.Library()

AVATAR_TONES = 8


def _is_cjk(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY"))


@register.filter
def initials(name: str) -> str:
    """What the round avatar shows: the given name for Chinese names (as Feishu and DingTalk do), else initials."""
    name = (name or "").strip()
    if not name:
        return "?"
    if _is_cjk(name[0]):
        # 王小明 → 小明, 李娜 → 李娜: the given name is how colleagues address each other.
        return name[-2:] if len(name) >= 3 else name
    words = [w for w in name.replace("-", " ").split() if w]
    return "".join(w[0] for w in words[:2]).upper()


@register.filter
def avatar_tone(pk: object) -> str:
    """A stable colour class per person, so the same person looks the same on every page."""
    try:
        return f"jx-tone-{int(str(pk)) % AVATAR_TONES}"
    except ValueError:
        return "jx-tone-0"


@register.filter
def dept_name(department: Department | None) -> str:
    return department_name(department) if department is not None else ""


@register.filter
def tenure(hire_date: dt.date | None) -> str:
    """Time since hiring, as "3 years 2 months"."""
    if hire_date is None:
        return ""
    today = timezone.localdate()
    months = (today.year - hire_date.year) * 12 + today.month - hire_date.month - (today.day < hire_date.day)
    if months < 0:
        return ""
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(ngettext("%(n)d year", "%(n)d years", years) % {"n": years})
    if months or not years:
        parts.append(ngettext("%(n)d month", "%(n)d months", months) % {"n": months})
    return " ".join(parts)


@register.filter
def tree_indent(depth: int) -> str:
    """Leading spaces that show a department's depth inside a <select> (which cannot be styled)."""
    return "\u00a0\u00a0\u00a0" * int(depth or 0)
