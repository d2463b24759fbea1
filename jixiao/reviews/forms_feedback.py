"""Forms of the 360 rater's pages: the feedback form (peers, reports, customers) and declining a request.

Like the review form (forms.EvaluationForm), the feedback form's fields come from the cycle's frozen
snapshot: it reads `rating:<section>:<competency>` (a scale value or "na", not able to judge),
`answer:<section>:<question>` and `version` into the answers services_feedback.feedback_save takes. The
service checks the rules; its field errors go back beside the item, and what was typed is shown again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import breakdown as bd
from .forms import MAX_TEXT
from .models import Evaluation

MAX_REASON = 2000


def _version(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


class FeedbackForm:
    """A 360 rater's answers, read from a POST or from her saved draft."""

    def __init__(self, evaluation: Evaluation, data: Mapping[str, Any] | None = None) -> None:
        self.evaluation = evaluation
        self.bound = data is not None
        if data is None:
            saved = evaluation.answers or {}
            self.answers: dict[str, Any] = {
                "ratings": dict(saved.get("ratings") or {}),
                "answers": dict(saved.get("answers") or {}),
            }
            self.version = evaluation.version
        else:
            self.answers = self._read(data)
            self.version = _version(data.get("version", ""))
        self.errors: dict[str, list[str]] = {}

    def _read(self, data: Mapping[str, Any]) -> dict[str, Any]:
        review = self.evaluation.review
        ratings: dict[str, str] = {}
        texts: dict[str, str] = {}
        for section_key, item_key, _required in bd.rated_items(
            review.cycle.snapshot, review.competency_model, self.evaluation.kind
        ):
            field = f"{section_key}:{item_key}"
            if item_key.startswith("c"):
                rating = str(data.get(f"rating:{field}", "")).strip()[:16]
                if rating:
                    ratings[field] = rating
            else:
                answer = str(data.get(f"answer:{field}", ""))
                if answer.strip():
                    texts[field] = answer[:MAX_TEXT]
        return {"ratings": ratings, "answers": texts}

    def submission(self) -> dict[str, Any]:
        """Keyword arguments for services_feedback.feedback_save (besides actor, evaluation, submit, token)."""
        return {"answers": self.answers, "version": self.version}

    def add_domain_errors(self, fields: Mapping[str, list[str]]) -> None:
        for name, errors in fields.items():
            self.errors.setdefault(name, []).extend(str(e) for e in errors)


class DeclineForm(forms.Form):
    """A peer or report declines a request for feedback, saying why (her manager reads the reason)."""

    reason = forms.CharField(
        label=_("Why you decline"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_(
            "The reviewee's manager and HR read this, so they can ask someone else. The reviewee does not see it."
        ),
        error_messages={"required": _("Say why you decline.")},
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason", "")).strip()
        if not reason:
            raise forms.ValidationError(_("Say why you decline."))
        return reason
