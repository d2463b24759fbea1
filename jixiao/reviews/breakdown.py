"""A whole review's score from plain values: the cycle's frozen snapshot, the items and the raters' answers.

Pure like scoring.py (no ORM, no settings), so recomputing 10,000 reviews is a loop over dicts and
the employee's "why is my score 3.6?" is exactly what this returns. The snapshot's shape is written
by services.cycle_snapshot():

    {"scale": {"min", "max", "levels": [{"value", ...}], "bands": [{"code", "threshold", ...}]},
     "template": {"self_weight": "20", ...},
     "attainment": {"table": [["1.2", 5], ...], "floor": 1},
     "sections": [{"key", "kind", "title", "title_en", "weight", "required", "competency_model", "questions"}],
     "competencies": {"c7": {"name", ...}}, "models": {"m3": {"items": [{"competency": "c7", "weight": "1"}]}}}

Answers (Evaluation.answers): {"ratings": {"s2:c7": "4"}, "overrides": {"s1": {"score": "3.5", "reason": "…"}}, …}.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from jixiao.goals.scoring import ScoringError

from . import scoring

RATED_KINDS = ("competencies",)
AUTOMATIC_KINDS = ("kpi", "goals")
UNSCORED_KINDS = ("questions",)
FEEDBACK_KIND = "feedback"
# Raters who answer only the 360 section, anonymously (decision 0009); "na" is a valid rating for them.
ANONYMOUS_RATERS = ("peer", "upward", "customer")
NOT_ABLE_TO_JUDGE = "na"


_DECIMALS: dict[str, Decimal] = {}


def dec(value: object) -> Decimal | None:
    """A Decimal from a stored string or number; None for blanks (ratings repeat: parsed strings are kept)."""
    if value is None or value == "":
        return None
    text = value if isinstance(value, str) else str(value)
    cached = _DECIMALS.get(text)
    if cached is not None:
        return cached
    try:
        parsed = Decimal(text)
    except InvalidOperation:
        return None
    if len(_DECIMALS) < 10_000:
        _DECIMALS[text] = parsed
    return parsed


def level_values(snapshot: Mapping[str, Any]) -> set[Decimal]:
    return {Decimal(str(level["value"])) for level in snapshot["scale"]["levels"]}


def bands_of(snapshot: Mapping[str, Any]) -> list[tuple[str, Decimal]]:
    return [(band["code"], Decimal(str(band["threshold"]))) for band in snapshot["scale"]["bands"]]


def band_codes(snapshot: Mapping[str, Any]) -> list[str]:
    """The snapshot's band codes, best first (highest threshold first)."""
    return [code for code, _t in sorted(bands_of(snapshot), key=lambda band: band[1], reverse=True)]


def attainment_table(snapshot: Mapping[str, Any]) -> tuple[list[tuple[Decimal, int]], int]:
    att = snapshot.get("attainment") or {}
    table = [(Decimal(str(t)), int(r)) for t, r in att.get("table", [])]
    return table, int(att.get("floor", 1))


def competency_items(snapshot: Mapping[str, Any], section: Mapping[str, Any], model_key: str) -> list[dict[str, Any]]:
    """The competencies a section rates for this review: the section's own model, else the reviewee's."""
    key = section.get("competency_model") or model_key
    model = snapshot.get("models", {}).get(key) if key else None
    return list(model["items"]) if model else []


def rated_items(snapshot: Mapping[str, Any], model_key: str, kind: str = "self") -> list[tuple[str, str, bool]]:
    """Every (section key, item key, required) a rater of this kind must rate or answer on this review.

    Self and manager write every section, the 360 section only when their group is one of its groups; peers,
    direct reports and customers write the 360 section alone.
    """
    out: list[tuple[str, str, bool]] = []
    for section in snapshot["sections"]:
        if section["kind"] == FEEDBACK_KIND:
            if kind in {g["kind"] for g in section.get("groups", [])}:
                out += [
                    (section["key"], item["competency"], True)
                    for item in competency_items(snapshot, section, model_key)
                ]
                out += [(section["key"], q["key"], bool(q["required"])) for q in section.get("questions", [])]
            continue
        if kind in ANONYMOUS_RATERS:
            continue
        if section["kind"] in RATED_KINDS:
            out += [
                (section["key"], item["competency"], True) for item in competency_items(snapshot, section, model_key)
            ]
        elif section["kind"] in UNSCORED_KINDS:
            out += [(section["key"], q["key"], bool(q["required"])) for q in section.get("questions", [])]
    return out


