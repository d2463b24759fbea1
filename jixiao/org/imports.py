"""Importing employees and departments from CSV and XLSX files: read, check everything, then write set-based.

All or nothing: a file with any bad row writes nothing and yields a per-row report (row as the person sees it
in her spreadsheet, column, reason). Reasons are stored as codes with parameters and translated when shown,
so a report written by a background worker reads in the language of whoever opens it.

The shape of the work, for a 50,000-row file:
1. read the file into plain lists (python-calamine for XLSX, csv for text) and check each row's own cells;
2. inside one transaction, load the organisation once into dicts (one query for departments, one for
   people), check everything that depends on it (departments and scope, managers, reporting cycles);
3. write: missing departments level by level, new people level by level (managers first, so a report can
   point at her manager's id), every changed person with bulk_update, reporting lines (`chain`) computed in
   memory; audit events in batches. Never a query per row.
The format is written down in docs/decisions/0003-import-format.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat, Replace
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from jixiao.audit.services import Change, record_event, record_events
from jixiao.core.errors import DomainError

from .models import Department, Employee, ImportJob, Status
from .pinyin import name_pinyin
from .selectors import actor_context, forget_actor_context
from .services import EMPLOYEE_FIELDS

if TYPE_CHECKING:
    from openpyxl import Workbook

logger = logging.getLogger(__name__)

# ---- the documented format ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    zh: str
    required: bool
    example: str
    help: Promise
    aliases: tuple[str, ...] = ()
    max_length: int = 0


COLUMNS: tuple[Column, ...] = (
    Column(
        "employee_number",
        _("Employee number"),
        "工号",
        True,
        "XC10002",
        _("Unique; a number already in the system updates that person."),
        ("employee_no", "employee_id", "number", "员工编号", "员工工号"),
        32,
    ),
    Column("name", _("Name"), "姓名", True, "王小明", _("Full name."), ("full_name", "中文名"), 100),
    Column("english_name", _("English name"), "英文名", False, "Ming", _("Optional."), ("英文名字",), 100),
    Column(
        "email", _("Email"), "邮箱", False, "ming@example.com", _("Optional; checked."), ("e_mail", "电子邮箱"), 254
    ),
    Column("phone", _("Phone"), "电话", False, "13800000000", _("Optional."), ("mobile", "手机", "手机号"), 32),
    Column("title", _("Title"), "职位", False, "销售代表", _("Optional."), ("position", "岗位"), 100),
    Column("job_level", _("Job level"), "职级", False, "P4", _("Optional."), ("level",), 16),
    Column(
        "department",
        _("Department"),
        "部门",
        True,
        "星辰科技/销售部/华东区",
        _("Path from the top department, separated by /. Missing departments are created."),
        ("department_path", "部门路径"),
        100,
    ),
    Column(
        "manager_number",
        _("Manager's employee number"),
        "上级工号",
        False,
        "XC10001",
        _("Someone already in the system or in the same file. Empty: no manager."),
        ("manager", "manager_employee_number", "manager's_employee_number", "直属上级工号", "上级"),
        32,
    ),
    Column(
        "hire_date",
        _("Hire date"),
        "入职日期",
        False,
        "2021-03-15",
        _("YYYY-MM-DD (also YYYY/MM/DD, or a date cell in Excel)."),
        ("start_date", "入职时间"),
    ),
    Column(
        "status",
        _("Status"),
        "状态",
        False,
        "active",
        _("active / on_leave / left (在职 / 休假 / 离职). Empty: active. Left also deactivates her account."),
        ("在职状态", "员工状态"),
    ),
    # Last, so files written for the columns above (job_level … status) keep their positions.
    Column(
        "job_family",
        _("Job family"),
        "职族",
        False,
        "销售",
        _("Optional; picks the competencies her reviews rate."),
        ("family", "职位族", "岗位族", "职系"),
        60,
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)
# Optional text columns copied as they are (after trimming).
TEXT_FIELDS = ("name", "english_name", "email", "phone", "title", "job_level", "job_family")
# The person's fields as the audit trail records them, the same shape as services._snapshot.
SNAPSHOT_FIELDS = ("employee_number", *TEXT_FIELDS, "hire_date", "status")


def _normalise_header(text: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(text).replace("\ufeff", "").strip().strip("*＊").strip().lower())


# Headers are matched after trimming, lower-casing and turning spaces into "_", so "Employee number",
# "employee_number" and " 工号* " all name the same column.
HEADER_ALIASES: dict[str, str] = {
    _normalise_header(alias): col.key for col in COLUMNS for alias in (col.key, col.zh, *col.aliases)
}


@dataclass(frozen=True)
class TableFormat:
    """The headers a kind of file may use (normalised alias → column key) and the columns it must have.

    The people import is the default; other imports (KPI actuals) read their files with their own format.
    """

    aliases: dict[str, str]
    required: tuple[str, ...]

    @classmethod
    def build(cls, names: dict[str, Iterable[str]], required: Iterable[str]) -> TableFormat:
        """From each column key's accepted headers (the key itself is always accepted)."""
        aliases = {_normalise_header(alias): key for key, more in names.items() for alias in (key, *more)}
        return cls(aliases=aliases, required=tuple(required))


EMPLOYEES_FORMAT = TableFormat(aliases=HEADER_ALIASES, required=REQUIRED)

STATUS_ALIASES = {
    "active": Status.ACTIVE,
    "在职": Status.ACTIVE,
    "on_leave": Status.ON_LEAVE,
    "on leave": Status.ON_LEAVE,
    "on-leave": Status.ON_LEAVE,
    "休假": Status.ON_LEAVE,
    "leave": Status.ON_LEAVE,
    "left": Status.LEFT,
    "离职": Status.LEFT,
    "已离职": Status.LEFT,
}
DEPARTMENT_SEPARATORS = re.compile(r"[/／]")
DATE_PATTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
MAX_ERRORS = 1000
MAX_ROWS = 100_000
HEADER_SEARCH_ROWS = 10
PROGRESS_EVERY = 5000  # rows between two progress writes while checking
MAX_DEPARTMENT_DEPTH = 20
# A zip that inflates beyond this is refused before it is parsed (an XLSX "zip bomb").
MAX_XLSX_INFLATED_BYTES = 256 * 1024 * 1024
BATCH = 2000
_NOT_BLANK = re.compile(rb"\S")


