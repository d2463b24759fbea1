"""Forms of the 1:1 pages: they parse input; services_meetings decides and its refusals show beside the field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OneOnOne


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a colleague"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("Name, pinyin or employee number"),
            }
        ),
    )


class StartForm(forms.Form):
    """Start a 1:1 with a colleague picked from the search."""

    other = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    cadence = forms.ChoiceField(
        label=_("How often"),
        choices=OneOnOne.Cadence.choices,
        initial=OneOnOne.Cadence.BIWEEKLY,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


class ScheduleForm(forms.Form):
    held_on = forms.DateField(
        label=_("Next meeting"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
    )


class AgendaForm(forms.Form):
    text = forms.CharField(
        label=_("Topic"),
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("What do you want to talk about?")}),
        error_messages={"required": _("Write the topic first.")},
    )
    objective = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    feedback = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class AgendaChangeForm(forms.Form):
    """Tick a topic discussed (or not), move it up or down, or remove it."""

    op = forms.ChoiceField(choices=[("discussed", ""), ("open", ""), ("up", ""), ("down", ""), ("remove", "")])


class NotesForm(forms.Form):
    text = forms.CharField(required=False, max_length=20_000, strip=False)
    version = forms.IntegerField(min_value=0)


class ActionForm(forms.Form):
    text = forms.CharField(
        label=_("What to do"),
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("What will be done?")}),
        error_messages={"required": _("Write the action first.")},
    )
    owner = forms.TypedChoiceField(
        label=_("Who does it"), coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )
    due_on = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )

    def __init__(self, *args: object, people: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner"].choices = people  # type: ignore[attr-defined]


class ActionChangeForm(forms.Form):
    op = forms.ChoiceField(choices=[("done", ""), ("reopen", "")])
