"""Reads for rater bias and normalisation (decision 0011): a fixed number of queries, then the pure bias.py.

- `cycle_scores` reads a cycle's submitted manager scores in one query (bench: `cycle_bias(cycle)`).
- `bias_panel` adds the session's members and the cycle's peer 360 ratings: per-rater rows for the raters of the
  session's members, Krippendorff's alpha over the cycle and over the session's group. Three queries.
- `normalise_preview` shows each member's rating before and after normalisation and why some stay. Three queries.

360 answers are anonymous (decision 0009): only their ratings are read, never who gave them, and a reviewee
whose submitted peer answers are fewer than the cycle's k is left out of every agreement figure, like every other
roll-up of 360 answers. Nothing here is logged.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, cast

from django.db import connections
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jixiao.goals.selectors_kpi import localised
from jixiao.reviews import breakdown as bd
from jixiao.reviews.models import Cycle, Evaluation, EvaluationKind, PhaseKind, Review
from jixiao.reviews.selectors import AFTER_MANAGER_STATES
from jixiao.reviews.selectors_pages import Band, bands_of

from . import bias
from .models import Adjustment, CalibrationSession, Member

# Beyond the pure module's reasons: why a member's rating is left as it is by the normalisation.
NOT_READY = "not_ready"
MOVED_BY_HAND = "moved_by_hand"
REASON_ORDER = (MOVED_BY_HAND, NOT_READY, bias.NO_SCORE, bias.NO_RATER, bias.FEW_REVIEWS, bias.NO_SPREAD)


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


def scale_of(snapshot: Mapping[str, Any]) -> tuple[Decimal, Decimal, list[tuple[str, Decimal]]]:
    """The scale's lowest and highest value and its bands (code, lowest score) from a cycle's snapshot."""
    scale = snapshot.get("scale") or {}
    return _dec(scale.get("min", 1)), _dec(scale.get("max", 5)), bd.bands_of(snapshot)


# ---- the cycle's manager scores --------------------------------------------------------------------------


def _raw(qs: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A values_list query's rows as the database cursor returns them, without the ORM's per-row converters.

    At 10,000 scores or 30,000 peer answers the converters cost more than the query. Decimals come back as floats
    (SQLite) or Decimal (PostgreSQL), JSON as text or already decoded: the callers take either.
    """
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def cycle_scores(cycle_id: int) -> list[tuple[int, int, bias.Score]]:
    """(review, manager, final score) of every review of the cycle its manager has submitted. One query."""
    rows = (
        Review.objects.filter(
            cycle_id=cycle_id, state__in=AFTER_MANAGER_STATES, final_score__isnull=False, manager__isnull=False
        )
        .order_by()
        .values_list("pk", "manager_id", "final_score")
    )
    return cast(list[tuple[int, int, bias.Score]], _raw(rows))  # the filter leaves no None


def by_rater(rows: Sequence[tuple[int, int, bias.Score]]) -> dict[int, list[bias.Score]]:
    grouped: dict[int, list[bias.Score]] = defaultdict(list)
    for _review, manager, score in rows:
        grouped[manager].append(score)
    return grouped


@dataclass(frozen=True)
class CycleBias:
    summary: bias.Summary
    raters: dict[int, bias.RaterStats[int]]

    @property
    def flagged(self) -> int:
        return sum(1 for s in self.raters.values() if s.flag)


def cycle_bias(cycle: Cycle, *, threshold: Decimal = Decimal("0.50")) -> CycleBias:
    """Every rater of the cycle against the others: one query, then pure Python (what the bench times)."""
    scores = by_rater(cycle_scores(cycle.pk))
    _low, _high, bands = scale_of(cycle.snapshot)
    return CycleBias(
        summary=bias.cycle_summary(scores),
        raters=bias.rater_stats(scores, bands=bands, threshold=threshold),
    )


# ---- peer agreement ------------------------------------------------------------------------------------