# ---- the report ----------------------------------------------------------------------------------

MESSAGES: dict[str, Promise] = {
    "empty": _("The file is empty."),
    "no_rows": _("The file has a header row but no people."),
    "too_large": _("The file is too large (%(size)s MB); the limit is %(limit)s MB."),
    "too_many_rows": _("The file has %(rows)s rows; at most %(limit)s can be imported at once. Split it."),
    "wrong_type": _("This is not a CSV or XLSX file (%(detail)s). Save it from Excel as .xlsx or CSV and try again."),
    "unreadable": _("The file could not be read: %(detail)s."),
    "missing_column": _("The required column “%(column)s” is missing."),
    "duplicate_column": _("The column “%(column)s” appears twice (also as “%(other)s”)."),
    "required": _("Required."),
    "too_long": _("Too long: at most %(limit)s characters."),
    "duplicate_number": _("Employee number %(value)s appears twice in the file (first in row %(first_row)s)."),
    "bad_email": _("“%(value)s” is not a valid email address."),
    "bad_date": _("“%(value)s” is not a date; write it as YYYY-MM-DD."),
    "bad_status": _("Unknown status “%(value)s”; use active, on_leave or left (在职, 休假, 离职)."),
    "bad_department": _("“%(value)s” is not a department path; write it like 总部/销售部/华东区."),
    "too_deep": _("The department path is too deep (at most %(limit)s levels)."),
    "wrong_root": _("The department path must start with the top department “%(root)s”."),
    "root_admin_only": _("The organisation is empty; only an administrator can create its top department."),
    "department_out_of_scope": _("Department “%(value)s” is outside the departments you manage."),
    "employee_out_of_scope": _("Employee number %(value)s belongs to someone outside the departments you manage."),
    "unknown_manager": _("No employee has the number %(value)s, neither in the system nor in this file."),
    "self_manager": _("A person cannot be her own manager."),
    "cycle": _("This makes a reporting loop: %(cycle)s."),
    "chain_too_long": _("The reporting line above this person is too long."),
    "unknown_columns": _("These columns are not part of the format and were ignored: %(columns)s."),
    "stale": _("Someone changed some of these people while the file was being imported. Import it again."),
    "unexpected": _("The import stopped because of an unexpected error; nothing was written. Try again later."),
}


def column_label(key: str, columns: Mapping[str, Column] = COLUMN_BY_KEY) -> str:
    """A documented column as a report names it: label, key and Chinese header (`columns`: the importer's)."""
    col = columns.get(key)
    return f"{col.label} ({col.key} / {col.zh})" if col else key


def fill_message(template: Promise | str, params: dict[str, Any]) -> str:
    """A report message in the active language with its parameters (the bare message when they do not fit)."""
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


def describe(entry: dict[str, Any]) -> str:
    """The reason of one report entry in the active language."""
    template = MESSAGES.get(entry.get("code", ""), MESSAGES["unexpected"])
    params = dict(entry.get("params") or {})
    if "column" in params:
        params["column"] = column_label(params["column"])
    return fill_message(template, params)


def report_rows(
    report: dict[str, Any],
    *,
    reason: Callable[[dict[str, Any]], str] = describe,
    label: Callable[[str], str] = column_label,
) -> list[dict[str, Any]]:
    """The report's entries ready for a table: row, column as the file names it, reason in the active language.
    `reason` words an entry and `label` names a documented column (the people import's unless given)."""
    rows = []
    for entry in report.get("errors", []):
        column = entry.get("column") or ""
        if not column and entry.get("field"):
            column = label(entry["field"])
        rows.append({"row": entry.get("row") or "", "column": column, "reason": reason(entry)})
    return rows


class Report:
    """Collects errors, keeping the first MAX_ERRORS in file order and counting the rest."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []
        self.total = 0
        self.notices: list[dict[str, Any]] = []

    def add(self, row: int | None, field_key: str, code: str, header: str = "", **params: Any) -> None:
        self.total += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(
                {"row": row, "column": header, "field": field_key, "code": code, "params": _plain(params)}
            )

    def as_json(self) -> dict[str, Any]:
        errors = sorted(self.errors, key=lambda e: e["row"] or 0)
        return {
            "errors": errors,
            "total_errors": self.total,
            "truncated": self.total > len(errors),
            "notices": self.notices,
        }


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | float | bool) or v is None else str(v)) for k, v in params.items()}


class ImportRejected(DomainError):
    """The file or some of its rows are wrong; nothing was written. `report` says where and why."""

    code = "import_rejected"
    status = 422

    def __init__(self, report: Report):
        super().__init__(
            ngettext_lazy(
                "The file has %(count)s problem; nothing was imported.",
                "The file has %(count)s problems; nothing was imported.",
                report.total,
            )
            % {"count": report.total},
            fields={},
        )
        self.report = report


def _reject_file(code: str, field_key: str = "", **params: Any) -> ImportRejected:
    report = Report()
    report.add(None, field_key, code, **params)
    return ImportRejected(report)


# ---- reading the file ----------------------------------------------------------------------------

Cell = str | dt.date | None
Progress = Callable[[int, int, str], None]


@dataclass
class Table:
    """The file's rows as plain values, aligned to `columns` (canonical keys in file order)."""

    columns: list[str]
    headers: dict[str, str]
    rows: list[tuple[int, list[Cell]]]
    unknown_headers: list[str] = field(default_factory=list)

    @classmethod
    def from_rows(
        cls,
        header: Sequence[object],
        rows: Iterable[Sequence[object]],
        *,
        first_row: int = 2,
        fmt: TableFormat = EMPLOYEES_FORMAT,
    ) -> Table:
        """Build a table from a header and rows, as read from a file (row numbers start after the header)."""
        table = _table_from_header([_cell(h) for h in header], header_row=first_row - 1, fmt=fmt)
        positions = table._positions
        width = max(positions, default=-1) + 1
        for number, raw in enumerate(rows, start=first_row):
            if len(raw) < width:
                raw = [*raw, *[""] * (width - len(raw))]
            # Most cells are text: strip them here and leave the other types to _cell (a third of the
            # reading time at 50,000 rows went into calling it for every cell).
            values = [v.strip() if type(v) is str else _cell(v) for v in (raw[i] for i in positions)]
            if any(values):
                table.rows.append((number, values))
        if len(table.rows) > MAX_ROWS:
            raise _reject_file("too_many_rows", rows=len(table.rows), limit=MAX_ROWS)
        return table

    _positions: list[int] = field(default_factory=list, repr=False)


