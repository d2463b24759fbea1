"""What the reviews API reads and writes: reviews, evaluations (one rater's part), cycles and their progress.

Input schemas forbid unknown fields (422), like every input of the API (docs/decisions/0002-api-conventions.md).
Versions travel only as ETag / If-Match headers, never in a body. Scores are decimals as strings ("3.60").

A part of a review that the reader may not see (decided by selectors.review_view, the visibility matrix)
comes back as null, never as an empty value that could be mistaken for "not written yet".
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, StringConstraints

from jixiao.core.api import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

from .models import Cycle, Evaluation, EvaluationKind, PhaseKind, Review

CURSOR = Field(None, max_length=500, description="`next_cursor` of the previous page.")
SCORE = 'A decimal as a string, e.g. "3.60".'
ANSWERS = (
    'A rater\'s answers: {"ratings": {"<section>:<competency>": "4"}, "comments": {...}, '
    '"answers": {"<section>:<question>": "text"}, "overrides": {"<section>": {"score": "3.5", "reason": "…"}}, '
    '"overall": "…"}; a skip-level decision is {"decision": "approve"|"return", "comment": "…"}. '
    "Null when the reader may not see it."
)

Rating = Annotated[str, StringConstraints(max_length=20)] | int | float
Key = Annotated[str, StringConstraints(max_length=40)]
Text = Annotated[str, StringConstraints(max_length=8000)]
MAX_ITEMS = 500


class _Output(BaseModel):
    """Answers are built field by field in api.py."""


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Filters(Schema):
    cursor: str | None = CURSOR
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def _page_cursor() -> Any:
    return Field(description="Pass as `cursor` to get the next page; null on the last page.")


# ---- shared pieces ------------------------------------------------------------------------------


class PersonRef(_Output):
    id: int
    name: str
    english_name: str


class CycleRef(_Output):
    id: int
    name: str
    name_en: str
    phase: PhaseKind | None = Field(description="The cycle's current phase (null before launch).")


class ViewOut(_Output):
    """What the reader may see of this review (the visibility matrix, decision 0007)."""

    role: str = Field(description="reviewee, manager, skip_level, chain, hr or admin.")
    self_review: bool
    manager_review: bool
    private_note: bool
    skip_level_decision: bool
    score: bool


# ---- evaluations --------------------------------------------------------------------------------


class FormItem(_Output):
    field: str = Field(description='The key under which the item is answered, e.g. "s3:c7".')
    section: str
    kind: Literal["rating", "question"]
    title: str
    title_en: str
    required: bool


class ScaleLevelOut(_Output):
    value: str
    label: str
    label_en: str


class FormOut(_Output):
    """What the rater fills in, from the cycle's frozen template."""

    items: list[FormItem]
    levels: list[ScaleLevelOut]
    overrides: list[str] = Field(description="Sections whose automatic score the manager may override, with a reason.")
    overall_comment_required: bool


class EvaluationOut(_Output):
    id: int
    review: int
    cycle: CycleRef
    kind: EvaluationKind
    state: Evaluation.State
    review_state: Review.State
    reviewee: PersonRef
    rater: PersonRef | None = Field(description="Who writes this part; null for an external rater.")
    answers: dict[str, Any] | None = Field(description=ANSWERS)
    private_note: str | None = Field(description="The manager's private note: only ever shown to managers and HR.")
    submitted_at: dt.datetime | None
    updated_at: dt.datetime
    version: int = Field(description="Also sent as the ETag header; send it back as If-Match to write.")
    form: FormOut | None = Field(description="What to fill in; for the rater only.")


class EvaluationSummaryOut(_Output):
    id: int
    review: int
    cycle: CycleRef
    kind: EvaluationKind
    state: Evaluation.State
    review_state: Review.State
    reviewee: PersonRef
    version: int


class EvaluationPage(_Output):
    items: list[EvaluationSummaryOut]
    next_cursor: str | None = _page_cursor()


class EvaluationFilters(_Filters):
    cycle: int | None = Field(None, description="Only this cycle's evaluations.")
    kind: EvaluationKind | None = None
    open: bool = Field(
        True,
        description="true (default): only those waiting for you now (not started or draft, in a cycle in progress,"
        " skip-level approvals once the manager has submitted); false: all of yours.",
    )


