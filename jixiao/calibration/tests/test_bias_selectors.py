"""Reading rater bias and the normalisation preview: the right numbers, anonymity of peers, fixed queries."""

from decimal import Decimal

import pytest

from jixiao.calibration import bias, selectors_bias
from jixiao.calibration.models import Adjustment
from jixiao.calibration.permissions import session_for_user
from jixiao.calibration.testing_bias import (
    by_manager,
    calibration_cycle,
    make_managers,
    make_session,
    peer_ratings,
    scored_reviews,
)
from jixiao.reviews.models import Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(personas):
    return calibration_cycle(personas.admin, departments=(personas.sales,))


@pytest.fixture
def managers(personas):
    return make_managers(3, personas.east)


def gate(personas, session):
    return session_for_user(personas.scoped_hr, session.pk, facilitator=True)


def test_a_lenient_and_a_severe_manager_are_flagged_against_the_others(cycle, personas, managers):
    kind, strict, fair = managers
    reviews = by_manager(
        cycle, {kind: ["4.8", "4.6", "4.4"], strict: ["2.0", "2.4", "2.6"], fair: ["3.4", "3.5", "3.6"]}
    )
    session = make_session(cycle, personas.scoped_hr, reviews)
    panel = selectors_bias.bias_panel(gate(personas, session))
    rows = {r.rater_id: r for r in panel.rows}
    assert rows[kind.pk].flag == bias.LENIENT and rows[kind.pk].mean == pytest.approx(4.6)
    assert rows[kind.pk].difference == pytest.approx(4.6 - (2.333333 + 3.5) / 2, abs=1e-4)
    assert rows[strict.pk].flag == bias.SEVERE
    assert rows[fair.pk].flag == ""
    assert [r.rater_id for r in panel.rows] == [kind.pk, fair.pk, strict.pk]  # most lenient first
    assert (panel.lenient, panel.severe, panel.cycle.n) == (1, 1, 9)
    assert sum(s.percent for s in rows[kind.pk].shares) == 100


def test_raters_are_compared_over_the_whole_cycle_but_listed_only_for_the_sessions_people(cycle, personas, managers):
    kind, strict, fair = managers
    here = scored_reviews(cycle, kind, ["4.8", "4.6", "4.4"])
    by_manager(cycle, {strict: ["2.0", "2.4", "2.6"], fair: ["3.4", "3.5", "3.6"]})
    session = make_session(cycle, personas.scoped_hr, here[:2])
    panel = selectors_bias.bias_panel(gate(personas, session))
    assert [(r.rater_id, r.in_session, r.n) for r in panel.rows] == [(kind.pk, 2, 3)]
    assert panel.rows[0].flag == bias.LENIENT


def test_scores_not_yet_submitted_by_the_manager_do_not_count(cycle, personas, managers):
    kind = managers[0]
    scored_reviews(cycle, kind, ["4.0", "4.0"])
    scored_reviews(cycle, kind, ["1.0"], state=Review.State.MANAGER_REVIEW)
    scored_reviews(cycle, kind, ["2.0"], state=Review.State.SKIP_LEVEL)
    rows = selectors_bias.cycle_scores(cycle.pk)
    assert sorted(score for _r, _m, score in rows) == [Decimal("2.00"), Decimal("4.00"), Decimal("4.00")]


def test_the_bench_selector_describes_every_rater_of_the_cycle(cycle, managers):
    kind, strict, fair = managers
    by_manager(cycle, {kind: ["4.8", "4.6", "4.4"], strict: ["2.0", "2.4", "2.6"], fair: ["3.4", "3.5", "3.6"]})
    result = selectors_bias.cycle_bias(cycle)
    assert set(result.raters) == {kind.pk, strict.pk, fair.pk} and result.flagged == 2
    assert result.summary.n == 9


def test_peer_agreement_leaves_out_na_and_reviewees_with_fewer_answers_than_k(cycle, personas, managers):
    kind = managers[0]
    agreed, split, few = scored_reviews(cycle, kind, ["4.0", "3.0", "3.0"])
    peer_ratings(agreed, [{"s9:c1": "4", "s9:c2": "2"}, {"s9:c1": "4", "s9:c2": "2"}, {"s9:c1": "4", "s9:c2": "na"}])
    peer_ratings(split, [{"s9:c1": "1"}, {"s9:c1": "5"}, {"s9:c1": "3"}])
    # Two answers only: below k = 3, so neither counted nor shown, however they disagree.
    peer_ratings(few, [{"s9:c1": "1"}, {"s9:c1": "5"}])
    units = selectors_bias.peer_units(cycle)
    assert units == {
        (agreed.pk, "s9:c1"): [4, 4, 4],
        (agreed.pk, "s9:c2"): [2, 2],
        (split.pk, "s9:c1"): [1, 5, 3],
    }


