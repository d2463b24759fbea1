"""Departments, employees and reporting lines, and HR's department scopes.

Trees are stored twice: as a parent pointer (the truth) and as a materialised path of ids
("/1/5/12/"), so that "everything under this department" and "everyone under this manager"
are one indexed prefix match instead of a recursive walk. Services keep the paths in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel

if TYPE_CHECKING:
    from jixiao.accounts.models import User


def _any_prefix(field: str, prefixes: list[str]) -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


class DepartmentQuerySet(models.QuerySet["Department"]):
    def visible_to(self, user: User) -> QuerySet[Department]:
        """Everyone in the company sees the department tree; accounts outside it see nothing."""
        from .selectors import actor_context

        ctx = actor_context(user)
        if ctx.is_admin or ctx.is_executive or ctx.employee_id or ctx.hr_paths:
            return self.all()
        return self.none()

    def writable_by(self, user: User) -> QuerySet[Department]:
        """Admins change any department; HR changes departments inside her subtrees."""
        from .selectors import actor_context

        ctx = actor_context(user)
        if ctx.is_admin:
            return self.all()
        return self.filter(_any_prefix("path", ctx.hr_paths))


class Department(TimeStampedModel):
    """A unit of the organisation; any depth; the root has no parent."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    head = models.ForeignKey(
        "Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="heads", verbose_name=_("head")
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="org_department_unique_sibling_name"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="org_department_one_root_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:department", args=[self.pk])

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_LEAVE = "on_leave", _("On leave")
    LEFT = "left", _("Left")


class EmployeeQuerySet(models.QuerySet["Employee"]):
    def visible_to(self, user: User) -> QuerySet[Employee]:
        """Who appears in the directory for this user.

        Colleagues see everyone who has not left; HR also sees leavers inside her subtrees;
        admins and executives see everyone; accounts without a place in the company see nobody.
        """
        from .selectors import actor_context

        ctx = actor_context(user)
        if ctx.is_admin or ctx.is_executive:
            return self.all()
        if ctx.employee_id is None and not ctx.hr_paths:
            return self.none()
        current = Q(status__in=[Status.ACTIVE, Status.ON_LEAVE]) if ctx.employee_id is not None else Q(pk__in=[])
        return self.filter(current | _any_prefix("department__path", ctx.hr_paths))

    def sensitive_visible_to(self, user: User) -> QuerySet[Employee]:
        """Whose level, hire date and phone the user may read: herself, her reports, HR in scope, admins."""
        from .selectors import actor_context

        ctx = actor_context(user)
        if ctx.is_admin:
            return self.all()
        q = _any_prefix("department__path", ctx.hr_paths)
        if ctx.employee_id is not None:
            q |= Q(chain__startswith=ctx.employee_chain)
        return self.filter(q)

    def writable_by(self, user: User) -> QuerySet[Employee]:
        """Admins change anyone; HR changes people in departments inside her subtrees."""
        from .selectors import actor_context

        ctx = actor_context(user)
        if ctx.is_admin:
            return self.all()
        return self.filter(_any_prefix("department__path", ctx.hr_paths))


class Employee(TimeStampedModel):
    """A person in the company, whether or not she has an account."""

    employee_number = models.CharField(_("employee number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # "wangwei ww" for 王伟: kept by every write of the name (services, import, seeding) so the
    # directory can match pinyin and initials (pinyin.name_pinyin).
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False, default="")
    english_name = models.CharField(_("English name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    job_level = models.CharField(_("job level"), max_length=16, blank=True)
    # Sales, engineering, operations…: picks the competency model a review rates (reviews.CompetencyModel).
    job_family = models.CharField(_("job family"), max_length=60, blank=True, default="")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="employees", verbose_name=_("department")
    )
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="direct_reports",
        verbose_name=_("manager"),
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
        verbose_name=_("account"),
    )
    # Ids along the reporting line from the top down to this person: "/1/7/23/".
    chain = models.CharField(max_length=600, db_index=True, editable=False, default="")
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        ordering = ["employee_number"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        indexes = [models.Index(fields=["department", "name"], name="org_employee_dept_name_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(manager=models.F("pk")), name="org_employee_not_own_manager"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.english_name})" if self.english_name else self.name

    def get_absolute_url(self) -> str:
        return reverse("org:employee", args=[self.pk])

    @property
    def chain_ids(self) -> list[int]:
        """Ids of her managers from the top down, without herself."""
        return [int(part) for part in self.chain.strip("/").split("/") if part][:-1]


class HRScope(models.Model):
    """HR rights over one department subtree; an HRBP has one row per business unit she serves."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hr_scopes")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="hr_scopes")

    class Meta:
        verbose_name = _("HR scope")
        verbose_name_plural = _("HR scopes")
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="org_hrscope_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.department}"


class ImportJob(TimeStampedModel):
    """One uploaded import file and what became of it; the page polls it for progress.

    The file is kept as bytes only until the job finishes (it holds personal data), so a worker on
    another machine can read it without shared storage.
    """

    class Kind(models.TextChoices):
        EMPLOYEES = "employees", _("Employees and departments")
        KPI_ACTUALS = "kpi_actuals", _("KPI actuals")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("owner")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.EMPLOYEES)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content = models.BinaryField(default=b"", editable=False)
    status = models.CharField(_("status"), max_length=16, choices=State.choices, default=State.QUEUED)
    # reading / checking / writing: what the bar is waiting for while the counts cannot move.
    stage = models.CharField(max_length=16, blank=True, editable=False)
    progress_done = models.PositiveIntegerField(default=0, editable=False)
    progress_total = models.PositiveIntegerField(default=0, editable=False)
    created_count = models.PositiveIntegerField(default=0, editable=False)
    updated_count = models.PositiveIntegerField(default=0, editable=False)
    unchanged_count = models.PositiveIntegerField(default=0, editable=False)
    departments_created = models.PositiveIntegerField(default=0, editable=False)
    # {"errors": [{"row", "column", "field", "code", "params"}], "total_errors": n, "notices": [...]}
    report = models.JSONField(default=dict, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["owner", "-created_at"], name="org_importjob_owner_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.status})"

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.KPI_ACTUALS:
            return reverse("goals:actuals_import_job", args=[self.pk])
        return reverse("org:import_job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in {self.State.SUCCEEDED, self.State.FAILED}

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
