"""Review cycles: rating scales, competencies (BARS), templates, cycles, reviews and evaluations.

The shape, in one paragraph (docs/decisions/0007-review-cycles.md has the why):
- configuration — RatingScale (levels + bands), Competency (+ BARS anchors per level), CompetencyModel
  (competencies per job family and levels), ReviewTemplate (+ weighted TemplateSection, TemplateQuestion) —
  is edited by HR and may change at any time;
- a Cycle copies its template, scale, competencies and attainment table into `Cycle.snapshot` at launch, so
  editing the configuration later never changes a launched cycle;
- a Review is one reviewee in one cycle (考核表): it carries the snapshot of her manager and skip-level
  manager taken at launch, the review's state, and the scored breakdown;
- an Evaluation is one rater's part of a review — self, manager, skip-level approval today; peer, upward
  and customer later — unique per (cycle, reviewee, rater, kind) so a launch can be repeated safely.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jixiao.core.models import TimeStampedModel
from jixiao.goals.models import CompanyValue, Period
from jixiao.org.models import Department, Employee

if TYPE_CHECKING:
    from jixiao.accounts.models import User


# ---- rating scales --------------------------------------------------------------------------------


class RatingScale(TimeStampedModel):
    """Levels a rater picks from (default 1–5) and the bands a final score falls into (S/A/B/C/D)."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    is_default = models.BooleanField(_("default scale"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-is_default", "name", "pk"]
        verbose_name = _("rating scale")
        verbose_name_plural = _("rating scales")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="reviews_scale_unique_name"),
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="reviews_one_default_scale"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ScaleLevel(models.Model):
    """One step of a scale: its value, label and description in zh and en."""

    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="levels")
    value = models.DecimalField(_("value"), max_digits=5, decimal_places=2)
    label = models.CharField(_("label"), max_length=60)
    label_en = models.CharField(_("English label"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)

    class Meta:
        ordering = ["scale", "value"]
        constraints = [models.UniqueConstraint(fields=["scale", "value"], name="reviews_level_unique_value")]

    def __str__(self) -> str:
        return f"{self.value} {self.label}"


class ScaleBand(models.Model):
    """A band of final scores: the lowest score that earns it, its code (S/A/B/C/D) and its label."""

    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="bands")
    code = models.CharField(_("code"), max_length=8)
    label = models.CharField(_("label"), max_length=60)
    label_en = models.CharField(_("English label"), max_length=60, blank=True)
    threshold = models.DecimalField(_("lowest score"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["scale", "-threshold"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "code"], name="reviews_band_unique_code"),
            models.UniqueConstraint(fields=["scale", "threshold"], name="reviews_band_unique_threshold"),
        ]

    def __str__(self) -> str:
        return self.code


# ---- competencies ---------------------------------------------------------------------------------


class Competency(TimeStampedModel):
    """A behaviour rated with behaviourally anchored descriptions (BARS), one per scale level."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    # Values double as competencies (DESIGN step 1): a competency may stand for a company value.
    value = models.ForeignKey(
        CompanyValue,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("company value"),
    )
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        constraints = [models.UniqueConstraint(fields=["name"], name="reviews_competency_unique_name")]

    def __str__(self) -> str:
        return self.name


class CompetencyAnchor(models.Model):
    """What the behaviour looks like at one level of the scale (the BARS anchor)."""

    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="anchors")
    level = models.DecimalField(_("level"), max_digits=5, decimal_places=2)
    text = models.TextField(_("behaviour"))
    text_en = models.TextField(_("English behaviour"), blank=True)

    class Meta:
        ordering = ["competency", "level"]
        constraints = [models.UniqueConstraint(fields=["competency", "level"], name="reviews_anchor_unique_level")]

    def __str__(self) -> str:
        return f"{self.competency_id}@{self.level}"


class CompetencyModel(TimeStampedModel):
    """The competencies rated for a job family at some job levels (empty family/levels match everyone)."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    job_family = models.CharField(_("job family"), max_length=60, blank=True)
    job_levels = models.JSONField(_("job levels"), default=list, blank=True)
    competencies = models.ManyToManyField(
        Competency, through="CompetencyModelItem", related_name="competency_models", verbose_name=_("competencies")
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["job_family", "name", "pk"]
        verbose_name = _("competency model")
        verbose_name_plural = _("competency models")
        constraints = [models.UniqueConstraint(fields=["name"], name="reviews_cmodel_unique_name")]

    def __str__(self) -> str:
        return self.name


class CompetencyModelItem(models.Model):
    model = models.ForeignKey(CompetencyModel, on_delete=models.CASCADE, related_name="items")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=Decimal(1))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["model", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["model", "competency"], name="reviews_cmodel_item_unique")]

    def __str__(self) -> str:
        return f"{self.model_id}:{self.competency_id}"


