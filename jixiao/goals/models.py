"""Strategy, periods, objectives and key results, check-ins, goal plans, templates and KPIs.

Objectives form an alignment tree (child supports parent) stored like the org trees: a parent
pointer plus a materialised path of ids ("/3/41/977/"), so a subtree, its ancestors and a cycle check
are prefix matches. Progress and attainment are cached on the rows by the services (computed by the
pure functions in scoring.py) so that boards and the alignment tree read them in one query.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel
from jixiao.org.models import Department, Employee

if TYPE_CHECKING:
    from jixiao.accounts.models import User


# ---- strategy ----------------------------------------------------------------------------------


class Strategy(TimeStampedModel):
    """The company's vision and mission, in both languages; one row (pk=1)."""

    vision = models.TextField(_("vision"), blank=True)
    vision_en = models.TextField(_("vision (English)"), blank=True)
    mission = models.TextField(_("mission"), blank=True)
    mission_en = models.TextField(_("mission (English)"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategy")

    def __str__(self) -> str:
        return str(_("Strategy"))


class CompanyValue(TimeStampedModel):
    """One of the company's values; later rated as a competency in reviews."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("company value")
        verbose_name_plural = _("company values")
        constraints = [models.UniqueConstraint(fields=["name"], name="goals_value_unique_name")]

    def __str__(self) -> str:
        return self.name


class GoalSettings(TimeStampedModel):
    """Company-wide rules for goals and KPIs; one row (pk=1), edited by admins and company-wide HR."""

    progress_cap = models.DecimalField(_("progress cap"), default=Decimal("1.2"), max_digits=9, decimal_places=4)
    require_smart = models.BooleanField(_("require SMART goals before approval"), default=False)
    # [[threshold, rating], ...] highest first: attainment ≥ threshold gives rating; below all gives floor.
    attainment_table = models.JSONField(_("attainment to rating"), default=list, blank=True)
    attainment_floor = models.PositiveSmallIntegerField(_("rating below every threshold"), default=1)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("goal settings")
        verbose_name_plural = _("goal settings")

    def __str__(self) -> str:
        return str(_("Goal settings"))


class Period(TimeStampedModel):
    """A span of time goals and KPIs belong to; periods nest (Q1 inside FY2027)."""

    class Kind(models.TextChoices):
        YEAR = "year", _("Year")
        HALF = "half", _("Half year")
        QUARTER = "quarter", _("Quarter")
        MONTH = "month", _("Month")
        CUSTOM = "custom", _("Custom")

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("within")
    )

    class Meta:
        ordering = ["start", "-end", "pk"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="goals_period_unique_name"),
            models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="goals_period_start_before_end"),
        ]

    def __str__(self) -> str:
        return self.name

    def contains(self, day: object) -> bool:
        return bool(self.start <= day <= self.end)  # type: ignore[operator]


# ---- objectives --------------------------------------------------------------------------------


class OwnerType(models.TextChoices):
    COMPANY = "company", _("Company")
    DEPARTMENT = "department", _("Department")
    PERSON = "person", _("Person")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class Confidence(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")


class ObjectiveQuerySet(models.QuerySet["Objective"]):
    def visible_to(self, user: User) -> QuerySet[Objective]:
        """Objectives the user may read: public ones for anyone in the company, private ones for
        their owner, the owner's management chain and HR in scope (docs/decisions/0006)."""
        from .selectors import objective_visibility_q

        q = objective_visibility_q(user)
        return self.none() if q is None else self.filter(q)


class Objective(TimeStampedModel):
    """A goal of the company, a department or a person in one period, optionally aligned to a parent."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="objectives", verbose_name=_("period"))
    owner_type = models.CharField(_("owner"), max_length=16, choices=OwnerType.choices)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objectives",
        verbose_name=_("department"),
    )
    employee = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.PROTECT, related_name="objectives", verbose_name=_("person")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=Decimal(0))
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("aligned to"),
    )
    path = models.CharField(max_length=600, db_index=True, editable=False, default="")
    progress = models.DecimalField(default=Decimal(0), editable=False, max_digits=9, decimal_places=4)
    confidence = models.CharField(max_length=16, choices=Confidence.choices, blank=True, editable=False)
    template = models.ForeignKey(
        "GoalTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="objectives", editable=False
    )
    assignment = models.ForeignKey(
        "BulkAssignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="objectives", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ObjectiveQuerySet.as_manager()

    class Meta:
        ordering = ["period", "pk"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        indexes = [
            models.Index(fields=["employee", "period"], name="goals_obj_employee_period_idx"),
            models.Index(fields=["department", "period"], name="goals_obj_dept_period_idx"),
            models.Index(fields=["period", "owner_type"], name="goals_obj_period_owner_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(owner_type="company", department__isnull=True, employee__isnull=True)
                    | Q(owner_type="department", department__isnull=False, employee__isnull=True)
                    | Q(owner_type="person", department__isnull=True, employee__isnull=False)
                ),
                name="goals_objective_one_owner",
            ),
            models.CheckConstraint(condition=Q(weight__gte=0), name="goals_objective_weight_not_negative"),
            # A template assigned twice to the same person in the same period gives one objective.
            models.UniqueConstraint(
                fields=["template", "period", "employee"],
                condition=Q(template__isnull=False, employee__isnull=False),
                name="goals_objective_template_once_per_person",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("goals:objective", args=[self.pk])

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    @property
    def progress_percent(self) -> int:
        return round(self.progress * 100)


class KeyResult(TimeStampedModel):
    """A measurable outcome of an objective: from start towards target (and maybe a stretch)."""

    class Unit(models.TextChoices):
        NUMBER = "number", _("Number")
        PERCENT = "percent", _("Percent")
        CURRENCY = "currency", _("Currency")
        MILESTONE = "milestone", _("Yes/no milestone")

    class Direction(models.TextChoices):
        INCREASE = "increase", _("Increase")
        DECREASE = "decrease", _("Decrease")

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(_("title"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices, default=Unit.NUMBER)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices, default=Direction.INCREASE)
    start = models.DecimalField(_("start"), default=Decimal(0), max_digits=20, decimal_places=4)
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=4)
    stretch = models.DecimalField(_("stretch"), null=True, blank=True, max_digits=20, decimal_places=4)
    current = models.DecimalField(_("current value"), default=Decimal(0), max_digits=20, decimal_places=4)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=Decimal(1))
    position = models.PositiveSmallIntegerField(default=0)
    progress = models.DecimalField(default=Decimal(0), editable=False, max_digits=9, decimal_places=4)
    confidence = models.CharField(max_length=16, choices=Confidence.choices, blank=True, editable=False)

    class Meta:
        ordering = ["objective", "position", "pk"]
        verbose_name = _("key result")
        verbose_name_plural = _("key results")
        constraints = [
            models.CheckConstraint(condition=~Q(start=models.F("target")), name="goals_kr_start_differs_from_target"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="goals_kr_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def progress_percent(self) -> int:
        return round(self.progress * 100)


class CheckIn(models.Model):
    """A progress update on a key result: the new value, how confident the owner is, and why."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    progress = models.DecimalField(default=Decimal(0), editable=False, max_digits=9, decimal_places=4)
    confidence = models.CharField(_("confidence"), max_length=16, choices=Confidence.choices)
    comment = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["key_result", "created_at", "pk"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self) -> str:
        return f"{self.key_result_id}: {self.value}"


class GoalPlan(TimeStampedModel):
    """A person's goals for one period as a whole: drafted, submitted, approved or returned."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="goal_plans")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="goal_plans")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("goal plan")
        verbose_name_plural = _("goal plans")
        constraints = [models.UniqueConstraint(fields=["employee", "period"], name="goals_plan_unique")]

    def __str__(self) -> str:
        return f"{self.employee_id}/{self.period_id}: {self.state}"


# ---- templates and bulk assignment ---------------------------------------------------------------


class GoalTemplate(TimeStampedModel):
    """An objective with key results that HR or a manager hands out to many people at once."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=Decimal(0))
    # [{"title", "unit", "direction", "start", "target", "stretch", "weight"}, ...] as strings for decimals.
    key_results = models.JSONField(_("key results"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("goal template")
        verbose_name_plural = _("goal templates")

    def __str__(self) -> str:
        return self.title


class BulkAssignment(TimeStampedModel):
    """One "assign to everyone matching" action: what was assigned, to whom (filters), how many."""

    class Kind(models.TextChoices):
        OBJECTIVE = "objective", _("Goal template")
        KPI = "kpi", _("KPI target")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    filters = models.JSONField(default=dict)
    payload = models.JSONField(default=dict)
    matched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


# ---- KPIs --------------------------------------------------------------------------------------


class BusinessArea(TimeStampedModel):
    """A heading of the KPI library: sales, customer service, production, R&D, finance, HR …"""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("business area")
        verbose_name_plural = _("business areas")
        constraints = [models.UniqueConstraint(fields=["name"], name="goals_area_unique_name")]

    def __str__(self) -> str:
        return self.name


class Indicator(TimeStampedModel):
    """A KPI of the library: what is measured, in which unit, which way is better, and from where."""

    class Aggregation(models.TextChoices):
        LATEST = "latest", _("Latest value")
        SUM = "sum", _("Sum of values")
        AVERAGE = "average", _("Average of values")

    area = models.ForeignKey(BusinessArea, on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=16, choices=KeyResult.Unit.choices, default=KeyResult.Unit.NUMBER)
    direction = models.CharField(
        _("direction"), max_length=16, choices=KeyResult.Direction.choices, default=KeyResult.Direction.INCREASE
    )
    aggregation = models.CharField(
        _("how actuals add up"), max_length=16, choices=Aggregation.choices, default=Aggregation.LATEST
    )
    definition = models.TextField(_("definition"), blank=True)
    data_source = models.CharField(_("data source"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["area", "code"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class KPITargetQuerySet(models.QuerySet["KPITarget"]):
    def visible_to(self, user: User) -> QuerySet[KPITarget]:
        """KPI targets the user may read: her own, her reports', her departments', HR in scope."""
        from .selectors import kpi_target_visibility_q

        q = kpi_target_visibility_q(user)
        return self.none() if q is None else self.filter(q)


class KPITarget(TimeStampedModel):
    """A KPI assigned to a person or a department for a period, with baseline, target, stretch and weight."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="kpi_targets")
    employee = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.PROTECT, related_name="kpi_targets")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="kpi_targets"
    )
    baseline = models.DecimalField(_("baseline"), default=Decimal(0), max_digits=20, decimal_places=4)
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=4)
    stretch = models.DecimalField(_("stretch"), null=True, blank=True, max_digits=20, decimal_places=4)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=Decimal(0))
    actual = models.DecimalField(_("actual"), null=True, blank=True, editable=False, max_digits=20, decimal_places=4)
    attainment = models.DecimalField(null=True, blank=True, editable=False, max_digits=9, decimal_places=4)
    assignment = models.ForeignKey(
        BulkAssignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="kpi_targets", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = KPITargetQuerySet.as_manager()

    class Meta:
        ordering = ["period", "indicator", "pk"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        indexes = [
            models.Index(fields=["employee", "period"], name="goals_kpit_employee_period_idx"),
            models.Index(fields=["department", "period"], name="goals_kpit_dept_period_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(employee__isnull=True, department__isnull=False)
                | Q(employee__isnull=False, department__isnull=True),
                name="goals_kpit_one_owner",
            ),
            models.CheckConstraint(condition=~Q(baseline=models.F("target")), name="goals_kpit_baseline_differs"),
            models.UniqueConstraint(
                fields=["indicator", "period", "employee"],
                condition=Q(employee__isnull=False),
                name="goals_kpit_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period", "department"],
                condition=Q(department__isnull=False),
                name="goals_kpit_once_per_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.period_id}"

    def get_absolute_url(self) -> str:
        return reverse("goals:kpi_target", args=[self.pk])

    @property
    def attainment_percent(self) -> int | None:
        return None if self.attainment is None else round(self.attainment * 100)


class KPIActual(models.Model):
    """A recorded value of a KPI target on a date, with where it came from and who recorded it.

    One value per target and date: recording the same date again replaces the value (and the
    audit log keeps the old one), which makes imports idempotent.
    """

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        IMPORT = "import", _("Imported from a file")
        API = "api", _("Posted through the API")

    target = models.ForeignKey(KPITarget, on_delete=models.CASCADE, related_name="actuals")
    measured_on = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["target", "measured_on"]
        verbose_name = _("KPI actual")
        verbose_name_plural = _("KPI actuals")
        constraints = [models.UniqueConstraint(fields=["target", "measured_on"], name="goals_actual_one_per_day")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.measured_on}: {self.value}"
