"""Forms of HR's cycle pages: a cycle (participants and phase dates), scoring, release, reassigning a rater.

Forms parse and show errors; the rules live in services.py, whose refusals come back beside the fields they
name (`add_domain_errors`: "phase_self" → the self phase's due date, "departments", "template", …).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.goals.forms_kpi import DomainErrorsMixin, PeriodChoice
from jixiao.goals.models import Period
from jixiao.org.models import Department, Employee, Status
from jixiao.org.selectors import department_name

from . import services
from .anonymity import MIN_K
from .models import PHASE_ORDER, Cycle, EvaluationKind, PhaseKind, ReviewTemplate, SectionKind
from .selectors_cycles import localised

DATE = {"type": "date"}
# Default length of each phase in days, one after the other from today.
PHASE_DAYS: dict[str, int] = {
    PhaseKind.SELF: 7,
    PhaseKind.MANAGER: 7,
    PhaseKind.SKIP_LEVEL: 5,
    PhaseKind.CALIBRATION: 5,
    PhaseKind.RELEASE: 3,
    PhaseKind.ACKNOWLEDGEMENT: 7,
}
CYCLE_PHASES = [k for k in PHASE_ORDER if k in PHASE_DAYS]
# A template with a 360° feedback section brings two more phases (decision 0009): choosing peers before the
# self review, collecting feedback after it. Their rows show only for such templates.
FEEDBACK_PHASES = (PhaseKind.PEER_SELECTION, PhaseKind.FEEDBACK)
FEEDBACK_PHASE_DAYS: dict[str, int] = {PhaseKind.PEER_SELECTION: 5, PhaseKind.FEEDBACK: 7}
FORM_PHASES = [k for k in PHASE_ORDER if k in PHASE_DAYS or k in FEEDBACK_PHASES]
_NUMBERS = re.compile(r"[\s,;，；、]+")


def default_phase_dates(start: dt.date, *, calibration: bool = False) -> dict[str, tuple[dt.date, dt.date]]:
    """Phases back to back from `start`; skip-level approval runs alongside the end of the manager review.

    Approvals follow the manager reviews as they come in, so ticking skip-level approval adds no gap, and
    leaving it unticked leaves none either. Calibration is a phase of its own after the manager review (and the
    approvals): with `calibration` release waits for it; without, the calibration row still gets the dates it
    would have, so ticking it later leaves the dates valid (the page then offers the dates with it).
    """
    out: dict[str, tuple[dt.date, dt.date]] = {}
    day = start
    for kind in CYCLE_PHASES:
        if kind == PhaseKind.SKIP_LEVEL:
            manager_start, manager_due = out[PhaseKind.MANAGER]
            out[kind] = (max(manager_start, manager_due - dt.timedelta(days=PHASE_DAYS[kind] - 1)), manager_due)
            continue
        if kind == PhaseKind.CALIBRATION:
            out[kind] = (day, day + dt.timedelta(days=PHASE_DAYS[kind] - 1))
            if calibration:
                day += dt.timedelta(days=PHASE_DAYS[kind])
            continue
        due = day + dt.timedelta(days=PHASE_DAYS[kind] - 1)
        out[kind] = (day, due)
        day = due + dt.timedelta(days=1)
    return out


def feedback_phase_dates(dates: dict[str, tuple[dt.date, dt.date]]) -> dict[str, tuple[dt.date, dt.date]]:
    """360 phase dates that fit phases already dated: peers chosen as the self review opens, feedback alongside it.

    Valid as they are (phases start in order), so picking a 360 template never leaves the form unsaveable;
    the page offers back-to-back dates instead when the dates are still the suggested ones.
    """
    self_start, self_due = dates[PhaseKind.SELF]
    peer_due = min(self_due, self_start + dt.timedelta(days=FEEDBACK_PHASE_DAYS[PhaseKind.PEER_SELECTION] - 1))
    return {PhaseKind.PEER_SELECTION: (self_start, peer_due), PhaseKind.FEEDBACK: (self_start, self_due)}


def default_360_dates(start: dt.date, *, calibration: bool = False) -> dict[str, tuple[dt.date, dt.date]]:
    """Every phase of a cycle with 360 feedback back to back from `start`: peers, self, feedback, manager …"""
    out: dict[str, tuple[dt.date, dt.date]] = {}
    peer_days = FEEDBACK_PHASE_DAYS[PhaseKind.PEER_SELECTION]
    out[PhaseKind.PEER_SELECTION] = (start, start + dt.timedelta(days=peer_days - 1))
    rest = default_phase_dates(start + dt.timedelta(days=peer_days), calibration=calibration)
    self_start, self_due = rest[PhaseKind.SELF]
    gap = dt.timedelta(days=FEEDBACK_PHASE_DAYS[PhaseKind.FEEDBACK])
    out[PhaseKind.SELF] = (self_start, self_due)
    out[PhaseKind.FEEDBACK] = (self_due + dt.timedelta(days=1), self_due + gap)
    for kind in CYCLE_PHASES:
        if kind != PhaseKind.SELF:
            begin, due = rest[kind]
            out[kind] = (begin + gap, due + gap)
    return out


class TemplateChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: ReviewTemplate) -> str:
        return localised(obj.name, obj.name_en)


class DepartmentsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return "\u2003" * obj.depth + department_name(obj)


class ParticipantsForm(DomainErrorsMixin, forms.Form):
    """Who a cycle reviews: department subtrees, job levels, hired before a date, people left out."""

    departments = DepartmentsChoice(
        label=_("Departments (with their sub-departments)"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to pick several. None picked: the whole company."),
    )
    levels = forms.MultipleChoiceField(
        label=_("Job levels"), required=False, widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: all.")
    )
    hired_before = forms.DateField(
        label=_("Hired before"),
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        help_text=_("Leave out people who joined on or after this date, e.g. those still on probation."),
    )
    exclude = forms.CharField(
        label=_("Leave out (employee numbers)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "E00012, E00345"}),
        help_text=_("Separated by commas, spaces or new lines."),
    )

    def __init__(
        self,
        *args: Any,
        departments: Sequence[Department] = (),
        levels: Sequence[str] = (),
        company_wide: bool = True,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.company_wide = company_wide
        field = self.fields["departments"]
        assert isinstance(field, DepartmentsChoice)
        field.queryset = Department.objects.filter(pk__in=[d.pk for d in departments]).order_by("path")
        field.choices = [(d.pk, "\u2003" * d.depth + department_name(d)) for d in departments]
        if not company_wide:
            field.help_text = _("Hold Ctrl (⌘ on a Mac) to pick several. Pick at least one within your HR scope.")
        level_field = self.fields["levels"]
        assert isinstance(level_field, forms.MultipleChoiceField)
        level_field.choices = [(level, level) for level in levels]
        self.excluded: list[Employee] = []

    def clean_exclude(self) -> str:
        raw = self.cleaned_data.get("exclude") or ""
        numbers = [n for n in _NUMBERS.split(raw) if n]
        if not numbers:
            return ""
        found = {e.employee_number: e for e in Employee.objects.filter(employee_number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(
                _("No one has these employee numbers: %(numbers)s.") % {"numbers": ", ".join(missing[:10])}
            )
        self.excluded = list({e.pk: e for e in found.values()}.values())
        return ", ".join(dict.fromkeys(numbers))

    def clean_departments(self) -> Any:
        picked = self.cleaned_data.get("departments")
        if not self.company_wide and not picked:
            raise forms.ValidationError(_("Pick departments within your HR scope."))
        return picked

    def participant_filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "departments": tuple(d.pk for d in data.get("departments") or ()),
            "levels": tuple(data.get("levels") or ()),
            "hired_before": data.get("hired_before"),
            "exclude": tuple(e.pk for e in self.excluded),
        }


class CycleForm(ParticipantsForm):
    """A cycle: names, period, template, skip-level approval, participants and one pair of dates per phase."""

    name = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    period = PeriodChoice(label=_("Period"), queryset=Period.objects.none())
    template = TemplateChoice(
        label=_("Review template"),
        queryset=ReviewTemplate.objects.none(),
        help_text=_("Frozen into the cycle at launch: later edits of the template do not change it."),
    )
    skip_level = forms.BooleanField(
        label=_("Skip-level approval (隔级审批)"),
        required=False,
        help_text=_("The manager's manager approves each review before it can be released."),
    )
    # Calibration and appeals (decision 0011).
    calibration = forms.BooleanField(
        label=_("Calibration before release (绩效校准)"),
        required=False,
        help_text=_(
            "Adds a calibration phase after the manager reviews: HR and managers compare ratings across teams "
            "in calibration sessions before anything is released. Cannot change once the cycle is launched."
        ),
    )
    appeal_days = forms.IntegerField(
        required=False,
        label=_("Days to appeal after release"),
        min_value=0,
        max_value=services.MAX_APPEAL_DAYS,
        initial=14,
        help_text=_("Employees may appeal their result for this many days after it is released. 0 turns appeals off."),
    )
    appeal_sla_days = forms.IntegerField(
        required=False,
        label=_("Days to answer an appeal"),
        min_value=1,
        max_value=services.MAX_APPEAL_DAYS,
        initial=10,
        help_text=_("An appeal not decided within this many days of filing is escalated to company-wide HR."),
    )
    # 360 feedback (decision 0009): thresholds of anonymity, names or not, and the load flag.
    anonymity_k = forms.IntegerField(
        required=False,
        label=_("Smallest group whose answers are shown"),
        min_value=MIN_K,
        max_value=services.MAX_K,
        initial=3,
        help_text=_(
            "Results of a group (peers, direct reports, customers) are shown only when at least this many "
            "answered; a smaller group is left out of every number. From 3 to 50; 3 is common, surveys use 5."
        ),
    )
    comment_k = forms.IntegerField(
        required=False,
        label=_("Smallest group whose comments are shown"),
        min_value=MIN_K,
        max_value=services.MAX_K,
        initial=3,
        help_text=_("Written comments of a group are shown only when at least this many answered. From 3 to 50."),
    )
    confidential = forms.BooleanField(
        label=_("Confidential rather than anonymous"),
        required=False,
        help_text=_(
            "The reviewee's manager and HR may see who was asked for feedback (never who wrote what). "
            "Leave it unticked for anonymous feedback: only HR can look up names, with a reason that is audited."
        ),
    )
    rater_load_limit = forms.IntegerField(
        required=False,
        label=_("Requests per rater before a warning"),
        min_value=1,
        max_value=100,
        initial=8,
        help_text=_("Someone asked by more reviewees than this is flagged on the nomination pages."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_names = {f"phase_{kind}": f"phase_{kind}_due" for kind in FORM_PHASES} | {"phases": "__all__"}
    # After launch: names and dates only (services.cycle_update refuses anything else).
    LAUNCHED_FIXED = (
        "period",
        "template",
        "skip_level",
        "calibration",
        "departments",
        "levels",
        "hired_before",
        "exclude",
        "anonymity_k",
        "comment_k",
        "confidential",
        "rater_load_limit",
    )
    FEEDBACK_SETTINGS = ("anonymity_k", "comment_k", "confidential", "rater_load_limit")
    APPEAL_SETTINGS = ("appeal_days", "appeal_sla_days")

    def __init__(self, *args: Any, cycle: Cycle | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        period = self.fields["period"]
        template = self.fields["template"]
        assert isinstance(period, PeriodChoice)
        assert isinstance(template, TemplateChoice)
        period.queryset = Period.objects.order_by("-start", "end", "pk")
        template.queryset = ReviewTemplate.objects.filter(_templates_offered(cycle)).order_by("name", "pk")
        # Which offered templates have a 360° section (one query): their cycles need the 360 phases.
        self.feedback_templates = set(
            template.queryset.filter(sections__kind=SectionKind.FEEDBACK).values_list("pk", flat=True)
        )
        for kind in FORM_PHASES:
            label = PhaseKind(kind).label
            optional = kind in (PhaseKind.SKIP_LEVEL, PhaseKind.CALIBRATION) or kind in FEEDBACK_PHASES
            self.fields[f"phase_{kind}_start"] = forms.DateField(
                label=_("%(phase)s starts") % {"phase": label},
                required=not optional,
                widget=forms.DateInput(attrs={**DATE, "class": "form-control"}, format="%Y-%m-%d"),
            )
            self.fields[f"phase_{kind}_due"] = forms.DateField(
                label=_("%(phase)s due") % {"phase": label},
                required=not optional,
                widget=forms.DateInput(attrs={**DATE, "class": "form-control"}, format="%Y-%m-%d"),
            )
        self.launched = cycle is not None and cycle.state != Cycle.State.DRAFT
        if self.launched:
            for name in self.LAUNCHED_FIXED:
                self.fields[name].disabled = True
        today = timezone.localdate()
        self.suggested = default_phase_dates(today)
        self.suggested |= feedback_phase_dates(self.suggested)
        if not self.is_bound and cycle is None:
            for kind, (start, due) in self.suggested.items():
                self.initial.setdefault(f"phase_{kind}_start", start)
                self.initial.setdefault(f"phase_{kind}_due", due)
        self.suggested_360 = default_360_dates(today)
        self.suggested_calibration = default_phase_dates(today, calibration=True)
        self.suggested_calibration |= feedback_phase_dates(self.suggested_calibration)
        self.suggested_360_calibration = default_360_dates(today, calibration=True)

    @classmethod
    def initial_for(cls, cycle: Cycle) -> dict[str, Any]:
        filters = cycle.filters or {}
        excluded = list(
            Employee.objects.filter(pk__in=filters.get("exclude") or []).values_list("employee_number", flat=True)
        )
        initial: dict[str, Any] = {
            "name": cycle.name,
            "name_en": cycle.name_en,
            "period": cycle.period_id,
            "template": cycle.template_id,
            "skip_level": cycle.skip_level,
            "calibration": cycle.calibration,
            "appeal_days": cycle.appeal_days,
            "appeal_sla_days": cycle.appeal_sla_days,
            "departments": list(filters.get("departments") or []),
            "levels": list(filters.get("levels") or []),
            "hired_before": dt.date.fromisoformat(filters["hired_before"]) if filters.get("hired_before") else None,
            "exclude": ", ".join(sorted(excluded)),
            "anonymity_k": cycle.anonymity_k,
            "comment_k": cycle.comment_k,
            "confidential": cycle.confidential,
            "rater_load_limit": cycle.rater_load_limit,
            "version": cycle.version,
        }
        dates = {phase.kind: (phase.starts_on, phase.due_on) for phase in cycle.phases.all()}
        if PhaseKind.SELF in dates:
            # A cycle without 360 phases yet gets dates that fit, should its template change to one with 360.
            dates = feedback_phase_dates(dates) | dates
        if PhaseKind.CALIBRATION not in dates and PhaseKind.RELEASE in dates:
            # Dates that fit should calibration be ticked (before launch): it starts with release.
            dates[PhaseKind.CALIBRATION] = (dates[PhaseKind.RELEASE][0], dates[PhaseKind.RELEASE][0])
        for kind, (start, due) in dates.items():
            initial[f"phase_{kind}_start"] = start
            initial[f"phase_{kind}_due"] = due
        return initial

    def has_360(self) -> bool:
        """Whether the template picked (or, unbound, the cycle's) has a 360° feedback section."""
        template = self.cleaned_data.get("template") if hasattr(self, "cleaned_data") else None
        if template is None and self.cycle is not None:
            template = self.cycle.template
        return template is not None and template.pk in self.feedback_templates

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        with_360 = self.has_360()
        for kind in FORM_PHASES:
            start, due = data.get(f"phase_{kind}_start"), data.get(f"phase_{kind}_due")
            if kind in FEEDBACK_PHASES and not with_360:
                continue
            if kind == PhaseKind.SKIP_LEVEL and data.get("skip_level") and (start is None or due is None):
                self.add_error(f"phase_{kind}_due", _("Give the skip-level approval its dates."))
            elif kind == PhaseKind.CALIBRATION and data.get("calibration") and (start is None or due is None):
                self.add_error(f"phase_{kind}_due", _("Give the calibration its dates."))
            elif kind in FEEDBACK_PHASES and (start is None or due is None):
                if f"phase_{kind}_due" not in self.errors and f"phase_{kind}_start" not in self.errors:
                    self.add_error(
                        f"phase_{kind}_due",
                        _("The template has a 360° feedback section: give this phase its dates."),
                    )
            elif start is not None and due is not None and start > due:
                self.add_error(f"phase_{kind}_due", _("A phase cannot end before it starts."))
        return data

    def phase_inputs(self) -> tuple[services.PhaseInput, ...]:
        data = self.cleaned_data
        with_360 = self.has_360()
        out = []
        for kind in FORM_PHASES:
            if kind == PhaseKind.SKIP_LEVEL and not data.get("skip_level"):
                continue
            if kind == PhaseKind.CALIBRATION and not data.get("calibration"):
                continue
            if kind in FEEDBACK_PHASES and not with_360:
                continue
            start, due = data.get(f"phase_{kind}_start"), data.get(f"phase_{kind}_due")
            if start is not None and due is not None:
                out.append(services.PhaseInput(kind=kind, starts_on=start, due_on=due))
        return tuple(out)

    def cycle_input(self) -> services.CycleInput:
        data = self.cleaned_data
        filters = self.participant_filters()
        if self.launched and self.cycle is not None:
            # Disabled fields keep what the cycle has; pass its filters exactly as stored.
            stored = self.cycle.filters or {}
            filters = {
                "departments": tuple(stored.get("departments") or ()),
                "levels": tuple(stored.get("levels") or ()),
                "hired_before": dt.date.fromisoformat(stored["hired_before"]) if stored.get("hired_before") else None,
                "exclude": tuple(stored.get("exclude") or ()),
            }
        return services.CycleInput(
            name=data["name"],
            name_en=data.get("name_en") or "",
            period=data["period"],
            template=data["template"],
            skip_level=bool(data.get("skip_level")),
            phases=self.phase_inputs(),
            anonymity_k=self._setting("anonymity_k"),
            comment_k=self._setting("comment_k"),
            confidential=bool(data.get("confidential")),
            rater_load_limit=self._setting("rater_load_limit"),
            calibration=bool(data.get("calibration")),
            appeal_days=self._setting("appeal_days"),
            appeal_sla_days=self._setting("appeal_sla_days"),
            **filters,
        )

    def _setting(self, name: str) -> int:
        """A number setting as typed; left empty, the cycle's own (or the default for a new cycle)."""
        value = self.cleaned_data.get(name)
        if value is None:
            value = getattr(self.cycle, name) if self.cycle is not None else self.fields[name].initial
        return int(value)

    def phase_rows(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        """(kind, label, start field, due field) for the template, in the phases' order."""
        return [
            (kind, str(PhaseKind(kind).label), self[f"phase_{kind}_start"], self[f"phase_{kind}_due"])
            for kind in FORM_PHASES
        ]

    def feedback_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.FEEDBACK_SETTINGS]

    def appeal_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.APPEAL_SETTINGS]

    def feedback_data(self) -> dict[str, Any]:
        """What the page's script needs: templates with a 360° section and the suggested dates with and without
        the 360 phases and calibration (the page switches between them while the dates are still suggested ones)."""

        def iso(dates: dict[str, tuple[dt.date, dt.date]]) -> dict[str, list[str]]:
            return {kind: [start.isoformat(), due.isoformat()] for kind, (start, due) in dates.items()}

        return {
            "templates": sorted(self.feedback_templates),
            "plain": iso(self.suggested) if self.cycle is None else {},
            "with360": iso(self.suggested_360) if self.cycle is None else {},
            "plainCalibration": iso(self.suggested_calibration) if self.cycle is None else {},
            "with360Calibration": iso(self.suggested_360_calibration) if self.cycle is None else {},
        }


