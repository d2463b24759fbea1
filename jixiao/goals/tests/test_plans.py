"""Goal plans: a person submits her goals for the period, her management or HR approves or returns them."""

import pytest

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError, NotFound
from jixiao.goals import services
from jixiao.goals.models import GoalPlan, GoalSettings, Objective
from jixiao.goals.selectors import goal_settings
from jixiao.goals.services import KeyResultInput, ObjectiveInput
from jixiao.goals.testing import make_objective, make_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def fy(personas):
    return make_period(personas.admin, "FY2027")


@pytest.fixture
def plan(personas, fy):
    """王小明's plan with two objectives weighing 60 + 40."""
    make_objective(personas.employee.user, fy, employee=personas.employee, weight=60)
    make_objective(personas.employee.user, fy, employee=personas.employee, weight=40)
    return GoalPlan.objects.get(employee=personas.employee, period=fy)


def submit(personas, plan):
    return services.goal_plan_submit(actor=personas.employee.user, plan=plan)


def edit(actor, objective, *, reason="", **changes):
    data = ObjectiveInput(
        title=changes.get("title", objective.title),
        description=objective.description,
        weight=changes.get("weight", objective.weight),
        visibility=objective.visibility,
        due_date=objective.due_date,
        parent_id=objective.parent_id,
        key_results=[
            KeyResultInput(kr.title, kr.target, start=kr.start, id=kr.pk) for kr in objective.key_results.all()
        ],
    )
    fresh = Objective.objects.select_related("period").get(pk=objective.pk)
    return services.objective_update(actor=actor, objective=fresh, version=fresh.version, data=data, reason=reason)


# ---- submit ----------------------------------------------------------------------------------


def test_a_person_submits_goals_whose_weights_total_100(personas, plan):
    plan = submit(personas, plan)
    assert plan.state == "submitted" and plan.submitted_at is not None
    event = AuditEvent.objects.get(action="goal_plan.submit", target_id=str(plan.pk))
    assert event.after == {"state": "submitted", "objectives": 2}
    assert event.scope_path == personas.east.path


def test_weights_that_do_not_total_100_are_refused(personas, fy):
    make_objective(personas.employee.user, fy, employee=personas.employee, weight=60)
    make_objective(personas.employee.user, fy, employee=personas.employee, weight=30)
    plan = GoalPlan.objects.get(employee=personas.employee, period=fy)
    with pytest.raises(DomainError) as error:
        submit(personas, plan)
    assert error.value.code == "weights_total" and "90" in str(error.value.message)
    assert "weight" in error.value.fields
    plan.refresh_from_db()
    assert plan.state == "draft" and not AuditEvent.objects.filter(action="goal_plan.submit").exists()


def test_a_plan_without_objectives_cannot_be_submitted(personas, fy):
    plan = GoalPlan.objects.create(employee=personas.employee, period=fy)
    with pytest.raises(DomainError) as error:
        submit(personas, plan)
    assert error.value.code == "no_objectives"


def test_smart_requirement_blocks_submitting_and_lists_the_gaps(personas, plan):
    settings_row = goal_settings()
    GoalSettings.objects.filter(pk=settings_row.pk).update(require_smart=True)
    with pytest.raises(DomainError) as error:
        submit(personas, plan)
    assert error.value.code == "not_smart"
    message = str(error.value.message)
    # Both objectives lack a description, a parent and a due date.
    for objective in Objective.objects.filter(employee=personas.employee):
        assert objective.title in message
    assert "description" in message and "due date" in message
    # Every gap of every objective, per objective, for a page to show beside each one.
    for objective in Objective.objects.filter(employee=personas.employee):
        assert len(error.value.fields[f"objectives.{objective.pk}"]) == 3
    plan.refresh_from_db()
    assert plan.state == "draft"


def test_smart_goals_pass_the_requirement(personas, fy):
    GoalSettings.objects.filter(pk=goal_settings().pk).update(require_smart=True)
    company = make_objective(personas.admin, fy, title="Grow revenue by a third this year")
    make_objective(
        personas.employee.user,
        fy,
        employee=personas.employee,
        weight=100,
        title="Renew 85% of East China contracts",
        description="Call every account due for renewal.",
        parent=company,
        due_date=fy.end,
    )
    plan = GoalPlan.objects.get(employee=personas.employee, period=fy)
    assert submit(personas, plan).state == "submitted"


