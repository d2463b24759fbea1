"""The XLSX export of a cycle's results: one row per review in the reader's scope, formula-like text made
harmless, scores only where the visibility matrix lets HR see them, and an audit event."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jixiao.audit.models import AuditEvent
from jixiao.goals.testing import make_period
from jixiao.org.models import Employee
from jixiao.reviews import services
from jixiao.reviews.exports import neutralise
from jixiao.reviews.models import EvaluationKind, Review
from jixiao.reviews.testing import evaluation_of, full_answers, launch, make_cycle, submit

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cycle(personas):
    return launch(personas.admin, make_cycle(personas.admin, make_period(personas.admin), name="导出考核"))


def sheet(response) -> list[list[object]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def rows_by_number(table) -> dict[str, dict[str, object]]:
    header = table[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in table[1:]}


def review_of(cycle, employee) -> Review:
    return Review.objects.select_related("cycle__period", "department").get(cycle=cycle, reviewee=employee)


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"])
def test_text_that_a_spreadsheet_would_run_is_read_back_as_plain_text(personas, cycle, text):
    Employee.objects.filter(pk=personas.employee.pk).update(name=text)
    table = rows_by_number(sheet(client_for(personas.admin).get(reverse("reviews:cycle_export", args=[cycle.pk]))))
    value = str(table[personas.employee.employee_number]["Name"])
    # (XML stores a carriage return as a line feed; what matters is the apostrophe in front.)
    assert value.startswith("'") and value[1:].strip() == text.strip()


def test_neutralise_leaves_numbers_and_ordinary_text_alone():
    assert neutralise(-3) == -3 and neutralise("王小明") == "王小明" and neutralise("a=b") == "a=b"
    assert neutralise("=1") == "'=1" and neutralise("-x") == "'-x"


def test_the_comment_of_a_disagreeing_reviewee_is_neutralised_too(personas, cycle):
    review = review_of(cycle, personas.employee)
    Review.objects.filter(pk=review.pk).update(
        state=Review.State.DISAGREED, acknowledgement_comment="=cmd|' /C calc'!A0"
    )
    table = rows_by_number(sheet(client_for(personas.admin).get(reverse("reviews:cycle_export", args=[cycle.pk]))))
    assert table[personas.employee.employee_number]["Acknowledgement comment"] == "'=cmd|' /C calc'!A0"
    assert table[personas.employee.employee_number]["Acknowledgement"] == "Disagreed"


def test_scoped_hr_exports_only_the_reviews_of_her_scope_and_the_export_is_audited(personas, cycle):
    table = rows_by_number(sheet(client_for(personas.scoped_hr).get(reverse("reviews:cycle_export", args=[cycle.pk]))))
    expected = set(
        Review.objects.filter(cycle=cycle, department__path__startswith=personas.sales.path).values_list(
            "reviewee__employee_number", flat=True
        )
    )
    assert set(table) == expected and personas.rnd_head.employee_number not in table
    event = AuditEvent.objects.get(action="cycle.export")
    assert event.actor == personas.scoped_hr and (event.after or {})["rows"] == len(expected)
    assert event.scope_path == personas.sales.path


def test_scores_appear_only_once_the_manager_part_is_submitted(personas, cycle):
    from jixiao.reviews.models import PhaseKind
    from jixiao.reviews.testing import advance_to

    review = review_of(cycle, personas.employee)
    submit(personas.employee.user, review)
    before = rows_by_number(sheet(client_for(personas.admin).get(reverse("reviews:cycle_export", args=[cycle.pk]))))
    mine = before[personas.employee.employee_number]
    assert mine["Final score"] is None and mine["Band"] is None and mine["Competencies"] is None
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    review = review_of(cycle, personas.employee)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="3"))
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    assert evaluation.state == "submitted"
    after = rows_by_number(sheet(client_for(personas.admin).get(reverse("reviews:cycle_export", args=[cycle.pk]))))
    mine = after[personas.employee.employee_number]
    assert mine["Final score"] == 3 and mine["Band"] == "B" and mine["Competencies"] == 3
    assert mine["Manager"] == personas.manager.name and mine["State"] == "Ready to release"


def test_the_private_note_of_the_manager_is_never_in_the_file(personas, cycle):
    from jixiao.reviews.models import PhaseKind
    from jixiao.reviews.testing import advance_to

    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    review = review_of(cycle, personas.employee)
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    services.evaluation_save(
        actor=personas.manager.user,
        evaluation=evaluation,
        answers=full_answers(review),
        version=evaluation.version,
        submit=True,
        private_note="只给HR看的备注",
    )
    response = client_for(personas.admin).get(reverse("reviews:cycle_export", args=[cycle.pk]))
    flat = [str(v) for row in sheet(response) for v in row]
    assert not any("只给HR看的备注" in v for v in flat)


def test_the_headers_follow_the_readers_language(personas, cycle):
    response = client_for(personas.admin).get(
        reverse("reviews:cycle_export", args=[cycle.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    header = sheet(response)[0]
    assert header[0] != "Employee number"  # translated once the catalogue has it
