"""Configuring 360 feedback (issue 5, decision 0009): the template's 360° section and the cycle's 360 settings.

A template has at most one 360° section: its rater groups, each once, weigh 100 in total; self and manager
may weigh 0 (shown for comparison); at least one anonymous group counts; peers come with 1 ≤ min ≤ max ≤ 20.
Bad input gets a clear error beside the field and writes nothing. A cycle on such a template asks for the
peer-selection and feedback phases and for its anonymity settings.
"""

import datetime as dt
import html
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError
from jixiao.goals.testing import make_period
from jixiao.reviews import services_config
from jixiao.reviews.models import Cycle, CyclePhase, PhaseKind, ReviewTemplate, SectionKind, TemplateGroup
from jixiao.reviews.services_config import GroupInput, QuestionInput, SectionInput
from jixiao.reviews.testing import default_scale, launch, make_competency, make_competency_model, make_cycle

pytestmark = pytest.mark.django_db


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def model(personas):
    return make_competency_model(make_competency("沟通"), make_competency("协作"), name="通用")


def feedback_section(**overrides) -> SectionInput:
    values: dict[str, Any] = {
        "kind": SectionKind.FEEDBACK,
        "title": "360度反馈",
        "title_en": "360° feedback",
        "weight": 40,
        "required": False,
        "groups": (GroupInput("self", 0), GroupInput("peer", 60), GroupInput("upward", 40)),
        "peer_min": 3,
        "peer_max": 8,
        "questions": (QuestionInput("最应该保持什么？", "What should she keep doing?"),),
    }
    return SectionInput(**(values | overrides))


def save(personas, *sections: SectionInput, model=None, name="三百六十"):
    kpi = SectionInput(SectionKind.KPI, "业绩", "KPIs", 60, required=False)
    return services_config.review_template_save(
        actor=personas.scoped_hr,
        name=name,
        scale=default_scale(),
        sections=[kpi, *sections] if sections else [kpi],
    )


def refused(personas, *sections: SectionInput) -> dict[str, list[str]]:
    with pytest.raises(DomainError) as caught:
        save(personas, *sections)
    assert not ReviewTemplate.objects.filter(name="三百六十").exists()
    return caught.value.fields


# ---- the service ----------------------------------------------------------------------------------------


def test_hr_saves_a_360_section_with_its_groups_peer_limits_model_and_questions(personas, model):
    template = save(personas, feedback_section(competency_model=model, peer_min=4, peer_max=10))
    section = template.sections.get(kind=SectionKind.FEEDBACK)
    assert (section.peer_min, section.peer_max, section.competency_model) == (4, 10, model)
    assert {(g.kind, g.weight) for g in section.groups.all()} == {
        ("self", Decimal(0)),
        ("peer", Decimal(60)),
        ("upward", Decimal(40)),
    }
    assert [q.text for q in section.questions.all()] == ["最应该保持什么？"]
    event = AuditEvent.objects.get(action="review_template.create")
    facts = (event.after or {})["sections"][1]
    assert facts["groups"] == [
        {"kind": "self", "weight": "0"},
        {"kind": "peer", "weight": "60"},
        {"kind": "upward", "weight": "40"},
    ]
    assert (facts["peer_min"], facts["peer_max"]) == (4, 10)
    assert services_config.template_problems(template) is None


def test_a_360_section_may_rate_competencies_by_job(personas, model):
    section = save(personas, feedback_section()).sections.get(kind=SectionKind.FEEDBACK)
    assert section.competency_model is None


def test_editing_a_template_replaces_its_groups_and_records_before_and_after(personas, model):
    template = save(personas, feedback_section())
    services_config.review_template_save(
        actor=personas.scoped_hr,
        template=template,
        name="三百六十",
        scale=default_scale(),
        sections=[
            SectionInput(SectionKind.KPI, "业绩", "KPIs", 60, required=False),
            feedback_section(groups=(GroupInput("peer", 50), GroupInput("customer", 50))),
        ],
        version=template.version,
    )
    assert set(TemplateGroup.objects.values_list("kind", flat=True)) == {"peer", "customer"}
    event = AuditEvent.objects.get(action="review_template.update")
    assert {g["kind"] for g in (event.before or {})["sections"][1]["groups"]} == {"self", "peer", "upward"}


