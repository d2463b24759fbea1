"""Import files built in code, for tests and the benchmark: a realistic company written as XLSX or CSV.

Nothing here is used by the running product; files are generated, never committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .imports import COLUMNS

HEADER = [c.key for c in COLUMNS]
HEADER_ZH = [c.zh for c in COLUMNS]

_UNITS = (
    ("销售部", ("华东区", "华北区", "华南区", "西部区")),
    ("客户服务部", ("热线中心", "大客户服务")),
    ("生产部", ("一车间", "二车间", "质量管理")),
    ("研发部", ("平台组", "产品组", "测试组")),
    ("财务部", ("会计组", "资金组")),
    ("人力资源部", ("招聘组", "薪酬绩效组")),
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲兰飞鹏辉建国宇浩然子涵欣怡梓睿思远嘉"
_ENGLISH = "Alice Amy Andy Ben Bella Carol Chris David Eric Eva Frank Grace Helen Henry Iris Jack Jane Kevin".split()
SQUAD_SIZE = 15


def company_rows(count: int, *, root: str = "星辰科技", prefix: str = "IM", seed: int = 1) -> Iterator[list[object]]:
    """`count` people as import rows (HEADER order): a CEO, unit heads, team leads, squads of about 15.

    Managers come before their reports; hire dates are dates (date cells in XLSX). The same arguments always
    give the same rows.
    """
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    start = dt.date(2012, 1, 1)
    numbers = iter(range(1, count + 1))

    def person(department: str, manager: str, title: str, level: str) -> list[object]:
        n = next(numbers)
        english = rng.choice(_ENGLISH)
        roll = rng.random()
        status = "left" if roll < 0.02 else ("on_leave" if roll < 0.05 else "active")
        name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
        return [
            f"{prefix}{n:06d}",
            name,
            english,
            f"{english.lower()}.{n}@example.com",
            f"138{rng.randint(10000000, 99999999)}",
            title,
            level,
            department,
            manager,
            start + dt.timedelta(days=rng.randint(0, 5000)),
            status,
        ]

    if count <= 0:
        return
    ceo = person(root, "", "首席执行官", "M6")
    yield ceo
    made = 1
    teams: list[tuple[str, str]] = []  # (department path, team lead number)
    for unit, team_names in _UNITS:
        if made >= count:
            return
        head = person(f"{root}/{unit}", str(ceo[0]), "总监", "M4")
        yield head
        made += 1
        for team in team_names:
            if made >= count:
                return
            lead = person(f"{root}/{unit}/{team}", str(head[0]), "经理", "M2")
            yield lead
            made += 1
            teams.append((f"{root}/{unit}/{team}", str(lead[0])))
    members = count - made
    per_team = [members // len(teams) + (1 if i < members % len(teams) else 0) for i in range(len(teams))]
    for (path, lead_number), size in zip(teams, per_team, strict=True):
        squad_lead = lead_number
        squad_path = path
        for i in range(size):
            if i % SQUAD_SIZE == 0 and size > SQUAD_SIZE:
                squad_path = f"{path}/{i // SQUAD_SIZE + 1}组"
                lead = person(squad_path, lead_number, "组长", "M1")
                squad_lead = str(lead[0])
                yield lead
                continue
            yield person(squad_path, squad_lead, "专员", rng.choice(("P3", "P4", "P5")))


def xlsx_bytes(rows: Iterable[Sequence[object]], *, header: Sequence[str] = HEADER) -> bytes:
    """An XLSX workbook with one sheet: the header, then the rows (dates become date cells)."""
    buffer = io.BytesIO()
    write_xlsx(buffer, rows, header=header)
    return buffer.getvalue()


def write_xlsx(
    target: str | Path | io.BytesIO, rows: Iterable[Sequence[object]], *, header: Sequence[str] = HEADER
) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("employees")
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(target)


def csv_bytes(
    rows: Iterable[Sequence[object]], *, header: Sequence[str] = HEADER, encoding: str = "utf-8-sig"
) -> bytes:
    """A CSV file as Excel writes it: a BOM for UTF-8, or GB18030 when asked; dates as YYYY-MM-DD."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([v.isoformat() if isinstance(v, dt.date) else ("" if v is None else v) for v in row])
    return buffer.getvalue().encode(encoding)


def employees_xlsx(count: int, **options: object) -> bytes:
    """A company of `count` people as an XLSX file (see company_rows for the options)."""
    return xlsx_bytes(company_rows(count, **options))  # type: ignore[arg-type]


def person_row(number: str, name: str, department: str, manager: str = "", **fields: object) -> list[object]:
    """One import row in HEADER order; other columns by keyword (email=…, status=…), empty otherwise."""
    values: dict[str, object] = {
        "employee_number": number,
        "name": name,
        "department": department,
        "manager_number": manager,
        **fields,
    }
    unknown = set(values) - set(HEADER)
    if unknown:
        raise ValueError(f"not import columns: {sorted(unknown)}")
    return [values.get(key, "") for key in HEADER]


def bench_import_xlsx(*, workdir: str | Path, rows: int = 50_000, seed: int = 1) -> float:
    """Import a generated company of `rows` people as an administrator; return the seconds the import took.

    For bench/: the XLSX is generated once per size and kept in `workdir` (generating takes longer than
    importing), and only employees_import_file is timed. On an empty database the file's top department
    is created; on a seeded one the file goes under the existing top department.
    """
    import gc
    import time

    from jixiao.accounts.models import User

    from .imports import employees_import_file
    from .models import Department

    top = Department.objects.filter(parent=None).order_by("pk").first()
    root = top.name if top else "星辰科技"
    path = Path(workdir) / f"import-{rows}-{seed}-{root}.xlsx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_xlsx(path, company_rows(rows, root=root, seed=seed))
        gc.collect()
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if admin is None:
        admin = User.objects.create(username="bench-admin", is_superuser=True, is_staff=True)
    data = path.read_bytes()
    start = time.perf_counter()
    employees_import_file(actor=admin, data=data, filename=path.name)
    return round(time.perf_counter() - start, 2)
