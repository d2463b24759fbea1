"""Review scoring as pure functions: blends, weights, optional sections, overrides, bands (hypothesis)."""

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jixiao.goals.scoring import ScoringError
from jixiao.reviews.scoring import (
    DEFAULT_BANDS,
    SectionInput,
    attainment_score,
    band_for,
    blend,
    check_bands,
    check_rating,
    final_score,
    mean,
    overridden,
)

ratings = st.decimals(min_value=1, max_value=5, places=2)
shares = st.decimals(min_value=0, max_value=1, places=2)


@st.composite
def weights_summing_to_100(draw, size: int):
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=size - 1, max_size=size - 1)))
    bounds = [0, *cuts, 100]
    return [Decimal(bounds[i + 1] - bounds[i]) for i in range(size)]


@given(manager=ratings, self_rating=ratings, self_weight=shares)
def test_a_blended_score_lies_between_the_self_and_the_manager_rating(manager, self_rating, self_weight):
    score = blend(manager=manager, self_rating=self_rating, self_weight=self_weight)
    assert min(manager, self_rating) - Decimal("0.01") <= score <= max(manager, self_rating) + Decimal("0.01")


def test_self_20_manager_80_is_the_weighted_mean():
    assert blend(manager=Decimal(4), self_rating=Decimal(5), self_weight=Decimal("0.2")) == Decimal("4.20")


def test_without_a_manager_rating_a_section_has_no_score_yet():
    assert blend(manager=None, self_rating=Decimal(5), self_weight=Decimal("0.2")) is None


def test_without_a_self_rating_the_manager_rating_stands_alone():
    assert blend(manager=Decimal("3.5"), self_rating=None, self_weight=Decimal("0.2")) == Decimal("3.50")


def test_a_self_weight_outside_0_to_1_is_refused():
    with pytest.raises(ScoringError):
        blend(manager=Decimal(3), self_rating=Decimal(3), self_weight=Decimal("1.5"))


@given(st.data(), st.integers(1, 6))
def test_the_final_score_lies_between_the_lowest_and_highest_section_score(data, size):
    weights = data.draw(weights_summing_to_100(size))
    scores = data.draw(st.lists(ratings, min_size=size, max_size=size))
    result = final_score([SectionInput(f"s{i}", w, s) for i, (w, s) in enumerate(zip(weights, scores, strict=True))])
    used = [s for w, s in zip(weights, scores, strict=True) if w > 0]
    assert result.final is not None
    assert min(used) - Decimal("0.01") <= result.final <= max(used) + Decimal("0.01")
    assert result.band == band_for(result.final)


@given(st.data(), st.integers(2, 6))
def test_an_optional_section_without_a_score_spreads_its_weight_over_the_others(data, size):
    weights = data.draw(weights_summing_to_100(size))
    assume(weights[0] < 100)
    scores = data.draw(st.lists(ratings, min_size=size, max_size=size))
    sections = [SectionInput("optional", weights[0], None, required=False)] + [
        SectionInput(f"s{i}", w, s) for i, (w, s) in enumerate(zip(weights[1:], scores[1:], strict=True))
    ]
    result = final_score(sections)
    effective = sum((s.effective_weight for s in result.sections), Decimal(0))
    assert abs(effective - 100) <= Decimal("0.01") * size
    assert result.sections[0].effective_weight == 0
    assert result.redistributed == (weights[0] > 0)


def test_a_required_section_without_a_score_leaves_the_final_score_open():
    result = final_score([SectionInput("kpi", Decimal(60), Decimal(4)), SectionInput("goals", Decimal(40), None)])
    assert (result.final, result.band) == (None, "")


def test_weights_that_do_not_sum_to_100_are_refused():
    with pytest.raises(ScoringError) as error:
        final_score([SectionInput("kpi", Decimal(60), Decimal(4)), SectionInput("goals", Decimal(30), Decimal(3))])
    assert error.value.code == "weights_total"


def test_the_breakdown_says_why_the_score_is_3_6():
    result = final_score(
        [
            SectionInput("kpi", Decimal(50), Decimal(4)),
            SectionInput("goals", Decimal(30), Decimal(3)),
            SectionInput("competencies", Decimal(20), Decimal("3.5")),
        ]
    )
    assert [s.contribution for s in result.sections] == [Decimal("2.00"), Decimal("0.90"), Decimal("0.70")]
    assert (result.final, result.band) == (Decimal("3.60"), "B")


@given(a=ratings, b=ratings)
def test_a_higher_score_never_earns_a_lower_band(a, b):
    order = [code for code, _ in DEFAULT_BANDS]
    low, high = sorted((a, b))
    assert order.index(band_for(high)) <= order.index(band_for(low))


def test_bands_need_distinct_codes_and_thresholds():
    with pytest.raises(ScoringError):
        check_bands([("S", Decimal(4)), ("A", Decimal(4))])


def test_an_override_needs_a_reason_and_otherwise_the_automatic_score_stands():
    assert overridden(automatic=Decimal(3), manual=None, reason="") == Decimal(3)
    assert overridden(automatic=Decimal(3), manual=Decimal(4), reason="Won the key account") == Decimal("4.00")
    with pytest.raises(ScoringError):
        overridden(automatic=Decimal(3), manual=Decimal(4), reason="  ")


def test_kpi_attainment_scores_through_the_default_table():
    assert [attainment_score(Decimal(a)) for a in ("1.25", "1.0", "0.85", "0.6", "0.2")] == [5, 4, 3, 2, 1]


def test_a_rating_outside_the_scale_is_refused_and_the_mean_of_nothing_is_no_score():
    with pytest.raises(ScoringError):
        check_rating(Decimal(6), minimum=Decimal(1), maximum=Decimal(5))
    assert mean([]) is None
    assert mean([Decimal(3), Decimal(4)]) == Decimal("3.50")


# ---- the 360 section: rater groups (issue 5) ----------------------------------------------------------

from jixiao.reviews.scoring import GroupInput, group_blend  # noqa: E402

group_names = ("self", "manager", "peer", "upward", "customer")


@given(
    weights=st.lists(st.integers(0, 100), min_size=5, max_size=5),
    scores=st.lists(st.one_of(st.none(), ratings), min_size=5, max_size=5),
)
def test_the_360_score_is_the_weighted_mean_of_the_shown_groups_and_lies_between_them(weights, scores):
    groups = [GroupInput(n, Decimal(w), s) for n, w, s in zip(group_names, weights, scores, strict=True)]
    result = group_blend(groups)
    shown = [g for g in groups if g.score is not None and g.weight > 0]
    if not shown:
        assert result.score is None
        return
    values = [g.score for g in shown if g.score is not None]
    assert result.score is not None and min(values) <= result.score <= max(values)
    assert abs(sum((share for _g, share in result.effective), Decimal(0)) - 100) <= Decimal("0.05")
    assert set(result.dropped) == {g.group for g in groups if g.weight > 0 and g.score is None}


def test_a_hidden_group_s_weight_is_spread_over_the_others_in_proportion():
    result = group_blend(
        [
            GroupInput("manager", Decimal(50), Decimal(4)),
            GroupInput("peer", Decimal(30), None),  # fewer than k peers answered: hidden
            GroupInput("upward", Decimal(20), Decimal(3)),
        ]
    )
    assert result.score == Decimal("3.71")  # (50 × 4 + 20 × 3) / 70
    assert result.effective == (("manager", Decimal("71.43")), ("upward", Decimal("28.57")))
    assert result.dropped == ("peer",)
