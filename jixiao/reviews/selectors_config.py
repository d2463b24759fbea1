"""Reads of the review configuration pages: scales, competencies, competency models and templates.

Each list runs a fixed number of queries whatever the number of rows (prefetches, no query per row).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q

from jixiao.goals.models import CompanyValue
from jixiao.org.models import Employee, Status

from .models import (
    Competency,
    CompetencyModel,
    CompetencyModelItem,
    RatingScale,
    ReviewTemplate,
    ScaleLevel,
    TemplateSection,
)

COMPETENCY_STATES = ("active", "inactive", "all")


def scales() -> list[RatingScale]:
    """Every scale with its levels, bands and the number of templates using it (3 queries)."""
    return list(RatingScale.objects.annotate(template_count=Count("templates")).prefetch_related("levels", "bands"))


def scale_for_edit(scale_id: int) -> RatingScale | None:
    return RatingScale.objects.filter(pk=scale_id).prefetch_related("levels", "bands").first()


def default_scale() -> RatingScale | None:
    """The default scale with its levels and bands: a new scale starts as a copy of it."""
    return RatingScale.objects.filter(is_default=True).prefetch_related("levels", "bands").first()


def default_levels() -> list[ScaleLevel]:
    """The levels of the default scale, lowest first: competencies describe behaviour at each of them."""
    return list(ScaleLevel.objects.filter(scale__is_default=True).order_by("value"))


def competency_counts() -> dict[str, int]:
    counts = Competency.objects.aggregate(active=Count("pk", filter=Q(active=True)), all=Count("pk"))
    return {"active": counts["active"], "inactive": counts["all"] - counts["active"], "all": counts["all"]}


def competencies(state: str = "active") -> list[Competency]:
    """Competencies with their BARS anchors, company value and the number of models they are in (2 queries)."""
    qs = (
        Competency.objects.select_related("value")
        .prefetch_related("anchors")
        .annotate(model_count=Count("competency_models", distinct=True))
    )
    if state == "active":
        qs = qs.filter(active=True)
    elif state == "inactive":
        qs = qs.filter(active=False)
    return list(qs)


def competency_for_edit(competency_id: int) -> Competency | None:
    return Competency.objects.filter(pk=competency_id).prefetch_related("anchors").first()


def value_choices(current: int | None = None) -> list[CompanyValue]:
    """Company values a competency may stand for: the current ones, and the one it already has."""
    return list(CompanyValue.objects.filter(Q(active=True) | Q(pk=current or 0)).order_by("position", "pk"))


def competency_choices(current: set[int] | None = None) -> list[Competency]:
    """Competencies a model may take: the active ones, and those it already has."""
    return list(Competency.objects.filter(Q(active=True) | Q(pk__in=current or set())).order_by("name", "pk"))


def competency_models() -> list[CompetencyModel]:
    """Models with their competencies in order (2 queries)."""
    items = CompetencyModelItem.objects.select_related("competency").order_by("order", "pk")
    return list(CompetencyModel.objects.prefetch_related(Prefetch("items", queryset=items)))


def competency_model_for_edit(model_id: int) -> CompetencyModel | None:
    items = CompetencyModelItem.objects.order_by("order", "pk")
    return CompetencyModel.objects.filter(pk=model_id).prefetch_related(Prefetch("items", queryset=items)).first()


def job_families() -> list[str]:
    return list(
        Employee.objects.exclude(job_family="")
        .exclude(status=Status.LEFT)
        .order_by("job_family")
        .values_list("job_family", flat=True)
        .distinct()
    )


def job_levels() -> list[str]:
    return list(
        Employee.objects.exclude(job_level="")
        .exclude(status=Status.LEFT)
        .order_by("job_level")
        .values_list("job_level", flat=True)
        .distinct()
    )


def template_counts() -> dict[str, int]:
    counts = ReviewTemplate.objects.aggregate(archived=Count("pk", filter=Q(archived=True)), all=Count("pk"))
    return {"active": counts["all"] - counts["archived"], "archived": counts["archived"]}


def _template_queryset() -> Any:
    sections = TemplateSection.objects.select_related("competency_model").prefetch_related("questions", "groups")
    return (
        ReviewTemplate.objects.select_related("scale")
        .prefetch_related("scale__levels", "scale__bands", Prefetch("sections", queryset=sections))
        .annotate(cycle_count=Count("cycles", distinct=True))
    )


def templates(*, archived: bool = False) -> list[ReviewTemplate]:
    """Templates with scale, sections and questions, and the number of cycles that used them (6 queries)."""
    return list(_template_queryset().filter(archived=archived))


def template_for_edit(template_id: int) -> ReviewTemplate | None:
    template: ReviewTemplate | None = _template_queryset().filter(pk=template_id).first()
    return template


def scale_choices() -> list[RatingScale]:
    return list(RatingScale.objects.prefetch_related("levels", "bands"))


def model_choices() -> list[CompetencyModel]:
    return list(CompetencyModel.objects.all())
