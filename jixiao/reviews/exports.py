"""A cycle's results as an XLSX file for HR: one row per review in her scope, what the matrix lets HR see.

Written with openpyxl's write-only workbook (rows streamed to a temporary file, constant memory), reading the
reviews in chunks through one query. Text that a spreadsheet would run as a formula — starting with =, +, -,
@, a tab or a carriage return — gets an apostrophe in front (CSV/formula injection).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.org.models import Department
from jixiao.org.selectors import actor_context

from .breakdown import UNSCORED_KINDS
from .models import Cycle, Review
from .selectors import reader_role, review_view
from .selectors_cycles import band_label, cycle_name, in_scope, localised
from .transparency import rating_change

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
CHUNK = 2000


def neutralise(value: Any) -> Any:
    """The value as a spreadsheet may hold it: text that would start a formula is made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def naive(moment: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: write the reader's local time.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def number(value: object) -> Decimal | None:
    """A stored score or weight as a number cell; None when it is missing or not a number."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def write_sheet(workbook: Any, *, title: str, rows: Iterator[list[Any]], freeze: str) -> int:
    """Append a write-only sheet, the first row in bold as its header, every cell neutralised.

    Returns the number of rows under the header.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title=title)
    bold = Font(bold=True)
    header = []
    for value in next(rows):
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    sheet.freeze_panes = freeze
    count = 0
    for row in rows:
        sheet.append([neutralise(v) for v in row])
        count += 1
    return count


def spooled(workbook: Any) -> IO[bytes]:
    """The saved workbook in a temporary file, rewound, for the response to stream."""
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - handed to the response
    workbook.save(out)
    out.seek(0)
    return out


def export_rows(*, user: Any, cycle: Cycle, department: Department | None = None) -> Iterator[list[Any]]:
    """The header, then one list of cell values per review in the reader's scope (not yet neutralised)."""
    ctx = actor_context(user)
    snapshot = cycle.snapshot or {}
    sections = [s for s in snapshot.get("sections", []) if s.get("kind") not in UNSCORED_KINDS]
    bands = {b["code"]: band_label(b) for b in snapshot.get("scale", {}).get("bands", [])}
    states = {s.value: str(s.label) for s in Review.State}
    header = [
        _("Employee number"),
        _("Name"),
        _("Department"),
        _("Manager"),
        *([_("Skip-level manager")] if cycle.skip_level else []),
        _("State"),
        *[localised(s.get("title", ""), s.get("title_en", "")) for s in sections],
        _("Final score"),
        _("Band"),
        _("Band label"),
        _("Band of the score"),
        _("Changed by"),
        _("Reason for the change"),
        _("Released at"),
        _("Acknowledgement"),
        _("Acknowledged at"),
        _("Acknowledgement comment"),
    ]
    yield header
    qs = in_scope(Review.objects.filter(cycle=cycle), ctx)
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    qs = qs.select_related("reviewee", "manager", "skip_level", "department").order_by(
        "department__path", "reviewee__employee_number", "pk"
    )
    for review in qs.iterator(chunk_size=CHUNK):
        role = reader_role(ctx, review, review.reviewee.chain)
        view = review_view(role=role, state=review.state, self_submitted=False)
        scores = {s.get("key"): s.get("score") for s in (review.breakdown or {}).get("sections", [])}
        dept = review.department
        acknowledged = review.state in (Review.State.ACKNOWLEDGED, Review.State.DISAGREED)
        # Calibration and appeals (decision 0011): which changed the result and why, never who; with the score.
        change = rating_change(review) if view.score else None
        yield [
            review.reviewee.employee_number,
            review.reviewee.name,
            localised(dept.name, dept.name_en) if dept else "",
            review.manager.name if review.manager else "",
            *([review.skip_level.name if review.skip_level else ""] if cycle.skip_level else []),
            states.get(review.state, review.state),
            *[number(scores.get(s["key"])) if view.score else None for s in sections],
            review.final_score if view.score else None,
            review.band if view.score else "",
            bands.get(review.band, review.band) if view.score and review.band else "",
            str((review.breakdown or {}).get("band") or "") if view.score else "",
            change.source_label if change else "",
            change.reason if change else "",
            naive(review.released_at),
            states[review.state] if acknowledged else "",
            naive(review.acknowledged_at) if acknowledged else None,
            review.acknowledgement_comment if acknowledged else "",
        ]


def sheet_title(cycle: Cycle) -> str:
    return (_SHEET_BAD.sub(" ", cycle_name(cycle)).strip() or "jixiao")[:31]


def cycle_export(*, user: Any, cycle: Cycle, department: Department | None = None) -> tuple[IO[bytes], int]:
    """Write the XLSX to a temporary file (rewound) and audit the export; returns the file and the row count."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    rows = export_rows(user=user, cycle=cycle, department=department)
    count = write_sheet(workbook, title=sheet_title(cycle), rows=rows, freeze="C2")
    out = spooled(workbook)
    ctx = actor_context(user)
    # Scoped HR reads the audit log of her subtree: file the event where the rows came from.
    scope = department.path if department else (ctx.hr_paths[0] if len(ctx.hr_paths) == 1 and not ctx.is_admin else "")
    record_event(
        actor=user,
        action="cycle.export",
        target=cycle,
        scope_path=scope,
        after={"rows": count, "department": department.pk if department else None, "format": "xlsx"},
    )
    return out, count
