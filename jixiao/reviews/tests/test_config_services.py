"""Review configuration through the services: scales, competencies, competency models, templates.

Each rule refuses bad input with a message on the field or row it concerns and writes nothing;
only HR and admins may write; edits carry a version and a stale one is refused; every write is audited.
"""

from decimal import Decimal

import pytest

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.goals.models import CompanyValue
from jixiao.reviews import services_config as config
from jixiao.reviews.models import (
    Competency,
    CompetencyAnchor,
    CompetencyModel,
    RatingScale,
    ReviewTemplate,
    ScaleBand,
    ScaleLevel,
    SectionKind,
    TemplateSection,
)
from jixiao.reviews.services_config import (
    AnchorInput,
    BandInput,
    LevelInput,
    ModelItemInput,
    QuestionInput,
    SectionInput,
)
from jixiao.reviews.testing import default_scale, make_competency, make_competency_model, make_template

pytestmark = pytest.mark.django_db

LEVELS = [LevelInput(value=v, label=f"L{v}", label_en=f"Level {v}") for v in ("1", "2", "3", "4")]
BANDS = [
    BandInput(code="A", label="优秀", label_en="Excellent", threshold="3.5"),
    BandInput(code="B", label="良好", label_en="Good", threshold="2.5"),
    BandInput(code="C", label="待改进", label_en="Needs improvement", threshold="0"),
]


@pytest.fixture
def hr(personas):
    return personas.scoped_hr


def facts(data: dict | None) -> dict:
    """An audit record's before/after, which must be there."""
    assert data is not None
    return data


