"""Calibration (绩效校准, issue 7, decision 0011): sessions over groups of reviews, a distribution guide, 9-box.

- A CalibrationSession belongs to a cycle and covers a group of its reviews (a department subtree, a band of job
  levels or a hand-picked set), frozen as Member rows when HR opens it. Only its Participants see it.
- A Member is one review in a session: the band it came in with (`original_band`, never changed) and the
  potential rated in the session (the 9-box's second axis). A review sits in at most one session.
- An Adjustment is one change of rating in a session with its reason; the review's own band is changed through
  `reviews.services_rating` (audited there), so what the employee reads and the session's history agree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jixiao.core.models import TimeStampedModel
from jixiao.org.models import Department
from jixiao.reviews.models import Cycle, Review

# The company default (DESIGN.md): a guide, not a hard rule. Keys are band codes of the cycle's scale.
DEFAULT_GUIDE: dict[str, int] = {"S": 10, "A": 20, "B": 50, "C": 15, "D": 5}


class Potential(models.TextChoices):
    LOW = "low", pgettext_lazy("potential", "Low")
    MEDIUM = "medium", pgettext_lazy("potential", "Medium")
    HIGH = "high", pgettext_lazy("potential", "High")


class CalibrationSession(TimeStampedModel):
    """A calibration meeting over a group of one cycle's reviews."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("calibration session", "Open")
        CLOSED = "closed", pgettext_lazy("calibration session", "Closed")

    class Scope(models.TextChoices):
        DEPARTMENT = "department", _("A department and its sub-departments")
        LEVELS = "levels", _("A band of job levels")
        PICKED = "picked", _("Hand-picked people")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="calibration_sessions")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("group"), max_length=16, choices=Scope.choices)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    levels = models.JSONField(_("job levels"), default=list, blank=True)
    # Percent of people per band code, e.g. {"S": 10, "A": 20, "B": 50, "C": 15, "D": 5}; sums to 100.
    guide = models.JSONField(_("distribution guide"), default=dict)
    # A rater's mean this far (in scale points) from the other raters' is flagged lenient or severe.
    bias_threshold = models.DecimalField(_("bias threshold"), max_digits=3, decimal_places=2, default="0.50")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Written when the session closes: {"members": n, "changed": n, "up": n, "down": n, "before": {...}, "after": {...}}
    summary = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("calibration session")
        verbose_name_plural = _("calibration sessions")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "name"], name="calibration_session_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("calibration:session", args=[self.pk])


class Participant(models.Model):
    """Someone who sees and works in a session: the HR who opened it (a facilitator), managers, other HR."""

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calibration_seats")
    facilitator = models.BooleanField(_("facilitator"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="calibration_participant_once")]
        indexes = [models.Index(fields=["user", "session"], name="calibration_participant_user")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.user_id}"


class Member(models.Model):
    """One review in a session: the band it came in with and the potential rated there."""

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="members")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    original_band = models.CharField(max_length=8, blank=True, default="")
    potential = models.CharField(_("potential"), max_length=8, choices=Potential.choices, blank=True, default="")

    class Meta:
        ordering = ["session", "pk"]
        constraints = [models.UniqueConstraint(fields=["review"], name="calibration_member_one_session")]
        indexes = [models.Index(fields=["session", "review"], name="calibration_member_session")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.review_id}"


class Adjustment(models.Model):
    """A change of rating in a session, with the reason the employee will read."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Moved in the session")
        NORMALISED = "normalised", _("Normalised")

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="adjustments")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    from_band = models.CharField(max_length=8)
    to_band = models.CharField(max_length=8)
    reason = models.TextField(_("reason"))
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MANUAL)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "created_at", "pk"]
        indexes = [models.Index(fields=["session", "review"], name="calibration_adjustment_review")]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="calibration_adjustment_reason")]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.from_band} → {self.to_band}"
