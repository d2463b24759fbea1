"""Appeals (绩效申诉, issue 7, decision 0011): an employee contests her released result.

An Appeal belongs to one review (one appeal per review) and moves submitted → under review → upheld (the
result stands) / changed (the result was corrected, through `reviews.services_rating`) / rejected (not accepted,
e.g. filed about something an appeal cannot change). It has an owner — HR in scope, never the manager being
appealed — and a due date from the cycle's `appeal_sla_days`; an overdue appeal is escalated once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jixiao.org.models import Department, Employee
from jixiao.reviews.models import Review


class Appeal(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("appeal", "Submitted")
        UNDER_REVIEW = "under_review", pgettext_lazy("appeal", "Under review")
        UPHELD = "upheld", pgettext_lazy("appeal", "Result upheld")
        CHANGED = "changed", pgettext_lazy("appeal", "Result changed")
        REJECTED = "rejected", pgettext_lazy("appeal", "Not accepted")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="appeals")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="appeals")
    # The review's department when the appeal was filed: HR scope and the report by department read it.
    department = models.ForeignKey(Department, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SUBMITTED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_appeals"
    )
    due_on = models.DateField(_("answer due"))
    manager_response = models.TextField(_("manager's response"), blank=True, default="")
    manager_responded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [models.UniqueConstraint(fields=["review"], name="appeals_appeal_once_per_review")]
        indexes = [
            models.Index(fields=["state", "due_on"], name="appeals_appeal_due"),
            models.Index(fields=["owner", "state"], name="appeals_appeal_owner"),
            models.Index(fields=["department", "state"], name="appeals_appeal_department"),
            models.Index(fields=["created_at", "id"], name="appeals_appeal_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.employee.name} · {self.review.cycle.name}"

    def get_absolute_url(self) -> str:
        return reverse("appeals:appeal", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.SUBMITTED, self.State.UNDER_REVIEW)


class AppealAttachment(models.Model):
    """A file the employee attached to her appeal; served only through the appeal's gate."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="appeals/%Y/%m/")
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, blank=True, default="")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["appeal", "pk"]

    def __str__(self) -> str:
        return self.name
