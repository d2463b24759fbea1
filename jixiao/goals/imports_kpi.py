"""Importing KPI actuals from CSV and XLSX files: read, check every row, then record them all at once.

All or nothing: a file with any bad row records nothing and yields a per-row report (the row as the
spreadsheet numbers it, the column as the file names it, the reason). Recording the same file twice
changes nothing (services_kpi.kpi_actuals_record keys actuals by target and date).

The shape of the work, for a 100,000-row file (≤ 5 s and ≤ 200 MB on SQLite, see bench/):
1. read the file into plain lists with the people import's reader (jixiao.org.imports.read_table), in
   this file's format (English or Chinese headers);
2. check each row's own cells (a date cache, Decimal values) into one tuple per row;
3. resolve the whole file with a handful of queries: the KPI codes, the people by employee number (in
   chunks), the department tree once, the period's targets of those KPIs; check each row against them
   in memory, rights included (the same rules as permissions.can_record_actual);
4. hand every row to services_kpi.kpi_actuals_record in one call (one transaction, bulk writes).
Never a query or a model instance per row on the way.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files import File
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jixiao.org import imports as org_imports
from jixiao.org.imports import (
    Column,
    ImportRejected,
    JobProgress,
    Progress,
    Report,
    Table,
    TableFormat,
    estimate_rows,
    megabytes,
    read_table,
)
from jixiao.org.models import Department, Employee, ImportJob
from jixiao.org.selectors import actor_context, forget_actor_context

from . import services_kpi
from .models import Indicator, KPITarget, Period

logger = logging.getLogger(__name__)

# ---- the documented format ---------------------------------------------------------------------

COLUMNS: tuple[Column, ...] = (
    Column(
        "employee_number",
        _("Employee number"),
        "工号",
        False,
        "XC10002",
        _("Whose KPI it is. Leave empty for a department's KPI and fill in the department instead."),
        ("employee_no", "employee_id", "number", "员工编号", "员工工号"),
        32,
    ),
    Column(
        "department",
        _("Department"),
        "部门",
        False,
        "星辰科技/销售部/华东区",
        _(
            "For a department's KPI: its path from the top department, separated by /. Ignored when the row has an "
            "employee number."
        ),
        ("department_path", "部门路径"),
    ),
    Column(
        "kpi_code",
        _("KPI code"),
        "指标编码",
        True,
        "SALES-01",
        _("The code of the KPI in the KPI library."),
        ("code", "kpi", "indicator", "indicator_code", "指标代码", "指标", "编码"),
        32,
    ),
    Column(
        "date",
        _("Date"),
        "日期",
        True,
        "2027-03-31",
        _("The day the value was measured, inside the period: YYYY-MM-DD (also YYYY/MM/DD, or a date cell)."),
        ("measured_on", "measure_date", "统计日期", "测量日期"),
    ),
    Column(
        "value",
        _("Actual"),
        "实际值",
        True,
        "1250000",
        _("A number (a decimal point, no units). The same date again replaces the value."),
        ("actual", "实际", "数值", "值"),
    ),
    Column(
        "note", _("Note"), "备注", False, "月度结账数", _("Optional; at most 500 characters."), ("comment", "说明"), 500
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
FORMAT = TableFormat.build({c.key: (c.zh, *c.aliases) for c in COLUMNS}, required=("kpi_code", "date", "value"))
MAX_VALUE = Decimal("1e15")
QUANTUM = Decimal("0.0001")
CHUNK = 2000
PROGRESS_EVERY = 10_000

# Codes of the reasons a row (or the file) is refused; stored with parameters and translated when shown,
# so a report written by the background worker reads in the language of whoever opens it.
MESSAGES: dict[str, Promise] = {
    "no_rows": _("The file has a header row but no actuals."),
    "missing_owner_column": _("The file needs an employee number column (工号) or a department column (部门)."),
    "no_owner": _("Give the employee number, or the department for a department's KPI."),
    "unknown_kpi": _("No KPI in the library has the code “%(value)s”."),
    "unknown_employee": _("No employee has the number %(value)s."),
    "unknown_department": _("No department has the path “%(value)s”."),
    "no_target": _("%(owner)s has no target for KPI %(kpi)s in %(period)s."),
    "not_allowed": _("You may not record actuals for %(owner)s."),
    "bad_value": _("“%(value)s” is not a number."),
    "value_too_large": _("“%(value)s” is too large."),
    "bad_date": _("“%(value)s” is not a date; write it as YYYY-MM-DD."),
    "outside_period": _("%(value)s is outside %(period)s (%(start)s – %(end)s)."),
    "duplicate_row": _("This KPI already has a value for %(date)s in row %(first_row)s of the file."),
    "period_missing": _("The period chosen for this import no longer exists."),
}


def column_label(key: str) -> str:
    return org_imports.column_label(key, COLUMN_BY_KEY)


def describe(entry: dict[str, Any]) -> str:
    """The reason of one report entry in the active language (file-level reasons come from the people import)."""
    code = entry.get("code", "")
    template = MESSAGES.get(code)
    if template is None:
        if code == "missing_column":
            return str(org_imports.MESSAGES["missing_column"]) % {"column": column_label(entry["params"]["column"])}
        return org_imports.describe(entry)
    params = dict(entry.get("params") or {})
    # Periods are named in both languages; the report keeps both and shows the reader's.
    if params.get("period_en") and (get_language() or "").startswith("en"):
        params["period"] = params["period_en"]
    return org_imports.fill_message(template, params)


def report_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's entries ready for a table: row, column as the file names it, reason in the active language."""
    return org_imports.report_rows(report, reason=describe, label=column_label)