class OverrideIn(_Input):
    score: Rating | None = Field(description="The manager's score for an automatic section; null clears it.")
    reason: str = Field("", max_length=2000, description="Required with a score.")


class AnswersIn(_Input):
    """A rater's answers. PUT replaces them all; PATCH changes the keys sent (a null value clears a key)."""

    ratings: dict[Key, Rating | None] = Field(
        default_factory=dict, max_length=MAX_ITEMS, description='{"<section>:<competency>": "4"}'
    )
    comments: dict[Key, Text | None] = Field(
        default_factory=dict, max_length=MAX_ITEMS, description="A comment per rated item."
    )
    answers: dict[Key, Text | None] = Field(
        default_factory=dict, max_length=MAX_ITEMS, description='{"<section>:<question>": "text"}'
    )
    overrides: dict[Key, OverrideIn | None] = Field(
        default_factory=dict,
        max_length=MAX_ITEMS,
        description="Manager only: a score for a KPI or goals section, with a reason.",
    )
    overall: str = Field("", max_length=8000)
    private_note: str | None = Field(
        None, max_length=8000, description="Manager only: a note never shown to the reviewee. Omitted: unchanged."
    )


class SubmitIn(_Input):
    """Optional answers to save and submit in one call; without them the saved draft is submitted."""

    answers: AnswersIn | None = None


class DecisionIn(_Input):
    approve: bool = Field(description="true approves the manager's review; false returns it to the manager.")
    comment: str = Field("", max_length=4000, description="Required when returning it.")


# ---- reviews ------------------------------------------------------------------------------------


class PartOut(_Output):
    """One rater's part of the review, with what the reader may see of it."""

    evaluation: int
    kind: EvaluationKind
    state: Evaluation.State
    rater: PersonRef | None = Field(description="Who writes this part; null for an external rater.")
    answers: dict[str, Any] | None = Field(description=ANSWERS)
    private_note: str | None = Field(description="Null unless the reader may see the manager's private note.")
    submitted_at: dt.datetime | None


class ReviewSummaryOut(_Output):
    id: int
    cycle: CycleRef
    reviewee: PersonRef
    manager: PersonRef | None
    skip_level: PersonRef | None
    state: Review.State
    final_score: str | None = Field(description="Null unless the reader may see the score. " + SCORE)
    band: str | None = Field(description="S, A, B, C or D; null unless the reader may see the score.")
    version: int


class RatingChangeOut(_Output):
    source: Review.OverrideSource = Field(description="What changed the result: calibration or an appeal.")
    reason: str = Field(description="Why, as the reviewee reads it (never who argued for it).")


class ReviewOut(ReviewSummaryOut):
    department: int | None
    view: ViewOut
    parts: list[PartOut]
    breakdown: dict[str, Any] | None = Field(
        description="Each section's weight, effective weight, score and contribution, the final score and band"
        " (why the score is what it is); a section corrected on appeal carries `corrected_from` (the computed"
        " score) and `correction_reason`. Null unless the reader may see the score."
    )
    score_band: str | None = Field(
        description="The band the final score falls into; `band` differs when calibration or an appeal moved the"
        " rating. Null unless the reader may see the score."
    )
    rating_changed: RatingChangeOut | None = Field(
        description="How calibration or an appeal changed the result (a moved rating or corrected section scores);"
        " null when nothing stands changed or the reader may not see the score."
    )
    released_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledgement_comment: str


class ReviewPage(_Output):
    items: list[ReviewSummaryOut]
    next_cursor: str | None = _page_cursor()


class ReviewFilters(_Filters):
    cycle: int | None = Field(None, description="Only this cycle's reviews.")
    state: Review.State | None = None
    role: Literal["reviewee", "manager", "skip_level"] | None = Field(
        None,
        description="reviewee: your own reviews; manager / skip_level: those you review or approve."
        " Without it: every review you may open.",
    )


class AcknowledgeIn(_Input):
    comment: str = Field("", max_length=4000)


class DisagreeIn(_Input):
    comment: str = Field(min_length=1, max_length=4000, description="What you disagree with.")


