"""Rater bias, inter-rater agreement and normalisation (decision 0011): pure functions over plain values, no ORM.

- **Per rater**: n, mean, standard deviation and share of each band of the manager scores she gave in a cycle,
  compared with all *other* raters of the cycle pooled: the difference of means in scale points and the same
  difference in pooled standard deviations. A rater with at least `min_n` scores whose difference reaches the
  threshold is flagged lenient (above the others) or severe (below them).
- **Agreement**: Krippendorff's alpha with the interval metric over units (a reviewee × competency) rated by two
  or more people; "not able to judge" is left out before the values reach this module.
- **Normalisation**: a score's z-score within its rater, mapped onto the cycle's mean and spread, clamped to the
  scale and banded by the cycle's thresholds. Raters with too few scores or no spread are left as they are.

Scores are 2-decimal values (Review.final_score); sums run on integer hundredths, so a mean, a difference and a
flag are exact (mirroring every score flips every flag, nothing else). Standard deviations are population ones
(divide by n): the normalisation maps one distribution onto another, it does not estimate anything, and a rater
whose scores are spread exactly like the cycle's is then left exactly as she is.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)

MIN_N = 3  # fewer scores than this say too little about a rater to flag or normalise her
LENIENT = "lenient"
SEVERE = "severe"
# Why a score is left as it is by the normalisation.
FEW_REVIEWS = "few_reviews"
NO_SPREAD = "no_spread"
NO_SCORE = "no_score"
NO_RATER = "no_rater"
CENT = Decimal("0.01")


Score = Decimal | int | float | str  # a 2-decimal score; SQLite hands decimals back as floats, PostgreSQL as Decimal


def hundredths(value: Score) -> int:
    """A 2-decimal score as an integer number of hundredths, exactly (half up beyond two decimals)."""
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        return round(value * 100)  # exact for a float read from a 2-decimal column
    d = value if isinstance(value, Decimal) else Decimal(value)
    scaled = d * 100
    whole = int(scaled)
    return whole if whole == scaled else int(scaled.to_integral_value(rounding=ROUND_HALF_UP))


def _cents_finder(bands: Sequence[tuple[str, Decimal]]) -> Callable[[int], str]:
    """The band of a score given in hundredths (a score reaches a threshold when its hundredths reach its ceiling)."""
    ordered = sorted(bands, key=lambda b: b[1], reverse=True)
    if not ordered:
        raise ValueError("a scale needs at least one band")
    lowest = ordered[-1][0]
    limits = [(code, math.ceil(Fraction(Decimal(threshold)) * 100)) for code, threshold in ordered]

    def find(cents: int) -> str:
        for code, limit in limits:
            if cents >= limit:
                return code
        return lowest

    return find


def band_finder(bands: Sequence[tuple[str, Decimal]]) -> Callable[[Decimal], str]:
    """`scoring.band_for` with the thresholds sorted once: the first (highest) threshold reached, else the lowest."""
    ordered = sorted(bands, key=lambda b: b[1], reverse=True)
    if not ordered:
        raise ValueError("a scale needs at least one band")
    lowest = ordered[-1][0]

    def find(score: Decimal) -> str:
        for code, threshold in ordered:
            if score >= threshold:
                return code
        return lowest

    return find


# ---- describing scores ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """n, Σx and Σx² of scores in hundredths: enough for exact means and variances, and they add up."""

    n: int = 0
    s1: int = 0
    s2: int = 0

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.s1 + other.s1, self.s2 + other.s2)

    def __sub__(self, other: Moments) -> Moments:
        return Moments(self.n - other.n, self.s1 - other.s1, self.s2 - other.s2)

    @classmethod
    def of(cls, cents: Iterable[int]) -> Moments:
        n = s1 = s2 = 0
        for c in cents:
            n += 1
            s1 += c
            s2 += c * c
        return cls(n, s1, s2)

    def mean(self) -> Fraction | None:
        """The exact mean in scale points."""
        return Fraction(self.s1, 100 * self.n) if self.n else None

    def variance(self) -> Fraction | None:
        """The exact population variance in scale points squared."""
        if not self.n:
            return None
        return Fraction(self.n * self.s2 - self.s1 * self.s1, 10_000 * self.n * self.n)

    def float_variance(self) -> float:
        """The population variance as a float (0 for no scores), for what is shown rather than decided."""
        return (self.n * self.s2 - self.s1 * self.s1) / (10_000 * self.n * self.n) if self.n else 0.0

    def mean_decimal(self) -> Decimal | None:
        return Decimal(self.s1) / Decimal(100 * self.n) if self.n else None

    def sd_decimal(self) -> Decimal | None:
        """The population standard deviation, correctly rounded: equal distributions give equal Decimals."""
        if not self.n:
            return None
        numerator = self.n * self.s2 - self.s1 * self.s1
        return (Decimal(numerator) / Decimal(10_000 * self.n * self.n)).sqrt()

    def sd(self) -> float | None:
        variance = self.variance()
        return None if variance is None else math.sqrt(variance)


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float | None
    sd: float | None


def summary(moments: Moments) -> Summary:
    mean = moments.mean()
    return Summary(moments.n, None if mean is None else float(mean), moments.sd())


@dataclass(frozen=True)
class RaterStats(Generic[R]):
    """One rater's scores in a cycle against every other rater's, pooled."""

    rater: R
    n: int
    mean: float
    sd: float
    counts: dict[str, int]  # every band of the scale, highest first
    shares: dict[str, float]  # the same bands; they sum to 1
    others_n: int
    others_mean: float | None
    difference: float | None  # rater mean − others' mean, in scale points
    standardised: float | None  # the same difference in pooled standard deviations (Cohen's d)
    flag: str  # lenient | severe | ""


def rater_stats(
    scores_by_rater: Mapping[R, Sequence[Score]],
    *,
    bands: Sequence[tuple[str, Decimal]],
    threshold: Decimal,
    min_n: int = MIN_N,
) -> dict[R, RaterStats[R]]:
    """Every rater's statistics, each compared with all the other raters of the cycle pooled.

    Flagged lenient when her mean is at least `threshold` points above the others', severe when at least that far
    below, and only with at least `min_n` scores (and others to compare with).
    """
    find = _cents_finder(bands)
    codes = [code for code, _t in sorted(bands, key=lambda b: b[1], reverse=True)]
    limit = Fraction(Decimal(threshold))
    moments: dict[R, Moments] = {}
    counts: dict[R, dict[str, int]] = {}
    for rater, scores in scores_by_rater.items():
        cents = [hundredths(s) for s in scores]
        moments[rater] = Moments.of(cents)
        tally = dict.fromkeys(codes, 0)
        for c in cents:
            tally[find(c)] += 1
        counts[rater] = tally
    total = sum(moments.values(), Moments())
    result: dict[R, RaterStats[R]] = {}
    for rater, own in moments.items():
        if not own.n:
            continue
        others = total - own
        # Flags on integers: |s1/(100 n) − o1/(100 m)| ≥ p/q  ⇔  |s1·m − o1·n|·q ≥ p·100·n·m, so exact and cheap.
        cross = own.s1 * others.n - others.s1 * own.n
        flag = ""
        if others.n and own.n >= min_n and abs(cross) * limit.denominator >= limit.numerator * 100 * own.n * others.n:
            flag = LENIENT if cross > 0 else SEVERE
        own_mean, own_var = own.s1 / (100 * own.n), own.float_variance()
        difference = others_mean = standardised = None
        if others.n:
            others_mean = others.s1 / (100 * others.n)
            difference = cross / (100 * own.n * others.n)
            pooled = (own.n * own_var + others.n * others.float_variance()) / (own.n + others.n)
            standardised = difference / math.sqrt(pooled) if pooled > 0 else None
        tally = counts[rater]
        result[rater] = RaterStats(
            rater=rater,
            n=own.n,
            mean=own_mean,
            sd=math.sqrt(own_var),
            counts=tally,
            shares={code: c / own.n for code, c in tally.items()},
            others_n=others.n,
            others_mean=others_mean,
            difference=difference,
            standardised=standardised,
            flag=flag,
        )
    return result


def cycle_summary(scores_by_rater: Mapping[R, Sequence[Score]]) -> Summary:
    """n, mean and standard deviation of every score of the cycle."""
    return summary(Moments.of(hundredths(s) for scores in scores_by_rater.values() for s in scores))


def percentages(shares: Sequence[float]) -> list[int]:
    """Whole percentages that add up to 100 (largest remainders), for a stacked bar; all 0 when there is nothing."""
    total = sum(shares)
    if total <= 0:
        return [0 for _ in shares]
    raw = [s * 100 / total for s in shares]
    whole = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (whole[i] - raw[i], i))
    for i in order[: 100 - sum(whole)]:
        whole[i] += 1
    return whole


# ---- agreement ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha and what it rests on; `value` is None when it cannot be computed."""

    value: float | None
    units: int  # units with at least two values
    values: int  # the values in those units (the pairable values)


