"""Pure functions for goal progress and KPI attainment: plain values in, Decimals out, no ORM.

The one formula (issue 3, DESIGN "Defaults that matter"):

    progress = clamp((current − start) / (target − start), 0, cap)

serves increasing and decreasing targets alike (direction only checks that the target lies on the
right side of the start). With a stretch value, progress past the target runs linearly from 1 at the
target to the cap at the stretch. Reviews reuse these for their KPI and goal sections.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_CAP = Decimal("1.2")
DEFAULT_ATTAINMENT_TABLE: tuple[tuple[Decimal, int], ...] = (
    (Decimal("1.2"), 5),
    (Decimal("1.0"), 4),
    (Decimal("0.8"), 3),
    (Decimal("0.6"), 2),
)
DEFAULT_ATTAINMENT_FLOOR = 1
AGGREGATIONS = ("latest", "sum", "average")
QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)
ONE = Decimal(1)


class ScoringError(ValueError):
    """A value that no formula can work with; `code` names which rule it broke."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _q(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def check_direction(*, direction: str, start: Decimal, target: Decimal, stretch: Decimal | None = None) -> None:
    """Refuse a start equal to the target, a target on the wrong side, or a stretch short of the target."""
    if start == target:
        raise ScoringError("start_equals_target", "start and target must differ")
    if direction == "increase" and target < start:
        raise ScoringError("target_below_start", "an increasing target must lie above the start")
    if direction == "decrease" and target > start:
        raise ScoringError("target_above_start", "a decreasing target must lie below the start")
    if stretch is not None:
        beyond = (stretch - target) * (target - start)
        if beyond <= 0:
            raise ScoringError("stretch_not_beyond_target", "the stretch must lie beyond the target")


def check_cap(cap: Decimal) -> None:
    if cap < ONE:
        raise ScoringError("cap_below_one", "the cap must be at least 1")


def key_result_progress(
    *, start: Decimal, target: Decimal, current: Decimal, cap: Decimal = DEFAULT_CAP, stretch: Decimal | None = None
) -> Decimal:
    """Share of the way from start to target, clamped to [0, cap]; past the target a stretch scales it."""
    if start == target:
        raise ScoringError("start_equals_target", "start and target must differ")
    check_cap(cap)
    raw = (current - start) / (target - start)
    if stretch is None or raw <= ONE:
        return _q(min(max(raw, ZERO), cap))
    if (stretch - target) * (target - start) <= 0:
        raise ScoringError("stretch_not_beyond_target", "the stretch must lie beyond the target")
    beyond = ONE + (cap - ONE) * (current - target) / (stretch - target)
    return _q(min(max(beyond, ONE), cap))


def weighted_mean(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ value × weight / Σ weight over (value, weight) pairs; 0 when there is no weight at all."""
    total = ZERO
    weights = ZERO
    for value, weight in pairs:
        if weight < 0:
            raise ScoringError("negative_weight", "weights cannot be negative")
        total += value * weight
        weights += weight
    if weights == 0:
        return ZERO
    return _q(total / weights)


def objective_progress(
    *, key_results: Sequence[tuple[Decimal, Decimal]], children: Sequence[tuple[Decimal, Decimal]] = ()
) -> Decimal:
    """Weighted mean of its key results' progress; without key results, of its aligned objectives'.

    Aligned objectives all weighing 0 (a weight is optional on department and company goals) count
    equally, so an objective never shows 0% while everything under it moves.
    """
    if key_results:
        return weighted_mean(key_results)
    if not children:
        return ZERO
    if all(weight == 0 for _, weight in children):
        return weighted_mean((value, ONE) for value, _ in children)
    return weighted_mean(children)


def attainment_rating(
    attainment: Decimal,
    *,
    table: Sequence[tuple[Decimal, int]] = DEFAULT_ATTAINMENT_TABLE,
    floor: int = DEFAULT_ATTAINMENT_FLOOR,
) -> int:
    """The rating an attainment earns: the first threshold (highest first) it reaches, else the floor."""
    for threshold, rating in sorted(table, key=lambda row: row[0], reverse=True):
        if attainment >= threshold:
            return rating
    return floor


def check_attainment_table(table: Sequence[tuple[Decimal, int]], *, floor: int) -> None:
    """Thresholds must be distinct and ratings must not fall as the threshold rises."""
    rows = sorted(table, key=lambda row: row[0])
    if len({t for t, _ in rows}) != len(rows):
        raise ScoringError("duplicate_threshold", "each threshold may appear once")
    previous = floor
    for _, rating in rows:
        if rating < previous:
            raise ScoringError("rating_falls", "a higher threshold cannot give a lower rating")
        previous = rating


def aggregate_actuals(values: Sequence[Decimal], *, method: str) -> Decimal | None:
    """The KPI's actual from its recorded values (in date order): latest, sum or average."""
    if method not in AGGREGATIONS:
        # A typo here would silently read "latest" and give every KPI of that kind a wrong attainment.
        raise ScoringError("unknown_aggregation", f"unknown way of adding up actuals: {method!r}")
    if not values:
        return None
    if method == "sum":
        return sum(values, ZERO)
    if method == "average":
        return _q(sum(values, ZERO) / len(values))
    return values[-1]