def refused(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        call(**kwargs)
    return info.value


def counts() -> tuple[int, ...]:
    return (
        RatingScale.objects.count(),
        ScaleLevel.objects.count(),
        ScaleBand.objects.count(),
        Competency.objects.count(),
        CompetencyAnchor.objects.count(),
        CompetencyModel.objects.count(),
        ReviewTemplate.objects.count(),
        TemplateSection.objects.count(),
        AuditEvent.objects.exclude(action="access.denied").count(),
    )


def anchors_for_default(text: str = "行为") -> list[AnchorInput]:
    return [AnchorInput(level=lv.value, text=f"{text}{lv.value}") for lv in default_scale().levels.all()]


def sections(kpi="40", goals="30", comp="30", model=None, questions=("你的成绩？",)) -> list[SectionInput]:
    rows = [
        SectionInput(kind=SectionKind.KPI, title="指标", weight=kpi),
        SectionInput(kind=SectionKind.GOALS, title="目标", weight=goals),
        SectionInput(kind=SectionKind.COMPETENCIES, title="能力", weight=comp, competency_model=model),
    ]
    if questions is not None:
        rows.append(
            SectionInput(
                kind=SectionKind.QUESTIONS,
                title="问题",
                weight="0",
                questions=tuple(QuestionInput(text=q, required=True) for q in questions),
            )
        )
    return rows


# ---- who may write ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "manager", "outsider", "executive"])
def test_only_hr_and_admins_may_change_review_settings(personas, who):
    user = getattr(personas, who)
    user = getattr(user, "user", user)
    before = counts()
    error = refused(config.scale_save, actor=user, name="四级", levels=LEVELS, bands=BANDS)
    assert error.code == "forbidden"
    assert refused(config.competency_save, actor=user, name="x", anchors=anchors_for_default()).code == "forbidden"
    assert counts() == before


def test_scoped_hr_and_admins_may_configure(personas):
    config.scale_save(actor=personas.scoped_hr, name="四级", levels=LEVELS, bands=BANDS)
    config.scale_save(actor=personas.admin, name="四级二", levels=LEVELS, bands=BANDS)
    assert RatingScale.objects.filter(name__startswith="四级").count() == 2


# ---- rating scales ---------------------------------------------------------------------------------


def test_a_new_scale_is_stored_with_its_levels_and_bands_and_audited(hr):
    scale = config.scale_save(actor=hr, name="四级量表", name_en="Four-point", levels=LEVELS, bands=BANDS)
    assert [lv.value for lv in scale.levels.all()] == [Decimal(v) for v in ("1", "2", "3", "4")]
    assert [(b.code, b.threshold) for b in scale.bands.all()] == [
        ("A", Decimal("3.5")),
        ("B", Decimal("2.5")),
        ("C", Decimal("0")),
    ]
    assert not scale.is_default  # the migration's default scale stays the default
    event = AuditEvent.objects.get(action="rating_scale.create")
    assert event.before is None
    assert facts(event.after)["levels"][0] == {
        "value": "1",
        "label": "L1",
        "label_en": "Level 1",
        "description": "",
        "description_en": "",
    }
    assert [b["code"] for b in facts(event.after)["bands"]] == ["A", "B", "C"]


def test_an_edit_records_the_scale_before_and_after(hr):
    scale = config.scale_save(actor=hr, name="四级量表", levels=LEVELS, bands=BANDS)
    renamed = [LevelInput(value=lv.value, label=lv.label + "!", label_en=lv.label_en) for lv in LEVELS]
    config.scale_save(actor=hr, scale=scale, name="四级量表", levels=renamed, bands=BANDS, version=scale.version)
    event = AuditEvent.objects.get(action="rating_scale.update")
    assert facts(event.before)["levels"][0]["label"] == "L1"
    assert facts(event.after)["levels"][0]["label"] == "L1!"
    scale.refresh_from_db()
    assert scale.version == 2


@pytest.mark.parametrize(
    ("levels", "bands", "key"),
    [
        (LEVELS[:1], BANDS, "levels"),
        ([*LEVELS, LevelInput(value="4.0", label="again")], BANDS, "levels.4.value"),
        ([*LEVELS[:3], LevelInput(value="x", label="bad")], BANDS, "levels.3.value"),
        ([*LEVELS[:3], LevelInput(value="3.333", label="bad")], BANDS, "levels.3.value"),
        ([*LEVELS[:3], LevelInput(value="4", label=" ")], BANDS, "levels.3.label"),
        (LEVELS, [], "bands"),
        (LEVELS, [*BANDS, BandInput(code="a", label="again", threshold="1")], "bands.3.code"),
        (LEVELS, [*BANDS, BandInput(code="S", label="卓越", threshold="3.5")], "bands.3.threshold"),
        (LEVELS, [*BANDS, BandInput(code="S", label="卓越", threshold="4.5")], "bands.3.threshold"),
        (LEVELS, [*BANDS, BandInput(code="D", label="不合格", threshold="-1")], "bands.3.threshold"),
        (LEVELS, [*BANDS, BandInput(code="D", label="不合格", threshold="0.5")], "bands.3.threshold"),
        (LEVELS, [*BANDS, BandInput(code="S", label="", threshold="3.9")], "bands.3.label"),
        (LEVELS, [*BANDS, BandInput(code="", label="卓越", threshold="3.9")], "bands.3.code"),
        (LEVELS, [*BANDS, BandInput(code="S", label="卓越", threshold="")], "bands.3.threshold"),
    ],
    ids=[
        "one level",
        "duplicate value",
        "value not a number",
        "three decimals",
        "level without label",
        "no bands",
        "duplicate code (any case)",
        "duplicate threshold",
        "threshold above the top level",
        "threshold below zero",
        "second band below the lowest level",
        "band without label",
        "band without code",
        "band without threshold",
    ],
)
def test_a_bad_scale_is_refused_on_the_right_row_and_nothing_is_written(hr, levels, bands, key):
    before = counts()
    error = refused(config.scale_save, actor=hr, name="坏量表", levels=levels, bands=bands)
    assert key in error.fields, error.fields
    assert all(str(m) for m in error.fields[key])
    assert counts() == before


def test_a_scale_needs_a_unique_name(hr):
    error = refused(config.scale_save, actor=hr, name="五级评分", levels=LEVELS, bands=BANDS)
    assert error.fields["name"] == ["Another scale already has this name."]
    assert "name" in refused(config.scale_save, actor=hr, name=" ", levels=LEVELS, bands=BANDS).fields


def test_a_scale_used_by_a_template_keeps_its_level_values_but_labels_may_change(hr):
    scale = config.scale_save(actor=hr, name="四级", levels=LEVELS, bands=BANDS)
    template = make_template(weights=(50, 50, 0))
    template.scale = scale
    template.save()
    five = [*LEVELS, LevelInput(value="5", label="L5")]
    error = refused(config.scale_save, actor=hr, scale=scale, name="四级", levels=five, bands=BANDS, version=1)
    assert "levels" in error.fields and "Review templates use this scale" in error.fields["levels"][0]
    relabelled = [LevelInput(value=lv.value, label=f"新{lv.label}") for lv in LEVELS]
    config.scale_save(actor=hr, scale=scale, name="四级", levels=relabelled, bands=BANDS[:2], version=1)
    assert list(scale.levels.values_list("label", flat=True)) == ["新L1", "新L2", "新L3", "新L4"]
    assert scale.bands.count() == 2


def test_the_default_scale_keeps_its_values_once_competencies_describe_them(hr):
    make_competency()
    scale = default_scale()
    levels = [LevelInput(value=str(v), label=str(v)) for v in range(1, 5)]
    error = refused(config.scale_save, actor=hr, scale=scale, name=scale.name, levels=levels, bands=BANDS, version=1)
    assert "Competencies describe each level" in error.fields["levels"][0]


def test_a_stale_scale_edit_is_refused(hr):
    scale = config.scale_save(actor=hr, name="四级", levels=LEVELS, bands=BANDS)
    config.scale_save(actor=hr, scale=scale, name="四级 A", levels=LEVELS, bands=BANDS, version=1)
    stale = RatingScale.objects.get(pk=scale.pk)
    stale.version = 1  # what the second person read
    with pytest.raises(StaleWrite):
        config.scale_save(actor=hr, scale=stale, name="四级 B", levels=LEVELS, bands=BANDS, version=1)
    assert RatingScale.objects.get(pk=scale.pk).name == "四级 A"


# ---- competencies --------------------------------------------------------------------------------


def test_a_competency_has_one_anchor_per_level_of_the_default_scale(hr):
    value = CompanyValue.objects.create(name="客户第一", name_en="Customer first")
    competency = config.competency_save(
        actor=hr, name="客户导向", name_en="Customer focus", value=value, anchors=anchors_for_default()
    )
    assert competency.value == value and competency.active
    assert sorted(a.level for a in competency.anchors.all()) == [Decimal(v) for v in range(1, 6)]
    event = AuditEvent.objects.get(action="competency.create")
    assert facts(event.after)["anchors"]["5"] == {"text": "行为5.00", "text_en": ""}


def test_every_anchor_needs_chinese_text_and_nothing_is_written_without_it(hr):
    anchors = anchors_for_default()
    anchors[2] = AnchorInput(level=anchors[2].level, text="", text_en="Only English")
    before = counts()
    error = refused(config.competency_save, actor=hr, name="沟通", anchors=anchors)
    assert list(error.fields) == ["anchors.2.text"]
    assert counts() == before


def test_a_missing_level_or_a_level_off_the_scale_is_refused(hr):
    anchors = anchors_for_default()
    assert "anchors.4.text" in refused(config.competency_save, actor=hr, name="沟通", anchors=anchors[:4]).fields
    extra = [*anchors, AnchorInput(level="6", text="超出")]
    assert "anchors" in refused(config.competency_save, actor=hr, name="沟通", anchors=extra).fields


def test_a_competency_name_is_unique_and_a_retired_value_cannot_be_linked(hr):
    make_competency("沟通")
    assert "name" in refused(config.competency_save, actor=hr, name="沟通", anchors=anchors_for_default()).fields
    retired = CompanyValue.objects.create(name="旧价值观", active=False)
    error = refused(config.competency_save, actor=hr, name="新能力", value=retired, anchors=anchors_for_default())
    assert "value" in error.fields


def test_a_competency_can_be_retired_and_a_stale_edit_is_refused(hr):
    competency = config.competency_save(actor=hr, name="学习", anchors=anchors_for_default())
    config.competency_save(
        actor=hr, competency=competency, name="学习", anchors=anchors_for_default("新"), active=False, version=1
    )
    competency.refresh_from_db()
    assert not competency.active and competency.version == 2
    assert competency.anchors.get(level=1).text == "新1.00"
    competency.version = 1
    with pytest.raises(StaleWrite):
        config.competency_save(actor=hr, competency=competency, name="学习2", anchors=anchors_for_default(), version=1)


# ---- competency models ---------------------------------------------------------------------------


def test_a_model_keeps_its_competencies_in_order_with_weights(hr):
    a, b = make_competency("甲"), make_competency("乙")
    model = config.competency_model_save(
        actor=hr,
        name="销售模型",
        job_family="销售",
        job_levels=["P5", " P4 ", "P5"],
        items=[ModelItemInput(b, "2"), ModelItemInput(a, "1")],
    )
    assert model.job_levels == ["P4", "P5"]
    assert [(i.competency, i.weight) for i in model.items.all()] == [(b, Decimal(2)), (a, Decimal(1))]
    assert facts(AuditEvent.objects.get(action="competency_model.create").after)["items"][0]["weight"] == "2"


@pytest.mark.parametrize(
    ("items", "key"),
    [
        ([], "items"),
        ([(None, "1")], "items.0.competency"),
        ([("a", "0")], "items.0.weight"),
        ([("a", "x")], "items.0.weight"),
        ([("a", "1"), ("a", "2")], "items.1.competency"),
        ([("inactive", "1")], "items.0.competency"),
    ],
    ids=["no competency", "competency not found", "zero weight", "weight not a number", "twice", "inactive"],
)
def test_a_bad_model_is_refused_and_nothing_is_written(hr, items, key):
    a = make_competency("甲")
    inactive = make_competency("旧")
    inactive.active = False
    inactive.save()
    named = {"a": a, "inactive": inactive}
    inputs = [ModelItemInput(named[name] if name else None, weight) for name, weight in items]
    before = counts()
    error = refused(config.competency_model_save, actor=hr, name="模型", items=inputs)
    assert key in error.fields, error.fields
    assert counts() == before


def test_two_models_cannot_cover_exactly_the_same_jobs(hr):
    a = make_competency()
    make_competency_model(a, name="销售一", job_family="销售", job_levels=["P5", "P4"])
    error = refused(
        config.competency_model_save,
        actor=hr,
        name="销售二",
        job_family="销售",
        job_levels=["P4", "P5"],
        items=[ModelItemInput(a, 1)],
    )
    assert "job_family" in error.fields
    config.competency_model_save(
        actor=hr, name="销售三", job_family="销售", job_levels=["P6"], items=[ModelItemInput(a, 1)]
    )


def test_an_inactive_competency_already_in_a_model_may_stay(hr):
    a, b = make_competency(), make_competency()
    model = config.competency_model_save(actor=hr, name="模型", items=[ModelItemInput(a, 1), ModelItemInput(b, 1)])
    b.active = False
    b.save()
    model = CompetencyModel.objects.get(pk=model.pk)
    config.competency_model_save(
        actor=hr, model=model, name="模型", items=[ModelItemInput(b, 3), ModelItemInput(a, 1)], version=1
    )
    assert [i.competency_id for i in model.items.order_by("order")] == [b.pk, a.pk]


# ---- review templates ----------------------------------------------------------------------------


def test_a_template_is_saved_with_its_sections_and_questions(hr):
    model = make_competency_model(make_competency())
    template = config.review_template_save(
        actor=hr,
        name="年度考核",
        name_en="Annual review",
        scale=default_scale(),
        self_weight="20",
        sections=sections(model=model, questions=("成绩？", "计划？")),
    )
    assert template.self_weight == 20 and template.created_by == hr
    kinds = list(template.sections.values_list("kind", "weight", "competency_model"))
    assert kinds == [
        ("kpi", Decimal(40), None),
        ("goals", Decimal(30), None),
        ("competencies", Decimal(30), model.pk),
        ("questions", Decimal(0), None),
    ]
    assert list(template.sections.get(kind="questions").questions.values_list("text", flat=True)) == [
        "成绩？",
        "计划？",
    ]
    assert config.template_problems(template) is None
    event = AuditEvent.objects.get(action="review_template.create")
    assert [s["weight"] for s in facts(event.after)["sections"]] == ["40", "30", "30", "0"]


def test_weights_that_do_not_add_up_to_100_are_refused_with_a_message_on_the_weights(hr):
    make_competency_model(make_competency())
    before = counts()
    error = refused(
        config.review_template_save, actor=hr, name="坏模板", scale=default_scale(), sections=sections(kpi="50")
    )
    assert error.fields == {"weights": ["The weights of the scored sections add up to 110; they must add up to 100."]}
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"kind": "peer"}, "sections.0.kind"),
        ({"title": ""}, "sections.0.title"),
        ({"weight": ""}, "sections.0.weight"),
        ({"weight": "-40"}, "sections.0.weight"),
        ({"weight": "abc"}, "sections.0.weight"),
    ],
)
def test_a_bad_section_is_refused_on_its_row(hr, change, key):
    make_competency_model(make_competency())
    rows = sections()
    first = rows[0]
    rows[0] = SectionInput(
        kind=change.get("kind", first.kind),
        title=change.get("title", first.title),
        weight=change.get("weight", first.weight),
    )
    error = refused(config.review_template_save, actor=hr, name="坏模板", scale=default_scale(), sections=rows)
    assert key in error.fields, error.fields


