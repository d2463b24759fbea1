"""Company-level goal pages: strategy, periods, goal settings, goal templates and bulk assignment.

Who may open what (employees and scoped HR get 404 on company settings; admins are company HR in the
personas), what each page shows in which language, and that bad input shows errors beside the fields
and writes nothing.
"""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.goals import selectors
from jixiao.goals.models import CompanyValue, GoalTemplate, Objective, Period, Strategy
from jixiao.goals.testing import make_objective, make_period
from jixiao.org.models import HRScope

pytestmark = pytest.mark.django_db

COMPANY_ONLY = ("/goals/strategy/edit/", "/goals/strategy/values/new/", "/goals/periods/", "/goals/settings/")


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def fy(personas) -> Period:
    return make_period(personas.admin, "FY2027", start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))


# ---- who may open what -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", COMPANY_ONLY)
def test_an_employee_gets_404_on_company_settings_and_the_refusal_is_audited(personas, url):
    client = signed_in(personas.employee.user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "FY2099"}).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor_id=personas.employee.user.pk).count() == 2


@pytest.mark.parametrize("url", COMPANY_ONLY)
def test_hr_of_one_department_is_not_company_hr(personas, url):
    assert signed_in(personas.scoped_hr).get(url).status_code == 404


@pytest.mark.parametrize("url", COMPANY_ONLY)
def test_admins_and_hr_of_the_whole_company_open_company_settings(personas, url):
    assert signed_in(personas.admin).get(url).status_code == 200
    HRScope.objects.create(user=personas.other_hr, department=personas.root)
    assert signed_in(personas.other_hr).get(url).status_code == 200


def test_an_employee_cannot_add_a_period_by_posting(personas):
    response = signed_in(personas.employee.user).post(
        "/goals/periods/", {"name": "FY2030", "kind": "year", "start": "2030-01-01", "end": "2030-12-31"}
    )
    assert response.status_code == 404
    assert not Period.objects.exists()


def test_an_employee_reads_the_strategy_without_edit_links(personas):
    response = signed_in(personas.employee.user).get("/goals/strategy/")
    assert response.status_code == 200
    assert 'data-testid="strategy-edit"' not in response.content.decode()
    assert 'data-testid="value-new"' not in response.content.decode()


def test_outsiders_do_not_see_the_strategy(personas):
    assert signed_in(personas.outsider).get("/goals/strategy/").status_code == 404


def test_the_value_pages_are_for_company_hr_only(personas):
    value = CompanyValue.objects.create(name="客户第一", name_en="Customer first")
    assert signed_in(personas.employee.user).get(f"/goals/strategy/values/{value.pk}/").status_code == 404
    assert signed_in(personas.scoped_hr).get(f"/goals/strategy/values/{value.pk}/").status_code == 404
    assert signed_in(personas.admin).get(f"/goals/strategy/values/{value.pk}/").status_code == 200
    assert signed_in(personas.admin).get("/goals/strategy/values/99999/").status_code == 404


# ---- the strategy page -----------------------------------------------------------------------------


def test_the_strategy_is_shown_in_the_readers_language_and_falls_back_to_the_other(personas):
    Strategy.objects.update_or_create(
        pk=1,
        defaults={
            "vision": "成为最值得信赖的伙伴",
            "vision_en": "The partner people trust most",
            "mission": "让工作更简单",
        },
    )
    CompanyValue.objects.create(name="客户第一", name_en="Customer first", description="先想客户")
    english = page(signed_in(personas.employee.user, "en").get("/goals/strategy/"))
    assert "The partner people trust most" in english
    assert "成为最值得信赖的伙伴" not in english
    assert "让工作更简单" in english  # no English mission: the Chinese one rather than nothing
    assert "Customer first" in english and "先想客户" in english
    chinese = page(signed_in(personas.employee.user, "zh-hans").get("/goals/strategy/"))
    assert "成为最值得信赖的伙伴" in chinese and "The partner people trust most" not in chinese
    assert "客户第一" in chinese


def test_an_empty_strategy_asks_company_hr_to_write_the_vision(personas):
    admin_page = page(signed_in(personas.admin).get("/goals/strategy/"))
    assert 'data-testid="strategy-empty"' in admin_page
    assert "Write the vision" in admin_page and "/goals/strategy/edit/" in admin_page
    employee_page = page(signed_in(personas.employee.user).get("/goals/strategy/"))
    assert 'data-testid="strategy-empty"' in employee_page
    assert "Write the vision" not in employee_page


def test_retired_values_are_hidden_from_staff_but_listed_for_hr(personas):
    CompanyValue.objects.create(name="旧价值观", name_en="Old value", active=False)
    assert "Old value" not in page(signed_in(personas.employee.user).get("/goals/strategy/"))
    assert "Old value" in page(signed_in(personas.admin).get("/goals/strategy/"))


