"""The 360 section from plain answers: group scores, the section score and the report, anonymity applied.

Pure like breakdown.py: no ORM, no settings. Every number a reviewee or her managers can see about the
anonymous groups (peers, direct reports, customers) comes out of `report()` or `section_score()`, and both
apply decision 0009 here, once:

- an anonymous group with fewer than k usable responses is left out of everything — its scores, its
  comments, "others" and the section score (whose weight then goes to the shown groups);
- what is left is passed through `anonymity.suppress()`, which hides per-competency cells that a reader
  could otherwise subtract her way to (a competency few peers rated, read off the peers' overall score);
- comments come in a stable order keyed by a secret (not submission order), per question and group, and
  only from groups with at least comment_k commenters; no response key, rater or time leaves this module.

A `Response` is one submitted evaluation of the section: its key (the evaluation id, used to tell raters
apart and to seed the comment order), its group and its answers ({"ratings": {"s9:c7": "4" | "na"},
"answers": {"s9:q3": "…"}}). Self and manager answers come in as responses of the groups "self" and
"manager": they are identified, so they are shown whenever they exist.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import anonymity, scoring
from .breakdown import competency_items, dec

NA = "na"  # "not able to judge": an anonymous rater may leave a competency unrated this way
ANONYMOUS_GROUPS = ("peer", "upward", "customer")
IDENTIFIED_GROUPS = ("self", "manager")
GROUP_ORDER = ("self", "manager", "peer", "upward", "customer")
DEFAULT_K = anonymity.MIN_K


@dataclass(frozen=True)
class Response:
    key: int
    group: str
    answers: Mapping[str, Any]


def section_of(snapshot: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The cycle's 360 section, if its template has one."""
    return next((s for s in snapshot.get("sections", []) if s["kind"] == "feedback"), None)


def thresholds(snapshot: Mapping[str, Any]) -> tuple[int, int]:
    """(k, comment_k) frozen at launch; never below 3 whatever the snapshot says."""
    settings = snapshot.get("feedback") or {}
    k = anonymity.effective_k(int(settings.get("k", DEFAULT_K)))
    return k, anonymity.effective_k(int(settings.get("comment_k", k)))


def fields_of(
    snapshot: Mapping[str, Any], section: Mapping[str, Any], model_key: str
) -> list[tuple[str, str, Decimal]]:
    """(field, competency key, weight) for every competency the section rates on this review."""
    return [
        (f"{section['key']}:{item['competency']}", item["competency"], dec(item.get("weight")) or Decimal(1))
        for item in competency_items(snapshot, section, model_key)
    ]


def rater_mean(answers: Mapping[str, Any] | None, fields: Sequence[tuple[str, str, Decimal]]) -> Decimal | None:
    """One rater's weighted mean over the competencies she rated ("na" and blanks left out); None if none."""
    if not answers:
        return None
    ratings = answers.get("ratings") or {}
    pairs = []
    for field, _competency, weight in fields:
        value = dec(ratings.get(field)) if ratings.get(field) != NA else None
        if value is not None:
            pairs.append((value, weight))
    if not pairs:
        return None
    total = sum((w for _, w in pairs), Decimal(0))
    if total == 0:
        return scoring.mean([v for v, _ in pairs])
    return scoring._q(sum((v * w for v, w in pairs), Decimal(0)) / total)


def _usable(responses: Sequence[Response], fields: Sequence[tuple[str, str, Decimal]]) -> dict[str, list[Response]]:
    """Responses with at least one rating, by group."""
    out: dict[str, list[Response]] = {}
    for r in responses:
        if rater_mean(r.answers, fields) is not None:
            out.setdefault(r.group, []).append(r)
    return out


def _shown_groups(section: Mapping[str, Any], usable: Mapping[str, list[Response]], k: int) -> set[str]:
    """Groups of the section whose numbers may be shown: identified ones that answered, anonymous ones with ≥ k."""
    shown = set()
    for group in (g["kind"] for g in section.get("groups", [])):
        n = len(usable.get(group, []))
        if (group in IDENTIFIED_GROUPS and n) or (group in ANONYMOUS_GROUPS and n >= k):
            shown.add(group)
    return shown


def _group_scores(
    usable: Mapping[str, list[Response]], shown: set[str], fields: Sequence[tuple[str, str, Decimal]]
) -> dict[str, Decimal]:
    out = {}
    for group in shown:
        value = scoring.mean([m for r in usable[group] if (m := rater_mean(r.answers, fields)) is not None])
        if value is not None:
            out[group] = value
    return out


