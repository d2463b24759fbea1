"""Pure scoring for reviews: section scores, the weighted final score, bands. Plain values in, no ORM.

Issue 4 builds review cycles on these. The rules, as DESIGN.md and the issue state them:
- a section's score comes from the manager's rating; a template may blend the self rating in
  (self 20% / manager 80% is common), and a section without a manager's rating has no score yet;
- final score = Σ section weight × section score / 100, weights summing to 100;
- an optional section left without a score drops out and its weight is spread over the others in
  proportion, and the breakdown says so (effective weight); a required one leaves the final score open;
- KPI and goal sections score from attainment through the attainment → rating table (goals.scoring);
  a manager may override an automatic score only with a written reason;
- bands map a final score to S/A/B/C/D by thresholds, highest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from jixiao.goals import scoring as goal_scoring
from jixiao.goals.scoring import ScoringError

HUNDRED = Decimal(100)
SCORE_QUANTUM = Decimal("0.01")
# (band, lowest final score that earns it) on the default 1–5 scale, highest first.
DEFAULT_BANDS: tuple[tuple[str, Decimal], ...] = (
    ("S", Decimal("4.5")),
    ("A", Decimal("3.8")),
    ("B", Decimal("3.0")),
    ("C", Decimal("2.0")),
    ("D", Decimal("0")),
)


def _q(value: Decimal) -> Decimal:
    return value.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)


def check_rating(value: Decimal, *, minimum: Decimal, maximum: Decimal) -> None:
    """A rating must lie on the scale."""
    if not minimum <= value <= maximum:
        raise ScoringError("rating_outside_scale", "the rating lies outside the scale")


def check_weights(weights: Sequence[Decimal]) -> None:
    """Section weights are not negative and sum to exactly 100."""
    if any(w < 0 for w in weights):
        raise ScoringError("negative_weight", "weights cannot be negative")
    if sum(weights, Decimal(0)) != HUNDRED:
        raise ScoringError("weights_total", "section weights must sum to 100")


def blend(*, manager: Decimal | None, self_rating: Decimal | None, self_weight: Decimal = Decimal(0)) -> Decimal | None:
    """A section's score: the manager's rating, with the self rating weighted in by `self_weight` (0–1).

    No manager's rating → no score yet. No self rating (or weight 0) → the manager's rating alone.
    """
    if not Decimal(0) <= self_weight <= Decimal(1):
        raise ScoringError("self_weight_outside", "the self weight must lie between 0 and 1")
    if manager is None:
        return None
    if self_rating is None or self_weight == 0:
        return _q(manager)
    return _q(self_weight * self_rating + (1 - self_weight) * manager)


def mean(values: Sequence[Decimal]) -> Decimal | None:
    """The mean of a section's item ratings (competencies, questions); None when nothing is rated."""
    if not values:
        return None
    return _q(sum(values, Decimal(0)) / len(values))


def attainment_score(
    attainment: Decimal,
    *,
    table: Sequence[tuple[Decimal, int]] = goal_scoring.DEFAULT_ATTAINMENT_TABLE,
    floor: int = goal_scoring.DEFAULT_ATTAINMENT_FLOOR,
) -> Decimal:
    """A KPI or goal section's automatic score: the rating its attainment earns."""
    return Decimal(goal_scoring.attainment_rating(attainment, table=table, floor=floor))


def overridden(*, automatic: Decimal | None, manual: Decimal | None, reason: str) -> Decimal | None:
    """The manager's score where she overrode the automatic one (a written reason is required)."""
    if manual is None:
        return automatic
    if not reason.strip():
        raise ScoringError("override_without_reason", "overriding an automatic score needs a reason")
    return _q(manual)


@dataclass(frozen=True)
class SectionInput:
    key: str
    weight: Decimal
    score: Decimal | None
    required: bool = True


