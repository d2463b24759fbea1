"""Development plans through the services: pre-filled gaps, needs, actions, comments, closing, bad input."""

import pytest

from jixiao.audit.models import AuditEvent
from jixiao.conversations import services_idp
from jixiao.conversations.models import DevelopmentAction, DevelopmentNeed, DevelopmentPlan
from jixiao.conversations.selectors_idp import competency_gaps
from jixiao.conversations.testing_idp import make_plan, released_review
from jixiao.core.errors import DomainError, StaleWrite

pytestmark = pytest.mark.django_db


def test_a_plan_without_a_released_review_starts_empty(personas):
    plan = make_plan(personas.employee.user, personas.employee)
    assert plan.employee == personas.employee and plan.state == DevelopmentPlan.State.ACTIVE
    assert not plan.needs.exists()
    assert AuditEvent.objects.filter(action="idp.create", target_id=str(plan.pk)).exists()


def test_a_new_plan_is_prefilled_with_competencies_rated_below_the_middle(personas):
    review, competencies = released_review(personas, {"沟通": "2", "执行力": "3", "协作": "1"})
    plan = make_plan(personas.employee.user, personas.employee)
    needs = list(plan.needs.order_by("order"))
    # Lowest first; "3" is the middle of a 1–5 scale, not below it.
    assert [n.competency for n in needs] == [competencies["协作"], competencies["沟通"]]
    assert all(n.review == review for n in needs)
    assert [n.text for n in needs] == ["协作", "沟通"]


def test_a_review_not_yet_released_suggests_nothing(personas):
    from jixiao.conversations.testing_idp import review_in_manager_phase

    review_in_manager_phase(personas)
    assert competency_gaps(personas.employee).review is None


def test_her_manager_can_start_a_plan_for_her(personas):
    plan = make_plan(personas.manager.user, personas.employee, "Plan for Ming")
    assert plan.employee == personas.employee


@pytest.mark.parametrize("who", ["peer", "skip", "scoped_hr", "outsider"])
def test_only_she_or_her_manager_can_start_her_plan(personas, who):
    user = getattr(personas, who) if who in ("scoped_hr", "outsider") else getattr(personas, who).user
    with pytest.raises(DomainError):
        services_idp.development_plan_create(actor=user, employee=personas.employee, title="x")
    assert not DevelopmentPlan.objects.exists()


def test_a_plan_needs_a_title(personas):
    with pytest.raises(DomainError) as err:
        services_idp.development_plan_create(actor=personas.employee.user, employee=personas.employee, title="  ")
    assert "title" in err.value.fields
    assert not DevelopmentPlan.objects.exists()


def test_the_employee_adds_edits_and_removes_needs(personas):
    user = personas.employee.user
    plan = make_plan(user, personas.employee)
    need = services_idp.development_need_add(actor=user, plan=plan, text="带团队", version=plan.version)
    services_idp.development_need_update(actor=user, plan=plan, need_id=need.pk, text="带小团队", version=plan.version)
    assert DevelopmentNeed.objects.get(pk=need.pk).text == "带小团队"
    services_idp.development_need_remove(actor=user, plan=plan, need_id=need.pk, version=plan.version)
    assert not DevelopmentNeed.objects.filter(pk=need.pk).exists()
    actions = set(AuditEvent.objects.filter(target_id=str(plan.pk)).values_list("action", flat=True))
    assert {"idp.need_add", "idp.need_update", "idp.need_remove"} <= actions


def test_an_empty_or_too_long_need_is_refused(personas):
    user = personas.employee.user
    plan = make_plan(user, personas.employee)
    for text in ("", "x" * 501):
        with pytest.raises(DomainError):
            services_idp.development_need_add(actor=user, plan=plan, text=text, version=plan.version)
    assert not plan.needs.exists()
    plan.refresh_from_db()
    assert plan.version == 1