def test_the_strategy_lists_the_company_objectives_of_the_period_with_progress(personas, fy):
    make_objective(personas.admin, fy, title="Grow revenue by thirty percent in 2027")
    make_objective(personas.admin, fy, department=personas.sales, title="Sales wins forty new accounts")
    text = page(signed_in(personas.peer.user).get("/goals/strategy/", {"period": fy.pk}))
    assert "Grow revenue by thirty percent in 2027" in text
    assert "Sales wins forty new accounts" not in text  # department objectives live on the board and the tree
    assert 'role="progressbar"' in text


def test_company_hr_saves_the_strategy_and_a_stale_save_is_refused(personas):
    client = signed_in(personas.admin)
    version = selectors.strategy().version
    form = {"vision": "愿景", "vision_en": "Vision", "mission": "使命", "mission_en": "Mission", "version": version}
    assert client.post("/goals/strategy/edit/", form).status_code == 302
    row = Strategy.objects.get(pk=1)
    assert (row.vision, row.mission_en, row.version) == ("愿景", "Mission", version + 1)
    stale = client.post("/goals/strategy/edit/", {**form, "vision": "别的愿景"})
    assert stale.status_code == 200
    assert "Someone else saved this" in page(stale)
    assert Strategy.objects.get(pk=1).vision == "愿景"


def test_company_hr_adds_and_edits_a_value(personas):
    client = signed_in(personas.admin)
    response = client.post(
        "/goals/strategy/values/new/",
        {"name": "开放", "name_en": "Openness", "description": "", "description_en": "", "position": 1, "active": "on"},
    )
    assert response.status_code == 302
    value = CompanyValue.objects.get(name="开放")
    client.post(
        f"/goals/strategy/values/{value.pk}/",
        {"name": "开放", "name_en": "Open", "description": "", "description_en": "", "position": 2},
    )
    value.refresh_from_db()
    assert (value.name_en, value.position, value.active) == ("Open", 2, False)


def test_a_value_with_a_name_already_used_is_refused_beside_the_name(personas):
    CompanyValue.objects.create(name="开放")
    response = signed_in(personas.admin).post(
        "/goals/strategy/values/new/", {"name": "开放", "name_en": "", "position": 1, "active": "on"}
    )
    assert response.status_code == 200
    assert "Already used." in page(response)
    assert CompanyValue.objects.count() == 1


# ---- periods ---------------------------------------------------------------------------------------


def test_periods_are_listed_as_a_tree_with_their_dates(personas, fy):
    h1 = make_period(
        personas.admin, "2027H1", kind="half", start=dt.date(2027, 1, 1), end=dt.date(2027, 6, 30), parent=fy
    )
    make_period(
        personas.admin, "2027Q1", kind="quarter", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31), parent=h1
    )
    response = signed_in(personas.admin).get("/goals/periods/")
    tree = response.context["tree"]
    assert [n.period.name for n in tree] == ["FY2027"]
    assert [n.period.name for n in tree[0].children] == ["2027H1"]
    assert [n.period.name for n in tree[0].children[0].children] == ["2027Q1"]
    assert "2027-01-01 – 2027-03-31" in page(response)


def test_company_hr_adds_a_quarter_inside_the_year(personas, fy):
    response = signed_in(personas.admin).post(
        "/goals/periods/",
        {
            "name": "2027Q2",
            "name_en": "Q2 2027",
            "kind": "quarter",
            "start": "2027-04-01",
            "end": "2027-06-30",
            "parent": fy.pk,
        },
    )
    assert response.status_code == 302
    assert Period.objects.get(name="2027Q2").parent == fy


