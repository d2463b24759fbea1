"""A person's own review results as an XLSX file: her released reviews, how each score was made, her 360 reports.

What is in it is what she may read on her pages: the visibility matrix for the scores (released reviews only)
and, for 360 feedback, selectors_feedback.feedback_access() and the anonymised report alone — so never who gave
anonymous feedback (no names, ids, emails or times of peers, direct reports or customers). Cells go through
exports.write_sheet() like HR's export, so nothing she exports runs as a formula. A fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.goals.selectors import period_label
from jixiao.org.selectors import actor_context

from .breakdown import UNSCORED_KINDS
from .exports import naive, number, spooled, write_sheet
from .models import Review
from .selectors import RELEASED_STATES, reader_role, review_view
from .selectors_cycles import band_label, localised
from .selectors_feedback import feedback_access
from .selectors_pages import cycle_name
from .selectors_report import ReportPage, build_report_page, feedback_reports, group_label
from .transparency import rating_change


def my_released_reviews(user: Any) -> list[Review]:
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return []
    return list(
        Review.objects.filter(reviewee_id=ctx.employee_id, state__in=RELEASED_STATES)
        .select_related("cycle__period", "reviewee", "department")
        .order_by("-released_at", "-pk")
    )


def sheets(user: Any) -> Iterator[tuple[str, list[list[Any]]]]:
    """(sheet title, rows with a header first) for each sheet of the file, not yet neutralised."""
    ctx = actor_context(user)
    reviews = my_released_reviews(user)
    states = {s.value: str(s.label) for s in Review.State}
    results: list[list[Any]] = [
        [
            _("Review cycle"),
            _("Period"),
            _("State"),
            _("Final score"),
            _("Band"),
            _("Band label"),
            _("Band of the score"),
            _("Changed by"),
            _("Reason for the change"),
            _("Released at"),
        ]
    ]
    breakdown: list[list[Any]] = [
        [
            _("Review cycle"),
            _("Section"),
            _("Weight"),
            _("Applied weight"),
            _("Score"),
            _("Contribution"),
            _("Score before correction"),
            _("Reason for the correction"),
        ]
    ]
    readable: list[Review] = []
    for review in reviews:
        view = review_view(
            role=reader_role(ctx, review, review.reviewee.chain), state=review.state, self_submitted=True
        )
        if not view.score:
            continue
        snapshot = review.cycle.snapshot or {}
        bands = {b["code"]: band_label(b) for b in snapshot.get("scale", {}).get("bands", [])}
        name = cycle_name(review.cycle)
        change = rating_change(review)  # which changed her result and why, never who (decision 0011)
        results.append(
            [
                name,
                period_label(review.cycle.period),
                states.get(review.state, review.state),
                review.final_score,
                review.band,
                bands.get(review.band, ""),
                str((review.breakdown or {}).get("band") or ""),
                change.source_label if change else "",
                change.reason if change else "",
                naive(review.released_at),
            ]
        )
        for section in (review.breakdown or {}).get("sections", []):
            if section.get("kind") in UNSCORED_KINDS:
                continue
            title = localised(section.get("title", ""), section.get("title_en", ""))
            breakdown.append(
                [
                    name,
                    title,
                    number(section.get("weight")),
                    number(section.get("effective_weight")),
                    number(section.get("score")),
                    number(section.get("contribution")),
                    number(section.get("corrected_from")),
                    str(section.get("correction_reason", "")),
                ]
            )
            for group in section.get("groups") or []:
                breakdown.append(
                    [
                        name,
                        f"{title} · {group_label(group.get('group', ''))}",
                        number(group.get("weight")),
                        number(group.get("effective_weight")),
                        number(group.get("score")),
                        None,
                        None,
                        "",
                    ]
                )
        if feedback_access(user, review).report:
            readable.append(review)
    yield _("Results"), results
    yield _("Score breakdown"), breakdown
    reports = feedback_reports(readable)
    built: list[ReportPage] = [
        build_report_page(review, feedback_access(user, review), reports[review.pk])
        for review in readable
        if review.pk in reports
    ]
    yield _("360 groups"), _group_rows(built)
    yield _("360 competencies"), _competency_rows(built)
    yield _("360 comments"), _comment_rows(built)


def _group_rows(pages: list[ReportPage]) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [_("Review cycle"), _("Group"), _("Weight"), _("Applied weight"), _("Score"), _("Answers")]
    ]
    for page in pages:
        for g in page.groups:
            if g.counted:
                answers = _("%(answered)s of %(asked)s answered") % {
                    "answered": g.answered,
                    "asked": g.asked or g.answered,
                }
            elif g.anonymous and not g.shown:
                answers = _("Not enough answers to show (fewer than %(k)s)") % {"k": page.k}
            else:
                answers = ""
            rows.append(
                [
                    page.cycle_name,
                    g.label,
                    number(g.weight),
                    number(g.applied) if g.shown else None,
                    number(g.score) if g.shown else None,
                    answers,
                ]
            )
    return rows


def _competency_rows(pages: list[ReportPage]) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [
            _("Review cycle"),
            _("Competency"),
            _("Self"),
            _("Manager"),
            group_label("peer"),
            group_label("upward"),
            group_label("customer"),
            _("Others"),
            _("Note"),
        ]
    ]
    for page in pages:
        for c in page.competencies:
            cells = dict(zip([kind for kind, _label in page.columns], c.cells, strict=True))
            rows.append(
                [
                    page.cycle_name,
                    c.name,
                    number(c.self_score),
                    number(c.manager),
                    number(cells.get("peer")),
                    number(cells.get("upward")),
                    number(cells.get("customer")),
                    number(c.others),
                    c.note,
                ]
            )
    return rows


def _comment_rows(pages: list[ReportPage]) -> list[list[Any]]:
    rows: list[list[Any]] = [[_("Review cycle"), _("Question"), _("Group"), _("Comment")]]
    for page in pages:
        for question in page.questions:
            for block in question.blocks:
                rows.extend([page.cycle_name, question.text, block.label, text] for text in block.texts)
    return rows


def personal_export(*, user: Any) -> IO[bytes]:
    """Write the XLSX to a temporary file (rewound) and audit the export."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    count = 0
    for title, rows in sheets(user):
        written = write_sheet(workbook, title=title[:31], rows=iter(rows), freeze="A2")
        if title == _("Results"):
            count = written
    out = spooled(workbook)
    ctx = actor_context(user)
    record_event(
        actor=user,
        action="review.my_export",
        target_type="org.employee",
        target_id=str(ctx.employee_id or ""),
        target_label=getattr(user, "get_username", lambda: "")(),
        scope_path=ctx.employee_department_path,
        after={"reviews": count, "format": "xlsx"},
    )
    return out
