"""Objectives and key results through the services: cascade, roll-up, re-alignment, bad input, audit."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError, NotFound, StaleWrite
from jixiao.goals import services, services_kpi
from jixiao.goals.models import CheckIn, GoalPlan, KeyResult, Objective
from jixiao.goals.selectors import goal_settings
from jixiao.goals.services import KeyResultInput, ObjectiveInput
from jixiao.goals.testing import make_indicator, make_kpi_target, make_objective, make_period

pytestmark = pytest.mark.django_db

D = Decimal


def counts() -> dict[str, int]:
    return {
        "objectives": Objective.objects.count(),
        "key_results": KeyResult.objects.count(),
        "check_ins": CheckIn.objects.count(),
        "plans": GoalPlan.objects.count(),
        "events": AuditEvent.objects.count(),
    }


@pytest.fixture
def fy(personas):
    return make_period(personas.admin, "FY2027")


@pytest.fixture
def tree(personas, fy):
    """Company → 销售部 → 王小明, each with one key result 0 → 10."""
    company = make_objective(personas.admin, fy, title="Grow revenue by a third this year")
    sales = make_objective(personas.skip.user, fy, department=personas.sales, parent=company)
    mine = make_objective(personas.employee.user, fy, employee=personas.employee, parent=sales)
    return company, sales, mine


def data_of(objective: Objective, **changes) -> ObjectiveInput:
    """The objective's current fields as a form would send them back, with some changed."""
    krs = [
        KeyResultInput(
            id=kr.pk,
            title=kr.title,
            unit=kr.unit,
            direction=kr.direction,
            start=kr.start,
            target=kr.target,
            stretch=kr.stretch,
            weight=kr.weight,
        )
        for kr in objective.key_results.all()
    ]
    fields: dict[str, Any] = {
        "title": objective.title,
        "description": objective.description,
        "weight": objective.weight,
        "visibility": objective.visibility,
        "due_date": objective.due_date,
        "parent_id": objective.parent_id,
        "key_results": krs,
    }
    fields.update(changes)
    return ObjectiveInput(**fields)


def create_for_employee(personas, period, **fields) -> Objective:
    defaults: dict[str, Any] = {
        "title": "Renew more contracts in East China",
        "key_results": [KeyResultInput("Renewals", 10)],
    }
    defaults.update(fields)
    return services.objective_create(
        actor=personas.employee.user,
        period=period,
        owner_type="person",
        employee=personas.employee,
        data=ObjectiveInput(**defaults),
    )


def refuse(call, *, field: str) -> DomainError:
    """Call, expect a DomainError naming `field`, and check that nothing was written."""
    before = counts()
    with pytest.raises(DomainError) as error:
        call()
    assert field in error.value.fields, error.value.fields
    assert str(error.value.message)
    assert counts() == before
    return error.value


# ---- create, cascade, paths ---------------------------------------------------------------------


def test_company_objectives_cascade_to_departments_and_people(personas, tree):
    company, sales, mine = tree
    assert company.path == f"/{company.pk}/"
    assert sales.path == f"/{company.pk}/{sales.pk}/"
    assert mine.path == f"/{company.pk}/{sales.pk}/{mine.pk}/"
    assert mine.ancestor_ids == [company.pk, sales.pk]
    assert mine.owner_type == "person" and mine.employee == personas.employee
    assert sales.owner_type == "department" and sales.department == personas.sales


def test_a_person_aligns_her_goal_to_another_persons_goal(personas, fy):
    managers = make_objective(personas.manager.user, fy, employee=personas.manager, title="Close the Hangzhou deal")
    mine = make_objective(personas.employee.user, fy, employee=personas.employee, parent=managers)
    assert mine.parent == managers and mine.path == f"{managers.path}{mine.pk}/"


