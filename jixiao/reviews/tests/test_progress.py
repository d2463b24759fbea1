"""The HR progress page: completion per phase per department, the overdue list with keyset paging, bands,
HR scope, and a fixed number of queries whatever the cycle's size."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jixiao.core.testing.personas import make_employee
from jixiao.goals.testing import make_period
from jixiao.reviews import selectors_cycles, services
from jixiao.reviews.models import Cycle, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, full_answers, launch, make_template, submit

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def overdue_cycle(actor, period, *departments, skip_level: bool = False) -> Cycle:
    """A launched cycle whose self and manager phases are both past their due dates, now in the manager phase."""
    today = timezone.localdate()
    kinds = [PhaseKind.SELF, PhaseKind.MANAGER] + ([PhaseKind.SKIP_LEVEL] if skip_level else [])
    kinds += [PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT]
    start = today - dt.timedelta(days=30)
    phases = tuple(
        services.PhaseInput(kind=k, starts_on=start + dt.timedelta(days=7 * i), due_on=start + dt.timedelta(7 * i + 6))
        for i, k in enumerate(kinds)
    )  # self due 24 days ago, manager due 17 days ago, the rest 10, 3 days ago or ahead
    cycle = services.cycle_create(
        actor=actor,
        data=services.CycleInput(
            name=f"逾期考核{Cycle.objects.count()}",
            name_en="Overdue review",
            period=period,
            template=make_template(),
            skip_level=skip_level,
            departments=tuple(d.pk for d in departments),
            phases=phases,
        ),
    )
    return advance_to(actor, launch(actor, cycle), PhaseKind.MANAGER)


@pytest.fixture
def period(personas):
    return make_period(personas.admin)


def review_of(cycle, employee) -> Review:
    return Review.objects.select_related("cycle__period", "department").get(cycle=cycle, reviewee=employee)


def progress(user, cycle, department=None):
    return selectors_cycles.cycle_progress(
        user=user,
        cycle=cycle,
        phases=selectors_cycles.cycle_phases(cycle),
        department=department,
        today=timezone.localdate(),
    )


# ---- completion ------------------------------------------------------------------------------------


def test_completion_is_counted_per_phase_for_each_department_under_the_one_all_reviews_share(personas, period):
    cycle = overdue_cycle(personas.admin, period, personas.sales)
    review = review_of(cycle, personas.employee)
    submit(personas.employee.user, review)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="3"))
    result = progress(personas.admin, cycle)
    rows = {r.name: r for r in result.rows}
    assert set(rows) == {"Sales (itself)", "East China"}
    east = rows["East China"]
    assert (east.total, east.self_done, east.manager_done, east.released) == (3, 1, 1, 0)
    assert [c.percent for c in east.cells][:2] == [33, 33]
    assert rows["Sales (itself)"].total == 2  # 孙部长 and 周HR
    assert result.total.total == 5 and result.total.self_done == 1
    assert east.drill is False  # 华东区 has no sub-department with reviews


def test_a_self_review_skipped_by_the_manager_is_not_counted_as_submitted(personas, period):
    cycle = overdue_cycle(personas.admin, period, personas.east)
    review = review_of(cycle, personas.peer)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review))
    result = progress(personas.admin, cycle)
    assert (result.total.self_done, result.total.manager_done) == (0, 1)


def test_scoped_hr_sees_only_the_reviews_of_her_scope_in_a_company_wide_cycle(personas, period):
    cycle = overdue_cycle(personas.admin, period)
    everyone = progress(personas.admin, cycle).total.total
    sales = progress(personas.scoped_hr, cycle).total.total
    rnd = progress(personas.other_hr, cycle).total.total
    assert sales == Review.objects.filter(cycle=cycle, department__path__startswith=personas.sales.path).count()
    assert rnd == Review.objects.filter(cycle=cycle, department__path__startswith=personas.rnd.path).count()
    assert 0 < sales < everyone and 0 < rnd < everyone
    html = client_for(personas.other_hr).get(cycle.get_absolute_url()).content.decode()
    assert "East China" not in html and personas.employee.name not in html


def test_company_wide_hr_sees_every_review_like_an_admin(personas, period):
    from jixiao.core.testing.personas import make_user
    from jixiao.org.models import HRScope

    company_hr = make_user("p_company_hr")
    HRScope.objects.create(user=company_hr, department=personas.root)
    cycle = overdue_cycle(personas.admin, period)
    assert progress(company_hr, cycle).total.total == progress(personas.admin, cycle).total.total
    assert client_for(company_hr).get(reverse("reviews:cycle_scoring", args=[cycle.pk])).status_code == 200


def test_the_page_drills_down_into_a_department(personas, period):
    cycle = overdue_cycle(personas.admin, period)
    client = client_for(personas.admin)
    top = client.get(cycle.get_absolute_url()).content.decode()
    assert f'href="?department={personas.sales.pk}"' in top  # 销售部 has 华东区 below it
    html = client.get(cycle.get_absolute_url(), {"department": personas.sales.pk}).content.decode()
    names = re.findall(r'data-testid="completion-row" data-department="(\d+)"', html)
    assert set(map(int, names)) == {personas.sales.pk, personas.east.pk}
    assert 'aria-current="page">Sales<' in html  # the breadcrumb ends at 销售部


def test_drilling_into_a_department_outside_her_scope_is_404(personas, period):
    cycle = overdue_cycle(personas.admin, period)
    response = client_for(personas.scoped_hr).get(cycle.get_absolute_url(), {"department": personas.rnd.pk})
    assert response.status_code == 404


def test_the_chart_has_its_numbers_in_a_table_too(personas, period):
    cycle = overdue_cycle(personas.admin, period, personas.sales)
    review = review_of(cycle, personas.employee)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review))
    html = client_for(personas.scoped_hr).get(cycle.get_absolute_url()).content.decode()
    found = re.search(r'<script id="jxrc-state-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["departments"] == ["Sales (itself)", "East China"]
    assert {s["key"]: s["data"] for s in data["series"]} == {"self_review": [2, 2], "ready": [0, 1]}
    assert 'data-testid="state-chart-table"' in html


def test_the_band_distribution_counts_scored_reviews_with_labels(personas, period):
    cycle = overdue_cycle(personas.admin, period, personas.east)
    for person, rating in ((personas.employee, "3"), (personas.peer, "5")):
        review = review_of(cycle, person)
        submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating=rating))
    result = progress(personas.admin, cycle)
    counts = {b.code: b.count for b in result.bands}
    assert result.scored == 2 and counts["B"] == 1 and sum(counts.values()) == 2
    html = client_for(personas.admin).get(cycle.get_absolute_url()).content.decode()
    assert 'data-testid="band-B" data-count="1"' in html
    assert re.search(r'jx-band-B">B</span> \S+', html)  # the code always comes with its label


# ---- overdue -------------------------------------------------------------------------------------


def test_the_overdue_list_names_rater_reviewee_part_and_days_late(personas, period):
    cycle = overdue_cycle(personas.admin, period, personas.east)
    submit(personas.employee.user, review_of(cycle, personas.employee))  # late, but submitted
    page = selectors_cycles.overdue_page(
        user=personas.admin, cycle=cycle, phases=selectors_cycles.cycle_phases(cycle), today=timezone.localdate()
    )
    rows = [(r.evaluation.rater_id, r.evaluation.reviewee_id, r.evaluation.kind, r.days) for r in page.rows]
    # self reviews not submitted first (24 days late), then the manager's parts (17 days late)
    assert rows[0][2] == "self" and rows[0][3] == 24
    assert (personas.employee.pk, personas.employee.pk, "self", 24) not in rows
    assert (personas.manager.pk, personas.employee.pk, "manager", 17) in rows
    assert len(rows) == 2 + 3  # peer and manager themselves in self review; the manager's three manager parts
    assert progress(personas.admin, cycle).total.overdue == 5


def test_the_overdue_list_pages_by_keyset_without_gaps_or_repeats(personas, period):
    cycle = overdue_cycle(personas.admin, period, personas.sales)
    phases = selectors_cycles.cycle_phases(cycle)
    seen, after = [], None
    while True:
        page = selectors_cycles.overdue_page(
            user=personas.admin, cycle=cycle, phases=phases, today=timezone.localdate(), after=after, limit=2
        )
        seen += [r.evaluation.pk for r in page.rows]
        if page.next_after is None:
            break
        after = selectors_cycles.parse_after(page.next_after)
    everything = selectors_cycles.overdue_page(
        user=personas.admin, cycle=cycle, phases=phases, today=timezone.localdate(), limit=100
    )
    assert seen == [r.evaluation.pk for r in everything.rows] and len(set(seen)) == len(seen) == 10


def test_the_more_button_loads_the_next_overdue_rows(personas, period):
    cycle = overdue_cycle(personas.admin, period, personas.sales)
    for i in range(24):
        make_employee(f"新人{i}", personas.east, manager=personas.manager)
    cycle = launch(personas.admin, cycle)  # late joiners: 24 more reviews, 48 more overdue parts
    client = client_for(personas.admin)
    html = client.get(cycle.get_absolute_url()).content.decode()
    assert html.count('data-testid="overdue-row"') == 25
    more = re.search(r"overdue_after=([\d-]+)", html)
    assert more is not None
    cursor = more.group(1)
    rows = client.get(
        cycle.get_absolute_url(), {"overdue_after": cursor, "rows": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert rows.count('data-testid="overdue-row"') == 25 and "<html" not in rows


def test_nothing_is_overdue_before_a_due_date_passes(personas, period):
    from jixiao.reviews.testing import make_cycle

    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.east,)))
    html = client_for(personas.admin).get(cycle.get_absolute_url()).content.decode()
    assert 'data-testid="overdue-empty"' in html and 'data-testid="overdue-row"' not in html


def test_a_nudged_rater_shows_as_reminded_today(personas, period):
    cycle = overdue_cycle(personas.admin, period, personas.east)
    page = selectors_cycles.overdue_page(
        user=personas.admin, cycle=cycle, phases=selectors_cycles.cycle_phases(cycle), today=timezone.localdate()
    )
    services.evaluation_nudge(actor=personas.admin, evaluation=page.rows[0].evaluation)
    html = client_for(personas.admin).get(cycle.get_absolute_url()).content.decode()
    assert html.count("Reminded today") == 1


# ---- a fixed number of queries ---------------------------------------------------------------------

# Every signed-in page: the session, the user, and the reader's place and HR scopes (actor_context).
BASE = 4
# + the cycle (gate), its phases; progress: reviews by department and state, submitted self reviews by
# department, bands, the departments' paths, the shown departments' names; overdue: one index walk per
# overdue segment (self reviews not started; manager parts of reviews in self review and in manager
# review), then the evaluations with raters and today's nudges.
ADMIN = BASE + 2 + 5 + 3 + 1
# + the paths of the cycle's departments, to check they overlap her scope.
SCOPED_HR = ADMIN + 1


def grow(personas, count: int) -> None:
    for i in range(count):
        make_employee(f"员工{count}-{i}", personas.east, manager=personas.manager)


@pytest.mark.parametrize("people", [10, 200])
def test_the_progress_page_runs_the_same_queries_for_10_and_200_reviews(
    personas, period, people, django_assert_num_queries
):
    grow(personas, people - 5)  # 销售部 already holds five people
    cycle = overdue_cycle(personas.admin, period, personas.sales)
    reviews = list(Review.objects.filter(cycle=cycle).select_related("cycle__period", "department")[:3])
    for review in reviews:
        if review.reviewee.user_id:
            submit(review.reviewee.user, review)
    assert Review.objects.filter(cycle=cycle).count() == people
    url = cycle.get_absolute_url()
    for user, expected in ((personas.admin, ADMIN), (personas.scoped_hr, SCOPED_HR)):
        client = client_for(user)
        with django_assert_num_queries(expected):
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="overdue-row"') == min(25, 2 * people - 3)


@pytest.mark.parametrize("people", [10, 200])
def test_the_cycle_list_runs_the_same_queries_for_10_and_200_reviews(
    personas, period, people, django_assert_num_queries
):
    grow(personas, people - 5)
    overdue_cycle(personas.admin, period, personas.sales)
    client = client_for(personas.scoped_hr)
    # + the cycles, their departments' paths, reviews by cycle and state, phases.
    with django_assert_num_queries(BASE + 4):
        assert client.get(reverse("reviews:cycles")).status_code == 200
