"""The import pages: who reaches them, upload, the job page and its polling, the report, the template."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks.signals import task_enqueued
from python_calamine import CalamineWorkbook

from jixiao.audit.models import AuditEvent
from jixiao.org import imports
from jixiao.org.imports import JobProgress, employees_import_file
from jixiao.org.models import Department, Employee, ImportJob
from jixiao.org.testing_import import HEADER, HEADER_ZH, company_rows, csv_bytes, person_row, xlsx_bytes

pytestmark = pytest.mark.django_db

EAST = "总部/销售部/华东区"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, name: str = "people.xlsx"):
    return client.post(reverse("org:import"), {"file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize("who", ["employee", "manager", "outsider", "executive"])
def test_people_who_are_neither_hr_nor_admin_get_404_on_every_import_page(personas, who):
    person = getattr(personas, who)
    client = client_for(getattr(person, "user", person))
    job = ImportJob.objects.create(owner=personas.admin, filename="x.xlsx")
    assert client.get(reverse("org:import")).status_code == 404
    assert upload(client, xlsx_bytes([person_row("N1", "甲", EAST)])).status_code == 404
    assert client.get(reverse("org:import_template")).status_code == 404
    assert client.get(reverse("org:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("org:import_job_status", args=[job.pk])).status_code == 404
    assert not Employee.objects.filter(employee_number="N1").exists()


def test_hr_and_admins_see_the_upload_form_and_the_documented_columns(personas):
    for user in (personas.scoped_hr, personas.admin):
        response = client_for(user).get(reverse("org:import"))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="import-form"' in html
        for col in imports.COLUMNS:
            assert f"<code>{col.key}</code>" in html
            assert col.zh in html


def test_the_page_asks_for_a_file_when_none_is_sent(personas):
    response = client_for(personas.scoped_hr).post(reverse("org:import"), {})
    assert response.status_code == 200
    assert "Choose a CSV or XLSX file to import." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_good_small_file_is_imported_at_once_and_the_job_page_shows_the_counts(personas):
    client = client_for(personas.scoped_hr)
    response = upload(client, xlsx_bytes([person_row("N1", "甲", EAST), person_row("N2", "乙", EAST, "N1")]))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("org:import_job", args=[job.pk])
    assert (job.status, job.created_count, job.content) == ("succeeded", 2, b"")
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-succeeded"' in html
    assert 'data-testid="import-created">2<' in html
    assert "hx-trigger" not in html  # a finished job is not polled


def test_a_bad_file_shows_the_per_row_report_and_writes_nothing(personas):
    client = client_for(personas.scoped_hr)
    before = (Employee.objects.count(), Department.objects.count(), AuditEvent.objects.count())
    rows = [person_row("N1", "甲", EAST, "NOBODY"), person_row("N2", "乙", EAST, hire_date="2020-02-31")]
    response = upload(client, csv_bytes(rows), "people.csv")
    assert (Employee.objects.count(), Department.objects.count(), AuditEvent.objects.count()) == before
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-failed"' in html
    assert "The file has 2 problems." in html
    assert "No employee has the number NOBODY, neither in the system nor in this file." in html
    assert "“2020-02-31” is not a date; write it as YYYY-MM-DD." in html
    assert '<td class="jx-number">2</td>' in html and '<td class="jx-number">3</td>' in html


def test_the_report_follows_the_language_of_the_person_reading_it(personas):
    client = client_for(personas.scoped_hr)
    response = upload(client, xlsx_bytes([person_row("N1", "甲", EAST, status="gone")], header=HEADER_ZH))
    client.cookies["jixiao_language"] = "zh-hans"
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<td>状态</td>" in html  # the column as the file names it


def test_an_oversized_upload_is_refused_before_it_is_read(personas, settings):
    settings.JIXIAO_IMPORT_MAX_BYTES = 100
    client = client_for(personas.admin)
    response = upload(client, csv_bytes([person_row(f"N{i}", "甲", EAST) for i in range(20)]), "people.csv")
    job = ImportJob.objects.get()
    assert (job.status, job.report["errors"][0]["code"], job.content) == ("failed", "too_large", b"")
    assert "too large" in client.get(response["Location"]).content.decode()


def test_a_large_file_runs_as_a_background_task(personas, settings):
    settings.JIXIAO_IMPORT_BACKGROUND_ROWS = 10
    enqueued: list[tuple] = []

    def on_enqueued(sender, task_result, **kwargs):
        enqueued.append((task_result.task.name, tuple(task_result.args)))

    task_enqueued.connect(on_enqueued)
    try:
        client = client_for(personas.admin)
        response = upload(client, xlsx_bytes(company_rows(40, root="总部", prefix="B")), "big.xlsx")
    finally:
        task_enqueued.disconnect(on_enqueued)
    job = ImportJob.objects.get()
    assert enqueued == [("run_import_job", (job.pk,))]
    # The tests' task backend runs the task at once; a real worker would leave the page polling meanwhile.
    assert (job.status, job.created_count, job.progress_done, job.progress_total) == ("succeeded", 40, 40, 40)
    assert job.started_at is not None and job.finished_at is not None
    assert 'data-testid="import-created">40<' in client.get(response["Location"]).content.decode()


def test_a_small_file_runs_at_once_without_a_task(personas, settings):
    settings.JIXIAO_IMPORT_BACKGROUND_ROWS = 1000
    enqueued: list[object] = []

    def on_enqueued(sender, task_result, **kwargs):
        enqueued.append(task_result)

    task_enqueued.connect(on_enqueued)
    try:
        upload(client_for(personas.admin), xlsx_bytes(company_rows(40, root="总部", prefix="B")))
    finally:
        task_enqueued.disconnect(on_enqueued)
    assert enqueued == []
    assert ImportJob.objects.get().status == "succeeded"


def test_checking_rows_reports_progress_as_it_goes(personas, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 10)
    seen: list[tuple[int, int, str]] = []
    data = xlsx_bytes(company_rows(40, root="总部", prefix="B"))
    employees_import_file(actor=personas.admin, data=data, filename="big.xlsx", progress=lambda *p: seen.append(p))
    assert seen == [
        (0, 0, "reading"),
        (10, 40, "checking"),
        (20, 40, "checking"),
        (30, 40, "checking"),
        (40, 40, "checking"),
        (40, 40, "checking"),
        (40, 40, "writing"),
    ]


def test_a_jobs_progress_is_written_where_the_page_reads_it(personas):
    job = ImportJob.objects.create(owner=personas.admin, filename="big.xlsx", status="running")
    JobProgress(job)(2500, 10000, "checking")
    client = client_for(personas.admin)
    partial = client.get(reverse("org:import_job_status", args=[job.pk])).content.decode()
    assert 'value="2500" max="10000"' in partial
    assert "2,500 of 10,000 rows checked" in partial


def test_a_running_job_page_polls_its_status_every_second(personas):
    job = ImportJob.objects.create(
        owner=personas.scoped_hr,
        filename="big.xlsx",
        status="running",
        stage="checking",
        progress_total=50000,
        progress_done=20000,
    )
    client = client_for(personas.scoped_hr)
    html = client.get(reverse("org:import_job", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("org:import_job_status", args=[job.pk])}"' in html
    assert 'hx-trigger="every 1s"' in html
    partial = client.get(reverse("org:import_job_status", args=[job.pk])).content.decode()
    assert partial.lstrip().startswith('<div id="jx-import-status"')
    assert 'value="20000" max="50000"' in partial
    assert "20,000 of 50,000 rows checked" in partial
    assert "<html" not in partial


def test_a_job_is_visible_to_its_owner_and_admins_only(personas):
    job = ImportJob.objects.create(owner=personas.scoped_hr, filename="x.xlsx", status="succeeded")
    url = reverse("org:import_job", args=[job.pk])
    assert client_for(personas.scoped_hr).get(url).status_code == 200
    assert client_for(personas.admin).get(url).status_code == 200
    assert client_for(personas.other_hr).get(url).status_code == 404
    assert client_for(personas.other_hr).get(reverse("org:import_job", args=[987654])).status_code == 404


def test_the_template_is_an_xlsx_with_the_documented_headers(personas):
    response = client_for(personas.scoped_hr).get(reverse("org:import_template"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    assert sheet.to_python()[0] == HEADER


def test_the_template_in_chinese_has_chinese_headers_that_import_as_they_are(personas):
    client = client_for(personas.scoped_hr)
    client.cookies["jixiao_language"] = "zh-hans"
    response = client.get(reverse("org:import_template"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert workbook.get_sheet_by_index(0).to_python()[0] == HEADER_ZH


def test_the_old_import_view_still_answers_through_the_new_page(personas, rf):
    from jixiao.org import views

    request = rf.get("/org/import/")
    request.user = personas.scoped_hr
    request.session = {}
    assert views.import_page(request).status_code == 200
