"""The import pages: upload a file, follow its job, read the per-row report, download a template."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from jixiao.core.http import AuthedRequest

from . import imports, permissions
from .models import ImportJob

RECENT_JOBS = 5


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        error_messages={"required": _("Choose a CSV or XLSX file to import.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv", "class": "form-control"}),
    )


def _require_import(request: AuthedRequest) -> None:
    if not permissions.can_import(request.user):
        raise Http404


@login_required
def import_page(request: AuthedRequest) -> HttpResponse:
    """Upload form, the documented columns and the person's recent imports."""
    _require_import(request)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        job = imports.import_job_create(actor=request.user, file=upload, filename=upload.name)
        return redirect(job)
    recent = ImportJob.objects.defer("content").filter(owner=request.user, kind=ImportJob.Kind.EMPLOYEES)[:RECENT_JOBS]
    return render(
        request,
        "org/import.html",
        {
            "form": form,
            "columns": imports.COLUMNS,
            "example": _example_csv(),
            "recent": recent,
            "max_mb": imports.megabytes(settings.JIXIAO_IMPORT_MAX_BYTES),
            "max_rows": imports.MAX_ROWS,
            "background_rows": settings.JIXIAO_IMPORT_BACKGROUND_ROWS,
        },
    )


@login_required
def import_job(request: AuthedRequest, job_id: int) -> HttpResponse:
    """One import: its progress while it runs, then its counts or its per-row report."""
    _require_import(request)
    job = permissions.import_job_for_user(request.user, job_id)
    return render(request, "org/import_job.html", _job_context(job))


@login_required
@require_GET
def import_job_status(request: AuthedRequest, job_id: int) -> HttpResponse:
    """The job's status block alone, polled by htmx every second until the job finishes."""
    _require_import(request)
    job = permissions.import_job_for_user(request.user, job_id)
    return render(request, "org/partials/import_job_status.html", _job_context(job))


@login_required
@require_GET
def import_template(request: AuthedRequest) -> HttpResponse:
    """An empty XLSX with the documented headers (Chinese headers for a Chinese page) and a help sheet."""
    _require_import(request)
    chinese = (get_language() or "").startswith("zh")
    response = HttpResponse(
        imports.template_xlsx(chinese_headers=chinese),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="jixiao-employees-template.xlsx"'
    return response


def _job_context(job: ImportJob) -> dict[str, object]:
    report = job.report or {}
    return {
        "job": job,
        "problems": imports.report_rows(report) if job.status == ImportJob.State.FAILED else [],
        "total_errors": report.get("total_errors", 0),
        "truncated": report.get("truncated", False),
        "notices": [imports.describe(n) for n in report.get("notices", [])],
    }


def _example_csv() -> str:
    header = ",".join(c.key for c in imports.COLUMNS)
    ceo = "XC10001,高明,Gao,gao@example.com,13800000001,首席执行官,M6,星辰科技,,2015-06-01,active"
    row = ",".join(c.example for c in imports.COLUMNS)
    return f"{header}\n{ceo}\n{row}"
