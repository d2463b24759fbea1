"""Shared fpdf2 helpers for the PDF exports (the 360 report, improvement plans): an A4 document with the embedded
CJK font and a page footer, headings, paragraphs and tables, in the colours of the pages.

Chinese needs a CJK font: Noto Sans CJK from Debian's fonts-noto-cjk (scripts/system-deps.sh installs it),
embedded as a subset of the glyphs used. fpdf2 is imported when a document is made, not at import time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Where Debian (fonts-noto-cjk) and other distributions put Noto Sans CJK; face 2 of the collection is SC.
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
)
FONT = "jx"

# The pages' colours, as RGB.
INK = (29, 39, 59)  # #1d273b
MUTED = (108, 117, 125)  # #6c757d
RULE = (213, 219, 229)  # #d5dbe5
HEAD_FILL = (238, 240, 244)  # #eef0f4


def font_file() -> tuple[str, int]:
    """The CJK font to embed: settings.JIXIAO_PDF_FONT ("path" or "path#face") or the first one installed."""
    configured = str(getattr(settings, "JIXIAO_PDF_FONT", "") or os.environ.get("JIXIAO_PDF_FONT", ""))
    if configured:
        path, _sep, number = configured.partition("#")
        return path, int(number or 0)
    for path, face in FONT_CANDIDATES:
        if os.path.exists(path):
            return path, face
    raise ImproperlyConfigured(
        "No CJK font for PDF reports: install Debian's fonts-noto-cjk (scripts/system-deps.sh) or set JIXIAO_PDF_FONT."
    )


def document(title: str, footer: str) -> Any:
    """A new A4 document on its first page, with the CJK font and `footer` and "page / pages" on every page."""
    from fpdf import FPDF

    class ReportPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, footer, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="R")

    path, face = font_file()
    doc = ReportPDF(orientation="P", unit="mm", format="A4")
    doc.add_font(FONT, "", path, collection_font_number=face)
    doc.set_title(title)
    doc.set_creator("jixiao")
    doc.set_margins(15, 15, 15)
    doc.set_auto_page_break(auto=True, margin=16)
    doc.alias_nb_pages()
    doc.add_page()
    return doc


def heading(doc: Any, text: str) -> None:
    """A section heading with a rule under it; on a new page when too close to the bottom."""
    if doc.get_y() > doc.h - 40:
        doc.add_page()
    doc.ln(3)
    doc.set_font(FONT, size=12.5)
    doc.set_text_color(*INK)
    doc.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    doc.set_draw_color(*RULE)
    doc.line(doc.l_margin, doc.get_y(), doc.w - doc.r_margin, doc.get_y())
    doc.ln(2)


def text(doc: Any, text: str, *, size: float = 9.5, colour: tuple[int, int, int] = INK, height: float = 5) -> None:
    """A paragraph, wrapped to the page's width."""
    doc.set_font(FONT, size=size)
    doc.set_text_color(*colour)
    doc.multi_cell(0, height, text, align="L", new_x="LMARGIN", new_y="NEXT")


def table(doc: Any, widths: Sequence[float], rows: Sequence[Sequence[str]], align: Sequence[str]) -> None:
    """A table over the page's width; the first row is the heading. `widths` are relative, `align` per column."""
    from fpdf.fonts import FontFace

    doc.set_font(FONT, size=9)
    doc.set_text_color(*INK)
    doc.set_draw_color(*RULE)
    with doc.table(
        col_widths=tuple(widths),
        text_align=tuple(align),
        headings_style=FontFace(emphasis="", color=INK, fill_color=HEAD_FILL),
        line_height=5.2,
        padding=1.2,
        borders_layout="HORIZONTAL_LINES",
        width=doc.w - doc.l_margin - doc.r_margin,
    ) as tbl:
        for values in rows:
            row = tbl.row()
            for value in values:
                row.cell(value)
