"""The KPI library, KPI targets and actuals through the services."""

import datetime as dt
from decimal import Decimal

import pytest

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError, NotFound, StaleWrite
from jixiao.goals import services, services_kpi
from jixiao.goals.models import Indicator, KPIActual, KPITarget
from jixiao.goals.services_kpi import ActualRow, IndicatorInput
from jixiao.goals.testing import make_indicator, make_kpi_target, make_period

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB, MAR = dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31)


@pytest.fixture
def fy(personas):
    return make_period(personas.admin, "FY2027")


@pytest.fixture
def kpi(personas):
    return make_indicator(personas.admin, code="S01", name="新签合同额")


@pytest.fixture
def target(personas, fy, kpi):
    """王小明's 新签合同额: 0 → 100, stretch 150."""
    return make_kpi_target(personas.manager.user, kpi, fy, employee=personas.employee, target=100, stretch=150)


def counts() -> tuple[int, int, int, int]:
    return (Indicator.objects.count(), KPITarget.objects.count(), KPIActual.objects.count(), AuditEvent.objects.count())


def record(actor, target, value, on=JAN, **kwargs):
    return services_kpi.kpi_actual_record(actor=actor, target=target, measured_on=on, value=value, **kwargs)


def cached(target):
    target.refresh_from_db()
    return target.actual, target.attainment


# ---- library ---------------------------------------------------------------------------------


def indicator_input(kpi, **changes) -> IndicatorInput:
    fields = {
        "area_id": kpi.area_id,
        "code": kpi.code,
        "name": kpi.name,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "aggregation": kpi.aggregation,
    }
    fields.update(changes)
    return IndicatorInput(**fields)


def test_hr_adds_a_kpi_to_the_library_and_it_is_audited(personas, kpi):
    assert (kpi.code, kpi.name, kpi.area.name) == ("S01", "新签合同额", "销售")
    assert AuditEvent.objects.filter(action="indicator.create", target_id=str(kpi.pk)).exists()


def test_a_kpi_code_is_unique_whatever_its_case(personas, kpi):
    before = counts()
    with pytest.raises(DomainError) as error:
        services_kpi.indicator_save(actor=personas.admin, data=indicator_input(kpi, code="s01"))
    assert "code" in error.value.fields and counts() == before


def test_a_kpi_keeps_its_own_code_when_it_changes(personas, kpi):
    changed = services_kpi.indicator_save(actor=personas.admin, indicator=kpi, data=indicator_input(kpi, name="合同额"))
    assert changed.name == "合同额"


def test_a_kpi_direction_changes_freely_until_a_target_uses_it(personas, fy, kpi):
    services_kpi.indicator_save(actor=personas.admin, indicator=kpi, data=indicator_input(kpi, direction="decrease"))
    kpi.refresh_from_db()
    assert kpi.direction == "decrease"
    make_kpi_target(personas.manager.user, kpi, fy, employee=personas.employee, baseline=100, target=50)
    with pytest.raises(DomainError) as error:
        services_kpi.indicator_save(
            actor=personas.admin, indicator=kpi, data=indicator_input(kpi, direction="increase")
        )
    assert "direction" in error.value.fields
    kpi.refresh_from_db()
    assert kpi.direction == "decrease"


def test_bad_library_input_is_refused_field_by_field(personas, kpi):
    bad = {"code": "", "name": " ", "unit": "kg", "direction": "sideways", "aggregation": "median", "area_id": 0}
    with pytest.raises(DomainError) as error:
        services_kpi.indicator_save(actor=personas.admin, data=indicator_input(kpi, **bad))
    assert set(error.value.fields) == {"code", "name", "unit", "direction", "aggregation", "area"}


def test_only_hr_and_admins_keep_the_library(personas, kpi):
    for user in (personas.manager.user, personas.executive, personas.employee.user):
        with pytest.raises(DomainError) as error:
            services_kpi.indicator_save(actor=user, data=indicator_input(kpi, code="NEW"))
        assert error.value.code == "forbidden"
    assert services_kpi.indicator_save(actor=personas.other_hr, data=indicator_input(kpi, code="NEW")).pk


def test_business_area_names_are_unique(personas, kpi):
    with pytest.raises(DomainError):
        services_kpi.business_area_save(actor=personas.admin, name="销售")
    assert services_kpi.business_area_save(actor=personas.admin, name="客户服务", name_en="Customer service").pk


# ---- targets ---------------------------------------------------------------------------------


def test_her_manager_sets_a_kpi_target_and_it_is_audited(personas, target):
    assert (target.baseline, target.target, target.stretch) == (0, 100, 150)
    event = AuditEvent.objects.get(action="kpi_target.create", target_id=str(target.pk))
    assert event.scope_path == personas.east.path and event.actor == personas.manager.user


def test_the_same_kpi_twice_for_one_person_and_period_is_refused(personas, fy, kpi, target):
    before = counts()
    with pytest.raises(DomainError) as error:
        make_kpi_target(personas.skip.user, kpi, fy, employee=personas.employee)
    assert error.value.code == "duplicate" and counts() == before


