"""The import API: upload a file, read the job; the same gate and the same report as the page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jixiao.accounts.services import token_create
from jixiao.audit.models import AuditEvent
from jixiao.org.models import Department, Employee, ImportJob
from jixiao.org.testing_import import company_rows, csv_bytes, person_row, xlsx_bytes

pytestmark = pytest.mark.django_db

EAST = "总部/销售部/华东区"
UPLOAD = "/api/v1/imports/employees"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_file(client: Client, data: bytes, name: str = "people.xlsx", **extra):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data)}, **extra)


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.content
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_hr_imports_a_file_and_gets_the_finished_job_with_its_counts(personas):
    response = post_file(client_for(personas.scoped_hr), xlsx_bytes([person_row("N1", "甲", EAST)]))
    assert response.status_code == 201, response.content
    body = response.json()
    job = ImportJob.objects.get()
    assert body["id"] == job.pk
    assert (body["status"], body["filename"], body["kind"]) == ("succeeded", "people.xlsx", "employees")
    assert body["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "departments_created": 0}
    assert body["progress"] == {"done": 1, "total": 1, "percent": 100, "stage": ""}
    assert body["report"] == {"total_errors": 0, "truncated": False, "errors": [], "notices": []}
    assert body["url"] == f"/api/v1/imports/{job.pk}"
    assert body["page_url"] == f"/org/import/jobs/{job.pk}/"


def test_a_bad_file_answers_a_failed_job_with_the_per_row_report_and_writes_nothing(personas):
    client = client_for(personas.admin)  # signing in is audited; count after it
    before = (Employee.objects.count(), Department.objects.count(), AuditEvent.objects.count())
    rows = [person_row("N1", "甲", EAST), person_row("N1", "乙", EAST, "NOBODY")]
    response = post_file(client, csv_bytes(rows), "people.csv")
    assert (Employee.objects.count(), Department.objects.count(), AuditEvent.objects.count()) == before
    body = response.json()
    assert body["status"] == "failed"
    assert body["report"]["total_errors"] == 2
    assert [(e["row"], e["column"], e["code"]) for e in body["report"]["errors"]] == [
        (3, "employee_number", "duplicate_number"),
        (3, "manager_number", "unknown_manager"),
    ]
    assert body["report"]["errors"][0]["message"] == "Employee number N1 appears twice in the file (first in row 2)."


def test_the_report_messages_follow_the_callers_language(personas):
    client = client_for(personas.admin)
    response = post_file(
        client, xlsx_bytes([person_row("N1", "甲", EAST, status="gone")]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    job_id = response.json()["id"]
    english = client.get(f"/api/v1/imports/{job_id}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["report"]["errors"][0]["message"].startswith("Unknown status “gone”")


def test_a_personal_token_can_import(personas):
    _, secret = token_create(user=personas.scoped_hr, name="HRIS sync")
    response = Client().post(
        UPLOAD,
        {"file": SimpleUploadedFile("people.xlsx", xlsx_bytes([person_row("N1", "甲", EAST)]))},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201, response.content
    assert Employee.objects.filter(employee_number="N1").exists()


def test_hr_cannot_import_outside_her_departments_through_the_api_either(personas):
    body = post_file(client_for(personas.scoped_hr), xlsx_bytes([person_row("N1", "甲", "总部/研发部")])).json()
    assert body["status"] == "failed"
    assert body["report"]["errors"][0]["code"] == "department_out_of_scope"
    assert not Employee.objects.filter(employee_number="N1").exists()


@pytest.mark.parametrize("who", ["employee", "manager", "outsider", "executive"])
def test_people_who_are_neither_hr_nor_admin_get_404_from_the_import_api(personas, who):
    person = getattr(personas, who)
    client = client_for(getattr(person, "user", person))
    assert_not_found(post_file(client, xlsx_bytes([person_row("N1", "甲", EAST)])))
    job = ImportJob.objects.create(owner=personas.admin, filename="x.xlsx")
    assert_not_found(client.get(f"/api/v1/imports/{job.pk}"))
    assert not Employee.objects.filter(employee_number="N1").exists()


def test_a_job_is_read_by_its_owner_and_admins_only(personas):
    job = ImportJob.objects.create(owner=personas.scoped_hr, filename="x.xlsx", status="queued", progress_total=9)
    body = client_for(personas.scoped_hr).get(f"/api/v1/imports/{job.pk}").json()
    assert (body["status"], body["progress"]["total"], body["finished_at"]) == ("queued", 9, None)
    assert client_for(personas.admin).get(f"/api/v1/imports/{job.pk}").status_code == 200
    assert_not_found(client_for(personas.other_hr).get(f"/api/v1/imports/{job.pk}"))
    assert_not_found(client_for(personas.other_hr).get("/api/v1/imports/987654"))


def test_an_upload_without_a_file_is_a_validation_error(personas):
    response = client_for(personas.admin).post(UPLOAD, {})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"file": ["Required."]}


def test_anonymous_callers_are_asked_to_authenticate(db):
    assert Client().post(UPLOAD, {}).status_code == 401


def test_a_large_file_goes_through_the_background_task(personas, settings):
    settings.JIXIAO_IMPORT_BACKGROUND_ROWS = 10
    body = post_file(client_for(personas.admin), xlsx_bytes(company_rows(30, root="总部", prefix="B"))).json()
    # The tests' task backend runs at once, so the job is already done; a real worker answers 202 first.
    assert (body["status"], body["counts"]["created"]) == ("succeeded", 30)


def test_a_kpi_actuals_job_is_not_read_through_the_people_import(personas):
    job = ImportJob.objects.create(owner=personas.admin, kind=ImportJob.Kind.KPI_ACTUALS, filename="actuals.csv")
    client = Client()
    client.force_login(personas.admin)
    assert client.get(f"/api/v1/imports/{job.pk}").status_code == 404
    assert client.get(f"/org/import/jobs/{job.pk}/").status_code == 404
