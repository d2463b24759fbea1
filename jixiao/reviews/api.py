"""Review endpoints: my evaluations and reviews, writing an evaluation (draft, submit), the skip-level decision,
acknowledging a result, and cycles with their progress for HR — behind the same gate as the pages.

Each handler parses, passes the gate in permissions.py (or a listing's `visible_to`), calls one service and
answers. What a reader sees inside a review is decided by selectors.review_view (the visibility matrix) and
nothing else: a part the reader may not see is null; the manager's private note never reaches the reviewee.

Versions travel as ETag / If-Match (docs/decisions/0002-api-conventions.md): writing an evaluation needs the
evaluation's ETag, acknowledging a result needs the review's. Missing If-Match → 428, stale → 412.

A refused rule answers with its code and a status that says what kind of refusal it is:

| status | code | when |
|---|---|---|
| 400 | `invalid` | bad answers (`fields` names each one: "s3:c7", "overall", "override:s1") |
| 403 | `forbidden` | the reader may open the review but not do this (e.g. a manager acknowledging) |
| 409 | `already_submitted`, `illegal_transition`, `wrong_phase` | the review or cycle does not allow it now |
| 412 | `stale` | someone saved since the ETag was read |
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Query, Router

from jixiao.audit.services import access_denied
from jixiao.core.api import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, etag_for, keyset_page, version_from_if_match
from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.org.models import Department, Employee
from jixiao.org.selectors import ActorContext, actor_context

from . import breakdown as bd
from . import permissions, selectors, services
from .models import ANONYMOUS_KINDS, Cycle, CyclePhase, Evaluation, EvaluationKind, PhaseKind, Review
from .schemas import (
    AcknowledgeIn,
    AnswersIn,
    CycleFilters,
    CycleOut,
    CyclePage,
    CycleRef,
    CycleSummaryOut,
    DecisionIn,
    DisagreeIn,
    EvaluationFilters,
    EvaluationOut,
    EvaluationPage,
    EvaluationSummaryOut,
    FeedbackCommentsOut,
    FeedbackCompetencyOut,
    FeedbackGroupOut,
    FeedbackQuestionOut,
    FeedbackReportOut,
    FeedbackSectionOut,
    FormItem,
    FormOut,
    LaunchOut,
    PartOut,
    PersonRef,
    PhaseOut,
    RatingChangeOut,
    ReleaseIn,
    ReleaseOut,
    ReviewFilters,
    ReviewOut,
    ReviewPage,
    ReviewSummaryOut,
    ScaleLevelOut,
    SubmitIn,
    ViewOut,
)
from .selectors_feedback import feedback_access, feedback_report
from .transparency import rating_change

router = Router(tags=["reviews"])

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description='The ETag from the last read, e.g. "3". Required; a stale one gets 412.'),
]

# Rule codes and the status they answer with; anything else a rule refuses is a 400.
RULE_STATUS = {
    "forbidden": 403,
    "already_submitted": 409,
    "illegal_transition": 409,
    "wrong_phase": 409,
}


@contextmanager
def _rules() -> Iterator[None]:
    """Give a refused rule the status its code stands for (403 forbidden, 409 wrong state or phase)."""
    try:
        yield
    except DomainError as exc:
        status = RULE_STATUS.get(exc.code)
        if status is not None and exc.status == 400:
            exc.status = status
        raise


# ---- answers -----------------------------------------------------------------------------------


def _person(employee: Employee | None) -> PersonRef | None:
    if employee is None:
        return None
    return PersonRef(id=employee.pk, name=employee.name, english_name=employee.english_name)


def _person_required(employee: Employee) -> PersonRef:
    return PersonRef(id=employee.pk, name=employee.name, english_name=employee.english_name)


def _cycle_ref(cycle: Cycle) -> CycleRef:
    return CycleRef(id=cycle.pk, name=cycle.name, name_en=cycle.name_en, phase=_phase(cycle))


def _phase(cycle: Cycle) -> PhaseKind | None:
    return PhaseKind(cycle.phase) if cycle.phase else None


def _view_out(view: selectors.ReviewView) -> ViewOut:
    return ViewOut(
        role=view.role,
        self_review=view.self_review,
        manager_review=view.manager_review,
        private_note=view.private_note,
        skip_level_decision=view.skip_level_decision,
        score=view.score,
    )


def _sees_answers(view: selectors.ReviewView, kind: str) -> bool:
    if kind == EvaluationKind.SELF:
        return view.self_review
    if kind == EvaluationKind.MANAGER:
        return view.manager_review
    return view.skip_level_decision


def _review_view(ctx: ActorContext, review: Review, self_submitted: bool) -> selectors.ReviewView:
    role = selectors.reader_role(ctx, review, review.reviewee.chain)
    return selectors.review_view(role=role, state=review.state, self_submitted=self_submitted)


def _form(evaluation: Evaluation, cycle: Cycle, model_key: str) -> FormOut | None:
    """The items the rater fills in, titled from the cycle's frozen template."""
    if evaluation.kind not in (EvaluationKind.SELF, EvaluationKind.MANAGER):
        return None
    snapshot = cycle.snapshot
    sections = {s["key"]: s for s in snapshot["sections"]}
    competencies = snapshot.get("competencies", {})
    items: list[FormItem] = []
    for section_key, item_key, required in bd.rated_items(snapshot, model_key):
        if item_key.startswith("c"):
            competency = competencies.get(item_key, {})
            title, title_en, kind = competency.get("name", item_key), competency.get("name_en", ""), "rating"
        else:
            question: dict[str, Any] = next(
                (q for q in sections[section_key].get("questions", []) if q["key"] == item_key), {}
            )
            title, title_en, kind = question.get("text", item_key), question.get("text_en", ""), "question"
        items.append(
            FormItem(
                field=f"{section_key}:{item_key}",
                section=section_key,
                kind=kind,  # type: ignore[arg-type]
                title=title,
                title_en=title_en,
                required=required,
            )
        )
    overrides = (
        [s["key"] for s in snapshot["sections"] if s["kind"] in bd.AUTOMATIC_KINDS]
        if evaluation.kind == EvaluationKind.MANAGER
        else []
    )
    return FormOut(
        items=items,
        levels=[
            ScaleLevelOut(value=str(lv["value"]), label=lv.get("label", ""), label_en=lv.get("label_en", ""))
            for lv in snapshot["scale"]["levels"]
        ],
        overrides=overrides,
        overall_comment_required=bool(snapshot["template"].get("overall_comment_required")),
    )


