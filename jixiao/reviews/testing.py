"""Factories for tests of review cycles in every app: a template, a cycle, a launched cycle, filled answers."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from jixiao.goals.models import Period
from jixiao.org.models import Department

from . import services
from .models import (
    Competency,
    CompetencyAnchor,
    CompetencyModel,
    CompetencyModelItem,
    Cycle,
    Evaluation,
    EvaluationKind,
    PhaseKind,
    RatingScale,
    Review,
    ReviewTemplate,
    SectionKind,
    TemplateGroup,
    TemplateQuestion,
    TemplateSection,
)

_seq = itertools.count(1)


def default_scale() -> RatingScale:
    return RatingScale.objects.get(is_default=True)


def make_competency(name: str = "", *, levels: tuple[int, ...] = (1, 2, 3, 4, 5)) -> Competency:
    n = next(_seq)
    competency = Competency.objects.create(name=name or f"能力{n}", name_en=name or f"Competency {n}")
    CompetencyAnchor.objects.bulk_create(
        CompetencyAnchor(competency=competency, level=Decimal(lv), text=f"等级{lv}的行为", text_en=f"Behaviour at {lv}")
        for lv in levels
    )
    return competency


def make_competency_model(
    *competencies: Competency, name: str = "", job_family: str = "", job_levels: list[str] | None = None
) -> CompetencyModel:
    model = CompetencyModel.objects.create(
        name=name or f"模型{next(_seq)}", job_family=job_family, job_levels=job_levels or []
    )
    CompetencyModelItem.objects.bulk_create(
        CompetencyModelItem(model=model, competency=c, order=i) for i, c in enumerate(competencies)
    )
    return model


def make_template(
    *,
    name: str = "",
    weights: tuple[int, int, int] = (30, 30, 40),
    self_weight: int = 0,
    competency_model: CompetencyModel | None = None,
    by_job: bool = False,
    question_required: bool = True,
    overall_comment_required: bool = True,
    feedback: dict[str, int] | None = None,
    feedback_weight: int = 0,
    peers: tuple[int, int] = (3, 8),
) -> ReviewTemplate:
    """KPI, goals and competency sections weighted as given (a zero weight leaves a section out) and one question.

    `feedback` adds a 360 section of `feedback_weight` with these groups and weights (e.g. {"peer": 60,
    "upward": 40}), rating two competencies of its own and asking one optional question.
    """
    template = ReviewTemplate.objects.create(
        name=name or f"模板{next(_seq)}",
        name_en="Template",
        scale=default_scale(),
        self_weight=self_weight,
        overall_comment_required=overall_comment_required,
    )
    kpi, goals, comp = weights
    order = itertools.count()
    if kpi:
        TemplateSection.objects.create(
            template=template,
            kind=SectionKind.KPI,
            title="业绩指标",
            title_en="KPIs",
            weight=kpi,
            required=False,
            order=next(order),
        )
    if goals:
        TemplateSection.objects.create(
            template=template,
            kind=SectionKind.GOALS,
            title="目标",
            title_en="Goals",
            weight=goals,
            required=False,
            order=next(order),
        )
    if comp:
        if competency_model is None and not by_job:
            competency_model = make_competency_model(make_competency(), make_competency())
        TemplateSection.objects.create(
            template=template,
            kind=SectionKind.COMPETENCIES,
            title="能力素质",
            title_en="Competencies",
            weight=comp,
            required=True,
            order=next(order),
            competency_model=None if by_job else competency_model,
        )
    if feedback:
        section = TemplateSection.objects.create(
            template=template,
            kind=SectionKind.FEEDBACK,
            title="360度反馈",
            title_en="360° feedback",
            weight=feedback_weight,
            required=False,
            order=next(order),
            competency_model=make_competency_model(make_competency(), make_competency()),
            peer_min=peers[0],
            peer_max=peers[1],
        )
        TemplateGroup.objects.bulk_create(TemplateGroup(section=section, kind=g, weight=w) for g, w in feedback.items())
        TemplateQuestion.objects.create(
            section=section, text="这位同事最应该保持什么？", text_en="What should she keep doing?", required=False
        )
    questions = TemplateSection.objects.create(
        template=template,
        kind=SectionKind.QUESTIONS,
        title="开放问题",
        title_en="Questions",
        weight=0,
        required=False,
        order=next(order),
    )
    TemplateQuestion.objects.create(
        section=questions,
        text="本期最大的成绩是什么？",
        text_en="What was your biggest achievement?",
        required=question_required,
    )
    return template


# A template with a 360 section, for cycles made with feedback=True.
FEEDBACK_TEMPLATE: dict[str, Any] = {
    "weights": (30, 20, 20),
    "feedback": {"self": 0, "peer": 50, "upward": 30, "customer": 20},
    "feedback_weight": 30,
}


def phases(
    *,
    skip_level: bool = False,
    feedback: bool = False,
    calibration: bool = False,
    start: dt.date = dt.date(2027, 12, 1),
) -> tuple[services.PhaseInput, ...]:
    """A week per phase from `start`, in the fixed order; calibration adds its phase before release."""
    kinds = [PhaseKind.PEER_SELECTION, PhaseKind.SELF, PhaseKind.FEEDBACK] if feedback else [PhaseKind.SELF]
    kinds += [PhaseKind.MANAGER] + ([PhaseKind.SKIP_LEVEL] if skip_level else [])
    kinds += [PhaseKind.CALIBRATION] if calibration else []
    kinds += [PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT]
    return tuple(
        services.PhaseInput(
            kind=k, starts_on=start + dt.timedelta(days=7 * i), due_on=start + dt.timedelta(days=7 * i + 6)
        )
        for i, k in enumerate(kinds)
    )


def make_cycle(
    actor: Any,
    period: Period,
    *,
    template: ReviewTemplate | None = None,
    departments: tuple[Department, ...] = (),
    skip_level: bool = False,
    feedback: bool = False,
    calibration: bool = False,
    appeal_days: int = 14,
    appeal_sla_days: int = 10,
    name: str = "",
    **extra: Any,
) -> Cycle:
    """A draft cycle over `departments` (all when empty); `calibration=True` adds the calibration phase.

    `appeal_days` (0: no appeals) and `appeal_sla_days` set the appeal window and the time to answer one.
    """
    return services.cycle_create(
        actor=actor,
        data=services.CycleInput(
            name=name or f"考核{next(_seq)}",
            name_en="Review",
            period=period,
            template=template or (make_template(**FEEDBACK_TEMPLATE) if feedback else make_template()),
            skip_level=skip_level,
            departments=tuple(d.pk for d in departments),
            phases=phases(skip_level=skip_level, feedback=feedback, calibration=calibration),
            calibration=calibration,
            appeal_days=appeal_days,
            appeal_sla_days=appeal_sla_days,
            **extra,
        ),
    )


def launch(actor: Any, cycle: Cycle) -> Cycle:
    """Launch and run the launch task in-process (tests hold one transaction, so on_commit never fires)."""
    cycle.refresh_from_db()
    services.cycle_launch(actor=actor, cycle=cycle, version=cycle.version)
    services.cycle_launch_run(cycle_id=cycle.pk)
    cycle.refresh_from_db()
    return cycle


def advance_to(actor: Any, cycle: Cycle, phase: str) -> Cycle:
    while cycle.phase != phase:
        cycle = services.cycle_phase_advance(actor=actor, cycle=cycle, version=cycle.version)
    return cycle


def evaluation_of(review: Review, kind: str) -> Evaluation:
    return Evaluation.objects.select_related("review__cycle", "rater").get(review=review, kind=kind)


def full_answers(
    review: Review, *, rating: str = "4", overall: str = "做得很好", kind: str = EvaluationKind.SELF
) -> dict[str, Any]:
    """Answers that rate every item and answer every question a rater of this kind has on the review."""
    from . import breakdown

    snapshot = review.cycle.snapshot
    ratings, answers = {}, {}
    for section, item, _required in breakdown.rated_items(snapshot, review.competency_model, kind):
        if item.startswith("c"):
            ratings[f"{section}:{item}"] = rating
        else:
            answers[f"{section}:{item}"] = "完成了年度目标"
    return {"ratings": ratings, "answers": answers, "overall": overall}


def submit(user: Any, review: Review, kind: str = EvaluationKind.SELF, **answers: Any) -> Evaluation:
    evaluation = evaluation_of(review, kind)
    return services.evaluation_save(
        actor=user,
        evaluation=evaluation,
        answers=answers or full_answers(review),
        version=evaluation.version,
        submit=True,
    )


def make_ready(
    actor: Any, cycle: Cycle, reviews: list[Review] | None = None, *, rating: str | dict[int, str] = "4"
) -> Cycle:
    """Bring reviews to `ready` (self review, manager review, skip-level approval) and the cycle to the phase after.

    `reviews` defaults to every review of the cycle with a manager; `rating` is one rating for all or one per
    review id. Ends in the calibration phase for a calibration cycle, else in release.
    """
    cycle.refresh_from_db()
    if reviews is None:
        reviews = list(Review.objects.filter(cycle=cycle, manager__isnull=False))
    for review in reviews:
        review.refresh_from_db()
        if review.state == Review.State.SELF_REVIEW and review.reviewee.user is not None:
            submit(review.reviewee.user, review)
    cycle = advance_to(actor, cycle, PhaseKind.MANAGER)
    for review in reviews:
        review.refresh_from_db()
        value = rating if isinstance(rating, str) else rating[review.pk]
        manager = evaluation_of(review, EvaluationKind.MANAGER)
        assert manager.rater is not None
        submit(manager.rater.user, review, EvaluationKind.MANAGER, **full_answers(review, rating=value))
        review.refresh_from_db()
        if review.state == Review.State.SKIP_LEVEL:
            skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
            assert skip.rater is not None
            services.review_skip_level_decide(
                actor=skip.rater.user, evaluation=skip, approve=True, comment="", version=skip.version
            )
    return advance_to(actor, cycle, PhaseKind.CALIBRATION if cycle.calibration else PhaseKind.RELEASE)