def _cell(value: object) -> Cell:
    """One cell as text, or a date for date cells; numbers lose the ".0" Excel gives whole numbers."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table_from_header(header: list[Cell], *, header_row: int, fmt: TableFormat = EMPLOYEES_FORMAT) -> Table:
    columns: list[str] = []
    headers: dict[str, str] = {}
    positions: list[int] = []
    unknown: list[str] = []
    report = Report()
    for position, raw in enumerate(header):
        text = str(raw or "").replace("\ufeff", "").strip()
        if not text:
            continue
        key = fmt.aliases.get(_normalise_header(text))
        if key is None:
            unknown.append(text)
            continue
        if key in headers:
            report.add(header_row, key, "duplicate_column", header=text, column=key, other=headers[key])
            continue
        headers[key] = text
        columns.append(key)
        positions.append(position)
    for key in fmt.required:
        if key not in headers:
            report.add(header_row, key, "missing_column", column=key)
    if report.total:
        raise ImportRejected(report)
    table = Table(columns=columns, headers=headers, rows=[], unknown_headers=unknown)
    table._positions = positions
    return table


_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"%PDF", "PDF"),
    (b"\xd0\xcf\x11\xe0", "XLS/DOC"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7z"),
    (b"BM", "BMP"),
)


def read_table(data: bytes, *, filename: str = "", fmt: TableFormat = EMPLOYEES_FORMAT) -> Table:
    """Read an uploaded CSV or XLSX file into a Table; refuse anything else with a file-level report."""
    limit = settings.JIXIAO_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise _reject_file("too_large", size=megabytes(len(data)), limit=megabytes(limit))
    if _NOT_BLANK.search(data) is None:
        raise _reject_file("empty")
    if data.startswith(b"PK\x03\x04"):
        table = _read_xlsx(data, fmt)
    else:
        for signature, kind in _BINARY_SIGNATURES:
            if data.startswith(signature):
                raise _reject_file("wrong_type", detail=kind)
        table = _read_csv(data, fmt)
    if not table.rows:
        raise _reject_file("no_rows")
    return table


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _read_xlsx(data: bytes, fmt: TableFormat = EMPLOYEES_FORMAT) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise _reject_file("wrong_type", detail="ZIP") from exc
    if "xl/workbook.xml" not in names:
        kind = "DOCX" if "word/document.xml" in names else ("PPTX" if "ppt/presentation.xml" in names else "ZIP")
        raise _reject_file("wrong_type", detail=kind)
    if inflated > MAX_XLSX_INFLATED_BYTES:
        raise _reject_file("too_large", size=megabytes(inflated), limit=megabytes(MAX_XLSX_INFLATED_BYTES))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises several unrelated types for a broken workbook
        raise _reject_file("unreadable", detail=type(exc).__name__) from exc
    if sheet.height > MAX_ROWS + 1:
        raise _reject_file("too_many_rows", rows=sheet.height - 1, limit=MAX_ROWS)
    # iter_rows starts at the sheet's first row even when the used range starts lower (sheet.start), so the
    # row numbers below are those Excel shows.
    return _table_from_iter(sheet.iter_rows(), first_row=1, fmt=fmt)


def _table_from_iter(rows: Iterator[Sequence[object]], *, first_row: int, fmt: TableFormat = EMPLOYEES_FORMAT) -> Table:
    """Find the header and read the rows below it.

    The header is the first row that names a required column, so a title line above it (花名册, a date)
    is skipped; failing that within the first HEADER_SEARCH_ROWS filled rows, the first filled row is taken
    and the report names the missing columns.
    """
    number = first_row - 1
    first_filled: tuple[int, list[Cell]] | None = None
    filled = 0
    for raw in rows:
        number += 1
        header = [_cell(v) for v in raw]
        if not any(header):
            continue
        filled += 1
        if first_filled is None:
            first_filled = (number, header)
        if any(fmt.aliases.get(_normalise_header(h)) in fmt.required for h in header if isinstance(h, str)):
            return Table.from_rows(header, rows, first_row=number + 1, fmt=fmt)
        if filled >= HEADER_SEARCH_ROWS:
            break
    if first_filled is None:
        raise _reject_file("empty")
    # It names no required column, so this raises the report of what is missing.
    return _table_from_header(first_filled[1], header_row=first_filled[0], fmt=fmt)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel in a Chinese locale saves "CSV" in the system code page: GBK, which GB18030 extends.
        return data.decode("gb18030")


def _read_csv(data: bytes, fmt: TableFormat = EMPLOYEES_FORMAT) -> Table:
    head = data[:4096]
    if b"\x00" in head and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _reject_file("wrong_type", detail=gettext("binary data"))
    try:
        text = _decode(data)
    except UnicodeError as exc:
        raise _reject_file("wrong_type", detail=gettext("unknown text encoding")) from exc
    sample = text[:4096]
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in sample):
        raise _reject_file("wrong_type", detail=gettext("binary data"))
    first_line = sample.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table_from_iter(iter(reader), first_row=1, fmt=fmt)
    except csv.Error as exc:
        raise _reject_file("unreadable", detail=str(exc)) from exc


def estimate_rows(data: bytes) -> int:
    """A cheap row count for choosing between running now and in the background; not exact."""
    if not data.startswith(b"PK\x03\x04"):
        return data.count(b"\n")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
            if not sheets:
                return 0
            count = 0
            tail = b""
            with archive.open(sheets[0]) as stream:
                while chunk := stream.read(1 << 20):
                    count += (tail + chunk).count(b"<row ")
                    tail = chunk[-4:]
                    if count > MAX_ROWS:
                        break
            return count
    except (zipfile.BadZipFile, KeyError, OSError):
        return 0


# ---- checking each row's own cells ----------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """One person as the file describes her, after checking her own cells.

    Rows with a bad cell are kept (department None when that is the bad cell) so that the checks against
    the organisation can report their other problems in the same report; nothing is written then anyway.
    """

    row: int
    number: str
    values: dict[str, Any]
    department: tuple[str, ...] | None
    manager_number: str | None
    first: bool  # the first row with this employee number (a later one is a reported duplicate)


def _clean_rows(table: Table, report: Report, progress: Progress | None) -> tuple[list[Row], set[str]]:
    """The rows with an employee number, and every employee number the file mentions."""
    index = {key: i for i, key in enumerate(table.columns)}
    headers = table.headers
    text_columns = [(key, index[key], COLUMN_BY_KEY[key].max_length) for key in TEXT_FIELDS if key in index]
    i_number, i_dept = index["employee_number"], index["department"]
    i_manager = index.get("manager_number")
    i_date = index.get("hire_date")
    i_status = index.get("status")
    first_row_of: dict[str, int] = {}
    rows: list[Row] = []
    total = len(table.rows)
    for done, (line, cells) in enumerate(table.rows, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total, "checking")
        number = str(cells[i_number] or "")
        first = False
        if not number:
            report.add(line, "employee_number", "required", headers["employee_number"])
        elif len(number) > 32:
            report.add(line, "employee_number", "too_long", headers["employee_number"], limit=32)
        elif number in first_row_of:
            report.add(
                line,
                "employee_number",
                "duplicate_number",
                headers["employee_number"],
                value=number,
                first_row=first_row_of[number],
            )
        else:
            first_row_of[number] = line
            first = True
        values: dict[str, Any] = {}
        for key, i, limit in text_columns:
            value = cells[i]
            text = value.isoformat() if isinstance(value, dt.date) else (value or "")
            if len(text) > limit:
                report.add(line, key, "too_long", headers[key], limit=limit)
            values[key] = text
        if "name" in values and not values["name"]:
            report.add(line, "name", "required", headers["name"])
        if values.get("email"):
            try:
                validate_email(values["email"])
            except ValidationError:
                report.add(line, "email", "bad_email", headers["email"], value=values["email"])
        if i_date is not None:
            parsed = _parse_date(cells[i_date])
            if parsed is False:
                report.add(line, "hire_date", "bad_date", headers["hire_date"], value=cells[i_date])
            else:
                values["hire_date"] = parsed
        if i_status is not None:
            raw_status = str(cells[i_status] or "")
            status = STATUS_ALIASES.get(raw_status.lower()) if raw_status else Status.ACTIVE
            if status is None:
                report.add(line, "status", "bad_status", headers["status"], value=raw_status)
            else:
                values["status"] = str(status)
        department = _split_department(cells[i_dept], line, headers["department"], report)
        manager_number: str | None = None
        if i_manager is not None:
            manager_number = str(cells[i_manager] or "")
            if manager_number and manager_number == number:
                report.add(line, "manager_number", "self_manager", headers["manager_number"])
                manager_number = ""  # reported; left out of the loop search so it is not reported twice
        if number and len(number) <= 32:
            rows.append(Row(line, number, values, department, manager_number, first))
    if progress is not None:
        progress(total, total, "checking")
    return rows, set(first_row_of)


def _parse_date(value: Cell) -> dt.date | bool | None:
    """A date, None for an empty cell, or False when the text is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    match = DATE_PATTERN.match(value)
    if match is None:
        return False
    try:
        parsed = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return parsed if 1900 <= parsed.year <= 2100 else False