def template_xlsx(*, chinese_headers: bool = False, example: Sequence[object] | None = None) -> bytes:
    """An import file with the documented headers and one example row, and a sheet that explains each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "actuals"
    sheet.append([c.zh if chinese_headers else c.key for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(list(example) if example is not None else [c.example for c in COLUMNS])
    for letter, width in zip("ABCDEF", (14, 28, 14, 14, 14, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    return org_imports.with_help_sheet(workbook, COLUMNS, meaning_width=80)


# ---- checking and recording -----------------------------------------------------------------------


@dataclass
class ActualsImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    report: dict[str, Any] = field(default_factory=dict)


def _split_path(text: str) -> tuple[str, ...] | None:
    parts = tuple(p.strip() for p in org_imports.DEPARTMENT_SEPARATORS.split(text.strip().strip("/／")))
    if not parts or any(not p for p in parts):
        return None
    return parts


class _Dates:
    """Cell → date with a cache: a file of 100,000 rows usually holds a few dozen distinct dates."""

    def __init__(self) -> None:
        self.cache: dict[object, dt.date | bool | None] = {}

    def __call__(self, value: object) -> dt.date | bool | None:
        found = self.cache.get(value)
        if found is None and value not in self.cache:
            found = self.cache[value] = org_imports._parse_date(value)  # type: ignore[arg-type]
        return found


def _parse_value(text: object) -> Decimal | str:
    """The cell as a Decimal with at most 4 places, or the code of what is wrong with it.

    Thousands separators and spaces are allowed ("1,250,000"); units and percent signs are not.
    """
    try:
        value = Decimal(text)  # type: ignore[arg-type]
    except (InvalidOperation, ValueError, TypeError):
        raw = str(text).replace(",", "").replace("，", "").replace(" ", "").replace("\u00a0", "")
        try:
            value = Decimal(raw)
        except (InvalidOperation, ValueError):
            return "bad_value"
    if not value.is_finite():
        return "bad_value"
    if abs(value) >= MAX_VALUE:
        return "value_too_large"
    return value.quantize(QUANTUM)


class _Rights:
    """Whom the uploader may record actuals for: the rules of permissions.can_record_actual, in memory.

    Her own KPIs; a person she manages (any level) or who is in her HR scope; a department in her HR scope
    or headed by her or someone below her. Admins record for everyone.
    """

    def __init__(self, actor: Any):
        self.ctx = actor_context(actor)

    def person(self, employee_id: int, chain: str, department_path: str) -> bool:
        ctx = self.ctx
        return employee_id == ctx.employee_id or ctx.in_hr_scope(department_path) or ctx.manages(chain)

    def department(self, path: str, head_chain: str | None) -> bool:
        ctx = self.ctx
        if ctx.in_hr_scope(path):
            return True
        return bool(ctx.employee_chain) and bool(head_chain) and head_chain.startswith(ctx.employee_chain)  # type: ignore[union-attr]


class _DepartmentTree:
    """Department paths ("总部/销售部/华东区", Chinese or English names) → (id, path, head's chain): one query."""

    def __init__(self) -> None:
        self.children: dict[int | None, dict[str, int]] = {}
        self.info: dict[int, tuple[str, str | None]] = {}
        for pk, name, name_en, parent_id, path, head_chain in Department.objects.values_list(
            "id", "name", "name_en", "parent_id", "path", "head__chain"
        ):
            kids = self.children.setdefault(parent_id, {})
            kids[name] = pk
            if name_en:
                kids.setdefault(name_en.casefold(), pk)
            self.info[pk] = (path, head_chain)

    def resolve(self, parts: tuple[str, ...]) -> int | None:
        current: int | None = None
        for part in parts:
            kids = self.children.get(current, {})
            found = kids.get(part)
            if found is None:
                found = kids.get(part.casefold())
            if found is None:
                return None
            current = found
        return current


def actuals_import(
    *, actor: Any, table: Table, period: Period, filename: str = "", progress: Progress | None = None
) -> ActualsImportResult:
    """Record the actuals of a file for one period: all rows or none.

    Raises ImportRejected with the per-row report when anything is wrong; nothing is written then.
    The table's rows are consumed: they are let go once checked, to keep the peak memory of a large
    file down.
    """
    report = Report()
    headers = table.headers
    index = {key: i for i, key in enumerate(table.columns)}
    i_number = index.get("employee_number")
    i_dept = index.get("department")
    if i_number is None and i_dept is None:
        report.add(None, "employee_number", "missing_owner_column")
        raise ImportRejected(report)
    i_code, i_date, i_value = index["kpi_code"], index["date"], index["value"]
    i_note = index.get("note")
    h_number = headers.get("employee_number", "")
    h_dept = headers.get("department", "")
    h_code, h_date, h_value = headers["kpi_code"], headers["date"], headers["value"]
    h_note = headers.get("note", "")
    total = len(table.rows)
    start, end = period.start, period.end
    period_label = period.name
    dates = _Dates()

    # 1. Each row's own cells → (line, number, department path, CODE, date, value, note) tuples.
    parsed: list[tuple[int, str, tuple[str, ...] | None, str, dt.date | None, Decimal | None, str]] = []
    numbers: set[str] = set()
    codes: set[str] = set()
    paths: set[tuple[str, ...]] = set()
    add = report.add
    # Popped from the end of a reversed list, so each row's cells are freed as soon as they are checked.
    pending = table.rows
    table.rows = []
    pending.reverse()
    done = 0
    while pending:
        line, cells = pending.pop()
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total, "checking")
        number = str(cells[i_number] or "") if i_number is not None else ""
        path: tuple[str, ...] | None = None
        if number:
            if len(number) > 32:
                add(line, "employee_number", "unknown_employee", h_number, value=number)
                number = ""
            else:
                numbers.add(number)
        else:
            dept_text = str(cells[i_dept] or "") if i_dept is not None else ""
            if not dept_text:
                add(line, "employee_number" if i_number is not None else "department", "no_owner", h_number or h_dept)
            else:
                path = _split_path(dept_text)
                if path is None:
                    add(line, "department", "unknown_department", h_dept, value=dept_text)
                else:
                    paths.add(path)
        code = str(cells[i_code] or "").upper()
        if not code:
            add(line, "kpi_code", "required", h_code)
        else:
            codes.add(code)
        raw_date = cells[i_date]
        day = dates(raw_date)
        if day is None:
            add(line, "date", "required", h_date)
        elif day is False:
            add(line, "date", "bad_date", h_date, value=raw_date)
            day = None
        elif not start <= day <= end:  # type: ignore[operator]
            add(
                line,
                "date",
                "outside_period",
                h_date,
                value=day,
                period=period_label,
                period_en=period.name_en,
                start=start,
                end=end,
            )
            day = None
        raw_value = cells[i_value]
        value: Decimal | str | None = _parse_value(raw_value) if raw_value not in ("", None) else None
        if value is None:
            add(line, "value", "required", h_value)
        elif type(value) is str:
            add(line, "value", value, h_value, value=raw_value)
            value = None
        note = ""
        if i_note is not None:
            note_cell = cells[i_note]
            note = note_cell.isoformat() if isinstance(note_cell, dt.date) else (note_cell or "")
            if len(note) > 500:
                add(line, "note", "too_long", h_note, limit=500)
        parsed.append((line, number, path, code, day, value, note))  # type: ignore[arg-type]
    if progress is not None:
        progress(total, total, "writing")

    # No transaction of our own around this: the reads only decide whether to write, and the write is one
    # atomic service call (a target deleted meanwhile fails it as a whole). Wrapping it would turn the
    # service's transaction into a savepoint, under which SQLite replaces 100,000 values ten times slower.
    result = _resolve_and_record(
        actor=actor,
        period=period,
        parsed=parsed,
        numbers=numbers,
        codes=codes,
        paths=paths,
        report=report,
        headers=headers,
        filename=filename,
    )
    if table.unknown_headers:
        result.report.setdefault("notices", []).append(
            {"code": "unknown_columns", "params": {"columns": ", ".join(table.unknown_headers)}}
        )
    forget_actor_context(actor)
    return result


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _resolve_and_record(
    *,
    actor: Any,
    period: Period,
    parsed: list[tuple[int, str, tuple[str, ...] | None, str, dt.date | None, Decimal | None, str]],
    numbers: set[str],
    codes: set[str],
    paths: set[tuple[str, ...]],
    report: Report,
    headers: dict[str, str],
    filename: str,
) -> ActualsImportResult:
    h_number = headers.get("employee_number", "")
    h_dept = headers.get("department", "")
    h_code, h_date = headers["kpi_code"], headers["date"]
    add = report.add
    # 2. The whole file's KPIs, people, departments and targets: a few queries.
    indicator_of: dict[str, int] = {}
    if codes:
        for pk, code in Indicator.objects.values_list("id", "code"):
            if code.upper() in codes:
                indicator_of[code.upper()] = pk
    people: dict[str, tuple[int, str, str, str]] = {}  # number → (id, chain, department path, name)
    for chunk in _chunks(sorted(numbers), CHUNK):
        for pk, number, chain, dept_path, name in Employee.objects.filter(employee_number__in=chunk).values_list(
            "id", "employee_number", "chain", "department__path", "name"
        ):
            people[number] = (pk, chain, dept_path, name)
    tree = _DepartmentTree() if paths else None
    department_of: dict[tuple[str, ...], int | None] = {p: tree.resolve(p) for p in paths} if tree else {}
    person_target: dict[tuple[int, int], int] = {}
    dept_target: dict[tuple[int, int], int] = {}
    if indicator_of:
        for pk, kpi_id, employee_id, department_id in KPITarget.objects.filter(
            period=period, indicator_id__in=list(indicator_of.values())
        ).values_list("id", "indicator_id", "employee_id", "department_id"):
            if employee_id is not None:
                person_target[(kpi_id, employee_id)] = pk
            else:
                dept_target[(kpi_id, department_id)] = pk

    # 3. Each row against them, in memory.
    rights = _Rights(actor)
    allowed_person: dict[int, bool] = {}
    allowed_dept: dict[int, bool] = {}
    scope_paths: dict[int, str] = {}
    first_row: dict[tuple[int, dt.date], int] = {}
    rows: list[services_kpi.ActualRow] = []
    ActualRow = services_kpi.ActualRow
    target_id: int | None
    for line, number, path, code, day, value, note in parsed:
        indicator_id = indicator_of.get(code) if code else None
        if code and indicator_id is None:
            add(line, "kpi_code", "unknown_kpi", h_code, value=code)
        target_id = None
        if number:
            person = people.get(number)
            if person is None:
                add(line, "employee_number", "unknown_employee", h_number, value=number)
                continue
            emp_id, chain, dept_path, name = person
            allowed = allowed_person.get(emp_id)
            if allowed is None:
                allowed = allowed_person[emp_id] = rights.person(emp_id, chain, dept_path)
            if not allowed:
                add(line, "employee_number", "not_allowed", h_number, owner=f"{name} ({number})")
                continue
            if indicator_id is None:
                continue
            target_id = person_target.get((indicator_id, emp_id))
            if target_id is None:
                add(
                    line,
                    "kpi_code",
                    "no_target",
                    h_code,
                    owner=f"{name} ({number})",
                    kpi=code,
                    period=period.name,
                    period_en=period.name_en,
                )
                continue
            scope_paths[target_id] = dept_path
        elif path is not None:
            assert tree is not None
            dept_id = department_of.get(path)
            text = "/".join(path)
            if dept_id is None:
                add(line, "department", "unknown_department", h_dept, value=text)
                continue
            dept_path, head_chain = tree.info[dept_id]
            allowed = allowed_dept.get(dept_id)
            if allowed is None:
                allowed = allowed_dept[dept_id] = rights.department(dept_path, head_chain)
            if not allowed:
                add(line, "department", "not_allowed", h_dept, owner=text)
                continue
            if indicator_id is None:
                continue
            target_id = dept_target.get((indicator_id, dept_id))
            if target_id is None:
                add(
                    line,
                    "kpi_code",
                    "no_target",
                    h_code,
                    owner=text,
                    kpi=code,
                    period=period.name,
                    period_en=period.name_en,
                )
                continue
            scope_paths[target_id] = dept_path
        if target_id is None or day is None or value is None:
            continue
        key = (target_id, day)
        first = first_row.get(key)
        if first is not None:
            add(line, "date", "duplicate_row", h_date, date=day, first_row=first)
            continue
        first_row[key] = line
        if not report.total:
            rows.append(ActualRow(target_id, day, value, note))
    if report.total:
        raise ImportRejected(report)
    row_count = len(parsed)
    parsed.clear()  # the checked rows live on as `rows`; the cells are no longer needed
    del first_row

    # 4. Everything at once.
    recorded = services_kpi.kpi_actuals_record(
        actor=actor, rows=rows, source="import", label=filename[:255], scope_paths=scope_paths
    )
    return ActualsImportResult(
        rows=row_count,
        created=recorded.created,
        updated=recorded.updated,
        unchanged=recorded.unchanged,
        report=report.as_json(),
    )


