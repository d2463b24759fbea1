"""Giving 360 feedback on pages: the rater's inbox, the form (autosave, "not able to judge", submit), declining,
the 360 section on the self review form, and what My reviews says about the requests (decision 0009)."""

from __future__ import annotations

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.core.models import Notification
from jixiao.core.testing.personas import make_employee, make_user
from jixiao.goals.testing import make_period
from jixiao.org.tests.test_pages_queries import grow_company
from jixiao.reviews import services_feedback
from jixiao.reviews.models import Cycle, Evaluation, EvaluationKind, Nomination, PhaseKind, Review
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle

pytestmark = pytest.mark.django_db

# Every signed-in page starts with the session, the user, and the reader's place and HR scopes (actor_context).
BASE = 4
# + her peer and upward requests in cycles in progress (with reviews, reviewees, departments, cycles), the due dates.
INBOX = BASE + 2


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def review_of(cycle: Cycle, employee) -> Review:
    return Review.objects.select_related("cycle", "department", "manager", "reviewee").get(
        cycle=cycle, reviewee=employee
    )


def nominate(personas, review: Review, raters) -> None:
    for rater in raters:
        nomination = services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=rater)
        services_feedback.nomination_decide(actor=personas.manager.user, nomination=nomination, approve=True)


def request_of(review: Review, rater, kind: str = EvaluationKind.PEER) -> Evaluation:
    return Evaluation.objects.select_related("review__cycle", "review__reviewee").get(
        review=review, rater=rater, kind=kind
    )


def form_url(evaluation: Evaluation) -> str:
    return f"/reviews/feedback/{evaluation.pk}/"


def posted(answers: dict, *, version: int, **extra: str) -> dict:
    """The feedback form's fields for `answers` (the services' shape)."""
    data = {"version": str(version), **extra}
    for key, value in answers.get("ratings", {}).items():
        data[f"rating:{key}"] = value
    for key, value in answers.get("answers", {}).items():
        data[f"answer:{key}"] = value
    return data


