"""The 360 report and section score as pure functions (hypothesis): small groups vanish from every number."""

import json
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.reviews import feedback as fb

COMPETENCIES = ("c1", "c2", "c3")


def snapshot(k=3, comment_k=3, groups=(("self", 0), ("peer", 50), ("upward", 30), ("customer", 20))):
    return {
        "scale": {"levels": [{"value": str(v)} for v in range(1, 6)], "bands": []},
        "template": {"self_weight": "0"},
        "sections": [
            {
                "key": "s9",
                "kind": "feedback",
                "title": "360度反馈",
                "title_en": "360° feedback",
                "weight": "30",
                "required": False,
                "competency_model": "m1",
                "groups": [{"kind": g, "weight": str(w)} for g, w in groups],
                "questions": [{"key": "q1", "text": "保持什么？", "text_en": "Keep?", "required": False}],
            }
        ],
        "models": {"m1": {"items": [{"competency": c, "weight": "1"} for c in COMPETENCIES]}},
        "competencies": {c: {"name": c, "name_en": c} for c in COMPETENCIES},
        "feedback": {"section": "s9", "k": k, "comment_k": comment_k},
    }


rating = st.sampled_from(["1", "2", "3", "4", "5", "na"])


@st.composite
def responses(draw):
    """Up to six responses per anonymous group, each rating or passing on each competency, with a comment."""
    out = []
    key = 1
    for group in fb.ANONYMOUS_GROUPS:
        for _ in range(draw(st.integers(0, 6))):
            ratings = {f"s9:{c}": draw(rating) for c in COMPETENCIES}
            answers = {"s9:q1": f"COMMENT-{group}-{key}"} if draw(st.booleans()) else {}
            out.append(fb.Response(key, group, {"ratings": ratings, "answers": answers}))
            key += 1
    out.append(fb.Response(999, "self", {"ratings": {f"s9:{c}": "4" for c in COMPETENCIES}}))
    return out


def usable(group, rs):
    return [r for r in rs if r.group == group and any(v != "na" for v in r.answers["ratings"].values())]


@settings(max_examples=200, deadline=None)
@given(rs=responses(), k=st.integers(3, 5))
def test_a_group_below_k_appears_in_no_number_and_no_comment_of_the_report(rs, k):
    report = fb.report(snapshot(k=k, comment_k=k), model_key="", responses=rs, asked={}, salt=b"s")
    assert report is not None
    text = json.dumps(report, ensure_ascii=False)
    for group in fb.ANONYMOUS_GROUPS:
        entry = next(g for g in report["groups"] if g["group"] == group)
        if len(usable(group, rs)) >= k:
            assert entry["shown"] and entry["answered"] == len(usable(group, rs))
            continue
        assert not entry["shown"] and entry["score"] is None and entry["answered"] is None
        assert all(group not in row["groups"] for row in report["competencies"])
        assert f"COMMENT-{group}-" not in text
        assert group in report["dropped"]


