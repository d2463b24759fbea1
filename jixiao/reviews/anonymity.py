"""What anonymous 360 answers may be shown, as pure functions over sets of answers (issue 5 builds on these).

An *aggregate* is everything one published number is computed from: a set of answer cells, each cell
naming its rater (e.g. `(rater_id, "c7")` for one rater's rating of one competency). A reader who sees
several aggregates can subtract them. So an aggregate is safe to publish only if

1. it holds the answers of at least k distinct raters, and
2. nothing the reader can compute by subtraction isolates fewer than k raters: for every published
   aggregate A and every family of published aggregates inside A that do not overlap (their sum is then
   known), A minus their union is empty or holds at least k raters. Overlapping subsets cannot be
   subtracted without their intersection, which would itself have to be published (and is then checked).

`suppress()` starts from the aggregates a page would like to show and drops the fewest it can until both
rules hold: first every aggregate below k, then, while a subtraction isolates a small remainder, the
smaller of the two aggregates involved ("complementary suppression": hiding one group can force hiding the
next-smallest). `differencing_problems()` is the check alone, for report filters: a filter whose result
would break a rule is refused rather than silently emptied.

k is never below 3 (DESIGN: anonymity), whatever a cycle asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

MIN_K = 3
# Exhaustive search over disjoint families is exponential; a page publishes a handful of aggregates per
# subject (groups × a roll-up), far below this. Above it, only pairs and the greedy cover are checked.
EXHAUSTIVE_LIMIT = 12

Cell = Hashable


def effective_k(k: int) -> int:
    """The threshold actually applied: what the cycle asks for, never below 3."""
    return max(MIN_K, int(k))


def _rater(cell: Cell) -> Any:
    return cell[0] if isinstance(cell, tuple) else cell


def raters(cells: Iterable[Cell], rater_of: Callable[[Cell], Any] = _rater) -> int:
    return len({rater_of(cell) for cell in cells})


@dataclass(frozen=True)
class Problem:
    """An aggregate (by name) too small to show, or one whose remainder after subtraction is too small."""

    aggregate: str
    subtracted: tuple[str, ...]
    raters: int


def _disjoint_families(names: list[str], sets: Mapping[str, frozenset[Cell]]) -> Iterable[tuple[str, ...]]:
    """Non-empty families of pairwise disjoint aggregates among `names`."""
    if len(names) <= EXHAUSTIVE_LIMIT:
        for size in range(1, len(names) + 1):
            for family in combinations(names, size):
                union: set[Cell] = set()
                ok = True
                for name in family:
                    if union & sets[name]:
                        ok = False
                        break
                    union |= sets[name]
                if ok:
                    yield family
        return
    for name in names:
        yield (name,)
    # Greedy: the largest disjoint cover, biggest aggregates first.
    chosen: list[str] = []
    union = set()
    for name in sorted(names, key=lambda n: -len(sets[n])):
        if not union & sets[name]:
            chosen.append(name)
            union |= sets[name]
    if len(chosen) > 1:
        yield tuple(chosen)


def differencing_problems(
    aggregates: Mapping[str, frozenset[Cell]], k: int, rater_of: Callable[[Cell], Any] = _rater
) -> list[Problem]:
    """Every way the published `aggregates` break the two rules, smallest remainders first."""
    k = effective_k(k)
    problems: list[Problem] = []
    for name, cells in aggregates.items():
        n = raters(cells, rater_of)
        if n < k:
            problems.append(Problem(name, (), n))
    for name, cells in aggregates.items():
        inside = [other for other, sub in aggregates.items() if other != name and sub and sub <= cells]
        for family in _disjoint_families(inside, aggregates):
            union: set[Cell] = set()
            for member in family:
                union |= aggregates[member]
            remainder = cells - union
            n = raters(remainder, rater_of)
            if 0 < n < k:
                problems.append(Problem(name, tuple(sorted(family)), n))
    return sorted(problems, key=lambda p: (p.raters, p.aggregate, p.subtracted))


def suppress(
    aggregates: Mapping[str, frozenset[Cell]],
    k: int,
    rater_of: Callable[[Cell], Any] = _rater,
    keep: Collection[str] = (),
) -> dict[str, frozenset[Cell]]:
    """The aggregates that may be shown: the wanted ones minus the fewest needed to break no rule.

    Aggregates named in `keep` (the headlines: a group's overall score) are dropped for a subtraction only
    when every other aggregate involved is also in `keep`.
    """
    shown = {name: frozenset(cells) for name, cells in aggregates.items() if cells}
    k = effective_k(k)
    # Rule 1 first: anything below k goes, whatever else happens.
    shown = {name: cells for name, cells in shown.items() if raters(cells, rater_of) >= k}
    while True:
        problems = differencing_problems(shown, k, rater_of)
        if not problems:
            return shown
        problem = problems[0]
        # Complementary suppression: drop the smallest aggregate involved in the subtraction (one of the
        # subtracted ones when there are any, since the containing aggregate is usually the headline).
        involved = list(problem.subtracted) or [problem.aggregate]
        victim = min(involved, key=lambda name: (name in keep, raters(shown[name], rater_of), name))
        del shown[victim]
