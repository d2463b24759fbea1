"""Development plan pages: my plans, the plan page, my team's plans — forms, errors, empty states, query counts."""

import pytest
from django.urls import reverse

from jixiao.conversations import services_idp
from jixiao.conversations.models import DevelopmentAction, DevelopmentNeed, DevelopmentPlan
from jixiao.conversations.testing_idp import make_plan, released_review

pytestmark = pytest.mark.django_db


def _fill(plan, n):
    needs = DevelopmentNeed.objects.bulk_create(DevelopmentNeed(plan=plan, text=f"需要 {i}", order=i) for i in range(n))
    DevelopmentAction.objects.bulk_create(
        DevelopmentAction(plan=plan, need=needs[i % n], kind="course", title=f"课程 {i}", status=status)
        for i, status in enumerate(["planned", "in_progress", "done", "dropped"] * n)
    )


def test_my_plans_page_shows_an_empty_state_and_a_form_to_start(client, personas):
    client.force_login(personas.employee.user)
    page = client.get(reverse("conversations:idp_mine")).content.decode()
    assert 'data-testid="idp-empty"' in page and 'data-testid="idp-create"' in page


def test_starting_a_plan_from_the_page_opens_it_with_the_gaps_of_her_review(client, personas):
    released_review(personas, {"沟通": "2"})
    client.force_login(personas.employee.user)
    response = client.post(reverse("conversations:idp_create"), {"title": "2027 成长"})
    plan = DevelopmentPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("conversations:idp_plan", args=[plan.pk])
    page = client.get(response.url).content.decode()
    assert "沟通" in page and 'data-testid="idp-need-source"' in page


def test_a_plan_without_a_review_says_where_needs_come_from(client, personas):
    plan = make_plan(personas.employee.user, personas.employee)
    client.force_login(personas.employee.user)
    page = client.get(reverse("conversations:idp_plan", args=[plan.pk])).content.decode()
    assert 'data-testid="idp-hint"' in page and 'data-testid="idp-needs-empty"' in page
    assert 'data-testid="idp-actions-empty"' in page


def test_an_empty_need_is_refused_beside_the_field_and_nothing_is_written(client, personas):
    plan = make_plan(personas.employee.user, personas.employee)
    client.force_login(personas.employee.user)
    response = client.post(reverse("conversations:idp_need_add", args=[plan.pk]), {"text": "", "version": 1})
    assert response.status_code == 400
    assert 'data-testid="idp-need-error"' in response.content.decode()
    assert not plan.needs.exists()


def test_a_bad_due_date_keeps_what_was_typed(client, personas):
    plan = make_plan(personas.employee.user, personas.employee)
    client.force_login(personas.employee.user)
    response = client.post(
        reverse("conversations:idp_action_add", args=[plan.pk]),
        {"kind": "course", "title": "演讲课", "due_on": "someday", "version": 1},
    )
    assert response.status_code == 400
    assert "演讲课" in response.content.decode()
    assert not plan.actions.exists()


def test_a_stale_page_is_told_to_reload(client, personas):
    plan = make_plan(personas.employee.user, personas.employee)
    services_idp.development_need_add(actor=personas.employee.user, plan=plan, text="A", version=1)
    client.force_login(personas.employee.user)
    response = client.post(reverse("conversations:idp_need_add", args=[plan.pk]), {"text": "B", "version": 1})
    assert response.status_code == 400
    assert list(plan.needs.values_list("text", flat=True)) == ["A"]


def test_the_employee_adds_an_action_and_moves_it_on_the_board(client, personas):
    plan = make_plan(personas.employee.user, personas.employee)
    client.force_login(personas.employee.user)
    url = reverse("conversations:idp_action_add", args=[plan.pk])
    assert (
        client.post(url, {"kind": "mentoring", "title": "找导师", "due_on": "2027-03-01", "version": 1}).status_code
        == 302
    )
    action = plan.actions.get()
    status_url = reverse("conversations:idp_action_status", args=[plan.pk, action.pk])
    assert client.post(status_url, {"status": "in_progress", "version": 2}).status_code == 302
    page = client.get(reverse("conversations:idp_plan", args=[plan.pk])).content.decode()
    column = page.split('data-testid="idp-column-in_progress"')[1].split('data-testid="idp-column-done"')[0]
    assert "找导师" in column


