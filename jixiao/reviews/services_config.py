"""Writes on review configuration: rating scales and bands, competencies with BARS anchors,
competency models and review templates. HR and admins only; every change audited with before/after.

Launched cycles never see these changes: they keep the snapshot taken at launch (services.cycle_snapshot).
Each function is keyword-only, typed and atomic; an edit carries the version the person read, and a stale
one is refused (StaleWrite). Bad input raises a DomainError whose `fields` name the field or the row:
"name", "levels.2.value", "bands.0.threshold", "anchors.4.text", "items.1.weight", "weights",
"sections.3.questions.0.text", "sections.4.groups.1.weight", "sections.4.peer_min" — rows by their position in
the list given — and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Model
from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.goals.models import CompanyValue

from . import permissions
from .models import (
    Competency,
    CompetencyAnchor,
    CompetencyModel,
    CompetencyModelItem,
    FeedbackGroup,
    RatingScale,
    ReviewTemplate,
    ScaleBand,
    ScaleLevel,
    SectionKind,
    TemplateGroup,
    TemplateQuestion,
    TemplateSection,
)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Level values and thresholds are DecimalField(max_digits=5, decimal_places=2).
SCORE_LIMIT = Decimal(1000)
# Competency weights in a model are DecimalField(max_digits=7, decimal_places=2).
ITEM_WEIGHT_LIMIT = Decimal(100000)
TEXT_LIMIT = 4000
# 360° sections (decision 0009): the groups answering anonymously, and how many peers a reviewee may nominate.
ANONYMOUS_GROUPS = (FeedbackGroup.PEER, FeedbackGroup.UPWARD, FeedbackGroup.CUSTOMER)
PEER_LIMIT = 20
DEFAULT_PEERS = (3, 8)  # TemplateSection.peer_min / peer_max defaults, kept when peers are not a group

Errors = dict[str, list[str]]


def template_problems(template: ReviewTemplate) -> str | None:
    """Why this template cannot be used to launch a cycle, or None when it can.

    Reads only `sections`, `sections__questions`, `scale__levels` and `scale__bands`, so a list that
    prefetches them asks no further query per template.
    """
    sections = list(template.sections.all())
    if not sections:
        return _("The template has no sections.")
    if sum((s.weight for s in sections), Decimal(0)) != HUNDRED:
        return _("The section weights of the template must add up to 100.")
    if any(s.kind == SectionKind.QUESTIONS and s.weight != 0 for s in sections):
        return _("Open-question sections are not scored; give them weight 0.")
    if any(s.kind == SectionKind.QUESTIONS and not s.questions.all() for s in sections):
        return _("An open-question section needs at least one question.")
    feedback = [s for s in sections if s.kind == SectionKind.FEEDBACK]
    if len(feedback) > 1:
        return _("A template has one 360° feedback section at most.")
    for section in feedback:
        # Only a template with a 360 section reads its groups (prefetch "sections__groups" to keep lists flat).
        groups = list(section.groups.all())
        if sum((g.weight for g in groups), Decimal(0)) != HUNDRED:
            return _("The rater groups of the 360° feedback section must add up to 100.")
        if not any(g.kind in ANONYMOUS_GROUPS and g.weight > 0 for g in groups):
            return _("The 360° feedback section needs peers, direct reports or customers.")
    if not template.scale.levels.all() or not template.scale.bands.all():
        return _("The template's rating scale needs levels and bands.")
    return None


# ---- inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelInput:
    """One level of a scale as typed: its value ("3"), label and description in both languages."""

    value: object
    label: str
    label_en: str = ""
    description: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class BandInput:
    """One band: its code (S), label and the lowest final score that earns it."""

    code: str
    label: str
    threshold: object
    label_en: str = ""


@dataclass(frozen=True)
class AnchorInput:
    """What the behaviour looks like at one level of the default scale (BARS)."""

    level: object
    text: str
    text_en: str = ""


@dataclass(frozen=True)
class ModelItemInput:
    """A competency of a model and its weight; competency None when the one picked was not found."""

    competency: Competency | None
    weight: object = 1


@dataclass(frozen=True)
class QuestionInput:
    text: str
    text_en: str = ""
    required: bool = False


@dataclass(frozen=True)
class GroupInput:
    """A rater group of a 360° section (self, manager, peer, upward, customer) and its weight in the section."""

    kind: str
    weight: object = 0


@dataclass(frozen=True)
class SectionInput:
    """A template section. For a competency section, competency_model None means "by the reviewee's job"."""

    kind: str
    title: str
    title_en: str = ""
    weight: object = 0
    required: bool = True
    competency_model: CompetencyModel | None = None
    questions: tuple[QuestionInput, ...] = ()
    # 360° feedback sections (decision 0009): the rater groups and their weights, how many peers to nominate.
    groups: tuple[GroupInput, ...] = ()
    peer_min: object = None
    peer_max: object = None


# ---- helpers -------------------------------------------------------------------------------------


def _require(actor: Any) -> None:
    if not permissions.can_configure(actor):
        raise DomainError(_("Only HR can change review settings."), code="forbidden")


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _raise_if(errors: Errors) -> None:
    if errors:
        raise DomainError(_("Please correct the marked fields."), fields=errors)


def _number(value: object, key: str, errors: Errors, *, limit: Decimal = SCORE_LIMIT) -> Decimal | None:
    """A number as typed ("3", "3.5", "1,000"), kept to two decimals; None (and an error) when it is not one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        _add(errors, key, _("Enter a number."))
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        _add(errors, key, _("Enter a number."))
        return None
    if not number.is_finite() or abs(number) >= limit:
        _add(errors, key, _("Enter a number."))
        return None
    if number != number.quantize(CENT):
        _add(errors, key, _("Use at most two decimals."))
        return None
    return number.quantize(CENT)