def test_a_department_and_a_person_may_each_have_the_same_kpi(personas, fy, kpi, target):
    assert make_kpi_target(personas.skip.user, kpi, fy, department=personas.east).department == personas.east


def test_a_baseline_equal_to_the_target_is_refused(personas, fy, kpi):
    before = counts()
    with pytest.raises(DomainError) as error:
        make_kpi_target(personas.manager.user, kpi, fy, employee=personas.employee, baseline=50, target=50)
    assert "target" in error.value.fields and counts() == before


def test_a_target_on_the_wrong_side_of_the_baseline_is_refused(personas, fy, kpi):
    falling = make_indicator(personas.admin, direction="decrease")
    for indicator, baseline, target in ((kpi, 100, 50), (falling, 50, 100)):
        before = counts()
        with pytest.raises(DomainError) as error:
            make_kpi_target(
                personas.manager.user, indicator, fy, employee=personas.employee, baseline=baseline, target=target
            )
        assert "target" in error.value.fields and counts() == before


def test_a_stretch_short_of_the_target_or_a_weight_out_of_range_is_refused(personas, fy, kpi):
    with pytest.raises(DomainError) as error:
        make_kpi_target(personas.manager.user, kpi, fy, employee=personas.employee, stretch=90)
    assert "stretch" in error.value.fields
    with pytest.raises(DomainError) as error:
        make_kpi_target(personas.manager.user, kpi, fy, employee=personas.employee, weight=120)
    assert "weight" in error.value.fields


def test_a_target_belongs_to_exactly_one_owner(personas, fy, kpi):
    for owners in ({}, {"employee": personas.employee, "department": personas.east}):
        with pytest.raises(DomainError) as error:
            make_kpi_target(personas.admin, kpi, fy, **owners)
        assert "owner" in error.value.fields


def test_the_person_herself_and_her_peer_cannot_set_her_targets(personas, fy, kpi):
    for user in (personas.employee.user, personas.peer.user):
        with pytest.raises(NotFound):
            make_kpi_target(user, kpi, fy, employee=personas.employee)


def test_changing_a_target_recomputes_its_attainment(personas, target):
    record(personas.employee.user, target, 50)
    assert cached(target) == (D(50), D("0.5"))
    services_kpi.kpi_target_update(
        actor=personas.manager.user, target=target, version=1, baseline=0, target_value=200, stretch=None, weight=10
    )
    assert cached(target) == (D(50), D("0.25"))
    assert AuditEvent.objects.filter(action="kpi_target.update", target_id=str(target.pk)).exists()


def test_changing_a_target_with_a_stale_version_is_refused(personas, target):
    services_kpi.kpi_target_update(
        actor=personas.manager.user, target=target, version=1, baseline=0, target_value=120, stretch=None, weight=0
    )
    stale = KPITarget.objects.get(pk=target.pk)
    with pytest.raises(StaleWrite):
        services_kpi.kpi_target_update(
            actor=personas.skip.user, target=stale, version=1, baseline=0, target_value=300, stretch=None, weight=0
        )
    assert KPITarget.objects.get(pk=target.pk).target == 120


# ---- actuals ---------------------------------------------------------------------------------


def test_she_records_an_actual_and_attainment_is_cached_on_the_target(personas, target):
    result = record(personas.employee.user, target, "80", note="January")
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    actual = KPIActual.objects.get(target=target)
    assert (actual.value, actual.source, actual.recorded_by, actual.note) == (
        D(80),
        "manual",
        personas.employee.user,
        "January",
    )
    assert cached(target) == (D(80), D("0.8"))
    event = AuditEvent.objects.get(action="kpi_actual.record")
    assert event.after is not None
    assert event.target_id == str(target.pk) and event.after["created"] == 1


def test_recording_the_same_value_again_changes_nothing(personas, target):
    record(personas.employee.user, target, "80")
    before = KPIActual.objects.get(target=target).recorded_at
    result = record(personas.employee.user, target, "80.0000")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert KPIActual.objects.get(target=target).recorded_at == before
    assert not AuditEvent.objects.filter(action="kpi_actual.replace").exists()


def test_a_value_with_more_decimals_than_kept_is_unchanged_the_second_time(personas, target):
    record(personas.employee.user, target, "12.34567")
    assert KPIActual.objects.get(target=target).value == D("12.3457")
    assert record(personas.employee.user, target, "12.34567").unchanged == 1


def test_a_changed_value_replaces_the_old_one_and_the_audit_log_keeps_it(personas, target):
    record(personas.employee.user, target, "80")
    result = record(personas.manager.user, target, "95", source="api")
    assert (result.created, result.updated) == (0, 1)
    actual = KPIActual.objects.get(target=target)
    assert (actual.value, actual.source, actual.recorded_by) == (D(95), "api", personas.manager.user)
    event = AuditEvent.objects.get(action="kpi_actual.replace")
    assert event.target_id == str(target.pk)
    assert event.after is not None and event.before is not None
    assert event.before["value"] == "80.0000" and event.after["value"] == "95.0000"
    assert cached(target) == (D(95), D("0.95"))