def test_creating_an_objective_writes_it_its_key_results_and_an_audit_event(personas, fy):
    objective = create_for_employee(
        personas,
        fy,
        weight=40,
        due_date=dt.date(2027, 6, 30),
        key_results=[
            KeyResultInput("Renewal rate", start=70, target=85, unit="percent", stretch=90, weight=2),
            KeyResultInput("Churned accounts", start=12, target=4, direction="decrease"),
            KeyResultInput("Launch the renewal playbook", target=None, unit="milestone"),
        ],
    )
    krs = list(objective.key_results.order_by("position"))
    assert [kr.title for kr in krs] == ["Renewal rate", "Churned accounts", "Launch the renewal playbook"]
    assert [kr.current for kr in krs] == [D(70), D(12), D(0)]
    assert (krs[2].start, krs[2].target) == (D(0), D(1))
    assert objective.weight == D(40) and objective.progress == 0
    event = AuditEvent.objects.get(action="objective.create", target_id=str(objective.pk))
    assert event.actor == personas.employee.user
    assert event.after is not None
    assert event.after["title"] == "Renew more contracts in East China"
    assert event.after is not None
    assert len(event.after["key_results"]) == 3
    assert event.scope_path == personas.east.path
    assert GoalPlan.objects.filter(employee=personas.employee, period=fy, state="draft").exists()


def test_the_manager_writes_a_goal_for_her_report(personas, fy):
    objective = make_objective(personas.manager.user, fy, employee=personas.employee)
    assert objective.created_by == personas.manager.user


def test_a_peer_cannot_write_a_goal_for_a_colleague(personas, fy):
    with pytest.raises(NotFound):
        make_objective(personas.peer.user, fy, employee=personas.employee)


def test_only_admins_and_company_wide_hr_write_company_objectives(personas, fy):
    for user in (personas.scoped_hr, personas.skip.user, personas.executive, personas.employee.user):
        with pytest.raises(NotFound):
            make_objective(user, fy)


def test_a_department_head_writes_her_departments_objectives_and_a_member_does_not(personas, fy):
    assert make_objective(personas.manager.user, fy, department=personas.east).department == personas.east
    with pytest.raises(NotFound):
        make_objective(personas.employee.user, fy, department=personas.east)


# ---- progress roll-up ---------------------------------------------------------------------------


def test_a_check_in_moves_progress_up_through_the_tree(personas, tree):
    company, sales, mine = tree
    kr = mine.key_results.get()
    services.key_result_check_in(actor=personas.employee.user, key_result=kr, value="5", confidence="on_track")
    for objective in (company, sales, mine):
        objective.refresh_from_db()
    kr.refresh_from_db()
    assert kr.current == D(5) and kr.progress == D("0.5") and kr.confidence == "on_track"
    assert mine.progress == D("0.5")
    # 销售部 and the company have their own key results (0 of 10): their own progress wins over children.
    assert sales.progress == 0 and company.progress == 0


def test_an_objective_without_key_results_takes_its_childrens_progress_all_the_way_up(personas, fy):
    company = make_objective(personas.admin, fy, title="Grow revenue by a third this year", key_results=[])
    sales = make_objective(personas.skip.user, fy, department=personas.sales, parent=company, key_results=[])
    mine = make_objective(personas.employee.user, fy, employee=personas.employee, parent=sales, weight=30)
    peers = make_objective(personas.peer.user, fy, employee=personas.peer, parent=sales, weight=10)
    services.key_result_check_in(
        actor=personas.employee.user, key_result=mine.key_results.get(), value=10, confidence="on_track"
    )
    services.key_result_check_in(
        actor=personas.peer.user, key_result=peers.key_results.get(), value=2, confidence="at_risk"
    )
    sales.refresh_from_db()
    company.refresh_from_db()
    # (1.0 × 30 + 0.2 × 10) / 40
    assert sales.progress == D("0.8")
    # 销售部's objective weighs 0, the only child: it counts fully.
    assert company.progress == D("0.8")