def _plain(value: Decimal) -> str:
    """3.00 → "3", 3.50 → "3.5": numbers as people write them, in messages and audit records."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def _text(value: str | None, key: str, errors: Errors, *, limit: int, required: str | None = None) -> str:
    text = (value or "").strip()
    if required is not None and not text:
        _add(errors, key, required)
    elif len(text) > limit:
        _add(errors, key, _("Too long: at most %(limit)s characters.") % {"limit": limit})
    return text


def _names(
    model: type[Model], name: str, name_en: str, errors: Errors, *, current: Model | None, required: str, taken: str
) -> tuple[str, str]:
    """The name (required, unique among the model's rows) and the English name, both cleaned."""
    clean = _text(name, "name", errors, limit=100, required=required)
    if clean and model._default_manager.filter(name=clean).exclude(pk=current.pk if current else None).exists():
        _add(errors, "name", taken)
    return clean, _text(name_en, "name_en", errors, limit=100)


def _check_version(obj: Model, version: int | None, what: str) -> None:
    """Refuse an edit made on an old copy: the version the person read must still be the stored one."""
    current = getattr(obj, "version", None)
    if version is None or version != current:
        raise _stale(what)


def _bump(obj: Model, version: int | None, what: str) -> None:
    """Move the stored version on, or refuse when someone saved in between (the guarded UPDATE decides)."""
    model = type(obj)
    if not model._default_manager.filter(pk=obj.pk, version=version).update(version=F("version") + 1):
        raise _stale(what)
    obj.version = (version or 0) + 1  # type: ignore[attr-defined]


def _record_save(actor: Any, target: Model, kind: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Audit a create (nothing before) or an update of kind ("rating_scale", "competency", …)."""
    record_event(
        actor=actor, action=f"{kind}.update" if before else f"{kind}.create", target=target, before=before, after=after
    )


def _stale(what: str) -> StaleWrite:
    return StaleWrite(
        _("Someone else saved this %(what)s since you opened it. Reload to see their changes.") % {"what": what}
    )


# ---- rating scales -------------------------------------------------------------------------------


def scale_facts(scale: RatingScale) -> dict[str, Any]:
    """What an audit record keeps of a scale: names, levels and bands."""
    return {
        "name": scale.name,
        "name_en": scale.name_en,
        "levels": [
            {
                "value": _plain(lv.value),
                "label": lv.label,
                "label_en": lv.label_en,
                "description": lv.description,
                "description_en": lv.description_en,
            }
            for lv in sorted(scale.levels.all(), key=lambda lv: lv.value)
        ],
        "bands": [
            {"code": b.code, "label": b.label, "label_en": b.label_en, "threshold": _plain(b.threshold)}
            for b in sorted(scale.bands.all(), key=lambda b: b.threshold, reverse=True)
        ],
    }


def scale_values_locked(scale: RatingScale) -> str | None:
    """Why the scale's level values may not change (labels and descriptions may), or None when they may."""
    if ReviewTemplate.objects.filter(scale=scale).exists():
        return _(
            "Review templates use this scale, so its level values stay as they are; labels and descriptions may change."
        )
    if scale.is_default and CompetencyAnchor.objects.exists():
        return _(
            "Competencies describe each level of the default scale, so its level values stay as they are; "
            "labels and descriptions may change."
        )
    return None


def _clean_levels(levels: Sequence[LevelInput], errors: Errors) -> list[ScaleLevel]:
    cleaned: list[ScaleLevel] = []
    seen: set[Decimal] = set()
    for i, level in enumerate(levels):
        key = f"levels.{i}"
        value = _number(level.value, f"{key}.value", errors)
        if value is None and f"{key}.value" not in errors:
            _add(errors, f"{key}.value", _("Enter the level's value."))
        elif value is not None and value in seen:
            _add(errors, f"{key}.value", _("Another level already has this value."))
        label = _text(level.label, f"{key}.label", errors, limit=60, required=_("Give the level a label."))
        label_en = _text(level.label_en, f"{key}.label_en", errors, limit=60)
        description = _text(level.description, f"{key}.description", errors, limit=TEXT_LIMIT)
        description_en = _text(level.description_en, f"{key}.description_en", errors, limit=TEXT_LIMIT)
        if value is not None:
            seen.add(value)
            cleaned.append(
                ScaleLevel(
                    value=value,
                    label=label,
                    label_en=label_en,
                    description=description,
                    description_en=description_en,
                )
            )
    if len(levels) < 2:
        _add(errors, "levels", _("A scale needs at least two levels."))
    return cleaned


def _clean_bands(bands: Sequence[BandInput], levels: Sequence[ScaleLevel], errors: Errors) -> list[ScaleBand]:
    if not bands:
        _add(errors, "bands", _("Add at least one band (for example S, A, B, C and D)."))
        return []
    cleaned: list[tuple[int, ScaleBand]] = []
    codes: set[str] = set()
    thresholds: set[Decimal] = set()
    for i, band in enumerate(bands):
        key = f"bands.{i}"
        code = _text(band.code, f"{key}.code", errors, limit=8, required=_("Give the band a code, for example S."))
        code = code.upper()
        if code and code in codes:
            _add(errors, f"{key}.code", _("Another band already has this code."))
        codes.add(code)
        label = _text(band.label, f"{key}.label", errors, limit=60, required=_("Give the band a label."))
        label_en = _text(band.label_en, f"{key}.label_en", errors, limit=60)
        threshold = _number(band.threshold, f"{key}.threshold", errors)
        if threshold is None and f"{key}.threshold" not in errors:
            _add(errors, f"{key}.threshold", _("Enter the lowest final score that earns this band."))
        elif threshold is not None and threshold in thresholds:
            _add(errors, f"{key}.threshold", _("Another band already starts at this score."))
        if threshold is not None:
            thresholds.add(threshold)
            cleaned.append((i, ScaleBand(code=code, label=label, label_en=label_en, threshold=threshold)))
    if levels:
        low = min(lv.value for lv in levels)
        high = max(lv.value for lv in levels)
        floor = min(low, Decimal(0))
        lowest = min(b.threshold for _i, b in cleaned) if cleaned else None
        for i, row in cleaned:
            key = f"bands.{i}.threshold"
            if row.threshold > high or row.threshold < floor:
                _add(
                    errors,
                    key,
                    _("Enter a score from %(low)s to %(high)s, the range of the scale's levels.")
                    % {"low": _plain(floor), "high": _plain(high)},
                )
            elif row.threshold <= low and row.threshold != lowest:
                _add(
                    errors,
                    key,
                    _(
                        "Only the lowest band may start at or below the lowest level (%(low)s); "
                        "no score could reach this one."
                    )
                    % {"low": _plain(low)},
                )
    return [band for _i, band in cleaned]


@transaction.atomic
def scale_save(
    *,
    actor: Any,
    scale: RatingScale | None = None,
    name: str,
    name_en: str = "",
    levels: Sequence[LevelInput],
    bands: Sequence[BandInput],
    version: int | None = None,
) -> RatingScale:
    """Create or change a rating scale: its levels (value, labels, descriptions) and bands (code, labels, threshold).

    A scale that a review template uses keeps its level values; its labels, descriptions and bands may change.
    """
    _require(actor)
    if scale is not None:
        _check_version(scale, version, _("rating scale"))
    errors: Errors = {}
    clean_name, clean_name_en = _names(
        RatingScale,
        name,
        name_en,
        errors,
        current=scale,
        required=_("Give the scale a name."),
        taken=_("Another scale already has this name."),
    )
    new_levels = _clean_levels(levels, errors)
    new_bands = _clean_bands(bands, new_levels, errors)
    if scale is not None and not any(key.startswith("levels") for key in errors):
        old_values = {lv.value for lv in scale.levels.all()}
        if {lv.value for lv in new_levels} != old_values:
            reason = scale_values_locked(scale)
            if reason:
                _add(errors, "levels", reason)
    _raise_if(errors)

    before = scale_facts(scale) if scale is not None else None
    if scale is None:
        scale = RatingScale.objects.create(
            name=clean_name, name_en=clean_name_en, is_default=not RatingScale.objects.exists()
        )
    else:
        _bump(scale, version, _("rating scale"))
        scale.name, scale.name_en = clean_name, clean_name_en
        scale.save(update_fields=["name", "name_en", "updated_at"])
        ScaleLevel.objects.filter(scale=scale).delete()
        ScaleBand.objects.filter(scale=scale).delete()
    for level in new_levels:
        level.scale = scale
    for band in new_bands:
        band.scale = scale
    ScaleLevel.objects.bulk_create(new_levels)
    ScaleBand.objects.bulk_create(new_bands)
    after = {
        "name": scale.name,
        "name_en": scale.name_en,
        "levels": [
            {
                "value": _plain(lv.value),
                "label": lv.label,
                "label_en": lv.label_en,
                "description": lv.description,
                "description_en": lv.description_en,
            }
            for lv in sorted(new_levels, key=lambda lv: lv.value)
        ],
        "bands": [
            {"code": b.code, "label": b.label, "label_en": b.label_en, "threshold": _plain(b.threshold)}
            for b in sorted(new_bands, key=lambda b: b.threshold, reverse=True)
        ],
    }
    _record_save(actor, scale, "rating_scale", before, after)
    return scale


# ---- competencies --------------------------------------------------------------------------------


def default_scale() -> RatingScale | None:
    return RatingScale.objects.filter(is_default=True).prefetch_related("levels").first()


def competency_facts(competency: Competency) -> dict[str, Any]:
    return {
        "name": competency.name,
        "name_en": competency.name_en,
        "description": competency.description,
        "description_en": competency.description_en,
        "value": competency.value_id,
        "active": competency.active,
        "anchors": {
            _plain(a.level): {"text": a.text, "text_en": a.text_en}
            for a in sorted(competency.anchors.all(), key=lambda a: a.level)
        },
    }


@transaction.atomic
def competency_save(
    *,
    actor: Any,
    competency: Competency | None = None,
    name: str,
    name_en: str = "",
    description: str = "",
    description_en: str = "",
    value: CompanyValue | None = None,
    anchors: Sequence[AnchorInput],
    active: bool = True,
    version: int | None = None,
) -> Competency:
    """Create or change a competency and its BARS anchors: one per level of the default scale, Chinese at least."""
    _require(actor)
    if competency is not None:
        _check_version(competency, version, _("competency"))
    scale = default_scale()
    if scale is None:
        raise DomainError(_("Set up a default rating scale before writing competencies."), code="no_scale")
    errors: Errors = {}
    clean_name, clean_name_en = _names(
        Competency,
        name,
        name_en,
        errors,
        current=competency,
        required=_("Give the competency a name."),
        taken=_("Another competency already has this name."),
    )
    clean_description = _text(description, "description", errors, limit=TEXT_LIMIT)
    clean_description_en = _text(description_en, "description_en", errors, limit=TEXT_LIMIT)
    if value is not None and not value.active and (competency is None or competency.value_id != value.pk):
        _add(errors, "value", _("This value is retired; pick one of the current values."))

    levels = sorted(scale.levels.all(), key=lambda lv: lv.value)
    position = {lv.value: i for i, lv in enumerate(levels)}
    given: dict[Decimal, AnchorInput] = {}
    for anchor in anchors:
        level = _number(anchor.level, "anchors", errors)
        if level is None or level not in position:
            _add(errors, "anchors", _("An anchor names a level that is not on the default scale."))
        elif level in given:
            _add(errors, "anchors", _("Each level has one anchor."))
        else:
            given[level] = anchor
    new_anchors: list[CompetencyAnchor] = []
    for i, lv in enumerate(levels):
        typed = given.get(lv.value)
        key = f"anchors.{i}"
        text = _text(
            typed.text if typed else "",
            f"{key}.text",
            errors,
            limit=TEXT_LIMIT,
            required=_("Describe the behaviour at this level (in Chinese at least)."),
        )
        text_en = _text(typed.text_en if typed else "", f"{key}.text_en", errors, limit=TEXT_LIMIT)
        new_anchors.append(CompetencyAnchor(level=lv.value, text=text, text_en=text_en))
    _raise_if(errors)

    before = competency_facts(competency) if competency is not None else None
    if competency is None:
        competency = Competency(version=1)
    else:
        _bump(competency, version, _("competency"))
    competency.name, competency.name_en = clean_name, clean_name_en
    competency.description, competency.description_en = clean_description, clean_description_en
    competency.value = value
    competency.active = bool(active)
    competency.save()
    CompetencyAnchor.objects.filter(competency=competency).delete()
    for row in new_anchors:
        row.competency = competency
    CompetencyAnchor.objects.bulk_create(new_anchors)
    after = {
        "name": competency.name,
        "name_en": competency.name_en,
        "description": competency.description,
        "description_en": competency.description_en,
        "value": competency.value_id,
        "active": competency.active,
        "anchors": {_plain(a.level): {"text": a.text, "text_en": a.text_en} for a in new_anchors},
    }
    _record_save(actor, competency, "competency", before, after)
    return competency


# ---- competency models ---------------------------------------------------------------------------


def competency_model_facts(model: CompetencyModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "name_en": model.name_en,
        "job_family": model.job_family,
        "job_levels": list(model.job_levels),
        "items": [
            {"competency": item.competency_id, "weight": _plain(item.weight)}
            for item in sorted(model.items.all(), key=lambda i: (i.order, i.pk))
        ],
    }


@transaction.atomic
def competency_model_save(
    *,
    actor: Any,
    model: CompetencyModel | None = None,
    name: str,
    name_en: str = "",
    job_family: str = "",
    job_levels: Sequence[str] = (),
    items: Sequence[ModelItemInput],
    version: int | None = None,
) -> CompetencyModel:
    """Create or change a competency model: the competencies rated, in order and weighted, for a job family and levels.

    An empty family or empty levels match everyone; two models may not cover exactly the same jobs.
    """
    _require(actor)
    if model is not None:
        _check_version(model, version, _("competency model"))
    errors: Errors = {}
    clean_name, clean_name_en = _names(
        CompetencyModel,
        name,
        name_en,
        errors,
        current=model,
        required=_("Give the model a name."),
        taken=_("Another competency model already has this name."),
    )
    family = _text(job_family, "job_family", errors, limit=60)
    levels = sorted({lv.strip() for lv in job_levels if lv and lv.strip()})
    if any(len(lv) > 16 for lv in levels):
        _add(errors, "job_levels", _("A job level has at most 16 characters."))
    current_ids = {item.competency_id for item in model.items.all()} if model is not None else set()
    new_items: list[CompetencyModelItem] = []
    seen: set[int] = set()
    for i, item in enumerate(items):
        key = f"items.{i}"
        weight = _number(item.weight, f"{key}.weight", errors, limit=ITEM_WEIGHT_LIMIT)
        if weight is None and f"{key}.weight" not in errors:
            _add(errors, f"{key}.weight", _("Enter a weight."))
        elif weight is not None and weight <= 0:
            _add(errors, f"{key}.weight", _("Enter a weight above 0."))
        competency = item.competency
        if competency is None:
            _add(errors, f"{key}.competency", _("Pick a competency."))
            continue
        if competency.pk in seen:
            _add(errors, f"{key}.competency", _("This competency is already in the model."))
        elif not competency.active and competency.pk not in current_ids:
            _add(errors, f"{key}.competency", _("This competency is inactive; make it active first or pick another."))
        seen.add(competency.pk)
        if weight is not None:
            new_items.append(CompetencyModelItem(competency=competency, weight=weight, order=i))
    if not items:
        _add(errors, "items", _("Add at least one competency."))
    if "name" not in errors:
        same_jobs = CompetencyModel.objects.filter(job_family=family).only("name", "job_levels")
        if model is not None:
            same_jobs = same_jobs.exclude(pk=model.pk)
        twin = next((m for m in same_jobs if sorted(m.job_levels) == levels), None)
        if twin is not None:
            _add(
                errors,
                "job_family",
                _("The model “%(name)s” already covers this job family and these levels.") % {"name": twin.name},
            )
    _raise_if(errors)

    before = competency_model_facts(model) if model is not None else None
    if model is None:
        model = CompetencyModel(version=1)
    else:
        _bump(model, version, _("competency model"))
    model.name, model.name_en, model.job_family, model.job_levels = clean_name, clean_name_en, family, levels
    model.save()
    CompetencyModelItem.objects.filter(model=model).delete()
    for row in new_items:
        row.model = model
    CompetencyModelItem.objects.bulk_create(new_items)
    after = {
        "name": model.name,
        "name_en": model.name_en,
        "job_family": model.job_family,
        "job_levels": list(model.job_levels),
        "items": [{"competency": row.competency_id, "weight": _plain(row.weight)} for row in new_items],
    }
    _record_save(actor, model, "competency_model", before, after)
    return model


# ---- review templates ----------------------------------------------------------------------------


def _section_facts(
    kind: str,
    title: str,
    title_en: str,
    weight: Decimal,
    required: bool,
    model_id: int | None,
    questions: Sequence[tuple[str, str, bool]],
    feedback: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": title,
        "title_en": title_en,
        "weight": _plain(weight),
        "required": required,
        "competency_model": model_id,
        "questions": [{"text": t, "text_en": t_en, "required": r} for t, t_en, r in questions],
        **(feedback or {}),
    }


def _feedback_facts(section: TemplateSection, groups: Sequence[TemplateGroup]) -> dict[str, Any] | None:
    """What the audit keeps of a 360° section beyond the common fields: its groups and peer limits."""
    if section.kind != SectionKind.FEEDBACK:
        return None
    return {
        "groups": [{"kind": g.kind, "weight": _plain(g.weight)} for g in groups],
        "peer_min": section.peer_min,
        "peer_max": section.peer_max,
    }


def template_facts(template: ReviewTemplate) -> dict[str, Any]:
    """What an audit record keeps of a template: its fields and sections with their questions."""
    return {
        "name": template.name,
        "name_en": template.name_en,
        "description": template.description,
        "scale": template.scale_id,
        "self_weight": template.self_weight,
        "overall_comment_required": template.overall_comment_required,
        "archived": template.archived,
        "sections": [
            _section_facts(
                s.kind,
                s.title,
                s.title_en,
                s.weight,
                s.required,
                s.competency_model_id,
                [(q.text, q.text_en, q.required) for q in s.questions.all()],
                _feedback_facts(s, list(s.groups.all()) if s.kind == SectionKind.FEEDBACK else []),
            )
            for s in template.sections.all()
        ],
    }


@dataclass
class _CleanSection:
    row: TemplateSection
    questions: list[TemplateQuestion]
    groups: list[TemplateGroup] = field(default_factory=list)


def _whole(value: object, key: str, errors: Errors, *, low: int, high: int) -> int | None:
    """A whole number from low to high as typed; None (and an error) otherwise."""
    message = _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    number = _number(value, key, errors)
    if key in errors:
        return None
    if number is None or number != number.to_integral_value() or not low <= number <= high:
        _add(errors, key, message)
        return None
    return int(number)


def _clean_feedback(section: SectionInput, key: str, errors: Errors) -> tuple[list[TemplateGroup], int, int]:
    """A 360° section's rater groups (each once, weights totalling 100) and peer limits (decision 0009).

    Self and manager may weigh 0: their ratings are then shown beside the others for comparison only.
    Peers, direct reports and customers answer anonymously and must count; at least one of them is needed,
    or the section would be a second self and manager review.
    """
    groups: list[TemplateGroup] = []
    seen: set[str] = set()
    total = Decimal(0)
    complete = True
    for j, group in enumerate(section.groups):
        gkey = f"{key}.groups.{j}"
        if group.kind not in FeedbackGroup.values:
            _add(errors, f"{gkey}.kind", _("Pick a rater group."))
            complete = False
            continue
        if group.kind in seen:
            _add(errors, f"{gkey}.kind", _("This rater group is already in the section."))
            complete = False
            continue
        seen.add(group.kind)
        weight = _number(group.weight, f"{gkey}.weight", errors)
        if weight is None or not 0 <= weight <= HUNDRED:
            if f"{gkey}.weight" not in errors:
                _add(errors, f"{gkey}.weight", _("Enter a weight from 0 to 100."))
            complete = False
            continue
        if weight == 0 and group.kind in ANONYMOUS_GROUPS:
            _add(
                errors,
                f"{gkey}.weight",
                _("Give this group a weight above 0; only self and manager may have 0 (shown for comparison)."),
            )
            complete = False
            continue
        total += weight
        groups.append(TemplateGroup(kind=group.kind, weight=weight))
    if not section.groups:
        _add(errors, f"{key}.groups", _("Pick who gives feedback in this section."))
    elif complete and not any(g.kind in ANONYMOUS_GROUPS for g in groups):
        _add(
            errors,
            f"{key}.groups",
            _("Add peers, direct reports or customers: a 360° section is there for their anonymous feedback."),
        )
    elif complete and total != HUNDRED:
        _add(
            errors,
            f"{key}.groups",
            _("The group weights add up to %(total)s; they must add up to 100.") % {"total": _plain(total)},
        )
    low, high = DEFAULT_PEERS
    if FeedbackGroup.PEER in seen:
        fewest = _whole(section.peer_min, f"{key}.peer_min", errors, low=1, high=PEER_LIMIT)
        most = _whole(section.peer_max, f"{key}.peer_max", errors, low=1, high=PEER_LIMIT)
        if fewest is not None and most is not None and fewest > most:
            _add(
                errors,
                f"{key}.peer_max",
                _("The most peers cannot be fewer than the fewest (%(low)s).") % {"low": fewest},
            )
        low, high = fewest or low, most or high
    return groups, low, high


def _clean_sections(sections: Sequence[SectionInput], errors: Errors) -> list[_CleanSection]:
    cleaned: list[_CleanSection] = []
    kinds = set(SectionKind.values)
    total = Decimal(0)
    once: set[str] = set()
    models_exist: bool | None = None
    for i, section in enumerate(sections):
        key = f"sections.{i}"
        kind = section.kind if section.kind in kinds else ""
        if not kind:
            _add(errors, f"{key}.kind", _("Pick what the section rates."))
        title = _text(section.title, f"{key}.title", errors, limit=100, required=_("Give the section a title."))
        title_en = _text(section.title_en, f"{key}.title_en", errors, limit=100)
        weight = _number(section.weight, f"{key}.weight", errors)
        if weight is None and f"{key}.weight" not in errors:
            weight = Decimal(0) if kind == SectionKind.QUESTIONS else None
            if weight is None:
                _add(errors, f"{key}.weight", _("Enter a weight from 1 to 100."))
        if weight is not None:
            if kind == SectionKind.QUESTIONS and weight != 0:
                _add(errors, f"{key}.weight", _("Open questions are not scored; give this section weight 0."))
            elif kind and kind != SectionKind.QUESTIONS and not (0 < weight <= HUNDRED):
                _add(errors, f"{key}.weight", _("Enter a weight from 1 to 100."))
            elif kind != SectionKind.QUESTIONS:
                total += weight
        if kind in (SectionKind.KPI, SectionKind.GOALS, SectionKind.FEEDBACK):
            if kind in once:
                _add(errors, f"{key}.kind", _("A template has one section of this kind at most."))
            once.add(kind)
        model = section.competency_model
        rates_competencies = kind in (SectionKind.COMPETENCIES, SectionKind.FEEDBACK)
        if rates_competencies and model is None:
            if models_exist is None:
                models_exist = CompetencyModel.objects.exists()
            if not models_exist:
                _add(
                    errors,
                    f"{key}.competency_model",
                    _("Rating “by job” needs at least one competency model; create one first."),
                )
        if not rates_competencies:
            model = None
        questions: list[TemplateQuestion] = []
        if kind in (SectionKind.QUESTIONS, SectionKind.FEEDBACK):
            # A 360° section may ask its raters questions too; an open-question section must.
            if kind == SectionKind.QUESTIONS and not section.questions:
                _add(errors, f"{key}.questions", _("Add at least one question."))
            for j, question in enumerate(section.questions):
                qkey = f"{key}.questions.{j}"
                text = _text(question.text, f"{qkey}.text", errors, limit=300, required=_("Write the question."))
                text_en = _text(question.text_en, f"{qkey}.text_en", errors, limit=300)
                questions.append(
                    TemplateQuestion(text=text, text_en=text_en, required=bool(question.required), order=j)
                )
        elif section.questions:
            _add(errors, f"{key}.questions", _("Only open-question and 360° feedback sections have questions."))
        groups: list[TemplateGroup] = []
        peer_min, peer_max = DEFAULT_PEERS
        if kind == SectionKind.FEEDBACK:
            groups, peer_min, peer_max = _clean_feedback(section, key, errors)
        elif section.groups:
            _add(errors, f"{key}.groups", _("Only 360° feedback sections have rater groups."))
        cleaned.append(
            _CleanSection(
                TemplateSection(
                    kind=kind,
                    title=title,
                    title_en=title_en,
                    weight=weight if weight is not None else Decimal(0),
                    required=bool(section.required),
                    competency_model=model,
                    peer_min=peer_min,
                    peer_max=peer_max,
                    order=i,
                ),
                questions,
                groups,
            )
        )
    if not sections:
        _add(errors, "sections", _("Add at least one section."))
    elif not any(f"sections.{i}.weight" in errors for i in range(len(sections))) and total != HUNDRED:
        _add(
            errors,
            "weights",
            _("The weights of the scored sections add up to %(total)s; they must add up to 100.")
            % {"total": _plain(total)},
        )
    return cleaned


@transaction.atomic
def review_template_save(
    *,
    actor: Any,
    template: ReviewTemplate | None = None,
    name: str,
    name_en: str = "",
    description: str = "",
    scale: RatingScale | None,
    self_weight: object = 0,
    overall_comment_required: bool = True,
    sections: Sequence[SectionInput],
    version: int | None = None,
) -> ReviewTemplate:
    """Create or change a review template: its scale, self-rating weight and weighted sections (summing to 100).

    Cycles already launched keep the copy they took at launch; drafts take the template as it is when they launch.
    """
    _require(actor)
    if template is not None:
        _check_version(template, version, _("review template"))
    errors: Errors = {}
    clean_name, clean_name_en = _names(
        ReviewTemplate,
        name,
        name_en,
        errors,
        current=template,
        required=_("Give the template a name."),
        taken=_("Another template already has this name."),
    )
    clean_description = _text(description, "description", errors, limit=TEXT_LIMIT)
    if scale is None:
        _add(errors, "scale", _("Pick a rating scale."))
    elif not scale.levels.exists() or not scale.bands.exists():
        _add(errors, "scale", _("This scale has no levels or bands yet."))
    weight = _number(self_weight, "self_weight", errors)
    if weight is None and "self_weight" not in errors:
        weight = Decimal(0)
    if weight is not None and (weight != weight.to_integral_value() or not 0 <= weight <= HUNDRED):
        _add(errors, "self_weight", _("Enter a whole number from 0 to 100."))
    cleaned = _clean_sections(sections, errors)
    _raise_if(errors)
    assert scale is not None and weight is not None

    before = template_facts(template) if template is not None else None
    if template is None:
        template = ReviewTemplate(created_by=actor, version=1)
    else:
        _bump(template, version, _("review template"))
    template.name, template.name_en, template.description = clean_name, clean_name_en, clean_description
    template.scale = scale
    template.self_weight = int(weight)
    template.overall_comment_required = bool(overall_comment_required)
    template.save()
    TemplateSection.objects.filter(template=template).delete()
    for entry in cleaned:
        entry.row.template = template
        entry.row.save()
        for question in entry.questions:
            question.section = entry.row
        TemplateQuestion.objects.bulk_create(entry.questions)
        for group in entry.groups:
            group.section = entry.row
        TemplateGroup.objects.bulk_create(entry.groups)
    after = {
        "name": template.name,
        "name_en": template.name_en,
        "description": template.description,
        "scale": template.scale_id,
        "self_weight": template.self_weight,
        "overall_comment_required": template.overall_comment_required,
        "archived": template.archived,
        "sections": [
            _section_facts(
                e.row.kind,
                e.row.title,
                e.row.title_en,
                e.row.weight,
                e.row.required,
                e.row.competency_model_id,
                [(q.text, q.text_en, q.required) for q in e.questions],
                _feedback_facts(e.row, e.groups),
            )
            for e in cleaned
        ],
    }
    _record_save(actor, template, "review_template", before, after)
    return template


@transaction.atomic
def template_archive(
    *, actor: Any, template: ReviewTemplate, archived: bool = True, version: int | None
) -> ReviewTemplate:
    """Archive a template (no new cycle may use it; launched cycles go on) or bring it back."""
    _require(actor)
    _check_version(template, version, _("review template"))
    if template.archived == archived:
        return template
    _bump(template, version, _("review template"))
    template.archived = archived
    template.save(update_fields=["archived", "updated_at"])
    record_event(
        actor=actor,
        action="review_template.archive" if archived else "review_template.restore",
        target=template,
        before={"archived": not archived},
        after={"archived": archived},
    )
    return template
