"""Forms of the appeal pages. They read and bound what people type; the rules live in services.py, whose
refusals come back beside the field they name (`reason`, `files`, `owner`, `band`, `correction:s1`, …)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jixiao.core.errors import DomainError

from .files import ACCEPT
from .models import Appeal
from .selectors import Candidate, SectionRow
from .services import MAX_OUTCOME, MAX_REASON, MAX_RESPONSE

S = Appeal.State


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class AppealForm(forms.Form):
    """Why the employee appeals; the files come from request.FILES (checked by the service)."""

    reason = forms.CharField(
        label=_("Why do you appeal this result?"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "form-control", "maxlength": MAX_REASON}),
        help_text=_(
            "Say what you think is wrong and why: a missing achievement, a score that does not match what "
            "happened, a rating outside the template's rules. Facts and examples help most."
        ),
    )
    accept = ACCEPT


class RespondForm(VersionForm):
    response = forms.CharField(
        label=_("Your response"),
        max_length=MAX_RESPONSE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control", "maxlength": MAX_RESPONSE}),
        help_text=_(
            "HR reads your response before deciding. The employee sees that you responded, not what you wrote."
        ),
    )


class ReassignForm(VersionForm):
    """Whom to hand the appeal to: the list offers eligible people only; the service checks whatever is posted."""

    owner = forms.IntegerField(label=_("Hand to"), required=False, widget=forms.Select)

    def __init__(self, *args: Any, candidates: Sequence[Candidate] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["owner"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", "—")] + [
            (c.user_id, f"{c.name} · {c.open_count}" if c.open_count else c.name) for c in candidates
        ]
        widget.attrs["class"] = "form-select form-select-sm"


class DecideForm(VersionForm):
    """The decision, the outcome the employee reads and, for a changed result, a new band and/or section scores."""

    outcome_state = forms.ChoiceField(
        label=pgettext_lazy("appeal", "Decision"),
        choices=[
            (S.UPHELD, pgettext_lazy("appeal decision", "The result stands (upheld)")),
            (S.CHANGED, pgettext_lazy("appeal decision", "Change the result")),
            (S.REJECTED, pgettext_lazy("appeal decision", "Not accepted")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    outcome = forms.CharField(
        label=_("Outcome the employee reads"),
        max_length=MAX_OUTCOME,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-control", "maxlength": MAX_OUTCOME}),
        help_text=_(
            "Explain the decision in plain words. For a changed result this is also the reason shown on her review."
        ),
    )
    band = forms.ChoiceField(label=_("New rating"), required=False)

    def __init__(
        self, *args: Any, sections: Sequence[SectionRow] = (), bands: Sequence[Any] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        band = self.fields["band"]
        assert isinstance(band, forms.ChoiceField)
        band.choices = [("", _("Keep the rating the score gives"))] + [(b.code, f"{b.code} {b.label}") for b in bands]
        band.widget.attrs["class"] = "form-select"
        self.sections = list(sections)
        for s in self.sections:
            self.fields[self.correction_field(s.key)] = forms.DecimalField(
                label=s.title,
                required=False,
                max_digits=5,
                decimal_places=2,
                widget=forms.NumberInput(
                    attrs={"class": "form-control form-control-sm", "step": "0.01", "inputmode": "decimal"}
                ),
            )

    @staticmethod
    def correction_field(key: str) -> str:
        return f"correction_{key}"

    def section_rows(self) -> list[tuple[SectionRow, forms.BoundField]]:
        return [(s, self[self.correction_field(s.key)]) for s in self.sections]

    def corrections(self) -> dict[str, Decimal]:
        found: dict[str, Decimal] = {}
        for s in self.sections:
            value = self.cleaned_data.get(self.correction_field(s.key))
            if value is not None:
                found[s.key] = value
        return found


def add_domain_errors(form: forms.Form, error: DomainError, *, skip: Sequence[str] = ()) -> None:
    """A service's refusal beside the fields it names ("correction:s1" → correction_s1), the rest on top."""
    for name, messages in error.fields.items():
        if name in skip:
            continue
        target = name.replace("correction:", "correction_")
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
    if not error.fields:
        form.add_error(None, str(error.message))
