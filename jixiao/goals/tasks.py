"""Background work of the goals app: large KPI actuals imports."""

from django_tasks import task

from jixiao.org.models import ImportJob


@task()
def run_actuals_import_job(job_id: int) -> None:
    """Run a queued KPI actuals import job (the page polls its progress); a job already started is left alone."""
    from .imports_kpi import actuals_job_run

    job = (
        ImportJob.objects.select_related("owner")
        .filter(pk=job_id, kind=ImportJob.Kind.KPI_ACTUALS, status=ImportJob.State.QUEUED)
        .first()
    )
    if job is not None:
        actuals_job_run(job=job)