def section_score(
    snapshot: Mapping[str, Any], section: Mapping[str, Any], *, model_key: str, responses: Sequence[Response]
) -> dict[str, Any]:
    """The section's score and each group's part, as stored in the review's breakdown (no counts, no raters)."""
    k, _comment_k = thresholds(snapshot)
    fields = fields_of(snapshot, section, model_key)
    usable = _usable(responses, fields)
    shown = _shown_groups(section, usable, k)
    scores = _group_scores(usable, shown, fields)
    groups = [(g["kind"], dec(g.get("weight")) or Decimal(0)) for g in section.get("groups", [])]
    blend = scoring.group_blend([scoring.GroupInput(g, w, scores.get(g)) for g, w in groups])
    effective = dict(blend.effective)
    return {
        "score": blend.score,
        "groups": [
            {
                "group": g,
                "weight": str(w),
                "effective_weight": str(effective.get(g, Decimal(0))),
                "score": None if g not in scores else str(scores[g]),
            }
            for g, w in groups
        ],
        "dropped": list(blend.dropped),
    }


def _order_key(salt: bytes, response: Response, question: str) -> str:
    return hmac.new(salt, f"{response.key}:{question}".encode(), hashlib.sha256).hexdigest()


def report(
    snapshot: Mapping[str, Any],
    *,
    model_key: str,
    responses: Sequence[Response],
    asked: Mapping[str, int],
    salt: bytes,
) -> dict[str, Any] | None:
    """The 360 report of one review as plain data a page, the API, a PDF or an export can show as it is.

    `asked` is how many were asked per anonymous group (requests not declined); it is shown only beside an
    answered count of at least k. None when the cycle has no 360 section.
    """
    section = section_of(snapshot)
    if section is None:
        return None
    k, comment_k = thresholds(snapshot)
    fields = fields_of(snapshot, section, model_key)
    usable = _usable(responses, fields)
    shown = _shown_groups(section, usable, k)
    anonymous_shown = [g for g in ANONYMOUS_GROUPS if g in shown]

    allowed = shown_cells(
        {
            (group, field): {r.key for r in usable[group] if _rated(r, field)}
            for group in anonymous_shown
            for field, _c, _w in fields
        },
        groups=anonymous_shown,
        fields=[field for field, _c, _w in fields],
        k=k,
    )

    scored = section_score(snapshot, section, model_key=model_key, responses=responses)
    by_group = {g["group"]: g for g in scored["groups"]}
    lo, hi = _scale_span(snapshot)
    gap_threshold = (hi - lo) / 4

    def cell_mean(group: str, field: str) -> Decimal | None:
        values = [v for r in usable.get(group, []) if (v := _value(r, field)) is not None]
        return scoring.mean(values) if values else None

    competencies = []
    for field, competency, _w in fields:
        info = snapshot.get("competencies", {}).get(competency, {})
        row: dict[str, Any] = {
            "key": competency,
            "name": info.get("name", competency),
            "name_en": info.get("name_en", ""),
            "groups": {},
        }
        for group in IDENTIFIED_GROUPS:
            row[group] = _text(cell_mean(group, field)) if group in shown else None
        for group in anonymous_shown:
            row["groups"][group] = _text(cell_mean(group, field)) if (group, field) in allowed else None
        others: Decimal | None = None
        if field in allowed:
            values = [v for g in anonymous_shown for r in usable[g] if (v := _value(r, field)) is not None]
            others = scoring.mean(values) if values else None
        row["others"] = _text(others)
        own = dec(row["self"])
        gap = None if own is None or others is None else scoring._q(own - others)
        row["gap"] = _text(gap)
        row["flag"] = "" if gap is None or abs(gap) < gap_threshold else "blind_spot" if gap > 0 else "hidden_strength"
        competencies.append(row)

    groups = []
    for g in section.get("groups", []):
        group = g["kind"]
        entry = dict(by_group[group], shown=group in shown)
        if group in ANONYMOUS_GROUPS:
            entry["answered"] = len(usable[group]) if group in shown else None
            entry["asked"] = asked.get(group) if group in shown else None
            # Whether anyone was asked at all is no secret (the reviewee chose her peers, knows her reports).
            entry["asked_any"] = bool(asked.get(group))
        groups.append(entry)

    comments = []
    for question in section.get("questions", []):
        field = f"{section['key']}:{question['key']}"
        blocks = []
        for group in GROUP_ORDER:
            if group not in shown:
                continue
            writers = [r for r in usable[group] if str((r.answers.get("answers") or {}).get(field, "")).strip()]
            if group in ANONYMOUS_GROUPS and len(writers) < comment_k:
                continue
            writers.sort(key=lambda r: _order_key(salt, r, question["key"]))
            texts = [str(r.answers["answers"][field]).strip() for r in writers]
            if texts:
                blocks.append({"group": group, "texts": texts})
        comments.append(
            {"key": question["key"], "text": question["text"], "text_en": question.get("text_en", ""), "groups": blocks}
        )

    return {
        "section": {"key": section["key"], "title": section["title"], "title_en": section.get("title_en", "")},
        "k": k,
        "comment_k": comment_k,
        "score": _text(scored["score"]),
        "dropped": scored["dropped"],
        "groups": groups,
        "competencies": competencies,
        "comments": comments,
        "scale": {"min": str(lo), "max": str(hi)},
    }


