"""Forms of the pages that choose 360 raters: nominate a peer, approve or remove, invite a customer, import.

Forms parse and show errors; services_feedback and services_nominations decide, and their refusals come
back beside the field they name ("rater", "email", "name").
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jixiao.goals.forms_kpi import DomainErrorsMixin
from jixiao.org.imports import megabytes


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


class PickForm(forms.Form):
    """A colleague picked from the search: her id (the view loads her, active people only)."""

    rater = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", _("Approve")), ("remove", _("Remove"))))


class CustomerForm(DomainErrorsMixin, forms.Form):
    """An external customer asked for feedback by email."""

    name = forms.CharField(label=_("Customer's name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    language = forms.ChoiceField(
        label=_("Language of the email"),
        choices=(),
        help_text=_("The invitation and the answer page are in this language."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, label) for code, label in settings.LANGUAGES]
        current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
        codes = [code for code, _label in settings.LANGUAGES]
        field.initial = next((code for code in codes if code.split("-")[0] == current), codes[0])


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        help_text=_("Two columns: the reviewee's employee number and the rater's. One row per peer."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.JIXIAO_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                % {"size": megabytes(upload.size), "limit": megabytes(limit)}
            )
        return upload