def test_a_date_outside_the_period_is_refused(personas, target):
    before = counts()
    for day in (dt.date(2026, 12, 31), dt.date(2028, 1, 1), None):
        with pytest.raises(DomainError) as error:
            record(personas.employee.user, target, "80", on=day)
        assert "measured_on" in error.value.fields
    assert counts() == before


def test_a_non_numeric_or_missing_value_is_refused(personas, target):
    before = counts()
    for value in ("many", "", None, "1e20"):
        with pytest.raises(DomainError) as error:
            record(personas.employee.user, target, value)
        assert "value" in error.value.fields
    assert counts() == before


def test_a_peer_cannot_record_her_actuals(personas, target):
    with pytest.raises(NotFound):
        record(personas.peer.user, target, "80")
    assert not KPIActual.objects.exists()


@pytest.mark.parametrize(
    ("aggregation", "actual", "attainment"),
    [("latest", D(30), D("0.3")), ("sum", D(120), D("1.04")), ("average", D(40), D("0.4"))],
)
def test_actuals_add_up_as_the_kpi_says(personas, fy, aggregation, actual, attainment):
    kpi = make_indicator(personas.admin, aggregation=aggregation)
    target = make_kpi_target(personas.manager.user, kpi, fy, employee=personas.employee, target=100, stretch=200)
    # Entered out of date order: "latest" means the latest date, not the latest entry.
    for on, value in ((MAR, 30), (JAN, 50), (FEB, 40)):
        record(personas.employee.user, target, value, on=on)
    assert cached(target) == (actual, attainment)


def test_attainment_of_a_decreasing_kpi_mirrors_an_increasing_one(personas, fy):
    kpi = make_indicator(personas.admin, direction="decrease")
    target = make_kpi_target(personas.manager.user, kpi, fy, employee=personas.employee, baseline=20, target=10)
    record(personas.employee.user, target, 15)
    assert cached(target) == (D(15), D("0.5"))
    record(personas.employee.user, target, 0, on=FEB)
    assert cached(target) == (D(0), D("1.2"))


def test_changing_how_a_kpi_adds_up_recomputes_its_targets(personas, fy, kpi, target):
    record(personas.employee.user, target, 30)
    record(personas.employee.user, target, 40, on=FEB)
    assert cached(target) == (D(40), D("0.4"))
    services_kpi.indicator_save(actor=personas.admin, indicator=kpi, data=indicator_input(kpi, aggregation="sum"))
    assert cached(target) == (D(70), D("0.7"))


def test_a_batch_records_many_values_and_the_last_one_for_a_date_wins(personas, fy, kpi, target):
    other = make_kpi_target(personas.manager.user, kpi, fy, employee=personas.peer, target=10)
    rows = [ActualRow(target.pk, JAN, D(10)), ActualRow(other.pk, JAN, D(5)), ActualRow(target.pk, JAN, D(20))]
    result = services_kpi.kpi_actuals_record(actor=personas.admin, rows=rows, source="import", label="jan.csv")
    assert (result.created, result.updated, result.unchanged, result.total) == (2, 0, 0, 2)
    assert cached(target) == (D(20), D("0.2")) and cached(other) == (D(5), D("0.5"))
    again = services_kpi.kpi_actuals_record(actor=personas.admin, rows=rows, source="import", label="jan.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_refreshing_targets_recomputes_only_what_changed(personas, target):
    record(personas.employee.user, target, 50)
    assert services_kpi.kpi_targets_refresh([target.pk]) == 0
    KPITarget.objects.filter(pk=target.pk).update(actual=None, attainment=None)
    assert services_kpi.kpi_targets_refresh([target.pk, target.pk]) == 1
    assert cached(target) == (D(50), D("0.5"))
    assert services_kpi.kpi_targets_refresh([]) == 0


def test_a_target_without_actuals_has_no_actual_and_no_attainment(personas, target):
    assert services_kpi.kpi_targets_refresh([target.pk]) == 0
    assert cached(target) == (None, None)


def test_a_kpi_retired_from_the_library_is_handed_out_no_more(personas, fy, kpi, target):
    services_kpi.indicator_save(actor=personas.admin, indicator=kpi, data=indicator_input(kpi, active=False))
    before = counts()
    with pytest.raises(DomainError) as error:
        make_kpi_target(personas.manager.user, kpi, fy, employee=personas.peer)
    assert "indicator" in error.value.fields
    with pytest.raises(DomainError):
        services_kpi.kpi_targets_bulk_assign(
            actor=personas.admin, indicator=kpi, period=fy, filters=services.PeopleFilter(), target=100
        )
    assert counts()[1:3] == before[1:3]
    # Her existing target lives on: actuals are still recorded on it.
    assert record(personas.employee.user, target, 10).created == 1