# ---- templates -----------------------------------------------------------------------------------


class SectionKind(models.TextChoices):
    KPI = "kpi", _("KPIs")
    GOALS = "goals", _("Goals (MBO)")
    COMPETENCIES = "competencies", _("Competencies")
    QUESTIONS = "questions", _("Open questions")
    FEEDBACK = "feedback", _("360° feedback")


class ReviewTemplate(TimeStampedModel):
    """Weighted sections a cycle's reviews are made of; copied into a cycle when it launches."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    scale = models.ForeignKey(RatingScale, on_delete=models.PROTECT, related_name="templates", verbose_name=_("scale"))
    # 0–100: how much of a rated section's score comes from the self rating (e.g. 20 → self 20% / manager 80%).
    self_weight = models.PositiveSmallIntegerField(_("self-rating weight (%)"), default=0)
    overall_comment_required = models.BooleanField(_("overall comment required"), default=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["archived", "name", "pk"]
        verbose_name = _("review template")
        verbose_name_plural = _("review templates")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="reviews_template_unique_name"),
            models.CheckConstraint(condition=Q(self_weight__lte=100), name="reviews_template_self_weight_max"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateSection(models.Model):
    template = models.ForeignKey(ReviewTemplate, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(_("kind"), max_length=16, choices=SectionKind.choices)
    title = models.CharField(_("title"), max_length=100)
    title_en = models.CharField(_("English title"), max_length=100, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=Decimal(0))
    required = models.BooleanField(_("required"), default=True)
    # Competency sections: a fixed competency model, or (None) the model matching each reviewee's job.
    competency_model = models.ForeignKey(
        CompetencyModel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Feedback (360) sections: how many peers a reviewee nominates (decision 0009).
    peer_min = models.PositiveSmallIntegerField(_("fewest peers"), default=3)
    peer_max = models.PositiveSmallIntegerField(_("most peers"), default=8)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(peer_min__lte=F("peer_max")), name="reviews_section_peer_min_max")
        ]

    def __str__(self) -> str:
        return self.title


class FeedbackGroup(models.TextChoices):
    """Who answers a 360 section: the identified raters of the review, and the anonymous groups."""

    SELF = "self", _("Self")
    MANAGER = "manager", _("Manager")
    PEER = "peer", _("Peers")
    UPWARD = "upward", _("Direct reports")
    CUSTOMER = "customer", _("Customers")


class TemplateGroup(models.Model):
    """A rater group of a 360 section and its weight inside the section (the weights total 100)."""

    section = models.ForeignKey(TemplateSection, on_delete=models.CASCADE, related_name="groups")
    kind = models.CharField(_("group"), max_length=16, choices=FeedbackGroup.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=Decimal(0))

    class Meta:
        ordering = ["section", "pk"]
        constraints = [models.UniqueConstraint(fields=["section", "kind"], name="reviews_group_once")]

    def __str__(self) -> str:
        return f"{self.section_id}:{self.kind}"


class TemplateQuestion(models.Model):
    section = models.ForeignKey(TemplateSection, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("English question"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["section", "order", "pk"]

    def __str__(self) -> str:
        return self.text


# ---- cycles --------------------------------------------------------------------------------------


class PhaseKind(models.TextChoices):
    """Phases in their fixed order; a cycle uses a subset (calibration is optional, like skip-level approval)."""

    PEER_SELECTION = "peer_selection", _("Peer selection")
    SELF = "self", _("Self review")
    FEEDBACK = "feedback", _("360° feedback")
    MANAGER = "manager", _("Manager review")
    SKIP_LEVEL = "skip_level", _("Skip-level approval")
    CALIBRATION = "calibration", _("Calibration")
    RELEASE = "release", _("Release")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")


PHASE_ORDER: tuple[str, ...] = (
    PhaseKind.PEER_SELECTION,
    PhaseKind.SELF,
    PhaseKind.FEEDBACK,
    PhaseKind.MANAGER,
    PhaseKind.SKIP_LEVEL,
    PhaseKind.CALIBRATION,
    PhaseKind.RELEASE,
    PhaseKind.ACKNOWLEDGEMENT,
)


class CycleQuerySet(models.QuerySet["Cycle"]):
    def visible_to(self, user: User) -> QuerySet[Cycle]:
        """Cycles the user may see: HR in scope and admins see them all; others the ones they take part in."""
        from .selectors import cycle_visibility_q

        q = cycle_visibility_q(user)
        return self.none() if q is None else self.filter(q).distinct()


class Cycle(TimeStampedModel):
    """A review cycle (考核周期): who is reviewed, with which template, in which phases and by when."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("cycle", "Draft")
        LAUNCHING = "launching", _("Launching")
        ACTIVE = "active", _("In progress")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="review_cycles", verbose_name=_("period"))
    template = models.ForeignKey(
        ReviewTemplate, null=True, on_delete=models.SET_NULL, related_name="cycles", verbose_name=_("template")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    phase = models.CharField(_("current phase"), max_length=24, choices=PhaseKind.choices, blank=True)
    skip_level = models.BooleanField(_("skip-level approval"), default=False)
    # 360 feedback (issue 5, decision 0009): the anonymity thresholds (never below 3), whether managers may
    # see peers' names, and how many reviewees may ask one rater before the nomination pages flag her.
    anonymity_k = models.PositiveSmallIntegerField(_("smallest group shown"), default=3)
    comment_k = models.PositiveSmallIntegerField(_("smallest group whose comments are shown"), default=3)
    confidential = models.BooleanField(_("confidential rather than anonymous"), default=False)
    rater_load_limit = models.PositiveSmallIntegerField(_("requests per rater before a warning"), default=8)
    # Calibration and appeals (issue 7, decision 0011): a calibration phase between approval and release;
    # employees may appeal for `appeal_days` after release (0: no appeals), HR answers within `appeal_sla_days`.
    calibration = models.BooleanField(_("calibration"), default=False)
    appeal_days = models.PositiveSmallIntegerField(_("days to appeal after release"), default=14)
    appeal_sla_days = models.PositiveSmallIntegerField(_("days to answer an appeal"), default=10)
    # Participants: {"departments": [ids], "levels": [str], "hired_before": "YYYY-MM-DD"|null, "exclude": [ids]}
    filters = models.JSONField(_("participants"), default=dict, blank=True)
    # The frozen copy of template, scale, competencies and attainment table (see services.cycle_snapshot).
    snapshot = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    launched_at = models.DateTimeField(null=True, blank=True, editable=False)
    launch_done = models.PositiveIntegerField(default=0, editable=False)
    launch_total = models.PositiveIntegerField(default=0, editable=False)
    launch_report = models.JSONField(default=dict, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="reviews_cycle_unique_name"),
            models.CheckConstraint(
                condition=Q(anonymity_k__gte=3, comment_k__gte=3), name="reviews_cycle_k_at_least_3"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reviews:cycle", args=[self.pk])


class CyclePhase(models.Model):
    """A phase of a cycle with its dates; reminders go out before and after `due_on`."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("phase"), max_length=24, choices=PhaseKind.choices)
    starts_on = models.DateField(_("starts"))
    due_on = models.DateField(_("due"))

    class Meta:
        ordering = ["cycle", "starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "kind"], name="reviews_phase_once"),
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("due_on")), name="reviews_phase_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}:{self.kind}"


# ---- reviews and evaluations --------------------------------------------------------------------


class ReviewQuerySet(models.QuerySet["Review"]):
    def visible_to(self, user: User) -> QuerySet[Review]:
        """Reviews the user may open: her own, the ones she rates or approves, her reports', HR in scope."""
        from .selectors import review_visibility_q

        q = review_visibility_q(user)
        return self.none() if q is None else self.filter(q)


class Review(models.Model):
    """One reviewee in one cycle (考核表), with the reporting line as it was at launch and the scored result."""

    class State(models.TextChoices):
        SELF_REVIEW = "self_review", _("Self review")
        MANAGER_REVIEW = "manager_review", _("Manager review")
        SKIP_LEVEL = "skip_level", _("Skip-level approval")
        READY = "ready", _("Ready to release")
        RELEASED = "released", _("Released")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DISAGREED = "disagreed", _("Disagreed")

    class OverrideSource(models.TextChoices):
        CALIBRATION = "calibration", _("Calibration")
        APPEAL = "appeal", _("Appeal")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reviews")
    reviewee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="reviews")
    # The reporting line at launch; HR may reassign (audited). Never follows later org changes silently.
    manager = models.ForeignKey(Employee, null=True, on_delete=models.PROTECT, related_name="reviews_as_manager")
    skip_level = models.ForeignKey(Employee, null=True, on_delete=models.PROTECT, related_name="reviews_as_skip_level")
    department = models.ForeignKey(Department, null=True, on_delete=models.SET_NULL, related_name="+")
    # The competency model chosen for the reviewee's job at launch (a key into the cycle's snapshot).
    competency_model = models.CharField(max_length=32, blank=True, default="")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SELF_REVIEW)
    # KPI and goal items as scored when the manager submitted: [{"kind", "id", "title", "weight", "attainment"}].
    auto_items = models.JSONField(default=list, blank=True)
    final_score = models.DecimalField(null=True, blank=True, max_digits=5, decimal_places=2)
    # `band` is the rating the reviewee reads: the score's band (also kept in breakdown["band"]) unless
    # calibration or an appeal set `band_override`, with the reason she reads (never who argued for it).
    band = models.CharField(max_length=8, blank=True, default="")
    breakdown = models.JSONField(default=dict, blank=True)
    band_override = models.CharField(max_length=8, blank=True, default="")
    override_source = models.CharField(max_length=16, choices=OverrideSource.choices, blank=True, default="")
    override_reason = models.TextField(blank=True, default="")
    # Section scores corrected on appeal: {"s1": {"score": "3.5", "reason": "…"}}; scoring applies them last.
    corrections = models.JSONField(default=dict, blank=True)
    # True while the review sits in an open calibration session: release leaves it out until the session closes.
    calibration_hold = models.BooleanField(default=False)
    released_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_comment = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "pk"]
        constraints = [models.UniqueConstraint(fields=["cycle", "reviewee"], name="reviews_review_once")]
        indexes = [
            models.Index(fields=["cycle", "state"], name="reviews_review_cycle_state"),
            models.Index(fields=["manager", "cycle"], name="reviews_review_manager"),
            models.Index(fields=["skip_level", "cycle"], name="reviews_review_skip_level"),
            models.Index(fields=["reviewee", "cycle"], name="reviews_review_reviewee"),
            models.Index(fields=["cycle", "department"], name="reviews_review_department"),
            # The HR progress page groups a cycle's reviews by department and state.
            models.Index(fields=["cycle", "department", "state", "skip_level"], name="reviews_review_progress"),
            # The band distribution of a cycle late in its life (every review has a band).
            models.Index(fields=["cycle", "state", "band"], name="reviews_review_bands"),
        ]

    def __str__(self) -> str:
        # Audit events label a review with this: the reviewee and the cycle (both loaded by the gate).
        return f"{self.reviewee.name} · {self.cycle.name}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review", args=[self.pk])


