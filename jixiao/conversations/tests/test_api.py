"""The conversations API: the same gates and services as the pages, the one error shape, keyset pages and fixed
query counts (docs/decisions/0002-api-conventions.md, decision 0010)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jixiao.audit.models import AuditEvent
from jixiao.conversations.models import ActionItem, DevelopmentAction, Feedback, FeedbackRequest, ImprovementPlan
from jixiao.conversations.services_pip import checkpoint_note_add
from jixiao.conversations.testing_feedback import ask, give, make_value
from jixiao.conversations.testing_idp import make_plan as make_development_plan
from jixiao.conversations.testing_meetings import add_action, many_meetings, next_meeting, start_one_on_one
from jixiao.conversations.testing_pip import make_plan as make_improvement_plan
from jixiao.core.models import Notification

pytestmark = pytest.mark.django_db

S = ImprovementPlan.State
API = "/api/v1/conversations"
PRIVATE, MANAGER, PUBLIC = Feedback.Visibility.PRIVATE, Feedback.Visibility.MANAGER, Feedback.Visibility.PUBLIC
ACCOUNTS = ("scoped_hr", "other_hr", "outsider", "executive", "admin")


def user_of(personas, who):
    person = getattr(personas, who)
    return person if who in ACCOUNTS else person.user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(user, url: str):
    return client_for(user).get(url)


def post(user, url: str, body: dict | None = None):
    return client_for(user).post(url, body or {}, content_type="application/json")


def praise(personas, **extra) -> dict:
    return {
        "recipient": personas.employee.pk,
        "kind": "praise",
        "text": "谢谢你的周报",
        "visibility": "private",
        **extra,
    }


def writes() -> tuple[int, int, int, int]:
    """Rows a refused write must not add: feedback, its audit events, notifications, answered requests."""
    return (
        Feedback.objects.count(),
        AuditEvent.objects.filter(action="feedback.give").count(),
        Notification.objects.count(),
        FeedbackRequest.objects.exclude(state=FeedbackRequest.State.OPEN).count(),
    )


# ---- reading feedback: who reads which ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("visibility", "readers"),
    [
        (PRIVATE, {"peer", "employee"}),
        (MANAGER, {"peer", "employee", "manager"}),
        (PUBLIC, {"peer", "employee", "manager", "skip", "ceo", "rnd_head", "scoped_hr", "other_hr"}),
    ],
)
def test_feedback_is_read_by_whom_its_visibility_says_and_404_for_everyone_else(personas, visibility, readers):
    feedback = give(personas.peer, personas.employee, visibility=visibility)
    everyone = ("peer", "employee", "manager", "skip", "ceo", "rnd_head", *ACCOUNTS)
    for who in everyone:
        response = get(user_of(personas, who), f"{API}/feedback/{feedback.pk}")
        assert response.status_code == (200 if who in readers else 404), who
        if who not in readers:
            assert response.json()["error"]["code"] == "not_found"


def test_a_missing_piece_of_feedback_is_404_like_a_forbidden_one(personas):
    assert get(personas.employee.user, f"{API}/feedback/987654").status_code == 404


def test_received_and_given_lists_hold_her_feedback_newest_first_with_values(personas):
    value = make_value()
    first = give(personas.peer, personas.employee, text="一", values=[value])
    second = give(personas.manager, personas.employee, kind="suggestion", text="二")
    given = give(personas.employee, personas.peer, text="三")
    give(personas.peer, personas.manager, text="not hers")
    received = get(personas.employee.user, f"{API}/feedback/received").json()
    assert [f["id"] for f in received["items"]] == [second.pk, first.pk] and received["next_cursor"] is None
    assert received["items"][1]["values"] == [{"id": value.pk, "name": "客户第一", "name_en": "Customer first"}]
    assert received["items"][0]["giver"]["name"] == personas.manager.name
    assert [f["id"] for f in get(personas.employee.user, f"{API}/feedback/given").json()["items"]] == [given.pk]


@pytest.mark.parametrize("who", ["outsider", "executive", "admin"])
def test_accounts_without_an_employee_record_have_empty_lists(personas, who):
    give(personas.peer, personas.employee, visibility=PUBLIC)
    for kind in ("received", "given"):
        assert get(user_of(personas, who), f"{API}/feedback/{kind}").json() == {"items": [], "next_cursor": None}
    assert get(user_of(personas, who), f"{API}/action-items").json() == {"items": [], "next_cursor": None}


def test_pages_follow_the_cursor_without_skipping_or_repeating(personas):
    made = [give(personas.peer, personas.employee, text=f"n{i}").pk for i in range(7)]
    seen: list[int] = []
    url = f"{API}/feedback/received?limit=3"
    while url:
        body = get(personas.employee.user, url).json()
        seen += [f["id"] for f in body["items"]]
        url = f"{API}/feedback/received?limit=3&cursor={body['next_cursor']}" if body["next_cursor"] else ""
    assert seen == sorted(made, reverse=True)


@pytest.mark.parametrize("cursor", ["nonsense", "1700000000000000-5"])
def test_a_tampered_cursor_gets_422(personas, cursor):
    response = get(personas.employee.user, f"{API}/feedback/received?cursor={cursor}")
    assert response.status_code == 422 and "cursor" in response.json()["error"]["fields"]


def test_a_cursor_of_another_list_gets_422(personas):
    series = start_one_on_one(personas.manager, personas.employee)
    for _ in range(3):
        add_action(personas.manager, next_meeting(series), personas.employee)
    cursor = get(personas.employee.user, f"{API}/action-items?limit=1").json()["next_cursor"]
    assert cursor
    assert get(personas.employee.user, f"{API}/feedback/received?cursor={cursor}").status_code == 422


def test_a_limit_above_200_gets_422(personas):
    assert get(personas.employee.user, f"{API}/feedback/received?limit=201").status_code == 422


def test_without_a_session_or_token_the_api_answers_401(personas):
    assert Client().get(f"{API}/feedback/received").status_code == 401
    assert Client().post(f"{API}/feedback", {}, content_type="application/json").status_code == 401


# ---- giving feedback ------------------------------------------------------------------------------------


def test_giving_feedback_writes_it_through_the_service_audits_and_tells_her(personas):
    value = make_value()
    response = post(personas.peer.user, f"{API}/feedback", praise(personas, values=[value.pk]))
    assert response.status_code == 201, response.content
    body = response.json()
    feedback = Feedback.objects.get()
    assert body["id"] == feedback.pk and response["Location"] == f"{API}/feedback/{feedback.pk}"
    assert body["giver"]["id"] == personas.peer.pk and body["values"][0]["id"] == value.pk
    assert AuditEvent.objects.filter(action="feedback.give", target_id=str(feedback.pk)).exists()
    assert Notification.objects.filter(user=personas.employee.user).exists()


def test_private_feedback_to_ones_own_manager_is_stored_as_shared_with_her_manager(personas):
    body = post(personas.employee.user, f"{API}/feedback", praise(personas, recipient=personas.manager.pk)).json()
    assert body["visibility"] == "manager"
    assert get(personas.skip.user, f"{API}/feedback/{body['id']}").status_code == 200


def test_answering_a_request_sent_to_her_marks_it_answered_and_the_requester_reads_it(personas):
    (request,) = ask(personas.manager, personas.peer, subject=personas.employee)
    body = praise(personas, request=request.pk, kind="suggestion")
    response = post(personas.peer.user, f"{API}/feedback", body)
    assert response.status_code == 201, response.content
    assert FeedbackRequest.objects.get().state == FeedbackRequest.State.ANSWERED
    assert get(personas.manager.user, f"{API}/feedback/{response.json()['id']}").status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "suggestion", "visibility": "public"}, "visibility"),
        ({"recipient": 987654}, "recipient"),
        ({"recipient": "me"}, "recipient"),
        ({"values": [987654]}, "values"),
        ({"objective": 987654}, "objective"),
        ({"request": 987654}, "request"),
    ],
)
def test_a_refused_rule_answers_400_naming_the_field_and_writes_nothing(personas, change, field):
    body = praise(personas, **change)
    if body["recipient"] == "me":
        body["recipient"] = personas.peer.pk
    before = writes()
    response = post(personas.peer.user, f"{API}/feedback", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert writes() == before


def test_a_request_sent_to_someone_else_cannot_be_answered(personas):
    (request,) = ask(personas.manager, personas.skip, subject=personas.employee)
    before = writes()
    response = post(personas.peer.user, f"{API}/feedback", praise(personas, request=request.pk))
    assert response.status_code == 400 and "request" in response.json()["error"]["fields"]
    assert writes() == before


def test_an_account_without_an_employee_record_cannot_give_feedback(personas):
    before = writes()
    assert post(personas.admin, f"{API}/feedback", praise(personas)).status_code == 400
    assert writes() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"visibility": "everyone"}, "visibility"),
        ({"text": "x" * 5001}, "text"),
        ({"text": "   "}, "text"),
        ({"recipient": "abc"}, "recipient"),
        ({"values": list(range(1, 22))}, "values"),
        ({"id": 5}, "id"),
        ({"giver": 5}, "giver"),
        ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
        ({"recipient_manager": 5}, "recipient_manager"),
        ({"version": 2}, "version"),
    ],
)
def test_input_that_does_not_fit_the_schema_gets_422_and_writes_nothing(personas, change, field):
    before = writes()
    response = post(personas.peer.user, f"{API}/feedback", praise(personas, **change))
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    assert writes() == before


def test_a_missing_field_gets_422(personas):
    body = praise(personas)
    del body["kind"]
    response = post(personas.peer.user, f"{API}/feedback", body)
    assert response.status_code == 422 and response.json()["error"]["fields"]["kind"] == ["Required."]


# ---- 1:1 action items -----------------------------------------------------------------------------------


@pytest.fixture
def series(personas):
    return start_one_on_one(personas.manager, personas.employee)


def test_my_open_action_items_are_mine_only_with_the_other_participant(personas, series):
    meeting = next_meeting(series)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    mine = add_action(personas.manager, meeting, personas.employee, due_on=yesterday)
    add_action(personas.manager, meeting, personas.manager)
    done = add_action(personas.manager, meeting, personas.employee)
    ActionItem.objects.filter(pk=done.pk).update(done_at=timezone.now())
    body = get(personas.employee.user, f"{API}/action-items").json()
    assert [i["id"] for i in body["items"]] == [mine.pk]
    item = body["items"][0]
    assert item["other"]["id"] == personas.manager.pk and item["overdue"] is True
    assert item["meeting"] == {"id": meeting.pk, "held_on": meeting.held_on.isoformat()}


def test_either_participant_ticks_an_item_done_and_reopens_it(personas, series):
    item = add_action(personas.manager, next_meeting(series), personas.employee)
    done = post(personas.manager.user, f"{API}/action-items/{item.pk}/done")
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert get(personas.employee.user, f"{API}/action-items").json()["items"] == []
    reopened = post(personas.employee.user, f"{API}/action-items/{item.pk}/reopen")
    assert reopened.status_code == 200 and reopened.json()["done_at"] is None
    assert [e.action for e in AuditEvent.objects.filter(target_id=str(item.pk)).order_by("pk")][-2:] == [
        "action_item.complete",
        "action_item.reopen",
    ]


@pytest.mark.parametrize("who", ["peer", "skip", "ceo", "scoped_hr", "admin", "outsider"])
def test_nobody_but_the_two_participants_ticks_an_item(personas, series, who):
    item = add_action(personas.manager, next_meeting(series), personas.employee)
    response = post(user_of(personas, who), f"{API}/action-items/{item.pk}/done")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert ActionItem.objects.get(pk=item.pk).done_at is None


def test_an_item_of_an_archived_series_cannot_be_ticked(personas, series):
    item = add_action(personas.manager, next_meeting(series), personas.employee)
    series.archived = True
    series.save(update_fields=["archived"])
    assert post(personas.employee.user, f"{API}/action-items/{item.pk}/done").status_code == 404


# ---- improvement plans ----------------------------------------------------------------------------------


@pytest.fixture
def improvement_plan(personas):
    plan = make_improvement_plan(actor=personas.manager.user, employee=personas.employee, state=S.PENDING)
    plan.refresh_from_db()
    return plan


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("employee", 200),
        ("manager", 200),
        ("skip", 200),
        ("ceo", 200),
        ("scoped_hr", 200),
        ("admin", 200),
        ("peer", 404),
        ("rnd_head", 404),
        ("other_hr", 404),
        ("outsider", 404),
        ("executive", 404),
    ],
)
def test_an_improvement_plan_is_read_by_its_readers_only(personas, improvement_plan, who, status):
    response = get(user_of(personas, who), f"{API}/improvement-plans/{improvement_plan.pk}")
    assert response.status_code == status
    if status == 200:
        assert response["ETag"] == f'"{improvement_plan.version}"'


def test_the_employee_reads_what_waits_for_her_acknowledgement(personas, improvement_plan):
    body = get(personas.employee.user, f"{API}/improvement-plans/{improvement_plan.pk}").json()
    assert body["state"] == "pending" and body["awaiting_acknowledgement"] is True
    assert body["you"] == {"is_employee": True, "can_manage": False, "can_note": True, "actions": ["acknowledge"]}
    assert len(body["expectations"]) == 2 and len(body["checkpoints"]) == 2
    manager = get(personas.manager.user, f"{API}/improvement-plans/{improvement_plan.pk}").json()
    assert manager["awaiting_acknowledgement"] is False and "acknowledge" not in manager["you"]["actions"]


def test_the_employee_does_not_read_a_draft_being_prepared(personas):
    draft = make_improvement_plan(actor=personas.manager.user, employee=personas.employee)
    assert get(personas.employee.user, f"{API}/improvement-plans/{draft.pk}").status_code == 404
    assert get(personas.manager.user, f"{API}/improvement-plans/{draft.pk}").status_code == 200


def test_a_missing_improvement_plan_is_404(personas):
    assert get(personas.admin, f"{API}/improvement-plans/987654").status_code == 404


# ---- development plans ----------------------------------------------------------------------------------


@pytest.fixture
def development_plan(personas):
    return make_development_plan(personas.employee.user, personas.employee)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("employee", 200),
        ("manager", 200),
        ("skip", 200),
        ("ceo", 200),
        ("scoped_hr", 200),
        ("admin", 200),
        ("peer", 404),
        ("rnd_head", 404),
        ("other_hr", 404),
        ("outsider", 404),
        ("executive", 404),
    ],
)
def test_a_development_plan_is_read_by_its_readers_only(personas, development_plan, who, status):
    response = get(user_of(personas, who), f"{API}/development-plans/{development_plan.pk}")
    assert response.status_code == status


def test_a_development_plan_says_what_the_reader_may_do(personas, development_plan):
    mine = get(personas.employee.user, f"{API}/development-plans/{development_plan.pk}").json()
    assert mine["you"] == {"role": "owner", "can_write": True, "can_comment": True}
    theirs = get(personas.manager.user, f"{API}/development-plans/{development_plan.pk}").json()
    assert theirs["you"] == {"role": "manager", "can_write": False, "can_comment": True}


# ---- fixed query counts ---------------------------------------------------------------------------------


def _counted(client, django_assert_num_queries, url: str, n: int) -> dict:
    with django_assert_num_queries(n):
        response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("rows", [10, 250])
def test_feedback_lists_run_the_same_queries_for_10_and_250_rows(personas, django_assert_num_queries, rows):
    value = make_value()
    Feedback.objects.bulk_create(
        Feedback(giver=personas.peer, recipient=personas.employee, kind="praise", text=f"n{i}", visibility=PRIVATE)
        for i in range(rows)
    )
    for feedback in Feedback.objects.all():
        feedback.values.add(value)
    client = client_for(personas.employee.user)
    client.get("/")  # settle the session's first-request bookkeeping before counting
    # session, user, the reader's place and HR scopes, the page of feedback, their values
    body = _counted(client, django_assert_num_queries, f"{API}/feedback/received?limit=200", 6)
    assert len(body["items"]) == min(rows, 200)
    if body["next_cursor"]:
        url = f"{API}/feedback/received?limit=200&cursor={body['next_cursor']}"
        assert len(_counted(client, django_assert_num_queries, url, 6)["items"]) == rows - 200


@pytest.mark.parametrize("rows", [10, 250])
def test_my_action_items_run_the_same_queries_for_10_and_250_rows(personas, django_assert_num_queries, rows):
    series = start_one_on_one(personas.manager, personas.employee)
    many_meetings(series, rows)  # open items owned by the series' first participant
    owner = personas.manager if series.first_id == personas.manager.pk else personas.employee
    client = client_for(owner.user)
    client.get("/")
    # session, user, the reader's place and HR scopes, the page of items (owner, series, people, meeting joined)
    body = _counted(client, django_assert_num_queries, f"{API}/action-items?limit=200", 5)
    assert len(body["items"]) == min(rows, 200)


@pytest.mark.parametrize("notes", [1, 30])
def test_an_improvement_plan_runs_the_same_queries_whatever_its_notes(personas, django_assert_num_queries, notes):
    plan = make_improvement_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    checkpoint = plan.checkpoints.select_related("plan__employee").order_by("due_on", "pk")[0]
    for i in range(notes):
        checkpoint_note_add(actor=personas.employee.user, checkpoint=checkpoint, text=f"note {i}")
    client = client_for(personas.manager.user)
    client.get("/")
    # session, user, place and scopes, the plan (gate), expectations, checkpoints, their notes with authors
    body = _counted(client, django_assert_num_queries, f"{API}/improvement-plans/{plan.pk}", 8)
    assert len(body["checkpoints"][0]["notes"]) == notes


@pytest.mark.parametrize("actions", [1, 30])
def test_a_development_plan_runs_the_same_queries_whatever_its_actions(personas, django_assert_num_queries, actions):
    plan = make_development_plan(personas.employee.user, personas.employee)
    DevelopmentAction.objects.bulk_create(
        DevelopmentAction(plan=plan, kind="course", title=f"Course {i}") for i in range(actions)
    )
    client = client_for(personas.manager.user)
    client.get("/")
    # session, user, place and scopes, the plan (gate), needs, actions
    body = _counted(client, django_assert_num_queries, f"{API}/development-plans/{plan.pk}", 7)
    assert len(body["actions"]) == actions


# ---- the OpenAPI document -------------------------------------------------------------------------------


def test_the_openapi_document_lists_the_conversations_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/conversations/feedback",
        "/api/v1/conversations/feedback/received",
        "/api/v1/conversations/feedback/given",
        "/api/v1/conversations/feedback/{feedback_id}",
        "/api/v1/conversations/action-items",
        "/api/v1/conversations/action-items/{item_id}/done",
        "/api/v1/conversations/action-items/{item_id}/reopen",
        "/api/v1/conversations/improvement-plans/{plan_id}",
        "/api/v1/conversations/development-plans/{plan_id}",
    ):
        assert path in paths, path
    assert "post" in paths["/api/v1/conversations/feedback"]
    assert "422" in paths["/api/v1/conversations/feedback"]["post"]["responses"]
