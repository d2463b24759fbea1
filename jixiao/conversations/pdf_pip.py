"""An improvement plan as a PDF, in the reader's language (decision 0010).

It draws the plan page's model (selectors_pip.plan_page), reached through the same gate as the page, with the
shared fpdf2 helpers and the embedded Noto Sans CJK font of jixiao/core/pdf.py (as the 360 report).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.core.pdf import FONT, INK, MUTED, document, heading, table, text

from .selectors_pip import PlanPage
from .services_pip import state_label


def render_plan(page: PlanPage) -> bytes:
    """The PDF's bytes; in the active language."""
    plan = page.plan
    employee = plan.employee
    title = _("Improvement plan")
    doc = document(
        f"{title} · {employee.name}",
        _("Confidential · improvement plan of %(name)s · printed %(date)s")
        % {"name": employee.name, "date": timezone.localdate().isoformat()},
    )
    doc.set_font(FONT, size=18)
    doc.set_text_color(*INK)
    doc.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    text(
        doc,
        f"{employee} · {employee.department} · {state_label(plan.state)}",
        colour=MUTED,
        size=10.5,
    )
    text(
        doc,
        _("From %(start)s to %(end)s · manager: %(manager)s · expectations version %(version)s")
        % {
            "start": plan.starts_on.isoformat(),
            "end": plan.ends_on.isoformat(),
            "manager": plan.manager.name,
            "version": plan.expectations_version,
        },
        colour=MUTED,
        size=9.5,
    )
    if plan.acknowledged_at:
        text(
            doc,
            _("Acknowledged on %(date)s") % {"date": timezone.localtime(plan.acknowledged_at).date().isoformat()},
            colour=MUTED,
            size=9.5,
        )
    heading(doc, _("Gaps"))
    text(doc, plan.gaps)
    heading(doc, _("Expected results"))
    rows = [[_("Expected result"), _("Measure")]]
    rows += [[e.text, e.measure] for e in page.expectations]
    table(doc, (95, 85), rows, ("LEFT", "LEFT"))
    heading(doc, _("Support given"))
    text(doc, plan.support or "—")
    heading(doc, _("Checkpoints"))
    for checkpoint in page.checkpoints:
        doc.ln(1)
        text(doc, f"{checkpoint.due_on.isoformat()} · {checkpoint.title}", size=10.5, height=5.6)
        notes = getattr(checkpoint, "note_rows", [])
        if not notes:
            text(doc, _("No progress notes yet."), colour=MUTED, size=9)
        for note in notes:
            doc.set_x(doc.l_margin + 3)
            text(
                doc,
                f"{note.author.name} · {timezone.localtime(note.created_at).date().isoformat()}: {note.text}",
                size=9.5,
            )
    if plan.outcome:
        heading(doc, _("Outcome"))
        text(doc, f"{state_label(plan.state)} — {plan.outcome}")
    return bytes(doc.output())


def improvement_plan_pdf(*, actor: Any, page: PlanPage) -> bytes:
    """Render the plan and record that this reader took it away as a file."""
    data = render_plan(page)
    plan = page.plan
    record_event(
        actor=actor,
        action="pip.pdf",
        target=plan,
        scope_path=plan.employee.department.path,
        after={"bytes": len(data)},
    )
    return data
