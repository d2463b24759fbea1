"""Section scores corrected on appeal, in the pure breakdown (hypothesis): applied last, the computed score kept."""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from jixiao.reviews.breakdown import review_breakdown

from .test_breakdown import answers, snapshot

ratings = st.integers(1, 5)
attainments = st.decimals(min_value=0, max_value=Decimal("1.2"), places=2)
corrected = st.decimals(min_value=1, max_value=5, places=1)
CENT = Decimal("0.01")


def scored(snap, *, r1, r2, attainment, corrections=None):
    items = [{"section": "s1", "attainment": str(attainment), "weight": "1"}] if attainment is not None else []
    return review_breakdown(
        snap, model_key="", auto_items=items, manager=answers(r1, r2), self_answers=None, corrections=corrections
    )


def without_annotations(result):
    return {
        **result,
        "sections": [
            {k: v for k, v in s.items() if k not in ("corrected_from", "correction_reason")} for s in result["sections"]
        ],
    }


@given(kpi=st.integers(0, 100), r1=ratings, r2=ratings, attainment=attainments, which=st.sampled_from(["s1", "s2"]))
def test_a_correction_equal_to_the_computed_score_changes_nothing_but_the_annotations(kpi, r1, r2, attainment, which):
    snap = snapshot(kpi=kpi, comp=100 - kpi)
    plain = scored(snap, r1=r1, r2=r2, attainment=attainment)
    score = next(s["score"] for s in plain["sections"] if s["key"] == which)
    if score is None:  # nothing computed to confirm
        return
    result = scored(snap, r1=r1, r2=r2, attainment=attainment, corrections={which: {"score": score, "reason": "核实"}})
    assert without_annotations(result) == plain
    section = next(s for s in result["sections"] if s["key"] == which)
    assert section["corrected_from"] == score and section["correction_reason"] == "核实"
    others = [s for s in result["sections"] if s["key"] != which]
    assert not any("corrected_from" in s for s in others)


@given(
    kpi=st.integers(0, 100),
    r1=ratings,
    r2=ratings,
    attainment=st.none() | attainments,
    fixes=st.dictionaries(st.sampled_from(["s1", "s2"]), corrected, max_size=2),
)
def test_the_final_score_is_still_the_weighted_sum_of_the_section_scores_after_corrections(
    kpi, r1, r2, attainment, fixes
):
    snap = snapshot(kpi=kpi, comp=100 - kpi)
    plain = scored(snap, r1=r1, r2=r2, attainment=attainment)
    corrections = {key: {"score": str(value), "reason": "申诉更正"} for key, value in fixes.items()}
    result = scored(snap, r1=r1, r2=r2, attainment=attainment, corrections=corrections)
    sections = {s["key"]: s for s in result["sections"] if s["kind"] != "questions"}
    for key, value in fixes.items():
        assert Decimal(sections[key]["score"]) == value
        before = next(s["score"] for s in plain["sections"] if s["key"] == key)
        assert sections[key]["corrected_from"] == before and sections[key]["correction_reason"] == "申诉更正"
    counted = [s for s in sections.values() if s["score"] is not None and Decimal(s["weight"]) > 0]
    total = sum((Decimal(s["weight"]) for s in counted), Decimal(0))
    if not total:
        assert result["final"] is None
        return
    expected = sum((Decimal(s["weight"]) * Decimal(s["score"]) for s in counted), Decimal(0)) / total
    assert Decimal(result["final"]) == expected.quantize(CENT, rounding=ROUND_HALF_UP)
    contributions = sum((Decimal(s["contribution"]) for s in sections.values()), Decimal(0))
    assert abs(contributions - Decimal(result["final"])) <= CENT * len(counted)
    assert Decimal(1) <= Decimal(result["final"]) <= Decimal(5)


@given(r1=ratings, r2=ratings, value=corrected)
def test_nothing_is_corrected_before_the_manager_submits(r1, r2, value):
    result = review_breakdown(
        snapshot(kpi=0, comp=100),
        model_key="",
        auto_items=[],
        manager=None,
        self_answers=answers(r1, r2),
        corrections={"s2": {"score": str(value), "reason": "x"}},
    )
    assert result["final"] is None and not any("corrected_from" in s for s in result["sections"])
