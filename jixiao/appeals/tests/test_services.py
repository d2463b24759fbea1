"""Appeals through the services: the window, who may file, the owner, handling, deciding, escalating (0011)."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from jixiao.accounts.models import User
from jixiao.appeals import services, tasks
from jixiao.appeals.models import Appeal, AppealAttachment
from jixiao.appeals.selectors import company_today
from jixiao.appeals.testing import (
    PNG,
    file_appeal,
    many_appeals,
    pdf,
    released_days_ago,
    released_review,
    reload_appeal,
    reload_review,
    stored_files,
)
from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.models import Notification
from jixiao.core.testing.personas import make_employee, make_user
from jixiao.org.models import HRScope
from jixiao.reviews.models import Review

pytestmark = pytest.mark.django_db
S = Appeal.State


@pytest.fixture
def review(personas):
    return released_review(personas)


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


# ---- the window --------------------------------------------------------------------------------------------


def test_the_last_day_of_the_window_is_allowed(personas):
    review = released_days_ago(released_review(personas, appeal_days=14), 14)
    appeal = file_appeal(personas, review)
    assert appeal.state == S.SUBMITTED


def test_the_day_after_the_window_is_refused_and_writes_nothing(personas, media):
    review = released_days_ago(released_review(personas, appeal_days=14), 15)
    error = refused(services.appeal_file, actor=personas.employee.user, review=review, reason="晚了", files=[pdf()])
    assert "ended on" in str(error.message)
    assert not Appeal.objects.exists() and not stored_files(media)


def test_a_cycle_with_no_appeal_days_takes_no_appeals(personas):
    review = released_review(personas, appeal_days=0)
    error = refused(services.appeal_file, actor=personas.employee.user, review=review, reason="不同意")
    assert str(error.message) == "This review cycle does not take appeals."
    assert not Appeal.objects.exists()


def test_a_result_not_released_cannot_be_appealed(personas, review):
    Review.objects.filter(pk=review.pk).update(state=Review.State.READY)
    error = refused(services.appeal_file, actor=personas.employee.user, review=reload_review(review.pk), reason="x")
    assert error.code == "illegal_transition"


# ---- who files, and how often ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "peer", "skip", "scoped_hr", "admin"])
def test_only_the_reviewee_can_appeal_her_result(personas, review, who):
    person = getattr(personas, who)
    user = person if isinstance(person, User) else person.user
    error = refused(services.appeal_file, actor=user, review=review, reason="代为申诉")
    assert error.code == "forbidden" and not Appeal.objects.exists()


def test_a_result_is_appealed_once(personas, review):
    file_appeal(personas, review)
    error = refused(services.appeal_file, actor=personas.employee.user, review=review, reason="再来一次")
    assert error.code == "exists" and Appeal.objects.count() == 1


def test_an_appeal_needs_a_reason(personas, review):
    error = refused(services.appeal_file, actor=personas.employee.user, review=review, reason="   ")
    assert "reason" in error.fields and not Appeal.objects.exists()


def test_filing_sets_the_due_date_the_owner_and_tells_the_owner_and_the_manager(personas):
    review = released_review(personas, appeal_sla_days=7)
    appeal = file_appeal(personas, review)
    assert appeal.due_on == company_today() + dt.timedelta(days=7)
    assert appeal.owner == personas.scoped_hr and appeal.department == personas.east
    told = set(Notification.objects.values_list("user_id", flat=True).filter(url=appeal.get_absolute_url()))
    assert told == {personas.scoped_hr.pk, personas.manager.user_id}
    event = AuditEvent.objects.get(action="appeal.file")
    assert event.target_id == str(appeal.pk) and event.scope_path == personas.east.path


# ---- the owner ---------------------------------------------------------------------------------------------


def test_the_owner_is_never_the_manager_being_appealed_even_when_she_is_hr_in_scope(personas, review):
    HRScope.objects.create(user=personas.manager.user, department=personas.east)  # nearer than scoped_hr's sales
    appeal = file_appeal(personas, review)
    assert appeal.owner == personas.scoped_hr


def test_the_owner_is_never_the_skip_level_manager(personas):
    review = released_review(personas, skip_level=True)
    assert review.skip_level == personas.skip
    HRScope.objects.create(user=personas.skip.user, department=personas.east)
    assert file_appeal(personas, review).owner == personas.scoped_hr


def test_the_nearest_scope_wins_then_the_fewest_open_appeals(personas, review):
    east_hr = make_user("east_hr")
    HRScope.objects.create(user=east_hr, department=personas.east)
    busy, free = make_user("sales_hr_busy"), make_user("sales_hr_free")
    assert file_appeal(personas, review).owner == east_hr  # the nearest scope
    Appeal.objects.all().delete()
    HRScope.objects.filter(user=east_hr).delete()
    for user in (busy, free):
        HRScope.objects.create(user=user, department=personas.sales)
    many_appeals(personas, review, 2, owner=personas.scoped_hr)
    many_appeals(personas, review, 1, owner=busy)
    assert file_appeal(personas, review).owner == free


def test_without_hr_in_scope_an_admin_owns_it(personas, review):
    HRScope.objects.filter(user=personas.scoped_hr).delete()
    assert file_appeal(personas, review).owner == personas.admin


# ---- attachments -------------------------------------------------------------------------------------------


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_files_of_the_allowed_kinds_are_stored_under_random_names(personas, review, media):
    files = [
        pdf("考核证明.pdf"),
        SimpleUploadedFile("screenshot.PNG", PNG),
        SimpleUploadedFile("客户表扬.docx", _docx()),
        SimpleUploadedFile("notes.txt", "客户满意度 98%".encode()),
    ]
    appeal = file_appeal(personas, review, files=files)
    rows = list(AppealAttachment.objects.filter(appeal=appeal).order_by("pk"))
    assert [r.name for r in rows] == ["考核证明.pdf", "screenshot.PNG", "客户表扬.docx", "notes.txt"]
    assert rows[0].content_type == "application/pdf" and rows[1].content_type == "image/png"
    assert all("考核" not in str(r.file.name) and str(r.file.name).startswith("appeals/") for r in rows)
    assert len(stored_files(media)) == 4


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("run.exe", b"MZ\x90\x00", "cannot be attached"),
        ("page.html", b"<html><script>alert(1)</script>", "cannot be attached"),
        ("fake.pdf", b"<html>not a pdf</html>", "does not look like a .pdf file"),
        ("fake.docx", b"PK\x03\x04not really a zip", "does not look like a .docx file"),
        ("binary.txt", b"abc\x00def", "does not look like a .txt file"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_a_file_of_the_wrong_kind_refuses_the_appeal_and_stores_nothing(personas, review, media, name, data, message):
    error = refused(
        services.appeal_file,
        actor=personas.employee.user,
        review=review,
        reason="附件",
        files=[pdf(), SimpleUploadedFile(name, data)],
    )
    assert any(message in m and name in m for m in error.fields["files"])
    assert not Appeal.objects.exists() and not AppealAttachment.objects.exists() and not stored_files(media)


def test_more_than_five_files_or_a_file_over_10_mb_is_refused(personas, review, media):
    error = refused(
        services.appeal_file, actor=personas.employee.user, review=review, reason="x", files=[pdf() for _ in range(6)]
    )
    assert error.fields["files"] == ["Attach at most 5 files."]
    big = pdf("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    error = refused(services.appeal_file, actor=personas.employee.user, review=review, reason="x", files=[big])
    assert "larger than 10 MB" in error.fields["files"][0]
    assert not Appeal.objects.exists() and not stored_files(media)


def test_files_written_before_a_failure_are_removed(personas, review, media, monkeypatch):
    def broken(**_kwargs):
        raise RuntimeError("audit store is down")

    monkeypatch.setattr(services, "record_event", broken)
    with pytest.raises(RuntimeError):
        services.appeal_file(actor=personas.employee.user, review=review, reason="x", files=[pdf(), pdf("b.pdf")])
    assert not Appeal.objects.exists() and not stored_files(media)


# ---- taking up, reassigning, responding ------------------------------------------------------------------------


@pytest.fixture
def appeal(personas, review):
    return file_appeal(personas, review)


def test_the_owner_takes_it_up_and_the_employee_is_told(personas, appeal):
    services.appeal_take_up(actor=personas.scoped_hr, appeal=appeal, version=appeal.version)
    assert reload_appeal(appeal.pk).state == S.UNDER_REVIEW
    assert Notification.objects.filter(user=personas.employee.user, title="Your appeal is being looked at").exists()


def test_someone_other_than_the_owner_cannot_take_it_up(personas, appeal):
    assert refused(services.appeal_take_up, actor=personas.admin, appeal=appeal).code == "forbidden"


def test_a_stale_take_up_is_refused(personas, appeal):
    with pytest.raises(StaleWrite):
        services.appeal_take_up(actor=personas.scoped_hr, appeal=appeal, version=appeal.version - 1)
    assert reload_appeal(appeal.pk).state == S.SUBMITTED


def test_reassigning_to_the_manager_being_appealed_is_refused(personas, appeal):
    HRScope.objects.create(user=personas.manager.user, department=personas.sales)
    error = refused(services.appeal_reassign, actor=personas.admin, appeal=appeal, owner=personas.manager.user)
    assert error.fields["owner"] == ["The manager being appealed cannot handle the appeal."]
    assert reload_appeal(appeal.pk).owner == personas.scoped_hr


def test_hr_in_scope_reassigns_to_other_eligible_hr_who_is_told(personas, appeal):
    colleague = make_user("sales_hr_2")
    HRScope.objects.create(user=colleague, department=personas.sales)
    services.appeal_reassign(actor=personas.scoped_hr, appeal=appeal, owner=colleague, version=appeal.version)
    assert reload_appeal(appeal.pk).owner == colleague
    assert Notification.objects.filter(user=colleague, url=appeal.get_absolute_url()).exists()


def test_reassigning_to_hr_of_another_unit_or_by_hr_out_of_scope_is_refused(personas, appeal):
    error = refused(services.appeal_reassign, actor=personas.scoped_hr, appeal=appeal, owner=personas.other_hr)
    assert "owner" in error.fields
    error = refused(services.appeal_reassign, actor=personas.other_hr, appeal=appeal, owner=personas.admin)
    assert error.code == "forbidden"


def test_the_manager_responds_while_the_appeal_is_open_and_the_owner_is_told(personas, appeal):
    services.appeal_respond(actor=personas.manager.user, appeal=appeal, response="评分依据见季度复盘。")
    saved = reload_appeal(appeal.pk)
    assert saved.manager_response == "评分依据见季度复盘。" and saved.manager_responded_at is not None
    assert Notification.objects.filter(user=personas.scoped_hr, url=appeal.get_absolute_url()).count() == 2
    event = AuditEvent.objects.get(action="appeal.respond")
    assert "评分" not in str(event.after)  # the text stays on the appeal, not in the log


def test_only_the_reviews_manager_responds_and_only_while_open(personas, appeal):
    assert refused(services.appeal_respond, actor=personas.skip.user, appeal=appeal, response="x").code == "forbidden"
    services.appeal_decide(actor=personas.scoped_hr, appeal=appeal, outcome_state=S.UPHELD, outcome="维持。")
    appeal = reload_appeal(appeal.pk)
    error = refused(services.appeal_respond, actor=personas.manager.user, appeal=appeal, response="晚了")
    assert error.code == "illegal_transition"


# ---- deciding -------------------------------------------------------------------------------------------------


def test_a_decision_without_an_outcome_is_refused_and_writes_nothing(personas, appeal):
    error = refused(
        services.appeal_decide, actor=personas.scoped_hr, appeal=appeal, outcome_state=S.CHANGED, outcome=" ", band="A"
    )
    assert "outcome" in error.fields
    assert reload_appeal(appeal.pk).state == S.SUBMITTED
    assert reload_review(appeal.review_id).band == "B"


def test_a_changed_result_needs_a_new_band_or_a_correction(personas, appeal):
    error = refused(
        services.appeal_decide, actor=personas.scoped_hr, appeal=appeal, outcome_state=S.CHANGED, outcome="改"
    )
    assert "band" in error.fields and reload_appeal(appeal.pk).state == S.SUBMITTED


def test_a_new_band_goes_with_changed_only(personas, appeal):
    error = refused(
        services.appeal_decide,
        actor=personas.scoped_hr,
        appeal=appeal,
        outcome_state=S.UPHELD,
        outcome="维持",
        band="A",
    )
    assert "outcome_state" in error.fields


def test_a_changed_result_rescores_the_review_and_tells_everyone_concerned(personas, appeal):
    mail.outbox = []
    section = next(s["key"] for s in appeal.review.breakdown["sections"] if s["kind"] == "competencies")
    services.appeal_decide(
        actor=personas.scoped_hr,
        appeal=appeal,
        outcome_state=S.CHANGED,
        outcome="客户满意度数据已补入，能力素质评分更正为 5。",
        corrections={section: Decimal(5)},
        version=appeal.version,
    )
    review = reload_review(appeal.review_id)
    assert (review.final_score or 0) > Decimal(3) and review.override_source == Review.OverrideSource.APPEAL
    assert review.override_reason.startswith("客户满意度数据已补入")
    corrected = next(s for s in review.breakdown["sections"] if s["key"] == section)
    assert Decimal(corrected["corrected_from"]) == Decimal(3)
    saved = reload_appeal(appeal.pk)
    assert saved.state == S.CHANGED and saved.decided_by == personas.scoped_hr and saved.decided_at
    told = set(
        Notification.objects.filter(url=appeal.get_absolute_url(), title__startswith="Appeal decided").values_list(
            "user_id", flat=True
        )
    )
    assert told == {personas.employee.user_id, personas.manager.user_id}  # the owner decided it herself
    assert AuditEvent.objects.filter(action="review.result_change", target_id=str(review.pk)).exists()
    assert (AuditEvent.objects.get(action="appeal.decide").after or {})["state"] == S.CHANGED


def test_a_new_band_pins_the_rating_the_employee_reads(personas, appeal):
    services.appeal_decide(
        actor=personas.admin, appeal=appeal, outcome_state=S.CHANGED, outcome="评级调整为 A。", band="A"
    )
    review = reload_review(appeal.review_id)
    assert (review.band, review.band_override) == ("A", "A")
    told = set(Notification.objects.filter(title__startswith="Appeal decided").values_list("user_id", flat=True))
    assert told == {personas.employee.user_id, personas.manager.user_id, personas.scoped_hr.pk}


def test_an_upheld_result_leaves_the_review_alone(personas, appeal):
    before = reload_review(appeal.review_id)
    services.appeal_decide(actor=personas.scoped_hr, appeal=appeal, outcome_state=S.UPHELD, outcome="评分有据，维持。")
    after = reload_review(appeal.review_id)
    assert (after.band, after.final_score, after.version) == (before.band, before.final_score, before.version)


def test_the_manager_being_appealed_cannot_decide_even_as_hr_in_scope(personas, appeal):
    HRScope.objects.create(user=personas.manager.user, department=personas.sales)
    error = refused(
        services.appeal_decide, actor=personas.manager.user, appeal=appeal, outcome_state=S.UPHELD, outcome="维持"
    )
    assert error.code == "forbidden"
    assert (
        refused(
            services.appeal_decide, actor=personas.other_hr, appeal=appeal, outcome_state=S.UPHELD, outcome="维持"
        ).code
        == "forbidden"
    )


def test_a_decided_appeal_is_not_decided_again(personas, appeal):
    services.appeal_decide(actor=personas.scoped_hr, appeal=appeal, outcome_state=S.REJECTED, outcome="不在申诉范围。")
    appeal = reload_appeal(appeal.pk)
    error = refused(
        services.appeal_decide, actor=personas.scoped_hr, appeal=appeal, outcome_state=S.UPHELD, outcome="再议"
    )
    assert error.code == "illegal_transition"


# ---- escalation ---------------------------------------------------------------------------------------------------


def test_an_overdue_appeal_is_escalated_once_and_the_owner_and_company_hr_are_told(personas, appeal):
    company_hr = make_user("company_hr")
    make_employee("总部HR", personas.root, user=company_hr)
    HRScope.objects.create(user=company_hr, department=personas.root)
    day_after_due = appeal.due_on + dt.timedelta(days=1)
    assert services.appeals_escalate(today=appeal.due_on) == 0  # due today is not late yet
    assert services.appeals_escalate(today=day_after_due) == 1
    assert reload_appeal(appeal.pk).escalated_at is not None
    told = set(Notification.objects.filter(title__startswith="An appeal is past").values_list("user_id", flat=True))
    assert told == {personas.scoped_hr.pk, company_hr.pk}
    assert services.appeals_escalate(today=day_after_due + dt.timedelta(days=3)) == 0
    assert AuditEvent.objects.filter(action="appeal.escalate").count() == 1
    assert Notification.objects.filter(title__startswith="An appeal is past").count() == 2


def test_decided_appeals_are_never_escalated(personas, appeal):
    services.appeal_decide(actor=personas.scoped_hr, appeal=appeal, outcome_state=S.UPHELD, outcome="维持")
    assert services.appeals_escalate(today=appeal.due_on + dt.timedelta(days=30)) == 0


def test_the_command_and_the_task_escalate(personas, appeal, capsys):
    late = (appeal.due_on + dt.timedelta(days=2)).isoformat()
    call_command("appeals_escalate", "--date", late)
    assert "appeals escalated: 1" in capsys.readouterr().out
    Appeal.objects.filter(pk=appeal.pk).update(escalated_at=None)
    assert tasks.escalate.call(late) == 1