def _split_department(value: Cell, line: int, header: str, report: Report) -> tuple[str, ...] | None:
    text = str(value or "")
    if not text:
        report.add(line, "department", "required", header)
        return None
    parts = tuple(part.strip() for part in DEPARTMENT_SEPARATORS.split(text.strip().strip("/／")))
    if not parts or any(not part for part in parts):
        report.add(line, "department", "bad_department", header, value=text)
        return None
    if len(parts) > MAX_DEPARTMENT_DEPTH:
        report.add(line, "department", "too_deep", header, limit=MAX_DEPARTMENT_DEPTH)
        return None
    if any(len(part) > 100 for part in parts):
        report.add(line, "department", "too_long", header, limit=100)
        return None
    return parts


# ---- checking against the organisation and writing ------------------------------------------------


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    departments_created: int = 0
    report: dict[str, Any] = field(default_factory=dict)


# Columns of an existing person loaded once into tuples (a dict per person would cost ~3x the memory).
_EXISTING = (
    "id",
    "employee_number",
    *TEXT_FIELDS,
    "hire_date",
    "status",
    "department_id",
    "manager_id",
    "user_id",
    "chain",
    "version",
)
_X = {name: i for i, name in enumerate(_EXISTING)}


@dataclass
class _NewDepartment:
    key: tuple[str, ...]
    name: str
    parent_id: int | None
    parent_key: tuple[str, ...] | None
    depth: int
    pk: int = 0
    path: str = ""


