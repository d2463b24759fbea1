"""What a good import writes: people and departments upserted by number, reporting lines, audit, leavers."""

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore

from jixiao.accounts.models import UserSession
from jixiao.audit.models import AuditEvent
from jixiao.core.testing.personas import make_user
from jixiao.org.imports import ImportRejected, employees_import_file
from jixiao.org.models import Department, Employee, Status
from jixiao.org.testing_import import HEADER_ZH, company_rows, csv_bytes, person_row, xlsx_bytes

pytestmark = pytest.mark.django_db

EAST = "总部/销售部/华东区"


def run(actor, rows, **options):
    return employees_import_file(actor=actor, data=xlsx_bytes(rows, **options), filename="people.xlsx")


def run_columns(actor, *people: dict):
    """Import a file with only the columns the given people name (the first one's keys, in order)."""
    header = list(people[0])
    return run(actor, [[p.get(h, "") for h in header] for p in people], header=header)


def me(person, **changes) -> dict:
    """A row for someone already there, with her current number, name, department path and manager."""
    path = {"华东区": EAST, "销售部": "总部/销售部", "研发部": "总部/研发部", "总部": "总部"}[person.department.name]
    row = {
        "employee_number": person.employee_number,
        "name": person.name,
        "department": path,
        "manager_number": person.manager.employee_number if person.manager else "",
    }
    return {**row, **changes}


def chain_of(employee: Employee) -> str:
    """The reporting line as the services build it: the manager's chain plus her own id."""
    return (chain_of(employee.manager) if employee.manager else "/") + f"{employee.pk}/"


def assert_chains_are_consistent() -> None:
    for employee in Employee.objects.select_related("manager"):
        assert employee.chain == chain_of(employee), employee.employee_number


def test_new_people_are_created_with_their_departments_and_managers(personas):
    rows = [
        person_row("N001", "新经理", "总部/销售部/华南区", personas.skip.employee_number, title="区域经理"),
        person_row("N002", "新员工", "总部/销售部/华南区/深圳组", "N001", hire_date=dt.date(2024, 3, 1)),
        person_row("N003", "另一位", "总部/销售部/华南区/深圳组", "N002", email="x@example.com", status="在职"),
    ]
    result = run(personas.scoped_hr, rows)
    assert (result.created, result.updated, result.unchanged, result.departments_created) == (3, 0, 0, 2)
    south = Department.objects.get(name="华南区")
    shenzhen = Department.objects.get(name="深圳组", parent=south)
    assert (south.parent, south.path, south.depth) == (personas.sales, f"{personas.sales.path}{south.pk}/", 2)
    assert shenzhen.path == f"{south.path}{shenzhen.pk}/"
    n1, n2, n3 = (Employee.objects.get(employee_number=n) for n in ("N001", "N002", "N003"))
    assert (n1.manager, n2.manager, n3.manager) == (personas.skip, n1, n2)
    assert (n1.department, n2.department) == (south, shenzhen)
    assert (n1.title, n2.hire_date, n3.email, n3.status) == ("区域经理", dt.date(2024, 3, 1), "x@example.com", "active")
    assert n3.chain == f"{personas.skip.chain}{n1.pk}/{n2.pk}/{n3.pk}/"
    assert_chains_are_consistent()


def test_a_manager_may_come_after_her_reports_in_the_file(personas):
    rows = [person_row("N002", "员工", EAST, "N001"), person_row("N001", "经理", EAST, "")]
    run(personas.admin, rows)
    assert Employee.objects.get(employee_number="N002").manager == Employee.objects.get(employee_number="N001")
    assert_chains_are_consistent()


def test_importing_the_same_file_twice_changes_nothing_the_second_time(personas):
    data = xlsx_bytes(company_rows(60, root="总部", prefix="C"))
    first = employees_import_file(actor=personas.admin, data=data, filename="company.xlsx")
    assert (first.created, first.updated) == (60, 0)
    employees = list(Employee.objects.values_list("employee_number", "version", "updated_at", "chain"))
    departments = Department.objects.count()
    events = AuditEvent.objects.count()
    second = employees_import_file(actor=personas.admin, data=data, filename="company.xlsx")
    assert (second.created, second.updated, second.unchanged, second.departments_created) == (0, 0, 60, 0)
    assert list(Employee.objects.values_list("employee_number", "version", "updated_at", "chain")) == employees
    assert Department.objects.count() == departments
    # Only the summary of the second run: no event for anyone unchanged.
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.latest("id").action == "org.import"