# ---- cycles -------------------------------------------------------------------------------------


class PhaseOut(_Output):
    kind: PhaseKind
    starts_on: dt.date
    due_on: dt.date


class CycleSummaryOut(_Output):
    id: int
    name: str
    name_en: str
    period: int
    state: Cycle.State
    phase: PhaseKind | None
    skip_level: bool
    launched_at: dt.datetime | None
    reviews: int = Field(description="Reviews you may open in this cycle.")
    by_state: dict[str, int] = Field(description="Those reviews by state (only states with reviews).")
    version: int


class CyclePage(_Output):
    items: list[CycleSummaryOut]
    next_cursor: str | None = _page_cursor()


class CycleFilters(_Filters):
    state: Cycle.State | None = None


class LaunchOut(_Output):
    done: int
    total: int
    problems: int = Field(description="People left out of the launch for bad data (no manager, …).")


class CycleOut(CycleSummaryOut):
    phases: list[PhaseOut]
    evaluations: dict[str, dict[str, int]] = Field(
        description='Evaluations by kind and state: {"self": {"submitted": 80, "draft": 12, "pending": 8}}.'
    )
    overdue: int = Field(description="Evaluations of the current phase not submitted after its due date.")
    launch: LaunchOut


class ReleaseIn(_Input):
    department: int | None = Field(None, description="Release only this department's subtree; null: the whole cycle.")


class ReleaseOut(_Output):
    released: int = Field(description="How many reviews were released now.")


# ---- 360 feedback (decision 0009) ---------------------------------------------------------------

FeedbackGroupKind = Literal["self", "manager", "peer", "upward", "customer"]


class FeedbackSectionOut(_Output):
    key: str
    title: str
    title_en: str


class FeedbackGroupOut(_Output):
    """A rater group of the 360 section. Peers, direct reports and customers count only with at least k answers."""

    group: FeedbackGroupKind
    weight: str = Field(description="The group's weight in the section, in percent, as the template says.")
    effective_weight: str = Field(
        description="The weight applied: groups left out (too few answers) give theirs to the others. " + SCORE
    )
    score: str | None = Field(description="Null when the group is not shown. " + SCORE)
    shown: bool = Field(description="False for an anonymous group with fewer than k usable answers.")
    answered: int | None = Field(None, description="How many answered; only for a shown anonymous group, else null.")
    asked: int | None = Field(None, description="How many were asked; only beside `answered`, else null.")


class FeedbackCompetencyOut(_Output):
    key: str
    name: str
    name_en: str
    self_rating: str | None = Field(description="The self rating (self group), when there is one.")
    manager: str | None = Field(description="The manager's rating, when the 360 section asks the manager.")
    groups: dict[str, str | None] = Field(
        description="The mean per anonymous group shown; null where a reader could otherwise single someone out."
    )
    others: str | None = Field(description="All anonymous groups shown, together; null when it would expose someone.")
    gap: str | None = Field(description="Self minus others.")
    flag: Literal["", "blind_spot", "hidden_strength"] = Field(
        description="blind_spot: self well above others; hidden_strength: others well above self"
        " (by a quarter of the scale or more)."
    )


class FeedbackCommentsOut(_Output):
    group: FeedbackGroupKind
    texts: list[str] = Field(description="In a stable order unrelated to who wrote them or when.")


class FeedbackQuestionOut(_Output):
    key: str
    text: str
    text_en: str
    groups: list[FeedbackCommentsOut] = Field(
        description="Only groups with at least comment_k people who wrote a comment."
    )


class FeedbackReportOut(_Output):
    """A review's anonymised 360 report: no rater's name, id, email, answer time or count below k, ever."""

    review: int
    section: FeedbackSectionOut
    k: int = Field(description="The smallest group shown.")
    comment_k: int = Field(description="The smallest group whose comments are shown.")
    score: str | None = Field(description="The 360 section's score over the groups shown. " + SCORE)
    dropped: list[FeedbackGroupKind] = Field(description="Groups whose weight was spread over the others.")
    groups: list[FeedbackGroupOut]
    competencies: list[FeedbackCompetencyOut]
    comments: list[FeedbackQuestionOut]
    scale_min: str
    scale_max: str
