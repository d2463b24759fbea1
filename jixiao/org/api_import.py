"""Import endpoints: upload an employee file, then read the job (progress, counts, per-row report).

A rejected file is not an HTTP error: the job is created and answers with status "failed" and its
report, exactly as a large file's job does once the background worker has checked it.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.urls import reverse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from jixiao.core.api import CREATE_ERRORS, READ_ERRORS
from jixiao.core.http import AuthedRequest

from . import imports, permissions
from .models import ImportJob

router = Router(tags=["imports"])


class ImportProgressOut(Schema):
    done: int
    total: int
    percent: int
    stage: str


class ImportCountsOut(Schema):
    created: int
    updated: int
    unchanged: int
    departments_created: int


class ImportProblemOut(Schema):
    row: int | None
    column: str
    field: str
    code: str
    message: str


class ImportReportOut(Schema):
    total_errors: int
    truncated: bool
    errors: list[ImportProblemOut]
    notices: list[str]


class ImportJobOut(Schema):
    id: int
    kind: str
    filename: str
    status: str
    progress: ImportProgressOut
    counts: ImportCountsOut
    report: ImportReportOut
    created_at: dt.datetime
    finished_at: dt.datetime | None
    url: str
    page_url: str


def job_out(job: ImportJob) -> ImportJobOut:
    report = job.report or {}
    problems = [
        ImportProblemOut(
            row=entry.get("row"),
            column=entry.get("column") or entry.get("field") or "",
            field=entry.get("field") or "",
            code=entry.get("code", ""),
            message=imports.describe(entry),
        )
        for entry in report.get("errors", [])
    ]
    return ImportJobOut(
        id=job.pk,
        kind=job.kind,
        filename=job.filename,
        status=job.status,
        progress=ImportProgressOut(
            done=job.progress_done, total=job.progress_total, percent=job.percent, stage=job.stage
        ),
        counts=ImportCountsOut(
            created=job.created_count,
            updated=job.updated_count,
            unchanged=job.unchanged_count,
            departments_created=job.departments_created,
        ),
        report=ImportReportOut(
            total_errors=report.get("total_errors", 0),
            truncated=report.get("truncated", False),
            errors=problems,
            notices=[imports.describe(n) for n in report.get("notices", [])],
        ),
        created_at=job.created_at,
        finished_at=job.finished_at,
        url=reverse("api:import_job", args=[job.pk]),
        page_url=job.get_absolute_url(),
    )


@router.post(
    "/imports/employees",
    response={201: ImportJobOut, 202: ImportJobOut, **CREATE_ERRORS},
    url_name="import_employees",
    summary="Import employees and departments from a CSV or XLSX file",
)
def import_employees(request: AuthedRequest, file: File[UploadedFile]) -> Status[ImportJobOut]:
    """Upload a file (multipart field `file`). Small files are imported at once and answer 201 with the
    finished job; large ones answer 202 with a queued job to poll at `url`. All or nothing: a file with any
    bad row imports nothing, and the job's `report` lists each problem (row, column, message).
    Only HR and administrators may import; HR only into her own departments.
    """
    if not permissions.can_import(request.user):
        raise Http404
    job = imports.import_job_create(actor=request.user, file=file, filename=file.name or "")
    return Status(201 if job.finished else 202, job_out(job))


@router.get(
    "/imports/{job_id}",
    response={200: ImportJobOut, **READ_ERRORS},
    url_name="import_job",
    summary="Read an import job: status, progress, counts and per-row report",
)
def import_job(request: AuthedRequest, job_id: int) -> ImportJobOut:
    """The job, for the person who uploaded it or an administrator; 404 for anyone else."""
    return job_out(permissions.import_job_for_user(request.user, job_id))