def test_a_peer_cannot_submit_her_colleagues_goals(personas, plan):
    with pytest.raises(NotFound):
        services.goal_plan_submit(actor=personas.peer.user, plan=plan)


# ---- approve and return ----------------------------------------------------------------------


def test_her_manager_approves_submitted_goals(personas, plan):
    submit(personas, plan)
    plan = services.goal_plan_decide(actor=personas.manager.user, plan=plan, approve=True)
    assert plan.state == "approved" and plan.decided_by == personas.manager.user and plan.decided_at
    assert AuditEvent.objects.filter(action="goal_plan.approve", target_id=str(plan.pk)).exists()


def test_the_skip_level_manager_may_approve_too(personas, plan):
    submit(personas, plan)
    assert services.goal_plan_decide(actor=personas.skip.user, plan=plan, approve=True).state == "approved"


def test_returning_goals_needs_a_comment(personas, plan):
    submit(personas, plan)
    with pytest.raises(DomainError) as error:
        services.goal_plan_decide(actor=personas.manager.user, plan=plan, approve=False, comment="  ")
    assert "comment" in error.value.fields
    plan.refresh_from_db()
    assert plan.state == "submitted"
    plan = services.goal_plan_decide(
        actor=personas.manager.user, plan=plan, approve=False, comment="Raise the renewal target."
    )
    assert plan.state == "returned" and plan.comment == "Raise the renewal target."
    event = AuditEvent.objects.get(action="goal_plan.return", target_id=str(plan.pk))
    assert event.after is not None
    assert event.after["comment"] == "Raise the renewal target."


def test_returned_goals_can_be_changed_and_submitted_again(personas, plan):
    submit(personas, plan)
    services.goal_plan_decide(actor=personas.manager.user, plan=plan, approve=False, comment="More ambition.")
    objective = Objective.objects.filter(employee=personas.employee).earliest("pk")
    edit(personas.employee.user, objective, title="A more ambitious goal for the year")
    assert submit(personas, plan).state == "submitted"


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("draft", "approve"),
        ("draft", "return"),
        ("returned", "approve"),
        ("approved", "approve"),
        ("submitted", "submit"),
        ("approved", "submit"),
    ],
)
def test_illegal_transitions_are_refused_with_a_clear_error(personas, plan, state, action):
    GoalPlan.objects.filter(pk=plan.pk).update(state=state)
    plan.refresh_from_db()
    with pytest.raises(DomainError) as error:
        if action == "submit":
            submit(personas, plan)
        else:
            services.goal_plan_decide(
                actor=personas.manager.user, plan=plan, approve=action == "approve", comment="Because."
            )
    assert error.value.code == "illegal_transition"
    assert state in str(error.value.message).lower()
    plan.refresh_from_db()
    assert plan.state == state


def test_the_person_cannot_approve_her_own_goals(personas, plan):
    submit(personas, plan)
    with pytest.raises(NotFound):
        services.goal_plan_decide(actor=personas.employee.user, plan=plan, approve=True)


def test_an_admin_cannot_approve_her_own_goals_either(personas, fy):
    personas.employee.user.is_superuser = True
    personas.employee.user.save()
    make_objective(personas.employee.user, fy, employee=personas.employee, weight=100)
    plan = GoalPlan.objects.get(employee=personas.employee, period=fy)
    submit(personas, plan)
    with pytest.raises(NotFound):
        services.goal_plan_decide(actor=personas.employee.user, plan=plan, approve=True)


def test_a_manager_approves_only_her_reports_goals(personas, plan):
    submit(personas, plan)
    for user in (personas.peer.user, personas.rnd_head.user, personas.executive, personas.outsider):
        with pytest.raises(NotFound):
            services.goal_plan_decide(actor=user, plan=plan, approve=True)
    plan.refresh_from_db()
    assert plan.state == "submitted"


