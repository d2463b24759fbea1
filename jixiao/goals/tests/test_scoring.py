"""The pure formulas of goals and KPIs, exhaustively (hypothesis): bounds, monotonicity, symmetry, weights."""

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from jixiao.goals import scoring
from jixiao.goals.scoring import (
    DEFAULT_CAP,
    ScoringError,
    aggregate_actuals,
    attainment_rating,
    check_attainment_table,
    check_direction,
    key_result_progress,
    objective_progress,
    weighted_mean,
)

D = Decimal


def amounts(low: int = -(10**6), high: int = 10**6) -> st.SearchStrategy[Decimal]:
    """Values as a form sends them: up to 4 decimals, within a sensible range."""
    return st.decimals(min_value=low, max_value=high, places=4, allow_nan=False, allow_infinity=False)


caps = st.decimals(min_value=1, max_value=3, places=2)
progresses = st.decimals(min_value=0, max_value=D("1.2"), places=4)
weights = st.decimals(min_value=0, max_value=100, places=2)


# ---- key_result_progress ------------------------------------------------------------------------


@given(start=amounts(), target=amounts(), current=amounts(), cap=caps)
def test_progress_always_lies_between_zero_and_the_cap(start, target, current, cap):
    assume(start != target)
    progress = key_result_progress(start=start, target=target, current=current, cap=cap)
    assert D(0) <= progress <= cap


@given(start=amounts(), target=amounts(), current=amounts(), cap=caps, data=st.data())
def test_progress_with_a_stretch_also_lies_between_zero_and_the_cap(start, target, current, cap, data):
    assume(start != target)
    beyond = data.draw(amounts(1, 10**6).filter(lambda d: d > 0))
    stretch = target + beyond if target > start else target - beyond
    progress = key_result_progress(start=start, target=target, current=current, cap=cap, stretch=stretch)
    assert D(0) <= progress <= cap


@given(start=amounts(), gap=amounts(0, 10**6), a=amounts(), b=amounts(), cap=caps)
def test_progress_never_falls_as_the_value_rises_on_an_increasing_target(start, gap, a, b, cap):
    assume(gap > 0)
    target = start + gap
    low, high = min(a, b), max(a, b)
    assert key_result_progress(start=start, target=target, current=low, cap=cap) <= key_result_progress(
        start=start, target=target, current=high, cap=cap
    )


@given(start=amounts(), gap=amounts(0, 10**6), a=amounts(), b=amounts(), cap=caps)
def test_progress_never_rises_as_the_value_rises_on_a_decreasing_target(start, gap, a, b, cap):
    assume(gap > 0)
    target = start - gap
    low, high = min(a, b), max(a, b)
    assert key_result_progress(start=start, target=target, current=low, cap=cap) >= key_result_progress(
        start=start, target=target, current=high, cap=cap
    )


@given(start=amounts(), gap=amounts(0, 10**5), extra=amounts(0, 10**5), a=amounts(), b=amounts(), cap=caps)
def test_progress_with_a_stretch_never_falls_as_the_value_rises(start, gap, extra, a, b, cap):
    assume(gap > 0 and extra > 0)
    target, stretch = start + gap, start + gap + extra
    low, high = min(a, b), max(a, b)
    kwargs = {"start": start, "target": target, "cap": cap, "stretch": stretch}
    assert key_result_progress(current=low, **kwargs) <= key_result_progress(current=high, **kwargs)


@given(start=amounts(), target=amounts(), current=amounts(), cap=caps)
def test_mirroring_start_target_and_value_around_zero_gives_the_same_progress(start, target, current, cap):
    assume(start != target)
    assert key_result_progress(start=start, target=target, current=current, cap=cap) == key_result_progress(
        start=-start, target=-target, current=-current, cap=cap
    )


@given(start=amounts(), target=amounts(), current=amounts(), cap=caps, data=st.data())
def test_mirroring_with_a_stretch_gives_the_same_progress(start, target, current, cap, data):
    assume(start != target)
    beyond = data.draw(amounts(0, 10**6).filter(lambda d: d > 0))
    stretch = target + beyond if target > start else target - beyond
    assert key_result_progress(
        start=start, target=target, current=current, cap=cap, stretch=stretch
    ) == key_result_progress(start=-start, target=-target, current=-current, cap=cap, stretch=-stretch)


@given(start=amounts(), target=amounts(), cap=caps)
def test_the_start_gives_zero_and_the_target_gives_one(start, target, cap):
    assume(start != target)
    assert key_result_progress(start=start, target=target, current=start, cap=cap) == 0
    assert key_result_progress(start=start, target=target, current=target, cap=cap) == 1


def test_halfway_gives_a_half_in_both_directions():
    assert key_result_progress(start=D(0), target=D(10), current=D(5)) == D("0.5")
    assert key_result_progress(start=D(10), target=D(0), current=D(5)) == D("0.5")
    assert key_result_progress(start=D(40), target=D(20), current=D(25)) == D("0.75")