class _Departments:
    """The department tree in memory; resolves paths and plans the missing departments."""

    def __init__(self, actor: Any, report: Report, header: str):
        self.ctx = actor_context(actor)
        self.report = report
        self.header = header
        self.children: dict[int | None, dict[str, int]] = {}
        self.children_en: dict[int | None, dict[str, int]] = {}
        self.path_of: dict[int, str] = {}
        self.depth_of: dict[int, int] = {}
        for pk, name, name_en, parent_id, path, depth in Department.objects.values_list(
            "id", "name", "name_en", "parent_id", "path", "depth"
        ):
            self.children.setdefault(parent_id, {})[name] = pk
            if name_en:
                self.children_en.setdefault(parent_id, {}).setdefault(name_en.casefold(), pk)
            self.path_of[pk] = path
            self.depth_of[pk] = depth
        self.new: dict[tuple[str, ...], _NewDepartment] = {}
        self.new_root: str | None = None
        self._resolved: dict[tuple[str, ...], int | tuple[str, ...] | None] = {}

    def _child(self, parent: int | None, name: str) -> int | None:
        found = self.children.get(parent, {}).get(name)
        if found is None:
            found = self.children_en.get(parent, {}).get(name.casefold())
        return found

    def resolve(self, parts: tuple[str, ...], line: int) -> int | tuple[str, ...] | None:
        """An existing department id, the key of a department to create, or None after reporting why not."""
        if parts in self._resolved:
            result = self._resolved[parts]
            if result is None:
                self._report_again(parts, line)
            return result
        result = self._resolve(parts, line)
        self._resolved[parts] = result
        return result

    def _report_again(self, parts: tuple[str, ...], line: int) -> None:
        self._resolve(parts, line)

    def _resolve(self, parts: tuple[str, ...], line: int) -> int | tuple[str, ...] | None:
        roots = self.children.get(None, {})
        text = "/".join(parts)
        if not roots:
            if not self.ctx.is_admin:
                self.report.add(line, "department", "root_admin_only", self.header)
                return None
            if self.new_root is None:
                self.new_root = parts[0]
            elif self.new_root != parts[0]:
                self.report.add(line, "department", "wrong_root", self.header, root=self.new_root)
                return None
            current: int | None = None
            missing_from = 0
        else:
            current = self._child(None, parts[0])
            if current is None:
                root_names = " / ".join(sorted(roots))
                self.report.add(line, "department", "wrong_root", self.header, root=root_names)
                return None
            missing_from = len(parts)
            for i, part in enumerate(parts[1:], start=1):
                child = self._child(current, part)
                if child is None:
                    missing_from = i
                    break
                current = child
        # The deepest existing department on the path decides the scope: a new one lies under it.
        if current is not None and not self.ctx.in_hr_scope(self.path_of[current]):
            self.report.add(line, "department", "department_out_of_scope", self.header, value=text)
            return None
        if missing_from >= len(parts):
            return current
        for i in range(missing_from, len(parts)):
            key = parts[: i + 1]
            if key not in self.new:
                parent_key = parts[:i] if i > missing_from else None
                base_depth = self.depth_of[current] + 1 if current is not None else 0
                self.new[key] = _NewDepartment(
                    key=key,
                    name=parts[i],
                    parent_id=current if parent_key is None else None,
                    parent_key=parent_key,
                    depth=base_depth + (i - missing_from),
                )
        return parts

    def in_scope(self, department_id: int) -> bool:
        return self.ctx.in_hr_scope(self.path_of.get(department_id, ""))

    def create_missing(self, actor: Any) -> None:
        """Insert the planned departments level by level, parents first, then give them their paths."""
        if not self.new:
            return
        planned = sorted(self.new.values(), key=lambda d: d.depth)
        by_depth: dict[int, list[_NewDepartment]] = {}
        for dept in planned:
            by_depth.setdefault(dept.depth, []).append(dept)
        created: list[Department] = []
        for depth in sorted(by_depth):
            level = by_depth[depth]
            objs = []
            for dept in level:
                if dept.parent_key is None:
                    parent_id, parent_path = dept.parent_id, self.path_of[dept.parent_id] if dept.parent_id else "/"
                else:
                    parent = self.new[dept.parent_key]
                    parent_id, parent_path = parent.pk, parent.path
                # Her own id is not known before the insert; "#" marks where it goes (one UPDATE below).
                objs.append(Department(name=dept.name, parent_id=parent_id, path=f"{parent_path}#", depth=dept.depth))
            Department.objects.bulk_create(objs, batch_size=BATCH)
            for dept, obj in zip(level, objs, strict=True):
                dept.pk = obj.pk
                dept.path = obj.path = f"{obj.path[:-1]}{obj.pk}/"
                self.path_of[obj.pk] = obj.path
            created.extend(objs)
        Department.objects.filter(path__endswith="#").update(path=_own_id_for_mark("path"))
        record_events(
            actor=actor,
            action="department.create",
            changes=[
                Change(
                    target=d,
                    after={"name": d.name, "name_en": "", "parent_id": d.parent_id, "head_id": None},
                    scope_path=d.path,
                )
                for d in created
            ],
        )

    def id_of(self, ref: int | tuple[str, ...]) -> int:
        return ref if isinstance(ref, int) else self.new[ref].pk


def _snapshot(number: str, values: dict[str, Any], department_id: int, manager_id: int | None, user_id: Any) -> dict:
    data = {"employee_number": number, **{f: values.get(f) for f in SNAPSHOT_FIELDS if f != "employee_number"}}
    data.update(department_id=department_id, manager_id=manager_id, user_id=user_id)
    return data


def _existing_snapshot(record: tuple) -> dict[str, Any]:
    data = {f: record[_X[f]] for f in SNAPSHOT_FIELDS}
    data.update(department_id=record[_X["department_id"]], manager_id=record[_X["manager_id"]])
    data["user_id"] = record[_X["user_id"]]
    return data


def _common_path(paths: Iterable[str]) -> str:
    common: list[str] | None = None
    for path in paths:
        parts = path.strip("/").split("/")
        if common is None:
            common = parts
        else:
            n = 0
            while n < min(len(common), len(parts)) and common[n] == parts[n]:
                n += 1
            common = common[:n]
    return "/" + "/".join(common) + "/" if common else ""


def employees_import(*, actor: Any, table: Table, filename: str = "", progress: Progress | None = None) -> ImportResult:
    """Create or update the people (and departments) of a file: all rows or none.

    Raises ImportRejected with the per-row report when anything is wrong; nothing is written then.
    """
    report = Report()
    rows, numbers = _clean_rows(table, report, progress)
    if progress is not None:
        progress(len(table.rows), len(table.rows), "writing")
    with transaction.atomic():
        result = _check_and_write(
            actor=actor, table=table, rows=rows, numbers=numbers, report=report, filename=filename
        )
    forget_actor_context(actor)
    return result


