"""The pure arithmetic of a session: the guide, the distribution against it, the 9-box rows, the summary."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from jixiao.calibration import distribution as dist
from jixiao.calibration.models import DEFAULT_GUIDE

CODES = ["S", "A", "B", "C", "D"]
codes_strategy = st.lists(
    st.sampled_from(["S", "A", "B", "C", "D", "E", "F", "X"]), min_size=1, max_size=8, unique=True
)


def test_the_default_guide_for_the_default_scale_is_the_company_default():
    assert dist.default_guide(CODES, DEFAULT_GUIDE) == {"S": 10, "A": 20, "B": 50, "C": 15, "D": 5}


def test_bands_the_scale_lacks_are_dropped_and_the_rest_rescaled_to_100():
    assert dist.default_guide(["A", "B", "C"], DEFAULT_GUIDE) == {"A": 23, "B": 59, "C": 18}
    assert dist.default_guide(["X", "Y"], DEFAULT_GUIDE) == {"X": 50, "Y": 50}


@given(codes_strategy)
def test_a_default_guide_always_totals_100_over_the_scales_bands(codes):
    guide = dist.default_guide(codes, DEFAULT_GUIDE)
    assert list(guide) == codes
    assert sum(guide.values()) == 100
    assert all(int(v) >= 0 for v in guide.values())


@given(st.dictionaries(st.sampled_from(CODES), st.integers(0, 1000), min_size=1))
def test_apportion_is_whole_numbers_adding_up_to_the_total(weights):
    result = dist.apportion(weights)
    assert sum(result.values()) == 100 and set(result) == set(weights)


def test_a_guide_needs_each_band_and_a_total_of_100():
    assert dist.guide_problems({"S": 10, "A": 20, "B": 50, "C": 15, "D": 5}, CODES) == {}
    assert dist.guide_problems({"S": 10, "A": 20, "B": 50, "C": 15, "D": 10}, CODES) == {"total": "total"}
    assert dist.guide_problems({"S": 10, "A": 20, "B": 70}, CODES) == {"C": "required", "D": "required"}
    assert dist.guide_problems({"S": -1, "A": 20, "B": 50, "C": 15, "D": 5, "Z": 1}, CODES) == {
        "S": "not_a_percent",
        "Z": "unknown_band",
    }


@given(st.lists(st.sampled_from([*CODES, ""]), max_size=60))
def test_the_distribution_counts_every_rated_person_once_and_flags_gaps_beyond_5_points(bands):
    rows = dist.distribution(bands, CODES, DEFAULT_GUIDE)
    rated = sum(1 for b in bands if b)
    assert [r.code for r in rows] == CODES
    assert sum(r.count for r in rows) == rated
    for r in rows:
        assert r.flagged == (rated > 0 and abs(r.diff) > 5)
        assert r.direction in ("", "over", "under")
    if rated:
        assert abs(sum((r.share for r in rows), Decimal(0)) - 100) <= Decimal("0.5")


def test_distribution_example():
    rows = {r.code: r for r in dist.distribution(["A", "A", "B", "B", "B", "C"], CODES, DEFAULT_GUIDE)}
    assert (rows["A"].count, rows["A"].share, rows["A"].diff, rows["A"].direction) == (
        2,
        Decimal("33.3"),
        Decimal("13.3"),
        "over",
    )
    assert (rows["S"].share, rows["S"].flagged) == (Decimal("0.0"), True)
    assert rows["B"].flagged is False


def test_performance_rows_top_two_high_middle_medium_rest_low_for_five_bands():
    assert dist.performance_levels(CODES) == {"S": "high", "A": "high", "B": "medium", "C": "low", "D": "low"}
    assert dist.performance_levels(["A", "B", "C"]) == {"A": "high", "B": "medium", "C": "low"}
    assert dist.performance_levels(["A", "B"]) == {"A": "high", "B": "low"}


@given(codes_strategy)
def test_performance_rows_keep_the_order_of_the_bands(codes):
    levels = dist.performance_levels(codes)
    ranks = [dist.LEVELS.index(levels[c]) for c in codes]
    assert ranks == sorted(ranks) and ranks[0] == 0


def test_the_suggested_band_is_the_nearest_of_the_target_row():
    assert dist.suggested_band("B", "high", CODES) == "A"
    assert dist.suggested_band("B", "low", CODES) == "C"
    assert dist.suggested_band("D", "medium", CODES) == "B"
    assert dist.suggested_band("S", "low", CODES) == "C"


def test_the_summary_counts_changes_up_and_down():
    result = dist.summary([("B", "A"), ("A", "B"), ("B", "B"), ("C", "S"), ("", "B")], CODES)
    assert (result["members"], result["changed"], result["up"], result["down"]) == (5, 3, 2, 1)
    assert result["before"] == {"S": 0, "A": 1, "B": 2, "C": 1, "D": 0}
    assert result["after"] == {"S": 1, "A": 1, "B": 3, "C": 0, "D": 0}
