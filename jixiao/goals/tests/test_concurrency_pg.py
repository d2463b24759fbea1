"""Writes that race on PostgreSQL: a stale save is refused, never merged; concurrent writers never corrupt caches.

SQLite serialises writers on the whole database, so these races only exist (and only run) on PostgreSQL.
"""

from decimal import Decimal
from functools import partial

import pytest
from django.db import connection

from jixiao.accounts.models import User
from jixiao.core.errors import StaleWrite
from jixiao.core.testing.threads import race
from jixiao.goals import services, services_kpi
from jixiao.goals.models import KeyResult, KPIActual, KPITarget, Objective
from jixiao.goals.services import KeyResultInput, ObjectiveInput
from jixiao.goals.testing import make_indicator, make_kpi_target, make_objective, make_period

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and races need PostgreSQL"),
    # serialized_rollback: the flush after a transactional test would drop the default rating scale a
    # migration creates, and later tests rely on it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_people_saving_the_same_objective_version_one_wins_and_the_other_is_refused(personas):
    fy = make_period(personas.admin, "FY2027")
    objective = make_objective(personas.employee.user, fy, employee=personas.employee)
    kr = objective.key_results.get()

    def save(username: str, title: str) -> Objective:
        actor = User.objects.get(username=username)
        loaded = Objective.objects.select_related("period", "employee__department").get(pk=objective.pk)
        data = ObjectiveInput(title=title, key_results=[KeyResultInput(kr.title, kr.target, start=kr.start, id=kr.pk)])
        return services.objective_update(actor=actor, objective=loaded, version=1, data=data)

    results = race(
        lambda: save("p_employee", "Her version of the objective"),
        lambda: save("p_manager", "His version of the objective"),
    )
    winners = [r for r in results if isinstance(r, Objective)]
    losers = [r for r in results if isinstance(r, StaleWrite)]
    assert len(winners) == 1 and len(losers) == 1, results
    saved = Objective.objects.get(pk=objective.pk)
    assert saved.version == 2 and saved.title == winners[0].title


def test_concurrent_check_ins_on_sibling_goals_leave_the_parent_progress_right(personas):
    fy = make_period(personas.admin, "FY2027")
    parent = make_objective(personas.manager.user, fy, department=personas.east, key_results=[])
    goals = [
        make_objective(user, fy, employee=person, parent=parent, weight=50)
        for user, person in ((personas.employee.user, personas.employee), (personas.peer.user, personas.peer))
    ]
    krs = [KeyResult.objects.get(objective=goal) for goal in goals]

    def check_in(username: str, kr_pk: int, value: int) -> object:
        actor = User.objects.get(username=username)
        kr = KeyResult.objects.select_related("objective__employee__department").get(pk=kr_pk)
        return services.key_result_check_in(actor=actor, key_result=kr, value=value, confidence="on_track")

    for value in (4, 7, 10):
        results = race(partial(check_in, "p_employee", krs[0].pk, value), partial(check_in, "p_peer", krs[1].pk, value))
        assert not any(isinstance(r, Exception) for r in results), results
    parent.refresh_from_db()
    assert parent.progress == Decimal(1)


def test_two_batches_recording_the_same_day_both_succeed_and_one_value_stays(personas):
    fy = make_period(personas.admin, "FY2027")
    target = make_kpi_target(personas.manager.user, make_indicator(personas.admin), fy, employee=personas.employee)

    def record(username: str, value: int) -> object:
        actor = User.objects.get(username=username)
        loaded = KPITarget.objects.select_related("period", "employee").get(pk=target.pk)
        return services_kpi.kpi_actual_record(actor=actor, target=loaded, measured_on=fy.end, value=value, source="api")

    results = race(lambda: record("p_employee", 40), lambda: record("p_manager", 60))
    assert not any(isinstance(r, Exception) for r in results), results
    value = KPIActual.objects.get(target=target).value
    assert value in (Decimal(40), Decimal(60))
    target.refresh_from_db()
    assert target.actual == value


def test_the_same_bulk_assignment_run_twice_at_once_gives_everyone_one_objective(personas):
    fy = make_period(personas.admin, "FY2027")
    template = services.goal_template_save(
        actor=personas.admin, title="Keep customers happy all year", key_results=[KeyResultInput("CSAT", 90, start=80)]
    )
    indicator = make_indicator(personas.admin)

    def assign_goals(username: str) -> object:
        actor = User.objects.get(username=username)
        return services.goals_bulk_assign(
            actor=actor, template=template, period=fy, filters=services.PeopleFilter(department_id=personas.sales.pk)
        )

    def assign_kpis(username: str) -> object:
        actor = User.objects.get(username=username)
        return services_kpi.kpi_targets_bulk_assign(
            actor=actor, indicator=indicator, period=fy, filters=services.PeopleFilter(), target=100
        )

    results = race(lambda: assign_goals("p_admin"), lambda: assign_goals("p_scoped_hr"))
    results += race(lambda: assign_kpis("p_admin"), lambda: assign_kpis("p_scoped_hr"))
    assert not any(isinstance(r, Exception) for r in results), results
    objectives = Objective.objects.filter(template=template)
    assert objectives.count() == 5 == len(set(objectives.values_list("employee_id", flat=True)))
    assert KeyResult.objects.filter(objective__template=template).count() == 5
    assert all(o.path == f"/{o.pk}/" for o in objectives)
    assert sum(r.created for r in results[:2]) == 5  # type: ignore[attr-defined]
    assert KPITarget.objects.count() == sum(r.created for r in results[2:])  # type: ignore[attr-defined]