def employees_import_file(
    *, actor: Any, data: bytes, filename: str = "", progress: Progress | None = None
) -> ImportResult:
    """Read a CSV or XLSX file and import it (see employees_import)."""
    if progress is not None:
        progress(0, 0, "reading")
    table = read_table(data, filename=filename)
    return employees_import(actor=actor, table=table, filename=filename, progress=progress)


def _check_and_write(
    *, actor: Any, table: Table, rows: list[Row], numbers: set[str], report: Report, filename: str
) -> ImportResult:
    headers = table.headers
    ctx = actor_context(actor)
    departments = _Departments(actor, report, headers["department"])
    existing: dict[str, tuple] = {}
    number_of: dict[int, str] = {}
    for record in Employee.objects.values_list(*_EXISTING).iterator(chunk_size=5000):
        existing[record[1]] = record
        number_of[record[0]] = record[1]
    in_file = {row.number: row for row in rows if row.first}
    manager_of = _reporting_lines(existing, number_of, rows, numbers, report, headers)
    dept_ref: dict[str, int | tuple[str, ...]] = {}
    for row in rows:
        ref = departments.resolve(row.department, row.row) if row.department is not None else None
        if ref is not None and row.first:
            dept_ref[row.number] = ref
        record = existing.get(row.number)
        if (
            row.first
            and record is not None
            and not ctx.is_admin
            and not departments.in_scope(record[_X["department_id"]])
        ):
            report.add(
                row.row, "employee_number", "employee_out_of_scope", headers["employee_number"], value=row.number
            )
    _report_loops(in_file, manager_of, report, headers)
    if report.total:
        raise ImportRejected(report)

    departments.create_missing(actor)
    writer = _Writer(actor=actor, existing=existing, manager_of=manager_of, departments=departments)
    result = ImportResult(rows=len(rows), departments_created=len(departments.new))
    result.created = writer.create(rows, dept_ref)
    result.updated, result.unchanged = writer.update(in_file, dept_ref, set(table.columns))
    if writer.leaving_users:
        from jixiao.accounts.models import User
        from jixiao.accounts.services import user_deactivate

        for user in User.objects.filter(pk__in=writer.leaving_users, is_active=True):
            user_deactivate(user=user, actor=actor)

    if table.unknown_headers:
        report.notices.append({"code": "unknown_columns", "params": {"columns": ", ".join(table.unknown_headers)}})
    result.report = report.as_json()
    touched = {departments.path_of[departments.id_of(ref)] for ref in dept_ref.values()}
    record_event(
        actor=actor,
        action="org.import",
        target_type="org.import",
        target_label=filename[:255],
        after={
            "filename": filename,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "departments_created": result.departments_created,
        },
        scope_path=_common_path(touched),
    )
    return result


def _reporting_lines(
    existing: dict[str, tuple],
    number_of: dict[int, str],
    rows: list[Row],
    numbers: set[str],
    report: Report,
    headers: dict[str, str],
) -> dict[str, str | None]:
    """Everyone's manager (by number) once the file is applied; unknown managers are reported."""
    manager_of: dict[str, str | None] = {}
    for number, record in existing.items():
        manager_id = record[_X["manager_id"]]
        manager_of[number] = number_of.get(manager_id) if manager_id is not None else None
    for row in rows:
        manager: str | None = row.manager_number or None
        if row.manager_number is None:  # no such column: keep her manager (none for someone new)
            manager = manager_of.get(row.number)
        elif manager is not None and manager not in numbers and manager not in existing:
            report.add(row.row, "manager_number", "unknown_manager", headers["manager_number"], value=manager)
            manager = None
        if row.first:
            manager_of[row.number] = manager
    return manager_of


def _report_loops(
    in_file: dict[str, Row], manager_of: dict[str, str | None], report: Report, headers: dict[str, str]
) -> None:
    """Report every row that sits on a reporting loop, whether the loop runs through the file or the system.

    The system has no loops, so a new one passes through a row of the file: walking up from each row is
    enough, and remembering finished walks keeps the whole search linear.
    """
    state: dict[str, int] = {}  # 1: on the current walk, 2: known to reach the top
    for start in in_file:
        trail: list[str] = []
        node: str | None = start
        while node is not None and node not in state:
            state[node] = 1
            trail.append(node)
            node = manager_of.get(node)
        if node is not None and state[node] == 1:
            loop = trail[trail.index(node) :]
            shown = [*loop[:8], "…"] if len(loop) > 8 else loop
            text = " → ".join([*shown, loop[0]])
            for member in loop:
                member_row = in_file.get(member)
                if member_row is not None:
                    report.add(member_row.row, "manager_number", "cycle", headers["manager_number"], cycle=text)
        for member in trail:
            state[member] = 2


# name_pinyin and job_family last, so the positions the writer reads back from a row (department 9,
# manager 10, chain 11) hold.
_INSERT_FIELDS = (
    *(f for f in EMPLOYEE_FIELDS if f != "job_family"),
    "department",
    "manager",
    "chain",
    "version",
    "created_at",
    "updated_at",
    "name_pinyin",
    "job_family",
)


def _column(name: str) -> str:
    return connection.ops.quote_name(next(str(f.column) for f in Employee._meta.concrete_fields if f.name == name))


def _insert_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(_column(name) for name in _INSERT_FIELDS)
    marks = ", ".join(["%s"] * len(_INSERT_FIELDS))
    return f"INSERT INTO {quote(Employee._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - names only


_UPDATE_FIELDS = [
    "department",
    "manager",
    "chain",
    "version",
    "updated_at",
    *TEXT_FIELDS,
    "hire_date",
    "status",
    "name_pinyin",
]


def _update_sql(names: list[str], *, versioned: bool = False) -> str:
    quote = connection.ops.quote_name
    column = {name: _column(name) for name in [*names, "id", "version"]}
    assignments = ", ".join(f"{column[name]} = %s" for name in names)
    guard = f" AND {column['version']} = %s" if versioned else ""
    table = quote(Employee._meta.db_table)
    return f"UPDATE {table} SET {assignments} WHERE {column['id']} = %s{guard}"  # noqa: S608 - names only