def fresh(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.get(pk=evaluation.pk)


@pytest.fixture
def team(personas):
    """The employee's peers: the persona peer and two more with accounts, under the same manager."""
    more = [
        make_employee(f"同事{i}", personas.east, manager=personas.manager, user=make_user(f"peer{i}")) for i in range(2)
    ]
    return [personas.peer, *more]


def feedback_cycle(personas, team, **extra) -> Cycle:
    """A 360 cycle over sales with the employee's three peers approved, in its feedback phase."""
    admin = personas.admin
    cycle = launch(admin, make_cycle(admin, make_period(admin), departments=(personas.sales,), feedback=True, **extra))
    nominate(personas, review_of(cycle, personas.employee), team)
    return advance_to(admin, cycle, PhaseKind.FEEDBACK)


@pytest.fixture
def cycle(personas, team) -> Cycle:
    return feedback_cycle(personas, team)


@pytest.fixture
def review(cycle, personas) -> Review:
    return review_of(cycle, personas.employee)


@pytest.fixture
def ask(review, personas) -> Evaluation:
    """The persona peer's request for feedback on the employee."""
    return request_of(review, personas.peer)


# ---- the inbox ---------------------------------------------------------------------------------------


def test_the_inbox_explains_that_there_is_nothing_to_answer_before_any_request(personas):
    response = signed_in(personas.peer.user).get("/reviews/feedback/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="inbox-empty"' in html
    assert "When a review cycle opens its 360° feedback phase" in html


def test_the_inbox_tells_an_account_without_an_employee_record_what_to_do(personas):
    html = signed_in(personas.outsider).get("/reviews/feedback/").content.decode()
    assert 'data-testid="no-employee"' in html


def test_the_inbox_lists_my_peer_and_upward_requests_by_cycle_with_their_due_date(personas, cycle, ask):
    response = signed_in(personas.peer.user).get("/reviews/feedback/")
    inbox = response.context["inbox"]
    assert [c.cycle_id for c in inbox.cycles] == [cycle.pk]
    rows = {(r.reviewee.pk, r.evaluation.kind): r for r in inbox.cycles[0].rows}
    assert set(rows) == {(personas.employee.pk, "peer"), (personas.manager.pk, "upward")}
    peer_row = rows[(personas.employee.pk, "peer")]
    assert (peer_row.state, peer_row.status, peer_row.group) == ("pending", "open", "Peer review")
    assert peer_row.url == form_url(ask)
    assert str(inbox.cycles[0].due_on) == "2027-12-21"
    html = response.content.decode()
    assert "王小明" in html and "Upward review" in html and "Due 2027-12-21" in html
    assert html.count('data-testid="inbox-row"') == 2


def test_the_inbox_shows_drafts_submissions_and_declines(personas, cycle, review, ask):
    client = signed_in(personas.peer.user)
    services_feedback.feedback_save(
        actor=personas.peer.user, evaluation=ask, answers={"ratings": {}}, version=ask.version
    )
    upward = request_of(review_of(cycle, personas.manager), personas.peer, EvaluationKind.UPWARD)
    services_feedback.feedback_decline(actor=personas.peer.user, evaluation=upward, reason="刚入职，不了解")
    rows = {r.evaluation.kind: r for r in client.get("/reviews/feedback/").context["inbox"].cycles[0].rows}
    assert (rows["peer"].state, rows["peer"].action) == ("draft", "Continue")
    assert (rows["upward"].state, rows["upward"].status) == ("declined", "done")
    assert rows["upward"].note == "You declined this request."


@pytest.mark.parametrize("size", [10, 60])
def test_the_inbox_runs_the_same_queries_for_10_and_60_requests(personas, django_assert_num_queries, size):
    grow_company(personas.east, personas.manager, size)
    admin = personas.admin
    cycle = launch(admin, make_cycle(admin, make_period(admin), departments=(personas.sales,), feedback=True))
    reviews = Review.objects.filter(cycle=cycle).exclude(reviewee__in=[personas.peer, personas.manager])
    Nomination.objects.bulk_create(
        Nomination(review=r, kind=EvaluationKind.PEER, rater=personas.peer, state=Nomination.State.APPROVED)
        for r in reviews
    )
    advance_to(admin, cycle, PhaseKind.FEEDBACK)
    client = signed_in(personas.peer.user)
    client.get("/")  # settle the session's first-request bookkeeping before counting
    with django_assert_num_queries(INBOX):
        response = client.get("/reviews/feedback/")
    assert response.status_code == 200
    assert response.context["inbox"].total == reviews.count() + 1 >= size  # and the upward request on her manager


def test_my_reviews_lists_a_feedback_request_with_a_link_to_its_form_never_to_the_review(personas, cycle, ask):
    response = signed_in(personas.peer.user).get("/reviews/")
    rows = [r for r in response.context["page"].owed if r.evaluation.pk == ask.pk]
    assert len(rows) == 1
    assert (rows[0].status, rows[0].url, rows[0].kind_label) == ("open", form_url(ask), "Peer review")
    assert str(rows[0].due_on) == "2027-12-21"
    assert f'/reviews/{ask.review_id}/"' not in response.content.decode()
    assert 'data-testid="feedback-inbox-link"' in response.content.decode()


def test_the_navigation_links_to_the_feedback_inbox(personas):
    html = signed_in(personas.peer.user).get("/reviews/").content.decode()
    assert 'data-testid="nav-feedback"' in html


# ---- the form ----------------------------------------------------------------------------------------


def test_the_form_shows_the_360_section_alone_with_bars_anchors_and_not_able_to_judge(personas, ask):
    response = signed_in(personas.peer.user).get(form_url(ask))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.section.kind == "feedback"
    assert len(page.section.competencies) == 2 and len(page.section.questions) == 1
    html = response.content.decode()
    assert html.count('data-testid="section-') == 1  # no KPI, goals, competencies or questions sections
    assert "Behaviour at 4" in html  # the BARS anchor of level 4
    assert html.count('data-testid="not-able-to-judge"') == 2
    assert "Overall comment" not in html and "Private note" not in html


def test_the_form_says_the_answers_are_anonymous_with_the_cycles_k(personas, ask):
    html = signed_in(personas.peer.user).get(form_url(ask)).content.decode()
    assert 'data-testid="anonymity-note"' in html
    assert "combined with the answers of at least 3 people" in html
    assert 'data-testid="confidential-note"' not in html


def test_in_a_confidential_cycle_the_form_says_the_manager_may_see_who_was_asked(personas, team):
    cycle = feedback_cycle(personas, team, confidential=True, anonymity_k=5)
    ask = request_of(review_of(cycle, personas.employee), personas.peer)
    html = signed_in(personas.peer.user).get(form_url(ask)).content.decode()
    assert "at least 5 people" in html
    assert 'data-testid="confidential-note"' in html and "may see who was asked" in html


def test_the_form_speaks_chinese(personas, ask):
    personas.peer.user.language = "zh-hans"
    personas.peer.user.save(update_fields=["language"])
    html = signed_in(personas.peer.user, "zh-hans").get(form_url(ask)).content.decode()
    assert "等级4的行为" in html


def test_the_autosave_keeps_a_draft_and_answers_the_new_version(personas, review, ask):
    answers = full_answers(review, rating="4", kind=EvaluationKind.PEER)
    client = signed_in(personas.peer.user)
    response = client.post(f"{form_url(ask)}autosave/", posted(answers, version=ask.version), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="autosave-ok"' in html and f'value="{ask.version + 1}"' in html
    saved = fresh(ask)
    assert saved.state == Evaluation.State.DRAFT and saved.answers["ratings"] == answers["ratings"]
    event = AuditEvent.objects.filter(action="feedback.draft").get()
    assert event.actor_id is None  # the audit does not name the rater


def test_a_stale_autosave_is_refused_and_keeps_nothing(personas, review, ask):
    client = signed_in(personas.peer.user)
    first = full_answers(review, rating="4", kind=EvaluationKind.PEER)
    client.post(f"{form_url(ask)}autosave/", posted(first, version=ask.version), HTTP_HX_REQUEST="true")
    other = full_answers(review, rating="2", kind=EvaluationKind.PEER)
    response = client.post(f"{form_url(ask)}autosave/", posted(other, version=ask.version), HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert 'data-testid="stale-banner"' in response.content.decode()
    assert set(fresh(ask).answers["ratings"].values()) == {"4"}


def test_a_stale_submit_shows_the_message_and_keeps_what_was_typed(personas, review, ask):
    client = signed_in(personas.peer.user)
    client.post(form_url(ask), posted({"ratings": {}}, version=ask.version, action="save"))
    answers = full_answers(review, rating="2", kind=EvaluationKind.PEER)
    answers["answers"] = dict.fromkeys(answers["answers"], "她的复盘很扎实")
    response = client.post(form_url(ask), posted(answers, version=ask.version, action="submit"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Reload" in html and "她的复盘很扎实" in html
    assert fresh(ask).state == Evaluation.State.DRAFT


def test_submitting_without_every_rating_is_refused_beside_the_missing_item(personas, review, ask):
    answers = full_answers(review, rating="4", kind=EvaluationKind.PEER)
    missing = sorted(answers["ratings"])[0]
    del answers["ratings"][missing]
    response = signed_in(personas.peer.user).post(form_url(ask), posted(answers, version=ask.version, action="submit"))
    assert response.status_code == 400
    errors = {c.key: c.errors for c in response.context["page"].section.competencies}
    assert errors[missing] == ["Rate this before submitting."]
    assert f'data-testid="error-{missing.replace(":", "-")}">Rate this before submitting.' in response.content.decode()
    assert fresh(ask).state == Evaluation.State.PENDING


def test_not_able_to_judge_counts_as_an_answer_and_submitting_leads_back_to_the_inbox(personas, review, ask):
    answers = full_answers(review, rating="4", kind=EvaluationKind.PEER)
    first = sorted(answers["ratings"])[0]
    answers["ratings"][first] = "na"
    client = signed_in(personas.peer.user)
    response = client.post(form_url(ask), posted(answers, version=ask.version, action="submit"))
    assert response.status_code == 302 and response["Location"] == "/reviews/feedback/"
    saved = fresh(ask)
    assert saved.state == Evaluation.State.SUBMITTED and saved.answers["ratings"][first] == "na"
    follow = client.get("/reviews/feedback/")
    assert "Thank you. Your feedback is submitted." in follow.content.decode()


def test_after_submitting_the_form_is_read_only_and_a_second_post_is_refused(personas, review, ask):
    answers = full_answers(review, rating="4", kind=EvaluationKind.PEER)
    client = signed_in(personas.peer.user)
    client.post(form_url(ask), posted(answers, version=ask.version, action="submit"))
    response = client.get(form_url(ask))
    html = response.content.decode()
    assert response.context["page"].can_write is False
    assert '<fieldset class="jx-min-w-0" disabled>' in html and 'data-testid="submit"' not in html
    assert "You submitted this feedback" in html
    again = client.post(form_url(ask), posted(full_answers(review, rating="1", kind="peer"), version=ask.version + 1))
    assert again.status_code == 409
    assert set(fresh(ask).answers["ratings"].values()) == {"4"}


def test_outside_the_feedback_phase_the_form_is_read_only_and_writes_nothing(personas, cycle, review, ask):
    advance_to(personas.admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.MANAGER)
    client = signed_in(personas.peer.user)
    response = client.get(form_url(ask))
    assert response.context["page"].can_write is False
    assert "The feedback phase is over." in response.content.decode()
    answers = full_answers(review, kind=EvaluationKind.PEER)
    refused = client.post(f"{form_url(ask)}autosave/", posted(answers, version=ask.version), HTTP_HX_REQUEST="true")
    assert refused.status_code == 409
    assert fresh(ask).state == Evaluation.State.PENDING and fresh(ask).answers == {}


@pytest.mark.parametrize("who", ["employee", "manager", "skip", "outsider", "other_peer"])
def test_nobody_but_the_rater_opens_or_writes_her_form(personas, team, review, ask, who):
    user = team[1].user if who == "other_peer" else getattr(personas, who)
    user = getattr(user, "user", user)
    client = signed_in(user)
    answers = full_answers(review, kind=EvaluationKind.PEER)
    assert client.get(form_url(ask)).status_code == 404
    assert client.post(form_url(ask), posted(answers, version=ask.version, action="submit")).status_code == 404
    assert client.post(f"{form_url(ask)}autosave/", posted(answers, version=ask.version)).status_code == 404
    assert client.post(f"{form_url(ask)}decline/", {"reason": "x"}).status_code == 404
    assert fresh(ask).state == Evaluation.State.PENDING


def test_the_self_and_manager_review_forms_are_not_reachable_as_feedback(personas, review):
    own = evaluation_of(review, EvaluationKind.SELF)
    assert signed_in(personas.employee.user).get(form_url(own)).status_code == 404


def test_the_form_requires_a_sign_in(ask):
    response = Client().get(form_url(ask))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


# ---- declining -----------------------------------------------------------------------------------------


def test_declining_needs_a_reason_and_writes_nothing_without_one(personas, ask):
    client = signed_in(personas.peer.user)
    assert client.get(f"{form_url(ask)}decline/").status_code == 200
    response = client.post(f"{form_url(ask)}decline/", {"reason": "   "})
    assert response.status_code == 400
    assert "Say why you decline." in response.content.decode()
    assert fresh(ask).state == Evaluation.State.PENDING
    assert not AuditEvent.objects.filter(action="feedback.decline").exists()


def test_declining_with_a_reason_closes_the_request_and_tells_the_manager(personas, ask):
    client = signed_in(personas.peer.user)
    response = client.post(f"{form_url(ask)}decline/", {"reason": "我们没有合作过"})
    assert response.status_code == 302 and response["Location"] == "/reviews/feedback/"
    assert fresh(ask).state == Evaluation.State.SKIPPED
    nomination = Nomination.objects.get(pk=ask.nomination_id)
    assert (nomination.state, nomination.decline_reason) == (Nomination.State.DECLINED, "我们没有合作过")
    assert Notification.objects.filter(user=personas.manager.user, body="我们没有合作过").exists()
    # The reviewee hears nothing of it (she was told only that she, too, is asked for feedback on her manager).
    told = Notification.objects.filter(user=personas.employee.user)
    assert not [n for n in told if "我们没有合作过" in n.body or "declined" in n.title]


def test_upward_feedback_can_be_declined_too(personas, cycle):
    upward = request_of(review_of(cycle, personas.manager), personas.peer, EvaluationKind.UPWARD)
    response = signed_in(personas.peer.user).post(f"{form_url(upward)}decline/", {"reason": "不便评价"})
    assert response.status_code == 302
    assert fresh(upward).state == Evaluation.State.SKIPPED


def test_submitted_feedback_cannot_be_declined(personas, review, ask):
    client = signed_in(personas.peer.user)
    client.post(form_url(ask), posted(full_answers(review, kind="peer"), version=ask.version, action="submit"))
    response = client.post(f"{form_url(ask)}decline/", {"reason": "改主意了"})
    assert response.status_code == 409
    assert fresh(ask).state == Evaluation.State.SUBMITTED


# ---- the self review form carries the 360 section when the self group is in it --------------------------


def test_the_self_review_form_shows_the_360_competencies_and_submits_them(personas, review):
    own = evaluation_of(review, EvaluationKind.SELF)
    client = signed_in(personas.employee.user)
    response = client.get(f"/reviews/evaluations/{own.pk}/")
    kinds = [s.kind for s in response.context["page"].sections]
    assert "feedback" in kinds
    feedback_section = next(s for s in response.context["page"].sections if s.kind == "feedback")
    assert len(feedback_section.competencies) == 2
    assert 'data-testid="section-feedback"' in response.content.decode()
    answers = full_answers(review, rating="5")
    data = {"version": str(own.version), "overall": answers["overall"], "action": "submit"}
    data.update({f"rating:{k}": v for k, v in answers["ratings"].items()})
    data.update({f"answer:{k}": v for k, v in answers["answers"].items()})
    assert client.post(f"/reviews/evaluations/{own.pk}/", data).status_code == 302
    section_key = feedback_section.key
    saved = fresh(own)
    assert saved.state == Evaluation.State.SUBMITTED
    assert any(k.startswith(f"{section_key}:") for k in saved.answers["ratings"])


def test_the_manager_form_leaves_out_a_360_section_without_the_manager_group(personas, review):
    manager_part = evaluation_of(review, EvaluationKind.MANAGER)
    response = signed_in(personas.manager.user).get(f"/reviews/evaluations/{manager_part.pk}/")
    assert response.status_code == 200
    assert "feedback" not in [s.kind for s in response.context["page"].sections]
