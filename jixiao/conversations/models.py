"""Conversations (issue 6, decision 0010): continuous feedback, 1:1 meetings, improvement and development plans.

Everything here is about people talking to each other between review cycles. Who may read what is decided in
permissions.py and the `visible_to(user)` querysets; the rules are written in docs/decisions/0010-conversations.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jixiao.core.models import TimeStampedModel
from jixiao.goals.models import CompanyValue, Objective
from jixiao.org.models import Employee

# ---- continuous feedback -----------------------------------------------------------------------


class FeedbackRequest(TimeStampedModel):
    """Someone asks a colleague for feedback about something specific (on herself or on someone she manages)."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("request state", "Open")
        ANSWERED = "answered", _("Answered")
        DECLINED = "declined", _("Declined")

    requester = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="feedback_asked")
    rater = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="feedback_requests")
    # Whom the feedback is about: the requester herself, or someone in her team.
    subject = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(_("about"), max_length=300)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    decline_reason = models.TextField(_("reason"), blank=True, default="")
    due_on = models.DateField(_("answer by"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["rater", "state", "-created_at"], name="conv_request_inbox")]

    def __str__(self) -> str:
        return self.topic


class Feedback(TimeStampedModel):
    """Praise or a suggestion from one person to another, at any time."""

    class Kind(models.TextChoices):
        PRAISE = "praise", _("Praise")
        SUGGESTION = "suggestion", _("Suggestion")

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Only the recipient")
        MANAGER = "manager", _("The recipient and her manager")
        PUBLIC = "public", _("Everyone (praise wall)")

    giver = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="feedback_given")
    recipient = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="feedback_received")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("feedback"))
    visibility = models.CharField(_("who can see it"), max_length=16, choices=Visibility.choices)
    values = models.ManyToManyField(CompanyValue, blank=True, related_name="+", verbose_name=_("company values"))
    objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("objective")
    )
    request = models.ForeignKey(
        FeedbackRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    # The recipient's manager when it was given: "manager" visibility and upward feedback follow the line of
    # that day, and upward feedback is never hidden from the manager's own manager (decision 0010).
    recipient_manager = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(giver=F("recipient")), name="conv_feedback_not_self")]
        indexes = [
            # The recipient's feed, the giver's sent list, the praise wall and the evidence panel, newest first,
            # paged by keyset on (created_at, id).
            models.Index(fields=["recipient", "-created_at", "-id"], name="conv_feedback_recipient"),
            models.Index(fields=["giver", "-created_at", "-id"], name="conv_feedback_giver"),
            models.Index(fields=["visibility", "-created_at", "-id"], name="conv_feedback_wall"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.giver_id}->{self.recipient_id}"


# ---- 1:1 meetings --------------------------------------------------------------------------------


class OneOnOne(TimeStampedModel):
    """A recurring 1:1 between two people (usually a manager and a report): a series of meetings."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        BIWEEKLY = "biweekly", _("Every two weeks")
        MONTHLY = "monthly", _("Every month")
        NONE = "none", _("No fixed rhythm")

    first = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="one_on_ones_first")
    second = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="one_on_ones_second")
    title = models.CharField(_("title"), max_length=100, blank=True)
    cadence = models.CharField(_("how often"), max_length=16, choices=Cadence.choices, default=Cadence.BIWEEKLY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(first=F("second")), name="conv_one_on_one_two_people"),
            models.UniqueConstraint(fields=["first", "second"], name="conv_one_on_one_once"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.first_id}/{self.second_id}"


class Meeting(TimeStampedModel):
    """One meeting of a 1:1 series: its shared agenda and notes; private notes and action items hang off it."""

    class State(models.TextChoices):
        UPCOMING = "upcoming", _("Upcoming")
        DONE = "done", pgettext_lazy("meeting", "Held")
        CANCELLED = "cancelled", _("Cancelled")

    series = models.ForeignKey(OneOnOne, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("date"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.UPCOMING)
    shared_notes = models.TextField(_("shared notes"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["series", "-held_on", "-pk"]
        indexes = [models.Index(fields=["series", "-held_on", "-id"], name="conv_meeting_series")]

    def __str__(self) -> str:
        return f"{self.series_id}@{self.held_on}"


class AgendaItem(TimeStampedModel):
    """A topic either participant adds before (or during) a meeting, optionally linked to a goal or feedback."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    author = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("topic"), max_length=500)
    discussed = models.BooleanField(_("discussed"), default=False)
    objective = models.ForeignKey(Objective, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    feedback = models.ForeignKey(Feedback, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["meeting", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class PrivateNote(TimeStampedModel):
    """A participant's own notes on a meeting: nobody else reads them, not the other participant, not HR."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="private_notes")
    author = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("private notes"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "author"], name="conv_private_note_once")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.author_id}"


class ActionItem(TimeStampedModel):
    """Something to do agreed in a 1:1; open items carry over to every later meeting of the series until done."""

    series = models.ForeignKey(OneOnOne, on_delete=models.CASCADE, related_name="actions")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    owner = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="action_items")
    text = models.CharField(_("action"), max_length=500)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    objective = models.ForeignKey(Objective, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["series", "done_at", "due_on", "pk"]
        indexes = [
            models.Index(fields=["series", "done_at", "id"], name="conv_action_open"),
            models.Index(fields=["owner", "done_at", "due_on"], name="conv_action_owner"),
        ]

    def __str__(self) -> str:
        return self.text


# ---- improvement plans (PIP, 绩效改进计划) --------------------------------------------------------


class ImprovementPlan(TimeStampedModel):
    """A performance improvement plan: gaps, expected results with measures, support, checkpoints, an end date.

    States: draft → active (the employee acknowledges) → extended → passed | not_passed | cancelled. Expectations
    lock once active; changing them needs a new acknowledgement (`expectations_version` counts the versions).
    """

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("plan", "Draft")
        PENDING = "pending", pgettext_lazy("plan", "Waiting for acknowledgement")
        ACTIVE = "active", pgettext_lazy("plan", "Active")
        EXTENDED = "extended", pgettext_lazy("plan", "Extended")
        PASSED = "passed", pgettext_lazy("plan", "Passed")
        NOT_PASSED = "not_passed", pgettext_lazy("plan", "Not passed")
        CANCELLED = "cancelled", pgettext_lazy("plan", "Cancelled")

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="improvement_plans")
    manager = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    hr = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    gaps = models.TextField(_("gaps"))
    support = models.TextField(_("support given"), blank=True, default="")
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    # When the end date was last pushed back: an extended plan comes back as `extended` when acknowledged.
    extended_at = models.DateTimeField(_("extended"), null=True, blank=True)
    expectations_version = models.PositiveIntegerField(default=1)
    outcome = models.TextField(_("outcome"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="conv_pip_dates")]
        indexes = [models.Index(fields=["employee", "state"], name="conv_pip_employee")]

    def __str__(self) -> str:
        return f"PIP {self.pk}"


class Expectation(models.Model):
    """An expected result of an improvement plan and how it is measured."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="expectations")
    text = models.CharField(_("expected result"), max_length=500)
    measure = models.CharField(_("measure"), max_length=500)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Checkpoint(models.Model):
    """A dated checkpoint of an improvement plan; both sides record progress notes on it."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="checkpoints")
    due_on = models.DateField(_("date"))
    title = models.CharField(_("checkpoint"), max_length=200)

    class Meta:
        ordering = ["plan", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class CheckpointNote(TimeStampedModel):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("progress note"))

    class Meta:
        ordering = ["checkpoint", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.checkpoint_id}:{self.author_id}"


# ---- development plans (IDP, 个人发展计划) ---------------------------------------------------------


class DevelopmentPlan(TimeStampedModel):
    """A person's development plan: needs (often the competency gaps of her latest review) and actions."""

    class State(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("plan", "Active")
        CLOSED = "closed", pgettext_lazy("plan", "Closed")

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="development_plans")
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE)
    owner_comment = models.TextField(_("my comment"), blank=True, default="")
    manager_comment = models.TextField(_("manager's comment"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["employee", "state"], name="conv_idp_employee")]

    def __str__(self) -> str:
        return self.title


class DevelopmentNeed(models.Model):
    """Something to develop; `competency` and `review` say where a pre-filled need came from."""

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="needs")
    text = models.CharField(_("development need"), max_length=500)
    competency = models.ForeignKey(
        "reviews.Competency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review = models.ForeignKey("reviews.Review", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class DevelopmentAction(TimeStampedModel):
    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        MENTORING = "mentoring", _("Mentoring")
        STRETCH = "stretch", _("Stretch assignment")
        READING = "reading", _("Reading")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="actions")
    need = models.ForeignKey(DevelopmentNeed, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("action"), max_length=300)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)

    class Meta:
        ordering = ["plan", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title