def _evaluation_out(
    evaluation: Evaluation, *, review: Review, cycle: Cycle, reviewee: Employee, rater: Employee | None, full: bool
) -> EvaluationOut:
    """`full`: the rater herself, who sees all she wrote and the form."""
    return EvaluationOut(
        id=evaluation.pk,
        review=review.pk,
        cycle=_cycle_ref(cycle),
        kind=EvaluationKind(evaluation.kind),
        state=Evaluation.State(evaluation.state),
        review_state=Review.State(review.state),
        reviewee=_person_required(reviewee),
        rater=_person(rater),
        answers=evaluation.answers if full else None,
        private_note=evaluation.private_note if full and evaluation.kind == EvaluationKind.MANAGER else None,
        submitted_at=evaluation.submitted_at,
        updated_at=evaluation.updated_at,
        version=evaluation.version,
        form=_form(evaluation, cycle, review.competency_model) if full else None,
    )


def _summary_out(review: Review, view: selectors.ReviewView) -> ReviewSummaryOut:
    return ReviewSummaryOut(
        id=review.pk,
        cycle=_cycle_ref(review.cycle),
        reviewee=_person_required(review.reviewee),
        manager=_person(review.manager),
        skip_level=_person(review.skip_level),
        state=Review.State(review.state),
        final_score=None if not view.score or review.final_score is None else str(review.final_score),
        band=(review.band or None) if view.score else None,
        version=review.version,
    )


