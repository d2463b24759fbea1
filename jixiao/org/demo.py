"""A deterministic, realistic demo company (星辰科技) of any size, built set-based.

The same --employees and --seed always give the same company, so screenshots, benchmarks and
bug reports can refer to the same people.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat

from jixiao.accounts.models import User
from jixiao.audit.services import record_event

from .models import Department, Employee, HRScope, Status
from .pinyin import name_pinyin

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲兰飞鹏辉建国宇浩然子涵欣"
    "怡梓睿思远嘉懿雨泽晨阳一诺若曦俊熙佳琪文博天佑雅婷志豪晓东海燕春梅立新丹凤"
)
ENGLISH = (
    "Alice Amy Andy Angela Anna Ben Bella Bill Bob Carol Cathy Chris Cindy Daisy David Derek Diana Eason "
    "Eddie Elaine Ella Emily Eric Eva Frank Fiona Grace Hank Helen Henry Iris Ivy Jack Jacky James Jane "
    "Jason Jenny Jerry Jessica Joe Joy Judy Kelly Kevin Kitty Leo Lily Linda Lisa Louis Lucy Luna Mark "
    "Mary Max Mia Michael Mike Nancy Nick Nina Oliver Olivia Oscar Peter Rachel Ray Rose Ryan Sam Sandy "
    "Simon Sophia Steven Sunny Terry Tina Tom Tony Vicky Vincent Wendy William Winnie Yvonne Zoe"
).split()

# Business units: (zh, en, share of headcount, title family, sub-departments)
UNITS: list[tuple[str, str, float, str, list[tuple[str, str]]]] = [
    (
        "销售部",
        "Sales",
        0.28,
        "sales",
        [("华东区", "East China"), ("华北区", "North China"), ("华南区", "South China"), ("西部区", "West China")],
    ),
    ("客户服务部", "Customer Service", 0.14, "service", [("热线中心", "Hotline"), ("大客户服务", "Key Accounts")]),
    (
        "生产部",
        "Production",
        0.25,
        "production",
        [("一车间", "Workshop 1"), ("二车间", "Workshop 2"), ("质量管理", "Quality")],
    ),
    ("研发部", "R&D", 0.22, "rnd", [("平台组", "Platform"), ("产品组", "Product"), ("测试组", "QA")]),
    ("财务部", "Finance", 0.05, "finance", [("会计组", "Accounting"), ("资金组", "Treasury")]),
    ("人力资源部", "Human Resources", 0.06, "hr", [("招聘组", "Recruiting"), ("薪酬绩效组", "Comp & Performance")]),
]
TITLES = {
    "sales": ("销售代表", "高级销售代表", "区域销售经理", "销售总监"),
    "service": ("客服专员", "高级客服专员", "客服主管", "客户服务总监"),
    "production": ("操作工", "高级技工", "生产主管", "生产总监"),
    "rnd": ("软件工程师", "高级软件工程师", "研发经理", "研发总监"),
    "finance": ("会计", "高级会计", "财务经理", "财务总监"),
    "hr": ("人事专员", "HRBP", "人力资源经理", "人力资源总监"),
}
# Teams with more members than this are split into squads of about SQUAD_SIZE people.
SPLIT_ABOVE = 30
SQUAD_SIZE = 12


@dataclass
class _Person:
    dept: Department
    title: str
    level: str
    manager: _Person | None = None
    username: str = ""
    is_head_of: Department | None = None
    obj: Employee | None = None
    reports: list[_Person] = field(default_factory=list)


@dataclass
class SeedResult:
    departments: int
    employees: int
    users: int


def _split(total: int, shares: list[float]) -> list[int]:
    raw = [total * s for s in shares]
    counts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[: total - sum(counts)]:
        counts[i] += 1
    return counts


@transaction.atomic
def company_seed_demo(*, employees: int, seed: int, actor: User | None = None) -> SeedResult:
    """Build 星辰科技 with `employees` people (at least 40) and the demo logins. The org must be empty."""
    if Employee.objects.exists() or Department.objects.exists():
        raise ValueError("The organisation is not empty; seed_demo only fills an empty database.")
    rng = random.Random(seed)
    total = max(employees, 40)

    # Departments: the company, six business units, and their teams.
    root = Department.objects.create(name="星辰科技", name_en="Xingchen Technology", path="", depth=0)
    root.path = f"/{root.pk}/"
    root.save(update_fields=["path"])
    units: list[tuple[Department, str, list[Department]]] = []
    for zh, en, _share, family, subs in UNITS:
        unit = Department.objects.create(name=zh, name_en=en, parent=root, path="", depth=1)
        unit.path = f"{root.path}{unit.pk}/"
        unit.save(update_fields=["path"])
        teams = []
        for sub_zh, sub_en in subs:
            team = Department.objects.create(name=sub_zh, name_en=sub_en, parent=unit, path="", depth=2)
            team.path = f"{unit.path}{team.pk}/"
            team.save(update_fields=["path"])
            teams.append(team)
        units.append((unit, family, teams))

    # People: CEO, unit heads, team heads, group leads, members.
    ceo = _Person(root, "首席执行官", "M6", username="ceo", is_head_of=root)
    people: list[_Person] = [ceo]
    remaining = total - 1 - len(units)
    per_unit = _split(remaining, [u[2] for u in UNITS])
    for (unit, family, teams), unit_count in zip(units, per_unit, strict=True):
        titles = TITLES[family]
        head = _Person(unit, titles[3], "M4", manager=ceo, is_head_of=unit)
        people.append(head)
        for team, team_count in zip(teams, _split(unit_count, [1 / len(teams)] * len(teams)), strict=True):
            if team_count <= 0:
                continue
            lead = _Person(team, titles[2], "M2", manager=head, is_head_of=team)
            people.append(lead)
            members = team_count - 1
            # Big teams split into squads with their own sub-department and lead, as real companies do.
            groups = [lead] if members <= SPLIT_ABOVE else []
            if not groups:
                squads = max(1, members // (SQUAD_SIZE + 1))
                for n in range(1, squads + 1):
                    squad = Department.objects.create(
                        name=f"{team.name}{n}组", name_en=f"{team.name_en} {n}", parent=team, path="", depth=3
                    )
                    squad.path = f"{team.path}{squad.pk}/"
                    squad.save(update_fields=["path"])
                    group_lead = _Person(squad, titles[1], "M1", manager=lead, is_head_of=squad)
                    people.append(group_lead)
                    groups.append(group_lead)
                members -= len(groups)
            for i in range(members):
                senior = rng.random() < 0.3
                group = groups[i % len(groups)]
                person = _Person(
                    group.dept,
                    titles[1] if senior else titles[0],
                    rng.choice(("P5", "P6") if senior else ("P2", "P3", "P4")),
                    manager=group,
                )
                people.append(person)

    # The demo logins sit where the stories need them.
    sales_teams = units[0][2]
    hr_teams = units[5][2]
    east = sales_teams[0]
    # The lowest head in East China who leads individual contributors (the team head, or at scale a squad lead).
    ic_managers = {id(p.manager) for p in people if p.manager is not None and p.is_head_of is None}
    manager = next(
        p for p in people if p.is_head_of is not None and p.dept.path.startswith(east.path) and id(p) in ic_managers
    )
    manager.username = "manager"
    next(p for p in people if p.manager is manager and p.is_head_of is None).username = "employee"
    hr_person = next(p for p in people if p.dept.path.startswith(hr_teams[1].path) and p.is_head_of is None)
    hr_person.username = "hr"
    hr_person.title = "HRBP"

    # Insert level by level so each manager's id and chain are known before her reports.
    start = dt.date(2012, 1, 1)
    span = (dt.date(2026, 10, 31) - start).days
    by_depth: dict[int, list[_Person]] = {}
    depth_of: dict[int, int] = {}
    for p in people:
        d = 0 if p.manager is None else depth_of[id(p.manager)] + 1
        depth_of[id(p)] = d
        by_depth.setdefault(d, []).append(p)
    number = 10000
    used_names: set[str] = set()
    for depth in sorted(by_depth):
        level_people = by_depth[depth]
        objs = []
        for p in level_people:
            number += 1
            while True:
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
                if name not in used_names or len(used_names) > len(SURNAMES) * 40:
                    break
            used_names.add(name)
            english = rng.choice(ENGLISH)
            roll = rng.random()
            status = (
                Status.LEFT
                if roll < 0.02 and p.username == "" and p.is_head_of is None
                else (Status.ON_LEAVE if roll < 0.05 and p.username == "" and p.is_head_of is None else Status.ACTIVE)
            )
            emp = Employee(
                employee_number=f"XC{number}",
                name=name,
                name_pinyin=name_pinyin(name),
                english_name=english,
                email=f"{english.lower()}.{number}@xingchen.example",
                phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                title=p.title,
                job_level=p.level,
                department=p.dept,
                manager=p.manager.obj if p.manager else None,
                hire_date=start + dt.timedelta(days=rng.randint(0, span)),
                status=status,
                chain=p.manager.obj.chain if p.manager and p.manager.obj else "/",
            )
            p.obj = emp
            objs.append(emp)
        Employee.objects.bulk_create(objs, batch_size=1000)
        ids = [o.pk for o in objs]
        for chunk in range(0, len(ids), 900):
            Employee.objects.filter(pk__in=ids[chunk : chunk + 900]).update(
                chain=Concat(F("chain"), Cast("id", output_field=CharField()), Value("/"))
            )
        for o in objs:
            o.chain = f"{o.chain}{o.pk}/"

    heads = [Department(pk=p.is_head_of.pk, head_id=p.obj.pk) for p in people if p.is_head_of and p.obj]
    Department.objects.bulk_update(heads, ["head"])

    # Accounts: everyone gets one (demo password, one shared hash so seeding stays fast); admin has no record.
    password = make_password(settings.DEMO_PASSWORD)
    users = []
    for p in people:
        assert p.obj is not None
        users.append(
            User(
                username=p.username or p.obj.employee_number.lower(),
                password=password,
                email=p.obj.email,
                first_name=p.obj.english_name,
                is_active=p.obj.status != Status.LEFT,
                is_executive=p.username == "ceo",
            )
        )
    users.append(
        User(username="admin", password=password, email="admin@xingchen.example", is_superuser=True, is_staff=True)
    )
    User.objects.bulk_create(users, batch_size=1000)
    by_username = dict(User.objects.values_list("username", "id"))
    links = []
    for p in people:
        assert p.obj is not None
        p.obj.user_id = by_username[p.username or p.obj.employee_number.lower()]
        links.append(p.obj)
    Employee.objects.bulk_update(links, ["user"], batch_size=1000)
    HRScope.objects.create(user_id=by_username["hr"], department=root)
    # A business-unit HRBP for the R&D unit only, to show scoped HR.
    rnd_hr = next(
        p for p in people if p.dept.path.startswith(units[5][0].path) and p.is_head_of is None and p.username == ""
    )
    HRScope.objects.create(user_id=by_username[rnd_hr.obj.employee_number.lower()], department=units[3][0])  # type: ignore[union-attr]

    record_event(
        actor=actor,
        action="demo.seed",
        target=root,
        after={"employees": len(people), "seed": seed},
        scope_path=root.path,
    )
    return SeedResult(departments=Department.objects.count(), employees=len(people), users=len(users))