def peer_units(cycle: Cycle) -> dict[tuple[int, str], list[float]]:
    """The cycle's submitted peer ratings as units (review, "section:competency") → values. One query.

    Only the ratings are read (no rater, no comments); "not able to judge" and blanks are left out, and so is
    every reviewee with fewer submitted peer answers than the cycle's k.
    """
    rows = _raw(
        Evaluation.objects.filter(cycle_id=cycle.pk, kind=EvaluationKind.PEER, state=Evaluation.State.SUBMITTED)
        .order_by()
        .values_list("review_id", "answers__ratings")
    )
    answers: dict[int, int] = defaultdict(int)
    for review_id, _raw_ratings in rows:
        answers[review_id] += 1
    k = max(cycle.anonymity_k, 3)
    units: dict[tuple[int, str], list[float]] = defaultdict(list)
    parsed: dict[object, float | None] = {}  # a scale has a handful of levels: parse each once
    for review_id, raw in rows:
        if answers[review_id] < k:
            continue
        ratings = json.loads(raw) if isinstance(raw, str | bytes) else raw
        if not isinstance(ratings, dict):
            continue
        for key, value in ratings.items():
            try:
                number = parsed[value]
            except KeyError:
                number = parsed[value] = _rating(value)
            except TypeError:  # not hashable: not a rating
                continue
            if number is not None:
                units[(review_id, key)].append(number)
    return dict(units)


def _rating(value: object) -> float | None:
    """A peer's rating as a number; None for "not able to judge", blanks and anything else."""
    text = str(value).strip()
    if not text or text == bd.NOT_ABLE_TO_JUDGE:
        return None
    number = bd.dec(text)
    return None if number is None or not number.is_finite() else float(number)


@dataclass(frozen=True)
class AlphaView:
    value: float | None
    units: int
    values: int
    reviewees: int

    @property
    def level(self) -> str:
        """How to say it in words (Krippendorff's own guide: 0.8 reliable, 0.667 the least for tentative use)."""
        if self.value is None:
            return "none"
        if self.value >= 0.8:
            return "high"
        if self.value >= 0.667:
            return "moderate"
        if self.value >= 0:
            return "low"
        return "negative"


def alpha_view(units: Mapping[tuple[int, str], Sequence[float]]) -> AlphaView:
    alpha = bias.krippendorff_alpha(units)
    reviewees = len({review for (review, _key), values in units.items() if len(values) >= 2})
    return AlphaView(alpha.value, alpha.units, alpha.values, reviewees)


# ---- the bias panel --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandShare:
    band: Band
    count: int
    percent: int  # whole percentages of a row add up to 100 (a stacked bar's widths)


@dataclass(frozen=True)
class RaterRow:
    rater_id: int
    name: str
    department: str
    in_session: int  # the session's members she rated
    n: int  # the scores she gave in the whole cycle
    mean: float | None
    sd: float | None
    difference: float | None
    standardised: float | None
    others_mean: float | None
    flag: str
    shares: list[BandShare] = field(default_factory=list)

    @property
    def shares_text(self) -> str:
        """The bar's text alternative: "A 25% · B 50% · C 25%" (bands given to no one left out)."""
        return " · ".join(f"{s.band.code} {s.percent}%" for s in self.shares if s.count)

    @property
    def judged(self) -> bool:
        """Enough scores to be compared (and flagged)."""
        return self.n >= bias.MIN_N


@dataclass(frozen=True)
class BiasPanel:
    session: CalibrationSession
    threshold: Decimal
    min_n: int
    k: int
    cycle: bias.Summary
    bands: list[Band]
    rows: list[RaterRow]
    alpha_cycle: AlphaView
    alpha_session: AlphaView

    @property
    def lenient(self) -> int:
        return sum(1 for r in self.rows if r.flag == bias.LENIENT)

    @property
    def severe(self) -> int:
        return sum(1 for r in self.rows if r.flag == bias.SEVERE)


def _shares(bands: list[Band], stats: bias.RaterStats[int] | None) -> list[BandShare]:
    if stats is None:
        return []
    percents = bias.percentages([stats.shares.get(b.code, 0.0) for b in bands])
    return [BandShare(b, stats.counts.get(b.code, 0), p) for b, p in zip(bands, percents, strict=True)]