def _review_out(user: Any, review: Review) -> ReviewOut:
    """A review (cycle, people and department loaded) with the parts the reader may see: one query for the parts."""
    ctx = actor_context(user)
    # 360 answers (peers, reports, customers) reach a reader only through the anonymised report (decision 0009):
    # never as parts, with their raters, states or times.
    evaluations = list(
        Evaluation.objects.filter(review=review)
        .exclude(kind__in=ANONYMOUS_KINDS)
        .select_related("rater")
        .order_by("pk")
    )
    self_submitted = any(e.kind == EvaluationKind.SELF and e.state == Evaluation.State.SUBMITTED for e in evaluations)
    view = _review_view(ctx, review, self_submitted)
    parts = []
    for e in evaluations:
        own = e.rater_id == ctx.employee_id
        sees = own or _sees_answers(view, e.kind)
        note_visible = e.kind == EvaluationKind.MANAGER and (own or view.private_note) and view.role != "reviewee"
        parts.append(
            PartOut(
                evaluation=e.pk,
                kind=EvaluationKind(e.kind),
                state=Evaluation.State(e.state),
                rater=_person(e.rater),
                answers=e.answers if sees else None,
                private_note=e.private_note if note_visible else None,
                submitted_at=e.submitted_at,
            )
        )
    summary = _summary_out(review, view)
    change = rating_change(review) if view.score else None
    return ReviewOut(
        **summary.model_dump(),
        department=review.department_id,
        view=_view_out(view),
        parts=parts,
        breakdown=review.breakdown if view.score and review.breakdown else None,
        score_band=(str(review.breakdown.get("band") or "") or None) if view.score and review.breakdown else None,
        rating_changed=RatingChangeOut(**change.as_api()) if change is not None else None,
        released_at=review.released_at,
        acknowledged_at=review.acknowledged_at,
        acknowledgement_comment=review.acknowledgement_comment,
    )


# ---- writing answers ---------------------------------------------------------------------------


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_keys(evaluation: Evaluation, snapshot: Mapping[str, Any], model_key: str, raw: Mapping[str, Any]) -> None:
    """Refuse answers to items that are not on this review (a typo would otherwise vanish silently)."""
    items = bd.rated_items(snapshot, model_key)
    rated = {f"{s}:{i}" for s, i, _r in items if i.startswith("c")}
    asked = {f"{s}:{i}" for s, i, _r in items if i.startswith("q")}
    automatic = (
        {s["key"] for s in snapshot["sections"] if s["kind"] in bd.AUTOMATIC_KINDS}
        if evaluation.kind == EvaluationKind.MANAGER
        else set()
    )
    errors: dict[str, list[str]] = {}
    unknown = [_("This is not part of this review.")]
    for key in raw.get("ratings", {}):
        if key not in rated:
            errors[key] = unknown
    for key in raw.get("comments", {}):
        if key not in rated:
            errors[key] = unknown
    for key in raw.get("answers", {}):
        if key not in asked:
            errors[key] = unknown
    for key in raw.get("overrides", {}):
        if key not in automatic:
            errors[f"override:{key}"] = unknown
    if raw.get("private_note") is not None and evaluation.kind != EvaluationKind.MANAGER:
        errors["private_note"] = [_("Only a manager's review has a private note.")]
    if errors:
        raise DomainError(_("Some answers are not part of this review."), code="invalid", fields=errors)