def test_question_sections_weigh_zero_and_need_a_question(hr):
    make_competency_model(make_competency())
    rows = sections()
    rows[3] = SectionInput(kind=SectionKind.QUESTIONS, title="问题", weight="10", questions=())
    error = refused(config.review_template_save, actor=hr, name="坏模板", scale=default_scale(), sections=rows)
    assert "sections.3.weight" in error.fields and "sections.3.questions" in error.fields
    rows[3] = SectionInput(kind=SectionKind.QUESTIONS, title="问题", questions=(QuestionInput(text=" "),))
    error = refused(config.review_template_save, actor=hr, name="坏模板", scale=default_scale(), sections=rows)
    assert list(error.fields) == ["sections.3.questions.0.text"]


def test_a_competency_section_by_job_needs_a_competency_model_to_exist(hr):
    error = refused(config.review_template_save, actor=hr, name="模板", scale=default_scale(), sections=sections())
    assert "sections.2.competency_model" in error.fields
    make_competency_model(make_competency())
    template = config.review_template_save(actor=hr, name="模板", scale=default_scale(), sections=sections())
    assert template.sections.get(kind="competencies").competency_model is None


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"scale": None}, "scale"),
        ({"self_weight": "101"}, "self_weight"),
        ({"self_weight": "12.5"}, "self_weight"),
        ({"name": ""}, "name"),
        ({"sections": []}, "sections"),
    ],
)
def test_bad_template_fields_are_refused(hr, kwargs, key):
    make_competency_model(make_competency())
    data = {"actor": hr, "name": "模板", "scale": default_scale(), "sections": sections(), **kwargs}
    assert key in refused(config.review_template_save, **data).fields


