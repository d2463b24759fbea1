"""Review configuration pages: who may open them, what they show in each language, how they save and refuse.

HR (any scope) and admins configure; employees, managers, executives and outsiders get 404. Bad input
shows its message beside the field or row, keeps what was typed and writes nothing.
"""

import html
from decimal import Decimal

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.goals.models import CompanyValue
from jixiao.reviews.models import Competency, CompetencyModel, RatingScale, ReviewTemplate
from jixiao.reviews.testing import default_scale, make_competency, make_competency_model, make_template

pytestmark = pytest.mark.django_db

LISTS = ("/reviews/scales/", "/reviews/competencies/", "/reviews/competency-models/", "/reviews/templates/")
NEW = (
    "/reviews/scales/new/",
    "/reviews/competencies/new/",
    "/reviews/competency-models/new/",
    "/reviews/templates/new/",
)


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def world(personas):
    """One of each: a competency, a model, a template (on the default scale)."""
    competency = make_competency("客户导向")
    competency.name_en = "Customer focus"
    competency.save()
    model = make_competency_model(competency, name="通用模型", job_family="销售", job_levels=["P5"])
    template = make_template(name="年度考核", competency_model=model)
    return {"competency": competency, "model": model, "template": template, "scale": default_scale()}


def edit_urls(world) -> list[str]:
    return [
        f"/reviews/scales/{world['scale'].pk}/",
        f"/reviews/competencies/{world['competency'].pk}/",
        f"/reviews/competency-models/{world['model'].pk}/",
        f"/reviews/templates/{world['template'].pk}/",
    ]


# ---- who may open what -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "manager", "executive", "outsider"])
def test_people_who_do_not_configure_get_404_on_every_page_and_post(personas, world, who):
    user = getattr(personas, who)
    client = signed_in(getattr(user, "user", user))
    for url in (*LISTS, *NEW, *edit_urls(world)):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x"}).status_code == 404, url
    assert ReviewTemplate.objects.get(pk=world["template"].pk).name == "年度考核"
    assert AuditEvent.objects.filter(action="access.denied").count() == 2 * (len(LISTS) + len(NEW) + 4)