def _answers(payload: AnswersIn, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The answers to store: the payload alone (PUT), or the payload over `base` (PATCH; null clears a key)."""
    sent = payload.model_fields_set if base is not None else {"ratings", "comments", "answers", "overrides", "overall"}
    out: dict[str, Any] = {
        "ratings": dict((base or {}).get("ratings") or {}),
        "comments": dict((base or {}).get("comments") or {}),
        "answers": dict((base or {}).get("answers") or {}),
        "overrides": dict((base or {}).get("overrides") or {}),
        "overall": (base or {}).get("overall", ""),
    }
    for part in ("ratings", "comments", "answers"):
        if part in sent:
            for key, value in getattr(payload, part).items():
                if value is None or value == "":
                    out[part].pop(key, None)
                else:
                    out[part][key] = _text(value)
    if "overrides" in sent:
        for key, override in payload.overrides.items():
            if override is None or override.score is None or override.score == "":
                out["overrides"].pop(key, None)
            else:
                out["overrides"][key] = {"score": _text(override.score), "reason": override.reason}
    if "overall" in sent:
        out["overall"] = payload.overall
    return out


def _write(
    request: AuthedRequest,
    evaluation_id: int,
    response: HttpResponse,
    if_match: str | None,
    *,
    payload: AnswersIn | None,
    merge: bool,
    submit: bool,
) -> EvaluationOut:
    evaluation = permissions.evaluation_for_user(request.user, evaluation_id, write=True)
    version = version_from_if_match(if_match, evaluation.version)
    review, rater = evaluation.review, evaluation.rater
    cycle, reviewee = review.cycle, review.reviewee
    if payload is None:
        answers: Mapping[str, Any] = evaluation.answers
        note = None
    else:
        _check_keys(evaluation, cycle.snapshot, review.competency_model, payload.model_dump())
        answers = _answers(payload, evaluation.answers if merge else None)
        note = payload.private_note
    with _rules():
        evaluation = services.evaluation_save(
            actor=request.user,
            evaluation=evaluation,
            answers=answers,
            version=version,
            submit=submit,
            private_note=note,
        )
    response["ETag"] = etag_for(evaluation.version)
    return _evaluation_out(evaluation, review=review, cycle=cycle, reviewee=reviewee, rater=rater, full=True)


# ---- evaluations -------------------------------------------------------------------------------


@router.get(
    "/evaluations",
    response={200: EvaluationPage, **READ_ERRORS},
    summary="List my evaluations",
    url_name="review_evaluation_list",
)
def evaluation_list(request: AuthedRequest, filters: Query[EvaluationFilters]) -> EvaluationPage:
    """The parts of reviews you write or approve — your self reviews, the manager reviews of your reports and
    skip-level approvals — by id. By default only those waiting for you now."""
    qs = Evaluation.objects.filter(selectors.own_evaluations(request.user)).select_related(
        "cycle", "review", "reviewee"
    )
    if filters.cycle is not None:
        qs = qs.filter(cycle_id=filters.cycle)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.open:
        qs = qs.filter(
            cycle__state=Cycle.State.ACTIVE, state__in=[Evaluation.State.PENDING, Evaluation.State.DRAFT]
        ).exclude(
            kind=EvaluationKind.SKIP_LEVEL,
            review__state__in=[Review.State.SELF_REVIEW, Review.State.MANAGER_REVIEW],
        )
    rows, next_cursor = keyset_page(
        qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="review-evaluations"
    )
    return EvaluationPage(
        items=[
            EvaluationSummaryOut(
                id=e.pk,
                review=e.review_id,
                cycle=_cycle_ref(e.cycle),
                kind=EvaluationKind(e.kind),
                state=Evaluation.State(e.state),
                review_state=Review.State(e.review.state),
                reviewee=_person_required(e.reviewee),
                version=e.version,
            )
            for e in rows
        ],
        next_cursor=next_cursor,
    )


@router.get(
    "/evaluations/{int:evaluation_id}",
    response={200: EvaluationOut, **READ_ERRORS},
    summary="Read an evaluation",
    url_name="review_evaluation_read",
)
def evaluation_read(request: AuthedRequest, evaluation_id: int, response: HttpResponse) -> EvaluationOut:
    """One rater's part of a review. Its rater gets everything she wrote and the form to fill in; others who may
    open the review get its answers only where the visibility matrix allows (else null). The ETag header
    carries its version, for If-Match on the writes."""
    evaluation = permissions.evaluation_for_user(request.user, evaluation_id)
    review = evaluation.review
    ctx = actor_context(request.user)
    own = evaluation.rater_id is not None and evaluation.rater_id == ctx.employee_id
    if evaluation.kind in ANONYMOUS_KINDS and not own:
        # A peer's, report's or customer's answers are read only as the 360 report's aggregates (decision 0009).
        raise access_denied(request.user, "reviews.evaluation", evaluation_id, write=False)
    out = _evaluation_out(
        evaluation, review=review, cycle=review.cycle, reviewee=review.reviewee, rater=evaluation.rater, full=own
    )
    if not own:
        if evaluation.kind == EvaluationKind.SELF:
            self_submitted = evaluation.state == Evaluation.State.SUBMITTED
        else:
            self_submitted = Evaluation.objects.filter(
                review=review, kind=EvaluationKind.SELF, state=Evaluation.State.SUBMITTED
            ).exists()
        view = _review_view(ctx, review, self_submitted)
        if _sees_answers(view, evaluation.kind):
            out.answers = evaluation.answers
        if evaluation.kind == EvaluationKind.MANAGER and view.private_note and view.role != "reviewee":
            out.private_note = evaluation.private_note
    response["ETag"] = etag_for(evaluation.version)
    return out


@router.put(
    "/evaluations/{int:evaluation_id}/answers",
    response={200: EvaluationOut, **WRITE_ERRORS},
    summary="Save an evaluation's answers as a draft",
    url_name="review_evaluation_put",
)
def evaluation_put(
    request: AuthedRequest, evaluation_id: int, payload: AnswersIn, response: HttpResponse, if_match: IfMatch = None
) -> EvaluationOut:
    """Replace the draft's answers with these (what an autosave sends). Ratings off the scale are refused even in a
    draft; missing ones are fine until you submit. Only the rater writes; the answer carries the new ETag.

    Needs If-Match with the ETag last read (428 without, 412 when stale). 400 `invalid` names each bad answer
    in `fields` ("s3:c7", "overall", "override:s1"); 409 `already_submitted` or `wrong_phase` when the review
    or the cycle's phase no longer allows writing."""
    return _write(request, evaluation_id, response, if_match, payload=payload, merge=False, submit=False)


@router.patch(
    "/evaluations/{int:evaluation_id}/answers",
    response={200: EvaluationOut, **WRITE_ERRORS},
    summary="Change some of an evaluation's answers",
    url_name="review_evaluation_patch",
)
def evaluation_patch(
    request: AuthedRequest, evaluation_id: int, payload: AnswersIn, response: HttpResponse, if_match: IfMatch = None
) -> EvaluationOut:
    """Change only the keys sent (`{"ratings": {"s3:c7": "4"}}` changes one rating; null clears a key) and keep
    the rest of the draft. The answer carries the new ETag."""
    return _write(request, evaluation_id, response, if_match, payload=payload, merge=True, submit=False)


@router.post(
    "/evaluations/{int:evaluation_id}/submit",
    response={200: EvaluationOut, **WRITE_ERRORS},
    summary="Submit an evaluation",
    url_name="review_evaluation_submit",
)
def evaluation_submit(
    request: AuthedRequest,
    evaluation_id: int,
    response: HttpResponse,
    payload: SubmitIn | None = None,
    if_match: IfMatch = None,
) -> EvaluationOut:
    """Submit the saved draft, or the `answers` sent with it. Every required rating and answer must be there; a
    manager's submission scores the review and sends it on (to skip-level approval or ready for release).
    Submitting twice answers 409 `already_submitted`."""
    answers = payload.answers if payload is not None else None
    return _write(request, evaluation_id, response, if_match, payload=answers, merge=False, submit=True)


@router.post(
    "/evaluations/{int:evaluation_id}/decision",
    response={200: EvaluationOut, **WRITE_ERRORS},
    summary="Approve or return a manager's review (skip-level)",
    url_name="review_skip_level_decide",
)
def skip_level_decide(
    request: AuthedRequest, evaluation_id: int, payload: DecisionIn, response: HttpResponse, if_match: IfMatch = None
) -> EvaluationOut:
    """The skip-level manager (隔级审批) approves the manager's review, or returns it to the manager with a comment.
    Needs If-Match with the skip-level evaluation's ETag (428 without, 412 when stale); returning needs a
    `comment` (400); 409 when the review is not waiting for approval or the phase is over."""
    evaluation = permissions.evaluation_for_user(request.user, evaluation_id, write=True)
    version = version_from_if_match(if_match, evaluation.version)
    review, rater = evaluation.review, evaluation.rater
    cycle, reviewee = review.cycle, review.reviewee
    with _rules():
        review = services.review_skip_level_decide(
            actor=request.user, evaluation=evaluation, approve=payload.approve, comment=payload.comment, version=version
        )
    evaluation.refresh_from_db()
    response["ETag"] = etag_for(evaluation.version)
    return _evaluation_out(evaluation, review=review, cycle=cycle, reviewee=reviewee, rater=rater, full=True)


# ---- reviews -----------------------------------------------------------------------------------


def _self_submitted() -> Exists:
    return Exists(
        Evaluation.objects.filter(review_id=OuterRef("pk"), kind=EvaluationKind.SELF, state=Evaluation.State.SUBMITTED)
    )


@router.get("", response={200: ReviewPage, **READ_ERRORS}, summary="List reviews", url_name="review_list")
def review_list(request: AuthedRequest, filters: Query[ReviewFilters]) -> ReviewPage:
    """Reviews you may open, by id: your own (`role=reviewee`), those you review as manager or approve as
    skip-level manager, your reports', and for HR those in scope. Scores only where the matrix allows."""
    ctx = actor_context(request.user)
    qs = (
        Review.objects.visible_to(request.user)
        .select_related("cycle", "reviewee", "manager", "skip_level", "department")
        .annotate(self_submitted=_self_submitted())
    )
    if filters.role is not None:
        column = {"reviewee": "reviewee_id", "manager": "manager_id", "skip_level": "skip_level_id"}[filters.role]
        qs = qs.filter(**{column: ctx.employee_id}) if ctx.employee_id is not None else qs.none()
    if filters.cycle is not None:
        qs = qs.filter(cycle_id=filters.cycle)
    if filters.state is not None:
        qs = qs.filter(state=filters.state)
    rows, next_cursor = keyset_page(qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="reviews")
    return ReviewPage(
        items=[_summary_out(r, _review_view(ctx, r, bool(getattr(r, "self_submitted", False)))) for r in rows],
        next_cursor=next_cursor,
    )


@router.get(
    "/{int:review_id}", response={200: ReviewOut, **READ_ERRORS}, summary="Read a review", url_name="review_read"
)
def review_read(request: AuthedRequest, review_id: int, response: HttpResponse) -> ReviewOut:
    """A review with what you may see of it (`view`): the self review once submitted, the manager's ratings
    and the score breakdown for the reviewee after release, never the manager's private note for the
    reviewee. The ETag header carries the review's version, for If-Match when acknowledging."""
    review = permissions.review_for_user(request.user, review_id)
    response["ETag"] = etag_for(review.version)
    return _review_out(request.user, review)


def _acknowledge(
    request: AuthedRequest, review_id: int, response: HttpResponse, if_match: str | None, *, agree: bool, comment: str
) -> ReviewOut:
    review = permissions.review_for_user(request.user, review_id)
    version = version_from_if_match(if_match, review.version)
    related = (review.cycle, review.reviewee, review.manager, review.skip_level, review.department)
    with _rules():
        review = services.review_acknowledge(
            actor=request.user, review=review, agree=agree, comment=comment, version=version
        )
    review.cycle, review.reviewee, review.manager, review.skip_level, review.department = related
    response["ETag"] = etag_for(review.version)
    return _review_out(request.user, review)


@router.post(
    "/{int:review_id}/acknowledge",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="Acknowledge my review result",
    url_name="review_acknowledge",
)
def review_acknowledge(
    request: AuthedRequest, review_id: int, payload: AcknowledgeIn, response: HttpResponse, if_match: IfMatch = None
) -> ReviewOut:
    """The reviewee confirms she has read her released result (员工确认), with an optional comment. Needs If-Match
    with the review's ETag; others get 403, and a review not yet released 409."""
    return _acknowledge(request, review_id, response, if_match, agree=True, comment=payload.comment)


@router.post(
    "/{int:review_id}/disagree",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="Record that I disagree with my review result",
    url_name="review_disagree",
)
def review_disagree(
    request: AuthedRequest, review_id: int, payload: DisagreeIn, response: HttpResponse, if_match: IfMatch = None
) -> ReviewOut:
    """The reviewee records that she disagrees with her released result, saying why; her manager is told.
    Needs If-Match with the review's ETag."""
    return _acknowledge(request, review_id, response, if_match, agree=False, comment=payload.comment)


# ---- 360 feedback ------------------------------------------------------------------------------


def _feedback_out(review: Review, report: Mapping[str, Any]) -> FeedbackReportOut:
    return FeedbackReportOut(
        review=review.pk,
        section=FeedbackSectionOut(
            key=report["section"]["key"],
            title=report["section"]["title"],
            title_en=report["section"].get("title_en", ""),
        ),
        k=report["k"],
        comment_k=report["comment_k"],
        score=report["score"],
        dropped=report["dropped"],
        groups=[
            FeedbackGroupOut(
                group=g["group"],
                weight=g["weight"],
                effective_weight=g["effective_weight"],
                score=g["score"] if g.get("shown") else None,
                shown=bool(g.get("shown")),
                answered=g.get("answered") if g.get("shown") else None,
                asked=g.get("asked") if g.get("shown") else None,
            )
            for g in report["groups"]
        ],
        competencies=[
            FeedbackCompetencyOut(
                key=c["key"],
                name=c["name"],
                name_en=c.get("name_en", ""),
                self_rating=c.get("self"),
                manager=c.get("manager"),
                groups=dict(c.get("groups") or {}),
                others=c.get("others"),
                gap=c.get("gap"),
                flag=c.get("flag") or "",
            )
            for c in report["competencies"]
        ],
        comments=[
            FeedbackQuestionOut(
                key=q["key"],
                text=q["text"],
                text_en=q.get("text_en", ""),
                groups=[FeedbackCommentsOut(group=b["group"], texts=list(b["texts"])) for b in q["groups"]],
            )
            for q in report["comments"]
        ],
        scale_min=report["scale"]["min"],
        scale_max=report["scale"]["max"],
    )


@router.get(
    "/{int:review_id}/feedback",
    response={200: FeedbackReportOut, **READ_ERRORS},
    summary="Read a review's 360 feedback report",
    url_name="review_feedback",
)
def review_feedback(request: AuthedRequest, review_id: int) -> FeedbackReportOut:
    """The anonymised 360 report (360度反馈): per group and per competency, self versus others, and the comments
    by question and group. Peers, direct reports and customers count only as groups of at least `k`; a smaller
    group is left out of every number, `answered` and `asked` included. The reviewee reads it once her result is
    released; her managers and HR once the feedback phase is over. 404 otherwise, or without a 360 section."""
    review = permissions.review_for_user(request.user, review_id)
    report = feedback_report(review) if feedback_access(request.user, review).report else None
    if report is None:
        raise access_denied(request.user, "reviews.review", review_id, write=False)
    return _feedback_out(review, report)


# ---- cycles ------------------------------------------------------------------------------------


def _state_counts(user: Any, cycle_ids: list[int]) -> dict[int, dict[str, int]]:
    """Reviews the user may open in each cycle, by state (one query)."""
    counts: dict[int, dict[str, int]] = {pk: {} for pk in cycle_ids}
    rows = (
        Review.objects.visible_to(user)
        .filter(cycle_id__in=cycle_ids)
        .values("cycle_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["cycle_id"]][row["state"]] = row["n"]
    return counts


def _cycle_summary(cycle: Cycle, by_state: dict[str, int]) -> dict[str, Any]:
    return {
        "id": cycle.pk,
        "name": cycle.name,
        "name_en": cycle.name_en,
        "period": cycle.period_id,
        "state": Cycle.State(cycle.state),
        "phase": _phase(cycle),
        "skip_level": cycle.skip_level,
        "launched_at": cycle.launched_at,
        "reviews": sum(by_state.values()),
        "by_state": by_state,
        "version": cycle.version,
    }


@router.get(
    "/cycles", response={200: CyclePage, **READ_ERRORS}, summary="List review cycles", url_name="review_cycle_list"
)
def cycle_list(request: AuthedRequest, filters: Query[CycleFilters]) -> CyclePage:
    """Review cycles you may see (all of them for HR; the ones you take part in for others), by id, each with the
    number of reviews you may open by state."""
    qs = Cycle.objects.visible_to(request.user)
    if filters.state is not None:
        qs = qs.filter(state=filters.state)
    rows, next_cursor = keyset_page(qs, keys=("id",), cursor=filters.cursor, limit=filters.limit, salt="cycles")
    counts = _state_counts(request.user, [c.pk for c in rows])
    return CyclePage(items=[CycleSummaryOut(**_cycle_summary(c, counts[c.pk])) for c in rows], next_cursor=next_cursor)


def _overdue(user: Any, cycle: Cycle, phases: list[CyclePhase], reviews: QuerySet[Review]) -> int:
    phase = next((p for p in phases if p.kind == cycle.phase), None)
    if cycle.state != Cycle.State.ACTIVE or phase is None or phase.due_on >= timezone.localdate():
        return 0
    if phase.kind not in services.PHASE_EVALUATION or phase.kind == PhaseKind.ACKNOWLEDGEMENT:
        return 0
    kind, states = services.PHASE_EVALUATION[phase.kind]
    return (
        Evaluation.objects.filter(cycle=cycle, kind=kind, review__in=reviews.filter(state__in=states))
        .exclude(state__in=[Evaluation.State.SUBMITTED, Evaluation.State.SKIPPED])
        .count()
    )


@router.get(
    "/cycles/{int:cycle_id}",
    response={200: CycleOut, **READ_ERRORS},
    summary="Read a review cycle",
    url_name="review_cycle_read",
)
def cycle_read(request: AuthedRequest, cycle_id: int, response: HttpResponse) -> CycleOut:
    """A cycle with its phases and its progress over the reviews you may open (HR: those in scope): reviews by
    state, evaluations by kind and state, the overdue ones of the current phase, and the launch's progress."""
    cycle = permissions.cycle_for_user(request.user, cycle_id)
    phases = list(CyclePhase.objects.filter(cycle=cycle).order_by("starts_on", "pk"))
    ctx = actor_context(request.user)
    # Admins and company-wide HR see every review: they skip the visibility filter, which on 30,000
    # evaluations triples the query (as the progress page does, selectors_cycles.review_scope_q).
    sees_all = ctx.is_admin or ctx.is_company_hr
    reviews = (
        Review.objects.filter(cycle=cycle) if sees_all else Review.objects.visible_to(request.user).filter(cycle=cycle)
    )
    evaluations: dict[str, dict[str, int]] = {}
    counted = Evaluation.objects.filter(cycle=cycle)
    if not sees_all:
        counted = counted.filter(review__in=reviews.values("pk"))
    if not (ctx.is_admin or ctx.is_hr):
        # A reviewee or manager counting her own review's 360 requests by state would learn who answered when.
        counted = counted.exclude(kind__in=ANONYMOUS_KINDS)
    for row in counted.values("kind", "state").annotate(n=Count("id")).order_by():
        evaluations.setdefault(row["kind"], {})[row["state"]] = row["n"]
    report = cycle.launch_report or {}
    response["ETag"] = etag_for(cycle.version)
    return CycleOut(
        **_cycle_summary(cycle, _state_counts(request.user, [cycle.pk])[cycle.pk]),
        phases=[PhaseOut(kind=PhaseKind(p.kind), starts_on=p.starts_on, due_on=p.due_on) for p in phases],
        evaluations=evaluations,
        overdue=_overdue(request.user, cycle, phases, reviews),
        launch=LaunchOut(done=cycle.launch_done, total=cycle.launch_total, problems=len(report.get("problems") or [])),
    )


@router.post(
    "/cycles/{int:cycle_id}/release",
    response={200: ReleaseOut, **CREATE_ERRORS},
    summary="Release results (HR)",
    url_name="review_cycle_release",
)
def cycle_release(request: AuthedRequest, cycle_id: int, payload: ReleaseIn) -> ReleaseOut:
    """Release the reviews ready for it to their reviewees (结果发布), for the whole cycle or one department's
    subtree, within your HR scope; each reviewee is told. In the release or acknowledgement phase only (409
    otherwise). Releasing again releases only what became ready since."""
    cycle = permissions.cycle_for_user(request.user, cycle_id, manage=True)
    department = None
    if payload.department is not None:
        department = Department.objects.filter(pk=payload.department).first()
        if department is None:
            raise DomainError(_("Department not found."), fields={"department": [_("Not found.")]})
    with _rules():
        released = services.reviews_release(actor=request.user, cycle=cycle, department=department)
    return ReleaseOut(released=released)


__all__ = ["router"]