def _templates_offered(cycle: Cycle | None) -> Q:
    """The non-archived templates, and the cycle's own even if archived since."""
    q = Q(archived=False)
    if cycle is not None and cycle.template_id:
        q |= Q(pk=cycle.template_id)
    return q


class ScoringForm(DomainErrorsMixin, forms.Form):
    """A launched cycle's band thresholds and self-rating weight (everything is rescored after a change)."""

    self_weight = forms.IntegerField(
        label=_("Self-rating weight (%)"),
        min_value=0,
        max_value=100,
        help_text=_("How much of each rated section comes from the self review, e.g. 20 for self 20% / manager 80%."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, bands: Sequence[dict[str, Any]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.band_codes = [str(b["code"]) for b in bands]
        for b in bands:
            self.fields[f"band_{b['code']}"] = forms.DecimalField(
                label=_("Lowest score for %(band)s") % {"band": b["code"]},
                max_digits=5,
                decimal_places=2,
                min_value=Decimal(0),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-control"}),
            )
        self.field_names = {"bands": "__all__"}

    def band_fields(self) -> list[forms.BoundField]:
        return [self[f"band_{code}"] for code in self.band_codes]

    def bands(self) -> list[tuple[str, Decimal]]:
        return [(code, self.cleaned_data[f"band_{code}"]) for code in self.band_codes]


class ReleaseForm(forms.Form):
    department = forms.TypedChoiceField(
        label=_("Release"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, departments: Sequence[Department] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("The whole cycle (everything in my scope)"))] + [
            (d.pk, "\u2003" * d.depth + department_name(d)) for d in departments
        ]
        self.by_id = {d.pk: d for d in departments}

    def chosen(self) -> Department | None:
        pk = self.cleaned_data.get("department") if hasattr(self, "cleaned_data") else None
        return self.by_id.get(pk) if pk else None


class ReassignForm(DomainErrorsMixin, forms.Form):
    """Move the manager's or skip-level part of a review to someone else, with a reason."""

    kind = forms.ChoiceField(label=_("Which part"), widget=forms.RadioSelect)
    employee_number = forms.CharField(
        label=_("New reviewer (employee number)"), max_length=32, help_text=_("Find it in the directory.")
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log, e.g. “The manager left the team on 1 March.”"),
    )
    field_names = {"rater": "employee_number"}

    def __init__(self, *args: Any, skip_level: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        choices = [(EvaluationKind.MANAGER.value, EvaluationKind.MANAGER.label)]
        if skip_level:
            choices.append((EvaluationKind.SKIP_LEVEL.value, EvaluationKind.SKIP_LEVEL.label))
        kind.choices = choices
        self.rater: Employee | None = None

    def clean_employee_number(self) -> str:
        number = (self.cleaned_data.get("employee_number") or "").strip()
        rater = Employee.objects.filter(employee_number=number).exclude(status=Status.LEFT).first()
        if rater is None:
            raise forms.ValidationError(_("No current employee has the number %(number)s.") % {"number": number})
        self.rater = rater
        return number

    def add_domain_errors(self, fields: dict[str, list[str]], message: str) -> None:
        # The service's sentence says what to do ("Pick a current employee other than the reviewee"); keep it.
        super().add_domain_errors(fields, message)
        if message not in self.non_field_errors():
            self.add_error(None, message)

    def clean_reason(self) -> str:
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(_("Say why the reviewer changes."))
        return reason
