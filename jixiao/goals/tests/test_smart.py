"""SMART hints: each gap on its own, the complete case, and a readable reason for every gap."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import translation

from jixiao.goals.smart import (
    CRITERIA,
    KeyResultFacts,
    ObjectiveFacts,
    SmartGap,
    criterion_label,
    describe,
    smart_gaps,
    text_width,
)

COMPLETE = ObjectiveFacts(
    title="提升华东区续约率",
    description="华东区老客户续约率从 70% 提升到 85%，季度复盘。",
    is_company=False,
    has_parent=True,
    due_date=dt.date(2027, 12, 31),
    period_start=dt.date(2027, 1, 1),
    period_end=dt.date(2027, 12, 31),
    key_results=(KeyResultFacts("续约率", Decimal(70), Decimal(85)),),
)


def codes(facts: ObjectiveFacts) -> list[tuple[str, str]]:
    return [(gap.criterion, gap.code) for gap in smart_gaps(facts)]


def test_a_complete_objective_has_no_gaps():
    assert smart_gaps(COMPLETE) == []


def test_a_short_title_is_not_specific():
    assert codes(replace(COMPLETE, title="销售")) == [("specific", "title_too_short")]
    assert codes(replace(COMPLETE, title="Sales")) == [("specific", "title_too_short")]


def test_a_long_enough_title_in_either_script_is_specific():
    assert text_width("提升华东区续约率") >= 12
    assert smart_gaps(replace(COMPLETE, title="Grow renewals")) == []


def test_a_missing_description_is_not_specific():
    assert codes(replace(COMPLETE, description="   ")) == [("specific", "no_description")]


def test_no_key_results_is_not_measurable():
    assert codes(replace(COMPLETE, key_results=())) == [("measurable", "no_key_results")]


def test_a_target_far_beyond_three_times_the_start_may_not_be_achievable():
    far = KeyResultFacts("新客户数", Decimal(10), Decimal(100))
    assert codes(replace(COMPLETE, key_results=(far,))) == [("achievable", "target_far_from_start")]
    assert smart_gaps(replace(COMPLETE, key_results=(far,)))[0].params == (("title", "新客户数"),)


def test_a_target_from_zero_is_not_judged_for_achievability():
    from_zero = KeyResultFacts("上线功能", Decimal(0), Decimal(1000))
    assert smart_gaps(replace(COMPLETE, key_results=(from_zero,))) == []


def test_a_target_exactly_three_times_away_is_still_achievable():
    edge = KeyResultFacts("客户数", Decimal(10), Decimal(40))
    assert smart_gaps(replace(COMPLETE, key_results=(edge,))) == []


def test_a_personal_or_department_objective_that_aligns_to_nothing_is_not_relevant():
    assert codes(replace(COMPLETE, has_parent=False)) == [("relevant", "not_aligned")]


def test_a_company_objective_needs_no_parent():
    assert smart_gaps(replace(COMPLETE, has_parent=False, is_company=True)) == []


def test_no_due_date_is_not_time_bound():
    assert codes(replace(COMPLETE, due_date=None)) == [("time_bound", "no_due_date")]


def test_a_due_date_outside_the_period_is_not_time_bound():
    assert codes(replace(COMPLETE, due_date=dt.date(2028, 1, 1))) == [("time_bound", "due_outside_period")]
    assert codes(replace(COMPLETE, due_date=dt.date(2026, 12, 31))) == [("time_bound", "due_outside_period")]


def test_gaps_come_in_smart_order():
    empty = replace(COMPLETE, title="x", has_parent=False, due_date=None, key_results=())
    assert [gap.criterion for gap in smart_gaps(empty)] == ["specific", "measurable", "relevant", "time_bound"]
    assert all(gap.criterion in CRITERIA for gap in smart_gaps(empty))


ALL_GAPS = [
    SmartGap("specific", "title_too_short"),
    SmartGap("specific", "no_description"),
    SmartGap("measurable", "no_key_results"),
    SmartGap("achievable", "target_far_from_start", (("title", "新客户数"),)),
    SmartGap("relevant", "not_aligned"),
    SmartGap("time_bound", "no_due_date"),
    SmartGap("time_bound", "due_outside_period"),
]


@pytest.mark.parametrize("gap", ALL_GAPS, ids=lambda gap: gap.code)
def test_every_gap_is_described_in_one_line(gap):
    text = describe(gap)
    assert text and text != gap.code and "\n" not in text and "%(" not in text


def test_the_reason_names_the_key_result_it_is_about():
    assert "新客户数" in describe(ALL_GAPS[3])


@pytest.mark.parametrize("gap", ALL_GAPS, ids=lambda gap: gap.code)
def test_every_gap_is_described_in_chinese_too(gap):
    with translation.override("zh-hans"):
        text = describe(gap)
    assert text and "%(" not in text


def test_every_criterion_has_a_label():
    assert [criterion_label(c) for c in CRITERIA] == ["Specific", "Measurable", "Achievable", "Relevant", "Time-bound"]
