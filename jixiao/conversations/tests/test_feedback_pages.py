"""The feedback pages: my feedback, giving, the praise wall, requests; fixed query counts; bad input refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jixiao.audit.models import AuditEvent
from jixiao.conversations.models import Feedback, FeedbackRequest
from jixiao.conversations.selectors_feedback import PAGE_SIZE
from jixiao.conversations.testing_feedback import ask, give, make_value
from jixiao.goals.testing import make_objective, make_period

PRIVATE, MANAGER, PUBLIC = Feedback.Visibility.PRIVATE, Feedback.Visibility.MANAGER, Feedback.Visibility.PUBLIC
HOME = reverse("conversations:feedback")
GIVE = reverse("conversations:feedback_give")
WALL = reverse("conversations:praise_wall")
REQUESTS = reverse("conversations:feedback_requests")
NEW_REQUEST = reverse("conversations:feedback_request_new")


def test_the_employee_reads_what_she_received_newest_first(client, personas):
    give(personas.peer, personas.employee, text="First")
    give(personas.manager, personas.employee, text="Second", visibility=MANAGER)
    client.force_login(personas.employee.user)
    page = client.get(HOME).content.decode()
    assert page.index("Second") < page.index("First")
    assert 'data-testid="feedback-item"' in page


def test_the_given_tab_lists_what_she_gave(client, personas):
    give(personas.employee, personas.peer, text="Nice slides")
    client.force_login(personas.employee.user)
    page = client.get(HOME + "?tab=given").content.decode()
    assert "Nice slides" in page and f"To {personas.peer.name}" in page
    assert "Nice slides" not in client.get(HOME).content.decode()


def test_an_empty_feed_says_what_to_do_next(client, personas):
    client.force_login(personas.employee.user)
    assert 'data-testid="feedback-empty"' in client.get(HOME).content.decode()
    assert 'data-testid="wall-empty"' in client.get(WALL).content.decode()


def test_an_account_without_an_employee_record_is_told_why(client, personas):
    client.force_login(personas.outsider)
    for url in (HOME, WALL, GIVE, REQUESTS, NEW_REQUEST):
        assert 'data-testid="no-employee"' in client.get(url).content.decode(), url


def test_older_feedback_comes_with_the_more_link_by_keyset(client, personas):
    for i in range(PAGE_SIZE + 3):
        give(personas.peer, personas.employee, text=f"note {i:03d}")
    client.force_login(personas.employee.user)
    first = client.get(HOME)
    assert first.content.decode().count('data-testid="feedback-item"') == PAGE_SIZE
    page = first.context["page"]
    assert page.next_cursor
    rest = client.get(HOME, {"tab": "received", "before": page.next_cursor}, headers={"HX-Request": "true"})
    html = rest.content.decode()
    assert html.count('data-testid="feedback-item"') == 3
    assert "note 000" in html and 'data-testid="feedback-more"' not in html
    assert client.get(HOME, {"before": "garbage"}).status_code == 200


def test_the_praise_wall_shows_public_praise_with_its_values(client, personas):
    value = make_value()
    give(personas.peer, personas.employee, visibility=PUBLIC, values=[value], text="Saved the launch")
    give(personas.peer, personas.employee, visibility=MANAGER, text="Quiet thanks")
    client.force_login(personas.rnd_head.user)
    page = client.get(WALL).content.decode()
    assert "Saved the launch" in page and "Customer first" in page
    assert "Quiet thanks" not in page


def test_the_feedback_page_of_one_item_is_404_for_those_who_may_not_read_it(client, personas):
    fb = give(personas.peer, personas.employee, visibility=MANAGER)
    url = reverse("conversations:feedback_detail", args=[fb.pk])
    client.force_login(personas.manager.user)
    assert client.get(url).status_code == 200
    client.force_login(personas.skip.user)
    assert client.get(url).status_code == 404
    client.force_login(personas.scoped_hr)
    assert client.get(url).status_code == 404


def test_the_people_picker_finds_colleagues_but_not_herself(client, personas):
    client.force_login(personas.employee.user)
    html = client.get(GIVE, {"q": "赵"}, headers={"HX-Request": "true"}).content.decode()
    assert personas.peer.name in html
    html = client.get(GIVE, {"q": "王小明"}, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="no-candidates"' in html


def test_picking_a_colleague_keeps_what_was_typed(client, personas):
    client.force_login(personas.employee.user)
    response = client.post(GIVE, {"q": "赵", "pick": personas.peer.pk, "text": "Half written", "kind": "suggestion"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Half written" in html and 'data-testid="recipient"' in html
    assert 'value="suggestion" checked' in html
    assert Feedback.objects.count() == 0


def test_giving_feedback_from_the_form(client, personas):
    value = make_value()
    period = make_period(personas.admin)
    objective = make_objective(personas.peer.user, period, employee=personas.peer)
    client.force_login(personas.employee.user)
    form = client.get(GIVE, {"to": personas.peer.pk}).content.decode()
    assert objective.title in form and "Customer first" in form
    response = client.post(
        GIVE,
        {
            "to": personas.peer.pk,
            "kind": "praise",
            "text": "Thanks for covering my shift",
            "visibility": "public",
            "values": [value.pk],
            "objective": objective.pk,
        },
    )
    assert response.status_code == 302
    fb = Feedback.objects.get()
    assert (fb.recipient, fb.visibility, fb.objective) == (personas.peer, PUBLIC, objective)
    assert list(fb.values.all()) == [value]


def test_a_public_suggestion_from_the_form_is_refused_beside_the_field_and_kept(client, personas):
    client.force_login(personas.employee.user)
    data = {"to": personas.peer.pk, "kind": "suggestion", "text": "Be on time", "visibility": "public"}
    response = client.post(GIVE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-visibility"' in html and "Be on time" in html
    assert Feedback.objects.count() == 0 and not AuditEvent.objects.filter(action="feedback.give").exists()


def test_feedback_to_oneself_or_to_someone_invisible_through_the_form_is_refused(client, personas):
    client.force_login(personas.employee.user)
    data = {"kind": "praise", "text": "Me!", "visibility": "private"}
    assert client.post(GIVE, {**data, "to": personas.employee.pk}).status_code == 400
    assert client.post(GIVE, {**data, "to": 999999}).status_code == 400
    assert client.post(GIVE, {**data, "to": personas.peer.pk, "text": " "}).status_code == 400
    assert Feedback.objects.count() == 0


def test_the_form_warns_that_feedback_to_ones_manager_reaches_her_manager(client, personas):
    client.force_login(personas.employee.user)
    html = client.get(GIVE, {"to": personas.manager.pk}).content.decode()
    assert 'data-testid="upward-note"' in html


def test_asking_colleagues_for_feedback_picks_several_then_sends(client, personas):
    client.force_login(personas.employee.user)
    step = client.post(NEW_REQUEST, {"add": personas.peer.pk, "topic": "My demo", "subject": personas.employee.pk})
    assert step.status_code == 200 and "My demo" in step.content.decode()
    step = client.post(NEW_REQUEST, {"raters": [personas.peer.pk], "add": personas.skip.pk, "topic": "My demo"})
    assert {p.pk for p in step.context["raters"]} == {personas.peer.pk, personas.skip.pk}
    step = client.post(NEW_REQUEST, {"raters": [personas.peer.pk, personas.skip.pk], "remove": personas.skip.pk})
    assert [p.pk for p in step.context["raters"]] == [personas.peer.pk]
    assert FeedbackRequest.objects.count() == 0
    sent = client.post(
        NEW_REQUEST, {"raters": [personas.peer.pk], "topic": "My demo", "subject": personas.employee.pk, "send": "1"}
    )
    assert sent.status_code == 302
    assert FeedbackRequest.objects.get().rater == personas.peer


def test_a_request_to_the_subject_herself_from_the_form_is_refused(client, personas):
    client.force_login(personas.employee.user)
    response = client.post(
        NEW_REQUEST, {"raters": [personas.employee.pk], "topic": "x", "subject": personas.employee.pk, "send": "1"}
    )
    assert response.status_code == 400
    assert 'data-testid="error-raters"' in response.content.decode()
    assert FeedbackRequest.objects.count() == 0


def test_the_rater_answers_and_the_requester_reads_the_answer(client, personas):
    (row,) = ask(personas.manager, personas.peer, subject=personas.employee, topic="Her first client call")
    client.force_login(personas.peer.user)
    inbox = client.get(REQUESTS).content.decode()
    assert "Her first client call" in inbox and 'data-testid="answer"' in inbox
    url = reverse("conversations:feedback_answer", args=[row.pk])
    assert client.post(url, {"kind": "praise", "text": "Calm and clear", "visibility": "private"}).status_code == 302
    client.force_login(personas.manager.user)
    page = client.get(REQUESTS).content.decode()
    assert "Calm and clear" in page and 'data-testid="request-state"' in page


def test_declining_without_a_reason_is_refused_and_nothing_changes(client, personas):
    (row,) = ask(personas.employee, personas.peer)
    url = reverse("conversations:feedback_decline", args=[row.pk])
    client.force_login(personas.peer.user)
    response = client.post(url, {"reason": " "})
    assert response.status_code == 400
    row.refresh_from_db()
    assert row.state == FeedbackRequest.State.OPEN
    assert not AuditEvent.objects.filter(action="feedback_request.decline").exists()
    assert client.post(url, {"reason": "Not my project"}).status_code == 302
    client.force_login(personas.employee.user)
    assert "Not my project" in client.get(REQUESTS).content.decode()


def test_only_the_rater_opens_the_answer_and_decline_pages(client, personas):
    (row,) = ask(personas.employee, personas.peer)
    for user in (personas.employee.user, personas.manager.user, personas.admin):
        client.force_login(user)
        assert client.get(reverse("conversations:feedback_answer", args=[row.pk])).status_code == 404
        assert client.get(reverse("conversations:feedback_decline", args=[row.pk])).status_code == 404


# ---- fixed query counts ----------------------------------------------------------------------------


def _queries(client, django_assert_num_queries, url: str, n: int) -> None:
    with django_assert_num_queries(n):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [10, 60])
def test_the_feedback_home_runs_the_same_queries_for_10_and_60_items(client, personas, django_assert_num_queries, rows):
    value = make_value()
    for i in range(rows):
        give(personas.peer, personas.employee, text=f"n{i}", values=[value], visibility=PUBLIC)
        give(personas.employee, personas.peer, text=f"g{i}")
    client.force_login(personas.employee.user)
    client.get(HOME)
    # session, user, actor context (2), the page of feedback, their values, open requests
    _queries(client, django_assert_num_queries, HOME, 7)
    _queries(client, django_assert_num_queries, HOME + "?tab=given", 7)
    _queries(client, django_assert_num_queries, WALL, 6)


@pytest.mark.parametrize("rows", [10, 60])
def test_the_request_inbox_runs_the_same_queries_for_10_and_60_items(client, personas, django_assert_num_queries, rows):
    for i in range(rows):
        ask(personas.peer, personas.employee, topic=f"asked of me {i}")
        (row,) = ask(personas.employee, personas.peer, topic=f"asked by me {i}")
        if i % 2:
            give(personas.peer, personas.employee, request=row)
    client.force_login(personas.employee.user)
    client.get(REQUESTS)
    # session, user, actor context (2), waiting requests, my requests, their answers
    _queries(client, django_assert_num_queries, REQUESTS, 7)