def test_a_template_has_one_kpi_section_at_most(hr):
    rows = [
        SectionInput(kind=SectionKind.KPI, title="指标", weight="50"),
        SectionInput(kind=SectionKind.KPI, title="指标二", weight="50"),
    ]
    error = refused(config.review_template_save, actor=hr, name="模板", scale=default_scale(), sections=rows)
    assert "sections.1.kind" in error.fields


def test_editing_a_template_replaces_its_sections_and_audits_before_and_after(hr):
    model = make_competency_model(make_competency())
    template = config.review_template_save(actor=hr, name="模板", scale=default_scale(), sections=sections(model=model))
    config.review_template_save(
        actor=hr,
        template=template,
        name="模板",
        scale=default_scale(),
        sections=sections(kpi="60", goals="40", comp="0")[:2],
        version=1,
    )
    assert list(template.sections.values_list("kind", flat=True)) == ["kpi", "goals"]
    event = AuditEvent.objects.get(action="review_template.update")
    assert len(facts(event.before)["sections"]) == 4 and len(facts(event.after)["sections"]) == 2
    with pytest.raises(StaleWrite):
        config.review_template_save(
            actor=hr, template=template, name="模板", scale=default_scale(), sections=sections(), version=1
        )


def test_archiving_a_template_is_audited_and_can_be_undone(hr):
    template = make_template()
    config.template_archive(actor=hr, template=template, version=1)
    template.refresh_from_db()
    assert template.archived and template.version == 2
    config.template_archive(actor=hr, template=template, archived=False, version=2)
    template.refresh_from_db()
    assert not template.archived
    assert list(
        AuditEvent.objects.filter(action__startswith="review_template.").order_by("pk").values_list("action", flat=True)
    ) == ["review_template.archive", "review_template.restore"]
    with pytest.raises(StaleWrite):
        config.template_archive(actor=hr, template=template, version=1)


def test_template_problems_reads_prefetched_templates_without_queries(hr, django_assert_num_queries):
    make_template()
    template = (
        ReviewTemplate.objects.prefetch_related("sections__questions", "scale__levels", "scale__bands")
        .select_related("scale")
        .get()
    )
    with django_assert_num_queries(0):
        assert config.template_problems(template) is None
