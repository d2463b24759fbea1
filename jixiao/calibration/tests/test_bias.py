"""Rater bias, agreement and normalisation as pure functions (calibration/bias.py), tested with hypothesis."""

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jixiao.calibration import bias
from jixiao.reviews import scoring

BANDS = list(scoring.DEFAULT_BANDS)
LOW, HIGH = Decimal(1), Decimal(5)
T = Decimal("0.50")

scores = st.integers(min_value=100, max_value=500).map(lambda c: Decimal(c) / 100)
raters = st.dictionaries(st.integers(1, 40), st.lists(scores, min_size=1, max_size=12), min_size=1, max_size=8)
levels = st.sampled_from([1, 2, 3, 4, 5])


def mirror(score: Decimal) -> Decimal:
    return LOW + HIGH - score


# ---- per rater ----------------------------------------------------------------------------------------


@given(raters)
def test_each_raters_band_shares_sum_to_one_and_counts_to_her_n(data):
    for stats in bias.rater_stats(data, bands=BANDS, threshold=T).values():
        assert sum(stats.counts.values()) == stats.n
        assert abs(sum(stats.shares.values()) - 1) < 1e-9
        assert list(stats.shares) == ["S", "A", "B", "C", "D"]


@given(raters)
def test_mirroring_every_score_swaps_lenient_and_severe_and_negates_the_difference(data):
    before = bias.rater_stats(data, bands=BANDS, threshold=T)
    after = bias.rater_stats({r: [mirror(s) for s in v] for r, v in data.items()}, bands=BANDS, threshold=T)
    swap = {bias.LENIENT: bias.SEVERE, bias.SEVERE: bias.LENIENT, "": ""}
    for rater, stats in before.items():
        assert after[rater].flag == swap[stats.flag]
        if stats.difference is not None:
            assert after[rater].difference == pytest.approx(-stats.difference)
            assert after[rater].sd == pytest.approx(stats.sd)


@given(raters)
def test_a_flag_needs_three_scores_and_a_difference_reaching_the_threshold(data):
    for rater, stats in bias.rater_stats(data, bands=BANDS, threshold=T).items():
        others = [s for r, v in data.items() if r != rater for s in v]
        if not stats.flag:
            continue
        assert stats.n >= 3 and others
        exact = Fraction(sum(data[rater])) / len(data[rater]) - Fraction(sum(others)) / len(others)
        assert abs(exact) >= Fraction(T)
        assert (stats.flag == bias.LENIENT) == (exact > 0)


def test_a_difference_of_exactly_the_threshold_is_flagged():
    stats = bias.rater_stats(
        {"kind": [Decimal("3.50")] * 3, "others": [Decimal("3.00")] * 3},
        bands=BANDS,
        threshold=T,
    )
    assert stats["kind"].difference == 0.5 and stats["kind"].flag == bias.LENIENT
    assert stats["others"].flag == bias.SEVERE


def test_two_scores_are_never_flagged_however_far_off():
    stats = bias.rater_stats({"new": [Decimal(5), Decimal(5)], "rest": [Decimal(2)] * 10}, bands=BANDS, threshold=T)
    assert stats["new"].difference == 3 and stats["new"].flag == ""


def test_a_rater_alone_in_the_cycle_has_no_one_to_differ_from():
    stats = bias.rater_stats({"only": [Decimal(5)] * 4}, bands=BANDS, threshold=T)["only"]
    assert (stats.difference, stats.others_mean, stats.flag) == (None, None, "")


def test_the_standardised_difference_is_the_difference_in_pooled_standard_deviations():
    stats = bias.rater_stats({"a": [Decimal(4), Decimal(5)], "b": [Decimal(2), Decimal(3)]}, bands=BANDS, threshold=T)
    # Each group's (population) variance is 0.25; the difference of means 2.
    assert stats["a"].standardised == pytest.approx(2 / 0.5)
    assert stats["a"].mean == 4.5 and stats["a"].sd == 0.5


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=6))
def test_whole_percentages_of_a_bar_add_up_to_a_hundred(shares):
    percents = bias.percentages(shares)
    assert sum(percents) == (100 if sum(shares) > 0 else 0)
    assert all(p >= 0 for p in percents)


@given(scores)
def test_the_band_finders_agree_with_scoring(score):
    assert bias.band_finder(BANDS)(score) == scoring.band_for(score, BANDS)
    assert bias._cents_finder(BANDS)(bias.hundredths(score)) == scoring.band_for(score, BANDS)


@given(scores)
def test_a_score_read_as_decimal_float_or_text_is_the_same_number_of_hundredths(score):
    cents = int(score * 100)
    assert bias.hundredths(score) == bias.hundredths(float(score)) == bias.hundredths(str(score)) == cents


# ---- agreement ------------------------------------------------------------------------------------------


def test_alpha_matches_a_hand_computed_example():
    # Values 1, 2 | 3, 3: D_o = 2/4, D_e = 22/12, so alpha = 1 − (1/2)/(11/6) = 8/11.
    alpha = bias.krippendorff_alpha({"a": [1, 2], "b": [3, 3]})
    assert alpha.value == pytest.approx(8 / 11) and (alpha.units, alpha.values) == (2, 4)


def test_alpha_matches_krippendorffs_published_interval_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": four observers, twelve units; 0.849.
    rows = [
        "1 2 3 3 2 1 4 1 2 . . .",
        "1 2 3 3 2 2 4 1 2 5 . 3",
        ". 3 3 3 2 3 4 2 2 5 1 .",
        "1 2 3 3 2 4 4 1 2 5 1 .",
    ]
    cells = [r.split() for r in rows]
    units = {u: [int(c[u]) for c in cells if c[u] != "."] for u in range(12)}
    alpha = bias.krippendorff_alpha(units)
    assert alpha.value is not None and round(alpha.value, 3) == 0.849
    assert (alpha.units, alpha.values) == (11, 40)  # the unit rated once is left out


