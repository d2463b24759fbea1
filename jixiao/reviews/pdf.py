"""The 360 report as a PDF (decision 0009): the page's content drawn with fpdf2, in the reader's language.

It takes the page model of selectors_report (built from selectors_feedback.feedback_report() alone), so the
PDF shows exactly what the page shows and nothing else. The document, headings, paragraphs, tables and the
embedded CJK font are the shared helpers of jixiao/core/pdf.py.
The radar is drawn with fpdf2's own lines and polygons, in the colours of the page's chart.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.core.pdf import FONT, INK, MUTED, RULE
from jixiao.core.pdf import document as _document
from jixiao.core.pdf import heading as _heading
from jixiao.core.pdf import table as _table
from jixiao.core.pdf import text as _text

from .selectors_report import ReportPage

# The page chart's colours (static/js/echarts-theme.js, in the series' order), as RGB.
SERIES_COLOURS: dict[str, tuple[int, int, int]] = {
    "self": (32, 107, 196),  # #206bc4
    "others": (47, 179, 68),  # #2fb344
    "manager": (245, 159, 0),  # #f59f00
}
FLAG_COLOURS = {"blind_spot": (214, 57, 57), "hidden_strength": (20, 108, 67)}


def _groups_part(doc: Any, page: ReportPage) -> None:
    _heading(doc, _("Rater groups"))
    rows = [[_("Group"), _("Weight"), _("Applied weight"), _("Score"), _("Answers")]]
    for g in page.groups:
        if g.counted:
            answers = _("%(answered)s of %(asked)s answered") % {"answered": g.answered, "asked": g.asked or g.answered}
        elif g.anonymous and not g.shown:
            answers = _("Not enough answers to show (fewer than %(k)s)") % {"k": page.k}
        elif not g.shown:
            answers = _("No ratings")
        elif g.weight == "0":
            answers = _("For comparison only")
        else:
            answers = ""
        rows.append(
            [g.label, f"{g.weight}%", f"{g.applied}%" if g.shown else "—", g.score if g.shown else "—", answers]
        )
    _table(doc, (34, 20, 28, 18, 80), rows, ("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"))
    doc.ln(2)
    _text(
        doc,
        _("Score of the %(section)s section: %(score)s") % {"section": page.section_title, "score": page.score or "—"},
        size=10.5,
    )
    if page.dropped:
        _text(doc, _dropped_sentence(page), colour=MUTED, size=9)


def _dropped_sentence(page: ReportPage) -> str:
    return _(
        "Not counted (too few answers, or no one asked): %(groups)s. Their weight went to the other groups in "
        "proportion, as the template says."
    ) % {"groups": page.dropped_text}


def _radar(doc: Any, page: ReportPage) -> None:
    series = page.series()
    labels = [c.name for c in page.competencies]
    lo, hi = Decimal(page.scale_min), Decimal(page.scale_max)
    span = float(hi - lo) or 1.0
    size = 46.0  # radius, mm
    if doc.get_y() + 2 * size + 34 > doc.h - 16:
        doc.add_page()
    cx, cy = doc.w / 2, doc.get_y() + size + 12
    n = len(labels)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 - 2 * math.pi * i / n  # anticlockwise from the top, as ECharts draws it
        r = size * max(0.0, min(1.0, (value - float(lo)) / span))
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    doc.set_draw_color(*RULE)
    doc.set_line_width(0.2)
    steps = max(1, int(hi - lo))
    for step in range(1, steps + 1):
        ring = [point(i, float(lo) + span * step / steps) for i in range(n)]
        doc.polygon(ring, style="D")
    doc.set_font(FONT, size=7)
    doc.set_text_color(*MUTED)
    for step in range(steps + 1):
        value = float(lo) + span * step / steps
        x, y = point(0, value)
        doc.text(x + 1, y + 1, f"{value:g}")
    doc.set_font(FONT, size=8.5)
    doc.set_text_color(*INK)
    for i, label in enumerate(labels):
        x, y = point(i, float(hi))
        doc.line(cx, cy, x, y)
        angle = -math.pi / 2 - 2 * math.pi * i / n  # anticlockwise from the top, as ECharts draws it
        lx, ly = cx + (size + 4) * math.cos(angle), cy + (size + 4) * math.sin(angle)
        width = min(doc.get_string_width(label), 48)
        if abs(math.cos(angle)) < 0.2:
            lx -= width / 2
        elif math.cos(angle) < 0:
            lx -= width
        doc.set_xy(lx, ly - 2.2)
        doc.cell(width, 4.4, label)
    for key, _label, values in series:
        colour = SERIES_COLOURS.get(key, INK)
        # A competency without a number (a group too small to show) sits at the centre, as on the page.
        points = [point(i, float(Decimal(v)) if v else float(lo)) for i, v in enumerate(values)]
        with doc.local_context(fill_opacity=0.15, fill_color=colour, draw_color=colour, line_width=0.6):
            doc.polygon(points, style="DF")
    # Legend, centred under the chart's lowest point.
    bottom = max(point(i, float(hi))[1] for i in range(n))
    doc.set_y(bottom + 8)
    doc.set_font(FONT, size=9)
    widths = [doc.get_string_width(label) + 12 for _key, label, _values in series]
    x = (doc.w - sum(widths)) / 2
    for (key, label, _values), width in zip(series, widths, strict=True):
        colour = SERIES_COLOURS.get(key, INK)
        with doc.local_context(fill_color=colour):
            doc.rect(x, doc.get_y() + 1.2, 3, 3, style="F")
        doc.set_xy(x + 4.5, doc.get_y())
        doc.set_text_color(*INK)
        doc.cell(width - 4.5, 5.4, label)
        x += width
    doc.ln(7)


def _competencies_part(doc: Any, page: ReportPage) -> None:
    _heading(doc, _("Self versus others, by competency"))
    head = [_("Competency")]
    if page.show_self:
        head.append(_("Self"))
    if page.show_manager:
        head.append(_("Manager"))
    head += [label for _kind, label in page.columns]
    head.append(_("Others"))
    rows = [head]
    for c in page.competencies:
        row = [c.name]
        if page.show_self:
            row.append(c.self_score or "—")
        if page.show_manager:
            row.append(c.manager or "—")
        row += [cell or "—" for cell in c.cells]
        row.append(c.others or "—")
        rows.append(row)
    rest = len(head) - 1
    number = min(20.0, 110.0 / max(rest, 1))
    first = doc.w - doc.l_margin - doc.r_margin - number * rest
    _table(doc, (first, *([number] * rest)), rows, ("LEFT", *(["RIGHT"] * rest)))
    doc.ln(2)
    _text(
        doc,
        _(
            "Others: the answers of every anonymous group shown above, together. A blind spot is a competency where"
            " the self rating is well above what others see; a hidden strength is one where others see more than"
            " the self rating. Well above means a difference of at least a quarter of the scale."
        ),
        colour=MUTED,
        size=8.5,
        height=4.4,
    )
    for c in page.flagged:
        doc.ln(1)
        _text(doc, f"{c.name} — {c.note}", colour=FLAG_COLOURS.get(c.flag, INK), size=9.5)


def _comments_part(doc: Any, page: ReportPage) -> None:
    _heading(doc, _("Comments"))
    _text(
        doc,
        _(
            "Comments show once at least %(k)s people in a group wrote one, in an order that says nothing about"
            " who wrote them or when."
        )
        % {"k": page.comment_k},
        colour=MUTED,
        size=8.5,
        height=4.4,
    )
    for question in page.questions:
        doc.ln(2)
        _text(doc, question.text, size=10.5, height=5.6)
        if not question.blocks:
            _text(doc, _("No comments to show for this question."), colour=MUTED, size=9)
        for block in question.blocks:
            doc.ln(1)
            _text(doc, block.label, colour=MUTED, size=9)
            for text in block.texts:
                doc.set_x(doc.l_margin + 3)
                doc.set_font(FONT, size=9.5)
                doc.set_text_color(*INK)
                doc.multi_cell(0, 5, f"• {text}", align="L", new_x="LMARGIN", new_y="NEXT")


def _names_part(doc: Any, page: ReportPage) -> None:
    if not page.names:
        return
    _heading(doc, _("Who was asked"))
    _text(
        doc,
        _("This cycle is confidential rather than anonymous: managers and HR see who was asked, never who wrote what."),
        colour=MUTED,
        size=8.5,
    )
    rows = [[_("Group"), _("Name"), _("State")]]
    rows += [[r.group_label, r.name, r.state_label] for r in page.names]
    _table(doc, (40, 80, 60), rows, ("LEFT", "LEFT", "LEFT"))


def render_report(page: ReportPage) -> bytes:
    """The PDF's bytes; in the active language."""
    title = _("360° feedback report")
    doc = _document(
        f"{title} · {page.reviewee_name}",
        _("Confidential · 360° feedback on %(name)s · %(cycle)s")
        % {"name": page.reviewee_name, "cycle": page.cycle_name},
    )
    doc.set_font(FONT, size=18)
    doc.set_text_color(*INK)
    doc.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    _text(doc, f"{page.reviewee_name} · {page.cycle_name} · {page.period}", colour=MUTED, size=10.5)
    _groups_part(doc, page)
    if not page.has_anything:
        doc.ln(3)
        _text(doc, _("No feedback to show yet"), size=11)
        _text(doc, _empty_sentence(page), colour=MUTED, size=9.5)
    else:
        if page.radar:
            _heading(doc, _("Self, others and manager at a glance"))
            _radar(doc, page)
        _competencies_part(doc, page)
        _comments_part(doc, page)
    _names_part(doc, page)
    return bytes(doc.output())


def _empty_sentence(page: ReportPage) -> str:
    return _(
        "Each group of peers, direct reports and customers shows once at least %(k)s people in it have answered."
    ) % {"k": page.k}


def feedback_report_pdf(*, actor: Any, page: ReportPage) -> bytes:
    """Render the report and record that this reader took it away as a file."""
    data = render_report(page)
    review = page.review
    record_event(
        actor=actor,
        action="feedback.report_pdf",
        target=review,
        scope_path=review.department.path if review.department_id and review.department else "",
        after={"bytes": len(data)},
    )
    return data