def test_the_sessions_agreement_covers_its_own_people_only(cycle, personas, managers):
    kind = managers[0]
    agreed, split = scored_reviews(cycle, kind, ["4.0", "3.0"])
    peer_ratings(agreed, [{"s9:c1": "4", "s9:c2": "2"}] * 3)
    peer_ratings(split, [{"s9:c1": "1"}, {"s9:c1": "5"}, {"s9:c1": "3"}])
    session = make_session(cycle, personas.scoped_hr, [agreed])
    panel = selectors_bias.bias_panel(gate(personas, session))
    assert panel.alpha_session.value == 1 and panel.alpha_session.level == "high"
    assert panel.alpha_session.reviewees == 1 and panel.alpha_session.values == 6
    assert panel.alpha_cycle.value is not None and panel.alpha_cycle.value < 1


def populate(cycle, personas, size):
    """`size` reviews over size/5 managers, each reviewee with three peers' answers; a session over them all."""
    managers = make_managers(max(size // 5, 2), personas.east)
    plan = {m: [f"{2 + (i * 7 + j) % 30 / 10:.2f}" for j in range(5)] for i, m in enumerate(managers)}
    reviews = by_manager(cycle, plan)[:size]
    for review in reviews[:: max(size // 10, 1)]:
        peer_ratings(review, [{"s9:c1": "3"}, {"s9:c1": "4"}, {"s9:c1": "na"}])
    session = make_session(cycle, personas.scoped_hr, reviews)
    Adjustment.objects.create(
        session=session, review=reviews[0], from_band="B", to_band="A", reason="r", kind=Adjustment.Kind.MANUAL
    )
    return gate(personas, session)


@pytest.mark.parametrize("size", [10, 200])
def test_the_panel_runs_three_queries_whatever_the_size(cycle, personas, size, django_assert_num_queries):
    session = populate(cycle, personas, size)
    with django_assert_num_queries(3):
        panel = selectors_bias.bias_panel(session)
    assert len(panel.rows) == max(size // 5, 2)


@pytest.mark.parametrize("size", [10, 200])
def test_the_preview_runs_three_queries_whatever_the_size(cycle, personas, size, django_assert_num_queries):
    session = populate(cycle, personas, size)
    with django_assert_num_queries(3):
        preview = selectors_bias.normalise_preview(session)
        assert preview.moved is not None
    assert len(preview.rows) == size


def test_the_preview_says_who_moves_and_why_the_others_stay(cycle, personas, managers):
    kind, strict, fair = managers
    reviews = by_manager(
        cycle, {kind: ["4.9", "4.7", "4.5", "4.3"], strict: ["1.5", "2.0", "2.5"], fair: ["3.5", "3.5", "3.5"]}
    )
    (few,) = scored_reviews(cycle, make_managers(1, personas.east)[0], ["4.8"])
    (waiting,) = scored_reviews(cycle, kind, ["4.6"], state=Review.State.SKIP_LEVEL)
    session = make_session(cycle, personas.scoped_hr, [*reviews, few, waiting])
    Adjustment.objects.create(
        session=session, review=reviews[1], from_band="S", to_band="A", reason="r", kind=Adjustment.Kind.MANUAL
    )
    preview = selectors_bias.normalise_preview(gate(personas, session))
    rows = {r.review_id: r for r in preview.rows}
    lowered = rows[reviews[3].pk]
    assert lowered.direction == "down" and lowered.after_score is not None and lowered.after_score < Decimal("4.3")
    assert rows[reviews[6].pk].direction == "up"  # the strict manager's best
    assert rows[reviews[1].pk].reason == selectors_bias.MOVED_BY_HAND
    assert rows[few.pk].reason == bias.FEW_REVIEWS
    assert rows[waiting.pk].reason == selectors_bias.NOT_READY
    assert {r.reason for r in preview.rows if r.rater == fair.name} == {bias.NO_SPREAD}
    assert {c.code: c.count for c in preview.left} == {
        selectors_bias.MOVED_BY_HAND: 1,
        selectors_bias.NOT_READY: 1,
        bias.FEW_REVIEWS: 1,
        bias.NO_SPREAD: 3,
    }
    assert preview.can_apply and preview.moved and len(preview.fingerprint) == 20