@settings(max_examples=200, deadline=None)
@given(rs=responses())
def test_others_are_the_mean_of_the_shown_groups_only(rs):
    report = fb.report(snapshot(), model_key="", responses=rs, asked={}, salt=b"s")
    assert report is not None
    shown = [g for g in fb.ANONYMOUS_GROUPS if len(usable(g, rs)) >= 3]
    for row in report["competencies"]:
        values = [
            Decimal(r.answers["ratings"][f"s9:{row['key']}"])
            for g in shown
            for r in usable(g, rs)
            if r.answers["ratings"][f"s9:{row['key']}"] != "na"
        ]
        if row["others"] is not None:
            expected = (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert Decimal(row["others"]) == expected


@settings(max_examples=200, deadline=None)
@given(rs=responses())
def test_no_rater_key_reaches_the_report(rs):
    report = fb.report(snapshot(), model_key="", responses=rs, asked={}, salt=b"s")
    text = json.dumps(report)
    assert '"key": 999' not in text and "999" not in text


def test_comments_come_in_the_same_order_every_time_and_not_in_submission_order():
    rs = [fb.Response(i, "peer", {"ratings": {"s9:c1": "3"}, "answers": {"s9:q1": f"第{i}条"}}) for i in range(1, 9)]
    first = fb.report(snapshot(), model_key="", responses=rs, asked={}, salt=b"secret")
    again = fb.report(snapshot(), model_key="", responses=list(reversed(rs)), asked={}, salt=b"secret")
    assert first is not None and again is not None
    texts = first["comments"][0]["groups"][0]["texts"]
    assert texts == again["comments"][0]["groups"][0]["texts"]
    assert texts != [f"第{i}条" for i in range(1, 9)]


def test_comments_need_comment_k_writers_in_the_group():
    rs = [fb.Response(i, "peer", {"ratings": {"s9:c1": "3"}, "answers": {}}) for i in range(1, 6)]
    rs[0] = fb.Response(1, "peer", {"ratings": {"s9:c1": "3"}, "answers": {"s9:q1": "唯一的评语"}})
    report = fb.report(snapshot(), model_key="", responses=rs, asked={}, salt=b"s")
    assert report is not None
    assert report["comments"][0]["groups"] == []


def test_a_competency_few_peers_rated_is_hidden_when_it_could_be_read_off_the_others():
    # Five peers rate c1 and c2; only two rate c3: c3's peer cell is below k and hidden; the overall peer score
    # minus c1 and c2 would give c3 away, so one more cell goes (complementary suppression).
    rs = [
        fb.Response(
            i, "peer", {"ratings": {"s9:c1": "4", "s9:c2": "3", "s9:c3": "1" if i <= 2 else "na"}, "answers": {}}
        )
        for i in range(1, 6)
    ]
    report = fb.report(snapshot(), model_key="", responses=rs, asked={}, salt=b"s")
    assert report is not None
    peer_cells = {row["key"]: row["groups"].get("peer") for row in report["competencies"]}
    assert peer_cells["c3"] is None
    assert sum(v is None for v in peer_cells.values()) >= 2
    assert next(g for g in report["groups"] if g["group"] == "peer")["score"] is not None


def test_the_section_score_spreads_a_hidden_group_over_the_shown_ones():
    rs = [fb.Response(i, "peer", {"ratings": {f"s9:{c}": "4" for c in COMPETENCIES}}) for i in range(1, 4)]
    rs += [fb.Response(10 + i, "upward", {"ratings": {f"s9:{c}": "2" for c in COMPETENCIES}}) for i in range(2)]
    snap = snapshot()
    part = fb.section_score(snap, snap["sections"][0], model_key="", responses=rs)
    assert part["score"] == Decimal("4.00")
    assert part["dropped"] == ["upward", "customer"]


@settings(max_examples=300, deadline=None)
@given(rs=responses(), k=st.integers(3, 4))
def test_what_the_report_shows_passes_the_general_subtraction_check(rs, k):
    """The grid suppression of feedback.shown_cells agrees with anonymity.differencing_problems."""
    from jixiao.reviews.anonymity import differencing_problems

    report = fb.report(snapshot(k=k), model_key="", responses=rs, asked={}, salt=b"s")
    assert report is not None
    shown = [g["group"] for g in report["groups"] if g["group"] in fb.ANONYMOUS_GROUPS and g["shown"]]

    def cells(group, competency=None):
        return frozenset(
            (r.key, f"s9:{c}")
            for r in usable(group, rs)
            for c in COMPETENCIES
            if (competency in (None, c)) and r.answers["ratings"][f"s9:{c}"] != "na"
        )

    published = {f"g:{g}": cells(g) for g in shown}
    for row in report["competencies"]:
        for group, value in row["groups"].items():
            if value is not None:
                published[f"c:{group}:{row['key']}"] = cells(group, row["key"])
        if row["others"] is not None:
            published[f"o:{row['key']}"] = frozenset().union(*(cells(g, row["key"]) for g in shown))
    assert differencing_problems(published, k) == []