def bias_panel(session: CalibrationSession) -> BiasPanel:
    """Rater bias for the raters of the session's members, and peer agreement. Three queries, any size.

    `session` comes from the gate with its cycle loaded.
    """
    cycle = session.cycle
    threshold = Decimal(session.bias_threshold)
    scores = by_rater(cycle_scores(cycle.pk))
    _low, _high, scale_bands = scale_of(cycle.snapshot)
    stats = bias.rater_stats(scores, bands=scale_bands, threshold=threshold) if scale_bands else {}
    members = (
        Member.objects.filter(session=session, review__manager__isnull=False)
        .order_by()
        .values_list(
            "review_id",
            "review__manager_id",
            "review__manager__name",
            "review__manager__department__name",
            "review__manager__department__name_en",
        )
    )
    raters: dict[int, tuple[str, str]] = {}
    in_session: dict[int, int] = defaultdict(int)
    member_reviews: set[int] = set()
    for review_id, manager_id, name, dept, dept_en in members:
        if manager_id is None:  # the filter leaves none; the type does not know
            continue
        member_reviews.add(review_id)
        raters[manager_id] = (name, localised(dept or "", dept_en or ""))
        in_session[manager_id] += 1
    bands = bands_of(cycle.snapshot)
    rows = []
    for rater_id, (name, dept) in raters.items():
        s = stats.get(rater_id)
        rows.append(
            RaterRow(
                rater_id=rater_id,
                name=name,
                department=dept,
                in_session=in_session[rater_id],
                n=s.n if s else 0,
                mean=s.mean if s else None,
                sd=s.sd if s else None,
                difference=s.difference if s else None,
                standardised=s.standardised if s else None,
                others_mean=s.others_mean if s else None,
                flag=s.flag if s else "",
                shares=_shares(bands, s),
            )
        )
    # Most lenient first, most severe last; raters without a comparison at the end, by name.
    rows.sort(key=lambda r: (r.difference is None, -(r.difference or 0.0), r.name, r.rater_id))
    units = peer_units(cycle)
    session_units = {unit: values for unit, values in units.items() if unit[0] in member_reviews}
    return BiasPanel(
        session=session,
        threshold=threshold,
        min_n=bias.MIN_N,
        k=max(cycle.anonymity_k, 3),
        cycle=bias.cycle_summary(scores),
        bands=bands,
        rows=rows,
        alpha_cycle=alpha_view(units),
        alpha_session=alpha_view(session_units),
    )


# ---- normalisation preview --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NormaliseRow:
    review_id: int
    name: str
    language: str  # the reviewee's chosen language ("" when she has none), for the reason she will read
    rater: str
    state: str
    before_score: Decimal | None
    after_score: Decimal | None
    before: Band | None
    after: Band | None
    reason: str  # "" when normalised
    direction: str  # up | down | "" (same band, or left as it is)

    @property
    def moves(self) -> bool:
        return bool(self.direction)

    @property
    def reason_text(self) -> str:
        return reason_text(self.reason)


@dataclass(frozen=True)
class ReasonCount:
    code: str
    count: int
    text: str


@dataclass(frozen=True)
class NormalisePreview:
    session: CalibrationSession
    rows: list[NormaliseRow]
    cycle: bias.Summary
    fingerprint: str
    can_apply: bool
    blocked: str  # why it cannot be applied now, "" when it can

    @cached_property
    def moved(self) -> list[NormaliseRow]:
        return [r for r in self.rows if r.moves]

    @cached_property
    def up(self) -> int:
        return sum(1 for r in self.rows if r.direction == "up")

    @cached_property
    def down(self) -> int:
        return sum(1 for r in self.rows if r.direction == "down")

    @cached_property
    def same(self) -> int:
        return sum(1 for r in self.rows if not r.reason and not r.direction)

    @cached_property
    def left(self) -> list[ReasonCount]:
        counts: dict[str, int] = defaultdict(int)
        for r in self.rows:
            if r.reason:
                counts[r.reason] += 1
        return [ReasonCount(code, counts[code], reason_text(code)) for code in REASON_ORDER if counts.get(code)]