@given(st.lists(st.tuples(levels, st.integers(2, 5)), min_size=2, max_size=10))
def test_alpha_is_one_when_raters_always_agree(units):
    assume(len({v for v, _m in units}) > 1)
    alpha = bias.krippendorff_alpha({i: [v] * m for i, (v, m) in enumerate(units)})
    assert alpha.value == 1


@given(st.dictionaries(st.integers(0, 30), st.lists(levels, min_size=0, max_size=6), max_size=12))
def test_alpha_is_never_above_one(units):
    alpha = bias.krippendorff_alpha(units)
    assert alpha.value is None or alpha.value <= 1


@given(
    st.dictionaries(st.integers(0, 30), st.lists(levels, min_size=2, max_size=6), min_size=2, max_size=12),
    st.integers(-3, 3),
)
def test_alpha_ignores_a_shift_of_the_whole_scale(units, shift):
    plain = bias.krippendorff_alpha(units)
    shifted = bias.krippendorff_alpha({u: [v + shift for v in vs] for u, vs in units.items()})
    assert plain.value == shifted.value


def test_alpha_says_nothing_without_pairs_or_without_any_variation():
    assert bias.krippendorff_alpha({}).value is None
    assert bias.krippendorff_alpha({"a": [4], "b": [2]}).value is None
    assert bias.krippendorff_alpha({"a": [3, 3], "b": [3, 3, 3]}).value is None


def test_alpha_is_below_zero_when_raters_disagree_systematically():
    alpha = bias.krippendorff_alpha({"a": [1, 5], "b": [5, 1], "c": [1, 5]}).value
    assert alpha is not None and alpha < 0


# ---- normalisation --------------------------------------------------------------------------------------

many = st.lists(scores, min_size=3, max_size=10)


@settings(max_examples=150)
@given(st.dictionaries(st.integers(1, 6), many, min_size=1, max_size=5))
def test_normalisation_keeps_the_rank_order_within_a_rater_and_lands_inside_the_scale(data):
    targets = [((r, i), r, s) for r, v in data.items() for i, s in enumerate(v)]
    result = {n.key: n for n in bias.normalise(targets, scores_by_rater=data, low=LOW, high=HIGH, bands=BANDS)}
    order = {code: i for i, (code, _t) in enumerate(BANDS)}
    for rater, values in data.items():
        moved = [result[(rater, i)] for i in range(len(values))]
        for n in moved:
            if n.after is not None:
                assert LOW <= n.after <= HIGH
                assert n.band == scoring.band_for(n.after, BANDS)
        pairs = sorted(
            ((s, n.after, n.band) for s, n in zip(values, moved, strict=True) if n.after is not None and n.band),
            key=lambda p: p[0],
        )
        for (s1, a, band_a), (s2, b, band_b) in itertools.pairwise(pairs):
            assert s1 <= s2 and a <= b
            assert order[band_a] >= order[band_b]


@given(st.lists(scores, min_size=3, max_size=8), st.integers(2, 5), st.randoms())
def test_normalisation_changes_nothing_when_every_rater_has_the_cycles_mean_and_spread(values, raters, rnd):
    assume(len(set(values)) > 1)
    data = {}
    for r in range(raters):
        shuffled = list(values)
        rnd.shuffle(shuffled)
        data[r] = shuffled
    targets = [((r, i), r, s) for r, v in data.items() for i, s in enumerate(v)]
    for n in bias.normalise(targets, scores_by_rater=data, low=LOW, high=HIGH, bands=BANDS):
        assert n.after == n.before and n.reason == ""


def test_a_lenient_raters_top_score_comes_down_to_the_cycles_scale():
    data = {"kind": [Decimal("4.6"), Decimal("4.8"), Decimal("5.0")], "strict": [Decimal(2), Decimal(3), Decimal(4)]}
    result = bias.normalise([("x", "kind", Decimal("4.6"))], scores_by_rater=data, low=LOW, high=HIGH, bands=BANDS)[0]
    # The cycle's mean is 3.9 and its sd ≈ 1.0; 4.6 is one rater-sd below her mean of 4.8.
    assert result.after is not None and result.after < Decimal("4.6") and result.band != "S"


def test_raters_with_too_few_scores_or_no_spread_are_left_with_a_reason():
    data = {"few": [Decimal(5), Decimal(5)], "flat": [Decimal(4)] * 4, "fine": [Decimal(2), Decimal(3), Decimal(4)]}
    targets = [
        ("a", "few", Decimal(5)),
        ("b", "flat", Decimal(4)),
        ("c", None, Decimal(3)),
        ("d", "fine", None),
        ("e", "nobody", Decimal(3)),
    ]
    result = bias.normalise(targets, scores_by_rater=data, low=LOW, high=HIGH, bands=BANDS)
    assert [(n.key, n.reason, n.after) for n in result] == [
        ("a", bias.FEW_REVIEWS, None),
        ("b", bias.NO_SPREAD, None),
        ("c", bias.NO_RATER, None),
        ("d", bias.NO_SCORE, None),
        ("e", bias.NO_RATER, None),
    ]


def test_a_normalised_score_is_clamped_to_the_scale():
    after = bias.normalise_score(
        Decimal(5),
        rater_mean=Decimal(2),
        rater_sd=Decimal("0.5"),
        cycle_mean=Decimal(3),
        cycle_sd=Decimal(1),
        low=LOW,
        high=HIGH,
    )
    assert after == HIGH
