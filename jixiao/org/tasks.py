"""Background work of the organisation app: large imports."""

from django_tasks import task

from .models import ImportJob


@task()
def run_import_job(job_id: int) -> None:
    """Run a queued import job (the page polls its progress); a job already started is left alone."""
    from .imports import import_job_run

    job = ImportJob.objects.select_related("owner").filter(pk=job_id, status=ImportJob.State.QUEUED).first()
    if job is not None:
        import_job_run(job=job)
