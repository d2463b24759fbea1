"""Pages for reading 360 feedback (decision 0009): the report, its PDF, the upward report, HR's reveal, my export.

Thin views: the gate first — permissions.review_for_user, then selectors_feedback.feedback_access (HR's list of
managers behind permissions.cycle_for_hr) — then one selector or service, then render. A reader who may not
see a report gets the same 404 as for a review that does not exist. Pages that show 360 results are never
cached by the browser: they hold other people's words about someone.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from jixiao.audit.services import access_denied
from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.org.selectors import actor_context

from . import exports_personal, pdf, permissions, services_feedback
from . import selectors_report as reports
from .models import Review
from .selectors_feedback import FeedbackAccess, feedback_access


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need to see who wrote what?"),
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say why you need to see who wrote what.")},
        help_text=gettext_lazy("The reason is kept in the audit log with your name. Nothing you see here is stored."),
    )


def _gate(request: AuthedRequest, review_id: int, *, reveal: bool = False) -> tuple[Review, FeedbackAccess]:
    """The review and what the reader may see of its 360 feedback; 404 unless she may read the report
    (or, for the reveal, unless she is HR in scope or an admin)."""
    review = permissions.review_for_user(request.user, review_id)
    access = feedback_access(request.user, review)
    if not (access.reveal if reveal else access.report):
        raise access_denied(request.user, "reviews.review", review_id, write=reveal)
    return review, access


def _report_page(request: AuthedRequest, review_id: int) -> reports.ReportPage:
    """The 360 report as the reader may see it, behind the gate; 404 when the review has no 360 section."""
    review, access = _gate(request, review_id)
    page = reports.report_page(review=review, access=access)
    if page is None:
        raise Http404
    return page


def _chart_words() -> dict[str, str]:
    return {"self": _("Self"), "others": _("Others"), "manager": _("Manager")}


@login_required
@never_cache
def feedback_report(request: AuthedRequest, review_id: int) -> HttpResponse:
    """The 360 report: the groups, the section score, self versus others per competency, the radar, comments."""
    page = _report_page(request, review_id)
    return render(
        request,
        "reviews/report/report.html",
        {
            "page": page,
            "chart": page.chart(),
            "chart_words": _chart_words(),
            "reveal_form": RevealForm() if page.access.reveal else None,
        },
    )


@login_required
@never_cache
def feedback_report_pdf(request: AuthedRequest, review_id: int) -> HttpResponse:
    """The same report as a PDF in the reader's language (audited)."""
    page = _report_page(request, review_id)
    data = pdf.feedback_report_pdf(actor=request.user, page=page)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="jixiao-360-{page.review.pk}.pdf"'
    return response


@login_required
@never_cache
def feedback_reveal(request: AuthedRequest, review_id: int) -> HttpResponse:
    """HR sees who wrote each anonymous answer, after giving a reason (audited); shown once, stored nowhere."""
    review, access = _gate(request, review_id, reveal=True)
    form = RevealForm(request.POST if request.method == "POST" else None)
    context = {"review": review, "access": access, "form": form, "revealed": None}
    if request.method != "POST":
        return render(request, "reviews/report/reveal.html", context)
    if not form.is_valid():
        return render(request, "reviews/report/reveal.html", context, status=400)
    try:
        services_feedback.feedback_reveal(actor=request.user, review=review, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        for name, errors in exc.fields.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
        return render(request, "reviews/report/reveal.html", context, status=400)
    context["revealed"] = reports.revealed_responses(review)
    return render(request, "reviews/report/reveal.html", context)


@login_required
@never_cache
def upward_report(request: AuthedRequest, review_id: int) -> HttpResponse:
    """What a manager's direct reports said about her, with the same thresholds as the 360 report."""
    review, access = _gate(request, review_id)
    page = reports.upward_page(review=review, access=access)
    if page is None:
        raise Http404
    return render(request, "reviews/report/upward.html", {"page": page})


@login_required
@never_cache
def cycle_upward(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    """HR: the managers of a cycle with their direct reports' score, filtered by the raters' department or level."""
    cycle = permissions.cycle_for_hr(request.user, cycle_id)
    page = reports.cycle_upward_page(
        user=request.user,
        cycle=cycle,
        department_id=request.GET.get("department") or None,
        level=request.GET.get("level") or None,
        after=request.GET.get("after") or None,
    )
    status = 400 if page.error else 200
    if request.GET.get("rows") == "1" and request.headers.get("HX-Request") == "true":
        return render(request, "reviews/report/_upward_rows.html", {"page": page}, status=status)
    return render(request, "reviews/report/cycle_upward.html", {"page": page}, status=status)


@login_required
def my_export(request: AuthedRequest) -> FileResponse:
    """My released reviews — scores, breakdowns and 360 reports — as XLSX; never who gave anonymous feedback."""
    if actor_context(request.user).employee_id is None:
        raise Http404
    out = exports_personal.personal_export(user=request.user)
    stamp = timezone.localdate().isoformat()
    response = FileResponse(
        out,
        as_attachment=True,
        filename=f"jixiao-my-reviews-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "no-store"
    return response