def test_a_changed_row_updates_that_person_only_and_bumps_her_version(personas):
    employee = personas.employee
    result = run_columns(
        personas.scoped_hr, me(employee, title="高级专员"), me(personas.peer, title=personas.peer.title)
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    employee.refresh_from_db()
    assert (employee.title, employee.version) == ("高级专员", 2)
    # Columns the file leaves out keep their values.
    assert (employee.job_level, employee.phone, employee.english_name) == ("P5", "13800000000", "Ming")


def test_columns_left_out_keep_values_and_empty_cells_clear_them(personas):
    employee = personas.employee
    run_columns(personas.admin, me(employee, phone=""))
    employee.refresh_from_db()
    assert employee.phone == ""
    assert employee.job_level == "P5"


def test_moving_a_manager_moves_the_reporting_lines_of_everyone_below_her(personas):
    # 李经理 moves from under 孙部长 to directly under the CEO; her reports are not in the file.
    manager = personas.manager
    result = run_columns(personas.admin, me(manager, manager_number=personas.ceo.employee_number))
    assert result.updated == 1
    manager.refresh_from_db()
    assert manager.chain == f"{personas.ceo.chain}{manager.pk}/"
    personas.employee.refresh_from_db()
    assert personas.employee.chain == f"{manager.chain}{personas.employee.pk}/"
    assert_chains_are_consistent()


def test_a_newcomer_can_become_the_manager_of_someone_already_there(personas):
    newcomer = {"employee_number": "N100", "name": "新主管", "department": EAST}
    run_columns(
        personas.admin,
        me(personas.peer, manager_number="N100"),
        {**newcomer, "manager_number": personas.manager.employee_number},
    )
    personas.peer.refresh_from_db()
    assert personas.peer.manager.employee_number == "N100"
    assert_chains_are_consistent()


def test_every_created_and_changed_person_gets_an_audit_event_and_the_import_a_summary(personas):
    employee = personas.employee
    newcomer_row = {"employee_number": "N001", "name": "新人", "department": "总部/销售部/新区"}
    run_columns(personas.scoped_hr, me(employee, title="组长"), newcomer_row)
    created = AuditEvent.objects.get(action="employee.create")
    newcomer = Employee.objects.get(employee_number="N001")
    assert (created.actor, created.target_type, created.target_id) == (
        personas.scoped_hr,
        "org.employee",
        str(newcomer.pk),
    )
    assert (created.after or {})["name"] == "新人"
    assert created.scope_path == newcomer.department.path
    updated = AuditEvent.objects.get(action="employee.update")
    assert ((updated.before or {})["title"], (updated.after or {})["title"]) == ("", "组长")
    assert AuditEvent.objects.filter(action="department.create").count() == 1
    summary = AuditEvent.objects.get(action="org.import")
    assert summary.after == {
        "filename": "people.xlsx",
        "rows": 2,
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "departments_created": 1,
    }
    # Scoped HR can read the summary: it sits inside her subtree.
    assert AuditEvent.objects.visible_to(personas.scoped_hr).filter(pk=summary.pk).exists()


def test_a_person_marked_left_loses_her_account_and_her_sessions(personas):
    employee = personas.employee
    session = SessionStore()
    session.create()
    key = str(session.session_key)
    UserSession.objects.create(user=employee.user, session_key=key)
    run_columns(personas.scoped_hr, me(employee, status="离职"))
    employee.refresh_from_db()
    employee.user.refresh_from_db()
    assert employee.status == Status.LEFT
    assert not employee.user.is_active
    assert not SessionStore().exists(key)
    assert AuditEvent.objects.filter(action="user.deactivate", target_id=str(employee.user.pk)).exists()


def test_an_admin_can_build_a_company_from_an_empty_database(db):
    admin = make_user("root_admin", is_superuser=True)
    rows = [person_row("A1", "总经理", "新公司"), person_row("A2", "经理", "新公司/销售部", "A1")]
    result = run(admin, rows)
    assert (result.created, result.departments_created) == (2, 2)
    root = Department.objects.get(parent=None)
    assert (root.name, root.path, root.depth) == ("新公司", f"/{root.pk}/", 0)
    assert_chains_are_consistent()


def test_on_an_empty_database_all_paths_must_share_one_top_department(db):
    admin = make_user("root_admin", is_superuser=True)
    with pytest.raises(ImportRejected) as caught:
        run(admin, [person_row("A1", "甲", "公司甲"), person_row("A2", "乙", "公司乙")])
    assert [e["code"] for e in caught.value.report.as_json()["errors"]] == ["wrong_root"]
    assert not Department.objects.exists()


def test_chinese_headers_csv_in_gb18030_and_excel_style_dates_are_understood(personas):
    rows = [person_row("N001", "新同事", "总部／销售部／华东区", "", hire_date="2023/7/1", status="休假")]
    result = employees_import_file(
        actor=personas.admin, data=csv_bytes(rows, header=HEADER_ZH, encoding="gb18030"), filename="人员.csv"
    )
    assert result.created == 1
    person = Employee.objects.get(employee_number="N001")
    assert (person.department, person.hire_date, person.status) == (personas.east, dt.date(2023, 7, 1), "on_leave")


def test_a_utf8_csv_without_bom_and_with_english_headers_is_understood(personas):
    data = csv_bytes([person_row("N001", "新同事", EAST, "")], encoding="utf-8")
    assert employees_import_file(actor=personas.admin, data=data, filename="p.csv").created == 1


def test_unknown_columns_are_ignored_and_named_in_the_result(personas):
    result = run(
        personas.admin, [["N001", "新同事", EAST, "110101199001011234"]], header=["工号", "姓名", "部门", "身份证号"]
    )
    assert result.created == 1
    assert result.report["notices"] == [{"code": "unknown_columns", "params": {"columns": "身份证号"}}]


def test_departments_can_be_named_by_their_english_names(personas):
    run(personas.admin, [person_row("N001", "新同事", "Head office/Sales/East China")])
    assert Employee.objects.get(employee_number="N001").department == personas.east


def test_a_company_file_lands_with_consistent_reporting_lines(personas):
    result = run(personas.admin, list(company_rows(120, root="总部", prefix="C")))
    assert result.created == 120
    assert_chains_are_consistent()
