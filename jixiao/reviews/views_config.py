"""Configuration pages for HR: rating scales, competencies (BARS), competency models and review templates.

HR (any scope) and admins only; everyone else gets 404 (permissions.require_configure). Thin views:
gate, read (selectors_config), parse (forms_config), one service call (services_config), render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest

from . import permissions, selectors_config, services_config
from .forms_config import BY_JOB, CompetencyForm, CompetencyModelForm, ScaleForm, TemplateForm
from .models import Competency, CompetencyModel, RatingScale, ReviewTemplate, SectionKind


def _gate(request: AuthedRequest, target: str) -> None:
    permissions.require_configure(request.user, target)


def _found(obj: Any) -> Any:
    """A missing object is a 404, like a forbidden one (the gate already let the person in)."""
    if obj is None:
        raise Http404
    return obj


def _label(obj: Any) -> str:
    from .templatetags.review_config import l10n

    return l10n(obj, "name")


# ---- rating scales -------------------------------------------------------------------------------


@login_required
def scales(request: AuthedRequest) -> HttpResponse:
    """Every rating scale: its levels and the bands a final score falls into."""
    _gate(request, "reviews.scale")
    return render(request, "reviews/config/scales.html", {"scales": selectors_config.scales()})


def _scale_page(request: AuthedRequest, scale: RatingScale | None) -> HttpResponse:
    locked = services_config.scale_values_locked(scale) if scale is not None else None
    if request.method == "POST":
        form = ScaleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services_config.scale_save(
                    actor=request.user,
                    scale=scale,
                    name=data["name"],
                    name_en=data["name_en"],
                    levels=form.level_inputs(),
                    bands=form.band_inputs(),
                    version=data["version"],
                )
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Rating scale “%(name)s” saved.") % {"name": _label(saved)})
                return redirect(reverse("reviews:scales") + f"#scale-{saved.pk}")
    elif scale is not None:
        form = ScaleForm(scale=scale, initial={"name": scale.name, "name_en": scale.name_en, "version": scale.version})
    else:
        form = ScaleForm(scale=selectors_config.default_scale())
    return render(request, "reviews/config/scale_form.html", {"form": form, "scale": scale, "locked": locked})


@login_required
def scale_new(request: AuthedRequest) -> HttpResponse:
    _gate(request, "reviews.scale")
    return _scale_page(request, None)


@login_required
def scale_edit(request: AuthedRequest, scale_id: int) -> HttpResponse:
    _gate(request, "reviews.scale")
    scale = _found(selectors_config.scale_for_edit(scale_id))
    return _scale_page(request, scale)


# ---- competencies --------------------------------------------------------------------------------


@login_required
def competencies(request: AuthedRequest) -> HttpResponse:
    """Competencies with their behaviour anchors at each level, active or inactive."""
    _gate(request, "reviews.competency")
    state = request.GET.get("state", "active")
    if state not in selectors_config.COMPETENCY_STATES:
        state = "active"
    levels = selectors_config.default_levels()
    rows = selectors_config.competencies(state)
    for competency in rows:
        by_level = {a.level: a for a in competency.anchors.all()}
        # Highest level first, as BARS are usually read: what "outstanding" looks like, down to the lowest.
        competency.anchor_rows = [(lv, by_level.get(lv.value)) for lv in reversed(levels)]  # type: ignore[attr-defined]
    return render(
        request,
        "reviews/config/competencies.html",
        {
            "competencies": rows,
            "levels": levels,
            "counts": selectors_config.competency_counts(),
            "state": state,
        },
    )


def _competency_page(request: AuthedRequest, competency: Competency | None) -> HttpResponse:
    levels = selectors_config.default_levels()
    values = selectors_config.value_choices(competency.value_id if competency else None)
    if request.method == "POST":
        form = CompetencyForm(request.POST, levels=levels, values=values, competency=competency)
        if form.is_valid():
            data = form.cleaned_data
            value = next((v for v in values if v.pk == data["value"]), None)
            try:
                saved = services_config.competency_save(
                    actor=request.user,
                    competency=competency,
                    name=data["name"],
                    name_en=data["name_en"],
                    description=data["description"],
                    description_en=data["description_en"],
                    value=value,
                    anchors=form.anchor_inputs(),
                    active=data["active"],
                    version=data["version"],
                )
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Competency “%(name)s” saved.") % {"name": _label(saved)})
                state = "active" if saved.active else "inactive"
                return redirect(reverse("reviews:competencies") + f"?state={state}#competency-{saved.pk}")
    elif competency is not None:
        form = CompetencyForm(
            levels=levels,
            values=values,
            competency=competency,
            initial={
                "name": competency.name,
                "name_en": competency.name_en,
                "description": competency.description,
                "description_en": competency.description_en,
                "value": competency.value_id,
                "active": competency.active,
                "version": competency.version,
            },
        )
    else:
        form = CompetencyForm(levels=levels, values=values)
    return render(
        request,
        "reviews/config/competency_form.html",
        {"form": form, "competency": competency, "levels": levels},
    )


@login_required
def competency_new(request: AuthedRequest) -> HttpResponse:
    _gate(request, "reviews.competency")
    return _competency_page(request, None)


@login_required
def competency_edit(request: AuthedRequest, competency_id: int) -> HttpResponse:
    _gate(request, "reviews.competency")
    competency = _found(selectors_config.competency_for_edit(competency_id))
    return _competency_page(request, competency)


# ---- competency models ---------------------------------------------------------------------------


@login_required
def competency_models(request: AuthedRequest) -> HttpResponse:
    """Which competencies are rated for which jobs, in order and weighted."""
    _gate(request, "reviews.competency_model")
    return render(
        request,
        "reviews/config/competency_models.html",
        {"models": selectors_config.competency_models(), "counts": selectors_config.competency_counts()},
    )


def _model_page(request: AuthedRequest, model: CompetencyModel | None) -> HttpResponse:
    current = {item.competency_id for item in model.items.all()} if model else set()
    choices = selectors_config.competency_choices(current)
    if request.method == "POST":
        form = CompetencyModelForm(request.POST, levels=selectors_config.job_levels(), model=model)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services_config.competency_model_save(
                    actor=request.user,
                    model=model,
                    name=data["name"],
                    name_en=data["name_en"],
                    job_family=data["job_family"],
                    job_levels=data["job_levels"],
                    items=form.item_inputs({c.pk: c for c in choices}),
                    version=data["version"],
                )
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Competency model “%(name)s” saved.") % {"name": _label(saved)})
                return redirect(reverse("reviews:competency_models") + f"#model-{saved.pk}")
    elif model is not None:
        form = CompetencyModelForm(
            levels=selectors_config.job_levels(),
            model=model,
            initial={
                "name": model.name,
                "name_en": model.name_en,
                "job_family": model.job_family,
                "job_levels": list(model.job_levels),
                "version": model.version,
            },
        )
    else:
        form = CompetencyModelForm(levels=selectors_config.job_levels())
    return render(
        request,
        "reviews/config/competency_model_form.html",
        {"form": form, "model": model, "choices": choices, "families": selectors_config.job_families()},
    )


@login_required
def competency_model_new(request: AuthedRequest) -> HttpResponse:
    _gate(request, "reviews.competency_model")
    return _model_page(request, None)


@login_required
def competency_model_edit(request: AuthedRequest, model_id: int) -> HttpResponse:
    _gate(request, "reviews.competency_model")
    model = _found(selectors_config.competency_model_for_edit(model_id))
    return _model_page(request, model)


# ---- review templates ----------------------------------------------------------------------------


@login_required
def templates(request: AuthedRequest) -> HttpResponse:
    """Review templates: weighted sections, the scale, and whether each one is ready to launch a cycle."""
    _gate(request, "reviews.template")
    archived = request.GET.get("show") == "archived"
    rows = selectors_config.templates(archived=archived)
    for row in rows:
        row.problem = services_config.template_problems(row)  # type: ignore[attr-defined]
    return render(
        request,
        "reviews/config/templates.html",
        {"templates": rows, "archived": archived, "counts": selectors_config.template_counts()},
    )


def _starter_sections(models: list[CompetencyModel]) -> list[dict[str, Any]]:
    """A common layout to start a new template from: KPIs, goals, competencies by job, two open questions."""
    scored: list[dict[str, Any]] = [
        {"kind": SectionKind.KPI, "title": "业绩指标", "title_en": "KPIs", "weight": "40", "required": ""},
        {"kind": SectionKind.GOALS, "title": "目标达成", "title_en": "Goals", "weight": "30", "required": ""},
    ]
    if models:
        scored.append(
            {
                "kind": SectionKind.COMPETENCIES,
                "title": "能力素质",
                "title_en": "Competencies",
                "weight": "30",
                "required": "on",
                "model": BY_JOB,
            }
        )
    else:
        scored[0]["weight"], scored[1]["weight"] = "50", "50"
    questions = {
        "kind": SectionKind.QUESTIONS,
        "title": "开放问题",
        "title_en": "Open questions",
        "weight": "0",
        "required": "",
        "questions": [
            {
                "text": "本期你最大的成绩是什么？",
                "text_en": "What was your biggest achievement this period?",
                "required": "on",
            },
            {
                "text": "下一期你希望在哪些方面成长？",
                "text_en": "Where would you like to grow next period?",
                "required": "",
            },
        ],
    }
    return [*scored, questions]


def _template_page(request: AuthedRequest, template: ReviewTemplate | None) -> HttpResponse:
    scales_ = selectors_config.scale_choices()
    models = selectors_config.model_choices()
    if request.method == "POST" and template is not None and request.POST.get("action") in ("archive", "restore"):
        return _template_archive(request, template)
    if request.method == "POST":
        form = TemplateForm(request.POST, scales=scales_, template=template)
        if form.is_valid():
            data = form.cleaned_data
            scale = next((s for s in scales_ if s.pk == data["scale"]), None)
            try:
                saved = services_config.review_template_save(
                    actor=request.user,
                    template=template,
                    name=data["name"],
                    name_en=data["name_en"],
                    description=data["description"],
                    scale=scale,
                    self_weight=data["self_weight"],
                    overall_comment_required=data["overall_comment_required"],
                    sections=form.section_inputs({m.pk: m for m in models}),
                    version=data["version"],
                )
            except DomainError as exc:
                form.add_domain_errors(exc.fields, str(exc.message))
            else:
                messages.success(request, _("Review template “%(name)s” saved.") % {"name": _label(saved)})
                return redirect(reverse("reviews:templates") + f"#template-{saved.pk}")
    elif template is not None:
        form = TemplateForm(
            scales=scales_,
            template=template,
            initial={
                "name": template.name,
                "name_en": template.name_en,
                "description": template.description,
                "scale": template.scale_id,
                "self_weight": str(template.self_weight),
                "overall_comment_required": template.overall_comment_required,
                "version": template.version,
            },
        )
    else:
        default = next((s for s in scales_ if s.is_default), None)
        form = TemplateForm(
            scales=scales_,
            starter=_starter_sections(models),
            initial={"scale": default.pk if default else None, "self_weight": "0", "overall_comment_required": True},
        )
    return render(
        request,
        "reviews/config/template_form.html",
        {
            "form": form,
            "template": template,
            "models": models,
            "kinds": SectionKind.choices,
            "by_job": BY_JOB,
            "questions_kind": SectionKind.QUESTIONS,
            "competencies_kind": SectionKind.COMPETENCIES,
            "feedback_kind": SectionKind.FEEDBACK,
        },
    )


def _template_archive(request: AuthedRequest, template: ReviewTemplate) -> HttpResponse:
    archived = request.POST.get("action") == "archive"
    version = request.POST.get("version", "")
    try:
        services_config.template_archive(
            actor=request.user,
            template=template,
            archived=archived,
            version=int(version) if version.isdigit() else None,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("reviews:template_edit", template.pk)
    if archived:
        messages.success(
            request,
            _("“%(name)s” is archived: new cycles cannot use it; running cycles go on.") % {"name": _label(template)},
        )
        return redirect("reviews:templates")
    messages.success(request, _("“%(name)s” is back in use.") % {"name": _label(template)})
    return redirect(reverse("reviews:templates") + f"#template-{template.pk}")


@login_required
def template_new(request: AuthedRequest) -> HttpResponse:
    _gate(request, "reviews.template")
    return _template_page(request, None)


@login_required
def template_edit(request: AuthedRequest, template_id: int) -> HttpResponse:
    _gate(request, "reviews.template")
    template = _found(selectors_config.template_for_edit(template_id))
    return _template_page(request, template)