def test_a_template_has_one_360_section_at_most(personas, model):
    fields = refused(personas, feedback_section(weight=20), feedback_section(weight=20))
    assert fields["sections.2.kind"] == ["A template has one section of this kind at most."]


def test_each_group_comes_once(personas, model):
    groups = (GroupInput("peer", 50), GroupInput("peer", 50))
    fields = refused(personas, feedback_section(groups=groups))
    assert fields["sections.1.groups.1.kind"] == ["This rater group is already in the section."]


def test_an_unknown_group_is_refused(personas, model):
    fields = refused(personas, feedback_section(groups=(GroupInput("friends", 100),)))
    assert fields["sections.1.groups.0.kind"] == ["Pick a rater group."]


def test_group_weights_must_add_up_to_100(personas, model):
    fields = refused(personas, feedback_section(groups=(GroupInput("peer", 60), GroupInput("upward", 30))))
    assert fields["sections.1.groups"] == ["The group weights add up to 90; they must add up to 100."]


def test_self_and_manager_may_weigh_0_but_anonymous_groups_may_not(personas, model):
    template = save(
        personas,
        feedback_section(groups=(GroupInput("self", 0), GroupInput("manager", 0), GroupInput("peer", 100))),
    )
    assert template.sections.get(kind=SectionKind.FEEDBACK).groups.count() == 3
    ReviewTemplate.objects.all().delete()
    fields = refused(personas, feedback_section(groups=(GroupInput("peer", 100), GroupInput("customer", 0))))
    assert "only self and manager may have 0" in fields["sections.1.groups.1.weight"][0]


def test_at_least_one_anonymous_group_must_count(personas, model):
    fields = refused(personas, feedback_section(groups=(GroupInput("self", 50), GroupInput("manager", 50))))
    assert "Add peers, direct reports or customers" in fields["sections.1.groups"][0]


def test_a_360_section_needs_its_groups(personas, model):
    fields = refused(personas, feedback_section(groups=()))
    assert fields["sections.1.groups"] == ["Pick who gives feedback in this section."]


def test_a_group_weight_must_be_a_number_from_0_to_100(personas, model):
    fields = refused(personas, feedback_section(groups=(GroupInput("peer", "lots"), GroupInput("upward", 120))))
    assert fields["sections.1.groups.0.weight"] == ["Enter a number."]
    assert fields["sections.1.groups.1.weight"] == ["Enter a weight from 0 to 100."]


@pytest.mark.parametrize(
    ("low", "high", "field"),
    [(0, 8, "peer_min"), (3, 21, "peer_max"), ("", 8, "peer_min"), (2.5, 8, "peer_min"), (9, 8, "peer_max")],
)
def test_peer_limits_are_whole_numbers_from_1_to_20_with_the_fewest_not_above_the_most(
    personas, model, low, high, field
):
    fields = refused(personas, feedback_section(peer_min=low, peer_max=high))
    assert f"sections.1.{field}" in fields


def test_peer_limits_are_not_asked_without_a_peer_group(personas, model):
    template = save(personas, feedback_section(groups=(GroupInput("upward", 100),), peer_min="", peer_max=""))
    section = template.sections.get(kind=SectionKind.FEEDBACK)
    assert (section.peer_min, section.peer_max) == (3, 8)


def test_groups_belong_to_360_sections_only(personas, model):
    wrong = SectionInput(SectionKind.COMPETENCIES, "能力", "", 40, groups=(GroupInput("peer", 100),))
    fields = refused(personas, wrong)
    assert fields["sections.1.groups"] == ["Only 360° feedback sections have rater groups."]