def test_a_check_in_keeps_its_history_and_is_audited(personas, fy):
    objective = make_objective(personas.employee.user, fy, employee=personas.employee)
    kr = objective.key_results.get()
    for value, confidence in ((2, "on_track"), (3, "at_risk"), (12, "on_track")):
        services.key_result_check_in(
            actor=personas.employee.user, key_result=kr, value=value, confidence=confidence, comment="week"
        )
    history = list(kr.check_ins.order_by("created_at", "pk").values_list("value", "progress", "confidence"))
    assert history == [(D(2), D("0.2"), "on_track"), (D(3), D("0.3"), "at_risk"), (D(12), D("1.2"), "on_track")]
    objective.refresh_from_db()
    assert objective.progress == D("1.2") and objective.confidence == "on_track"
    assert AuditEvent.objects.filter(action="objective.check_in", target_id=str(objective.pk)).count() == 3


def test_a_milestone_check_in_must_be_done_or_not_done(personas, fy):
    objective = create_for_employee(personas, fy, key_results=[KeyResultInput("Ship it", None, unit="milestone")])
    kr = objective.key_results.get()
    for value in ("0.5", "2", "-1"):
        refuse(
            lambda v=value: services.key_result_check_in(
                actor=personas.employee.user, key_result=kr, value=v, confidence="on_track"
            ),
            field="value",
        )
    services.key_result_check_in(actor=personas.employee.user, key_result=kr, value="1", confidence="on_track")
    kr.refresh_from_db()
    assert kr.progress == 1


def test_a_check_in_without_a_number_or_confidence_is_refused(personas, fy):
    kr = make_objective(personas.employee.user, fy, employee=personas.employee).key_results.get()
    check_in = services.key_result_check_in
    user = personas.employee.user
    refuse(lambda: check_in(actor=user, key_result=kr, value="lots", confidence="on_track"), field="value")
    refuse(lambda: check_in(actor=user, key_result=kr, value="", confidence="on_track"), field="value")
    refuse(lambda: check_in(actor=user, key_result=kr, value="3", confidence="sure"), field="confidence")


def test_a_peer_cannot_check_in_on_her_colleagues_key_result(personas, fy):
    kr = make_objective(personas.employee.user, fy, employee=personas.employee).key_results.get()
    with pytest.raises(NotFound):
        services.key_result_check_in(actor=personas.peer.user, key_result=kr, value=3, confidence="on_track")


# ---- update, re-align, delete -------------------------------------------------------------------


def test_updating_an_objective_changes_it_bumps_its_version_and_is_audited(personas, fy):
    objective = make_objective(personas.employee.user, fy, employee=personas.employee)
    kr = objective.key_results.get()
    data = data_of(objective, title="Renew 85% of contracts in East China", weight=50)
    data.key_results[0].target = 20
    data.key_results.append(KeyResultInput("Upsell accounts", 5))
    updated = services.objective_update(
        actor=personas.employee.user, objective=objective, version=objective.version, data=data
    )
    assert updated.version == 2 and updated.title == "Renew 85% of contracts in East China"
    assert Objective.objects.get(pk=objective.pk).version == 2
    krs = list(updated.key_results.order_by("position"))
    assert krs[0].pk == kr.pk and krs[0].target == 20 and krs[1].title == "Upsell accounts"
    event = AuditEvent.objects.get(action="objective.update", target_id=str(objective.pk))
    assert event.after is not None and event.before is not None
    assert event.before["title"] != event.after["title"]
    assert event.before is not None
    assert event.before["key_results"][0]["target"] == "10.0000"


def test_a_key_result_left_out_of_an_update_is_removed(personas, fy):
    objective = make_objective(personas.employee.user, fy, employee=personas.employee, key_results=[(0, 10), (0, 5)])
    data = data_of(objective)
    data.key_results = data.key_results[:1]
    services.objective_update(actor=personas.employee.user, objective=objective, version=1, data=data)
    assert objective.key_results.count() == 1


def test_a_stale_version_is_refused_and_nothing_changes(personas, fy):
    objective = make_objective(personas.employee.user, fy, employee=personas.employee)
    services.objective_update(
        actor=personas.manager.user, objective=objective, version=1, data=data_of(objective, title="Manager's edit")
    )
    stale = Objective.objects.get(pk=objective.pk)
    before = counts()
    with pytest.raises(StaleWrite):
        services.objective_update(
            actor=personas.employee.user, objective=stale, version=1, data=data_of(stale, title="Her edit")
        )
    assert counts() == before
    assert Objective.objects.get(pk=objective.pk).title == "Manager's edit"


