"""Writes on review configuration: rating scales and bands, competencies with BARS anchors,
competency models and review templates. HR and admins only; every change audited.

Launched cycles never see these changes: they keep the snapshot taken at launch (services.cycle_snapshot).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from .models import ReviewTemplate, SectionKind

HUNDRED = Decimal(100)


def template_problems(template: ReviewTemplate) -> str | None:
    """Why this template cannot be used to launch a cycle, or None when it can."""
    sections = list(template.sections.all())
    if not sections:
        return _("The template has no sections.")
    if sum((s.weight for s in sections), Decimal(0)) != HUNDRED:
        return _("The section weights of the template must add up to 100.")
    if any(s.kind == SectionKind.QUESTIONS and s.weight != 0 for s in sections):
        return _("Open-question sections are not scored; give them weight 0.")
    if any(s.kind == SectionKind.QUESTIONS and not s.questions.exists() for s in sections):
        return _("An open-question section needs at least one question.")
    if not template.scale.levels.exists() or not template.scale.bands.exists():
        return _("The template's rating scale needs levels and bands.")
    return None