def actuals_import_file(
    *, actor: Any, data: bytes, period: Period, filename: str = "", progress: Progress | None = None
) -> ActualsImportResult:
    """Read a CSV or XLSX file and record its actuals for the period (see actuals_import)."""
    if progress is not None:
        progress(0, 0, "reading")
    table = read_table(data, filename=filename, fmt=FORMAT)
    return actuals_import(actor=actor, table=table, period=period, filename=filename, progress=progress)


# ---- jobs: the page uploads a file, the job runs it now or in the background --------------------------


def actuals_job_create(*, actor: Any, file: File, period: Period, filename: str = "") -> ImportJob:
    """Keep an uploaded file as an actuals import job and run it: at once when small, in the background if large."""
    name = (filename or getattr(file, "name", "") or "")[:255]
    size = int(file.size or 0)
    params = {"period_id": period.pk}
    if size > settings.JIXIAO_IMPORT_MAX_BYTES:
        report = Report()
        report.add(None, "", "too_large", size=megabytes(size), limit=megabytes(settings.JIXIAO_IMPORT_MAX_BYTES))
        return ImportJob.objects.create(
            owner=actor,
            kind=ImportJob.Kind.KPI_ACTUALS,
            filename=name,
            size=size,
            status=ImportJob.State.FAILED,
            report={**report.as_json(), **params},
            finished_at=timezone.now(),
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    estimate = estimate_rows(data)
    job = ImportJob.objects.create(
        owner=actor,
        kind=ImportJob.Kind.KPI_ACTUALS,
        filename=name,
        size=len(data),
        content=data,
        progress_total=estimate,
        report=params,
    )
    if estimate > settings.JIXIAO_IMPORT_BACKGROUND_ROWS:
        from .tasks import run_actuals_import_job

        run_actuals_import_job.enqueue(job.pk)
    else:
        actuals_job_run(job=job)
    return ImportJob.objects.defer("content").get(pk=job.pk)


def actuals_job_run(*, job: ImportJob) -> None:
    """Run a queued KPI actuals import job, keeping its progress, counts and report up to date for the page."""
    jobs = ImportJob.objects.filter(pk=job.pk)
    params = {"period_id": (job.report or {}).get("period_id")}
    jobs.update(status=ImportJob.State.RUNNING, stage="reading", started_at=timezone.now())
    period = Period.objects.filter(pk=params["period_id"]).first() if params["period_id"] else None
    try:
        if period is None:
            report = Report()
            report.add(None, "", "period_missing")
            raise ImportRejected(report)
        result = actuals_import_file(
            actor=job.owner, data=bytes(job.content), period=period, filename=job.filename, progress=JobProgress(job)
        )
    except ImportRejected as exc:
        jobs.update(
            status=ImportJob.State.FAILED,
            report={**exc.report.as_json(), **params},
            content=b"",
            stage="",
            finished_at=timezone.now(),
        )
    except Exception:
        logger.exception("KPI actuals import job %s failed", job.pk)
        report = Report()
        report.add(None, "", "unexpected")
        jobs.update(
            status=ImportJob.State.FAILED,
            report={**report.as_json(), **params},
            content=b"",
            stage="",
            finished_at=timezone.now(),
        )
    else:
        jobs.update(
            status=ImportJob.State.SUCCEEDED,
            progress_done=result.rows,
            progress_total=result.rows,
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            report={**result.report, **params},
            content=b"",
            stage="",
            finished_at=timezone.now(),
        )
