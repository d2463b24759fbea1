"""My reviews, team reviews, the review form and the review page run a fixed number of queries, whatever the size."""

from __future__ import annotations

import pytest

from jixiao.goals.testing import make_indicator, make_kpi_target, make_period
from jixiao.org.tests.test_pages_queries import grow_company, signed_in
from jixiao.reviews.models import Cycle, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle, submit

pytestmark = pytest.mark.django_db

# Every signed-in page starts with the session, the user, and the reader's place and HR scopes (actor_context).
BASE = 4
# + her evaluations in cycles in progress (with reviews, reviewees, cycles), her released reviews, the phases.
MY_REVIEWS = BASE + 3
# + the cycles she reviews in, the reviews, their evaluations' states, the phases.
TEAM_REVIEWS = BASE + 4
# + the evaluation (gate), the reviewee's KPI targets, her approved goal plans' objectives, the submitted
# self review (for the manager), the phase's due date.
MANAGER_FORM = BASE + 5
SELF_FORM = BASE + 4
# + the review (gate) and its evaluations.
REVIEW_PAGE = BASE + 2


@pytest.fixture
def period(personas):
    return make_period(personas.admin)


def launched(personas, period, size: int) -> Cycle:
    grow_company(personas.east, personas.manager, size)
    admin = personas.admin
    return launch(admin, make_cycle(admin, period, departments=(personas.sales,), skip_level=True))


@pytest.mark.parametrize("size", [10, 60])
def test_my_reviews_runs_the_same_queries_for_10_and_60_reviews_to_write(
    personas, period, django_assert_num_queries, size
):
    cycle = launched(personas, period, size)
    client = signed_in(personas.manager.user)
    with django_assert_num_queries(MY_REVIEWS):
        response = client.get("/reviews/")
    assert response.status_code == 200
    # her own self review, and a manager review for each report (the size, the employee and the peer).
    assert len(response.context["page"].owed) == size + 3
    assert cycle.reviews.count() > size


@pytest.mark.parametrize("size", [10, 60])
def test_team_reviews_runs_the_same_queries_for_10_and_60_reports(personas, period, django_assert_num_queries, size):
    cycle = launched(personas, period, size)
    advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    review = Review.objects.select_related("cycle").get(cycle=cycle, reviewee=personas.employee)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review))
    client = signed_in(personas.manager.user)
    with django_assert_num_queries(TEAM_REVIEWS):
        response = client.get("/reviews/team/")
    assert len(response.context["page"].rows) == size + 2
    skip = signed_in(personas.skip.user)
    with django_assert_num_queries(TEAM_REVIEWS):
        response = skip.get("/reviews/team/", {"cycle": "all"})
    assert any(r.final for r in response.context["page"].rows)


@pytest.mark.parametrize("size", [2, 20])
def test_the_review_form_runs_the_same_queries_for_2_and_20_kpis(personas, period, django_assert_num_queries, size):
    admin = personas.admin
    for _ in range(size):
        make_kpi_target(admin, make_indicator(admin), period, employee=personas.employee, target=100, weight=5)
    cycle = launch(admin, make_cycle(admin, period, departments=(personas.sales,)))
    review = Review.objects.select_related("cycle").get(cycle=cycle, reviewee=personas.employee)
    submit(personas.employee.user, review)
    manager_form = f"/reviews/evaluations/{evaluation_of(review, EvaluationKind.MANAGER).pk}/"
    client = signed_in(personas.manager.user)
    with django_assert_num_queries(MANAGER_FORM):
        response = client.get(manager_form)
    assert response.status_code == 200
    page = response.context["page"]
    assert page.self_shown and len(page.sections[0].items) == size


@pytest.mark.parametrize("size", [2, 20])
def test_the_self_review_form_and_the_review_page_run_fixed_queries(personas, period, django_assert_num_queries, size):
    admin = personas.admin
    for _ in range(size):
        make_kpi_target(admin, make_indicator(admin), period, employee=personas.employee, target=100, weight=5)
    cycle = launch(admin, make_cycle(admin, period, departments=(personas.sales,)))
    review = Review.objects.select_related("cycle").get(cycle=cycle, reviewee=personas.employee)
    self_form = f"/reviews/evaluations/{evaluation_of(review, EvaluationKind.SELF).pk}/"
    client = signed_in(personas.employee.user)
    with django_assert_num_queries(SELF_FORM):
        response = client.get(self_form)
    assert len(response.context["page"].sections[0].items) == size
    with django_assert_num_queries(REVIEW_PAGE):
        assert client.get(f"/reviews/{review.pk}/").status_code == 200
