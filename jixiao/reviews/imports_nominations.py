"""HR assigns 360 peers in bulk from a CSV or XLSX file: reviewee's and rater's employee numbers, one row per peer.

All or nothing: every row is checked against the rules of services_feedback.nomination_propose (a current
colleague, not the reviewee, not her manager, not beyond the cycle's most peers) and the reader's HR scope;
a file with any bad row writes nothing and yields a per-row report (the row as the spreadsheet numbers it,
the column as the file names it, the reason). Good files are written by services_nominations.nominations_assign
in one transaction, every pair as an approved peer (HR adds approved). Importing the same file twice changes
nothing the second time.

A fixed number of queries whatever the size: people by number in chunks, the cycle's reviews of those
reviewees, the cycle's peer nominations; the rest runs in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jixiao.org import imports as org_imports
from jixiao.org.imports import Column, ImportRejected, Report, Table, TableFormat
from jixiao.org.models import Employee, Status

from . import permissions, services_feedback, services_nominations
from .models import Cycle, EvaluationKind, Nomination, PhaseKind, Review

COLUMNS: tuple[Column, ...] = (
    Column(
        "reviewee_number",
        _("Reviewee's employee number"),
        "被评价人工号",
        True,
        "XC10002",
        _("Whose review the peer gives feedback on; she must be in this cycle and in your HR scope."),
        ("reviewee", "reviewee_employee_number", "被评价人", "员工工号", "工号"),
        32,
    ),
    Column(
        "rater_number",
        _("Peer's employee number"),
        "评价人工号",
        True,
        "XC10007",
        _("A current colleague other than the reviewee and her manager."),
        ("rater", "peer", "peer_number", "rater_employee_number", "评价人", "同事工号"),
        32,
    ),
)
T = TypeVar("T")
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
FORMAT = TableFormat.build({c.key: (c.zh, *c.aliases) for c in COLUMNS}, required=("reviewee_number", "rater_number"))
MAX_ROWS = 20_000
CHUNK = 2000

MESSAGES: dict[str, Promise] = {
    "no_rows": _("The file has a header row but no peers."),
    "too_many_rows": _("The file has %(rows)s rows; at most %(limit)s can be imported at once. Split it."),
    "wrong_phase": _("Peers are chosen during the peer-selection phase only; this cycle is not in it."),
    "no_peers": _("This cycle's 360° feedback has no peers group."),
    "unknown_employee": _("No employee has the number %(value)s."),
    "not_active": _("%(value)s is not a current employee."),
    "not_in_cycle": _("%(value)s is not reviewed in this cycle."),
    "out_of_scope": _("%(value)s is outside the departments you look after."),
    "self": _("A reviewee cannot be her own peer."),
    "manager": _("%(value)s is the reviewee's manager, who reviews as the manager, not as a peer."),
    "duplicate_row": _("The same reviewee and peer are already in row %(first_row)s."),
    "too_many": _("%(name)s would have %(count)s peers; at most %(limit)s can be nominated in this cycle."),
}


def column_label(key: str) -> str:
    return org_imports.column_label(key, COLUMN_BY_KEY)


def describe(entry: dict[str, Any]) -> str:
    """The reason of one report entry in the active language (file-level reasons come from the people import)."""
    template = MESSAGES.get(entry.get("code", ""))
    if template is None:
        code = entry.get("code", "")
        if code == "missing_column":
            return str(org_imports.MESSAGES["missing_column"]) % {"column": column_label(entry["params"]["column"])}
        return org_imports.describe(entry)
    return org_imports.fill_message(template, dict(entry.get("params") or {}))


def report_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return org_imports.report_rows(report, reason=describe, label=column_label)


def template_xlsx(*, chinese_headers: bool = False, example: Sequence[object] | None = None) -> bytes:
    """An import file with the documented headers and one example row, and a sheet that explains each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "peers"
    sheet.append([c.zh if chinese_headers else c.key for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(list(example) if example is not None else [c.example for c in COLUMNS])
    for letter in "AB":
        sheet.column_dimensions[letter].width = 22
    sheet.freeze_panes = "A2"
    return org_imports.with_help_sheet(workbook, COLUMNS, meaning_width=80)


def read(data: bytes, *, filename: str = "") -> Table:
    """The uploaded file as a table in this import's format; ImportRejected for a file that cannot be read."""
    table = org_imports.read_table(data, filename=filename, fmt=FORMAT)
    if len(table.rows) > MAX_ROWS:
        report = Report()
        report.add(None, "", "too_many_rows", rows=len(table.rows), limit=MAX_ROWS)
        raise ImportRejected(report)
    return table


@dataclass
class ImportResult:
    rows: int
    added: int
    approved: int
    unchanged: int
    notices: list[str]


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _refuse(code: str, **params: Any) -> ImportRejected:
    report = Report()
    report.add(None, "", code, **params)
    return ImportRejected(report)


def nominations_import(*, actor: Any, cycle: Cycle, table: Table) -> ImportResult:
    """Check every row of the file, then assign all its peers at once; ImportRejected (nothing written) otherwise."""
    if cycle.state != Cycle.State.ACTIVE or cycle.phase != PhaseKind.PEER_SELECTION:
        raise _refuse("wrong_phase")
    if EvaluationKind.PEER not in (((cycle.snapshot or {}).get("feedback") or {}).get("groups") or []):
        raise _refuse("no_peers")
    report = Report()
    add = report.add
    headers = table.headers
    i_reviewee, i_rater = table.columns.index("reviewee_number"), table.columns.index("rater_number")
    h_reviewee, h_rater = headers["reviewee_number"], headers["rater_number"]

    # 1. Each row's own cells.
    parsed: list[tuple[int, str, str]] = []
    numbers: set[str] = set()
    for line, cells in table.rows:
        reviewee_cell, rater_cell = str(cells[i_reviewee] or ""), str(cells[i_rater] or "")
        for number, key, header in (
            (reviewee_cell, "reviewee_number", h_reviewee),
            (rater_cell, "rater_number", h_rater),
        ):
            if not number:
                add(line, key, "required", header)
            elif len(number) > 32:
                add(line, key, "unknown_employee", header, value=number[:32] + "…")
            else:
                numbers.add(number)
        parsed.append((line, reviewee_cell, rater_cell))

    # 2. The people, their reviews in this cycle and the cycle's peer nominations: a few queries.
    people: dict[str, Employee] = {}
    for chunk in _chunks(sorted(numbers), CHUNK):
        people.update(
            (e.employee_number, e)
            for e in Employee.objects.filter(employee_number__in=chunk).only(
                "id", "employee_number", "name", "english_name", "status"
            )
        )
    reviewee_ids = sorted({people[r].pk for _l, r, _p in parsed if r in people})
    reviews: dict[int, Review] = {}
    for id_chunk in _chunks(reviewee_ids, CHUNK):
        reviews.update(
            (r.reviewee_id, r)
            for r in Review.objects.filter(cycle=cycle, reviewee_id__in=id_chunk)
            .select_related("reviewee", "cycle", "department")
            .defer("breakdown", "auto_items", "cycle__snapshot", "cycle__filters", "cycle__launch_report")
        )
    open_peers: Counter[int] = Counter()
    open_pairs: set[tuple[int, int]] = set()
    for review_id, rater_id in Nomination.objects.filter(
        review__cycle=cycle, kind=EvaluationKind.PEER, state__in=services_feedback.OPEN_STATES
    ).values_list("review_id", "rater_id"):
        open_peers[review_id] += 1
        open_pairs.add((review_id, rater_id))

    # 3. Each row against them, in memory.
    _low, high = services_feedback.peer_limits(cycle)
    first_seen: dict[tuple[str, str], int] = {}
    pairs: list[tuple[int, Review, Employee]] = []
    scope: dict[int, bool] = {}
    for line, reviewee_number, rater_number in parsed:
        reviewee = people.get(reviewee_number)
        rater = people.get(rater_number)
        ok = bool(reviewee_number and rater_number and len(reviewee_number) <= 32 and len(rater_number) <= 32)
        if reviewee_number and len(reviewee_number) <= 32 and reviewee is None:
            add(line, "reviewee_number", "unknown_employee", h_reviewee, value=reviewee_number)
            ok = False
        if rater_number and len(rater_number) <= 32 and rater is None:
            add(line, "rater_number", "unknown_employee", h_rater, value=rater_number)
            ok = False
        if not ok or reviewee is None or rater is None:
            continue
        review = reviews.get(reviewee.pk)
        if review is None:
            add(line, "reviewee_number", "not_in_cycle", h_reviewee, value=reviewee_number)
            continue
        if review.pk not in scope:
            scope[review.pk] = permissions.can_administer_review(actor, review)
        if not scope[review.pk]:
            add(line, "reviewee_number", "out_of_scope", h_reviewee, value=reviewee_number)
            continue
        if rater.pk == reviewee.pk:
            add(line, "rater_number", "self", h_rater)
            continue
        if rater.status != Status.ACTIVE:
            add(line, "rater_number", "not_active", h_rater, value=rater_number)
            continue
        if rater.pk == review.manager_id:
            add(line, "rater_number", "manager", h_rater, value=rater_number)
            continue
        pair = (reviewee_number, rater_number)
        if pair in first_seen:
            add(line, "rater_number", "duplicate_row", h_rater, first_row=first_seen[pair])
            continue
        first_seen[pair] = line
        pairs.append((line, review, rater))

    # 4. The most peers per review, counting those already nominated; the rows beyond it are refused.
    for line, review, rater in pairs:
        if (review.pk, rater.pk) in open_pairs:
            continue
        open_peers[review.pk] += 1
        if open_peers[review.pk] > high:
            add(
                line,
                "rater_number",
                "too_many",
                h_rater,
                name=review.reviewee.name,
                count=open_peers[review.pk],
                limit=high,
            )
    if report.total:
        raise ImportRejected(report)
    counts = services_nominations.nominations_assign(
        actor=actor, cycle=cycle, pairs=[(review, rater) for _line, review, rater in pairs]
    )
    notices = []
    if table.unknown_headers:
        notices.append(
            org_imports.fill_message(
                org_imports.MESSAGES["unknown_columns"], {"columns": ", ".join(table.unknown_headers)}
            )
        )
    return ImportResult(
        rows=len(parsed),
        added=counts["added"],
        approved=counts["approved"],
        unchanged=counts["unchanged"],
        notices=notices,
    )
