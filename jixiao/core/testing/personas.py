"""Shared people for tests in every app: an employee, her manager, a peer, a skip-level manager,
HR of her unit, HR of another unit, an outsider, an executive and an admin.

    总部 (root, head: ceo)
    ├── 销售部 sales (head: skip)          ← scoped_hr's subtree
    │   └── 华东区 east (head: manager)
    │         manager → employee, peer
    └── 研发部 rnd (head: rnd_head)         ← other_hr's subtree
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from jixiao.accounts.models import User
from jixiao.org.models import Department, Employee, HRScope, Status
from jixiao.org.pinyin import name_pinyin

PASSWORD = "correct-horse-battery"  # noqa: S105 - test-only
_numbers = itertools.count(1)


def make_user(username: str, **extra: object) -> User:
    user = User(username=username, email=f"{username}@example.com", **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_department(name: str, parent: Department | None = None, *, name_en: str = "") -> Department:
    dept = Department.objects.create(
        name=name, name_en=name_en, parent=parent, path="", depth=parent.depth + 1 if parent else 0
    )
    dept.path = (parent.path if parent else "/") + f"{dept.pk}/"
    dept.save(update_fields=["path"])
    return dept


def make_employee(
    name: str,
    department: Department,
    *,
    manager: Employee | None = None,
    user: User | None = None,
    status: str = Status.ACTIVE,
    number: str | None = None,
    **extra: object,
) -> Employee:
    emp = Employee.objects.create(
        employee_number=number or f"T{next(_numbers):05d}",
        name=name,
        name_pinyin=name_pinyin(name),
        department=department,
        manager=manager,
        user=user,
        status=status,
        hire_date=dt.date(2020, 3, 1),
        job_level="P5",
        phone="13800000000",
        **extra,
    )
    emp.chain = (manager.chain if manager else "/") + f"{emp.pk}/"
    emp.save(update_fields=["chain"])
    return emp


@dataclass
class Personas:
    root: Department
    sales: Department
    east: Department
    rnd: Department
    ceo: Employee
    skip: Employee
    manager: Employee
    employee: Employee
    peer: Employee
    rnd_head: Employee
    scoped_hr: User
    other_hr: User
    outsider: User
    executive: User
    admin: User


def build_personas() -> Personas:
    root = make_department("总部", name_en="Head office")
    sales = make_department("销售部", root, name_en="Sales")
    east = make_department("华东区", sales, name_en="East China")
    rnd = make_department("研发部", root, name_en="R&D")
    ceo = make_employee("高总", root, user=make_user("p_ceo"))
    skip = make_employee("孙部长", sales, manager=ceo, user=make_user("p_skip"))
    manager = make_employee("李经理", east, manager=skip, user=make_user("p_manager"))
    employee = make_employee("王小明", east, manager=manager, user=make_user("p_employee"), english_name="Ming")
    peer = make_employee("赵同事", east, manager=manager, user=make_user("p_peer"))
    rnd_head = make_employee("钱研发", rnd, manager=ceo, user=make_user("p_rnd"))
    sales.head, east.head, rnd.head, root.head = skip, manager, rnd_head, ceo
    for d in (sales, east, rnd, root):
        d.save(update_fields=["head"])
    scoped_hr = make_user("p_scoped_hr")
    make_employee("周HR", sales, manager=skip, user=scoped_hr)
    HRScope.objects.create(user=scoped_hr, department=sales)
    other_hr = make_user("p_other_hr")
    make_employee("吴HR", rnd, manager=rnd_head, user=other_hr)
    HRScope.objects.create(user=other_hr, department=rnd)
    return Personas(
        root=root,
        sales=sales,
        east=east,
        rnd=rnd,
        ceo=ceo,
        skip=skip,
        manager=manager,
        employee=employee,
        peer=peer,
        rnd_head=rnd_head,
        scoped_hr=scoped_hr,
        other_hr=other_hr,
        outsider=make_user("p_outsider"),
        executive=make_user("p_exec", is_executive=True),
        admin=make_user("p_admin", is_superuser=True, is_staff=True),
    )
