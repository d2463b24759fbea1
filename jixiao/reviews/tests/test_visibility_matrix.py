"""The visibility matrix (decision 0007) through the pages, cell by cell: role × review state → what the HTML shows.

Each part of the review carries a marker text; a cell asserts which markers appear in the page a
reader opens and that the others never do. The table below is written out by hand on purpose (not
computed from selectors.review_view), so a change to the matrix has to change this test too.
"""

from __future__ import annotations

import pytest
from django.test import Client

from jixiao.goals.testing import make_period
from jixiao.reviews import services
from jixiao.reviews.models import Cycle, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle

pytestmark = pytest.mark.django_db

SELF = "SELF-ANSWER-7f3a"  # in the self review's answer and overall comment
MANAGER = "MANAGER-RATING-COMMENT-2b9c"  # in the manager's comment on a competency and overall comment
NOTE = "PRIVATE-NOTE-5d1e"  # the manager's private note
SKIP = "SKIP-LEVEL-COMMENT-8e4f"  # the skip-level manager's approval comment
SCORE = 'data-testid="final-score"'  # the result card with the score, the band and the breakdown

STATES = ("self_review", "manager_review", "skip_level", "ready", "released", "acknowledged", "disagreed")
AFTER_MANAGER = {"skip_level": "SMNR", "ready": "SMNKR", "released": "SMNKR", "acknowledged": "SMNKR"}

# role → state → what shows: S self review, M manager's ratings and comments, N private note,
# K skip-level decision, R score and breakdown. "404" = the page does not exist for this reader.
MATRIX: dict[str, dict[str, str]] = {
    "reviewee": {
        "self_review": "S",
        "manager_review": "S",
        "skip_level": "S",
        "ready": "S",
        "released": "SMR",
        "acknowledged": "SMR",
        "disagreed": "SMR",
    },
    "manager": {"self_review": "MN", "manager_review": "SMN", **AFTER_MANAGER, "disagreed": "SMNKR"},
    "skip_level": {"self_review": "", "manager_review": "S", **AFTER_MANAGER, "disagreed": "SMNKR"},
    "chain": {
        "self_review": "",
        "manager_review": "S",
        "skip_level": "SMR",
        "ready": "SMKR",
        "released": "SMKR",
        "acknowledged": "SMKR",
        "disagreed": "SMKR",
    },
    "hr_in_scope": {"self_review": "", "manager_review": "S", **AFTER_MANAGER, "disagreed": "SMNKR"},
    "admin": {"self_review": "", "manager_review": "S", **AFTER_MANAGER, "disagreed": "SMNKR"},
    "hr_out_of_scope": dict.fromkeys(STATES, "404"),
    "peer": dict.fromkeys(STATES, "404"),
    "outsider": dict.fromkeys(STATES, "404"),
}
MARKERS = {"S": SELF, "M": MANAGER, "N": NOTE, "K": SKIP, "R": SCORE}


def user_of(personas, role: str):
    return {
        "reviewee": personas.employee.user,
        "manager": personas.manager.user,
        "skip_level": personas.skip.user,
        "chain": personas.ceo.user,
        "hr_in_scope": personas.scoped_hr,
        "admin": personas.admin,
        "hr_out_of_scope": personas.other_hr,
        "peer": personas.peer.user,
        "outsider": personas.outsider,
    }[role]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _save(user, review: Review, kind: str, answers: dict, *, submit: bool, note: str | None = None) -> None:
    evaluation = evaluation_of(review, kind)
    services.evaluation_save(
        actor=user, evaluation=evaluation, answers=answers, version=evaluation.version, submit=submit, private_note=note
    )


def self_answers(review: Review) -> dict:
    answers = full_answers(review, rating="5", overall=f"My year. {SELF}")
    answers["answers"] = dict.fromkeys(answers["answers"], f"I renewed every account. {SELF}")
    return answers


def manager_answers(review: Review) -> dict:
    answers = full_answers(review, rating="3", overall=f"Solid year. {MANAGER}")
    answers["comments"] = dict.fromkeys(answers["ratings"], f"Good with clients. {MANAGER}")
    return answers


