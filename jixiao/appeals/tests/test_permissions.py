"""Who reads an appeal, its attachments and the review page's appeal panel; everyone else gets 404."""

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.accounts.models import User
from jixiao.appeals.models import AppealAttachment
from jixiao.appeals.testing import file_appeal, pdf, released_days_ago, released_review
from jixiao.core.testing.personas import make_user
from jixiao.org.models import HRScope

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def user_of(personas, who: str) -> User:
    person = getattr(personas, who)
    return person if isinstance(person, User) else person.user


@pytest.fixture
def review(personas):
    return released_review(personas, skip_level=True)


@pytest.fixture
def appeal(personas, review):
    return file_appeal(personas, review, files=[pdf("证明.pdf")])


READERS = ["employee", "manager", "scoped_hr", "admin"]
OTHERS = ["peer", "skip", "ceo", "other_hr", "outsider", "executive", "rnd_head"]


@pytest.mark.parametrize("who", READERS)
def test_the_employee_her_manager_the_owner_and_admins_read_the_appeal(personas, appeal, who):
    response = signed_in(user_of(personas, who)).get(appeal.get_absolute_url())
    assert response.status_code == 200
    assert appeal.reason in response.content.decode()


@pytest.mark.parametrize("who", OTHERS)
def test_everyone_else_gets_404_for_the_appeal_even_her_skip_level_and_the_ceo(personas, appeal, who):
    assert signed_in(user_of(personas, who)).get(appeal.get_absolute_url()).status_code == 404


def test_hr_in_scope_who_is_not_the_owner_reads_it(personas, appeal):
    east_hr = make_user("east_hr_reader")
    HRScope.objects.create(user=east_hr, department=personas.east)
    assert signed_in(east_hr).get(appeal.get_absolute_url()).status_code == 200


def test_a_missing_appeal_looks_like_a_forbidden_one(personas, appeal):
    client = signed_in(personas.outsider)
    assert client.get(reverse("appeals:appeal", args=[appeal.pk + 999])).status_code == 404
    assert client.get("/appeals/abc/").status_code == 404


def test_the_employee_sees_that_her_manager_responded_but_not_the_text(personas, appeal):
    from jixiao.appeals import services

    services.appeal_respond(actor=personas.manager.user, appeal=appeal, response="她的客户数据已在第三季度计入。")
    employee_page = signed_in(personas.employee.user).get(appeal.get_absolute_url()).content.decode()
    owner_page = signed_in(personas.scoped_hr).get(appeal.get_absolute_url()).content.decode()
    assert "她的客户数据" not in employee_page and 'data-testid="timeline-responded"' in employee_page
    assert "她的客户数据" in owner_page


@pytest.mark.parametrize(
    ("who", "handles"), [("scoped_hr", True), ("admin", True), ("manager", False), ("employee", False)]
)
def test_only_handlers_open_the_decide_form(personas, appeal, who, handles):
    response = signed_in(user_of(personas, who)).get(reverse("appeals:decide", args=[appeal.pk]))
    assert response.status_code == (200 if handles else 404)


def test_the_hr_pages_are_for_hr_and_admins(personas, appeal):
    for who in ("employee", "manager", "outsider", "executive"):
        client = signed_in(user_of(personas, who))
        assert client.get(reverse("appeals:list")).status_code == 404
        assert client.get(reverse("appeals:report")).status_code == 404
    for who in ("scoped_hr", "other_hr", "admin"):
        assert signed_in(user_of(personas, who)).get(reverse("appeals:list")).status_code == 200


def test_hr_of_another_unit_lists_none_of_them(personas, appeal):
    html = signed_in(personas.other_hr).get(reverse("appeals:list")).content.decode()
    assert 'data-testid="list-row"' not in html and 'data-testid="list-empty"' in html


# ---- attachments ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_readers_download_attachments_as_files_never_inline(personas, appeal, who):
    attachment = AppealAttachment.objects.get(appeal=appeal)
    response = signed_in(user_of(personas, who)).get(reverse("appeals:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]


@pytest.mark.parametrize("who", OTHERS)
def test_nobody_else_downloads_an_attachment(personas, appeal, who):
    attachment = AppealAttachment.objects.get(appeal=appeal)
    url = reverse("appeals:attachment", args=[attachment.pk])
    assert signed_in(user_of(personas, who)).get(url).status_code == 404


def test_a_download_is_audited(personas, appeal):
    from jixiao.audit.models import AuditEvent

    attachment = AppealAttachment.objects.get(appeal=appeal)
    signed_in(personas.manager.user).get(reverse("appeals:attachment", args=[attachment.pk]))
    assert AuditEvent.objects.filter(action="appeal.download", target_id=str(appeal.pk)).exists()


# ---- the review page's panel -------------------------------------------------------------------------------------


def panel(personas, who, review) -> tuple[int, str]:
    response = signed_in(user_of(personas, who)).get(reverse("appeals:review_panel", args=[review.pk]))
    return response.status_code, response.content.decode()


def test_the_reviewee_reads_until_when_she_can_appeal_and_the_button(personas, review):
    status, html = panel(personas, "employee", review)
    assert status == 200 and 'data-testid="panel-file"' in html
    assert reverse("appeals:file", args=[review.pk]) in html


def test_after_the_window_the_reviewee_reads_that_it_ended(personas):
    review = released_days_ago(released_review(personas), 20)
    _status, html = panel(personas, "employee", review)
    assert 'data-testid="panel-closed"' in html and 'data-testid="panel-file"' not in html


def test_without_appeals_the_reviewee_reads_that_the_cycle_takes_none(personas):
    review = released_review(personas, appeal_days=0)
    assert 'data-testid="panel-off"' in panel(personas, "employee", review)[1]


def test_with_an_appeal_the_panel_shows_its_state_and_link(personas, appeal, review):
    for who in ("employee", "manager", "scoped_hr", "admin"):
        status, html = panel(personas, who, review)
        assert status == 200 and 'data-testid="appeal-state"' in html and appeal.get_absolute_url() in html


def test_readers_of_the_review_who_may_not_read_the_appeal_get_an_empty_panel(personas, appeal, review):
    status, html = panel(personas, "skip", review)
    assert status == 200 and html.strip() == ""


def test_the_manager_gets_an_empty_panel_when_nobody_appealed(personas, review):
    assert panel(personas, "manager", review)[1].strip() == ""


def test_people_who_cannot_open_the_review_get_404_for_its_panel(personas, review):
    for who in ("peer", "other_hr", "outsider"):
        assert panel(personas, who, review)[0] == 404