def reason_text(code: str) -> str:
    """Why a member stays as she is, in the reader's language."""
    texts = {
        MOVED_BY_HAND: _("Moved by hand in this session: the decision people made is kept."),
        NOT_READY: _("Not ready to calibrate: the manager's review or its approval is still open."),
        bias.NO_SCORE: _("No final score yet."),
        bias.NO_RATER: _("No manager rated this review."),
        bias.FEW_REVIEWS: _("The manager rated fewer than %(n)s people in this cycle: too few to know their scale.")
        % {"n": bias.MIN_N},
        bias.NO_SPREAD: _("The manager gave everyone the same score: there is no scale to adjust."),
    }
    return texts.get(code, "")


def blocked_reason(session: CalibrationSession) -> str:
    """Why a normalisation cannot be applied to this session now; "" when it can."""
    if session.state != CalibrationSession.State.OPEN:
        return _("This session is closed: its ratings can no longer change.")
    cycle = session.cycle
    if cycle.state != Cycle.State.ACTIVE or cycle.phase != PhaseKind.CALIBRATION:
        return _("Ratings can change only while the cycle is in its calibration phase.")
    return ""


def fingerprint(rows: Sequence[NormaliseRow]) -> str:
    """A short digest of what the preview showed: a session that changed since refuses a stale apply."""
    text = "\n".join(
        f"{r.review_id}|{r.state}|{r.before.code if r.before else ''}|{r.after.code if r.after else ''}|"
        f"{r.after_score if r.after_score is not None else ''}|{r.reason}"
        for r in sorted(rows, key=lambda r: r.review_id)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def normalise_preview(session: CalibrationSession) -> NormalisePreview:
    """Every member's score and rating before and after normalisation, and why some stay. Three queries."""
    cycle = session.cycle
    low, high, scale_bands = scale_of(cycle.snapshot)
    scores = by_rater(cycle_scores(cycle.pk))
    members = list(
        Member.objects.filter(session=session)
        .order_by()
        .values_list(
            "review_id",
            "review__reviewee__name",
            "review__reviewee__user__language",
            "review__manager_id",
            "review__manager__name",
            "review__final_score",
            "review__band",
            "review__state",
        )
    )
    by_hand = set(
        Adjustment.objects.filter(session=session, kind=Adjustment.Kind.MANUAL)
        .order_by()
        .values_list("review_id", flat=True)
        .distinct()
    )
    scored = set(AFTER_MANAGER_STATES)
    targets = [
        (review_id, manager_id, score if state in scored else None)
        for review_id, _n, _l, manager_id, _m, score, _b, state in members
    ]
    results = {
        r.key: r for r in (bias.normalise(targets, scores_by_rater=scores, low=low, high=high, bands=scale_bands))
    }
    bands = {b.code: b for b in bands_of(cycle.snapshot)}
    rank = {code: i for i, code in enumerate(bands)}  # highest first
    rows = []
    for review_id, name, language, _manager_id, manager, score, band, state in members:
        result = results[review_id]
        # A person's decision first, then what the review's state allows, then what the statistics allow.
        reason = MOVED_BY_HAND if review_id in by_hand else NOT_READY if state != Review.State.READY else result.reason
        after = bands.get(result.band or "") if not reason else None
        direction = ""
        if after is not None and band in rank and after.code != band:
            direction = "up" if rank[after.code] < rank[band] else "down"
        rows.append(
            NormaliseRow(
                review_id=review_id,
                name=name,
                language=language or "",
                rater=manager or "",
                state=state,
                before_score=score if state in scored else None,
                after_score=result.after if not reason else None,
                before=bands.get(band),
                after=after,
                reason=reason,
                direction=direction,
            )
        )
    # Who moves first, then who stays in her band, then who is left as she is; by manager within each.
    rows.sort(key=lambda r: (0 if r.direction else 2 if r.reason else 1, r.rater, r.name, r.review_id))
    blocked = blocked_reason(session)
    return NormalisePreview(
        session=session,
        rows=rows,
        cycle=bias.cycle_summary(scores),
        fingerprint=fingerprint(rows),
        can_apply=not blocked and any(r.moves for r in rows),
        blocked=blocked,
    )
