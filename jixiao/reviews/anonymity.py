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
from typing import Any

MIN_K = 3
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
    """The maximal families of pairwise disjoint aggregates among `names` (Bron–Kerbosch with a pivot).

    Only maximal families need checking: if another shown aggregate X could join a family F, the remainder
    of F is the remainder of F + X together with all of X, and X alone holds at least k raters — so F's
    remainder is large whenever every shown aggregate passes rule 1 (and when one does not, rule 1 already
    reports it). This keeps the check exact with dozens of aggregates, where all families would be 2^n.
    """
    apart = {n: frozenset(m for m in names if m != n and not sets[n] & sets[m]) for n in names}

    def extend(
        chosen: tuple[str, ...], candidates: frozenset[str], excluded: frozenset[str]
    ) -> Iterable[tuple[str, ...]]:
        if not candidates and not excluded:
            yield chosen
            return
        pivot = max(candidates | excluded, key=lambda u: len(apart[u] & candidates))
        for name in sorted(candidates - apart[pivot]):
            yield from extend((*chosen, name), candidates & apart[name], excluded & apart[name])
            candidates = candidates - {name}
            excluded = excluded | {name}

    if names:
        yield from extend((), frozenset(names), frozenset())


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
