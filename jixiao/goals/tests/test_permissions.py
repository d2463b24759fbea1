"""Who reads and changes goals and KPIs: one test per rule of goals/permissions.py and goals/selectors.py."""

import pytest
from django.http import Http404

from jixiao.audit.models import AuditEvent
from jixiao.core.testing.personas import make_user
from jixiao.goals import permissions
from jixiao.goals.models import GoalPlan, KPITarget, Objective
from jixiao.goals.testing import make_indicator, make_kpi_target, make_objective, make_period
from jixiao.org.models import HRScope

pytestmark = pytest.mark.django_db


@pytest.fixture
def fy(personas):
    return make_period(personas.admin, "FY2027")


@pytest.fixture
def private(personas, fy):
    """王小明's private objective."""
    return make_objective(personas.employee.user, fy, employee=personas.employee, visibility="private")


@pytest.fixture
def company_hr(personas):
    user = make_user("p_company_hr")
    HRScope.objects.create(user=user, department=personas.root)
    return user


def can_read(user, objective) -> bool:
    return Objective.objects.visible_to(user).filter(pk=objective.pk).exists()


def can_load(user, objective, *, write=False) -> bool:
    try:
        permissions.objective_for_user(user, objective.pk, write=write)
    except Http404:
        return False
    return True


# ---- reading objectives ------------------------------------------------------------------------


def test_everyone_in_the_company_reads_a_public_objective(personas, fy):
    public = make_objective(personas.employee.user, fy, employee=personas.employee)
    for user in (
        personas.peer.user,
        personas.rnd_head.user,
        personas.other_hr,
        personas.scoped_hr,
        personas.executive,
        personas.admin,
    ):
        assert can_read(user, public), user


def test_the_person_reads_her_own_private_objective(personas, private):
    assert can_load(personas.employee.user, private)


def test_a_peer_cannot_read_a_private_objective(personas, private):
    assert not can_read(personas.peer.user, private)
    assert not can_load(personas.peer.user, private)


def test_a_report_cannot_read_her_managers_private_objective(personas, fy):
    managers = make_objective(personas.manager.user, fy, employee=personas.manager, visibility="private")
    assert not can_read(personas.employee.user, managers)


def test_her_manager_and_skip_level_read_and_edit_her_private_objective(personas, private):
    for user in (personas.manager.user, personas.skip.user, personas.ceo.user):
        assert can_load(user, private, write=True), user


def test_hr_in_scope_reads_and_edits_a_private_objective_and_other_hr_does_not(personas, private):
    assert can_load(personas.scoped_hr, private, write=True)
    assert not can_read(personas.other_hr, private)


def test_an_outsider_sees_no_objective_at_all(personas, fy, private):
    public = make_objective(personas.admin, fy, title="Grow revenue by a third this year")
    assert not Objective.objects.visible_to(personas.outsider).exists()
    assert not can_load(personas.outsider, public)


def test_an_executive_reads_every_objective_and_edits_none(personas, fy, private):
    company = make_objective(personas.admin, fy, title="Grow revenue by a third this year")
    assert can_load(personas.executive, private)
    assert Objective.objects.visible_to(personas.executive).count() == Objective.objects.count()
    assert not can_load(personas.executive, private, write=True)
    assert not can_load(personas.executive, company, write=True)


def test_an_admin_reads_and_edits_everything(personas, private):
    assert can_load(personas.admin, private, write=True)


def test_a_departments_private_objective_is_read_by_its_members_and_its_heads_chain(personas, fy):
    east = make_objective(personas.manager.user, fy, department=personas.east, visibility="private")
    for user in (personas.employee.user, personas.peer.user, personas.manager.user, personas.skip.user):
        assert can_read(user, east), user
    assert can_read(personas.ceo.user, east) and can_read(personas.scoped_hr, east)
    for user in (personas.rnd_head.user, personas.other_hr, personas.outsider):
        assert not can_read(user, east), user


def test_a_parent_departments_private_objective_is_read_by_people_in_its_subtree(personas, fy):
    sales = make_objective(personas.skip.user, fy, department=personas.sales, visibility="private")
    assert can_read(personas.employee.user, sales)
    assert not can_read(personas.rnd_head.user, sales)


def test_a_private_objective_of_a_sub_department_is_not_read_by_members_of_its_parent(personas, fy):
    east = make_objective(personas.manager.user, fy, department=personas.east, visibility="private")
    hr_desk = personas.scoped_hr.employee  # 周HR sits in 销售部 itself, not in 华东区
    assert hr_desk.department == personas.sales
    other = make_user("p_sales_clerk")
    from jixiao.core.testing.personas import make_employee

    make_employee("钱文员", personas.sales, manager=personas.skip, user=other)
    assert not can_read(other, east)


