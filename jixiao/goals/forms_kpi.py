"""Forms of the KPI pages: library, business areas, targets (one and in bulk), actuals by hand and by file.

Forms parse and show errors; the rules live in services_kpi, whose refusals come back beside the fields
they name (`add_domain_errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jixiao.org.models import Department, Employee
from jixiao.org.selectors import department_name

from .models import BusinessArea, Indicator, KeyResult, Period
from .selectors_kpi import area_name, indicator_name, period_name
from .services import PeopleFilter
from .services_kpi import IndicatorInput

NUMBER_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class DomainErrorsMixin:
    """Bootstrap classes on the widgets, and a service's refusal shown beside the fields it names."""

    field_names: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        form: Any = self
        for field in form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.HiddenInput):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        form: Any = self
        for name in form.errors:
            if name in form.fields:
                attrs = form.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"

    def add_domain_errors(self, fields: dict[str, list[str]], message: str) -> None:
        form: Any = self
        placed = False
        for key, errors in fields.items():
            name = self.field_names.get(key, key)
            for error in errors:
                if name in form.fields:
                    form.add_error(name, error)
                    placed = True
                else:
                    form.add_error(None, error)
        if not placed:
            form.add_error(None, message)
        self._mark_invalid()


def _number(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=20,
        decimal_places=4,
        help_text=help_text,
        widget=forms.TextInput(attrs=NUMBER_ATTRS),
    )


class AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: BusinessArea) -> str:
        return area_name(obj)


class IndicatorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.code} · {indicator_name(obj)}"


class PeriodChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Period) -> str:
        return period_name(obj)


class DepartmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return "\u2003" * obj.depth + department_name(obj)


# ---- library ------------------------------------------------------------------------------------