def _adapt_now(now: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(now)


def _own_id_for_mark(field_name: str) -> Replace:
    """The expression that swaps the "#" a new row's path or chain ends with for "<its id>/"."""
    own_id = Concat(Cast("id", output_field=CharField()), Value("/"))
    return Replace(F(field_name), Value("#"), own_id)  # type: ignore[arg-type] # any expression works


class _Writer:
    """Writes the checked rows: new people level by level, changed people in batches, audit alongside."""

    def __init__(
        self,
        *,
        actor: Any,
        existing: dict[str, tuple],
        manager_of: dict[str, str | None],
        departments: _Departments,
    ):
        self.actor = actor
        self.existing = existing
        self.manager_of = manager_of
        self.departments = departments
        self.pk_of: dict[str, int] = {n: r[0] for n, r in existing.items()}
        self.chain_of: dict[str, str] = {}
        self.new_above: dict[str, int] = {}
        self.leaving_users: list[int] = []
        self.now = timezone.now()

    def _walk_up(self, number: str, memo: dict[str, Any]) -> tuple[list[str], Any]:
        trail: list[str] = []
        node: str | None = number
        while node is not None and node not in memo:
            trail.append(node)
            node = self.manager_of.get(node)
        return trail, (memo[node] if node is not None else None)

    def level(self, number: str) -> int:
        """How many new people stand on her reporting line, herself included: the order of insertion."""
        trail, above = self._walk_up(number, self.new_above)
        count = above or 0
        for member in reversed(trail):
            if member not in self.existing:
                count += 1
            self.new_above[member] = count
        return self.new_above[number]

    def chain(self, number: str) -> str:
        """Her reporting line as ids from the top, once the file is applied (everyone above has an id)."""
        trail, above = self._walk_up(number, self.chain_of)
        prefix = above or "/"
        for member in reversed(trail):
            prefix = f"{prefix}{self.pk_of[member]}/"
            self.chain_of[member] = prefix
        return self.chain_of[number]

    def create(self, rows: list[Row], dept_ref: dict[str, int | tuple[str, ...]]) -> int:
        by_level: dict[int, list[Row]] = {}
        for row in rows:
            if row.number not in self.existing:
                by_level.setdefault(self.level(row.number), []).append(row)
        created = 0
        for lvl in sorted(by_level):
            level_rows = by_level[lvl]
            for start in range(0, len(level_rows), BATCH):
                created += self._create_batch(level_rows[start : start + BATCH], dept_ref)
        if created:
            Employee.objects.filter(chain__endswith="#").update(chain=_own_id_for_mark("chain"))
        return created

    def _create_batch(self, batch: list[Row], dept_ref: dict[str, int | tuple[str, ...]]) -> int:
        # Plain tuples and one executemany: at 50,000 people, building and compiling model instances for
        # bulk_create costs several times the insert itself.
        params = []
        now = _adapt_now(self.now)
        for row in batch:
            manager_number = self.manager_of.get(row.number)
            values = row.values
            hire_date = values.get("hire_date")
            params.append(
                (
                    row.number,
                    values["name"],
                    values.get("english_name", ""),
                    values.get("email", ""),
                    values.get("phone", ""),
                    values.get("title", ""),
                    values.get("job_level", ""),
                    connection.ops.adapt_datefield_value(hire_date) if hire_date else None,
                    values.get("status", Status.ACTIVE),
                    self.departments.id_of(dept_ref[row.number]),
                    self.pk_of[manager_number] if manager_number else None,
                    # Her own id is not known before the insert; "#" marks where it goes (one UPDATE later).
                    (self.chain(manager_number) if manager_number else "/") + "#",
                    1,
                    now,
                    now,
                    name_pinyin(values["name"]),
                    values.get("job_family", ""),
                )
            )
        with connection.cursor() as cursor:
            cursor.executemany(_insert_sql(), params)
        pks = dict(
            Employee.objects.filter(employee_number__in=[row.number for row in batch]).values_list(
                "employee_number", "id"
            )
        )
        changes = []
        for row, values_tuple in zip(batch, params, strict=True):
            pk = pks[row.number]
            self.pk_of[row.number] = pk
            self.chain_of[row.number] = f"{values_tuple[11][:-1]}{pk}/"
            english = row.values.get("english_name", "")
            changes.append(
                Change(
                    target=None,
                    target_type="org.employee",
                    target_id=str(pk),
                    target_label=f"{row.values['name']} ({english})" if english else row.values["name"],
                    after=_snapshot(row.number, row.values, values_tuple[9], values_tuple[10], None),
                    scope_path=self.departments.path_of[values_tuple[9]],
                )
            )
        record_events(actor=self.actor, action="employee.create", changes=changes)
        return len(batch)

    def update(
        self, in_file: dict[str, Row], dept_ref: dict[str, int | tuple[str, ...]], present: set[str]
    ) -> tuple[int, int]:
        """Write what the file changes on people already there, and move the reporting lines below them."""
        changed: list[tuple[Any, ...]] = []
        changes: list[Change] = []
        moved: list[tuple[str, int]] = []
        updated = unchanged = 0
        now = _adapt_now(self.now)
        for number, record in self.existing.items():
            new_chain = self.chain(number)
            row = in_file.get(number)
            if row is None:
                if new_chain != record[_X["chain"]]:
                    moved.append((new_chain, record[0]))
                continue
            manager_number = self.manager_of.get(number)
            manager_id = self.pk_of[manager_number] if manager_number else None
            department_id = self.departments.id_of(dept_ref[number])
            after = {f: record[_X[f]] for f in SNAPSHOT_FIELDS}
            after.update(row.values)
            if (
                department_id == record[_X["department_id"]]
                and manager_id == record[_X["manager_id"]]
                and all(after[f] == record[_X[f]] for f in SNAPSHOT_FIELDS)
            ):
                unchanged += 1
                if new_chain != record[_X["chain"]]:
                    moved.append((new_chain, record[0]))
                continue
            updated += 1
            hire_date = after["hire_date"]
            changed.append(
                (
                    department_id,
                    manager_id,
                    new_chain,
                    record[_X["version"]] + 1,
                    now,
                    *(after[f] for f in TEXT_FIELDS),
                    connection.ops.adapt_datefield_value(hire_date) if hire_date else None,
                    after["status"],
                    name_pinyin(after["name"]),
                    record[0],
                    record[_X["version"]],
                )
            )
            english = after["english_name"]
            changes.append(
                Change(
                    target=None,
                    target_type="org.employee",
                    target_id=str(record[0]),
                    target_label=f"{after['name']} ({english})" if english else after["name"],
                    before=_existing_snapshot(record),
                    after=_snapshot(number, after, department_id, manager_id, record[_X["user_id"]]),
                    scope_path=self.departments.path_of[department_id],
                )
            )
            user_id = record[_X["user_id"]]
            if user_id and after["status"] == Status.LEFT and record[_X["status"]] != Status.LEFT:
                self.leaving_users.append(user_id)
            if len(changed) >= BATCH:
                self._flush(changed, changes)
        self._flush(changed, changes)
        for start in range(0, len(moved), BATCH):
            with connection.cursor() as cursor:
                cursor.executemany(_update_sql(["chain"]), moved[start : start + BATCH])
        return updated, unchanged

    def _flush(self, changed: list[tuple[Any, ...]], changes: list[Change]) -> None:
        """Write a batch of changed people, refusing the whole import if one changed under us meanwhile."""
        if not changed:
            return
        # Plain executemany again: bulk_update builds a CASE WHEN per field and row, which took a minute
        # of Python for 5,000 people. The version check catches an edit saved since the file was read.
        with connection.cursor() as cursor:
            cursor.executemany(_update_sql(_UPDATE_FIELDS, versioned=True), changed)
            written = cursor.rowcount
        if written != len(changed):
            raise _reject_file("stale")
        record_events(actor=self.actor, action="employee.update", changes=changes)
        changed.clear()
        changes.clear()


def template_xlsx(*, chinese_headers: bool = False) -> bytes:
    """An empty import file with the documented headers, and a second sheet that explains each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "employees"
    sheet.append([c.zh if chinese_headers else c.key for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, col in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(col.example) * 2)
    sheet.freeze_panes = "A2"
    return with_help_sheet(workbook, COLUMNS)


def with_help_sheet(workbook: Workbook, columns: Sequence[Column], *, meaning_width: int = 70) -> bytes:
    """An import template's bytes, after adding a sheet that explains each of its documented columns."""
    help_sheet = workbook.create_sheet(gettext("Help"))
    help_sheet.append(
        [gettext("Column"), gettext("Chinese header"), gettext("Required"), gettext("Meaning"), gettext("Example")]
    )
    for col in columns:
        help_sheet.append([col.key, col.zh, gettext("yes") if col.required else "", str(col.help), col.example])
    for letter, width in zip("ABCDE", (18, 12, 10, meaning_width, 26), strict=True):
        help_sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- jobs: the page and the API upload a file, the job runs it now or in the background --------------


def import_job_create(*, actor: Any, file: File, filename: str = "") -> ImportJob:
    """Keep an uploaded file as an import job and run it: at once when small, in the background when large.

    Above JIXIAO_IMPORT_BACKGROUND_ROWS rows (estimated) the job is queued for the task worker and the page
    polls its progress; below, the person sees the result as soon as the upload answers.
    """
    name = (filename or getattr(file, "name", "") or "")[:255]
    size = int(file.size or 0)
    if size > settings.JIXIAO_IMPORT_MAX_BYTES:
        # Refused before it is read into memory: the report is the job's only content.
        return ImportJob.objects.create(
            owner=actor,
            filename=name,
            size=size,
            status=ImportJob.State.FAILED,
            report=_reject_file(
                "too_large", size=megabytes(size), limit=megabytes(settings.JIXIAO_IMPORT_MAX_BYTES)
            ).report.as_json(),
            finished_at=timezone.now(),
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    estimate = estimate_rows(data)
    job = ImportJob.objects.create(owner=actor, filename=name, size=len(data), content=data, progress_total=estimate)
    if estimate > settings.JIXIAO_IMPORT_BACKGROUND_ROWS:
        from .tasks import run_import_job

        run_import_job.enqueue(job.pk)
    else:
        import_job_run(job=job)
    return ImportJob.objects.defer("content").get(pk=job.pk)


class JobProgress:
    """Writes a job's progress to its row as the import goes, so the page polling it can show a bar.

    Called only outside the import's transaction (reading and checking rows), where each write commits at
    once; while everything is saved in one transaction the stage says so and the bar waits.
    """

    def __init__(self, job: ImportJob):
        self.jobs = ImportJob.objects.filter(pk=job.pk)

    def __call__(self, done: int, total: int, stage: str) -> None:
        self.jobs.update(progress_done=done, progress_total=total, stage=stage)


def import_job_run(*, job: ImportJob) -> None:
    """Run a queued import job, keeping its progress, counts and report up to date for the page."""
    jobs = ImportJob.objects.filter(pk=job.pk)
    jobs.update(status=ImportJob.State.RUNNING, stage="reading", started_at=timezone.now())
    try:
        result = employees_import_file(
            actor=job.owner, data=bytes(job.content), filename=job.filename, progress=JobProgress(job)
        )
    except ImportRejected as exc:
        jobs.update(
            status=ImportJob.State.FAILED,
            report=exc.report.as_json(),
            content=b"",
            stage="",
            finished_at=timezone.now(),
        )
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        report = Report()
        report.add(None, "", "unexpected")
        jobs.update(
            status=ImportJob.State.FAILED, report=report.as_json(), content=b"", stage="", finished_at=timezone.now()
        )
    else:
        jobs.update(
            status=ImportJob.State.SUCCEEDED,
            progress_done=result.rows,
            progress_total=result.rows,
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            departments_created=result.departments_created,
            report=result.report,
            content=b"",
            stage="",
            finished_at=timezone.now(),
        )