# ---- changing objectives -----------------------------------------------------------------------


def test_a_peer_cannot_update_anyones_goal(personas, fy, private):
    public = make_objective(personas.employee.user, fy, employee=personas.employee)
    managers = make_objective(personas.manager.user, fy, employee=personas.manager)
    for objective in (private, public, managers):
        assert not can_load(personas.peer.user, objective, write=True)
    assert not permissions.can_edit_objective(personas.peer.user, public)


def test_the_person_edits_her_own_goal(personas, private):
    assert can_load(personas.employee.user, private, write=True)


def test_company_objectives_are_changed_by_admins_and_company_wide_hr_only(personas, fy, company_hr):
    company = make_objective(personas.admin, fy, title="Grow revenue by a third this year")
    assert can_load(company_hr, company, write=True)
    assert can_load(personas.admin, company, write=True)
    for user in (personas.scoped_hr, personas.ceo.user, personas.skip.user, personas.employee.user):
        assert not can_load(user, company, write=True), user


def test_department_objectives_are_changed_by_the_head_her_chain_and_hr_in_scope(personas, fy):
    east = make_objective(personas.manager.user, fy, department=personas.east)
    for user in (personas.manager.user, personas.skip.user, personas.ceo.user, personas.scoped_hr, personas.admin):
        assert can_load(user, east, write=True), user
    for user in (personas.employee.user, personas.peer.user, personas.other_hr, personas.rnd_head.user):
        assert not can_load(user, east, write=True), user


def test_only_admins_and_company_wide_hr_manage_company_settings(personas, company_hr):
    assert permissions.can_manage_company(personas.admin)
    assert permissions.can_manage_company(company_hr)
    for user in (personas.scoped_hr, personas.executive, personas.ceo.user):
        assert not permissions.can_manage_company(user)


def test_any_hr_and_admins_keep_the_kpi_library(personas):
    assert permissions.can_manage_library(personas.scoped_hr)
    assert permissions.can_manage_library(personas.other_hr)
    assert permissions.can_manage_library(personas.admin)
    assert not permissions.can_manage_library(personas.manager.user)
    assert not permissions.can_manage_library(personas.executive)


def test_hr_admins_and_managers_assign_in_bulk_and_others_do_not(personas):
    for user in (personas.scoped_hr, personas.admin, personas.manager.user, personas.skip.user):
        assert permissions.can_assign_in_bulk(user), user
    for user in (personas.employee.user, personas.executive, personas.outsider):
        assert not permissions.can_assign_in_bulk(user), user


def test_a_manager_whose_reports_all_left_no_longer_assigns_in_bulk(personas):
    from jixiao.org.models import Employee, Status

    Employee.objects.filter(manager=personas.manager).update(status=Status.LEFT)
    assert not permissions.can_assign_in_bulk(personas.manager.user)


# ---- the gate: refused loads ---------------------------------------------------------------------


def test_a_refused_load_writes_an_access_denied_event_and_raises_404(personas, private):
    with pytest.raises(Http404):
        permissions.objective_for_user(personas.peer.user, private.pk)
    event = AuditEvent.objects.get(action="access.denied", actor=personas.peer.user)
    assert (event.target_type, event.target_id, event.after) == ("goals.objective", str(private.pk), {"write": False})


def test_a_refused_write_is_recorded_as_a_write(personas, fy):
    public = make_objective(personas.employee.user, fy, employee=personas.employee)
    with pytest.raises(Http404):
        permissions.objective_for_user(personas.peer.user, public.pk, write=True)
    assert AuditEvent.objects.get(action="access.denied").after == {"write": True}


def test_a_missing_or_malformed_id_looks_like_a_forbidden_one(personas):
    for bad in (999999, "abc", None):
        with pytest.raises(Http404):
            permissions.objective_for_user(personas.employee.user, bad)
    assert AuditEvent.objects.filter(action="access.denied").count() == 3


# ---- goal plans ------------------------------------------------------------------------------


def test_her_plan_is_read_by_her_her_chain_and_hr_in_scope(personas, fy):
    for user in (personas.employee.user, personas.manager.user, personas.skip.user, personas.scoped_hr):
        assert permissions.plan_for_user(user, personas.employee.pk, fy.pk).employee == personas.employee
    for user in (personas.peer.user, personas.other_hr, personas.outsider):
        with pytest.raises(Http404):
            permissions.plan_for_user(user, personas.employee.pk, fy.pk)