def krippendorff_alpha(units: Mapping[K, Sequence[Score]]) -> Alpha:
    """Krippendorff's alpha with the interval metric; units with fewer than two values are left out.

    alpha = 1 − D_o / D_e, with D_o the mean squared difference within units and D_e the one between any two
    values. 1 is perfect agreement, 0 agreement as by chance; it is None when fewer than two units' values can be
    paired or when every value is the same (nothing to agree or disagree about). Exact: values are taken in
    hundredths and the sums are integers, grouped by unit size so the per-unit 1/(m − 1) costs nothing.
    """
    n = s1 = s2 = 0
    within: dict[int, int] = defaultdict(int)  # m → Σ over units of size m of (m·Σv² − (Σv)²)
    count = 0
    memo: dict[Score, int] = {}  # a scale has a handful of levels: convert each once (120,000 values at 10,000 people)
    for raw in units.values():
        m = len(raw)
        if m < 2:
            continue
        u1 = u2 = 0
        for v in raw:
            c = memo.get(v)
            if c is None:
                c = memo[v] = hundredths(v)
            u1 += c
            u2 += c * c
        within[m] += m * u2 - u1 * u1
        n, s1, s2, count = n + m, s1 + u1, s2 + u2, count + 1
    if count == 0 or n < 2:
        return Alpha(None, count, n)
    expected = n * s2 - s1 * s1
    if expected == 0:
        return Alpha(None, count, n)
    observed = sum((Fraction(total, m - 1) for m, total in within.items()), Fraction(0))
    return Alpha(float(1 - (n - 1) * observed / expected), count, n)


