"""A whole review's breakdown from plain values (hypothesis): bounds, blends, overrides, dropped sections, answers."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from jixiao.reviews.breakdown import check_answers, pick_model, review_breakdown

LEVELS = [{"value": str(v)} for v in range(1, 6)]
BANDS = [{"code": c, "threshold": t} for c, t in (("S", "4.5"), ("A", "3.8"), ("B", "3"), ("C", "2"), ("D", "0"))]


def snapshot(*, kpi: int, comp: int, self_weight: int = 0, kpi_required: bool = False) -> dict:
    return {
        "scale": {"levels": LEVELS, "bands": BANDS},
        "template": {"self_weight": str(self_weight), "overall_comment_required": True},
        "attainment": {"table": [["1.2", 5], ["1.0", 4], ["0.8", 3], ["0.6", 2]], "floor": 1},
        "sections": [
            {"key": "s1", "kind": "kpi", "title": "KPI", "weight": str(kpi), "required": kpi_required},
            {
                "key": "s2",
                "kind": "competencies",
                "title": "能力",
                "weight": str(comp),
                "required": True,
                "competency_model": "m1",
            },
            {
                "key": "s3",
                "kind": "questions",
                "title": "问题",
                "weight": "0",
                "required": False,
                "questions": [{"key": "q1", "text": "?", "required": True}],
            },
        ],
        "competencies": {"c1": {}, "c2": {}},
        "models": {"m1": {"items": [{"competency": "c1", "weight": "1"}, {"competency": "c2", "weight": "1"}]}},
    }


def answers(r1: int, r2: int, **extra) -> dict:
    return {"ratings": {"s2:c1": str(r1), "s2:c2": str(r2)}, **extra}


ratings = st.integers(1, 5)
weights = st.integers(0, 100)
attainments = st.decimals(min_value=0, max_value=Decimal("1.2"), places=2)


@given(kpi=weights, r1=ratings, r2=ratings, attainment=attainments)
def test_the_final_score_lies_on_the_scale_and_between_the_section_scores(kpi, r1, r2, attainment):
    snap = snapshot(kpi=kpi, comp=100 - kpi)
    items = [{"section": "s1", "attainment": str(attainment), "weight": "1"}]
    result = review_breakdown(snap, model_key="", auto_items=items, manager=answers(r1, r2), self_answers=None)
    scores = [Decimal(s["score"]) for s in result["sections"] if s["score"] is not None and s["kind"] != "questions"]
    assert min(scores) <= Decimal(result["final"]) <= max(scores)
    assert Decimal(1) <= Decimal(result["final"]) <= Decimal(5)


@given(kpi=st.integers(1, 99), r1=ratings, r2=ratings)
def test_an_optional_section_without_items_drops_out_and_the_rest_carries_all_the_weight(kpi, r1, r2):
    result = review_breakdown(
        snapshot(kpi=kpi, comp=100 - kpi), model_key="", auto_items=[], manager=answers(r1, r2), self_answers=None
    )
    assert result["redistributed"] is True
    assert Decimal(result["final"]) == (Decimal(r1 + r2) / 2).quantize(Decimal("0.01"))


@given(r1=ratings, r2=ratings)
def test_a_required_kpi_section_without_items_leaves_the_final_score_open(r1, r2):
    result = review_breakdown(
        snapshot(kpi=50, comp=50, kpi_required=True),
        model_key="",
        auto_items=[],
        manager=answers(r1, r2),
        self_answers=None,
    )
    assert result["final"] is None and result["band"] == ""


@given(m=ratings, s=ratings, w=st.integers(0, 100))
def test_the_self_weight_blends_linearly_and_zero_means_the_managers_rating(m, s, w):
    result = review_breakdown(
        snapshot(kpi=0, comp=100, self_weight=w),
        model_key="",
        auto_items=[],
        manager=answers(m, m),
        self_answers=answers(s, s),
    )
    expected = (Decimal(w) / 100 * s + (1 - Decimal(w) / 100) * m).quantize(Decimal("0.01"))
    assert Decimal(result["final"]) == expected


@given(auto=attainments, manual=ratings)
def test_an_override_with_a_reason_replaces_the_automatic_score_and_keeps_the_reason(auto, manual):
    items = [{"section": "s1", "attainment": str(auto), "weight": "1"}]
    manager = answers(3, 3, overrides={"s1": {"score": str(manual), "reason": "客户流失不可控"}})
    result = review_breakdown(
        snapshot(kpi=100, comp=0), model_key="", auto_items=items, manager=manager, self_answers=None
    )
    kpi = result["sections"][0]
    assert Decimal(kpi["score"]) == manual and kpi["override_reason"] == "客户流失不可控"


def test_nothing_is_scored_before_the_manager_submits():
    result = review_breakdown(
        snapshot(kpi=50, comp=50), model_key="", auto_items=[], manager=None, self_answers=answers(5, 5)
    )
    assert result["final"] is None


@given(value=st.sampled_from(["0", "6", "3.5", "abc", "-1"]))
def test_a_rating_that_is_not_a_level_of_the_scale_is_a_problem_even_in_a_draft(value):
    problems = check_answers(
        snapshot(kpi=50, comp=50), model_key="", answers={"ratings": {"s2:c1": value}}, kind="self", submit=False
    )
    assert problems == {"s2:c1": "rating_outside_scale"}


def test_submitting_needs_every_rating_the_required_answers_and_the_overall_comment():
    problems = check_answers(
        snapshot(kpi=50, comp=50), model_key="", answers={"ratings": {"s2:c1": "3"}}, kind="self", submit=True
    )
    assert problems == {"s2:c2": "rating_required", "s3:q1": "answer_required", "overall": "comment_required"}


def test_the_most_specific_competency_model_wins():
    models = {
        "m1": {"job_family": "", "job_levels": []},
        "m2": {"job_family": "销售", "job_levels": []},
        "m3": {"job_family": "销售", "job_levels": ["P7"]},
        "m4": {"job_family": "", "job_levels": ["P7"]},
    }
    assert pick_model(models, family="销售", level="P7") == "m3"
    assert pick_model(models, family="销售", level="P5") == "m2"
    assert pick_model(models, family="研发", level="P7") == "m4"
    assert pick_model(models, family="研发", level="P5") == "m1"
    assert pick_model({"m2": models["m2"]}, family="研发", level="P5") == ""