@dataclass(frozen=True)
class SectionResult:
    key: str
    weight: Decimal
    effective_weight: Decimal
    score: Decimal | None
    contribution: Decimal


@dataclass(frozen=True)
class Breakdown:
    """What the employee reads after release: each section, its weight as applied, and the result."""

    sections: tuple[SectionResult, ...]
    final: Decimal | None
    band: str

    @property
    def redistributed(self) -> bool:
        """True when an optional section dropped out and its weight went to the others."""
        return any(s.weight != s.effective_weight for s in self.sections)


def band_for(score: Decimal, bands: Sequence[tuple[str, Decimal]] = DEFAULT_BANDS) -> str:
    """The band of a final score: the first (highest) threshold it reaches, else the last band."""
    for code, threshold in sorted(bands, key=lambda b: b[1], reverse=True):
        if score >= threshold:
            return code
    return sorted(bands, key=lambda b: b[1])[0][0]


def check_bands(bands: Sequence[tuple[str, Decimal]]) -> None:
    """Band codes are distinct and thresholds distinct (any order: they are sorted when used)."""
    if len({code for code, _ in bands}) != len(bands) or len({t for _, t in bands}) != len(bands):
        raise ScoringError("duplicate_band", "each band and each threshold may appear once")
    if not bands:
        raise ScoringError("no_bands", "a scale needs at least one band")


def final_score(sections: Sequence[SectionInput], *, bands: Sequence[tuple[str, Decimal]] = DEFAULT_BANDS) -> Breakdown:
    """Σ weight × score / 100 over the sections, with optional unscored sections' weight spread over the rest."""
    check_weights([s.weight for s in sections])
    if any(s.required and s.score is None for s in sections):
        return Breakdown(
            tuple(SectionResult(s.key, s.weight, s.weight, s.score, Decimal(0)) for s in sections), None, ""
        )
    scored_weight = sum((s.weight for s in sections if s.score is not None), Decimal(0))
    results = []
    total = Decimal(0)
    for s in sections:
        if s.score is None or scored_weight == 0:
            results.append(SectionResult(s.key, s.weight, Decimal(0), s.score, Decimal(0)))
            continue
        effective = s.weight * HUNDRED / scored_weight
        contribution = effective * s.score / HUNDRED
        total += contribution
        results.append(SectionResult(s.key, s.weight, _q(effective), s.score, _q(contribution)))
    if scored_weight == 0:
        return Breakdown(tuple(results), None, "")
    final = _q(total)
    return Breakdown(tuple(results), final, band_for(final, bands))


@dataclass(frozen=True)
class GroupInput:
    """One rater group inside a 360 section: its weight in the section and its score (None: nothing shown)."""

    group: str
    weight: Decimal
    score: Decimal | None


@dataclass(frozen=True)
class GroupBlend:
    score: Decimal | None
    effective: tuple[tuple[str, Decimal], ...]  # each shown group's share of the section, in percent
    dropped: tuple[str, ...] = ()  # groups whose weight went to the others


def group_blend(groups: Sequence[GroupInput]) -> GroupBlend:
    """The 360 section's score: the weighted mean over the groups that have a shown score.

    A group with no usable answers, or hidden because it has fewer than k raters (decision 0009), drops out
    and its weight is spread over the others in proportion; with no group left the section has no score.
    """
    if any(g.weight < 0 for g in groups):
        raise ScoringError("negative_weight", "weights cannot be negative")
    shown = [g for g in groups if g.score is not None and g.weight > 0]
    total = sum((g.weight for g in shown), Decimal(0))
    dropped = tuple(g.group for g in groups if g not in shown and g.weight > 0)
    if not shown or total == 0:
        return GroupBlend(None, (), dropped)
    score = sum((g.weight * g.score for g in shown if g.score is not None), Decimal(0)) / total
    return GroupBlend(_q(score), tuple((g.group, _q(g.weight * HUNDRED / total)) for g in shown), dropped)
