"""Goals and KPI benchmarks, run by bench/run.py inside `manage.py shell` on a seeded bench database.

Each function prints `key=value` lines that run.py turns into figures. The files and the timed work run
in separate processes, so the peak memory of an import is the import's, not the file generator's.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import resource
import time
from pathlib import Path
from typing import Any


def _period() -> Any:  # a Period
    from jixiao.goals.models import Period

    return Period.objects.filter(kind="year", objectives__isnull=False).distinct().order_by("start").first()


def _admin() -> Any:  # a User
    from jixiao.accounts.models import User

    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tree_facts() -> None:
    """The period the tree shows and how many objectives it holds."""
    from jixiao.goals.models import Objective

    period = _period()
    print(f"period={period.pk}")
    print(f"objectives={Objective.objects.filter(period=period).count()}")


HEADER = ["employee_number", "kpi_code", "date", "value", "note"]


def write_actuals(workdir: str, rows: int) -> None:
    """An XLSX and a CSV of `rows` weekly actuals for the seeded people's KPI targets of the seeded year."""
    from openpyxl import Workbook

    from jixiao.goals.models import KPITarget

    period = _period()
    targets = list(
        KPITarget.objects.filter(period=period, employee__isnull=False)
        .order_by("pk")
        .values_list("employee__employee_number", "indicator__code", "baseline", "target")
    )
    weeks = [period.start + dt.timedelta(days=7 * w + 3) for w in range(52)]
    weeks = [day for day in weeks if day <= period.end]
    # Weekly values (the seed's month ends stay as they are): new rows, as a weekly upload would bring.
    lines = []
    for i in range(rows):
        number, code, baseline, target = targets[i // len(weeks) % len(targets)]
        day = weeks[i % len(weeks)]
        value = float(baseline) + (float(target) - float(baseline)) * (0.5 + (i % 7) / 14)
        lines.append((number, code, day, round(value, 2), ""))
    out = Path(workdir)
    out.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("actuals")
    sheet.append(HEADER)
    for line in lines:
        sheet.append(list(line))
    workbook.save(out / f"actuals-{rows}.xlsx")
    with (out / f"actuals-{rows}.csv").open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number, code, day, value, note in lines:
            writer.writerow([number, code, day.isoformat(), value, note])
    print(f"targets={len({(n, c) for n, c, *_ in lines})}")


def shift_actuals(source: str, target: str) -> None:
    """Copy a CSV of actuals with every value raised by 1: a re-upload that corrects a whole year."""
    with Path(source).open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    with Path(target).open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(rows[0])
        for number, code, day, value, note in rows[1:]:
            writer.writerow([number, code, day, round(float(value) + 1, 2), note])


def import_actuals(path: str) -> None:
    """Time one import of a file of actuals (reading, checking, recording) as an administrator."""
    from jixiao.goals.imports_kpi import actuals_import_file

    period = _period()
    data = Path(path).read_bytes()
    gc.collect()
    start = time.perf_counter()
    result = actuals_import_file(actor=_admin(), data=data, period=period, filename=Path(path).name)
    seconds = time.perf_counter() - start
    print(f"seconds={seconds:.3f}")
    print(f"created={result.created}")
    print(f"updated={result.updated}")
    print(f"peak_mb={_peak_mb():.1f}")


def bulk_assign(people: int) -> None:
    """Time assigning a goal template (two key results) to the first `people` employees by number."""
    from jixiao.goals import services
    from jixiao.goals.models import GoalTemplate, Objective
    from jixiao.org.models import Department, Employee, Status

    period = _period()
    admin = _admin()
    template = services.goal_template_save(
        actor=admin,
        title="2026年信息安全与合规目标",
        description="每位员工完成信息安全培训并通过考核。",
        weight=10,
        key_results=[
            services.KeyResultInput(title="完成信息安全培训", target=1, unit="milestone"),
            services.KeyResultInput(title="钓鱼邮件演练识别率（%）", start=60, target=95, unit="percent"),
        ],
    )
    # A department holding exactly `people` current employees, as a bulk assignment would target one.
    root = Department.objects.get(parent=None)
    team = Department.objects.create(name="批量分配基准", parent=root, path="", depth=1)
    team.path = f"{root.path}{team.pk}/"
    team.save(update_fields=["path"])
    chosen = list(Employee.objects.exclude(status=Status.LEFT).order_by("pk").values_list("pk", flat=True)[:people])
    Employee.objects.filter(pk__in=chosen).update(department=team)
    before = Objective.objects.count()
    gc.collect()
    start = time.perf_counter()
    assignment = services.goals_bulk_assign(
        actor=admin, template=template, period=period, filters=services.PeopleFilter(department_id=team.pk)
    )
    seconds = time.perf_counter() - start
    assert Objective.objects.count() - before == assignment.created
    assert GoalTemplate.objects.filter(pk=template.pk).exists()
    print(f"seconds={seconds:.3f}")
    print(f"matched={assignment.matched}")
    print(f"created={assignment.created}")