def test_progress_past_the_target_stops_at_the_cap_and_below_the_start_at_zero():
    assert key_result_progress(start=D(0), target=D(10), current=D(50)) == DEFAULT_CAP
    assert key_result_progress(start=D(0), target=D(10), current=D(-5)) == 0
    assert key_result_progress(start=D(0), target=D(10), current=D(11), cap=D(1)) == 1


@given(start=amounts(), gap=amounts(0, 10**5), extra=amounts(0, 10**5), cap=caps)
def test_a_stretch_gives_one_at_the_target_and_the_cap_at_the_stretch(start, gap, extra, cap):
    assume(gap > 0 and extra > 0)
    for sign in (1, -1):
        target, stretch = start + sign * gap, start + sign * (gap + extra)
        kwargs = {"start": start, "target": target, "cap": cap, "stretch": stretch}
        assert key_result_progress(current=target, **kwargs) == 1
        assert key_result_progress(current=stretch, **kwargs) == cap
        assert key_result_progress(current=stretch + sign * extra, **kwargs) == cap


@given(t=st.fractions(min_value=0, max_value=1), cap=caps)
def test_a_stretch_runs_linearly_from_the_target_to_the_stretch(t, cap):
    start, target, stretch = D(0), D(100), D(200)
    current = target + (stretch - target) * D(t.numerator) / D(t.denominator)
    current = current.quantize(D("0.0001"))
    expected = D(1) + (cap - 1) * (current - target) / (stretch - target)
    got = key_result_progress(start=start, target=target, current=current, cap=cap, stretch=stretch)
    assert abs(got - expected) <= D("0.00005")


def test_a_stretch_halfway_gives_halfway_to_the_cap():
    assert key_result_progress(start=D(0), target=D(100), current=D(150), stretch=D(200)) == D("1.1")
    assert key_result_progress(start=D(100), target=D(50), current=D(25), stretch=D(0), cap=D(2)) == D("1.5")


def test_a_stretch_does_not_change_progress_up_to_the_target():
    for current in (D(-10), D(0), D(30), D(100)):
        assert key_result_progress(start=D(0), target=D(100), current=current, stretch=D(200)) == key_result_progress(
            start=D(0), target=D(100), current=current
        )


@given(value=amounts(), current=amounts())
def test_start_equal_to_target_is_refused(value, current):
    with pytest.raises(ScoringError) as error:
        key_result_progress(start=value, target=value, current=current)
    assert error.value.code == "start_equals_target"


def test_a_cap_below_one_is_refused():
    with pytest.raises(ScoringError) as error:
        key_result_progress(start=D(0), target=D(1), current=D(1), cap=D("0.9"))
    assert error.value.code == "cap_below_one"


def test_a_stretch_on_the_wrong_side_of_the_target_is_refused_once_it_matters():
    with pytest.raises(ScoringError) as error:
        key_result_progress(start=D(0), target=D(10), current=D(11), stretch=D(5))
    assert error.value.code == "stretch_not_beyond_target"


# ---- check_direction ----------------------------------------------------------------------------


def test_direction_checks_each_rule():
    check_direction(direction="increase", start=D(0), target=D(10), stretch=D(12))
    check_direction(direction="decrease", start=D(10), target=D(0), stretch=D(-2))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"direction": "increase", "start": D(5), "target": D(5)}, "start_equals_target"),
        ({"direction": "increase", "start": D(5), "target": D(4)}, "target_below_start"),
        ({"direction": "decrease", "start": D(5), "target": D(6)}, "target_above_start"),
        ({"direction": "increase", "start": D(0), "target": D(10), "stretch": D(10)}, "stretch_not_beyond_target"),
        ({"direction": "increase", "start": D(0), "target": D(10), "stretch": D(9)}, "stretch_not_beyond_target"),
        ({"direction": "decrease", "start": D(10), "target": D(0), "stretch": D(1)}, "stretch_not_beyond_target"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ScoringError) as error:
            check_direction(**kwargs)
        assert error.value.code == code


# ---- weighted_mean and objective_progress -------------------------------------------------------


pairs = st.lists(st.tuples(progresses, weights), min_size=1, max_size=12)


@given(pairs=pairs)
def test_a_weighted_mean_lies_between_the_smallest_and_largest_value(pairs):
    assume(sum(w for _, w in pairs) > 0)
    mean = weighted_mean(pairs)
    weighed = [v for v, w in pairs if w > 0]
    assert min(weighed) <= mean <= max(weighed)


@given(pairs=pairs, factor=st.decimals(min_value=D("0.01"), max_value=1000, places=2))
def test_a_weighted_mean_does_not_change_when_every_weight_is_scaled(pairs, factor):
    assert weighted_mean(pairs) == weighted_mean([(v, w * factor) for v, w in pairs])


@given(values=st.lists(progresses, max_size=8))
def test_a_weighted_mean_without_weight_is_zero(values):
    assert weighted_mean([(v, D(0)) for v in values]) == 0