# ---- normalisation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Normalised(Generic[K]):
    """One score before and after: `after` and `band` are None and `reason` says why when it is left as it is."""

    key: K
    before: Decimal | None
    after: Decimal | None
    band: str | None
    reason: str = ""


def normalise_score(
    score: Decimal,
    *,
    rater_mean: Decimal,
    rater_sd: Decimal,
    cycle_mean: Decimal,
    cycle_sd: Decimal,
    low: Decimal,
    high: Decimal,
) -> Decimal:
    """cycle mean + (score − rater mean) / rater sd × cycle sd, clamped to [low, high], to 2 decimals."""
    if rater_sd <= 0:
        raise ValueError("a rater without spread cannot be normalised")
    value = cycle_mean + (score - rater_mean) / rater_sd * cycle_sd
    value = min(max(value, low), high)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def normalise(
    targets: Sequence[tuple[K, R | None, Decimal | None]],
    *,
    scores_by_rater: Mapping[R, Sequence[Score]],
    low: Decimal,
    high: Decimal,
    bands: Sequence[tuple[str, Decimal]],
    min_n: int = MIN_N,
) -> list[Normalised[K]]:
    """Each target (key, rater, score) normalised against its rater's scores and the whole cycle's.

    `scores_by_rater` holds every score of the cycle by rater (the targets' own included). A target without a
    score or a rater, or whose rater has fewer than `min_n` scores or no spread, is left as it is with a reason.
    """
    find = band_finder(bands)
    moments = {r: Moments.of(hundredths(s) for s in scores) for r, scores in scores_by_rater.items()}
    total = sum(moments.values(), Moments())
    cycle_mean, cycle_sd = total.mean_decimal(), total.sd_decimal()
    out: list[Normalised[K]] = []
    for key, rater, score in targets:
        if score is None:
            out.append(Normalised(key, None, None, None, NO_SCORE))
            continue
        own = moments.get(rater) if rater is not None else None
        if own is None or rater is None:
            out.append(Normalised(key, score, None, None, NO_RATER))
            continue
        if own.n < min_n:
            out.append(Normalised(key, score, None, None, FEW_REVIEWS))
            continue
        rater_mean, rater_sd = own.mean_decimal(), own.sd_decimal()
        assert rater_mean is not None and rater_sd is not None and cycle_mean is not None and cycle_sd is not None
        if rater_sd == 0:
            out.append(Normalised(key, score, None, None, NO_SPREAD))
            continue
        after = normalise_score(
            score,
            rater_mean=rater_mean,
            rater_sd=rater_sd,
            cycle_mean=cycle_mean,
            cycle_sd=cycle_sd,
            low=low,
            high=high,
        )
        out.append(Normalised(key, score, after, find(after)))
    return out
