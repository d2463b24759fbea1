"""Forms of improvement plans: the plan's fields, and rows of expectations and checkpoints.

Rows are plain inputs named `exp-<key>-text`, `exp-<key>-measure`, `cp-<key>-title`, `cp-<key>-due_on` and
`cp-<key>-id` (the key is any token: rows added by htmx get a fresh one). Blank rows are ignored. The services
check the rules; their DomainError fields ("expectations.2.measure") come back beside the right row.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.core.errors import DomainError
from jixiao.org.models import Employee

from . import forms_common
from .models import Checkpoint, Expectation, ImprovementPlan
from .services_pip import OUTCOME_ACTIONS, STATE_LABELS, CheckpointInput, ExpectationInput

MAX_ROWS = 30
_KEY = re.compile(r"^(exp|cp)-([A-Za-z0-9]{1,16})-(text|measure|title|due_on|id)$")


def new_key() -> str:
    return secrets.token_hex(4)


@dataclass
class Row:
    """One expectation or checkpoint row as typed, with its errors."""

    key: str
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")


def _style(form: forms.Form) -> None:
    for bound in form.fields.values():
        widget = bound.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"


class PlanForm(forms.Form):
    """The plan's own fields; expectation and checkpoint rows are read by `rows_from`."""

    employee = forms.ModelChoiceField(queryset=Employee.objects.none(), label=gettext_lazy("Who the plan is for"))
    gaps = forms.CharField(
        label=gettext_lazy("Gaps"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What falls short today, with examples."),
    )
    support = forms.CharField(
        label=gettext_lazy("Support given"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Coaching, training, tools or time you will give."),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("Starts"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Ends"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        plan: ImprovementPlan | None = None,
        candidates: Sequence[Employee] = (),
        initial: dict[str, Any] | None = None,
    ) -> None:
        if plan is not None:
            initial = {
                "gaps": plan.gaps,
                "support": plan.support,
                "starts_on": plan.starts_on,
                "ends_on": plan.ends_on,
                "version": plan.version,
            }
        super().__init__(data, initial=initial)
        self.plan = plan
        if plan is not None:
            del self.fields["employee"]
        else:
            chooser = self.fields["employee"]
            assert isinstance(chooser, forms.ModelChoiceField)
            chooser.queryset = Employee.objects.filter(pk__in=[c.pk for c in candidates])
            chooser.choices = [("", "—"), *((c.pk, f"{c} · {c.department}") for c in candidates)]
        if plan is not None and plan.state in (ImprovementPlan.State.ACTIVE, ImprovementPlan.State.EXTENDED):
            for name in ("starts_on", "ends_on"):
                self.fields[name].disabled = True
        _style(self)


class ExtendForm(forms.Form):
    ends_on = forms.DateField(label=gettext_lazy("New end date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=gettext_lazy("Why"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[(state, STATE_LABELS[state]) for state in OUTCOME_ACTIONS],
    )
    text = forms.CharField(label=gettext_lazy("Why"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def rows_from(data: QueryDict, kind: str) -> list[Row]:
    """The rows of one kind ("exp" or "cp") in the order they were posted; blank rows dropped."""
    rows: dict[str, Row] = {}
    for name in data:
        match = _KEY.match(name)
        if not match or match.group(1) != kind:
            continue
        key = match.group(2)
        row = rows.setdefault(key, Row(key=key, values={}))
        row.values[match.group(3)] = str(data.get(name, "")).strip()
    kept = [r for r in rows.values() if any(v for k, v in r.values.items() if k != "id")]
    return kept[:MAX_ROWS]


def expectation_rows(expectations: Iterable[Expectation]) -> list[Row]:
    return [Row(key=f"e{e.pk}", values={"text": e.text, "measure": e.measure}) for e in expectations]


def checkpoint_rows(checkpoints: Iterable[Checkpoint]) -> list[Row]:
    return [
        Row(key=f"c{c.pk}", values={"title": c.title, "due_on": c.due_on.isoformat(), "id": str(c.pk)})
        for c in checkpoints
    ]


def expectation_inputs(rows: Sequence[Row]) -> list[ExpectationInput]:
    return [ExpectationInput(text=r.value("text"), measure=r.value("measure")) for r in rows]


def checkpoint_inputs(rows: Sequence[Row]) -> list[CheckpointInput]:
    result = []
    for r in rows:
        due: dt.date | None = None
        try:
            due = dt.date.fromisoformat(r.value("due_on")) if r.value("due_on") else None
        except ValueError:
            r.errors.setdefault("due_on", []).append(_("Enter a date like 2026-03-31."))
        pk = r.value("id")
        result.append(CheckpointInput(title=r.value("title"), due_on=due, id=int(pk) if pk.isdigit() else None))
    return result


def place_row_error(rows: Mapping[str, list[Row]], name: str, found: list[str]) -> bool:
    """Put the errors of a row's input ("expectations.2.measure") beside it; False when `name` is no row's."""
    parts = name.split(".")
    if len(parts) != 3 or parts[0] not in rows or not parts[1].isdigit() or int(parts[1]) >= len(rows[parts[0]]):
        return False
    rows[parts[0]][int(parts[1])].errors.setdefault(parts[2], []).extend(found)
    return True


def add_domain_errors(
    form: forms.Form, error: DomainError, *, expectations: list[Row], checkpoints: list[Row]
) -> dict[str, list[str]]:
    """Put each of the service's errors beside its field or row; return the section errors; the rest on top."""
    sections: dict[str, list[str]] = {}
    rows = {"expectations": expectations, "checkpoints": checkpoints}

    def place(name: str, found: list[str]) -> bool:
        if name in rows:
            sections.setdefault(name, []).extend(found)
            return True
        return place_row_error(rows, name, found)

    forms_common.add_domain_errors(form, error, place=place)
    return sections