def test_a_manager_cannot_approve_her_own_managers_goals(personas, fy):
    make_objective(personas.skip.user, fy, employee=personas.skip, weight=100)
    plan = GoalPlan.objects.get(employee=personas.skip, period=fy)
    services.goal_plan_submit(actor=personas.skip.user, plan=plan)
    with pytest.raises(NotFound):
        services.goal_plan_decide(actor=personas.manager.user, plan=plan, approve=True)


def test_hr_approves_only_within_her_scope(personas, plan):
    submit(personas, plan)
    with pytest.raises(NotFound):
        services.goal_plan_decide(actor=personas.other_hr, plan=plan, approve=True)
    assert services.goal_plan_decide(actor=personas.scoped_hr, plan=plan, approve=True).state == "approved"


# ---- frozen while submitted, a reason once approved ------------------------------------------


def test_submitted_goals_are_frozen(personas, plan):
    submit(personas, plan)
    objective = Objective.objects.filter(employee=personas.employee).earliest("pk")
    for actor in (personas.employee.user, personas.manager.user):
        with pytest.raises(DomainError) as error:
            edit(actor, objective, title="Sneaking in a change before approval")
        assert error.value.code == "plan_submitted"
    with pytest.raises(DomainError):
        make_objective(personas.employee.user, plan.period, employee=personas.employee)
    with pytest.raises(DomainError):
        services.objective_delete(actor=personas.employee.user, objective=objective, version=objective.version)
    assert Objective.objects.filter(employee=personas.employee).count() == 2


def test_check_ins_go_on_while_goals_wait_for_approval(personas, plan):
    submit(personas, plan)
    kr = Objective.objects.filter(employee=personas.employee).earliest("pk").key_results.get()
    services.key_result_check_in(actor=personas.employee.user, key_result=kr, value=4, confidence="on_track")
    kr.refresh_from_db()
    assert kr.current == 4


def test_approved_goals_change_only_with_a_reason_kept_in_the_audit_log(personas, plan):
    submit(personas, plan)
    services.goal_plan_decide(actor=personas.manager.user, plan=plan, approve=True)
    objective = Objective.objects.filter(employee=personas.employee).earliest("pk")
    with pytest.raises(DomainError) as error:
        edit(personas.employee.user, objective, title="A quietly different goal")
    assert error.value.code == "reason_required" and "reason" in error.value.fields
    edit(personas.employee.user, objective, title="A different goal", reason="The client moved to 2028.")
    event = AuditEvent.objects.get(action="objective.update", target_id=str(objective.pk))
    assert event.after is not None
    assert event.after["reason"] == "The client moved to 2028."
    plan.refresh_from_db()
    assert plan.state == "approved"


def test_adding_or_deleting_an_approved_goal_needs_a_reason_too(personas, plan):
    submit(personas, plan)
    services.goal_plan_decide(actor=personas.manager.user, plan=plan, approve=True)
    with pytest.raises(DomainError):
        make_objective(personas.employee.user, plan.period, employee=personas.employee)
    objective = Objective.objects.filter(employee=personas.employee).earliest("pk")
    with pytest.raises(DomainError):
        services.objective_delete(actor=personas.employee.user, objective=objective, version=objective.version)
    pk = objective.pk
    services.objective_delete(
        actor=personas.employee.user, objective=objective, version=objective.version, reason="Merged into the other."
    )
    event = AuditEvent.objects.get(action="objective.delete", target_id=str(pk))
    assert event.after == {"reason": "Merged into the other."}


def test_approved_goals_can_be_returned_for_rework(personas, plan):
    submit(personas, plan)
    services.goal_plan_decide(actor=personas.manager.user, plan=plan, approve=True)
    plan = services.goal_plan_decide(actor=personas.manager.user, plan=plan, approve=False, comment="Q3 re-plan.")
    assert plan.state == "returned"


def test_a_plan_of_another_period_is_not_affected(personas, plan):
    submit(personas, plan)
    other = make_period(personas.admin, "FY2028")
    assert make_objective(personas.employee.user, other, employee=personas.employee).period == other