def test_only_her_chain_hr_in_scope_and_admins_load_her_plan_to_approve_it(personas, fy):
    for user in (personas.manager.user, personas.skip.user, personas.scoped_hr, personas.admin):
        assert permissions.plan_for_user(user, personas.employee.pk, fy.pk, approve=True)
    for user in (personas.employee.user, personas.peer.user, personas.other_hr, personas.executive):
        with pytest.raises(Http404):
            permissions.plan_for_user(user, personas.employee.pk, fy.pk, approve=True)


def test_a_plan_of_a_missing_period_is_a_404(personas):
    with pytest.raises(Http404):
        permissions.plan_for_user(personas.employee.user, personas.employee.pk, 999999)
    assert not GoalPlan.objects.exists()


def test_a_refused_plan_load_creates_no_plan(personas, fy):
    with pytest.raises(Http404):
        permissions.plan_for_user(personas.peer.user, personas.employee.pk, fy.pk)
    assert not GoalPlan.objects.exists()


# ---- KPI targets -----------------------------------------------------------------------------


@pytest.fixture
def kpi(personas):
    return make_indicator(personas.admin)


@pytest.fixture
def her_target(personas, fy, kpi):
    return make_kpi_target(personas.manager.user, kpi, fy, employee=personas.employee)


def can_read_target(user, target) -> bool:
    return KPITarget.objects.visible_to(user).filter(pk=target.pk).exists()


def can_load_target(user, target, **kwargs) -> bool:
    try:
        permissions.kpi_target_for_user(user, target.pk, **kwargs)
    except Http404:
        return False
    return True


def test_her_kpi_targets_are_read_by_her_her_chain_and_hr_in_scope(personas, her_target):
    for user in (personas.employee.user, personas.manager.user, personas.skip.user, personas.scoped_hr):
        assert can_read_target(user, her_target), user
        assert can_load_target(user, her_target), user


def test_a_peer_cannot_read_her_kpi_targets(personas, her_target):
    assert not can_read_target(personas.peer.user, her_target)
    assert not can_load_target(personas.peer.user, her_target)
    assert AuditEvent.objects.filter(action="access.denied", target_type="goals.kpitarget").exists()


def test_kpi_targets_have_no_public_form(personas, her_target):
    for user in (personas.rnd_head.user, personas.other_hr, personas.outsider):
        assert not can_read_target(user, her_target), user


def test_executives_and_admins_read_every_kpi_target_and_executives_change_none(personas, her_target):
    assert can_read_target(personas.executive, her_target) and can_read_target(personas.admin, her_target)
    assert not can_load_target(personas.executive, her_target, write=True)
    assert not can_load_target(personas.executive, her_target, record=True)


def test_a_departments_kpi_targets_are_read_by_members_the_heads_chain_and_hr_in_scope(personas, fy, kpi):
    target = make_kpi_target(personas.skip.user, kpi, fy, department=personas.east)
    for user in (personas.employee.user, personas.manager.user, personas.skip.user, personas.scoped_hr):
        assert can_read_target(user, target), user
    for user in (personas.rnd_head.user, personas.other_hr):
        assert not can_read_target(user, target), user


def test_her_management_and_hr_set_her_kpi_targets_and_she_does_not(personas, her_target):
    for user in (personas.manager.user, personas.skip.user, personas.scoped_hr, personas.admin):
        assert can_load_target(user, her_target, write=True), user
    assert not can_load_target(personas.employee.user, her_target, write=True)


def test_the_person_herself_records_actuals_of_her_kpis_and_a_peer_does_not(personas, her_target):
    assert can_load_target(personas.employee.user, her_target, record=True)
    assert can_load_target(personas.manager.user, her_target, record=True)
    assert not can_load_target(personas.peer.user, her_target, record=True)
    assert permissions.can_record_actual(personas.employee.user, her_target)
    assert not permissions.can_record_actual(personas.peer.user, her_target)


def test_a_department_head_sets_her_departments_kpi_targets_and_a_member_does_not(personas, fy, kpi):
    target = make_kpi_target(personas.skip.user, kpi, fy, department=personas.east)
    assert can_load_target(personas.manager.user, target, write=True)
    assert not can_load_target(personas.employee.user, target, write=True)
    assert not can_load_target(personas.employee.user, target, record=True)
