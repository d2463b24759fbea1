"""Forms of the personal and team goal pages: objectives with key results, check-ins, goal plan actions.

Forms check shapes (a number is a number, a choice is a choice); the services check the rules and raise
DomainErrors whose field names ("title", "key_results.2.target") `add_domain_errors` puts back beside
the right input, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Confidence, KeyResult, Objective, Visibility
from .services import KeyResultInput, ObjectiveInput

MAX_KEY_RESULTS = 20


def plain(value: Decimal | None) -> str:
    """A stored decimal as a person types it: 100 not 100.0000 (nor 1E+2)."""
    return "" if value is None else format(value.normalize(), "f")


def _style(form: forms.Form) -> None:
    """Bootstrap classes on every widget (errors are marked by Django's aria-invalid, styled in goals.css)."""
    for bound in form.fields.values():
        widget = bound.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = css


def _number(label: Any, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=20,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )


class ObjectiveForm(forms.Form):
    """An objective's own fields; key results come in KeyResultFormSet beside it."""

    title = forms.CharField(label=pgettext_lazy("objective", "Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What does done look like? Who benefits?"),
    )
    weight = forms.DecimalField(
        label=_("Weight"),
        min_value=0,
        max_value=100,
        max_digits=7,
        decimal_places=2,
        initial=0,
        help_text=_("Share of your goals for the period, in %; the weights of a person's goals add up to 100."),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        help_text=_("Private goals are seen only by the owner, her management chain and HR."),
    )
    # An <input type="date"> speaks ISO whatever the language (zh-Hans would otherwise render 2027/12/31).
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    parent = forms.TypedChoiceField(label=_("Aligned to"), required=False, coerce=int, empty_value=None)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("These goals are approved; the reason is kept with the change."),
    )

    def __init__(
        self,
        *args: Any,
        parent_choices: Sequence[tuple[str, Sequence[tuple[int, str]]]] = (),
        company: bool = False,
        needs_reason: bool = False,
        person: bool = True,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.TypedChoiceField)
        parent.choices = [("", _("Not aligned")), *[(group, list(choices)) for group, choices in parent_choices]]
        if company:
            visibility = self.fields["visibility"]
            assert isinstance(visibility, forms.ChoiceField)
            visibility.choices = [(Visibility.PUBLIC.value, Visibility.PUBLIC.label)]
            visibility.help_text = _("Company objectives are always public.")
        if not person:
            self.fields["weight"].help_text = _("Optional for company and department goals.")
        if not needs_reason:
            del self.fields["reason"]
        _style(self)

    @classmethod
    def initial_for(cls, objective: Objective) -> dict[str, Any]:
        return {
            "title": objective.title,
            "description": objective.description,
            "weight": plain(objective.weight),
            "visibility": objective.visibility,
            "due_date": objective.due_date,
            "parent": objective.parent_id,
            "version": objective.version,
        }

    def objective_input(self, key_results: list[KeyResultInput]) -> ObjectiveInput:
        data = self.cleaned_data
        return ObjectiveInput(
            title=data["title"],
            description=data["description"],
            weight=data["weight"] if data["weight"] is not None else Decimal(0),
            visibility=data["visibility"],
            due_date=data["due_date"],
            parent_id=data["parent"],
            key_results=key_results,
        )


class KeyResultForm(forms.Form):
    """One key result row; `id` names an existing key result when editing."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Key result"), max_length=200)
    unit = forms.ChoiceField(
        label=pgettext_lazy("key result", "Unit"), choices=KeyResult.Unit.choices, initial=KeyResult.Unit.NUMBER
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=KeyResult.Direction.choices, initial=KeyResult.Direction.INCREASE
    )
    start = _number(_("Baseline"))
    target = _number(_("Target"))
    stretch = _number(_("Stretch"))
    weight = forms.DecimalField(
        label=_("Weight"), required=False, min_value=0, max_digits=7, decimal_places=2, initial=1
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _style(self)

    def key_result_input(self) -> KeyResultInput:
        data = self.cleaned_data
        return KeyResultInput(
            id=data.get("id"),
            title=data["title"],
            unit=data["unit"],
            direction=data["direction"],
            start=data["start"] if data["start"] is not None else 0,
            target=data["target"],
            stretch=data["stretch"],
            weight=data["weight"] if data["weight"] is not None else 1,
        )


KeyResultFormSet = formset_factory(
    KeyResultForm, extra=0, can_delete=True, max_num=MAX_KEY_RESULTS, validate_max=True, absolute_max=MAX_KEY_RESULTS
)
KEY_RESULTS_PREFIX = "kr"


def key_result_initial(key_results: Sequence[KeyResult]) -> list[dict[str, Any]]:
    return [
        {
            "id": kr.pk,
            "title": kr.title,
            "unit": kr.unit,
            "direction": kr.direction,
            "start": plain(kr.start),
            "target": plain(kr.target),
            "stretch": plain(kr.stretch),
            "weight": plain(kr.weight),
        }
        for kr in key_results
    ]


def kept_key_result_forms(formset: Any) -> list[KeyResultForm]:
    """The rows that become key results, in order: not marked for removal and not left blank."""
    kept = []
    for form in formset.forms:
        if formset.can_delete and formset._should_delete_form(form):
            continue
        if form.empty_permitted and not form.has_changed():
            continue
        kept.append(form)
    return kept


def add_domain_errors(
    form: forms.Form, key_result_forms: Sequence[forms.Form], fields: dict[str, list[str]], message: str
) -> None:
    """Show a service's refusal beside the inputs it names ("key_results.1.target" → second row's target)."""
    form.add_error(None, message)
    for key, errors in fields.items():
        target: forms.Form = form
        name: str | None = key
        if key.startswith("key_results."):
            _prefix, index, name = [*key.split(".", 2), "", ""][:3]
            if index.isdigit() and int(index) < len(key_result_forms):
                target = key_result_forms[int(index)]
            else:
                name = None
        if name is not None and name not in target.fields:
            name = None
        for error in errors:
            if name is None and target is form and error == message:
                continue
            target.add_error(name, error)


class CheckInForm(forms.Form):
    """A progress update on one key result."""

    value = forms.DecimalField(
        label=_("New value"), max_digits=20, decimal_places=4, widget=forms.NumberInput(attrs={"step": "any"})
    )
    confidence = forms.ChoiceField(
        label=_("Confidence"), choices=Confidence.choices, initial=Confidence.ON_TRACK, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, key_result: KeyResult, **kwargs: Any):
        kwargs.setdefault("prefix", f"kr{key_result.pk}")
        kwargs.setdefault(
            "initial",
            {"value": plain(key_result.current), "confidence": key_result.confidence or Confidence.ON_TRACK},
        )
        super().__init__(*args, **kwargs)
        self.key_result = key_result
        if key_result.unit == KeyResult.Unit.MILESTONE:
            self.fields["value"] = forms.TypedChoiceField(
                label=_("Milestone"),
                choices=[("0", _("Not done yet")), ("1", _("Done"))],
                coerce=Decimal,
            )
        _style(self)


class PlanActionForm(forms.Form):
    """Submit, approve or return a goal plan; returning needs a comment."""

    ACTIONS = ("submit", "approve", "return")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    comment = forms.CharField(
        label=_("Comment for the employee"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _style(self)
