"""The demo company's goals and KPIs: safe to run twice, deterministic, consistent with the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from jixiao.goals import services, services_kpi
from jixiao.goals.demo import goals_seed_demo
from jixiao.goals.models import (
    BusinessArea,
    CheckIn,
    CompanyValue,
    GoalPlan,
    Indicator,
    KeyResult,
    KPIActual,
    KPITarget,
    Objective,
    Period,
    Strategy,
)
from jixiao.org.demo import company_seed_demo
from jixiao.org.models import Employee

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def seeded() -> None:
    company_seed_demo(employees=80, seed=1)
    assert goals_seed_demo(seed=1, today=TODAY) is not None


def fingerprint() -> tuple:
    """Everything that matters about the seeded goals, without the ids (which move on after a delete)."""
    objectives = Objective.objects.order_by("pk").values_list("title", "owner_type", "weight", "progress", "path")
    return (
        [(*row[:4], row[4].count("/")) for row in objectives],
        list(KeyResult.objects.order_by("pk").values_list("title", "target", "current", "progress")),
        list(GoalPlan.objects.order_by("employee_id").values_list("employee_id", "state")),
        list(KPITarget.objects.order_by("pk").values_list("indicator__code", "employee_id", "target", "attainment")),
        list(KPIActual.objects.order_by("target_id", "measured_on").values_list("measured_on", "value")),
    )


def test_seeding_twice_changes_nothing(seeded):
    before = fingerprint()
    assert goals_seed_demo(seed=1, today=TODAY) is None
    assert fingerprint() == before


def test_the_seed_command_fills_goals_once_and_keeps_them_with_if_empty(settings):
    settings.JIXIAO_DEMO_MODE = True
    out = StringIO()
    call_command("seed_demo", "--employees", "80", "--seed", "2", stdout=out)
    assert "objectives" in out.getvalue()
    counts = (Objective.objects.count(), KPIActual.objects.count(), CheckIn.objects.count())
    assert all(counts)
    call_command("seed_demo", "--employees", "80", "--seed", "2", "--if-empty", stdout=StringIO())
    assert (Objective.objects.count(), KPIActual.objects.count(), CheckIn.objects.count()) == counts


def test_the_same_seed_and_day_give_the_same_goals(seeded):
    before = fingerprint()
    for model in (KPIActual, KPITarget, GoalPlan, CheckIn, KeyResult):
        model.objects.all().delete()
    Objective.objects.update(parent=None)
    Objective.objects.all().delete()
    Indicator.objects.all().delete()
    BusinessArea.objects.all().delete()
    Period.objects.update(parent=None)
    Period.objects.all().delete()
    assert goals_seed_demo(seed=1, today=TODAY) is not None
    assert fingerprint() == before


def test_strategy_values_and_periods_around_today(seeded):
    strategy = Strategy.objects.get(pk=1)
    assert strategy.vision and strategy.vision_en and strategy.mission and strategy.mission_en
    assert CompanyValue.objects.count() == 5
    current = Period.objects.filter(start__lte=TODAY, end__gte=TODAY)
    assert {p.kind for p in current} == {"year", "half", "quarter", "month"}
    year = current.get(kind="year")
    assert year.name_en == "FY2026"
    assert Period.objects.filter(name_en="FY2027", kind="year").exists()
    quarter = current.get(kind="quarter")
    assert quarter.parent is not None and quarter.parent.parent == year
    assert Period.objects.filter(kind="month").count() == 24


def test_the_kpi_library_covers_every_business_area(seeded):
    areas = dict(BusinessArea.objects.values_list("name", "name_en"))
    assert set(areas) == {"销售", "客户服务", "生产", "研发", "财务", "人力资源"}
    for area in BusinessArea.objects.all():
        indicators = list(area.indicators.all())
        assert 4 <= len(indicators) <= 6
        assert all(i.name and i.name_en and i.definition and i.data_source for i in indicators)


def test_the_demo_employee_has_objectives_aligned_to_her_departments(seeded):
    employee = Employee.objects.get(user__username="employee")
    objectives = list(Objective.objects.filter(employee=employee).select_related("parent"))
    assert len(objectives) == 3
    assert sum(o.weight for o in objectives) == Decimal(100)
    first = objectives[0]
    assert first.parent is not None and first.parent.department_id == employee.department_id
    assert first.path == f"{first.parent.path}{first.pk}/"
    assert KeyResult.objects.filter(objective__employee=employee).exists()
    assert CheckIn.objects.filter(key_result__objective__employee=employee).exists()
    assert GoalPlan.objects.get(employee=employee).state == GoalPlan.State.DRAFT
    assert KPITarget.objects.filter(employee=employee, actual__isnull=False).count() >= 3


def test_the_demo_manager_has_goals_and_a_team_with_goals_to_approve(seeded):
    manager = Employee.objects.get(user__username="manager")
    assert GoalPlan.objects.get(employee=manager).state == GoalPlan.State.APPROVED
    waiting = GoalPlan.objects.filter(employee__manager=manager, state=GoalPlan.State.SUBMITTED)
    assert waiting.count() >= 3
    hr = Employee.objects.get(user__username="hr")
    assert Objective.objects.filter(employee=hr).count() == 3


def test_departments_align_to_the_company_and_every_unit_has_objectives(seeded):
    company = set(Objective.objects.filter(owner_type="company").values_list("pk", flat=True))
    assert len(company) == 5
    units = Objective.objects.filter(owner_type="department", department__depth=1)
    assert units.values("department").distinct().count() == 6
    assert all(o.parent_id in company for o in units)
    assert Objective.objects.filter(owner_type="person").count() > 60
    states = set(GoalPlan.objects.values_list("state", flat=True))
    assert states == {"draft", "submitted", "approved", "returned"}


def test_cached_progress_and_attainment_agree_with_the_services(seeded):
    progress = dict(Objective.objects.values_list("pk", "progress"))
    services.refresh_progress(list(progress))
    assert dict(Objective.objects.values_list("pk", "progress")) == progress
    attainment = dict(KPITarget.objects.values_list("pk", "attainment"))
    assert services_kpi.kpi_targets_refresh(list(attainment)) == 0
    assert any(p > 0 for p in progress.values())


def test_actuals_are_monthly_up_to_today_and_targets_match_their_department(seeded):
    months = sorted(set(KPIActual.objects.values_list("measured_on", flat=True)))
    assert len(months) == 11 and months[-1] == TODAY and months[0] == dt.date(2026, 1, 31)
    sales = KPITarget.objects.filter(employee__department__path__startswith=_unit_path("销售部"))
    assert sales.exists()
    assert set(sales.values_list("indicator__area__name", flat=True)) == {"销售"}
    assert KPITarget.objects.filter(department__name="销售部").count() == 5


def test_new_objectives_after_the_seed_get_fresh_ids(seeded, personas_free_admin):
    year = Period.objects.get(name_en="FY2026")
    row = services.objective_create(
        actor=personas_free_admin,
        period=year,
        owner_type="company",
        data=services.ObjectiveInput(title="新的公司目标新的公司目标", key_results=[services.KeyResultInput("KR", 10)]),
    )
    assert row.pk > max(Objective.objects.exclude(pk=row.pk).values_list("pk", flat=True))


@pytest.fixture
def personas_free_admin():
    from jixiao.accounts.models import User

    return User.objects.get(username="admin")


def _unit_path(name: str) -> str:
    from jixiao.org.models import Department

    return Department.objects.get(name=name, depth=1).path