def review_in(state: str, personas) -> Review:
    """The employee's review driven to `state`, every part written with its marker."""
    admin = personas.admin
    cycle = launch(admin, make_cycle(admin, make_period(admin), departments=(personas.sales,), skip_level=True))
    review = Review.objects.select_related("cycle").get(cycle=cycle, reviewee=personas.employee)
    employee, manager = personas.employee.user, personas.manager.user
    # Drafts exist from the start: the self review's and the manager's (with the private note).
    _save(employee, review, EvaluationKind.SELF, self_answers(review), submit=False)
    _save(manager, review, EvaluationKind.MANAGER, manager_answers(review), submit=False, note=NOTE)
    if state == "self_review":
        return review
    _save(employee, review, EvaluationKind.SELF, self_answers(review), submit=True)
    if state == "manager_review":
        return review
    cycle = advance_to(admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.MANAGER)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    _save(manager, review, EvaluationKind.MANAGER, manager_answers(review), submit=True, note=NOTE)
    if state == "skip_level":
        return review
    skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
    services.review_skip_level_decide(
        actor=personas.skip.user, evaluation=skip, approve=True, comment=f"Agreed. {SKIP}", version=skip.version
    )
    if state == "ready":
        return review
    cycle = advance_to(admin, Cycle.objects.get(pk=cycle.pk), PhaseKind.ACKNOWLEDGEMENT)
    assert services.reviews_release(actor=admin, cycle=cycle) == 1
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    if state in ("acknowledged", "disagreed"):
        services.review_acknowledge(
            actor=employee,
            review=review,
            agree=state == "acknowledged",
            comment="I see it differently." if state == "disagreed" else "",
            version=review.version,
        )
    review.refresh_from_db()
    assert review.state == state
    return review


CELLS = [(role, state) for role in MATRIX for state in STATES]


@pytest.mark.parametrize(("role", "state"), CELLS, ids=[f"{r}-{s}" for r, s in CELLS])
def test_review_page_shows_each_reader_only_her_cell_of_the_matrix(personas, role, state):
    review = review_in(state, personas)
    response = signed_in(user_of(personas, role)).get(f"/reviews/{review.pk}/")
    expected = MATRIX[role][state]
    if expected == "404":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    html = response.content.decode()
    for code, marker in MARKERS.items():
        if code in expected:
            assert marker in html, f"{role} in {state} should see {code}"
        else:
            assert marker not in html, f"{role} in {state} must not see {code}"


@pytest.mark.parametrize("state", STATES)
def test_the_private_note_never_reaches_the_employee_on_any_page(personas, state):
    review = review_in(state, personas)
    client = signed_in(personas.employee.user)
    self_eval = evaluation_of(review, EvaluationKind.SELF)
    pages = ["/reviews/", f"/reviews/{review.pk}/", f"/reviews/evaluations/{self_eval.pk}/"]
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert NOTE not in html, url
        assert "never shown to the employee" not in html, url
        if state in ("self_review", "manager_review", "skip_level", "ready"):
            assert MANAGER not in html, url
    # Her manager's form is not hers: opening it leads to the review page (above), never to the form.
    manager_eval = evaluation_of(review, EvaluationKind.MANAGER)
    response = client.get(f"/reviews/evaluations/{manager_eval.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/reviews/{review.pk}/"
    assert client.post(f"/reviews/evaluations/{manager_eval.pk}/autosave/", {"version": 1}).status_code == 404
    assert client.get(f"/reviews/evaluations/{manager_eval.pk}/decide/").status_code == 404


def test_the_manager_form_shows_the_self_review_only_once_it_is_submitted(personas):
    review = review_in("self_review", personas)
    client = signed_in(personas.manager.user)
    url = f"/reviews/evaluations/{evaluation_of(review, EvaluationKind.MANAGER).pk}/"
    html = client.get(url).content.decode()
    assert SELF not in html
    assert 'data-testid="self-not-shown"' in html
    _save(personas.employee.user, review, EvaluationKind.SELF, self_answers(review), submit=True)
    html = client.get(url).content.decode()
    assert SELF in html
    assert 'data-testid="self-rating"' in html


def test_the_score_on_team_and_my_reviews_follows_the_matrix(personas):
    review = review_in("ready", personas)
    review.refresh_from_db()
    assert review.final_score is not None
    manager = signed_in(personas.manager.user).get("/reviews/team/").content.decode()
    assert 'data-testid="team-score"' in manager
    mine = signed_in(personas.employee.user).get("/reviews/").content.decode()
    assert 'data-testid="result-score"' not in mine
    assert 'data-testid="results-empty"' in mine


def test_the_skip_level_page_is_only_for_its_approver(personas):
    review = review_in("skip_level", personas)
    skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
    url = f"/reviews/evaluations/{skip.pk}/decide/"
    html = signed_in(personas.skip.user).get(url).content.decode()
    assert MANAGER in html and SCORE in html and NOTE in html
    for user in (personas.manager.user, personas.employee.user, personas.scoped_hr, personas.admin, personas.peer.user):
        assert signed_in(user).get(url).status_code == 404
