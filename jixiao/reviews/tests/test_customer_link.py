"""Customers answer through their emailed link, without an account (decision 0009).

The link is exchanged for a short session and the browser redirected, so the token leaves the address bar;
every page says `Referrer-Policy: no-referrer`; forged links are 404, used and expired ones 410, guessing in a
loop gets 429; nothing is written on any refusal, and a link serves one submission.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from jixiao.audit.models import AuditEvent
from jixiao.goals.testing import make_period
from jixiao.reviews import services_feedback, views_feedback
from jixiao.reviews.models import Cycle, Evaluation, EvaluationKind, Invitation, PhaseKind, Review
from jixiao.reviews.testing import advance_to, full_answers, launch, make_cycle

pytestmark = pytest.mark.django_db

ANSWER = "/reviews/external/answer/"
DONE = "/reviews/external/done/"
FORGED = "x" * 32


@pytest.fixture(autouse=True)
def _no_failures_left_over():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cycle(personas) -> Cycle:
    admin = personas.admin
    return launch(admin, make_cycle(admin, make_period(admin), departments=(personas.east,), feedback=True))


def review_of(cycle: Cycle, employee) -> Review:
    return Review.objects.select_related("cycle", "department", "manager").get(cycle=cycle, reviewee=employee)


def invite(personas, cycle: Cycle, employee=None, email: str = "buyer@client.example") -> str:
    _nomination, token = services_feedback.customer_invite(
        actor=personas.manager.user, review=review_of(cycle, employee or personas.employee), email=email, name="客户甲"
    )
    return token


def open_feedback(personas, cycle: Cycle) -> Cycle:
    return advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.FEEDBACK)


def link(token: str) -> str:
    return f"/reviews/external/{token}/"


def customer_evaluation(employee) -> Evaluation:
    return Evaluation.objects.select_related("review__cycle").get(reviewee=employee, kind=EvaluationKind.CUSTOMER)


def posted(answers: dict, *, version: int, **extra: str) -> dict:
    data = {"version": str(version), **extra}
    data.update({f"rating:{k}": v for k, v in answers.get("ratings", {}).items()})
    data.update({f"answer:{k}": v for k, v in answers.get("answers", {}).items()})
    return data


def answers_for(employee, rating: str = "4") -> dict:
    return full_answers(customer_evaluation(employee).review, rating=rating, kind=EvaluationKind.CUSTOMER)


@pytest.fixture
def token(personas, cycle) -> str:
    token = invite(personas, cycle)
    open_feedback(personas, cycle)
    return token


@pytest.fixture
def visitor(token) -> Client:
    """A browser that opened the link (no account)."""
    client = Client()
    response = client.get(link(token))
    assert response.status_code == 303
    return client


def assert_private(response) -> None:
    """No caching; the link's address (the token) is never sent on as a referrer, the later pages' only in-site.

    The pages after the redirect say `same-origin` rather than `no-referrer`: under `no-referrer` browsers post
    forms with `Origin: null`, which the CSRF check refuses.
    """
    path = response.request["PATH_INFO"]
    at_link = path not in (ANSWER, DONE)
    assert response["Referrer-Policy"] == ("no-referrer" if at_link else "same-origin")
    assert response["Cache-Control"] == "no-store"


def nothing_written(employee) -> None:
    evaluation = customer_evaluation(employee)
    assert (evaluation.state, evaluation.answers) == (Evaluation.State.PENDING, {})
    assert not Invitation.objects.filter(used_at__isnull=False).exists()
    assert (
        not AuditEvent.objects.filter(action__startswith="feedback.")
        .exclude(action__in=["feedback.invite", "feedback.requests"])
        .exists()
    )


# ---- the link -------------------------------------------------------------------------------------------


def test_the_link_is_exchanged_for_a_session_and_the_token_leaves_the_address_bar(personas, token):
    client = Client()
    response = client.get(link(token))
    assert response.status_code == 303
    assert response["Location"] == ANSWER and token not in response["Location"]
    assert_private(response)
    assert client.session[views_feedback.SESSION_KEY]["evaluation"] == customer_evaluation(personas.employee).pk
    page = client.get(ANSWER)
    assert page.status_code == 200
    assert_private(page)
    assert token not in page.content.decode()


def test_the_customer_page_needs_no_account_and_shows_nothing_of_the_company_but_the_form(personas, visitor):
    response = visitor.get(ANSWER)
    html = response.content.decode()
    assert "王小明" in html and 'data-testid="section-feedback"' in html
    assert 'data-testid="nav-my-reviews"' not in html and 'data-testid="user-menu"' not in html
    assert 'data-testid="decline-link"' not in html  # customers do not decline through the page
    assert 'data-testid="anonymity-note"' in html
    assert html.count('data-testid="not-able-to-judge"') == 2


def test_a_forged_link_gets_a_clear_404_page_and_writes_nothing(personas, token):
    response = Client().get(link(FORGED))
    assert response.status_code == 404
    assert_private(response)
    assert 'data-code="forged"' in response.content.decode()
    nothing_written(personas.employee)


def test_a_page_at_the_links_address_has_no_form_to_post(personas, token):
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    html = Client().get(link(token)).content.decode()
    assert "<form" not in html and token not in html


def test_an_expired_link_is_gone(personas, token):
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = Client().get(link(token))
    assert response.status_code == 410
    assert 'data-code="expired"' in response.content.decode()
    assert_private(response)
    nothing_written(personas.employee)


def test_before_the_feedback_phase_the_link_says_feedback_opens_later(personas, cycle):
    token = invite(personas, cycle)
    response = Client().get(link(token))
    assert response.status_code == 200
    assert 'data-code="not_open"' in response.content.decode() and "Feedback opens later" in response.content.decode()
    assert views_feedback.SESSION_KEY not in Client().session


def test_the_answer_page_without_a_link_in_the_session_sends_the_visitor_back_to_her_email(personas, token):
    client = Client()
    for response in (client.get(ANSWER), client.post(ANSWER, {"version": "1", "action": "submit"})):
        assert response.status_code == 404
        assert 'data-code="no_session"' in response.content.decode()
        assert_private(response)
    nothing_written(personas.employee)


def test_the_session_runs_out(personas, visitor):
    session = visitor.session
    data = session[views_feedback.SESSION_KEY]
    data["until"] = int(time.time()) - 1
    session[views_feedback.SESSION_KEY] = data
    session.save()
    assert visitor.get(ANSWER).status_code == 404


# ---- answering -------------------------------------------------------------------------------------------


def test_the_customer_autosaves_a_draft_then_submits_and_the_link_is_spent(personas, token, visitor):
    evaluation = customer_evaluation(personas.employee)
    answers = answers_for(personas.employee)
    draft = visitor.post(ANSWER, posted(answers, version=evaluation.version), HTTP_HX_REQUEST="true")
    assert draft.status_code == 200 and 'data-testid="autosave-ok"' in draft.content.decode()
    assert_private(draft)
    assert customer_evaluation(personas.employee).state == Evaluation.State.DRAFT
    done = visitor.post(ANSWER, posted(answers, version=evaluation.version + 1, action="submit"))
    assert done.status_code == 303 and done["Location"] == DONE
    saved = customer_evaluation(personas.employee)
    assert saved.state == Evaluation.State.SUBMITTED and saved.answers["ratings"] == answers["ratings"]
    assert Invitation.objects.get().used_at is not None
    assert views_feedback.SESSION_KEY not in visitor.session
    thanks = visitor.get(DONE)
    assert thanks.status_code == 200 and "Thank you for your feedback" in thanks.content.decode()
    assert_private(thanks)
    assert AuditEvent.objects.filter(action="feedback.submit", actor__isnull=True).count() == 1


def test_a_second_submission_is_refused(personas, token, visitor):
    evaluation = customer_evaluation(personas.employee)
    answers = answers_for(personas.employee)
    assert visitor.post(ANSWER, posted(answers, version=evaluation.version, action="submit")).status_code == 303
    again = visitor.post(
        ANSWER, posted(answers_for(personas.employee, "1"), version=evaluation.version + 1, action="submit")
    )
    assert again.status_code == 404
    reopened = Client()
    used = reopened.get(link(token))
    assert used.status_code == 410 and 'data-code="used"' in used.content.decode()
    assert views_feedback.SESSION_KEY not in reopened.session
    assert set(customer_evaluation(personas.employee).answers["ratings"].values()) == {"4"}


def test_a_link_used_in_another_tab_is_refused_in_this_one_with_410(personas, token, visitor):
    other_tab = Client()
    other_tab.get(link(token))
    evaluation = customer_evaluation(personas.employee)
    other_tab.post(ANSWER, posted(answers_for(personas.employee), version=evaluation.version, action="submit"))
    response = visitor.post(ANSWER, posted(answers_for(personas.employee, "1"), version=evaluation.version + 1))
    assert response.status_code == 410
    assert set(customer_evaluation(personas.employee).answers["ratings"].values()) == {"4"}


def test_submitting_without_every_rating_is_refused_and_keeps_the_link(personas, visitor):
    evaluation = customer_evaluation(personas.employee)
    response = visitor.post(ANSWER, posted({"ratings": {}}, version=evaluation.version, action="submit"))
    assert response.status_code == 400
    assert "Rate this before submitting." in response.content.decode()
    nothing_written(personas.employee)
    assert visitor.get(ANSWER).status_code == 200


def test_another_reviewees_evaluation_in_the_session_cannot_be_written(personas, cycle, token, visitor):
    invite(personas, cycle, employee=personas.peer, email="other@client.example")
    services_feedback.feedback_requests_send(actor=personas.admin, cycle=Cycle.objects.get(pk=cycle.pk))
    other = customer_evaluation(personas.peer)
    session = visitor.session
    data = session[views_feedback.SESSION_KEY]
    data["evaluation"] = other.pk
    session[views_feedback.SESSION_KEY] = data
    session.save()
    answers = full_answers(other.review, kind=EvaluationKind.CUSTOMER)
    response = visitor.post(ANSWER, posted(answers, version=other.version, action="submit"))
    assert response.status_code == 404
    assert customer_evaluation(personas.peer).state == Evaluation.State.PENDING
    nothing_written(personas.employee)


def test_csrf_protection_stays_on_for_customers(personas, token):
    client = Client(enforce_csrf_checks=True)
    client.get(link(token))
    evaluation = customer_evaluation(personas.employee)
    response = client.post(ANSWER, posted(answers_for(personas.employee), version=evaluation.version, action="submit"))
    assert response.status_code == 403
    nothing_written(personas.employee)


def test_a_signed_in_employee_can_answer_a_customer_link_without_losing_her_session(personas, token):
    client = Client()
    client.force_login(personas.peer.user)
    assert client.get(link(token)).status_code == 303
    assert client.get(ANSWER).status_code == 200
    assert client.get("/reviews/").status_code == 200  # still signed in


def test_outside_the_feedback_phase_the_customer_form_is_read_only(personas, cycle, token, visitor):
    advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.MANAGER)
    response = visitor.get(ANSWER)
    assert response.status_code == 200 and response.context["page"].can_write is False
    evaluation = customer_evaluation(personas.employee)
    refused = visitor.post(ANSWER, posted(answers_for(personas.employee), version=evaluation.version, action="submit"))
    assert refused.status_code == 409
    nothing_written(personas.employee)


def test_the_customer_form_speaks_chinese(personas, token):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.get(link(token))
    assert "等级4的行为" in client.get(ANSWER).content.decode()


# ---- guessing ---------------------------------------------------------------------------------------------


def test_guessing_in_a_loop_gets_429_before_any_lookup(personas, token, django_assert_num_queries):
    client = Client()
    for _ in range(views_feedback.FAILURE_LIMIT):
        assert client.get(link(FORGED)).status_code == 404
    with django_assert_num_queries(0):
        blocked = client.get(link(token))  # even the right link, until the window passes
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == str(views_feedback.FAILURE_WINDOW)
    assert_private(blocked)
    other_address = Client(REMOTE_ADDR="10.9.8.7")
    assert other_address.get(link(token)).status_code == 303
    nothing_written(personas.employee)


def test_used_and_expired_links_do_not_count_as_guesses(personas, token, visitor):
    evaluation = customer_evaluation(personas.employee)
    visitor.post(ANSWER, posted(answers_for(personas.employee), version=evaluation.version, action="submit"))
    client = Client()
    for _ in range(views_feedback.FAILURE_LIMIT + 2):
        assert client.get(link(token)).status_code == 410