def test_template_problems_flag_a_360_section_whose_groups_do_not_add_up(personas, model):
    template = save(personas, feedback_section())
    TemplateGroup.objects.filter(kind="upward").update(weight=10)
    template = ReviewTemplate.objects.get(pk=template.pk)
    assert services_config.template_problems(template) == (
        "The rater groups of the 360° feedback section must add up to 100."
    )


# ---- the template page ----------------------------------------------------------------------------------


def template_post(model, **extra) -> dict[str, str]:
    data = {
        "name": "三百六十",
        "scale": str(default_scale().pk),
        "self_weight": "0",
        "s-0-kind": "kpi",
        "s-0-title": "业绩",
        "s-0-weight": "60",
        "s-1-kind": "feedback",
        "s-1-title": "360度反馈",
        "s-1-weight": "40",
        "s-1-model": str(model.pk),
        "s-1-g_self": "on",
        "s-1-gw_self": "0",
        "s-1-g_peer": "on",
        "s-1-gw_peer": "70",
        "s-1-g_customer": "on",
        "s-1-gw_customer": "30",
        "s-1-gw_upward": "40",  # typed, then unticked: ignored
        "s-1-peer_min": "3",
        "s-1-peer_max": "6",
        "s-1-q-0-text": "最应该改进什么？",
    }
    return data | extra


def test_the_template_page_saves_a_360_section(personas, model):
    response = signed_in(personas.scoped_hr).post("/reviews/templates/new/", template_post(model))
    assert response.status_code == 302, page(response)
    section = ReviewTemplate.objects.get(name="三百六十").sections.get(kind=SectionKind.FEEDBACK)
    assert dict(section.groups.values_list("kind", "weight")) == {
        "self": Decimal(0),
        "peer": Decimal(70),
        "customer": Decimal(30),
    }
    assert section.peer_max == 6 and section.competency_model == model
    assert [q.text for q in section.questions.all()] == ["最应该改进什么？"]


def test_the_template_page_shows_a_group_error_in_its_row_and_keeps_what_was_typed(personas, model):
    response = signed_in(personas.scoped_hr).post(
        "/reviews/templates/new/", template_post(model, **{"s-1-gw_customer": "0"})
    )
    text = page(response)
    cell = text.split('name="s-1-gw_customer"')[1].split("</td>")[0]
    assert "only self and manager may have 0" in cell
    assert 'name="s-1-gw_peer" value="70"' in text and 'name="s-1-peer_max" value="6"' in text
    assert not ReviewTemplate.objects.filter(name="三百六十").exists()


def test_the_template_page_shows_peer_limit_errors_beside_them(personas, model):
    text = page(
        signed_in(personas.scoped_hr).post("/reviews/templates/new/", template_post(model, **{"s-1-peer_max": "30"}))
    )
    assert "Enter a whole number from 1 to 20." in text.split('name="s-1-peer_max"')[1].split("</div>")[0]


def test_editing_a_template_shows_its_360_groups(personas, model):
    template = save(personas, feedback_section())
    text = page(signed_in(personas.scoped_hr).get(f"/reviews/templates/{template.pk}/"))
    assert 'name="s-1-gw_peer" value="60"' in text
    assert 'id="s-1-g_peer" name="s-1-g_peer" value="on" checked' in text
    assert 'id="s-1-g_customer" name="s-1-g_customer" value="on" data-fb-use' in text  # not ticked


# ---- the cycle form -------------------------------------------------------------------------------------


