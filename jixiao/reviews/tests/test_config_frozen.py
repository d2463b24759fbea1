"""Editing the configuration never changes a launched cycle: it keeps the snapshot taken at launch."""

import copy

import pytest

from jixiao.goals.testing import make_period
from jixiao.reviews import services
from jixiao.reviews import services_config as config
from jixiao.reviews.models import EvaluationKind, PhaseKind, Review
from jixiao.reviews.services_config import AnchorInput, BandInput, LevelInput, QuestionInput, SectionInput
from jixiao.reviews.testing import (
    advance_to,
    default_scale,
    full_answers,
    launch,
    make_competency,
    make_competency_model,
    make_cycle,
    make_template,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(personas):
    """A launched cycle whose review of the employee the manager has rated 4 everywhere."""
    admin = personas.admin
    competency = make_competency("沟通")
    model = make_competency_model(competency, name="通用模型")
    template = make_template(weights=(30, 30, 40), competency_model=model, name="年度模板")
    cycle = launch(admin, make_cycle(admin, make_period(admin), template=template, departments=(personas.east,)))
    review = Review.objects.get(cycle=cycle, reviewee=personas.employee)
    submit(personas.employee.user, review)
    cycle = advance_to(admin, cycle, PhaseKind.MANAGER)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="4"))
    review.refresh_from_db()
    return cycle, review, template, model, competency


def test_editing_the_template_scale_and_competency_changes_no_launched_cycle(personas, scored):
    cycle, review, template, model, competency = scored
    hr = personas.scoped_hr
    snapshot = copy.deepcopy(cycle.snapshot)
    breakdown = copy.deepcopy(review.breakdown)
    assert review.final_score is not None and breakdown["sections"]

    # The template: other weights, titles, no goals section, a second question, self rating weighted in.
    template.refresh_from_db()
    config.review_template_save(
        actor=hr,
        template=template,
        name="年度模板（新）",
        scale=default_scale(),
        self_weight=50,
        sections=[
            SectionInput(kind="kpi", title="新指标", weight="10"),
            SectionInput(kind="competencies", title="新能力", weight="90", competency_model=model, required=False),
            SectionInput(
                kind="questions",
                title="新问题",
                questions=(QuestionInput(text="新问题一", required=True), QuestionInput(text="新问题二")),
            ),
        ],
        version=template.version,
    )
    # The scale's labels and bands, and the competency's anchors.
    scale = default_scale()
    config.scale_save(
        actor=hr,
        scale=scale,
        name="五级评分（新）",
        levels=[LevelInput(value=lv.value, label=f"新{lv.label}") for lv in scale.levels.all()],
        bands=[BandInput(code="A", label="好", threshold="4.5"), BandInput(code="D", label="差", threshold="0")],
        version=scale.version,
    )
    competency.refresh_from_db()
    config.competency_save(
        actor=hr,
        competency=competency,
        name="沟通（新）",
        anchors=[AnchorInput(level=lv.value, text="新描述") for lv in scale.levels.all()],
        version=competency.version,
    )

    services.cycle_recompute(actor=personas.admin, cycle=cycle)
    cycle.refresh_from_db()
    review.refresh_from_db()
    assert cycle.snapshot == snapshot
    assert review.breakdown == breakdown
    assert review.band == breakdown["band"]


def test_a_draft_cycle_takes_the_template_as_it_is_when_it_launches(personas):
    admin = personas.admin
    template = make_template(weights=(50, 50, 0), name="草稿模板")
    cycle = make_cycle(admin, make_period(admin), template=template, departments=(personas.east,))
    template.refresh_from_db()
    config.review_template_save(
        actor=personas.scoped_hr,
        template=template,
        name="草稿模板",
        scale=default_scale(),
        sections=[
            SectionInput(kind="kpi", title="指标", weight="70"),
            SectionInput(kind="goals", title="目标", weight="30"),
            SectionInput(kind="questions", title="问题", questions=(QuestionInput(text="成绩？"),)),
        ],
        version=template.version,
    )
    cycle = launch(admin, cycle)
    assert [s["weight"] for s in cycle.snapshot["sections"]] == ["70.00", "30.00", "0.00"]