@pytest.mark.parametrize("who", ["scoped_hr", "other_hr", "admin"])
def test_hr_of_any_scope_and_admins_open_every_page(personas, world, who):
    client = signed_in(getattr(personas, who))
    for url in (*LISTS, *NEW, *edit_urls(world)):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get("/reviews/templates/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_missing_object_is_404_for_hr(personas):
    client = signed_in(personas.scoped_hr)
    for url in ("/reviews/scales/999/", "/reviews/competencies/999/", "/reviews/competency-models/999/"):
        assert client.get(url).status_code == 404
    assert client.get("/reviews/templates/999/").status_code == 404


# ---- what the lists show ---------------------------------------------------------------------------


def test_the_scales_page_shows_levels_and_bands_with_colour_and_label(personas, world):
    text = page(signed_in(personas.scoped_hr).get("/reviews/scales/"))
    assert "Five-point scale" in text and "Outstanding" in text
    assert '<span class="jx-band jx-band-S">S</span>' in text
    assert '<span class="jx-band jx-band-D">D</span> <span class="fw-semibold">Unsatisfactory</span>' in text
    assert "Used by 1 template" in text


def test_the_pages_speak_chinese_to_chinese_readers(personas, world):
    client = signed_in(personas.scoped_hr, "zh-hans")
    assert "五级评分" in page(client.get("/reviews/scales/"))
    competencies = page(client.get("/reviews/competencies/"))
    assert "客户导向" in competencies and "Customer focus" not in competencies
    assert "等级5的行为" in competencies
    english = page(signed_in(personas.scoped_hr).get("/reviews/competencies/"))
    assert "Customer focus" in english and "Behaviour at 5" in english


def test_the_competency_list_shows_bars_anchors_and_filters_active_and_inactive(personas, world):
    retired = make_competency("旧能力")
    retired.active = False
    retired.save()
    client = signed_in(personas.scoped_hr)
    active = page(client.get("/reviews/competencies/"))
    assert "Customer focus" in active and "旧能力" not in active
    assert active.count('data-testid="competency"') == 1
    assert "Outstanding" in active and "Behaviour at 5" in active
    inactive = page(client.get("/reviews/competencies/?state=inactive"))
    assert "旧能力" in inactive and "Customer focus" not in inactive
    assert page(client.get("/reviews/competencies/?state=all")).count('data-testid="competency"') == 2


def test_the_template_list_says_whether_each_template_is_ready(personas, world):
    broken = make_template(name="坏模板", weights=(30, 30, 30))
    text = page(signed_in(personas.scoped_hr).get("/reviews/templates/"))
    assert f'id="template-{broken.pk}"' in text
    assert "The section weights of the template must add up to 100." in text
    assert "Ready" in text


def test_empty_lists_say_what_to_do_next(personas):
    client = signed_in(personas.scoped_hr)
    assert "No competencies yet" in page(client.get("/reviews/competencies/"))
    models = page(client.get("/reviews/competency-models/"))
    assert "write some competencies first" in models
    assert "No review templates yet" in page(client.get("/reviews/templates/"))
    assert "No archived templates" in page(client.get("/reviews/templates/?show=archived"))


# ---- scales ----------------------------------------------------------------------------------------


def scale_post(**extra) -> dict[str, str]:
    data = {"name": "三级", "name_en": "Three-point"}
    for i, (value, label) in enumerate([("1", "差"), ("2", "中"), ("3", "好")]):
        data |= {f"lv-{i}-value": value, f"lv-{i}-label": label, f"lv-{i}-label_en": "", f"lv-{i}-description": ""}
    for i, (code, label, threshold) in enumerate([("A", "优", "2.5"), ("B", "中", "1.5"), ("C", "差", "0")]):
        data |= {f"band-{i}-code": code, f"band-{i}-label": label, f"band-{i}-threshold": threshold}
    return data | extra


def test_a_new_scale_starts_as_a_copy_of_the_default_one(personas):
    text = page(signed_in(personas.scoped_hr).get("/reviews/scales/new/"))
    assert 'name="lv-4-label" value="卓越"' in text and 'name="band-4-code" value="D"' in text


def test_hr_creates_a_scale(personas):
    response = signed_in(personas.scoped_hr).post("/reviews/scales/new/", scale_post())
    assert response.status_code == 302
    scale = RatingScale.objects.get(name="三级")
    assert scale.levels.count() == 3 and scale.bands.count() == 3


def test_a_bad_band_shows_its_error_in_its_row_keeps_the_input_and_writes_nothing(personas):
    response = signed_in(personas.scoped_hr).post("/reviews/scales/new/", scale_post(**{"band-1-threshold": "9"}))
    assert response.status_code == 200
    text = page(response)
    assert "Please correct the marked fields." in text
    row = text.split('name="band-1-threshold"')[1].split("</tr>")[0]
    assert "Enter a score from 0 to 3, the range of the scale's levels." in row
    assert 'name="band-1-threshold" value="9"' in text
    assert not RatingScale.objects.filter(name="三级").exists()


def test_a_stale_scale_form_is_refused_with_a_clear_message(personas):
    scale = default_scale()
    client = signed_in(personas.scoped_hr)
    data = scale_post(name=scale.name, version="1")
    first = client.post(f"/reviews/scales/{scale.pk}/", data | {"name_en": "First"})
    assert first.status_code == 302
    second = client.post(f"/reviews/scales/{scale.pk}/", data | {"name_en": "Second"})
    assert "Someone else saved this rating scale since you opened it." in page(second)
    assert RatingScale.objects.get(pk=scale.pk).name_en == "First"


def test_a_scale_in_use_shows_its_values_locked(personas, world):
    text = page(signed_in(personas.scoped_hr).get(f"/reviews/scales/{world['scale'].pk}/"))
    assert 'data-testid="levels-locked"' in text
    assert 'name="lv-0-value" value="1" inputmode="decimal" aria-label="Value" readonly' in text


# ---- competencies and models -----------------------------------------------------------------------


def competency_post(**extra) -> dict[str, str]:
    data = {"name": "学习能力", "name_en": "Learning", "active": "on", "value": ""}
    for i in range(5):
        data |= {f"anchor-{i}-text": f"等级{i + 1}", f"anchor-{i}-text_en": ""}
    return data | extra


def test_hr_writes_a_competency_with_an_anchor_per_level_and_a_value(personas):
    value = CompanyValue.objects.create(name="客户第一")
    response = signed_in(personas.scoped_hr).post("/reviews/competencies/new/", competency_post(value=str(value.pk)))
    assert response.status_code == 302
    competency = Competency.objects.get(name="学习能力")
    assert competency.value == value
    assert [a.text for a in competency.anchors.order_by("level")] == ["等级1", "等级2", "等级3", "等级4", "等级5"]


def test_an_anchor_left_empty_is_shown_beside_its_level(personas):
    response = signed_in(personas.scoped_hr).post(
        "/reviews/competencies/new/", competency_post(**{"anchor-3-text": ""})
    )
    text = page(response)
    block = text.split('data-testid="anchor-3"')[1].split("</fieldset>")[0]
    assert "Describe the behaviour at this level (in Chinese at least)." in block
    assert not Competency.objects.exists()


def test_hr_builds_a_competency_model_in_order(personas, world):
    second = make_competency("执行力")
    response = signed_in(personas.scoped_hr).post(
        "/reviews/competency-models/new/",
        {
            "name": "研发模型",
            "job_family": "研发",
            "job_levels": ["P5"],
            "item-3-competency": str(second.pk),
            "item-3-weight": "2",
            "item-0-competency": str(world["competency"].pk),
            "item-0-weight": "1",
        },
    )
    assert response.status_code == 302
    model = CompetencyModel.objects.get(name="研发模型")
    assert [(i.competency_id, i.weight) for i in model.items.order_by("order")] == [
        (second.pk, Decimal(2)),
        (world["competency"].pk, Decimal(1)),
    ]


def test_a_model_twice_the_same_competency_shows_the_error_on_the_second_row(personas, world):
    pk = str(world["competency"].pk)
    response = signed_in(personas.scoped_hr).post(
        "/reviews/competency-models/new/",
        {"name": "重复", "item-0-competency": pk, "item-0-weight": "1", "item-1-competency": pk, "item-1-weight": "1"},
    )
    text = page(response)
    assert text.split('name="item-1-competency"')[1].split("</tr>")[0].count("already in the model") == 1
    assert not CompetencyModel.objects.filter(name="重复").exists()


# ---- templates -------------------------------------------------------------------------------------


def template_post(world, **extra) -> dict[str, str]:
    data = {
        "name": "半年考核",
        "name_en": "Half-year review",
        "scale": str(world["scale"].pk),
        "self_weight": "20",
        "overall_comment_required": "on",
        "s-0-kind": "kpi",
        "s-0-title": "指标",
        "s-0-weight": "50",
        "s-2-kind": "competencies",
        "s-2-title": "能力",
        "s-2-weight": "50",
        "s-2-required": "on",
        "s-2-model": "job",
        "s-5-kind": "questions",
        "s-5-title": "问题",
        "s-5-weight": "0",
        "s-5-q-0-text": "最大的成绩？",
        "s-5-q-0-required": "on",
        "s-5-q-3-text": "",
        "s-5-q-7-text": "下期计划？",
    }
    return data | extra


def test_the_new_template_page_starts_with_a_common_layout(personas, world):
    text = page(signed_in(personas.scoped_hr).get("/reviews/templates/new/"))
    rows = text.split('data-rc-template="section"')[0]
    assert rows.count('data-testid="section"') == 4
    assert 'data-testid="weight-total"' in text and ">100</strong>" in text and "rcfg-total-ok" in text


def test_hr_creates_a_template_with_sections_in_page_order(personas, world):
    response = signed_in(personas.scoped_hr).post("/reviews/templates/new/", template_post(world))
    assert response.status_code == 302, page(response)
    template = ReviewTemplate.objects.get(name="半年考核")
    assert template.self_weight == 20
    assert list(template.sections.values_list("kind", "weight")) == [
        ("kpi", Decimal(50)),
        ("competencies", Decimal(50)),
        ("questions", Decimal(0)),
    ]
    questions = template.sections.get(kind="questions").questions.all()
    assert [(q.text, q.required) for q in questions] == [("最大的成绩？", True), ("下期计划？", False)]


def test_weights_not_adding_up_show_a_message_on_the_weights_and_keep_what_was_typed(personas, world):
    response = signed_in(personas.scoped_hr).post(
        "/reviews/templates/new/", template_post(world, **{"s-2-weight": "40"})
    )
    text = page(response)
    errors = text.split('data-testid="table-errors-weights"')[1].split("</div></div>")[0]
    assert "The weights of the scored sections add up to 90; they must add up to 100." in errors
    assert ">90</strong>" in text and "rcfg-total-bad" in text
    assert 'name="s-5-q-7-text" value="下期计划？"' in text
    assert not ReviewTemplate.objects.filter(name="半年考核").exists()


def test_a_weighted_question_section_shows_the_error_on_its_row(personas, world):
    response = signed_in(personas.scoped_hr).post(
        "/reviews/templates/new/", template_post(world, **{"s-5-weight": "5"})
    )
    text = page(response)
    row = text.split('name="s-5-weight"')[1].split("</div>")[0]
    assert "Open questions are not scored; give this section weight 0." in row


def test_hr_edits_and_archives_a_template(personas, world):
    template = world["template"]
    client = signed_in(personas.scoped_hr)
    response = client.post(f"/reviews/templates/{template.pk}/", template_post(world, name="年度考核", version="1"))
    assert response.status_code == 302
    assert client.post(f"/reviews/templates/{template.pk}/", {"action": "archive", "version": "2"}).status_code == 302
    template.refresh_from_db()
    assert template.archived
    listing = page(client.get("/reviews/templates/"))
    assert f'id="template-{template.pk}"' not in listing
    assert f'id="template-{template.pk}"' in page(client.get("/reviews/templates/?show=archived"))


# ---- reads run a fixed number of queries -----------------------------------------------------------


def grow(size: int) -> None:
    scale = default_scale()
    competencies = [make_competency(f"能力{size}-{i}") for i in range(size)]
    models = [
        make_competency_model(c, name=f"模型{size}-{i}", job_family=f"族{i}", job_levels=["P5"])
        for i, c in enumerate(competencies)
    ]
    for i in range(size):
        template = make_template(name=f"模板{size}-{i}", competency_model=models[i])
        assert template.scale == scale
        RatingScale.objects.create(name=f"量表{size}-{i}")


# Session, user and the actor's roles (2 queries: employee, HR scopes), then each page's own reads:
# scales + levels + bands; default levels + competencies + anchors + counts; models + items + counts;
# templates + scale levels + bands + sections + questions + counts (the notifications badge reads no query).
LIST_QUERIES = {
    "/reviews/scales/": 7,
    "/reviews/competencies/": 8,
    "/reviews/competency-models/": 7,
    "/reviews/templates/": 11,  # the sections' 360 groups are prefetched too
}


ROWS = {
    "/reviews/scales/": ("scale", 51),
    "/reviews/competencies/": ("competency", 50),
    "/reviews/competency-models/": ("model", 50),
    "/reviews/templates/": ("template", 50),
}


@pytest.mark.parametrize("url", LISTS)
def test_each_list_runs_the_same_queries_for_10_and_50_rows(personas, django_assert_num_queries, url):
    client = signed_in(personas.scoped_hr)
    grow(10)
    with django_assert_num_queries(LIST_QUERIES[url]):
        assert client.get(url).status_code == 200
    grow(40)
    with django_assert_num_queries(LIST_QUERIES[url]):
        response = client.get(url)
    assert response.status_code == 200
    testid, rows = ROWS[url]
    assert page(response).count(f'data-testid="{testid}"') == rows
