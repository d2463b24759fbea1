"""Forms of the review configuration pages: rating scales, competencies, competency models, review templates.

Forms parse and show errors; services_config decides. Table rows come as numbered inputs
(`lv-<i>-value`, `band-<i>-code`, `item-<i>-weight`, `s-<i>-kind`, `s-<i>-q-<j>-text`, and for a 360° section
`s-<i>-g_peer` / `s-<i>-gw_peer` / `s-<i>-peer_min`) read in the order
the page sends them, so rows added, removed or moved by the page's script need no renumbering. A service's
refusal lands beside the field or row it names ("levels.2.value" → the third level row sent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy

from .models import (
    Competency,
    CompetencyModel,
    FeedbackGroup,
    RatingScale,
    ReviewTemplate,
    ScaleLevel,
    SectionKind,
)
from .services_config import (
    AnchorInput,
    BandInput,
    GroupInput,
    LevelInput,
    ModelItemInput,
    QuestionInput,
    SectionInput,
)

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
CHECK = {"class": "form-check-input"}
BY_JOB = "job"


def _area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={**TEXT, "rows": rows})


def plain(value: Any) -> str:
    """3.00 → "3": numbers as people write them."""
    if value is None or value == "":
        return ""
    try:
        text = f"{Decimal(str(value)).normalize():f}"
    except InvalidOperation:
        return str(value)
    return "0" if text == "-0" else text


@dataclass
class Row:
    """One table row as typed, with its errors; `children` are a section's questions, `meta` what the page needs."""

    index: int
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    children: list[Row] = field(default_factory=list)
    meta: Any = None

    def blank(self, names: Sequence[str]) -> bool:
        return not any(self.values.get(name, "").strip() for name in names)

    @property
    def invalid(self) -> bool:
        return bool(self.errors) or any(child.errors for child in self.children)


def _indices(data: Mapping[str, Any], pattern: re.Pattern[str]) -> list[int]:
    """Row numbers in the order the page sent them (the order of the rows on the page)."""
    seen: dict[int, None] = {}
    for key in data:
        match = pattern.match(key)
        if match:
            seen.setdefault(int(match.group(1)), None)
    return list(seen)


def _read_rows(data: Mapping[str, Any], prefix: str, names: Sequence[str]) -> list[Row]:
    pattern = re.compile(rf"^{prefix}-(\d{{1,3}})-[a-z_]+$")
    return [
        Row(i, {name: str(data.get(f"{prefix}-{i}-{name}", "")).strip() for name in names})
        for i in _indices(data, pattern)
    ]


