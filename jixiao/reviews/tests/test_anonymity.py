"""Anonymity of 360 answers as pure functions (hypothesis): thresholds, subtraction, complementary suppression."""

from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.reviews.anonymity import differencing_problems, effective_k, raters, suppress


def cells(group: str, people: range, items: tuple[str, ...] = ("c1", "c2")) -> frozenset:
    return frozenset((f"{group}{p}", item) for p in people for item in items)


@st.composite
def aggregates(draw):
    """Up to six aggregates over up to ten raters and three items, as a page might want to show them."""
    people = [f"r{i}" for i in range(draw(st.integers(1, 10)))]
    items = ["c1", "c2", "c3"]
    universe = [(p, i) for p in people for i in items]
    count = draw(st.integers(1, 6))
    return {
        f"a{n}": frozenset(draw(st.lists(st.sampled_from(universe), max_size=len(universe), unique=True)))
        for n in range(count)
    }


@settings(max_examples=300)
@given(wanted=aggregates(), k=st.integers(0, 5))
def test_what_is_shown_breaks_no_rule_and_is_taken_unchanged_from_what_was_wanted(wanted, k):
    shown = suppress(wanted, k)
    assert differencing_problems(shown, k) == []
    assert all(wanted[name] == cells_ for name, cells_ in shown.items())


@settings(max_examples=300)
@given(wanted=aggregates(), k=st.integers(0, 5))
def test_no_shown_aggregate_has_fewer_than_k_raters_nor_differs_from_a_shown_subset_by_fewer(wanted, k):
    shown = suppress(wanted, k)
    k = effective_k(k)
    for a, big in shown.items():
        assert raters(big) >= k
        for b, small in shown.items():
            if a != b and small <= big:
                assert raters(big - small) in (0,) or raters(big - small) >= k


@settings(max_examples=200)
@given(wanted=aggregates(), k=st.integers(3, 5))
def test_nothing_is_hidden_when_what_was_wanted_is_already_safe(wanted, k):
    wanted = {name: c for name, c in wanted.items() if c}
    if differencing_problems(wanted, k) == []:
        assert suppress(wanted, k) == wanted


def test_k_is_never_below_three():
    assert effective_k(1) == 3 and effective_k(0) == 3 and effective_k(5) == 5
    two = {"peers": cells("p", range(2))}
    assert suppress(two, 1) == {}


def test_a_small_group_inside_a_roll_up_forces_the_next_smallest_group_out():
    peers, reports, customers = cells("p", range(2)), cells("d", range(5)), cells("k", range(4))
    wanted = {"peers": peers, "reports": reports, "customers": customers, "others": peers | reports | customers}
    shown = suppress(wanted, 3)
    # Peers (2) are below k. "others − reports − customers" would be the peers' answers, so the next-smallest
    # group (customers, 4) is hidden too; "others − reports" then covers six raters.
    assert set(shown) == {"reports", "others"}


def test_a_roll_up_that_leaves_the_small_group_out_needs_no_complementary_suppression():
    reports, customers = cells("d", range(5)), cells("k", range(4))
    wanted = {"peers": cells("p", range(2)), "reports": reports, "customers": customers, "others": reports | customers}
    assert set(suppress(wanted, 3)) == {"reports", "customers", "others"}


def test_one_competency_answered_by_too_few_peers_cannot_be_read_off_the_peers_overall_score():
    answered_all = frozenset((f"p{i}", c) for i in range(5) for c in ("c1", "c2"))
    few_on_c3 = frozenset((f"p{i}", "c3") for i in range(2))
    wanted = {
        "peers": answered_all | few_on_c3,
        "peers/c1": frozenset(x for x in answered_all if x[1] == "c1"),
        "peers/c2": frozenset(x for x in answered_all if x[1] == "c2"),
        "peers/c3": few_on_c3,
    }
    shown = suppress(wanted, 3)
    assert "peers/c3" not in shown
    assert differencing_problems(shown, 3) == []
    # One more competency is hidden too, so "peers" minus what is shown mixes c3 with a whole competency.
    assert len(shown) == 2 and "peers" in shown


def test_two_filters_that_differ_by_one_person_are_a_problem_to_refuse():
    department = cells("e", range(8))
    without_one = cells("e", range(7))
    problems = differencing_problems({"sales": department, "sales, level P5": without_one}, 3)
    assert [(p.aggregate, p.subtracted, p.raters) for p in problems] == [("sales", ("sales, level P5",), 1)]