def test_realigning_moves_the_whole_subtree_and_both_parents_progress(personas, fy):
    a = make_objective(personas.admin, fy, title="Company objective A for the year", key_results=[])
    b = make_objective(personas.admin, fy, title="Company objective B for the year", key_results=[])
    dept = make_objective(personas.skip.user, fy, department=personas.sales, parent=a, key_results=[])
    mine = make_objective(personas.employee.user, fy, employee=personas.employee, parent=dept)
    services.key_result_check_in(
        actor=personas.employee.user, key_result=mine.key_results.get(), value=10, confidence="on_track"
    )
    a.refresh_from_db()
    assert a.progress == 1
    dept.refresh_from_db()
    services.objective_update(
        actor=personas.skip.user, objective=dept, version=dept.version, data=data_of(dept, parent_id=b.pk)
    )
    for objective in (a, b, dept, mine):
        objective.refresh_from_db()
    assert dept.path == f"/{b.pk}/{dept.pk}/"
    assert mine.path == f"/{b.pk}/{dept.pk}/{mine.pk}/"
    assert (a.progress, b.progress) == (0, 1)


def test_an_objective_cannot_align_to_itself_or_to_one_aligned_to_it(personas, tree):
    company, _sales, mine = tree
    for parent in (company, mine):
        refuse(
            lambda p=parent: services.objective_update(
                actor=personas.admin, objective=company, version=company.version, data=data_of(company, parent_id=p.pk)
            ),
            field="parent",
        )


def test_deleting_an_objective_refreshes_its_parent_and_is_audited(personas, fy):
    parent = make_objective(personas.skip.user, fy, department=personas.sales, key_results=[])
    done = make_objective(personas.employee.user, fy, employee=personas.employee, parent=parent, weight=50)
    other = make_objective(personas.peer.user, fy, employee=personas.peer, parent=parent, weight=50)
    services.key_result_check_in(
        actor=personas.employee.user, key_result=done.key_results.get(), value=10, confidence="on_track"
    )
    parent.refresh_from_db()
    assert parent.progress == D("0.5")
    done_pk = done.pk
    services.objective_delete(actor=personas.employee.user, objective=done, version=done.version)
    parent.refresh_from_db()
    assert parent.progress == 0 and not Objective.objects.filter(pk=done_pk).exists()
    assert Objective.objects.filter(pk=other.pk).exists()
    event = AuditEvent.objects.get(action="objective.delete", target_id=str(done_pk))
    assert event.before is not None
    assert event.before["title"] == done.title


def test_an_objective_others_align_to_cannot_be_deleted(personas, tree):
    _company, sales, _mine = tree
    before = counts()
    with pytest.raises(DomainError) as error:
        services.objective_delete(actor=personas.skip.user, objective=sales, version=sales.version)
    assert error.value.code == "has_children" and counts() == before


def test_deleting_with_a_stale_version_is_refused(personas, fy):
    objective = make_objective(personas.employee.user, fy, employee=personas.employee)
    loaded = Objective.objects.get(pk=objective.pk)
    services.objective_update(actor=personas.manager.user, objective=objective, version=1, data=data_of(objective))
    before = counts()
    with pytest.raises(StaleWrite):
        services.objective_delete(actor=personas.employee.user, objective=loaded, version=1)
    assert counts() == before


def test_a_peer_can_neither_update_nor_delete_a_colleagues_goal(personas, fy):
    objective = make_objective(personas.employee.user, fy, employee=personas.employee)
    with pytest.raises(NotFound):
        services.objective_update(actor=personas.peer.user, objective=objective, version=1, data=data_of(objective))
    with pytest.raises(NotFound):
        services.objective_delete(actor=personas.peer.user, objective=objective, version=1)


# ---- bad input: a clear error on the field, nothing written --------------------------------------


