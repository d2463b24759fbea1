"""The personal and team goal pages: who sees what, writing objectives, check-ins and goal plans."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from jixiao.goals import services
from jixiao.goals.models import CheckIn, GoalPlan, KeyResult, Objective
from jixiao.goals.testing import make_objective, make_period

pytestmark = pytest.mark.django_db


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def period(personas):
    return make_period(personas.admin, "FY2027")


@pytest.fixture
def east_goal(personas, period):
    """The East China team's objective the employee aligns to."""
    company = make_objective(personas.admin, period, title="Grow recurring revenue across all regions")
    return make_objective(
        personas.manager.user,
        period,
        title="Raise East China renewals to 90%",
        department=personas.east,
        parent=company,
    )


@pytest.fixture
def private_goal(personas, period, east_goal):
    """The employee's private objective, weight 100, one key result 0 → 10."""
    return make_objective(
        personas.employee.user,
        period,
        title="Close twelve new enterprise accounts in Shanghai",
        employee=personas.employee,
        parent=east_goal,
        weight=100,
        visibility="private",
        due_date=dt.date(2027, 12, 31),
        description="Enterprise accounts with a signed annual contract.",
    )


def kr_of(objective) -> KeyResult:
    return KeyResult.objects.filter(objective=objective).get()


def objective_post(period_end="2027-12-31", **overrides) -> dict[str, str]:
    data = {
        "title": "Cut the average reply time to customers in half",
        "description": "Measured by the ticket system.",
        "weight": "100",
        "visibility": "public",
        "due_date": period_end,
        "parent": "",
        "version": "",
        "kr-TOTAL_FORMS": "1",
        "kr-INITIAL_FORMS": "0",
        "kr-MIN_NUM_FORMS": "0",
        "kr-MAX_NUM_FORMS": "20",
        "kr-0-id": "",
        "kr-0-title": "Average first reply in hours",
        "kr-0-unit": "number",
        "kr-0-direction": "decrease",
        "kr-0-start": "8",
        "kr-0-target": "4",
        "kr-0-stretch": "",
        "kr-0-weight": "1",
    }
    data.update(overrides)
    return data


# ---- my goals ----------------------------------------------------------------------------------