def cycle_post(template, period, **extra) -> dict[str, str]:
    start = dt.date(2027, 11, 1)
    data = {
        "name": "全员360",
        "name_en": "360 for all",
        "period": str(period.pk),
        "template": str(template.pk),
        "anonymity_k": "5",
        "comment_k": "4",
        "confidential": "on",
        "rater_load_limit": "6",
    }
    kinds = ["peer_selection", "self", "feedback", "manager", "release", "acknowledgement"]
    for i, kind in enumerate(kinds):
        data[f"phase_{kind}_start"] = (start + dt.timedelta(days=7 * i)).isoformat()
        data[f"phase_{kind}_due"] = (start + dt.timedelta(days=7 * i + 6)).isoformat()
    return data | extra


def test_hr_creates_a_cycle_with_360_settings_and_both_360_phases(personas, model):
    template = save(personas, feedback_section())
    period = make_period(personas.admin)
    response = signed_in(personas.admin).post("/reviews/cycles/new/", cycle_post(template, period))
    assert response.status_code == 302, page(response)
    cycle = Cycle.objects.get(name="全员360")
    assert (cycle.anonymity_k, cycle.comment_k, cycle.confidential, cycle.rater_load_limit) == (5, 4, True, 6)
    assert set(CyclePhase.objects.filter(cycle=cycle).values_list("kind", flat=True)) >= {
        PhaseKind.PEER_SELECTION,
        PhaseKind.FEEDBACK,
    }


def test_a_360_template_needs_the_dates_of_peer_selection(personas, model):
    template = save(personas, feedback_section())
    data = cycle_post(template, make_period(personas.admin), phase_peer_selection_start="", phase_peer_selection_due="")
    response = signed_in(personas.admin).post("/reviews/cycles/new/", data)
    assert response.status_code == 422
    assert "give this phase its dates" in page(response)
    assert not Cycle.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("anonymity_k", "2"), ("comment_k", "51"), ("rater_load_limit", "0")])
def test_thresholds_outside_their_range_are_refused(personas, model, field, value):
    template = save(personas, feedback_section())
    response = signed_in(personas.admin).post(
        "/reviews/cycles/new/", cycle_post(template, make_period(personas.admin), **{field: value})
    )
    assert response.status_code == 422
    assert f'data-testid="error-{field}"' in page(response)
    assert not Cycle.objects.exists()


def test_a_template_without_360_ignores_the_360_phase_rows(personas, model):
    template = services_config.review_template_save(
        actor=personas.scoped_hr,
        name="没有360",
        scale=default_scale(),
        sections=[SectionInput(SectionKind.KPI, "业绩", "KPIs", 100, required=False)],
    )
    response = signed_in(personas.admin).post("/reviews/cycles/new/", cycle_post(template, make_period(personas.admin)))
    assert response.status_code == 302, page(response)
    cycle = Cycle.objects.get(name="全员360")
    assert not CyclePhase.objects.filter(cycle=cycle, kind__in=[PhaseKind.PEER_SELECTION, PhaseKind.FEEDBACK]).exists()


def test_the_form_explains_the_thresholds_and_knows_the_360_templates(personas, model):
    template = save(personas, feedback_section())
    text = page(signed_in(personas.admin).get("/reviews/cycles/new/"))
    assert "shown only when at least this many answered" in text
    assert 'data-testid="cycle-360"' in text and 'data-phase="peer_selection" data-jxn-360' in text
    assert f'"templates": [{template.pk}]' in text


def test_a_launched_cycle_keeps_its_360_settings(personas, model):
    cycle = launch(
        personas.admin,
        make_cycle(personas.admin, make_period(personas.admin), departments=(personas.sales,), feedback=True),
    )
    data = cycle_post(cycle.template, cycle.period, name=cycle.name, anonymity_k="9", version=str(cycle.version))
    signed_in(personas.admin).post(f"/reviews/cycles/{cycle.pk}/edit/", data)
    cycle.refresh_from_db()
    assert cycle.anonymity_k == 3
    text = page(signed_in(personas.admin).get(f"/reviews/cycles/{cycle.pk}/edit/"))
    assert 'name="anonymity_k" value="3"' in text and "disabled" in text.split('data-testid="cycle-360"')[1][:200]