class BusinessAreaForm(DomainErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    position = forms.IntegerField(
        label=pgettext_lazy("sort order", "Position"), min_value=0, max_value=1000, initial=0, required=False
    )


class IndicatorForm(DomainErrorsMixin, forms.Form):
    area = AreaChoice(label=_("Business area"), queryset=BusinessArea.objects.none())
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Short and unique, as import files name the KPI, e.g. SALES-01."),
    )
    name = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    unit = forms.ChoiceField(label=pgettext_lazy("key result", "Unit"), choices=KeyResult.Unit.choices)
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=KeyResult.Direction.choices,
        help_text=_("Whether a higher or a lower value is better. Fixed once targets use the KPI."),
    )
    aggregation = forms.ChoiceField(
        label=_("How actuals add up"),
        choices=Indicator.Aggregation.choices,
        help_text=_("Over a period: the latest value (a level), the sum (a flow such as revenue) or the average."),
    )
    definition = forms.CharField(
        label=_("Definition"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    data_source = forms.CharField(label=_("Data source"), max_length=200, required=False)
    active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, help_text=_("Inactive KPIs cannot be given as new targets.")
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        assert isinstance(field, AreaChoice)
        field.queryset = BusinessArea.objects.order_by("position", "pk")

    @classmethod
    def initial_for(cls, indicator: Indicator) -> dict[str, Any]:
        return {
            "area": indicator.area_id,
            "code": indicator.code,
            "name": indicator.name,
            "name_en": indicator.name_en,
            "unit": indicator.unit,
            "direction": indicator.direction,
            "aggregation": indicator.aggregation,
            "definition": indicator.definition,
            "data_source": indicator.data_source,
            "active": indicator.active,
        }

    def indicator_input(self) -> IndicatorInput:
        data = self.cleaned_data
        return IndicatorInput(
            area_id=data["area"].pk,
            code=data["code"],
            name=data["name"],
            name_en=data["name_en"],
            unit=data["unit"],
            direction=data["direction"],
            aggregation=data["aggregation"],
            definition=data["definition"],
            data_source=data["data_source"],
            active=data["active"],
        )


# ---- targets ------------------------------------------------------------------------------------


class TargetValuesForm(DomainErrorsMixin, forms.Form):
    baseline = _number(_("Baseline"), help_text=_("Where the KPI stands at the start of the period."))
    target = _number(_("Target"), help_text=_("The value that counts as 100% attainment."))
    stretch = _number(
        _("Stretch"), required=False, help_text=_("Optional: the value that earns the highest attainment (the cap).")
    )
    weight = _number(_("Weight"), required=False, help_text=_("0 to 100; a person's KPI weights add up to 100."))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "baseline": data["baseline"],
            "stretch": data["stretch"],
            "weight": data["weight"] if data["weight"] is not None else Decimal(0),
        }


class KPITargetForm(TargetValuesForm):
    """One target for one person (by employee number) or one department."""

    OWNER_CHOICES = (("person", _("A person")), ("department", _("A department")))

    indicator = IndicatorChoice(label=_("KPI"), queryset=Indicator.objects.none())
    period = PeriodChoice(label=_("Period"), queryset=Period.objects.none())
    owner = forms.ChoiceField(label=_("Whose KPI"), choices=OWNER_CHOICES, widget=forms.RadioSelect, initial="person")
    employee_number = forms.CharField(label=_("Employee number"), max_length=32, required=False)
    department = DepartmentChoice(label=_("Department"), queryset=Department.objects.none(), required=False)
    field_names = {"owner": "employee_number"}

    field_order = [
        "indicator",
        "period",
        "owner",
        "employee_number",
        "department",
        "baseline",
        "target",
        "stretch",
        "weight",
    ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.employee: Employee | None = None
        indicator = self.fields["indicator"]
        period = self.fields["period"]
        department = self.fields["department"]
        assert isinstance(indicator, IndicatorChoice)
        assert isinstance(period, PeriodChoice)
        assert isinstance(department, DepartmentChoice)
        indicator.queryset = Indicator.objects.filter(active=True).order_by("area__position", "area_id", "code")
        period.queryset = Period.objects.order_by("-start", "end", "pk")
        department.queryset = Department.objects.visible_to(user).order_by("path")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("owner") == "department":
            if data.get("department") is None:
                self.add_error("department", _("Choose a department."))
        else:
            number = (data.get("employee_number") or "").strip()
            if not number:
                self.add_error("employee_number", _("Enter the person's employee number."))
            else:
                self.employee = (
                    Employee.objects.visible_to(self.user)
                    .select_related("department")
                    .filter(employee_number=number)
                    .first()
                )
                if self.employee is None:
                    self.add_error("employee_number", _("Nobody with employee number %(number)s.") % {"number": number})
        return data

    def add_domain_errors(self, fields: dict[str, list[str]], message: str) -> None:
        if self.cleaned_data.get("owner") == "department":
            self.field_names = {"owner": "department"}
        super().add_domain_errors(fields, message)

    def owner_kwargs(self) -> dict[str, Any]:
        if self.cleaned_data["owner"] == "department":
            return {"department": self.cleaned_data["department"], "employee": None}
        return {"employee": self.employee, "department": None}


class KPITargetEditForm(TargetValuesForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, target: Any) -> dict[str, Any]:
        return {
            "baseline": target.baseline.normalize(),
            "target": target.target.normalize(),
            "stretch": None if target.stretch is None else target.stretch.normalize(),
            "weight": target.weight.normalize(),
            "version": target.version,
        }


class PeopleFilterForm(DomainErrorsMixin, forms.Form):
    """Who a bulk assignment reaches; the same filters as goal templates."""

    department = forms.TypedChoiceField(
        label=_("Department (with its sub-departments)"), coerce=int, required=False, empty_value=None
    )
    title = forms.CharField(label=_("Title contains"), max_length=100, required=False)
    levels = forms.MultipleChoiceField(
        label=_("Job levels"), required=False, widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: all.")
    )

    def __init__(self, *args: Any, departments: Sequence[Department] = (), levels: Sequence[str] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        assert isinstance(department, forms.TypedChoiceField)
        department.choices = [("", _("Everyone I may assign to"))] + [
            (d.pk, "\u2003" * d.depth + department_name(d)) for d in departments
        ]
        level_field = self.fields["levels"]
        assert isinstance(level_field, forms.MultipleChoiceField)
        level_field.choices = [(level, level) for level in levels]

    def people_filter(self) -> PeopleFilter:
        data = self.cleaned_data
        return PeopleFilter(
            department_id=data.get("department"),
            title=(data.get("title") or "").strip(),
            levels=tuple(data.get("levels") or ()),
        )


class KPIAssignForm(TargetValuesForm, PeopleFilterForm):
    indicator = IndicatorChoice(label=_("KPI"), queryset=Indicator.objects.none())
    period = PeriodChoice(label=_("Period"), queryset=Period.objects.none())

    field_order = ["indicator", "period", "department", "title", "levels", "baseline", "target", "stretch", "weight"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        indicator = self.fields["indicator"]
        period = self.fields["period"]
        assert isinstance(indicator, IndicatorChoice)
        assert isinstance(period, PeriodChoice)
        indicator.queryset = Indicator.objects.filter(active=True).order_by("area__position", "area_id", "code")
        period.queryset = Period.objects.order_by("-start", "end", "pk")


# ---- actuals ------------------------------------------------------------------------------------


class ActualForm(DomainErrorsMixin, forms.Form):
    measured_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    value = _number(_("Actual"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, period: Period | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if period is not None and not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("measured_on", min(max(today, period.start), period.end))
            widget = self.fields["measured_on"].widget
            widget.attrs.update(min=period.start.isoformat(), max=period.end.isoformat())


class ActualsImportForm(DomainErrorsMixin, forms.Form):
    period = PeriodChoice(
        label=_("Period"),
        queryset=Period.objects.none(),
        error_messages={"required": _("Choose the period the actuals belong to.")},
    )
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        error_messages={"required": _("Choose a CSV or XLSX file to import.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        period = self.fields["period"]
        assert isinstance(period, PeriodChoice)
        period.queryset = Period.objects.order_by("-start", "end", "pk")
