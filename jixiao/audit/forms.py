"""The audit log's filters, validated so a bad date says so in the reader's language."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import EventFilters


class EventFilterForm(forms.Form):
    action = forms.CharField(required=False, max_length=64, label=_("Action"))
    actor = forms.CharField(required=False, max_length=150, label=_("Who"))
    target_type = forms.CharField(required=False, max_length=64, label=_("Object type"))
    date_from = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> EventFilters:
        """The valid filters; a field with an error is left out rather than guessed."""
        data = (
            self.cleaned_data
            if self.is_valid()
            else {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        )
        return EventFilters(
            action=(data.get("action") or "").strip(),
            actor=(data.get("actor") or "").strip(),
            target_type=(data.get("target_type") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