def shown_cells(
    blocks: Mapping[tuple[str, str], set[int]], *, groups: Sequence[str], fields: Sequence[str], k: int
) -> set[Any]:
    """Which per-competency numbers of the shown anonymous groups may be published (decision 0009).

    The report publishes, over a grid of blocks (a group's answers on one competency): each group's overall
    score (a row, always — the group has k raters), each block, and "others" per competency (a column over the
    shown groups). Rows and columns always overlap, so the only subtractions a reader can make are a row minus
    its shown blocks and a column minus its shown blocks; each remainder (the hidden blocks of that row or
    column) must hold no rater or at least k. Blocks below k are hidden first; then, while a remainder is too
    small, the smallest shown block of that row or column is hidden too (complementary suppression). This is
    `anonymity.suppress` specialised to the grid — exact, and linear where the general search is exponential;
    test_feedback_report checks the result against anonymity.differencing_problems.

    Returns the shown blocks as (group, field) and the shown columns as field.
    """
    k = anonymity.effective_k(k)
    shown: set[tuple[str, str]] = {key for key, raters_ in blocks.items() if len(raters_) >= k}
    columns = {f for f in fields if len(set().union(*(blocks.get((g, f), set()) for g in groups))) >= k}

    def filled(keys: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        return [key for key in keys if blocks.get(key)]

    # A group that rated one competency only: that block *is* the group's overall score, shown anyway.
    pinned = {row[0] for g in groups if len(row := filled([(g, f) for f in fields])) == 1}

    def hidden_raters(keys: Sequence[tuple[str, str]]) -> int:
        return len(set().union(*(blocks[key] for key in keys if key not in shown)))

    def hide_smallest(keys: Sequence[tuple[str, str]]) -> bool:
        candidates = [key for key in keys if key in shown and key not in pinned]
        if not candidates:
            return False
        shown.discard(min(candidates, key=lambda key: (len(blocks[key]), fields.index(key[1]), key[0])))
        return True

    changed = True
    while changed:
        changed = False
        for group in groups:
            row = [(group, f) for f in fields if (group, f) in blocks]
            if 0 < hidden_raters(row) < k:
                changed = hide_smallest(row) or changed
        for field in sorted(columns, key=fields.index):
            column = [(g, field) for g in groups if (g, field) in blocks]
            if 0 < hidden_raters(column) < k:
                if not hide_smallest(column):
                    columns.discard(field)
                changed = True
    # A column answered by one group only is that group's block: shown only with it (else a reader subtracts
    # the column from the group's overall score in place of the hidden block).
    for field in list(columns):
        only = filled([(g, field) for g in groups])
        if len(only) == 1 and only[0] not in shown:
            columns.discard(field)
    return {*shown, *columns}


def _rated(response: Response, field: str) -> bool:
    return _value(response, field) is not None


def _value(response: Response, field: str) -> Decimal | None:
    raw = (response.answers.get("ratings") or {}).get(field)
    return None if raw in (None, "", NA) else dec(raw)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _scale_span(snapshot: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    values = [Decimal(str(level["value"])) for level in snapshot["scale"]["levels"]]
    return (min(values), max(values)) if values else (Decimal(1), Decimal(5))
