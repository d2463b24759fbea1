"""Pure arithmetic of a calibration session: the guide, the distribution against it, the 9-box, the summary.

No ORM and no settings (decision 0011): plain band codes in, plain values out, so the rules are tested
exhaustively (hypothesis) and the session page only assembles what these return. Band codes are always
passed best first (the order of the cycle's thresholds, highest first).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# The difference between actual and guide share (in percentage points) beyond which the page flags a band.
FLAG_POINTS = Decimal(5)
HIGH, MEDIUM, LOW = "high", "medium", "low"
LEVELS: tuple[str, ...] = (HIGH, MEDIUM, LOW)  # performance rows of the 9-box, top down


def apportion(weights: Mapping[str, float | int | Decimal], total: int = 100) -> dict[str, int]:
    """Whole numbers proportional to `weights` that add up to `total` (largest remainder; ties by order)."""
    keys = list(weights)
    mass = sum(Decimal(str(w)) for w in weights.values())
    if not keys:
        return {}
    if mass <= 0:
        weights = dict.fromkeys(keys, 1)
        mass = Decimal(len(keys))
    exact = {k: Decimal(str(weights[k])) * total / mass for k in keys}
    result = {k: int(exact[k]) for k in keys}
    left = total - sum(result.values())
    by_remainder = sorted(keys, key=lambda k: (-(exact[k] - result[k]), keys.index(k)))
    for key in by_remainder[:left]:
        result[key] += 1
    return result


def default_guide(codes: Sequence[str], default: Mapping[str, int]) -> dict[str, int]:
    """The company default for a scale: bands the scale lacks are dropped and the rest rescaled to 100.

    A band of the scale the default does not name gets 0; a scale sharing no band with it is split evenly.
    """
    kept = {code: default.get(code, 0) for code in codes}
    if not any(kept.values()):
        return apportion(dict.fromkeys(codes, 1))
    return apportion(kept)


def guide_problems(guide: Mapping[str, object], codes: Sequence[str]) -> dict[str, str]:
    """Problems with a guide for these band codes, keyed by code (or "total"); empty when it is fine.

    Each band needs a whole percent from 0 to 100 and together they make 100. Codes: "required",
    "not_a_percent", "unknown_band", "total".
    """
    problems: dict[str, str] = {}
    for key in guide:
        if key not in codes:
            problems[key] = "unknown_band"
    total = 0
    for code in codes:
        value = guide.get(code)
        if value is None or value == "":
            problems[code] = "required"
            continue
        try:
            number = int(str(value).strip())
        except ValueError:
            problems[code] = "not_a_percent"
            continue
        if not 0 <= number <= 100:
            problems[code] = "not_a_percent"
            continue
        total += number
    if not problems and total != 100:
        problems["total"] = "total"
    return problems


@dataclass(frozen=True)
class BandCount:
    """One band of a session: how many people have it, their share, the guide's share, and the gap."""

    code: str
    count: int
    share: Decimal  # percent of the rated members, one decimal
    guide: int  # percent
    diff: Decimal  # share − guide, in points
    flagged: bool  # the gap is beyond ±FLAG_POINTS

    @property
    def gap(self) -> Decimal:
        """The size of the difference, without its sign (the page says above or below)."""
        return abs(self.diff)

    @property
    def direction(self) -> str:
        """ "over" or "under" the guide when flagged, else ""."""
        if not self.flagged:
            return ""
        return "over" if self.diff > 0 else "under"


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def distribution(bands: Iterable[str], codes: Sequence[str], guide: Mapping[str, int]) -> list[BandCount]:
    """Count and share per band code (best first) against the guide. Blank or unknown bands are not counted."""
    counts = Counter(b for b in bands if b in codes)
    rated = sum(counts.values())
    rows = []
    for code in codes:
        count = counts.get(code, 0)
        share = _one_decimal(Decimal(count * 100) / rated) if rated else Decimal("0.0")
        target = int(guide.get(code, 0) or 0)
        diff = share - target
        rows.append(BandCount(code, count, share, target, diff, rated > 0 and abs(diff) > FLAG_POINTS))
    return rows


def performance_levels(codes: Sequence[str]) -> dict[str, str]:
    """The 9-box performance row of each band: for five bands the top two high, the middle one medium, the
    rest low; otherwise thirds by order (two bands: high and low)."""
    n = len(codes)
    if n == 5:
        levels = [HIGH, HIGH, MEDIUM, LOW, LOW]
    elif n == 2:
        levels = [HIGH, LOW]
    else:
        levels = [LEVELS[min(2, i * 3 // n)] for i in range(n)]
    return dict(zip(codes, levels, strict=True))


def suggested_band(current: str, level: str, codes: Sequence[str]) -> str:
    """The band to propose when someone is dropped into another performance row: the nearest band of that row
    (its lowest when moving up, its highest when moving down); "" when the row has no band."""
    levels = performance_levels(codes)
    in_row = [code for code in codes if levels[code] == level]
    if not in_row:
        return ""
    if current not in levels:
        return in_row[0]
    moving_up = LEVELS.index(level) < LEVELS.index(levels[current])
    if current in in_row:
        return current
    return in_row[-1] if moving_up else in_row[0]


def direction(before: str, after: str, codes: Sequence[str]) -> str:
    """ "up", "down" or "" (the same band, or a band not on the scale)."""
    if before == after or before not in codes or after not in codes:
        return ""
    return "up" if codes.index(after) < codes.index(before) else "down"


def summary(pairs: Iterable[tuple[str, str]], codes: Sequence[str]) -> dict[str, object]:
    """What a session changed, from (band before, band after) per member: the numbers stored when it closes."""
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    members = changed = up = down = 0
    for old, new in pairs:
        members += 1
        before[old] += 1
        after[new] += 1
        if old != new and old and new:
            changed += 1
            way = direction(old, new, codes)
            up += way == "up"
            down += way == "down"
    return {
        "members": members,
        "changed": changed,
        "up": up,
        "down": down,
        "before": {code: before.get(code, 0) for code in codes},
        "after": {code: after.get(code, 0) for code in codes},
    }