class ConfigForm(forms.Form):
    """Show a service's refusal: its message on top, field messages beside fields, row messages in rows."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    field_names: Mapping[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Rows given to the service, by list name, in the order given: positions in its error keys.
        self.sent: dict[str, list[Row]] = {}
        # Messages about a whole table ("levels", "bands", "weights" …), shown above or below it.
        self.table_errors: dict[str, list[str]] = {}

    def add_domain_errors(self, fields: Mapping[str, Sequence[str]], message: str) -> None:
        self.add_error(None, message)
        for key, messages in fields.items():
            parts = key.split(".")
            rows = self.sent.get(parts[0])
            if rows is not None and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                row = rows[int(parts[1])]
                if len(parts) == 5 and parts[2] == "groups" and parts[3].isdigit():
                    # A 360° section's groups were sent as a list; show each error in its group's row.
                    kinds = row.meta.get("groups_sent", []) if isinstance(row.meta, dict) else []
                    name = f"group_{kinds[int(parts[3])]}" if int(parts[3]) < len(kinds) else "groups"
                    row.errors.setdefault(name, []).extend(messages)
                    continue
                if len(parts) == 5 and parts[2] == "questions" and parts[3].isdigit():
                    children = row.meta.get("sent", []) if isinstance(row.meta, dict) else []
                    if int(parts[3]) < len(children):
                        children[int(parts[3])].errors.setdefault(parts[4], []).extend(messages)
                        continue
                row.errors.setdefault(parts[2], []).extend(messages)
                continue
            name = self.field_names.get(parts[0], parts[0])
            if name in self.fields and name != "version":
                for error in messages:
                    self.add_error(name, error)
            else:
                self.table_errors.setdefault(parts[0], []).extend(messages)


# ---- rating scales -------------------------------------------------------------------------------

LEVEL_FIELDS = ("value", "label", "label_en", "description", "description_en")
BAND_FIELDS = ("code", "label", "label_en", "threshold")


class ScaleForm(ConfigForm):
    name = forms.CharField(
        label=gettext_lazy("Name (Chinese)"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    name_en = forms.CharField(
        label=gettext_lazy("Name (English)"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )

    def __init__(self, *args: Any, scale: RatingScale | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.levels = _read_rows(self.data, "lv", LEVEL_FIELDS)
            self.bands = _read_rows(self.data, "band", BAND_FIELDS)
            return
        if scale is not None:
            levels = sorted(scale.levels.all(), key=lambda lv: lv.value)
            bands = sorted(scale.bands.all(), key=lambda b: b.threshold, reverse=True)
        else:
            levels, bands = [], []
        self.levels = [
            Row(i, {"value": plain(lv.value), **{n: getattr(lv, n) for n in LEVEL_FIELDS[1:]}})
            for i, lv in enumerate(levels)
        ]
        self.bands = [
            Row(i, {"code": b.code, "label": b.label, "label_en": b.label_en, "threshold": plain(b.threshold)})
            for i, b in enumerate(bands)
        ]

    def level_inputs(self) -> list[LevelInput]:
        rows = [row for row in self.levels if not row.blank(LEVEL_FIELDS)]
        self.sent["levels"] = rows
        return [LevelInput(**row.values) for row in rows]

    def band_inputs(self) -> list[BandInput]:
        rows = [row for row in self.bands if not row.blank(BAND_FIELDS)]
        self.sent["bands"] = rows
        return [
            BandInput(
                code=row.values["code"],
                label=row.values["label"],
                label_en=row.values["label_en"],
                threshold=row.values["threshold"],
            )
            for row in rows
        ]


# ---- competencies --------------------------------------------------------------------------------


class CompetencyForm(ConfigForm):
    name = forms.CharField(
        label=gettext_lazy("Name (Chinese)"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    name_en = forms.CharField(
        label=gettext_lazy("Name (English)"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    description = forms.CharField(label=gettext_lazy("What it means (Chinese)"), required=False, widget=_area(2))
    description_en = forms.CharField(label=gettext_lazy("What it means (English)"), required=False, widget=_area(2))
    value = forms.TypedChoiceField(
        label=gettext_lazy("Stands for the company value"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=(),
        help_text=gettext_lazy("Optional: values double as competencies, so people are rated on living them."),
        widget=forms.Select(attrs=SELECT),
    )
    active = forms.BooleanField(
        label=pgettext_lazy("competency", "Active"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Inactive competencies stay in existing models but cannot be added to new ones."),
        widget=forms.CheckboxInput(attrs=CHECK),
    )

    def __init__(
        self,
        *args: Any,
        levels: Sequence[ScaleLevel],
        values: Sequence[Any],
        competency: Competency | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["value"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("— none —")),
            *((v.pk, v.name_en if v.name_en and _english() else v.name) for v in values),
        ]
        anchors = {a.level: a for a in competency.anchors.all()} if competency is not None else {}
        self.anchors = []
        for i, level in enumerate(levels):
            if self.is_bound:
                values_ = {n: str(self.data.get(f"anchor-{i}-{n}", "")).strip() for n in ("text", "text_en")}
            else:
                anchor = anchors.get(level.value)
                values_ = {"text": anchor.text if anchor else "", "text_en": anchor.text_en if anchor else ""}
            self.anchors.append(Row(i, values_, meta=level))

    def anchor_inputs(self) -> list[AnchorInput]:
        self.sent["anchors"] = self.anchors
        return [AnchorInput(level=row.meta.value, **row.values) for row in self.anchors]


def _english() -> bool:
    return (get_language() or "").startswith("en")


# ---- competency models ---------------------------------------------------------------------------

ITEM_FIELDS = ("competency", "weight")


class CompetencyModelForm(ConfigForm):
    name = forms.CharField(
        label=gettext_lazy("Name (Chinese)"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    name_en = forms.CharField(
        label=gettext_lazy("Name (English)"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    job_family = forms.CharField(
        label=gettext_lazy("Job family"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Leave empty to match every job family."),
        widget=forms.TextInput(attrs={**TEXT, "list": "rcfg-families", "autocomplete": "off"}),
    )
    job_levels = forms.MultipleChoiceField(
        label=gettext_lazy("Job levels"),
        required=False,
        choices=(),
        help_text=gettext_lazy("Tick none to match every level."),
        widget=forms.CheckboxSelectMultiple(attrs=CHECK),
    )

    def __init__(
        self,
        *args: Any,
        levels: Sequence[str],
        model: CompetencyModel | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        known = sorted({*levels, *(model.job_levels if model else [])})
        if self.is_bound:
            known = sorted({*known, *self.data.getlist("job_levels")})  # type: ignore[attr-defined]
        self.fields["job_levels"].choices = [(lv, lv) for lv in known]  # type: ignore[attr-defined]
        if self.is_bound:
            self.items = _read_rows(self.data, "item", ITEM_FIELDS)
        else:
            self.items = [
                Row(i, {"competency": str(item.competency_id), "weight": plain(item.weight)})
                for i, item in enumerate(model.items.all() if model else [])
            ] or [Row(0, {"competency": "", "weight": "1"})]

    def item_inputs(self, competencies: Mapping[int, Competency]) -> list[ModelItemInput]:
        rows = [row for row in self.items if not row.blank(("competency",))]
        self.sent["items"] = rows
        inputs = []
        for row in rows:
            raw = row.values["competency"]
            competency = competencies.get(int(raw)) if raw.isdigit() else None
            inputs.append(ModelItemInput(competency=competency, weight=row.values["weight"] or "1"))
        return inputs


# ---- review templates ----------------------------------------------------------------------------

GROUP_KINDS = tuple(FeedbackGroup.values)
# A 360° section's settings: peer limits, and per rater group whether it is used (g_peer) and its weight (gw_peer).
FEEDBACK_FIELDS = ("peer_min", "peer_max", *(f"g_{k}" for k in GROUP_KINDS), *(f"gw_{k}" for k in GROUP_KINDS))
SECTION_FIELDS = ("kind", "title", "title_en", "weight", "required", "model", *FEEDBACK_FIELDS)
QUESTION_FIELDS = ("text", "text_en", "required")
# What a new 360° section starts with: self for comparison, peers and direct reports counting.
FEEDBACK_DEFAULTS = {
    "peer_min": "3",
    "peer_max": "8",
    "g_self": "on",
    "gw_self": "0",
    "gw_manager": "0",
    "g_peer": "on",
    "gw_peer": "60",
    "g_upward": "on",
    "gw_upward": "40",
}
GROUP_HINTS = {
    FeedbackGroup.SELF: gettext_lazy("The reviewee's own ratings. Weight 0: shown beside the others only."),
    FeedbackGroup.MANAGER: gettext_lazy("The manager's ratings. Weight 0: shown beside the others only."),
    FeedbackGroup.PEER: gettext_lazy("Colleagues the reviewee nominates and her manager approves. Anonymous."),
    FeedbackGroup.UPWARD: gettext_lazy("The reviewee's direct reports, asked automatically. Anonymous."),
    FeedbackGroup.CUSTOMER: gettext_lazy("People outside the company, invited by email. Anonymous."),
}


@dataclass
class GroupRow:
    """One rater group of a 360° section as the page shows it."""

    kind: str
    label: str
    hint: str
    used: bool
    weight: str
    errors: list[str]


def group_rows(values: Mapping[str, str], errors: Mapping[str, list[str]] | None = None) -> list[GroupRow]:
    return [
        GroupRow(
            kind=kind,
            label=str(FeedbackGroup(kind).label),
            hint=str(GROUP_HINTS[FeedbackGroup(kind)]),
            used=bool(values.get(f"g_{kind}")),
            weight=values.get(f"gw_{kind}", ""),
            errors=list((errors or {}).get(f"group_{kind}", [])),
        )
        for kind in GROUP_KINDS
    ]


class TemplateForm(ConfigForm):
    name = forms.CharField(
        label=gettext_lazy("Name (Chinese)"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    name_en = forms.CharField(
        label=gettext_lazy("Name (English)"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        help_text=gettext_lazy("Who the template is for and when to use it; HR reads this when creating a cycle."),
        widget=_area(2),
    )
    scale = forms.TypedChoiceField(
        label=gettext_lazy("Rating scale"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=(),
        widget=forms.Select(attrs=SELECT),
    )
    self_weight = forms.CharField(
        label=gettext_lazy("Weight of the self rating (%)"),
        required=False,
        help_text=gettext_lazy("From 0 (the manager's rating alone counts) to 100; 20 means self 20 and manager 80."),
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric"}),
    )
    overall_comment_required = forms.BooleanField(
        label=gettext_lazy("An overall comment is required"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs=CHECK),
    )

    def __init__(
        self,
        *args: Any,
        scales: Sequence[RatingScale],
        template: ReviewTemplate | None = None,
        starter: Sequence[dict[str, Any]] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["scale"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("— pick a scale —")),
            *((s.pk, s.name_en if s.name_en and _english() else s.name) for s in scales),
        ]
        if self.is_bound:
            self.sections = _read_rows(self.data, "s", SECTION_FIELDS)
            for row in self.sections:
                row.children = _read_rows(self.data, f"s-{row.index}-q", QUESTION_FIELDS)
                row.meta = {"next_question": max((c.index for c in row.children), default=-1) + 1}
            return
        source: list[dict[str, Any]] = []
        if template is not None:
            for s in template.sections.all():
                feedback: dict[str, str] = dict(FEEDBACK_DEFAULTS)
                if s.kind == SectionKind.FEEDBACK:
                    feedback = {"peer_min": str(s.peer_min), "peer_max": str(s.peer_max)}
                    for g in s.groups.all():
                        feedback[f"g_{g.kind}"], feedback[f"gw_{g.kind}"] = "on", plain(g.weight)
                source.append(
                    {
                        "kind": s.kind,
                        "title": s.title,
                        "title_en": s.title_en,
                        "weight": plain(s.weight),
                        "required": "on" if s.required else "",
                        "model": str(s.competency_model_id) if s.competency_model_id else BY_JOB,
                        "questions": [
                            {"text": q.text, "text_en": q.text_en, "required": "on" if q.required else ""}
                            for q in s.questions.all()
                        ],
                        **feedback,
                    }
                )
        else:
            source = list(starter)
        self.sections = []
        for i, entry in enumerate(source):
            entry = {**FEEDBACK_DEFAULTS, **entry} if entry.get("kind") != SectionKind.FEEDBACK else entry
            row = Row(i, {name: str(entry.get(name, "")) for name in SECTION_FIELDS})
            row.children = [
                Row(j, {name: str(q.get(name, "")) for name in QUESTION_FIELDS})
                for j, q in enumerate(entry.get("questions", []))
            ]
            row.meta = {"next_question": len(row.children)}
            self.sections.append(row)

    @property
    def blank_groups(self) -> list[GroupRow]:
        """The rater groups of a section added on the page: a common 360° layout to start from."""
        return group_rows(FEEDBACK_DEFAULTS)

    @property
    def section_rows(self) -> list[tuple[Row, list[GroupRow]]]:
        """Each section with its rater groups, read when the page renders (after any refusal was added)."""
        return [(row, group_rows(row.values, row.errors)) for row in self.sections]

    @property
    def scored_total(self) -> str:
        """The sum of the scored sections' weights as the page shows them, before any script runs."""
        total = Decimal(0)
        for row in self.sections:
            if row.values.get("kind") == SectionKind.QUESTIONS:
                continue
            try:
                total += Decimal(row.values.get("weight", "").replace(",", "") or 0)
            except InvalidOperation:
                continue
        return plain(total)

    def section_inputs(self, models: Mapping[int, CompetencyModel]) -> list[SectionInput]:
        rows = []
        inputs = []
        for row in self.sections:
            # Questions belong to open-question and 360° sections only; rows left from another kind are ignored.
            kind = row.values.get("kind")
            has_questions = kind in (SectionKind.QUESTIONS, SectionKind.FEEDBACK)
            questions = [q for q in row.children if has_questions and not q.blank(("text", "text_en"))]
            if row.blank(("title", "title_en", "weight")) and not questions:
                continue
            rows.append(row)
            # Rater groups are sent for a 360° section only: the ticked ones, in the page's order.
            groups = [k for k in GROUP_KINDS if kind == SectionKind.FEEDBACK and row.values.get(f"g_{k}")]
            row.meta = {**(row.meta or {}), "sent": questions, "groups_sent": groups}
            raw_model = row.values.get("model", "")
            inputs.append(
                SectionInput(
                    kind=row.values.get("kind", ""),
                    title=row.values.get("title", ""),
                    title_en=row.values.get("title_en", ""),
                    weight=row.values.get("weight", ""),
                    required=bool(row.values.get("required")),
                    competency_model=models.get(int(raw_model)) if raw_model.isdigit() else None,
                    questions=tuple(
                        QuestionInput(
                            text=q.values["text"], text_en=q.values["text_en"], required=bool(q.values["required"])
                        )
                        for q in questions
                    ),
                    groups=tuple(GroupInput(kind=k, weight=row.values.get(f"gw_{k}", "")) for k in groups),
                    peer_min=row.values.get("peer_min", ""),
                    peer_max=row.values.get("peer_max", ""),
                )
            )
        self.sent["sections"] = rows
        return inputs