def test_start_equal_to_target_is_refused(personas, fy):
    error = refuse(
        lambda: create_for_employee(personas, fy, key_results=[KeyResultInput("Renewals", 10, start=10)]),
        field="key_results.0.target",
    )
    assert "differ" in error.fields["key_results.0.target"][0]


def test_an_increasing_target_below_its_start_is_refused(personas, fy):
    refuse(
        lambda: create_for_employee(personas, fy, key_results=[KeyResultInput("Renewals", 5, start=10)]),
        field="key_results.0.target",
    )


def test_a_decreasing_target_above_its_start_is_refused(personas, fy):
    refuse(
        lambda: create_for_employee(
            personas, fy, key_results=[KeyResultInput("Churn", 15, start=10, direction="decrease")]
        ),
        field="key_results.0.target",
    )


def test_a_stretch_that_is_not_beyond_the_target_is_refused(personas, fy):
    for stretch in (10, 8):
        refuse(
            lambda s=stretch: create_for_employee(
                personas, fy, key_results=[KeyResultInput("Renewals", 10, stretch=s)]
            ),
            field="key_results.0.stretch",
        )


def test_start_and_target_that_differ_only_past_four_decimals_are_refused(personas, fy):
    refuse(
        lambda: create_for_employee(personas, fy, key_results=[KeyResultInput("Tiny", "0.00002", start="0.00001")]),
        field="key_results.0.target",
    )


def test_weights_out_of_range_are_refused(personas, fy):
    for weight in (-1, 101, "heavy"):
        refuse(lambda w=weight: create_for_employee(personas, fy, weight=w), field="weight")
    for weight in (0, -2, 101):
        refuse(
            lambda w=weight: create_for_employee(personas, fy, key_results=[KeyResultInput("Renewals", 10, weight=w)]),
            field="key_results.0.weight",
        )


def test_a_missing_title_or_target_is_refused(personas, fy):
    refuse(lambda: create_for_employee(personas, fy, title="  "), field="title")
    refuse(
        lambda: create_for_employee(personas, fy, key_results=[KeyResultInput("Renewals", None)]),
        field="key_results.0.target",
    )
    refuse(
        lambda: create_for_employee(personas, fy, key_results=[KeyResultInput("", 10)]),
        field="key_results.0.title",
    )


def test_a_non_numeric_target_is_refused(personas, fy):
    for bad in ("ten", "NaN", "Infinity", "1e30"):
        refuse(
            lambda b=bad: create_for_employee(personas, fy, key_results=[KeyResultInput("Renewals", b)]),
            field="key_results.0.target",
        )


def test_aligning_to_a_private_objective_the_author_cannot_see_is_refused(personas, fy):
    hidden = make_objective(personas.peer.user, fy, employee=personas.peer, visibility="private")
    error = refuse(lambda: create_for_employee(personas, fy, parent_id=hidden.pk), field="parent")
    assert error.fields["parent"] == ["Choose an objective you can see."]


def test_aligning_to_a_missing_objective_gives_the_same_answer_as_a_hidden_one(personas, fy):
    error = refuse(lambda: create_for_employee(personas, fy, parent_id=999999), field="parent")
    assert error.fields["parent"] == ["Choose an objective you can see."]


def test_aligning_to_an_objective_of_a_period_that_does_not_contain_this_one_is_refused(personas, fy):
    q1 = make_period(personas.admin, "2027Q1", kind="quarter", end=dt.date(2027, 3, 31), parent=fy)
    q1_goal = make_objective(personas.admin, q1, title="Win the first quarter of the year")
    refuse(lambda: create_for_employee(personas, fy, parent_id=q1_goal.pk), field="parent")
    # The other way round is fine: a Q1 goal supports a goal of the year.
    fy_goal = make_objective(personas.admin, fy, title="Win the whole year of business")
    assert create_for_employee(personas, q1, parent_id=fy_goal.pk).parent == fy_goal


def test_a_due_date_outside_the_period_is_refused(personas, fy):
    error = refuse(lambda: create_for_employee(personas, fy, due_date=dt.date(2028, 1, 15)), field="due_date")
    assert "FY2027" in error.fields["due_date"][0]


