"""Forms of the development plan pages: they parse and show errors; the rules live in services_idp."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jixiao.core.errors import DomainError

from .forms_common import add_domain_errors
from .models import DevelopmentAction, DevelopmentNeed
from .services_idp import ACTION_MAX, COMMENT_MAX, NEED_MAX, TITLE_MAX


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def add_domain_errors(self, exc: DomainError) -> None:
        add_domain_errors(self, exc)


class PlanCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)


class NeedForm(VersionedForm):
    text = forms.CharField(label=_("What do you want to develop?"), max_length=NEED_MAX)


class ActionForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DevelopmentAction.Kind.choices)
    title = forms.CharField(label=_("Action"), max_length=ACTION_MAX)
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    need = forms.ChoiceField(label=_("For the need"), required=False)

    def __init__(self, *args: Any, needs: Sequence[DevelopmentNeed] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        need_field = self.fields["need"]
        assert isinstance(need_field, forms.ChoiceField)
        need_field.choices = [("", _("— none —")), *((str(n.pk), n.text) for n in needs)]


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=DevelopmentAction.Status.choices)


class CommentForm(VersionedForm):
    text = forms.CharField(label=_("Comment"), max_length=COMMENT_MAX, required=False, widget=forms.Textarea)
