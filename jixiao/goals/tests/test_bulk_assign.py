"""Bulk assignment of goal templates and KPI targets: filters, scope, idempotence, audit, query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError
from jixiao.core.testing.personas import make_department, make_employee
from jixiao.goals import services, services_kpi
from jixiao.goals.models import BulkAssignment, GoalPlan, KeyResult, KPITarget, Objective
from jixiao.goals.selectors import goal_settings
from jixiao.goals.services import KeyResultInput, PeopleFilter
from jixiao.goals.testing import make_indicator, make_objective, make_period
from jixiao.org.models import Status
from jixiao.org.selectors import actor_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def fy(personas):
    return make_period(personas.admin, "FY2027")


@pytest.fixture
def template(personas):
    return services.goal_template_save(
        actor=personas.admin,
        title="Keep customers happy all year",
        weight=20,
        key_results=[
            KeyResultInput("Customer satisfaction", 90, start=80, unit="percent"),
            KeyResultInput("Complaints", 2, start=10, direction="decrease", weight=2),
        ],
    )


def assign(actor, template, period, **filters):
    return services.goals_bulk_assign(actor=actor, template=template, period=period, filters=PeopleFilter(**filters))


def assigned_people(template, period) -> set[int]:
    return set(Objective.objects.filter(template=template, period=period).values_list("employee_id", flat=True))


# ---- goal templates --------------------------------------------------------------------------


def test_everyone_in_a_department_subtree_gets_the_objective(personas, fy, template):
    assignment = assign(personas.admin, template, fy, department_id=personas.sales.pk)
    sales_people = {
        personas.skip.pk,
        personas.manager.pk,
        personas.employee.pk,
        personas.peer.pk,
        personas.scoped_hr.employee.pk,
    }
    assert assigned_people(template, fy) == sales_people
    assert (assignment.matched, assignment.created) == (5, 5)


def test_assigned_objectives_get_key_results_a_path_and_a_goal_plan(personas, fy, template):
    assign(personas.admin, template, fy, department_id=personas.east.pk)
    objective = Objective.objects.get(template=template, employee=personas.employee)
    assert objective.path == f"/{objective.pk}/"
    assert (objective.title, objective.weight, objective.due_date) == (template.title, Decimal(20), fy.end)
    krs = list(objective.key_results.order_by("position"))
    assert [(kr.title, kr.start, kr.target, kr.current, kr.weight) for kr in krs] == [
        ("Customer satisfaction", 80, 90, 80, 1),
        ("Complaints", 10, 2, 10, 2),
    ]
    assert krs[1].direction == "decrease"
    assert GoalPlan.objects.filter(employee=personas.employee, period=fy, state="draft").exists()


def test_assigned_objectives_can_align_to_a_parent_and_keep_paths(personas, fy, template):
    parent = make_objective(personas.skip.user, fy, department=personas.sales, key_results=[])
    other = services.goal_template_save(
        actor=personas.admin, title="Another template for everyone", key_results=[KeyResultInput("Calls", 10)]
    )
    services.goals_bulk_assign(
        actor=personas.admin,
        template=other,
        period=fy,
        filters=PeopleFilter(department_id=personas.east.pk),
        parent=parent,
    )
    for objective in Objective.objects.filter(template=other):
        assert objective.parent == parent and objective.path == f"{parent.path}{objective.pk}/"
    # The new objectives roll up into the parent right away.
    mine = Objective.objects.get(template=other, employee=personas.employee)
    services.key_result_check_in(
        actor=personas.employee.user, key_result=mine.key_results.get(), value=10, confidence="on_track"
    )
    parent.refresh_from_db()
    # Three people in 华东区, equal weights, one of them done.
    assert parent.progress == Decimal("0.3333")


def test_people_are_filtered_by_title_and_level(personas, fy, template):
    personas.peer.title = "Senior Sales Representative"
    personas.peer.save()
    personas.employee.job_level = "P7"
    personas.employee.save()
    assign(personas.admin, template, fy, title="sales rep")
    assert assigned_people(template, fy) == {personas.peer.pk}
    other = make_period(personas.admin, "FY2028")
    assign(personas.admin, template, other, levels=("P7", "P8"))
    assert assigned_people(template, other) == {personas.employee.pk}


def test_people_who_left_are_not_assigned(personas, fy, template):
    personas.peer.status = Status.LEFT
    personas.peer.save()
    assign(personas.admin, template, fy, department_id=personas.east.pk)
    assert assigned_people(template, fy) == {personas.manager.pk, personas.employee.pk}


def test_a_manager_reaches_only_her_reports(personas, fy, template):
    assignment = assign(personas.manager.user, template, fy)
    assert assigned_people(template, fy) == {personas.employee.pk, personas.peer.pk}
    assert assignment.matched == 2
    # Asking for a department outside her team reaches nobody.
    other = make_period(personas.admin, "FY2028")
    assert assign(personas.manager.user, template, other, department_id=personas.rnd.pk).matched == 0


def test_hr_reaches_only_her_scope(personas, fy, template):
    assign(personas.other_hr, template, fy)
    rnd_people = {personas.rnd_head.pk, personas.other_hr.employee.pk}
    assert assigned_people(template, fy) == rnd_people
    other = make_period(personas.admin, "FY2028")
    assert assign(personas.other_hr, template, other, department_id=personas.east.pk).created == 0


def test_people_without_reports_or_hr_rights_cannot_assign_in_bulk(personas, fy, template):
    for user in (personas.employee.user, personas.executive):
        with pytest.raises(DomainError) as error:
            assign(user, template, fy)
        assert error.value.code == "forbidden"
    assert not Objective.objects.exists()


def test_running_twice_creates_nothing_new(personas, fy, template):
    first = assign(personas.admin, template, fy, department_id=personas.sales.pk)
    counts = (Objective.objects.count(), KeyResult.objects.count(), GoalPlan.objects.count())
    second = assign(personas.admin, template, fy, department_id=personas.sales.pk)
    assert (Objective.objects.count(), KeyResult.objects.count(), GoalPlan.objects.count()) == counts
    assert (first.created, second.matched, second.created) == (5, 5, 0)


def test_a_bulk_assignment_is_audited_per_objective_and_as_a_whole(personas, fy, template):
    assignment = assign(personas.scoped_hr, template, fy, department_id=personas.east.pk)
    per_person = AuditEvent.objects.filter(action="objective.assign", actor=personas.scoped_hr)
    assert per_person.count() == 3
    mine = Objective.objects.get(template=template, employee=personas.employee)
    event = per_person.get(target_id=str(mine.pk))
    assert event.scope_path == personas.east.path
    assert event.after == {"template_id": template.pk, "assignment_id": assignment.pk, "employee_id": mine.employee_id}
    summary = AuditEvent.objects.get(action="goals.bulk_assign", target_id=str(assignment.pk))
    assert summary.after is not None
    assert (summary.after["matched"], summary.after["created"]) == (3, 3)


def test_aligning_a_bulk_assignment_to_an_objective_of_a_shorter_period_is_refused(personas, fy, template):
    from datetime import date

    q1 = make_period(personas.admin, "2027Q1", kind="quarter", end=date(2027, 3, 31), parent=fy)
    q1_goal = make_objective(personas.admin, q1, title="Win the first quarter of the year")
    with pytest.raises(DomainError) as error:
        services.goals_bulk_assign(
            actor=personas.admin, template=template, period=fy, filters=PeopleFilter(), parent=q1_goal
        )
    assert "parent" in error.value.fields
    assert not BulkAssignment.objects.exists()


def test_a_manager_changes_only_her_own_templates(personas, template):
    with pytest.raises(DomainError):
        services.goal_template_save(
            actor=personas.manager.user, template=template, title="Hijacked", key_results=[KeyResultInput("x", 1)]
        )
    own = services.goal_template_save(
        actor=personas.manager.user, title="Team template for the year", key_results=[KeyResultInput("Calls", 10)]
    )
    assert services.goal_template_save(
        actor=personas.manager.user, template=own, title="Team template, renamed", key_results=own_krs(own)
    ).title == ("Team template, renamed")
    assert services.goal_template_save(
        actor=personas.scoped_hr, template=own, title="Reviewed by HR", key_results=own_krs(own)
    ).title == ("Reviewed by HR")


def own_krs(template):
    return [KeyResultInput(kr["title"], kr["target"], start=kr["start"]) for kr in template.key_results]


def test_a_template_without_key_results_or_with_a_bad_one_is_refused(personas):
    with pytest.raises(DomainError) as error:
        services.goal_template_save(actor=personas.admin, title="Nothing to measure", key_results=[])
    assert "key_results" in error.value.fields
    with pytest.raises(DomainError) as error:
        services.goal_template_save(actor=personas.admin, title="Bad", key_results=[KeyResultInput("x", 0)])
    assert "key_results.0.target" in error.value.fields


# ---- KPI targets -----------------------------------------------------------------------------


def assign_kpi(actor, indicator, period, *, target=100, **filters):
    return services_kpi.kpi_targets_bulk_assign(
        actor=actor, indicator=indicator, period=period, filters=PeopleFilter(**filters), target=target, weight=30
    )


def test_a_kpi_is_assigned_to_everyone_matching_once(personas, fy):
    kpi = make_indicator(personas.admin)
    first = assign_kpi(personas.scoped_hr, kpi, fy, department_id=personas.east.pk)
    assert set(KPITarget.objects.values_list("employee_id", flat=True)) == {
        personas.manager.pk,
        personas.employee.pk,
        personas.peer.pk,
    }
    target = KPITarget.objects.get(employee=personas.employee)
    assert (target.baseline, target.target, target.weight, target.assignment) == (0, 100, 30, first)
    second = assign_kpi(personas.scoped_hr, kpi, fy, department_id=personas.east.pk, target=200)
    assert (second.matched, second.created) == (3, 0)
    target.refresh_from_db()
    assert target.target == 100  # people who have it already keep theirs
    assert AuditEvent.objects.filter(action="kpi_target.assign").count() == 3
    assert AuditEvent.objects.filter(action="kpi.bulk_assign").count() == 2


def test_a_manager_assigns_kpis_to_her_reports_only(personas, fy):
    kpi = make_indicator(personas.admin)
    assign_kpi(personas.manager.user, kpi, fy)
    assert set(KPITarget.objects.values_list("employee_id", flat=True)) == {personas.employee.pk, personas.peer.pk}


def test_kpi_values_are_checked_before_anyone_gets_them(personas, fy):
    kpi = make_indicator(personas.admin, direction="decrease")
    with pytest.raises(DomainError) as error:
        assign_kpi(personas.admin, kpi, fy, target=100)  # baseline 0, decreasing: target must be below
    assert "target" in error.value.fields
    assert not KPITarget.objects.exists() and not BulkAssignment.objects.exists()


# ---- query counts ----------------------------------------------------------------------------


def crowd(personas, name: str, size: int):
    department = make_department(name, personas.sales)
    lead = make_employee(f"{name}主管", department, manager=personas.skip)
    for i in range(size - 1):
        make_employee(f"{name}{i}", department, manager=lead)
    return department


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_assigning_goals_to_300_people_takes_as_many_queries_as_to_30(personas, fy, template):
    small, large = crowd(personas, "小组", 30), crowd(personas, "大组", 300)
    parent = make_objective(personas.skip.user, fy, department=personas.sales, key_results=[])
    actor_context(personas.scoped_hr)
    goal_settings()

    def run(department):
        return services.goals_bulk_assign(
            actor=personas.scoped_hr,
            template=template,
            period=fy,
            filters=PeopleFilter(department_id=department.pk),
            parent=parent,
        )

    n_small = queries_of(lambda: run(small))
    n_large = queries_of(lambda: run(large))
    assert Objective.objects.filter(template=template).count() == 330
    assert KeyResult.objects.filter(objective__template=template).count() == 660
    assert n_small == n_large, (n_small, n_large)
    assert n_small <= 20


def test_assigning_kpis_to_300_people_takes_as_many_queries_as_to_30(personas, fy):
    small, large = crowd(personas, "小组", 30), crowd(personas, "大组", 300)
    kpi = make_indicator(personas.admin)
    actor_context(personas.scoped_hr)
    goal_settings()
    n_small = queries_of(lambda: assign_kpi(personas.scoped_hr, kpi, fy, department_id=small.pk))
    n_large = queries_of(lambda: assign_kpi(personas.scoped_hr, kpi, fy, department_id=large.pk))
    assert KPITarget.objects.count() == 330
    assert n_small == n_large, (n_small, n_large)
    assert n_small <= 20