def test_a_company_objective_cannot_be_private(personas, fy):
    refuse(
        lambda: services.objective_create(
            actor=personas.admin,
            period=fy,
            owner_type="company",
            data=ObjectiveInput("Grow revenue by a third", visibility="private", key_results=[]),
        ),
        field="visibility",
    )


def test_an_owner_that_does_not_match_the_owner_type_is_refused(personas, fy):
    for kwargs in (
        {"owner_type": "person"},
        {"owner_type": "department", "employee": personas.employee},
        {"owner_type": "team", "employee": personas.employee},
    ):
        with pytest.raises(NotFound):
            services.objective_create(
                actor=personas.admin, period=fy, data=ObjectiveInput("Something to do this year"), **kwargs
            )


def test_bad_input_on_update_changes_nothing(personas, fy):
    objective = make_objective(personas.employee.user, fy, employee=personas.employee)
    data = data_of(objective, weight=300)
    refuse(
        lambda: services.objective_update(actor=personas.employee.user, objective=objective, version=1, data=data),
        field="weight",
    )
    assert Objective.objects.get(pk=objective.pk).version == 1


# ---- the progress cap ---------------------------------------------------------------------------


def test_changing_the_cap_recomputes_cached_progress_and_attainment(personas, fy):
    parent = make_objective(personas.skip.user, fy, department=personas.sales, key_results=[])
    mine = make_objective(personas.employee.user, fy, employee=personas.employee, parent=parent)
    kr = mine.key_results.get()
    services.key_result_check_in(actor=personas.employee.user, key_result=kr, value=20, confidence="on_track")
    target = make_kpi_target(personas.manager.user, make_indicator(personas.admin), fy, employee=personas.employee)
    services_kpi.kpi_actual_record(actor=personas.employee.user, target=target, measured_on=fy.end, value=200)
    row = goal_settings()
    services.goal_settings_update(
        actor=personas.admin,
        version=row.version,
        progress_cap=D("1.5"),
        require_smart=False,
        attainment_table=[(D("1.2"), 5), (D("1.0"), 4)],
    )
    kr.refresh_from_db()
    parent.refresh_from_db()
    target.refresh_from_db()
    assert (kr.progress, parent.progress, target.attainment) == (D("1.5"), D("1.5"), D("1.5"))
    assert services.progress_recompute_all(cap=D("1.5")) == 0


def test_a_cap_below_one_is_refused(personas):
    row = goal_settings()
    with pytest.raises(DomainError) as error:
        services.goal_settings_update(
            actor=personas.admin, version=row.version, progress_cap=D("0.9"), require_smart=False, attainment_table=[]
        )
    assert error.value.code == "cap_below_one"


def test_realigning_an_objective_read_before_its_ancestor_moved_still_moves_its_subtree(personas, fy):
    a = make_objective(personas.admin, fy, title="Company objective A for the year", key_results=[])
    b = make_objective(personas.admin, fy, title="Company objective B for the year", key_results=[])
    c = make_objective(personas.admin, fy, title="Company objective C for the year", key_results=[])
    dept = make_objective(personas.skip.user, fy, department=personas.sales, parent=a, key_results=[])
    mine = make_objective(personas.employee.user, fy, employee=personas.employee, parent=dept)
    below = make_objective(personas.employee.user, fy, employee=personas.employee, parent=mine)
    read_early = Objective.objects.select_related("period").get(pk=mine.pk)
    fresh_dept = Objective.objects.get(pk=dept.pk)
    services.objective_update(
        actor=personas.admin, objective=fresh_dept, version=fresh_dept.version, data=data_of(dept, parent_id=b.pk)
    )
    services.objective_update(
        actor=personas.employee.user,
        objective=read_early,
        version=read_early.version,
        data=data_of(read_early, parent_id=c.pk),
    )
    below.refresh_from_db()
    assert below.path == f"/{c.pk}/{mine.pk}/{below.pk}/"