def test_a_stale_write_is_refused_and_changes_nothing(personas):
    user = personas.employee.user
    plan = make_plan(user, personas.employee)
    services_idp.development_need_add(actor=user, plan=plan, text="A", version=1)
    with pytest.raises(StaleWrite):
        services_idp.development_need_add(actor=user, plan=plan, text="B", version=1)
    assert list(plan.needs.values_list("text", flat=True)) == ["A"]


def test_actions_have_a_kind_a_due_date_and_move_through_statuses(personas):
    user = personas.employee.user
    plan = make_plan(user, personas.employee)
    need = services_idp.development_need_add(actor=user, plan=plan, text="演讲", version=plan.version)
    action = services_idp.development_action_add(
        actor=user, plan=plan, kind="course", title="演讲课", due_on="2027-06-30", need_id=need.pk, version=plan.version
    )
    assert (action.kind, str(action.due_on), action.need) == ("course", "2027-06-30", need)
    services_idp.development_action_update(
        actor=user, plan=plan, action_id=action.pk, status="done", version=plan.version
    )
    assert DevelopmentAction.objects.get(pk=action.pk).status == "done"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "party", "title": "x"}, "kind"),
        ({"kind": "course", "title": ""}, "title"),
        ({"kind": "course", "title": "x", "due_on": "30/06/2027"}, "due_on"),
        ({"kind": "course", "title": "x", "need_id": 999999}, "need"),
    ],
)
def test_a_bad_action_is_refused_beside_its_field_and_nothing_is_written(personas, data, field):
    user = personas.employee.user
    plan = make_plan(user, personas.employee)
    with pytest.raises(DomainError) as err:
        services_idp.development_action_add(actor=user, plan=plan, version=plan.version, **data)
    assert field in err.value.fields
    assert not plan.actions.exists()


def test_an_unknown_status_is_refused(personas):
    user = personas.employee.user
    plan = make_plan(user, personas.employee)
    action = services_idp.development_action_add(actor=user, plan=plan, kind="reading", title="书", version=1)
    with pytest.raises(DomainError):
        services_idp.development_action_update(actor=user, plan=plan, action_id=action.pk, status="won", version=2)
    assert DevelopmentAction.objects.get(pk=action.pk).status == "planned"


def test_the_manager_cannot_change_needs_or_actions(personas):
    plan = make_plan(personas.employee.user, personas.employee)
    with pytest.raises(DomainError):
        services_idp.development_need_add(actor=personas.manager.user, plan=plan, text="x", version=plan.version)
    assert not plan.needs.exists()


def test_owner_and_manager_comments_go_to_their_own_places(personas):
    plan = make_plan(personas.employee.user, personas.employee)
    services_idp.development_plan_comment(actor=personas.employee.user, plan=plan, text="我想带项目", version=1)
    services_idp.development_plan_comment(actor=personas.skip.user, plan=plan, text="支持", version=2)
    plan.refresh_from_db()
    assert (plan.owner_comment, plan.manager_comment) == ("我想带项目", "支持")


@pytest.mark.parametrize("who", ["peer", "scoped_hr"])
def test_hr_and_colleagues_cannot_comment(personas, who):
    user = personas.scoped_hr if who == "scoped_hr" else personas.peer.user
    plan = make_plan(personas.employee.user, personas.employee)
    with pytest.raises(DomainError):
        services_idp.development_plan_comment(actor=user, plan=plan, text="hi", version=1)
    plan.refresh_from_db()
    assert (plan.manager_comment, plan.owner_comment, plan.version) == ("", "", 1)


def test_a_closed_plan_changes_no_more(personas):
    user = personas.employee.user
    plan = make_plan(user, personas.employee)
    services_idp.development_plan_close(actor=user, plan=plan, version=1)
    with pytest.raises(DomainError):
        services_idp.development_need_add(actor=user, plan=plan, text="x", version=plan.version)
    with pytest.raises(DomainError):
        services_idp.development_plan_comment(actor=personas.manager.user, plan=plan, text="x", version=plan.version)
    plan.refresh_from_db()
    assert plan.state == "closed" and not plan.needs.exists()