def _weighted(pairs: Sequence[tuple[Decimal, Decimal]]) -> Decimal | None:
    if not pairs:
        return None
    total = sum((w for _, w in pairs), Decimal(0))
    if total == 0:
        return scoring.mean([v for v, _ in pairs])
    return scoring._q(sum((v * w for v, w in pairs), Decimal(0)) / total)


def _rated_mean(
    answers: Mapping[str, Any] | None, section_key: str, items: Sequence[Mapping[str, Any]]
) -> Decimal | None:
    if not answers:
        return None
    ratings = answers.get("ratings", {})
    pairs = []
    for item in items:
        value = dec(ratings.get(f"{section_key}:{item['competency']}"))
        if value is not None:
            pairs.append((value, dec(item.get("weight")) or Decimal(1)))
    # A rater who left some items unrated has not finished the section: no partial means.
    if len(pairs) != len(items):
        return None
    return _weighted(pairs)


def automatic_score(snapshot: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> Decimal | None:
    """A KPI or goals section's score: each item's attainment → rating, weighted by the item's weight."""
    table, floor = attainment_table(snapshot)
    pairs = []
    for item in items:
        attainment = dec(item.get("attainment"))
        if attainment is None:
            continue
        rating = scoring.attainment_score(attainment, table=table, floor=floor) if table else Decimal(floor)
        pairs.append((rating, dec(item.get("weight")) or Decimal(0)))
    return _weighted(pairs)


def review_breakdown(
    snapshot: Mapping[str, Any],
    *,
    model_key: str,
    auto_items: Sequence[Mapping[str, Any]],
    manager: Mapping[str, Any] | None,
    self_answers: Mapping[str, Any] | None,
    feedback: Sequence[Any] = (),
    corrections: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every section's score and the final score and band, as the JSON stored on the review.

    `manager` is None until the manager submits (then nothing is scored yet); `self_answers` is None
    when there is no submitted self review (the manager's ratings then stand alone). `corrections` are
    section scores corrected on appeal ({"s1": {"score": "3.5", "reason": "…"}}, Review.corrections): they
    replace the computed score, which the section keeps as `corrected_from` beside the reason. To score many
    reviews of one cycle, build one Scorer and call it for each.
    """
    return Scorer(snapshot).score(
        model_key=model_key,
        auto_items=auto_items,
        manager=manager,
        self_answers=self_answers,
        feedback=feedback,
        corrections=corrections,
    )


class Scorer:
    """review_breakdown for the reviews of one cycle: the snapshot is read once, each review is then a few loops."""

    def __init__(self, snapshot: Mapping[str, Any]):
        self.snapshot = snapshot
        self.self_weight = (dec(snapshot["template"].get("self_weight")) or Decimal(0)) / 100
        self.bands = sorted(bands_of(snapshot), key=lambda b: b[1], reverse=True)
        table, floor = attainment_table(snapshot)
        self.table = sorted(table, key=lambda row: row[0], reverse=True)
        self.floor = Decimal(floor)
        self.sections = [
            (s, s["key"], s["kind"], Decimal(str(s["weight"])), bool(s["required"])) for s in snapshot["sections"]
        ]
        self._competencies: dict[tuple[str, str], list[tuple[str, Decimal]]] = {}
        self._automatic_memo: dict[tuple[Any, ...], Decimal | None] = {}
        self._mean_memo: dict[tuple[Any, ...], Decimal | None] = {}
        self._final_memo: dict[tuple[scoring.SectionInput, ...], scoring.Breakdown] = {}

    def _rating(self, attainment: Decimal) -> Decimal:
        for threshold, rating in self.table:
            if attainment >= threshold:
                return Decimal(rating)
        return self.floor

    def _automatic(self, items: Sequence[Mapping[str, Any]]) -> Decimal | None:
        # Reviews of a cycle repeat the same inputs (the same ratings, the same attainments): score each once.
        key = tuple((item.get("attainment"), item.get("weight")) for item in items)
        if key in self._automatic_memo:
            return self._automatic_memo[key]
        pairs = []
        for attainment_text, weight_text in key:
            attainment = dec(attainment_text)
            if attainment is not None:
                pairs.append((self._rating(attainment), dec(weight_text) or Decimal(0)))
        result = self._automatic_memo[key] = _weighted(pairs)
        return result

    def _fields(self, section: Mapping[str, Any], model_key: str) -> list[tuple[str, Decimal]]:
        cache_key = (section["key"], model_key)
        fields = self._competencies.get(cache_key)
        if fields is None:
            fields = self._competencies[cache_key] = [
                (f"{section['key']}:{item['competency']}", dec(item.get("weight")) or Decimal(1))
                for item in competency_items(self.snapshot, section, model_key)
            ]
        return fields

    def _mean(self, answers: Mapping[str, Any] | None, fields: Sequence[tuple[str, Decimal]]) -> Decimal | None:
        if not answers:
            return None
        ratings = answers.get("ratings", {})
        key = (id(fields), *(ratings.get(field) for field, _weight in fields))
        if key in self._mean_memo:
            return self._mean_memo[key]
        pairs = []
        result: Decimal | None = None
        for (_field, weight), text in zip(fields, key[1:], strict=True):
            value = dec(text)
            if value is None:
                # A rater who left some items unrated has not finished the section: no partial means.
                break
            pairs.append((value, weight))
        else:
            result = _weighted(pairs)
        self._mean_memo[key] = result
        return result

    def score(
        self,
        *,
        model_key: str,
        auto_items: Sequence[Mapping[str, Any]],
        manager: Mapping[str, Any] | None,
        self_answers: Mapping[str, Any] | None,
        feedback: Sequence[Any] = (),
        corrections: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """`feedback`: the submitted 360 responses of peers, reports and customers (feedback.Response)."""
        sections_out: list[dict[str, Any]] = []
        inputs: list[scoring.SectionInput] = []
        overrides = (manager or {}).get("overrides", {})
        for section, key, kind, weight, required in self.sections:
            out: dict[str, Any] = {
                "key": key,
                "kind": kind,
                "title": section["title"],
                "title_en": section.get("title_en", ""),
            }
            score: Decimal | None = None
            if kind in AUTOMATIC_KINDS:
                automatic = self._automatic([i for i in auto_items if i.get("section") == key])
                out["automatic"] = None if automatic is None else str(automatic)
                override = overrides.get(key) or {}
                manual = dec(override.get("score"))
                if manager is not None:
                    reason = str(override.get("reason", ""))
                    score = scoring.overridden(automatic=automatic, manual=manual, reason=reason)
                    if manual is not None:
                        out["override_reason"] = reason
            elif kind in RATED_KINDS:
                fields = self._fields(section, model_key)
                manager_mean = self._mean(manager, fields) if manager is not None else None
                self_mean = self._mean(self_answers, fields)
                out["manager"] = None if manager_mean is None else str(manager_mean)
                out["self"] = None if self_mean is None else str(self_mean)
                score = scoring.blend(manager=manager_mean, self_rating=self_mean, self_weight=self.self_weight)
            elif kind == FEEDBACK_KIND:
                from .feedback import Response, section_score  # feedback.py builds on this module

                identified = [Response(-1, "self", self_answers or {}), Response(-2, "manager", manager or {})]
                part = section_score(self.snapshot, section, model_key=model_key, responses=[*feedback, *identified])
                out["groups"], out["dropped"] = part["groups"], part["dropped"]
                score = part["score"]
            else:
                sections_out.append(out | {"weight": "0", "effective_weight": "0", "score": None, "contribution": "0"})
                continue
            correction = (corrections or {}).get(key)
            if correction and manager is not None and dec(correction.get("score")) is not None:
                out["corrected_from"] = None if score is None else str(score)
                out["correction_reason"] = str(correction.get("reason", ""))
                score = dec(correction.get("score"))
            inputs.append(scoring.SectionInput(key, weight, score, required))
            sections_out.append(out)
        if manager is None:
            weights = {key: str(section["weight"]) for section, key, *_rest in self.sections}
            for out in sections_out:
                out.setdefault("weight", weights.get(out["key"], "0"))
            return {"sections": sections_out, "final": None, "band": "", "redistributed": False}
        memo_key = tuple(inputs)
        result = self._final_memo.get(memo_key)
        if result is None:
            result = self._final_memo[memo_key] = scoring.final_score(inputs, bands=self.bands)
        by_key = {r.key: r for r in result.sections}
        for out in sections_out:
            r = by_key.get(out["key"])
            if r is not None:
                out.update(
                    weight=str(r.weight),
                    effective_weight=str(r.effective_weight),
                    score=None if r.score is None else str(r.score),
                    contribution=str(r.contribution),
                )
        return {
            "sections": sections_out,
            "final": None if result.final is None else str(result.final),
            "band": result.band,
            "redistributed": result.redistributed,
        }


def check_answers(
    snapshot: Mapping[str, Any],
    *,
    model_key: str,
    answers: Mapping[str, Any],
    kind: str,
    submit: bool,
) -> dict[str, str]:
    """Problems with a rater's answers, keyed by field ("s2:c7", "overall", "override:s1"); empty when fine.

    Drafts are checked only for values that cannot be stored (a rating off the scale); a submission
    also needs every required rating and answer.
    """
    problems: dict[str, str] = {}
    levels = level_values(snapshot)
    lo, hi = min(levels), max(levels)
    ratings = answers.get("ratings", {})
    texts = answers.get("answers", {})
    may_pass = kind in ANONYMOUS_RATERS
    for field, value in ratings.items():
        if may_pass and value == NOT_ABLE_TO_JUDGE:
            continue
        parsed = dec(value)
        if value not in (None, "") and (parsed is None or parsed not in levels):
            problems[field] = "rating_outside_scale"
    if kind == "manager":
        for section_key, override in (answers.get("overrides") or {}).items():
            manual = dec(override.get("score"))
            if override.get("score") not in (None, "") and (manual is None or not lo <= manual <= hi):
                problems[f"override:{section_key}"] = "rating_outside_scale"
            elif manual is not None and not str(override.get("reason", "")).strip():
                problems[f"override:{section_key}"] = "override_without_reason"
    if not submit:
        return problems
    for section_key, item_key, required in rated_items(snapshot, model_key, kind):
        field = f"{section_key}:{item_key}"
        if item_key.startswith("c"):
            if may_pass and ratings.get(field) == NOT_ABLE_TO_JUDGE:
                continue
            if dec(ratings.get(field)) is None and field not in problems:
                problems[field] = "rating_required"
        elif required and not str(texts.get(field, "")).strip():
            problems[field] = "answer_required"
    if (
        not may_pass
        and snapshot["template"].get("overall_comment_required")
        and not str(answers.get("overall", "")).strip()
    ):
        problems["overall"] = "comment_required"
    return problems


def pick_model(models: Mapping[str, Mapping[str, Any]], *, family: str, level: str) -> str:
    """The competency model for a job: family and level match > family only > level only > catch-all; "" if none."""
    best, best_rank = "", 0
    for key, model in models.items():
        m_family, m_levels = model.get("job_family", ""), model.get("job_levels") or []
        if m_family and m_family != family:
            continue
        if m_levels and level not in m_levels:
            continue
        rank = (2 if m_family else 0) + (1 if m_levels else 0) + 1
        if rank > best_rank:
            best, best_rank = key, rank
    return best


__all__ = ["ScoringError", "check_answers", "dec", "pick_model", "rated_items", "review_breakdown"]