def test_a_period_outside_its_parent_is_refused_beside_the_parent_and_nothing_is_written(personas, fy):
    response = signed_in(personas.admin).post(
        "/goals/periods/",
        {"name": "2028Q1", "kind": "quarter", "start": "2028-01-01", "end": "2028-03-31", "parent": fy.pk},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "It must lie inside FY2027" in form.errors["parent"][0]
    assert 'data-testid="error-parent"' in response.content.decode()
    assert Period.objects.count() == 1


def test_a_period_that_ends_before_it_starts_is_refused_beside_the_end(personas):
    response = signed_in(personas.admin).post(
        "/goals/periods/", {"name": "Backwards", "kind": "custom", "start": "2027-05-01", "end": "2027-04-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end"] == ["The end must not be before the start."]
    assert not Period.objects.exists()


def test_period_errors_are_shown_in_chinese_to_a_chinese_reader(personas):
    response = signed_in(personas.admin, "zh-hans").post(
        "/goals/periods/", {"name": "", "kind": "year", "start": "2027-13-01"}
    )
    text = page(response)
    assert "这个字段是必填项。" in text  # beside the name and the end
    assert "输入一个有效的日期。" in text  # beside the start
    assert not Period.objects.exists()


# ---- goal settings ---------------------------------------------------------------------------------


def settings_form(version: int, **changes) -> dict:
    data = {
        "progress_cap": "120",
        "attainment_floor": "1",
        "version": version,
        "threshold_0": "120",
        "rating_0": "5",
        "threshold_1": "100",
        "rating_1": "4",
        "threshold_2": "80",
        "rating_2": "3",
        "threshold_3": "",
        "rating_3": "",
    }
    data.update(changes)
    return data


def test_company_hr_changes_the_cap_smart_and_the_attainment_table(personas):
    row = selectors.goal_settings()
    response = signed_in(personas.admin).post(
        "/goals/settings/", settings_form(row.version, progress_cap="150", require_smart="on", threshold_2="70")
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert str(row.progress_cap.normalize()) == "1.5"
    assert row.require_smart is True
    assert row.attainment_table == [["1.2", 5], ["1", 4], ["0.7", 3]]


def test_the_settings_page_shows_the_table_in_percent(personas):
    text = page(signed_in(personas.admin).get("/goals/settings/"))
    assert 'name="threshold_0" value="120"' in text
    assert 'name="rating_0" value="5"' in text
    assert 'name="progress_cap" value="120"' in text


def test_a_cap_below_100_percent_is_refused_beside_the_cap_and_nothing_changes(personas):
    row = selectors.goal_settings()
    response = signed_in(personas.admin).post("/goals/settings/", settings_form(row.version, progress_cap="90"))
    assert response.status_code == 200
    assert response.context["form"].errors["progress_cap"] == [
        "Enter 100 or more: progress may not be capped below the target."
    ]
    fresh = selectors.goal_settings()
    assert (fresh.version, str(fresh.progress_cap.normalize())) == (row.version, "1.2")


def test_ratings_that_fall_as_the_threshold_rises_are_refused_and_nothing_changes(personas):
    row = selectors.goal_settings()
    before = list(row.attainment_table)
    response = signed_in(personas.admin).post(
        "/goals/settings/", settings_form(row.version, rating_0="3", rating_2="5")
    )
    assert response.status_code == 200
    assert "A higher threshold cannot give a lower rating." in page(response)
    assert 'data-testid="error-table"' in response.content.decode()
    assert selectors.goal_settings().attainment_table == before


def test_a_half_filled_row_and_a_non_number_are_shown_in_their_row(personas):
    row = selectors.goal_settings()
    response = signed_in(personas.admin).post(
        "/goals/settings/", settings_form(row.version, threshold_3="abc", rating_3="2", rating_1="")
    )
    assert response.status_code == 200
    rows = {r.index: r for r in response.context["form"].rows}
    assert rows[3].errors["threshold"] == ["Enter a number."]
    assert rows[1].errors["rating"] == ["Enter the rating this threshold earns."]
    assert selectors.goal_settings().version == row.version


def test_a_stale_settings_save_is_refused(personas):
    row = selectors.goal_settings()
    client = signed_in(personas.admin)
    assert client.post("/goals/settings/", settings_form(row.version)).status_code == 302
    stale = client.post("/goals/settings/", settings_form(row.version, progress_cap="130"))
    assert "Someone else saved this" in page(stale)
    assert str(selectors.goal_settings().progress_cap.normalize()) == "1.2"


# ---- goal templates --------------------------------------------------------------------------------


def template_form(**changes) -> dict:
    data = {
        "title": "Reach the quarterly sales target",
        "description": "Everyone in sales",
        "weight": "30",
        "kr-0-title": "New contracts signed",
        "kr-0-unit": "number",
        "kr-0-direction": "increase",
        "kr-0-start": "0",
        "kr-0-target": "12",
        "kr-0-stretch": "15",
        "kr-0-weight": "2",
        "kr-1-title": "",
        "kr-1-unit": "number",
        "kr-1-direction": "increase",
        "kr-1-start": "",
        "kr-1-target": "",
        "kr-1-stretch": "",
        "kr-1-weight": "",
    }
    data.update(changes)
    return data


def test_templates_are_for_hr_admins_and_managers_not_for_employees(personas):
    template = GoalTemplate.objects.create(title="T", key_results=[])
    for url in (
        "/goals/templates/",
        "/goals/templates/new/",
        f"/goals/templates/{template.pk}/",
        f"/goals/templates/{template.pk}/assign/",
    ):
        assert signed_in(personas.employee.user).get(url).status_code == 404, url
        assert signed_in(personas.outsider).get(url).status_code == 404, url
        assert signed_in(personas.manager.user).get(url).status_code == 200, url
        assert signed_in(personas.scoped_hr).get(url).status_code == 200, url


def test_hr_writes_a_template_with_key_results_and_blank_rows_are_ignored(personas):
    response = signed_in(personas.scoped_hr).post("/goals/templates/new/", template_form())
    assert response.status_code == 302
    template = GoalTemplate.objects.get()
    assert template.title == "Reach the quarterly sales target"
    assert [kr["title"] for kr in template.key_results] == ["New contracts signed"]
    assert Decimal(template.key_results[0]["stretch"]) == 15


def test_a_key_result_whose_start_equals_its_target_is_refused_in_its_row(personas):
    data = template_form(**{"kr-1-title": "Churn", "kr-1-start": "5", "kr-1-target": "5"})
    response = signed_in(personas.scoped_hr).post("/goals/templates/new/", data)
    assert response.status_code == 200
    rows = {r.index: r for r in response.context["form"].rows}
    assert rows[1].errors["target"] == ["Start and target must differ, or there is nothing to measure."]
    assert rows[0].errors == {}
    assert not GoalTemplate.objects.exists()


def test_a_template_without_key_results_is_refused(personas):
    data = template_form(**{"kr-0-title": "", "kr-0-target": "", "kr-0-stretch": "", "kr-0-start": ""})
    response = signed_in(personas.scoped_hr).post("/goals/templates/new/", data)
    assert "Add at least one key result." in page(response)
    assert not GoalTemplate.objects.exists()


def test_editing_a_template_shows_its_key_results(personas):
    signed_in(personas.admin).post("/goals/templates/new/", template_form())
    template = GoalTemplate.objects.get()
    text = page(signed_in(personas.admin).get(f"/goals/templates/{template.pk}/"))
    assert 'value="New contracts signed"' in text
    assert 'name="kr-0-target" value="12"' in text
    assert 'name="kr-1-title"' in text  # one blank row to add another


# ---- bulk assignment ---------------------------------------------------------------------------------


@pytest.fixture
def template(personas) -> GoalTemplate:
    signed_in(personas.admin).post("/goals/templates/new/", template_form())
    return GoalTemplate.objects.get()


def test_the_preview_counts_who_matches_before_anything_is_written(personas, fy, template):
    client = signed_in(personas.admin)
    response = client.get(
        f"/goals/templates/{template.pk}/assign/",
        {"period": fy.pk, "department": personas.east.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.context["matched"] == 3  # 李经理, 王小明, 赵同事
    assert 'data-testid="preview-count"' in response.content.decode()
    assert not Objective.objects.exists()


def test_bulk_assignment_creates_goals_and_skips_those_who_already_have_them(personas, fy, template):
    client = signed_in(personas.admin)
    form = {"period": fy.pk, "department": personas.east.pk, "title": "", "parent": ""}
    first = client.post(f"/goals/templates/{template.pk}/assign/", form, follow=True)
    assert "created 3, skipped 0 who already had it" in page(first)
    assert Objective.objects.filter(template=template).count() == 3
    again = client.post(f"/goals/templates/{template.pk}/assign/", form, follow=True)
    assert "created 0, skipped 3 who already had it" in page(again)
    assert Objective.objects.filter(template=template).count() == 3


def test_bulk_assignment_filters_by_level_and_aligns_to_a_department_objective(personas, fy, template):
    personas.peer.job_level = "P7"
    personas.peer.save(update_fields=["job_level"])
    parent = make_objective(personas.admin, fy, department=personas.east, title="East China wins forty accounts")
    response = signed_in(personas.admin).post(
        f"/goals/templates/{template.pk}/assign/",
        {"period": fy.pk, "department": personas.sales.pk, "levels": ["P7"], "parent": parent.pk},
    )
    assert response.status_code == 302
    created = Objective.objects.get(template=template)
    assert created.employee == personas.peer
    assert created.parent == parent


def test_a_manager_assigns_only_to_her_team(personas, fy, template):
    response = signed_in(personas.manager.user).get(
        f"/goals/templates/{template.pk}/assign/", {"period": fy.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.context["matched"] == 2  # her two reports, not herself, not the company


def test_the_department_page_links_to_its_goal_board(personas):
    text = signed_in(personas.peer.user).get(f"/org/departments/{personas.east.pk}/").content.decode()
    assert f'href="/goals/departments/{personas.east.pk}/"' in text
    assert signed_in(personas.peer.user).get(f"/goals/departments/{personas.east.pk}/").status_code == 200
    assert signed_in(personas.outsider).get(f"/goals/departments/{personas.east.pk}/").status_code == 404
