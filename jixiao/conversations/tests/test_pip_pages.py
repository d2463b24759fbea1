"""Improvement plans: who reads them, the pages, the PDF, query counts and the evidence selector."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from jixiao.audit.models import AuditEvent
from jixiao.conversations import permissions, selectors_pip
from jixiao.conversations import services_pip as sp
from jixiao.conversations.models import ImprovementPlan
from jixiao.conversations.testing_pip import END, START, make_plan
from jixiao.core.testing.personas import make_employee, make_user
from jixiao.org.selectors import actor_context

S = ImprovementPlan.State
pytestmark = pytest.mark.django_db


def _user(personas, who):
    person = getattr(personas, who)
    return getattr(person, "user", person)


@pytest.fixture
def active_plan(personas):
    return make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)


# ---- who reads a plan --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "manager", "skip", "ceo", "scoped_hr", "admin"])
def test_the_employee_her_chain_hr_in_scope_and_admins_read_the_plan(client, personas, active_plan, who):
    client.force_login(_user(personas, who))
    assert client.get(reverse("conversations:pip_detail", args=[active_plan.pk])).status_code == 200
    assert permissions.improvement_plan_for_user(_user(personas, who), active_plan.pk) == active_plan


@pytest.mark.parametrize("who", ["peer", "rnd_head", "other_hr", "outsider", "executive"])
def test_peers_outsiders_and_other_hr_get_404(client, personas, active_plan, who):
    client.force_login(_user(personas, who))
    assert client.get(reverse("conversations:pip_detail", args=[active_plan.pk])).status_code == 404
    assert client.get(reverse("conversations:pip_pdf", args=[active_plan.pk])).status_code == 404
    assert not selectors_pip.visible_to(_user(personas, who)).exists()
    assert AuditEvent.objects.filter(action="access.denied", target_id=str(active_plan.pk)).exists()


def test_a_missing_plan_is_404_like_a_forbidden_one(client, personas):
    client.force_login(personas.manager.user)
    assert client.get(reverse("conversations:pip_detail", args=[987654])).status_code == 404


def test_the_employee_does_not_see_a_draft_being_prepared(client, personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee)
    client.force_login(personas.employee.user)
    assert client.get(reverse("conversations:pip_detail", args=[plan.pk])).status_code == 404
    client.force_login(personas.scoped_hr)
    assert client.get(reverse("conversations:pip_detail", args=[plan.pk])).status_code == 200


@pytest.mark.parametrize("who", ["employee", "skip", "peer"])
def test_only_her_manager_and_hr_may_edit(client, personas, active_plan, who):
    client.force_login(_user(personas, who))
    assert client.get(reverse("conversations:pip_edit", args=[active_plan.pk])).status_code == 404


def test_a_new_manager_takes_over_and_the_old_one_loses_sight(personas, active_plan):
    new_manager = make_employee("陈经理", personas.east, manager=personas.skip, user=make_user("p_new_mgr"))
    employee = personas.employee
    employee.manager = new_manager
    employee.chain = f"{new_manager.chain}{employee.pk}/"
    employee.save(update_fields=["manager", "chain"])
    assert selectors_pip.visible_to(new_manager.user).filter(pk=active_plan.pk).exists()
    old = personas.manager.user
    assert not selectors_pip.visible_to(old).filter(pk=active_plan.pk).exists()


# ---- pages -------------------------------------------------------------------------------------------


def test_the_employee_acknowledges_from_the_banner(client, personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.PENDING)
    client.force_login(personas.employee.user)
    page = client.get(reverse("conversations:pip_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="pip-ack-banner"' in page and 'data-testid="pip-edit"' not in page
    response = client.post(reverse("conversations:pip_acknowledge", args=[plan.pk]), {"version": plan.version})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == S.ACTIVE


def test_the_manager_sees_her_actions_and_both_write_notes(client, personas, active_plan):
    client.force_login(personas.manager.user)
    page = client.get(reverse("conversations:pip_detail", args=[active_plan.pk])).content.decode()
    for testid in ("pip-edit", "pip-extend", "pip-close", "pip-change-expectations", "pip-note-add"):
        assert f'data-testid="{testid}"' in page
    checkpoint = active_plan.checkpoints.all()[0]
    client.post(reverse("conversations:pip_note", args=[checkpoint.pk]), {"text": "Better this week."})
    client.force_login(personas.employee.user)
    client.post(reverse("conversations:pip_note", args=[checkpoint.pk]), {"text": "Thanks."})
    page = client.get(reverse("conversations:pip_detail", args=[active_plan.pk])).content.decode()
    assert "Better this week." in page and "Thanks." in page
    assert 'data-testid="pip-extend"' not in page


def test_the_skip_level_reads_but_has_no_actions(client, personas, active_plan):
    client.force_login(personas.skip.user)
    page = client.get(reverse("conversations:pip_detail", args=[active_plan.pk])).content.decode()
    assert 'data-testid="pip-edit"' not in page and 'data-testid="pip-note-add"' not in page


def test_a_manager_opens_a_plan_through_the_form(client, personas):
    client.force_login(personas.manager.user)
    assert client.get(reverse("conversations:pip_new")).status_code == 200
    data = {
        "employee": personas.employee.pk,
        "gaps": "Late answers.",
        "support": "Coaching.",
        "starts_on": START.isoformat(),
        "ends_on": END.isoformat(),
        "exp-a1-text": "Answer within a day",
        "exp-a1-measure": "Median answer time",
        "exp-b2-text": "",
        "exp-b2-measure": "",
        "cp-c1-title": "Mid-point",
        "cp-c1-due_on": "2026-02-15",
    }
    response = client.post(reverse("conversations:pip_new"), data)
    assert response.status_code == 302
    plan = ImprovementPlan.objects.get()
    assert plan.expectations.count() == 1 and plan.checkpoints.count() == 1


def test_the_form_shows_errors_beside_the_rows_and_writes_nothing(client, personas):
    client.force_login(personas.manager.user)
    data = {
        "employee": personas.employee.pk,
        "gaps": "Late answers.",
        "starts_on": START.isoformat(),
        "ends_on": END.isoformat(),
        "exp-a1-text": "Answer within a day",
        "exp-a1-measure": "",
        "cp-c1-title": "After the end",
        "cp-c1-due_on": "2026-06-01",
    }
    response = client.post(reverse("conversations:pip_new"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="pip-error-measure"' in page and 'data-testid="pip-error-due"' in page
    assert 'value="Answer within a day"' in page
    assert not ImprovementPlan.objects.exists()


def test_editing_a_locked_expectation_through_the_form_is_refused(client, personas, active_plan):
    client.force_login(personas.manager.user)
    data = {
        "version": active_plan.version,
        "gaps": "Changed gaps",
        "exp-x-text": "Something else",
        "exp-x-measure": "Another measure",
    }
    for c in active_plan.checkpoints.all():
        data |= {f"cp-c{c.pk}-id": c.pk, f"cp-c{c.pk}-title": c.title, f"cp-c{c.pk}-due_on": c.due_on.isoformat()}
    response = client.post(reverse("conversations:pip_edit", args=[active_plan.pk]), data)
    assert response.status_code == 400
    active_plan.refresh_from_db()
    assert active_plan.gaps != "Changed gaps"
    assert "Something else" not in active_plan.expectations.values_list("text", flat=True)


def test_the_htmx_row_is_a_fresh_blank_row(client, personas):
    client.force_login(personas.manager.user)
    response = client.get(reverse("conversations:pip_row", args=["checkpoint"]))
    assert response.status_code == 200 and 'data-testid="pip-cp-row"' in response.content.decode()
    assert client.get(reverse("conversations:pip_row", args=["other"])).status_code == 404


def test_the_lists_show_the_right_plans(client, personas, active_plan):
    client.force_login(personas.employee.user)
    assert 'data-testid="pip-row"' in client.get(reverse("conversations:pip_mine")).content.decode()
    client.force_login(personas.skip.user)
    assert 'data-testid="pip-row"' in client.get(reverse("conversations:pip_team")).content.decode()
    client.force_login(personas.scoped_hr)
    assert 'data-testid="pip-row"' in client.get(reverse("conversations:pip_hr")).content.decode()
    client.force_login(personas.other_hr)
    assert 'data-testid="pip-empty"' in client.get(reverse("conversations:pip_hr")).content.decode()
    client.force_login(personas.peer.user)
    assert client.get(reverse("conversations:pip_hr")).status_code == 404


def test_the_hr_list_pages_by_keyset(personas):
    for i in range(3):
        person = make_employee(f"员工{i}", personas.east, manager=personas.manager, user=make_user(f"p_list{i}"))
        make_plan(actor=personas.manager.user, employee=person)
    first = selectors_pip._listing(ImprovementPlan.objects.all(), size=2)
    assert len(first.rows) == 2 and first.next_before
    second = selectors_pip._listing(ImprovementPlan.objects.all(), before=first.next_before, size=2)
    assert len(second.rows) == 1 and second.next_before is None
    assert not {p.pk for p in first.rows} & {p.pk for p in second.rows}


# ---- the PDF -----------------------------------------------------------------------------------------


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_is_real_and_holds_the_expectations_in_english(client, personas, active_plan):
    client.force_login(personas.employee.user)
    text = _pdf_text(client.get(reverse("conversations:pip_pdf", args=[active_plan.pk])))
    assert _squash("Expected results") in text
    for e in active_plan.expectations.all():
        assert _squash(e.text) in text and _squash(e.measure) in text
    assert AuditEvent.objects.filter(action="pip.pdf", target_id=str(active_plan.pk)).exists()


def test_the_pdf_speaks_the_readers_language(client, personas):
    plan = sp.improvement_plan_create(
        actor=personas.manager.user,
        employee=personas.employee,
        gaps="客户回复不及时。",
        support="每周辅导。",
        starts_on=START,
        ends_on=END,
        expectations=[sp.ExpectationInput(text="一天内回复客户", measure="回复时间中位数")],
        checkpoints=[sp.CheckpointInput(title="中期检查", due_on=dt.date(2026, 2, 15))],
    )
    client.force_login(personas.scoped_hr)
    response = client.get(reverse("conversations:pip_pdf", args=[plan.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = _pdf_text(response)
    with translation.override("zh-hans"):
        heading = translation.gettext("Expected results")
    assert _squash(heading) in text
    assert "一天内回复客户" in text and "回复时间中位数" in text


# ---- query counts ------------------------------------------------------------------------------------


def _plan_with(personas, n):
    plan = make_plan(
        actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE, n_expectations=n, n_checkpoints=n
    )
    for checkpoint in plan.checkpoints.all():
        sp.checkpoint_note_add(actor=personas.employee.user, checkpoint=checkpoint, text="Note")
        sp.checkpoint_note_add(actor=personas.manager.user, checkpoint=checkpoint, text="Reply")
    return plan


@pytest.mark.parametrize("n", [1, 6])
def test_the_plan_page_runs_the_same_queries_whatever_the_size(client, personas, django_assert_num_queries, n):
    plan = _plan_with(personas, n)
    client.force_login(personas.manager.user)
    client.get(reverse("conversations:pip_detail", args=[plan.pk]))  # warm up
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(reverse("conversations:pip_detail", args=[plan.pk])).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_the_lists_run_the_same_queries_whatever_the_size(client, personas, django_assert_num_queries, n):
    for i in range(n):
        person = make_employee(f"员工{i}", personas.east, manager=personas.manager, user=make_user(f"p_q{i}"))
        make_plan(actor=personas.manager.user, employee=person, state=S.ACTIVE)
    for who, name in ((personas.manager.user, "pip_team"), (personas.scoped_hr, "pip_hr")):
        client.force_login(who)
        client.get(reverse(f"conversations:{name}"))
        with django_assert_num_queries(LIST_QUERIES[name]):
            assert client.get(reverse(f"conversations:{name}")).status_code == 200


# session, user, actor context (2), plan (gate), expectations, checkpoints, notes, history.
PAGE_QUERIES = 9
# session, user, actor context (2), the page of plans with its annotations.
LIST_QUERIES = {"pip_team": 5, "pip_hr": 5}


# ---- the evidence panel selector ---------------------------------------------------------------------


def test_checkpoints_in_lists_readable_checkpoints_in_range_with_note_counts_in_one_query(
    personas, django_assert_num_queries
):
    plan = _plan_with(personas, 3)
    user = personas.manager.user
    actor_context(user)
    first = plan.checkpoints.order_by("due_on")[0]
    with django_assert_num_queries(1):
        rows = selectors_pip.checkpoints_in(user, personas.employee, START, first.due_on)
    assert [c.pk for c in rows] == [first.pk] and rows[0].notes_count == 2  # type: ignore[attr-defined]
    assert rows[0].plan.state == S.ACTIVE
    assert len(selectors_pip.checkpoints_in(user, personas.employee, START, END)) == 3
    assert selectors_pip.checkpoints_in(personas.peer.user, personas.employee, START, END) == []
    assert selectors_pip.checkpoints_in(personas.other_hr, personas.employee.pk, START, END) == []