def test_my_goals_shows_her_objectives_key_results_plan_state_and_what_to_align_to(personas, period, private_goal):
    rnd_goal = make_objective(personas.rnd_head.user, period, title="Ship the new platform", department=personas.rnd)
    response = signed_in(personas.employee.user).get("/goals/", {"period": period.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert private_goal.title in page
    assert "Key result 1" in page
    assert 'data-state="draft"' in page
    assert 'data-testid="weight-warning"' not in page  # 100 in all
    align = [o.title for o in response.context["goals"].align_to]
    assert align == ["Grow recurring revenue across all regions", "Raise East China renewals to 90%"]
    assert rnd_goal.title not in page


def test_my_goals_warns_when_the_weights_do_not_add_up_to_100(personas, period, east_goal):
    make_objective(personas.employee.user, period, employee=personas.employee, weight=60, parent=east_goal)
    page = signed_in(personas.employee.user).get("/goals/", {"period": period.pk}).content.decode()
    assert 'data-testid="weight-warning"' in page
    assert "add up to 60" in page


def test_my_goals_lists_the_missing_smart_criteria_with_their_reason(personas, period):
    make_objective(personas.employee.user, period, title="Sell", employee=personas.employee, weight=100)
    page = signed_in(personas.employee.user).get("/goals/", {"period": period.pk}).content.decode()
    assert "The title is too short to say what will change." in page
    assert "Align it to a company, department or colleague" in page
    assert "Set a due date." in page


def test_the_empty_state_says_to_write_the_first_objective_and_to_align_it(personas, period, east_goal):
    page = signed_in(personas.employee.user).get("/goals/", {"period": period.pk}).content.decode()
    assert "Write your first objective" in page
    assert "align yours to one of them" in page


def test_the_empty_state_without_anything_to_align_to_only_says_to_write(personas, period):
    page = signed_in(personas.employee.user).get("/goals/", {"period": period.pk}).content.decode()
    assert "Write your first objective" in page
    assert "align yours to one of them" not in page


def test_my_goals_opens_on_the_smallest_period_that_contains_today(personas):
    today = timezone.localdate()
    year_start, year_end = today.replace(month=1, day=1), today.replace(month=12, day=31)
    year = make_period(personas.admin, "This year", start=year_start, end=year_end)
    week = make_period(
        personas.admin,
        "This week",
        kind="custom",
        start=max(year_start, today - dt.timedelta(days=3)),
        end=min(year_end, today + dt.timedelta(days=3)),
        parent=year,
    )
    make_period(personas.admin, "Later", start=today + dt.timedelta(days=400), end=today + dt.timedelta(days=700))
    response = signed_in(personas.employee.user).get("/goals/")
    assert response.context["period"] == week


def test_among_current_periods_the_one_holding_her_goals_wins_over_a_smaller_empty_one(personas):
    today = timezone.localdate()
    year_start, year_end = today.replace(month=1, day=1), today.replace(month=12, day=31)
    year = make_period(personas.admin, "This year", start=year_start, end=year_end)
    make_period(
        personas.admin,
        "This week",
        kind="custom",
        start=max(year_start, today - dt.timedelta(days=3)),
        end=min(year_end, today + dt.timedelta(days=3)),
        parent=year,
    )
    make_objective(personas.employee.user, year, employee=personas.employee, weight=100)
    assert signed_in(personas.employee.user).get("/goals/").context["period"] == year
    assert signed_in(personas.manager.user).get("/goals/team/").context["period"] == year


def test_my_goals_opens_on_the_latest_period_when_none_contains_today(personas):
    make_period(personas.admin, "Old", start=dt.date(2001, 1, 1), end=dt.date(2001, 12, 31))
    latest = make_period(personas.admin, "Far", start=dt.date(2099, 1, 1), end=dt.date(2099, 12, 31))
    response = signed_in(personas.employee.user).get("/goals/")
    assert response.context["period"] == latest


def test_someone_without_an_employee_record_is_told_why_she_has_no_goals(personas, period):
    response = signed_in(personas.outsider).get("/goals/")
    assert response.status_code == 200
    assert "not linked to an employee record" in response.content.decode()


def test_my_goals_in_chinese_uses_the_chinese_catalogue(personas, period, private_goal):
    response = signed_in(personas.employee.user, "zh-hans").get("/goals/", {"period": period.pk})
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


# ---- the objective page and who may open it ----------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "manager", "skip", "scoped_hr", "admin", "executive"])
def test_the_private_objective_opens_for_her_her_managers_and_hr_in_scope(personas, private_goal, who):
    user = getattr(personas, who)
    user = getattr(user, "user", user)
    response = signed_in(user).get(f"/goals/objectives/{private_goal.pk}/")
    assert response.status_code == 200
    assert private_goal.title in response.content.decode()


@pytest.mark.parametrize("who", ["peer", "rnd_head", "other_hr", "outsider"])
def test_the_private_objective_is_404_for_everyone_else(personas, private_goal, who):
    user = getattr(personas, who)
    user = getattr(user, "user", user)
    assert signed_in(user).get(f"/goals/objectives/{private_goal.pk}/").status_code == 404


def test_the_objective_page_shows_alignment_both_ways_key_results_and_a_check_in_form(
    personas, private_goal, east_goal
):
    response = signed_in(personas.employee.user).get(f"/goals/objectives/{east_goal.pk}/")
    page = response.content.decode()
    assert "Grow recurring revenue across all regions" in page  # its parent
    assert private_goal.title in page  # the employee may see her own objective aligned to it
    assert 'data-testid="checkin-form"' not in page  # the employee cannot check in on the team's objective
    assert 'data-testid="objective-edit"' not in page
    response = signed_in(personas.peer.user).get(f"/goals/objectives/{east_goal.pk}/")
    assert private_goal.title not in response.content.decode()  # private: not listed for a peer
    mine = signed_in(personas.employee.user).get(f"/goals/objectives/{private_goal.pk}/").content.decode()
    assert 'data-testid="checkin-form"' in mine
    assert 'data-testid="objective-edit"' in mine
    assert 'id="jxg-chart-data"' in mine


def test_a_public_objective_of_a_colleague_is_readable_but_not_editable(personas, period, east_goal):
    public = make_objective(personas.employee.user, period, employee=personas.employee, parent=east_goal)
    client = signed_in(personas.peer.user)
    page = client.get(f"/goals/objectives/{public.pk}/").content.decode()
    assert public.title in page
    assert 'data-testid="checkin-form"' not in page
    assert client.get(f"/goals/objectives/{public.pk}/edit/").status_code == 404
    assert client.post(f"/goals/objectives/{public.pk}/delete/", {"version": public.version}).status_code == 404
    assert Objective.objects.filter(pk=public.pk).exists()


# ---- check-ins --------------------------------------------------------------------------------------


def test_a_check_in_moves_the_progress_and_goes_back_to_the_objective(personas, private_goal):
    kr = kr_of(private_goal)
    client = signed_in(personas.employee.user)
    response = client.post(
        f"/goals/key-results/{kr.pk}/check-in/",
        {f"kr{kr.pk}-value": "6", f"kr{kr.pk}-confidence": "at_risk", f"kr{kr.pk}-comment": "Two deals slipped."},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/goals/objectives/{private_goal.pk}/#kr-{kr.pk}"
    private_goal.refresh_from_db()
    assert private_goal.progress == Decimal("0.6")
    assert private_goal.confidence == "at_risk"
    page = client.get(response["Location"]).content.decode()
    assert 'aria-valuenow="60"' in page
    assert "Two deals slipped." in page  # in the history table, the chart's text alternative


def test_a_peer_posting_a_check_in_on_a_private_objective_gets_404_and_nothing_is_written(personas, private_goal):
    kr = kr_of(private_goal)
    response = signed_in(personas.peer.user).post(
        f"/goals/key-results/{kr.pk}/check-in/", {f"kr{kr.pk}-value": "9", f"kr{kr.pk}-confidence": "on_track"}
    )
    assert response.status_code == 404
    assert not CheckIn.objects.exists()
    kr.refresh_from_db()
    assert kr.current == 0


def test_a_check_in_on_a_missing_key_result_is_404(personas, private_goal):
    response = signed_in(personas.employee.user).post(
        "/goals/key-results/999999/check-in/", {"kr999999-value": "1", "kr999999-confidence": "on_track"}
    )
    assert response.status_code == 404


def test_a_check_in_is_post_only(personas, private_goal):
    assert (
        signed_in(personas.employee.user).get(f"/goals/key-results/{kr_of(private_goal).pk}/check-in/").status_code
        == 405
    )


def test_a_check_in_that_is_not_a_number_shows_the_error_beside_the_field_and_writes_nothing(personas, private_goal):
    kr = kr_of(private_goal)
    response = signed_in(personas.employee.user, "zh-hans").post(
        f"/goals/key-results/{kr.pk}/check-in/",
        {f"kr{kr.pk}-value": "lots", f"kr{kr.pk}-confidence": "on_track", f"kr{kr.pk}-comment": "kept"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "请输入数字。" in page
    assert "kept</textarea>" in page  # nothing typed is lost
    assert not CheckIn.objects.exists()


# ---- writing objectives -------------------------------------------------------------------------------


def test_the_new_objective_form_starts_with_the_periods_end_as_due_date_in_every_language(personas, period):
    for language in ("en", "zh-hans"):
        page = signed_in(personas.employee.user, language).get("/goals/objectives/new/", {"period": period.pk})
        assert 'type="date" name="due_date" value="2027-12-31"' in page.content.decode()


def test_an_employee_writes_an_objective_aligned_to_her_departments(personas, period, east_goal):
    client = signed_in(personas.employee.user)
    form = client.get("/goals/objectives/new/", {"period": period.pk})
    assert form.status_code == 200
    assert east_goal.title in form.content.decode()  # offered in the "aligned to" picker
    response = client.post(
        f"/goals/objectives/new/?period={period.pk}",
        objective_post(parent=str(east_goal.pk), **{"kr-0-stretch": "3"}),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/goals/?period={period.pk}"
    created = Objective.objects.get(title="Cut the average reply time to customers in half")
    assert created.employee == personas.employee
    assert created.parent == east_goal
    kr = kr_of(created)
    assert (kr.direction, kr.start, kr.target, kr.stretch) == ("decrease", 8, 4, 3)


def test_a_blank_extra_key_result_row_is_ignored_and_a_removed_one_is_not_written(personas, period):
    data = objective_post(
        **{
            "kr-TOTAL_FORMS": "3",
            "kr-1-title": "",
            "kr-1-unit": "number",
            "kr-1-direction": "increase",
            "kr-1-weight": "1",
            "kr-2-title": "Thrown away",
            "kr-2-unit": "number",
            "kr-2-direction": "increase",
            "kr-2-target": "5",
            "kr-2-DELETE": "on",
        }
    )
    response = signed_in(personas.employee.user).post(f"/goals/objectives/new/?period={period.pk}", data)
    assert response.status_code == 302
    assert [kr.title for kr in KeyResult.objects.filter(objective__employee=personas.employee)] == [
        "Average first reply in hours"
    ]


def test_start_equal_to_target_shows_the_error_on_that_key_result_row_and_writes_nothing(personas, period):
    data = objective_post(
        **{
            "kr-TOTAL_FORMS": "2",
            "kr-1-title": "Tickets closed the same day",
            "kr-1-unit": "percent",
            "kr-1-direction": "increase",
            "kr-1-start": "50",
            "kr-1-target": "50",
            "kr-1-weight": "1",
        }
    )
    response = signed_in(personas.employee.user).post(f"/goals/objectives/new/?period={period.pk}", data)
    assert response.status_code == 200
    rows = response.context["kr_rows"]
    assert rows[1].errors["target"] == ["Start and target must differ, or there is nothing to measure."]
    assert not rows[0].errors
    assert "Tickets closed the same day" in response.content.decode()  # nothing typed is lost
    assert not Objective.objects.exists()


def test_a_missing_title_shows_the_translated_field_error_and_writes_nothing(personas, period):
    response = signed_in(personas.employee.user, "zh-hans").post(
        f"/goals/objectives/new/?period={period.pk}", objective_post(title="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["这个字段是必填项。"]
    assert "Average first reply in hours" in response.content.decode()
    assert not Objective.objects.exists()


def test_a_due_date_outside_the_period_is_refused_beside_the_field(personas, period):
    response = signed_in(personas.employee.user).post(
        f"/goals/objectives/new/?period={period.pk}", objective_post(due_date="2028-03-01")
    )
    assert response.status_code == 200
    assert "must lie inside FY2027" in response.context["form"].errors["due_date"][0]
    assert not Objective.objects.exists()


def test_aligning_to_an_objective_one_cannot_see_is_refused(personas, period):
    hidden = make_objective(
        personas.rnd_head.user, period, department=personas.rnd, visibility="private", title="Secret R&D plan"
    )
    client = signed_in(personas.employee.user)
    assert "Secret R&amp;D plan" not in client.get("/goals/objectives/new/", {"period": period.pk}).content.decode()
    response = client.post(f"/goals/objectives/new/?period={period.pk}", objective_post(parent=str(hidden.pk)))
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert not Objective.objects.filter(employee=personas.employee).exists()


def test_only_those_who_set_the_owners_goals_may_open_the_new_objective_form(personas, period):
    employee = signed_in(personas.employee.user)
    url = "/goals/objectives/new/"
    assert employee.get(url, {"period": period.pk, "owner": "company"}).status_code == 404
    assert (
        employee.get(url, {"period": period.pk, "owner": "department", "department": personas.east.pk}).status_code
        == 404
    )
    assert employee.get(url, {"period": period.pk, "employee": personas.peer.pk}).status_code == 404
    manager = signed_in(personas.manager.user)
    assert (
        manager.get(url, {"period": period.pk, "owner": "department", "department": personas.east.pk}).status_code
        == 200
    )
    assert manager.get(url, {"period": period.pk, "employee": personas.employee.pk}).status_code == 200
    assert signed_in(personas.admin).get(url, {"period": period.pk, "owner": "company"}).status_code == 200


def test_a_manager_writes_a_department_objective_that_goes_to_the_department_board(personas, period):
    client = signed_in(personas.manager.user)
    response = client.post(
        f"/goals/objectives/new/?period={period.pk}&owner=department&department={personas.east.pk}",
        objective_post(weight="0"),
    )
    assert response.status_code == 302
    created = Objective.objects.get()
    assert created.department == personas.east
    assert response["Location"] == f"/goals/departments/{personas.east.pk}/"


def test_editing_keeps_the_key_results_by_id_and_refuses_a_stale_save(personas, private_goal):
    kr = kr_of(private_goal)
    client = signed_in(personas.employee.user)
    form = client.get(f"/goals/objectives/{private_goal.pk}/edit/")
    assert form.status_code == 200
    data = objective_post(
        title="Close fifteen new enterprise accounts in Shanghai",
        parent=str(private_goal.parent_id),
        version=str(private_goal.version),
        **{
            "kr-INITIAL_FORMS": "1",
            "kr-0-id": str(kr.pk),
            "kr-0-title": "Accounts signed",
            "kr-0-direction": "increase",
            "kr-0-start": "0",
            "kr-0-target": "15",
        },
    )
    assert client.post(f"/goals/objectives/{private_goal.pk}/edit/", data).status_code == 302
    assert kr_of(private_goal).pk == kr.pk
    assert kr_of(private_goal).target == 15
    stale = client.post(f"/goals/objectives/{private_goal.pk}/edit/", {**data, "title": "Someone else's edit"})
    assert stale.status_code == 200
    assert "Someone else saved this objective" in stale.content.decode()
    assert Objective.objects.get(pk=private_goal.pk).title == "Close fifteen new enterprise accounts in Shanghai"


def test_an_approved_objective_asks_for_a_reason_before_it_changes(personas, private_goal):
    plan = GoalPlan.objects.get(employee=personas.employee, period=private_goal.period)
    services.goal_plan_submit(actor=personas.employee.user, plan=plan)
    services.goal_plan_decide(actor=personas.manager.user, plan=plan, approve=True)
    client = signed_in(personas.employee.user)
    page = client.get(f"/goals/objectives/{private_goal.pk}/edit/").content.decode()
    assert 'name="reason"' in page
    data = objective_post(
        title="Close ten new enterprise accounts in Shanghai",
        parent=str(private_goal.parent_id),
        version=str(private_goal.version),
        **{
            "kr-INITIAL_FORMS": "1",
            "kr-0-id": str(kr_of(private_goal).pk),
            "kr-0-direction": "increase",
            "kr-0-start": "0",
            "kr-0-target": "10",
        },
    )
    refused = client.post(f"/goals/objectives/{private_goal.pk}/edit/", data)
    assert refused.status_code == 200
    assert refused.context["form"].errors["reason"] == ["Required for approved goals."]
    assert (
        client.post(f"/goals/objectives/{private_goal.pk}/edit/", {**data, "reason": "Budget cut"}).status_code == 302
    )
    assert Objective.objects.get(pk=private_goal.pk).title == "Close ten new enterprise accounts in Shanghai"


def test_deleting_an_objective(personas, private_goal):
    client = signed_in(personas.employee.user)
    response = client.post(f"/goals/objectives/{private_goal.pk}/delete/", {"version": private_goal.version})
    assert response.status_code == 302
    assert not Objective.objects.filter(pk=private_goal.pk).exists()


def test_an_objective_others_align_to_cannot_be_deleted(personas, east_goal, private_goal):
    client = signed_in(personas.manager.user)
    response = client.post(f"/goals/objectives/{east_goal.pk}/delete/", {"version": east_goal.version}, follow=True)
    assert "Other objectives are aligned to this one" in response.content.decode()
    assert Objective.objects.filter(pk=east_goal.pk).exists()


# ---- goal plans -----------------------------------------------------------------------------------------


def plan_url(personas, period) -> str:
    return f"/goals/plans/{personas.employee.pk}/{period.pk}/"


def test_she_submits_and_her_manager_approves(personas, period, private_goal):
    employee = signed_in(personas.employee.user)
    response = employee.post(plan_url(personas, period), {"action": "submit", "next": f"/goals/?period={period.pk}"})
    assert response.status_code == 302
    assert response["Location"] == f"/goals/?period={period.pk}"
    assert GoalPlan.objects.get().state == "submitted"
    manager = signed_in(personas.manager.user)
    page = manager.get(plan_url(personas, period)).content.decode()
    assert private_goal.title in page
    assert 'data-testid="plan-approve"' in page
    assert manager.post(plan_url(personas, period), {"action": "approve"}).status_code == 302
    assert GoalPlan.objects.get().state == "approved"


def test_another_manager_cannot_open_or_approve_the_plan(personas, period, private_goal):
    services.goal_plan_submit(actor=personas.employee.user, plan=GoalPlan.objects.get())
    for user in (personas.rnd_head.user, personas.other_hr, personas.peer.user, personas.outsider):
        client = signed_in(user)
        assert client.get(plan_url(personas, period)).status_code == 404
        assert client.post(plan_url(personas, period), {"action": "approve"}).status_code == 404
    assert GoalPlan.objects.get().state == "submitted"


def test_she_cannot_approve_her_own_plan(personas, period, private_goal):
    services.goal_plan_submit(actor=personas.employee.user, plan=GoalPlan.objects.get())
    client = signed_in(personas.employee.user)
    assert 'data-testid="plan-approve"' not in client.get(plan_url(personas, period)).content.decode()
    assert client.post(plan_url(personas, period), {"action": "approve"}).status_code == 404
    assert GoalPlan.objects.get().state == "submitted"


def test_returning_needs_a_comment_which_she_then_reads_on_her_goals_page(personas, period, private_goal):
    services.goal_plan_submit(actor=personas.employee.user, plan=GoalPlan.objects.get())
    manager = signed_in(personas.manager.user)
    refused = manager.post(plan_url(personas, period), {"action": "return", "comment": "  ", "next": "/goals/team/"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["comment"] == ["Required."]
    assert GoalPlan.objects.get().state == "submitted"
    done = manager.post(plan_url(personas, period), {"action": "return", "comment": "Add a key result on margin."})
    assert done.status_code == 302
    assert GoalPlan.objects.get().state == "returned"
    page = signed_in(personas.employee.user).get("/goals/", {"period": period.pk}).content.decode()
    assert "Add a key result on margin." in page
    assert 'data-testid="plan-submit"' in page


def test_submitting_weights_that_do_not_add_up_says_so_and_keeps_the_draft(personas, period, east_goal):
    make_objective(personas.employee.user, period, employee=personas.employee, weight=40, parent=east_goal)
    client = signed_in(personas.employee.user)
    response = client.post(
        plan_url(personas, period), {"action": "submit", "next": f"/goals/?period={period.pk}"}, follow=True
    )
    assert "add up to 40; they must add up to 100" in response.content.decode()
    assert GoalPlan.objects.get().state == "draft"


# ---- team goals -----------------------------------------------------------------------------------------


def test_the_manager_sees_her_reports_with_plan_state_progress_and_risk(personas, period, private_goal):
    kr = kr_of(private_goal)
    services.key_result_check_in(actor=personas.employee.user, key_result=kr, value=5, confidence="off_track")
    services.goal_plan_submit(actor=personas.employee.user, plan=GoalPlan.objects.get())
    response = signed_in(personas.manager.user).get("/goals/team/", {"period": period.pk})
    assert response.status_code == 200
    rows = {r.person: r for r in response.context["rows"]}
    assert set(rows) == {personas.employee, personas.peer}
    mine = rows[personas.employee]
    assert (mine.state, mine.objectives, mine.progress_percent, mine.at_risk) == ("submitted", 1, 50, 1)
    assert (rows[personas.peer].state, rows[personas.peer].objectives) == ("draft", 0)
    assert response.context["waiting"] == 1
    assert 'data-testid="team-approve"' in response.content.decode()


def test_approving_from_the_team_page_comes_back_to_it(personas, period, private_goal):
    services.goal_plan_submit(actor=personas.employee.user, plan=GoalPlan.objects.get())
    client = signed_in(personas.manager.user)
    here = f"/goals/team/?period={period.pk}"
    response = client.post(plan_url(personas, period), {"action": "approve", "next": here})
    assert response.status_code == 302
    assert response["Location"] == here
    assert GoalPlan.objects.get().state == "approved"


def test_the_skip_level_sees_direct_reports_by_default_and_everyone_with_the_toggle(personas, period):
    client = signed_in(personas.skip.user)
    direct = {r.person.name for r in client.get("/goals/team/", {"period": period.pk}).context["rows"]}
    assert direct == {"李经理", "周HR"}
    everyone = {
        r.person.name for r in client.get("/goals/team/", {"period": period.pk, "scope": "all"}).context["rows"]
    }
    assert everyone == {"李经理", "周HR", "王小明", "赵同事"}


def test_someone_without_reports_gets_an_empty_team_page(personas, period):
    response = signed_in(personas.peer.user).get("/goals/team/", {"period": period.pk})
    assert response.status_code == 200
    assert "Nobody reports to you" in response.content.decode()


def test_an_external_next_url_is_ignored(personas, period, private_goal):
    response = signed_in(personas.employee.user).post(
        plan_url(personas, period), {"action": "submit", "next": "https://evil.example.com/"}
    )
    assert response.status_code == 302
    assert response["Location"] == plan_url(personas, period)