def test_the_manager_reads_the_plan_and_comments_without_edit_forms(client, personas):
    plan = make_plan(personas.employee.user, personas.employee)
    client.force_login(personas.manager.user)
    page = client.get(reverse("conversations:idp_plan", args=[plan.pk])).content.decode()
    assert 'data-testid="idp-comment-form"' in page
    assert 'data-testid="idp-need-form"' not in page and 'data-testid="idp-action-form"' not in page
    response = client.post(reverse("conversations:idp_comment", args=[plan.pk]), {"text": "很好", "version": 1})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.manager_comment == "很好"


def test_hr_in_scope_reads_without_any_form(client, personas):
    plan = make_plan(personas.employee.user, personas.employee)
    client.force_login(personas.scoped_hr)
    page = client.get(reverse("conversations:idp_plan", args=[plan.pk])).content.decode()
    assert 'data-testid="idp-title"' in page and 'data-testid="idp-comment-form"' not in page


def test_the_team_page_lists_plans_and_reports_without_one(client, personas):
    make_plan(personas.employee.user, personas.employee)
    client.force_login(personas.manager.user)
    page = client.get(reverse("conversations:idp_team")).content.decode()
    assert page.count('data-testid="idp-team-row"') == 1
    assert page.count('data-testid="idp-without-row"') == 1 and personas.peer.name in page


def test_the_manager_starts_a_plan_for_a_report_from_the_team_page(client, personas):
    client.force_login(personas.manager.user)
    response = client.post(reverse("conversations:idp_create"), {"employee": personas.peer.pk, "title": "计划"})
    assert response.status_code == 302
    assert DevelopmentPlan.objects.get().employee == personas.peer


def test_nobody_starts_a_plan_for_someone_outside_her_team(client, personas):
    client.force_login(personas.peer.user)
    response = client.post(reverse("conversations:idp_create"), {"employee": personas.employee.pk, "title": "计划"})
    assert response.status_code == 404
    assert not DevelopmentPlan.objects.exists()


def test_the_team_page_is_for_managers(client, personas):
    client.force_login(personas.employee.user)
    assert client.get(reverse("conversations:idp_team")).status_code == 404


def test_the_plan_page_reads_in_chinese(client, personas):
    plan = make_plan(personas.employee.user, personas.employee)
    client.force_login(personas.employee.user)
    page = client.get(reverse("conversations:idp_plan", args=[plan.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_the_plan_page_runs_the_same_queries_whatever_its_size(client, personas, n, django_assert_num_queries):
    plan = make_plan(personas.employee.user, personas.employee)
    _fill(plan, n)
    client.force_login(personas.employee.user)
    url = reverse("conversations:idp_plan", args=[plan.pk])
    client.get(url)
    # session, user, actor context (2), the gate, needs, actions.
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count('data-testid="idp-action"') == 4 * n


@pytest.mark.parametrize("n", [2, 20])
def test_my_plans_and_the_team_page_run_fixed_queries(client, personas, n, django_assert_num_queries):
    for i in range(n):
        make_plan(personas.employee.user, personas.employee, f"计划 {i}")
        make_plan(personas.peer.user, personas.peer, f"计划 {i}")
    client.force_login(personas.employee.user)
    client.get(reverse("conversations:idp_mine"))
    with django_assert_num_queries(5):
        assert client.get(reverse("conversations:idp_mine")).status_code == 200
    client.force_login(personas.manager.user)
    client.get(reverse("conversations:idp_team"))
    with django_assert_num_queries(6):
        response = client.get(reverse("conversations:idp_team"))
    assert response.content.decode().count('data-testid="idp-team-row"') == 2 * n
