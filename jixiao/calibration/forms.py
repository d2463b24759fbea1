"""Forms of the calibration pages: open a session, its participants, its guide, a move, a potential."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jixiao.core.errors import DomainError
from jixiao.core.parsing import parse_int
from jixiao.org.models import Department
from jixiao.org.selectors import actor_context, department_name
from jixiao.reviews.models import Cycle

from .models import CalibrationSession, Potential
from .services import cycle_label

# How deep below her scope the department picker goes (a list of 800 teams is no picker anyone can use).
DEPARTMENT_DEPTH = 3


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _style(form: forms.Form) -> None:
    """Bootstrap classes on the inputs (the CSP forbids style attributes; classes carry the look)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.HiddenInput):
            continue
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal beside the fields it names; the message on top."""
    form.add_error(None, str(exc.message))
    for key, errors in exc.fields.items():
        name = key if key in form.fields else None
        for error in errors:
            if name is None and error == str(exc.message):
                continue
            form.add_error(name, error)


def ids(values: Sequence[object]) -> list[int]:
    """Whole numbers out of a list of form values, the rest ignored."""
    return sorted({n for n in (parse_int(v) for v in values) if n is not None})


def department_choices(user: Any) -> list[tuple[int, str]]:
    """Departments in the user's HR scope (everything for admins), in tree order, a few levels deep."""
    ctx = actor_context(user)
    qs = Department.objects.all()
    if not ctx.is_admin:
        scope = Q(pk__in=[])
        for path in ctx.hr_paths:
            scope |= Q(path__startswith=path)
        qs = qs.filter(scope)
    rows = list(qs.only("id", "name", "name_en", "path", "depth").order_by("path"))
    top = min((d.depth for d in rows), default=0)
    return [(d.pk, "\u2003" * (d.depth - top) + department_name(d)) for d in rows if d.depth - top <= DEPARTMENT_DEPTH]


class CycleChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Cycle) -> str:
        return cycle_label(obj)  # in the reader's language


class SessionOpenForm(forms.Form):
    cycle = CycleChoice(label=_("Review cycle"), queryset=Cycle.objects.none(), empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("E.g. “Sales managers, H2”."))
    scope = forms.ChoiceField(
        label=_("Made up of"),
        choices=CalibrationSession.Scope.choices,
        widget=forms.RadioSelect,
        initial=CalibrationSession.Scope.DEPARTMENT,
    )
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False, empty_value=None)
    levels = forms.MultipleChoiceField(label=_("Job levels"), required=False, widget=forms.CheckboxSelectMultiple)
    reviews = forms.TypedMultipleChoiceField(
        label=_("People"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    review_q = forms.CharField(label=_("Find people in the cycle"), required=False, max_length=60)
    participants = forms.TypedMultipleChoiceField(
        label=_("Participants"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    participant_q = forms.CharField(label=_("Find managers and HR"), required=False, max_length=60)

    def __init__(
        self,
        *args: Any,
        user: Any,
        cycles: Any,
        levels: Sequence[str] = (),
        reviews: Sequence[tuple[int, str]] = (),
        people: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["cycle"]).queryset = cycles
        _choices(self, "department").choices = [("", _("Pick a department")), *department_choices(user)]
        _choices(self, "levels").choices = [(level, level) for level in levels]
        _choices(self, "reviews").choices = list(reviews)
        _choices(self, "participants").choices = list(people)
        self.fields["name"].widget.attrs.update(autocomplete="off")
        _style(self)

    def department_object(self) -> Department | None:
        pk = self.cleaned_data.get("department")
        return Department.objects.filter(pk=pk).first() if pk else None


class ParticipantsForm(forms.Form):
    participants = forms.TypedMultipleChoiceField(
        label=_("Participants"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    facilitators = forms.TypedMultipleChoiceField(
        label=_("Facilitators"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    participant_q = forms.CharField(label=_("Find managers and HR"), required=False, max_length=60)

    def __init__(self, *args: Any, people: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "participants").choices = list(people)
        _choices(self, "facilitators").choices = list(people)
        _style(self)


class GuideForm(forms.Form):
    """A percent per band of the cycle's scale; the service checks the total."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    bias_threshold = forms.DecimalField(
        label=_("Flag a rater whose average differs from the other raters' by at least (points)"),
        help_text=_("Shown in the rater bias panel: lenient above, severe below. Between 0.10 and 2.00."),
        max_digits=3,
        decimal_places=2,
        required=False,  # left empty: the session keeps its threshold
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm jxc-percent", "step": "0.05"}),
    )

    def __init__(self, *args: Any, bands: Sequence[Any], guide: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bands = list(bands)
        for band in self.bands:
            self.fields[f"guide_{band.code}"] = forms.IntegerField(
                label=f"{band.code} {band.label}",
                min_value=0,
                max_value=100,
                initial=guide.get(band.code, 0),
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm jxc-percent", "step": 1}),
            )

    def guide(self) -> dict[str, object]:
        return {band.code: self.cleaned_data.get(f"guide_{band.code}") for band in self.bands}

    def band_fields(self) -> list[tuple[Any, forms.BoundField]]:
        return [(band, self[f"guide_{band.code}"]) for band in self.bands]


class MoveForm(forms.Form):
    band = forms.ChoiceField(label=_("New rating"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,  # the service refuses a blank reason, with the message people read
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("She will read this reason with her result, but not who proposed the change."),
    )
    seen_band = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, bands: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "band").choices = [(b.code, f"{b.code} {b.label}") for b in bands]
        _style(self)


class PotentialForm(forms.Form):
    potential = forms.ChoiceField(
        label=_("Potential"), required=False, choices=[("", _("Not rated")), *Potential.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