def test_a_weighted_mean_weighs():
    assert weighted_mean([(D(1), D(3)), (D(0), D(1))]) == D("0.75")


def test_a_negative_weight_is_refused():
    with pytest.raises(ScoringError):
        weighted_mean([(D(1), D(-1))])


@given(krs=pairs, children=pairs)
def test_an_objective_with_key_results_ignores_its_aligned_objectives(krs, children):
    assert objective_progress(key_results=krs, children=children) == weighted_mean(krs)


@given(children=pairs)
def test_an_objective_without_key_results_takes_the_weighted_mean_of_its_aligned_objectives(children):
    assume(sum(w for _, w in children) > 0)
    assert objective_progress(key_results=[], children=children) == weighted_mean(children)


@given(values=st.lists(progresses, min_size=1, max_size=10))
def test_aligned_objectives_that_all_weigh_nothing_count_equally(values):
    progress = objective_progress(key_results=[], children=[(v, D(0)) for v in values])
    assert progress == weighted_mean([(v, D(1)) for v in values])
    assert min(values) <= progress <= max(values)


def test_an_objective_with_neither_key_results_nor_aligned_objectives_has_no_progress():
    assert objective_progress(key_results=[], children=[]) == 0


# ---- attainment to rating -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attainment", "rating"),
    [
        ("1.2", 5),
        ("1.5", 5),
        ("1.1999", 4),
        ("1.0", 4),
        ("0.9999", 3),
        ("0.8", 3),
        ("0.7999", 2),
        ("0.6", 2),
        ("0.5999", 1),
        ("0", 1),
    ],
)
def test_the_default_table_maps_attainment_to_ratings(attainment, rating):
    assert attainment_rating(D(attainment)) == rating


@given(a=amounts(-2, 3), b=amounts(-2, 3))
def test_a_higher_attainment_never_earns_a_lower_rating(a, b):
    low, high = min(a, b), max(a, b)
    assert attainment_rating(low) <= attainment_rating(high)


tables = st.lists(
    st.tuples(st.decimals(min_value=0, max_value=2, places=2), st.integers(1, 5)), max_size=6, unique_by=lambda r: r[0]
)


@given(table=tables, a=amounts(-1, 3), b=amounts(-1, 3))
def test_any_table_that_passes_the_check_is_monotone(table, a, b):
    try:
        check_attainment_table(table, floor=1)
    except ScoringError:
        assume(False)
    low, high = min(a, b), max(a, b)
    assert attainment_rating(low, table=table, floor=1) <= attainment_rating(high, table=table, floor=1)


def test_a_table_given_in_any_order_is_read_highest_threshold_first():
    table = [(D("0.5"), 2), (D("1.0"), 3)]
    assert attainment_rating(D("1.1"), table=table, floor=1) == 3
    assert attainment_rating(D("0.7"), table=table, floor=1) == 2
    assert attainment_rating(D("0.1"), table=table, floor=1) == 1


def test_the_default_table_passes_its_own_check():
    check_attainment_table(scoring.DEFAULT_ATTAINMENT_TABLE, floor=scoring.DEFAULT_ATTAINMENT_FLOOR)


def test_a_table_with_a_threshold_twice_is_refused():
    with pytest.raises(ScoringError) as error:
        check_attainment_table([(D(1), 4), (D(1), 5)], floor=1)
    assert error.value.code == "duplicate_threshold"


def test_a_table_whose_rating_falls_as_the_threshold_rises_is_refused():
    with pytest.raises(ScoringError) as error:
        check_attainment_table([(D("0.8"), 4), (D("1.0"), 3)], floor=1)
    assert error.value.code == "rating_falls"


def test_a_table_with_a_rating_below_the_floor_is_refused():
    with pytest.raises(ScoringError) as error:
        check_attainment_table([(D("0.8"), 1)], floor=2)
    assert error.value.code == "rating_falls"


# ---- aggregate_actuals --------------------------------------------------------------------------


def test_actuals_add_up_as_latest_sum_or_average():
    values = [D(10), D(20), D(40)]
    assert aggregate_actuals(values, method="latest") == D(40)
    assert aggregate_actuals(values, method="sum") == D(70)
    assert aggregate_actuals(values, method="average") == D("23.3333")


def test_no_actuals_give_no_actual():
    for method in ("latest", "sum", "average"):
        assert aggregate_actuals([], method=method) is None


@given(values=st.lists(amounts(), min_size=1, max_size=20))
@example(values=[D("0.0001"), D("0.0002")])
def test_the_average_lies_between_the_smallest_and_largest_actual(values):
    average = aggregate_actuals(values, method="average")
    assert average is not None
    assert min(values) <= average <= max(values)


def test_an_unknown_way_of_adding_up_is_refused():
    with pytest.raises(ScoringError) as error:
        aggregate_actuals([D(1)], method="median")
    assert error.value.code == "unknown_aggregation"
