"""Forms of the pages people write and read reviews on: the review form, acknowledgement, skip-level approval.

The review form's fields come from the cycle's frozen snapshot, so it is not a Django Form: it reads
the posted values into the answers shape services.evaluation_save takes (`rating:s3:c7`, `comment:s3:c7`,
`answer:s5:q9`, `override_score:s1`, `override_reason:s1`, `overall`, `private_note`, `version`). The
services check the rules; their DomainError fields ("s3:c7", "overall", "override:s1") go back beside
the right item, and everything posted is shown again, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import breakdown as bd
from .models import Evaluation, EvaluationKind

MAX_TEXT = 8000


def _version(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


class EvaluationForm:
    """A rater's answers, read from a POST or from the saved draft."""

    def __init__(self, evaluation: Evaluation, data: Mapping[str, Any] | None = None) -> None:
        self.evaluation = evaluation
        self.is_manager = evaluation.kind == EvaluationKind.MANAGER
        self.bound = data is not None
        if data is None:
            saved = evaluation.answers or {}
            self.answers: dict[str, Any] = {
                "ratings": dict(saved.get("ratings") or {}),
                "comments": dict(saved.get("comments") or {}),
                "answers": dict(saved.get("answers") or {}),
                "overall": str(saved.get("overall", "")),
            }
            if self.is_manager:
                self.answers["overrides"] = dict(saved.get("overrides") or {})
            self.private_note = evaluation.private_note if self.is_manager else ""
            self.version = evaluation.version
        else:
            self.answers = self._read(data)
            self.private_note = str(data.get("private_note", ""))[:MAX_TEXT] if self.is_manager else ""
            self.version = _version(data.get("version", ""))
        self.errors: dict[str, list[str]] = {}

    def _read(self, data: Mapping[str, Any]) -> dict[str, Any]:
        review = self.evaluation.review
        snapshot = review.cycle.snapshot
        ratings: dict[str, str] = {}
        comments: dict[str, str] = {}
        texts: dict[str, str] = {}
        for section_key, item_key, _required in bd.rated_items(snapshot, review.competency_model, self.evaluation.kind):
            field = f"{section_key}:{item_key}"
            if item_key.startswith("c"):
                rating = str(data.get(f"rating:{field}", "")).strip()
                if rating:
                    ratings[field] = rating
                comment = str(data.get(f"comment:{field}", ""))
                if comment.strip():
                    comments[field] = comment[:MAX_TEXT]
            else:
                answer = str(data.get(f"answer:{field}", ""))
                if answer.strip():
                    texts[field] = answer[:MAX_TEXT]
        answers: dict[str, Any] = {
            "ratings": ratings,
            "comments": comments,
            "answers": texts,
            "overall": str(data.get("overall", ""))[:MAX_TEXT],
        }
        if self.is_manager:
            overrides: dict[str, dict[str, str]] = {}
            for section in snapshot["sections"]:
                if section["kind"] not in bd.AUTOMATIC_KINDS:
                    continue
                key = section["key"]
                score = str(data.get(f"override_score:{key}", "")).strip()
                reason = str(data.get(f"override_reason:{key}", ""))[:2000]
                if score or reason.strip():
                    overrides[key] = {"score": score, "reason": reason}
            answers["overrides"] = overrides
        return answers

    def submission(self) -> dict[str, Any]:
        """Keyword arguments for services.evaluation_save (besides actor, evaluation and submit)."""
        out: dict[str, Any] = {"answers": self.answers, "version": self.version}
        if self.is_manager:
            out["private_note"] = self.private_note
        return out

    def add_domain_errors(self, fields: Mapping[str, list[str]]) -> None:
        for name, errors in fields.items():
            self.errors.setdefault(name, []).extend(str(e) for e in errors)

    def error_for(self, name: str) -> list[str]:
        return self.errors.get(name, [])


def _style(form: forms.Form) -> None:
    for bound in form.fields.values():
        widget = bound.widget
        if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
            continue
        widget.attrs["class"] = "form-control"


class AcknowledgeForm(forms.Form):
    """The reviewee acknowledges her result (确认) or records that she disagrees, with a comment."""

    decision = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("agree", _("I acknowledge my result")), ("disagree", _("I disagree with my result"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    comment = forms.CharField(
        label=_("Your comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you disagree: say what you disagree with. Your manager and HR read it."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "disagree" and not str(data.get("comment", "")).strip():
            self.add_error("comment", _("Say what you disagree with."))
        return data


class SkipLevelDecisionForm(forms.Form):
    """The skip-level manager approves the manager's review or returns it with a comment (隔级审批)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return to the manager"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    comment = forms.CharField(
        label=_("Comment for the manager"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return the review: say what the manager should change."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not str(data.get("comment", "")).strip():
            self.add_error("comment", _("Say what the manager should change."))
        return data