class EvaluationKind(models.TextChoices):
    SELF = "self", _("Self review")
    MANAGER = "manager", _("Manager review")
    SKIP_LEVEL = "skip_level", _("Skip-level approval")
    PEER = "peer", _("Peer review")
    UPWARD = "upward", _("Upward review")
    CUSTOMER = "customer", _("Customer feedback")


# The rater groups whose answers are shown only as aggregates (decision 0009).
ANONYMOUS_KINDS: tuple[str, ...] = (EvaluationKind.PEER, EvaluationKind.UPWARD, EvaluationKind.CUSTOMER)


class Evaluation(models.Model):
    """One rater's part of a review: her ratings, answers and comment, saved as a draft until submitted."""

    class State(models.TextChoices):
        PENDING = "pending", _("Not started")
        DRAFT = "draft", pgettext_lazy("evaluation", "Draft")
        SUBMITTED = "submitted", _("Submitted")
        SKIPPED = "skipped", _("Skipped")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="evaluations")
    # Denormalised from the review so the launch's unique key is (cycle, reviewee, rater, kind).
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    reviewee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    # None for an external rater (a customer), who answers through an invitation link.
    rater = models.ForeignKey(Employee, null=True, on_delete=models.PROTECT, related_name="evaluations")
    nomination = models.OneToOneField(
        "Nomination", null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluation"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EvaluationKind.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    # {"ratings": {"<section>:<item>": "4"}, "comments": {...}, "answers": {"<question>": "..."},
    #  "overrides": {"<section>": {"score": "3.5", "reason": "..."}}, "overall": "...", "decision": "..."}
    answers = models.JSONField(default=dict, blank=True)
    # The manager's private note: never shown to the reviewee, in any state (decision 0007).
    private_note = models.TextField(blank=True, default="")
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["review", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "reviewee", "rater", "kind"], name="reviews_evaluation_once")
        ]
        indexes = [
            models.Index(fields=["rater", "cycle", "state"], name="reviews_eval_rater"),
            # The progress page counts a cycle's parts by kind and state, and pages through the overdue ones.
            models.Index(fields=["cycle", "kind", "state", "review"], name="reviews_eval_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}:{self.kind}"


class Reminder(models.Model):
    """A reminder sent (one per evaluation, phase, kind and day) so the scheduled task can run any number of times."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        NUDGE = "nudge", _("Nudge")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent_on = models.DateField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "kind", "sent_on"], name="reviews_reminder_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}:{self.kind}@{self.sent_on}"


class Nomination(models.Model):
    """Someone asked for 360 feedback on a review: a peer the reviewee proposed, a report, or a customer.

    Proposed by the reviewee (or added by her manager or HR), approved or removed by the manager; an approved
    nomination becomes an Evaluation when the requests go out. A customer has an email and a name instead of
    an employee.
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REMOVED = "removed", _("Removed")
        DECLINED = "declined", _("Declined")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="nominations")
    kind = models.CharField(_("group"), max_length=16, choices=EvaluationKind.choices)
    rater = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.PROTECT, related_name="nominations")
    email = models.EmailField(_("email"), blank=True, default="")
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PROPOSED)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decline_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["review", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rater__isnull=False, email="") | Q(rater__isnull=True) & ~Q(email=""),
                name="reviews_nomination_employee_or_email",
            ),
            models.UniqueConstraint(
                fields=["review", "kind", "rater"], condition=Q(rater__isnull=False), name="reviews_nomination_once"
            ),
            models.UniqueConstraint(
                fields=["review", "email"], condition=~Q(email=""), name="reviews_nomination_email_once"
            ),
        ]
        indexes = [models.Index(fields=["rater", "state"], name="reviews_nomination_rater")]

    def __str__(self) -> str:
        return f"{self.review_id}:{self.kind}:{self.rater_id or self.email}"


class Invitation(models.Model):
    """A customer's link to give feedback without an account (decision 0009).

    Only the SHA-256 of the random token is stored; the token itself is in the email alone. It expires, and
    works for one submission (`used_at`); opening it is exchanged for a short session by the page.
    """

    nomination = models.OneToOneField(Nomination, on_delete=models.CASCADE, related_name="invitation")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"invitation {self.pk}"
