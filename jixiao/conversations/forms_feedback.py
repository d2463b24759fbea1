"""Forms of the continuous feedback pages: give (or answer), ask for feedback, decline a request.

Forms check shapes; services_feedback checks the rules, and its refusals come back beside the field they name
("recipient", "text", "visibility", "objective", "raters", "topic", "reason"), so nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jixiao.goals.models import CompanyValue, Objective
from jixiao.goals.selectors_kpi import localised
from jixiao.org.models import Employee

from .models import Feedback

KIND_HELP: dict[str, Any] = {
    Feedback.Kind.PRAISE: _("Something she did well that you want her to keep doing."),
    Feedback.Kind.SUGGESTION: _("Something she could do differently next time."),
}
VISIBILITY_HELP: dict[str, Any] = {
    Feedback.Visibility.PRIVATE: _("Only she reads it (and you)."),
    Feedback.Visibility.MANAGER: _("She and her manager read it. Useful for reviews."),
    Feedback.Visibility.PUBLIC: _("Shown on the praise wall to everyone in the company. Praise only."),
}


class GiveForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Feedback.Kind.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Your feedback"),
        max_length=5000,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "class": "form-control",
                "placeholder": _("Be specific: what happened, and what difference it made."),
            }
        ),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it"), choices=Feedback.Visibility.choices, widget=forms.RadioSelect
    )
    values = forms.MultipleChoiceField(
        label=_("Company values it shows"), required=False, widget=forms.CheckboxSelectMultiple
    )
    objective = forms.ChoiceField(label=_("About one of her objectives"), required=False)

    def __init__(self, *args: Any, values: list[CompanyValue], objectives: list[Objective], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"kind": Feedback.Kind.PRAISE, "visibility": Feedback.Visibility.PRIVATE})
        super().__init__(*args, **kwargs)
        self.value_rows = values
        self.objective_rows = {o.pk: o for o in objectives}
        self.fields["values"].choices = [(str(v.pk), localised(v.name, v.name_en)) for v in values]  # type: ignore[attr-defined]
        self.fields["objective"].choices = [  # type: ignore[attr-defined]
            ("", _("None")),
            *[(str(o.pk), f"{o.title} · {localised(o.period.name, o.period.name_en)}") for o in objectives],
        ]
        self.fields["objective"].widget.attrs["class"] = "form-select"
        self.kind_help = [(value, label, KIND_HELP[value]) for value, label in Feedback.Kind.choices]
        self.visibility_help = [(value, label, VISIBILITY_HELP[value]) for value, label in Feedback.Visibility.choices]

    def chosen_objective(self) -> Objective | None:
        raw = self.cleaned_data.get("objective")
        return self.objective_rows.get(int(raw)) if raw else None

    def chosen_values(self) -> list[int]:
        return [int(v) for v in self.cleaned_data.get("values", [])]


class RequestForm(forms.Form):
    subject = forms.ChoiceField(label=pgettext_lazy("feedback request", "About"))
    topic = forms.CharField(
        label=_("What would you like feedback on?"),
        max_length=300,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": _("For example: my presentation at the sales kick-off")}
        ),
    )
    due_on = forms.DateField(
        label=_("Answer by (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def __init__(self, *args: Any, subjects: list[Employee], me_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subject_rows = {e.pk: e for e in subjects}
        self.fields["subject"].choices = [  # type: ignore[attr-defined]
            (str(e.pk), _("Me") if e.pk == me_id else e.name) for e in sorted(subjects, key=lambda e: e.pk != me_id)
        ]
        self.fields["subject"].widget.attrs["class"] = "form-select"

    def chosen_subject(self) -> Employee | None:
        raw = self.cleaned_data.get("subject")
        return self.subject_rows.get(int(raw)) if raw else None


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "class": "form-control",
                "placeholder": _("For example: we have not worked together on this."),
            }
        ),
    )
