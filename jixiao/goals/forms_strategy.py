"""Forms of the company-level goal pages: strategy, values, periods, goal settings, templates, bulk assignment.

Forms parse and show errors; the services decide. A service's refusal comes back as a DomainError whose
per-field messages land beside the fields they name (key-result rows as "key_results.<index>.<field>").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import KeyResult, Period
from .selectors_tree import period_label
from .services import KeyResultInput, PeopleFilter

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={**TEXT, "rows": rows})


class DomainErrorsMixin:
    """Show a service's refusal: its message on top, its field messages beside the fields."""

    field_names: Mapping[str, str] = {}

    def add_domain_errors(self, fields: Mapping[str, Sequence[str]], message: str) -> None:
        form: Any = self
        form.add_error(None, message)
        for key, errors in fields.items():
            name = self.field_names.get(key, key)
            for error in errors:
                form.add_error(name if name in form.fields else None, error)


# ---- strategy and values ---------------------------------------------------------------------------


class StrategyForm(DomainErrorsMixin, forms.Form):
    """Vision and mission in both languages; `version` comes back so a concurrent save is refused."""

    vision = forms.CharField(label=gettext_lazy("Vision (Chinese)"), required=False, widget=_text(3))
    vision_en = forms.CharField(label=gettext_lazy("Vision (English)"), required=False, widget=_text(3))
    mission = forms.CharField(label=gettext_lazy("Mission (Chinese)"), required=False, widget=_text(3))
    mission_en = forms.CharField(label=gettext_lazy("Mission (English)"), required=False, widget=_text(3))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CompanyValueForm(DomainErrorsMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    name_en = forms.CharField(
        label=gettext_lazy("Name (English)"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    description = forms.CharField(
        label=gettext_lazy("What it means in daily work (Chinese)"), required=False, widget=_text(3)
    )
    description_en = forms.CharField(
        label=gettext_lazy("What it means in daily work (English)"), required=False, widget=_text(3)
    )
    position = forms.IntegerField(
        label=gettext_lazy("Order"),
        min_value=0,
        max_value=999,
        initial=0,
        help_text=gettext_lazy("Values are listed from the lowest number up."),
        widget=forms.NumberInput(attrs=TEXT),
    )
    active = forms.BooleanField(
        label=gettext_lazy("Shown to everyone"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Untick to retire a value without losing its history."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


# ---- periods ---------------------------------------------------------------------------------------


class PeriodChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Period) -> str:
        dates = f"{obj.start:%Y-%m-%d} – {obj.end:%Y-%m-%d}"
        return f"{period_label(obj)} ({dates})"


class PeriodForm(DomainErrorsMixin, forms.Form):
    """A new period; nested ones must lie inside their parent (the service checks)."""

    name = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    name_en = forms.CharField(
        label=gettext_lazy("Name (English)"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Period.Kind.choices, widget=forms.Select(attrs=SELECT))
    start = forms.DateField(label=gettext_lazy("Start date"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    end = forms.DateField(label=gettext_lazy("End date"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    parent = PeriodChoice(
        label=gettext_lazy("Within"),
        queryset=Period.objects.none(),
        required=False,
        empty_label=gettext_lazy("— none (a top-level period) —"),
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: Any, periods: Sequence[Period] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        assert isinstance(field, PeriodChoice)
        field.queryset = Period.objects.order_by("start", "-end", "pk")
        if periods:
            # The choices come from the list the page already read, not another query.
            field.choices = [("", field.empty_label or ""), *((p.pk, field.label_from_instance(p)) for p in periods)]


# ---- goal settings ---------------------------------------------------------------------------------

PERCENT = Decimal(100)


def _percent_text(value: Decimal | str) -> str:
    number = Decimal(str(value)) * PERCENT
    return f"{number.normalize():f}"


@dataclass
class ThresholdRow:
    index: int
    threshold: str = ""
    rating: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


class GoalSettingsForm(DomainErrorsMixin, forms.Form):
    """The cap, SMART and the attainment → rating table, entered in percent (120 for 1.2)."""

    progress_cap = forms.CharField(
        label=gettext_lazy("Progress cap (%)"),
        help_text=gettext_lazy("How far past the target progress and attainment may count; 120 means 120%."),
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "decimal"}),
    )
    require_smart = forms.BooleanField(
        label=gettext_lazy("Require SMART goals before approval"),
        required=False,
        help_text=gettext_lazy("Goals missing a SMART element cannot be submitted for approval."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    attainment_floor = forms.IntegerField(
        label=gettext_lazy("Rating below every threshold"),
        min_value=1,
        max_value=100,
        widget=forms.NumberInput(attrs=TEXT),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    field_names = {"cap": "progress_cap", "floor": "attainment_floor"}
    ROW = re.compile(r"^(threshold|rating)_(\d{1,2})$")
    EXTRA_ROWS = 2

    def __init__(self, *args: Any, table: Sequence[Sequence[Any]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.table_errors: list[str] = []
        self.table: list[tuple[Decimal, int]] = []
        if self.is_bound:
            indices = sorted({int(m.group(2)) for key in self.data if (m := self.ROW.match(key))})
            self.rows = [
                ThresholdRow(
                    i,
                    str(self.data.get(f"threshold_{i}", "")).strip(),
                    str(self.data.get(f"rating_{i}", "")).strip(),
                )
                for i in indices
            ]
        else:
            self.rows = [ThresholdRow(i, _percent_text(t), str(r)) for i, (t, r) in enumerate(table)]
            start = len(self.rows)
            self.rows += [ThresholdRow(start + i) for i in range(self.EXTRA_ROWS)]

    @classmethod
    def initial_for(cls, row: Any) -> dict[str, Any]:
        return {
            "progress_cap": _percent_text(row.progress_cap),
            "require_smart": row.require_smart,
            "attainment_floor": row.attainment_floor,
            "version": row.version,
        }

    def _number(self, text: str) -> Decimal | None:
        try:
            value = Decimal(text.replace(",", "").replace("%", "").strip())
        except InvalidOperation:
            return None
        return value if value.is_finite() and abs(value) < Decimal("1e9") else None

    def clean_progress_cap(self) -> Decimal:
        value = self._number(self.cleaned_data["progress_cap"])
        if value is None:
            raise forms.ValidationError(_("Enter a number."))
        return value / PERCENT

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        table: list[tuple[Decimal, int]] = []
        for row in self.rows:
            if not row.threshold and not row.rating:
                continue
            threshold = self._number(row.threshold) if row.threshold else None
            if not row.threshold:
                row.errors.setdefault("threshold", []).append(_("Enter a threshold for this rating."))
            elif threshold is None:
                row.errors.setdefault("threshold", []).append(_("Enter a number."))
            elif threshold < 0:
                row.errors.setdefault("threshold", []).append(_("Enter 0 or more."))
            rating = None
            if not row.rating:
                row.errors.setdefault("rating", []).append(_("Enter the rating this threshold earns."))
            elif not row.rating.isdigit() or not 1 <= int(row.rating) <= 100:
                row.errors.setdefault("rating", []).append(_("Enter a whole number from 1 to 100."))
            else:
                rating = int(row.rating)
            if threshold is not None and threshold >= 0 and rating is not None:
                table.append((threshold / PERCENT, rating))
        if any(row.errors for row in self.rows):
            self.add_error(None, _("Please correct the marked rows of the table."))
        self.table = table
        return data

    def add_table_error(self, message: str) -> None:
        self.table_errors.append(message)
        self.add_error(None, message)


# ---- goal templates --------------------------------------------------------------------------------

KR_FIELDS = ("title", "unit", "direction", "start", "target", "stretch", "weight")


@dataclass
class KeyResultRow:
    index: int
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not any(self.values.get(name, "").strip() for name in ("title", "start", "target", "stretch"))


class GoalTemplateForm(DomainErrorsMixin, forms.Form):
    """A template's objective fields; its key results come as numbered rows (kr-<i>-<field>)."""

    title = forms.CharField(label=gettext_lazy("Objective"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    description = forms.CharField(label=gettext_lazy("Description"), required=False, widget=_text(3))
    weight = forms.CharField(
        label=gettext_lazy("Weight"),
        required=False,
        help_text=gettext_lazy("Its share of each person's goals for the period, from 0 to 100."),
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "decimal"}),
    )

    ROW = re.compile(r"^kr-(\d{1,2})-(\w+)$")
    EXTRA_ROWS = 1

    def __init__(self, *args: Any, key_results: Sequence[Mapping[str, Any]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.row_map: list[int] = []  # index in the service's list → row index on the page
        if self.is_bound:
            indices = sorted({int(m.group(1)) for key in self.data if (m := self.ROW.match(key))})
            self.rows = [
                KeyResultRow(i, {name: str(self.data.get(f"kr-{i}-{name}", "")).strip() for name in KR_FIELDS})
                for i in indices
            ]
        else:
            self.rows = [
                KeyResultRow(
                    i,
                    {
                        name: ("" if kr.get(name) is None else plain_number(kr.get(name)))
                        if name in ("start", "target", "stretch", "weight")
                        else str(kr.get(name) or "")
                        for name in KR_FIELDS
                    },
                )
                for i, kr in enumerate(key_results)
            ]
            start = len(self.rows)
            self.rows += [
                KeyResultRow(start + i, {"unit": KeyResult.Unit.NUMBER, "direction": KeyResult.Direction.INCREASE})
                for i in range(self.EXTRA_ROWS if self.rows else 2)
            ]
        self.units = KeyResult.Unit.choices
        self.directions = KeyResult.Direction.choices

    def key_result_inputs(self) -> list[KeyResultInput]:
        """The rows that have anything in them, in page order, as the service takes them."""
        inputs = []
        self.row_map = []
        for row in self.rows:
            if row.blank:
                continue
            v = row.values
            self.row_map.append(row.index)
            inputs.append(
                KeyResultInput(
                    title=v.get("title", ""),
                    unit=v.get("unit") or KeyResult.Unit.NUMBER,
                    direction=v.get("direction") or KeyResult.Direction.INCREASE,
                    start=v.get("start") or 0,
                    target=v.get("target", ""),
                    stretch=v.get("stretch") or None,
                    weight=v.get("weight") or 1,
                )
            )
        return inputs

    def add_domain_errors(self, fields: Mapping[str, Sequence[str]], message: str) -> None:
        self.add_error(None, message)
        by_index = {row.index: row for row in self.rows}
        for key, errors in fields.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "key_results" and parts[1].isdigit():
                position = int(parts[1])
                if position < len(self.row_map):
                    by_index[self.row_map[position]].errors.setdefault(parts[2], []).extend(errors)
                    continue
            for error in errors:
                self.add_error(key if key in self.fields else None, error)


def plain_number(value: Any) -> str:
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except InvalidOperation:
        return str(value)


# ---- bulk assignment -------------------------------------------------------------------------------


class AssignForm(DomainErrorsMixin, forms.Form):
    """Who gets a template's goal: a period, a department subtree, a title, job levels, and what it aligns to."""

    period = forms.TypedChoiceField(
        label=gettext_lazy("Period"), coerce=int, choices=(), widget=forms.Select(attrs=SELECT)
    )
    department = forms.TypedChoiceField(
        label=gettext_lazy("Department (with sub-departments)"),
        coerce=int,
        choices=(),
        required=False,
        empty_value=None,
        widget=forms.Select(attrs=SELECT),
    )
    title = forms.CharField(
        label=gettext_lazy("Job title contains"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": gettext_lazy("e.g. Sales representative")}),
    )
    levels = forms.MultipleChoiceField(
        label=gettext_lazy("Job levels"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    parent = forms.TypedChoiceField(
        label=gettext_lazy("Aligned to"),
        coerce=int,
        choices=(),
        required=False,
        empty_value=None,
        help_text=gettext_lazy("A company or department objective the new goals support; optional."),
        widget=forms.Select(attrs=SELECT),
    )

    field_names = {"department_id": "department", "parent_id": "parent"}

    def __init__(
        self,
        *args: Any,
        periods: Sequence[tuple[int, str]],
        departments: Sequence[tuple[int, str]],
        levels: Sequence[str],
        parents: Sequence[tuple[int, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = list(periods)  # type: ignore[attr-defined]
        self.fields["department"].choices = [("", _("Everyone I may assign to")), *departments]  # type: ignore[attr-defined]
        self.fields["levels"].choices = [(level, level) for level in levels]  # type: ignore[attr-defined]
        self.fields["parent"].choices = [("", _("— not aligned —")), *parents]  # type: ignore[attr-defined]

    def people_filter(self) -> PeopleFilter:
        data = self.cleaned_data
        return PeopleFilter(
            department_id=data.get("department"),
            title=(data.get("title") or "").strip(),
            levels=tuple(data.get("levels") or ()),
        )
