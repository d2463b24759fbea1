"""A person's export of her own results: released reviews only, formula-safe, audited, and never the identity
of anyone who reviewed her anonymously — searched for in the whole unzipped file (decision 0009). Also HR's
cycle export: the 360 section's score as one more column, never a rater."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from jixiao.audit.models import AuditEvent
from jixiao.reviews.models import Evaluation
from jixiao.reviews.tests.test_report_pages import build, client_for, identities

pytestmark = pytest.mark.django_db

URL = "/reviews/mine/export.xlsx"


def download(client) -> bytes:
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return b"".join(response.streaming_content)


def xml_of(data: bytes) -> str:
    """Every XML part of the file, concatenated (sheets, shared strings, properties)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def cells(data: bytes) -> dict[str, list[list[object]]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def test_my_export_holds_my_results_and_360_report_and_no_rater(personas):
    world = build(personas, customers=2, customer_rating=["1", "2"], comment="PEER-SAYS")
    data = download(client_for(personas.employee.user))
    sheets = cells(data)
    assert [row[0] for row in sheets["Results"][1:]] == ["Review"]
    peers = next(row for row in sheets["360 groups"] if row[1] == "Peers")
    assert peers[4] == 3 and peers[5] == "3 of 3 answered"
    customers = next(row for row in sheets["360 groups"] if row[1] == "Customers")
    assert customers[4] is None and customers[5] == "Not enough answers to show (fewer than 3)"
    comments = [row[3] for row in sheets["360 comments"][1:]]
    assert {f"PEER-SAYS-{i}" for i in range(3)} <= set(comments)
    xml = xml_of(data)
    assert "CUSTOMER-SAYS" not in xml and ">1.5<" not in xml
    for identity in identities(world):
        assert identity not in xml
    raters = list(
        Evaluation.objects.filter(review=world.review, kind__in=("peer", "customer")).values_list("pk", "rater_id")
    )
    for rater in world.peers:
        assert rater.user is not None
        for pk in (rater.pk, rater.user.pk):
            assert str(pk) not in xml  # their ids are far from any other number (see test_report_pages)
    # Evaluation ids are small numbers, like scores: no text cell holds one.
    for evaluation_id, _rater_id in raters:
        assert f"<t>{evaluation_id}</t>" not in xml


def test_unreleased_reviews_stay_out_of_my_export(personas):
    build(personas, stage="closed")
    sheets = cells(download(client_for(personas.employee.user)))
    assert sheets["Results"][1:] == [] and sheets["360 groups"][1:] == []


def test_text_that_would_run_as_a_formula_is_made_plain(personas):
    build(personas, comment="=HYPERLINK(1)")
    sheets = cells(download(client_for(personas.employee.user)))
    comments = {row[3] for row in sheets["360 comments"][1:]}
    assert "'=HYPERLINK(1)-0" in comments
    assert not any(str(c).startswith("=") for c in comments)


def test_my_export_is_audited(personas):
    build(personas)
    client = client_for(personas.employee.user)
    download(client)
    event = AuditEvent.objects.filter(action="review.my_export").latest("pk")
    assert event.actor_id == personas.employee.user.pk and event.after == {"reviews": 1, "format": "xlsx"}


def test_an_account_without_an_employee_record_has_nothing_to_export(personas):
    assert client_for(personas.outsider).get(URL).status_code == 404


def test_my_export_runs_the_same_queries_for_one_and_two_released_reviews(personas):
    build(personas)
    client = client_for(personas.employee.user)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        download(client)
    build(personas)
    with CaptureQueriesContext(connection) as two:
        data = download(client)
    assert len(cells(data)["Results"]) == 3
    assert len(one.captured_queries) == len(two.captured_queries)


def test_hrs_cycle_export_has_the_360_score_and_no_rater(personas):
    world = build(personas, rating="4")
    response = client_for(personas.scoped_hr).get(f"/reviews/cycles/{world.cycle.pk}/export.xlsx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = cells(data)
    sheet = next(iter(rows.values()))
    header = sheet[0]
    assert "360° feedback" in header
    column = header.index("360° feedback")
    mine = next(row for row in sheet[1:] if row[1] == personas.employee.name)
    assert mine[column] == 4
    # The raters have reviews of their own in the cycle (their rows); the employee's row names none of them.
    text = " ".join(str(v) for v in mine if v is not None)
    for identity in identities(world):
        assert identity not in text
    assert len(header) == len(set(header)) and not any("rater" in str(h).lower() for h in header)
