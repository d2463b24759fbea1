"""Changing a review's result after the manager's part (decision 0011): calibration pins a rating before
release, an appeal pins one or corrects section scores after it; recomputes, late submits and release respect
the pin; the batch used by normalisation is set-based."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError
from jixiao.core.testing.personas import make_employee
from jixiao.goals.testing import make_period
from jixiao.reviews import services
from jixiao.reviews.models import EvaluationKind, Review
from jixiao.reviews.services_rating import (
    band_codes,
    review_result_change,
    reviews_band_set,
    reviews_calibration_hold,
)
from jixiao.reviews.testing import (
    advance_to,
    evaluation_of,
    full_answers,
    launch,
    make_cycle,
    make_ready,
    submit,
)

pytestmark = pytest.mark.django_db

CALIBRATION = Review.OverrideSource.CALIBRATION
APPEAL = Review.OverrideSource.APPEAL


@pytest.fixture
def cycle(personas):
    """A calibration cycle of 销售部 in its calibration phase, every review ready with a score of 3.00 (B)."""
    admin = personas.admin
    cycle = make_cycle(admin, make_period(admin), departments=(personas.sales,), calibration=True)
    return make_ready(admin, launch(admin, cycle), rating="3")


def review_of(cycle, employee) -> Review:
    return Review.objects.select_related("cycle", "department").get(cycle=cycle, reviewee=employee)


@pytest.fixture
def review(cycle, personas):
    return review_of(cycle, personas.employee)


def released(cycle, personas):
    cycle = advance_to(personas.admin, cycle, "release")
    services.reviews_release(actor=personas.admin, cycle=cycle)
    return cycle


def section_key(review: Review, kind: str) -> str:
    return next(s["key"] for s in review.cycle.snapshot["sections"] if s["kind"] == kind)


def stored(review: Review) -> tuple:
    row = Review.objects.get(pk=review.pk)
    return (row.band, row.band_override, row.override_source, row.override_reason, row.corrections, row.version)


def changes() -> int:
    return AuditEvent.objects.filter(action="review.result_change").count()


# ---- review_result_change ----------------------------------------------------------------------------


def test_calibration_pins_another_rating_with_the_reason_and_keeps_the_scores_band(personas, review):
    assert (review.band, review.breakdown["band"], review.final_score) == ("B", "B", Decimal("3.00"))
    review = review_result_change(
        actor=personas.scoped_hr, review=review, reason="跨团队对比后上调", source=CALIBRATION, band="A"
    )
    row = Review.objects.get(pk=review.pk)
    assert (row.band, row.band_override, row.override_source, row.override_reason) == (
        "A",
        "A",
        "calibration",
        "跨团队对比后上调",
    )
    assert row.breakdown["band"] == "B" and row.final_score == Decimal("3.00")


def test_every_change_is_audited_with_the_result_before_and_after(personas, review):
    review_result_change(actor=personas.scoped_hr, review=review, reason="上调", source=CALIBRATION, band="A")
    event = AuditEvent.objects.get(action="review.result_change")
    assert event.actor == personas.scoped_hr and event.target_id == str(review.pk)
    assert event.before == {"final": "3.00", "band": "B"}
    assert event.after == {"final": "3.00", "band": "A", "source": "calibration", "reason": "上调"}
    assert event.scope_path == personas.east.path


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_a_change_without_a_reason_or_with_one_too_long_is_refused_and_nothing_is_written(personas, review, reason):
    before = stored(review)
    with pytest.raises(DomainError) as refused:
        review_result_change(actor=personas.scoped_hr, review=review, reason=reason, source=CALIBRATION, band="A")
    assert "reason" in refused.value.fields
    assert stored(review) == before and changes() == 0


def test_a_rating_the_cycle_does_not_have_is_refused(personas, review):
    before = stored(review)
    with pytest.raises(DomainError) as refused:
        review_result_change(actor=personas.scoped_hr, review=review, reason="上调", source=CALIBRATION, band="X")
    assert "band" in refused.value.fields and stored(review) == before and changes() == 0
    assert band_codes(review) == ["S", "A", "B", "C", "D"]


def test_a_change_needs_a_rating_or_a_corrected_section(personas, review):
    with pytest.raises(DomainError):
        review_result_change(actor=personas.scoped_hr, review=review, reason="上调", source=CALIBRATION)
    assert changes() == 0


def test_calibration_changes_only_ready_reviews_and_an_appeal_only_released_ones(personas, cycle, review):
    with pytest.raises(DomainError) as refused:
        review_result_change(actor=personas.scoped_hr, review=review, reason="申诉", source=APPEAL, band="A")
    assert refused.value.code == "illegal_transition"
    released(cycle, personas)
    review.refresh_from_db()
    assert review.state == Review.State.RELEASED
    with pytest.raises(DomainError):
        review_result_change(actor=personas.scoped_hr, review=review, reason="校准", source=CALIBRATION, band="A")
    assert changes() == 0
    review = review_result_change(actor=personas.scoped_hr, review=review, reason="申诉成立", source=APPEAL, band="A")
    assert (review.band, review.override_source) == ("A", "appeal")
    # Acknowledged or disagreed results may still be appealed.
    Review.objects.filter(pk=review.pk).update(state=Review.State.DISAGREED)
    review.refresh_from_db()
    review = review_result_change(actor=personas.scoped_hr, review=review, reason="再议", source=APPEAL, band="S")
    assert review.band == "S"


@pytest.mark.parametrize("state", [Review.State.SELF_REVIEW, Review.State.MANAGER_REVIEW, Review.State.SKIP_LEVEL])
def test_nothing_changes_a_review_before_the_manager_part_is_done(personas, review, state):
    Review.objects.filter(pk=review.pk).update(state=state)
    review.refresh_from_db()
    for source in (CALIBRATION, APPEAL):
        with pytest.raises(DomainError):
            review_result_change(actor=personas.scoped_hr, review=review, reason="x", source=source, band="A")
    assert changes() == 0


def test_moving_back_to_the_scores_band_unpins_it(personas, review):
    review = review_result_change(actor=personas.scoped_hr, review=review, reason="上调", source=CALIBRATION, band="A")
    review = review_result_change(
        actor=personas.scoped_hr, review=review, reason="回到原档", source=CALIBRATION, band="B"
    )
    row = Review.objects.get(pk=review.pk)
    assert (row.band, row.band_override, row.override_reason) == ("B", "", "回到原档")


def test_corrections_rescore_the_review_and_show_the_computed_score_beside_the_reason(personas, cycle):
    released(cycle, personas)
    review = review_of(cycle, personas.employee)
    key = section_key(review, "competencies")
    review = review_result_change(
        actor=personas.scoped_hr,
        review=review,
        reason="能力评分未考虑项目成果",
        source=APPEAL,
        corrections={key: Decimal("4.5")},
    )
    row = Review.objects.get(pk=review.pk)
    section = next(s for s in row.breakdown["sections"] if s["key"] == key)
    assert section["corrected_from"] == "3.00" and section["correction_reason"] == "能力评分未考虑项目成果"
    assert Decimal(section["score"]) == Decimal("4.5")
    # The other sections have no score (nothing to measure): the competencies carry the whole weight.
    assert row.final_score == Decimal("4.50") and row.breakdown["band"] == "S" and row.band == "S"
    assert row.band_override == "" and row.corrections == {key: {"score": "4.5", "reason": "能力评分未考虑项目成果"}}
    assert (AuditEvent.objects.get(action="review.result_change").after or {})["final"] == "4.50"


def test_corrections_with_a_band_pin_the_band_over_the_new_score(personas, cycle):
    released(cycle, personas)
    review = review_of(cycle, personas.employee)
    key = section_key(review, "competencies")
    review = review_result_change(
        actor=personas.scoped_hr, review=review, reason="更正", source=APPEAL, band="A", corrections={key: Decimal(4)}
    )
    row = Review.objects.get(pk=review.pk)
    assert (row.breakdown["band"], row.band, row.band_override) == ("A", "A", "")  # 4.00 is an A: nothing to pin
    review = review_result_change(
        actor=personas.scoped_hr, review=row, reason="更正", source=APPEAL, band="S", corrections={key: Decimal(4)}
    )
    assert (review.breakdown["band"], review.band, review.band_override) == ("A", "S", "S")


@pytest.mark.parametrize("score", [Decimal("0.5"), Decimal("5.5"), Decimal(-1)])
def test_a_correction_off_the_scale_is_refused_and_nothing_is_written(personas, cycle, score):
    released(cycle, personas)
    review = review_of(cycle, personas.employee)
    key = section_key(review, "competencies")
    before = (*stored(review), Review.objects.get(pk=review.pk).breakdown)
    with pytest.raises(DomainError) as refused:
        review_result_change(
            actor=personas.scoped_hr, review=review, reason="更正", source=APPEAL, corrections={key: score}
        )
    assert f"correction:{key}" in refused.value.fields
    assert (*stored(review), Review.objects.get(pk=review.pk).breakdown) == before and changes() == 0


def test_a_correction_of_an_unscored_or_unknown_section_is_refused(personas, cycle):
    released(cycle, personas)
    review = review_of(cycle, personas.employee)
    questions = section_key(review, "questions")
    with pytest.raises(DomainError) as refused:
        review_result_change(
            actor=personas.scoped_hr,
            review=review,
            reason="更正",
            source=APPEAL,
            corrections={questions: Decimal(4), "s999": Decimal(4)},
        )
    assert set(refused.value.fields) == {f"correction:{questions}", "correction:s999"}
    assert changes() == 0 and Review.objects.get(pk=review.pk).corrections == {}


# ---- what keeps a pinned rating ---------------------------------------------------------------------


def test_a_recompute_keeps_a_pinned_band_while_the_scores_band_follows_new_thresholds(personas, cycle, review):
    review_result_change(actor=personas.scoped_hr, review=review, reason="上调", source=CALIBRATION, band="A")
    bands = [
        ("S", Decimal("4.5")),
        ("A", Decimal("3.8")),
        ("B", Decimal("3.2")),
        ("C", Decimal("2")),
        ("D", Decimal(0)),
    ]
    services.cycle_scoring_update(actor=personas.admin, cycle=cycle, bands=bands, self_weight=0, version=cycle.version)
    row = Review.objects.get(pk=review.pk)
    assert row.breakdown["band"] == "C" and row.band == "A" and row.band_override == "A"
    peer = review_of(cycle, personas.peer)  # not pinned: follows the thresholds
    assert peer.band == "C"


def test_a_recompute_keeps_corrections(personas, cycle):
    released(cycle, personas)
    review = review_of(cycle, personas.employee)
    key = section_key(review, "competencies")
    review_result_change(
        actor=personas.scoped_hr, review=review, reason="更正", source=APPEAL, corrections={key: Decimal(4)}
    )
    cycle.refresh_from_db()
    bands = [("S", Decimal("4.5")), ("A", Decimal("4.2")), ("B", Decimal("3")), ("C", Decimal("2")), ("D", Decimal(0))]
    services.cycle_scoring_update(actor=personas.admin, cycle=cycle, bands=bands, self_weight=0, version=cycle.version)
    row = Review.objects.get(pk=review.pk)
    section = next(s for s in row.breakdown["sections"] if s["key"] == key)
    assert section["score"].startswith("4") and section["corrected_from"] == "3.00"
    assert row.final_score == Decimal("4.00") and row.band == "B"


def test_a_late_manager_submit_keeps_a_pinned_band(personas):
    admin = personas.admin
    cycle = launch(admin, make_cycle(admin, make_period(admin), departments=(personas.sales,), calibration=True))
    cycle = advance_to(admin, cycle, "calibration")
    review = review_of(cycle, personas.employee)
    # A pin set while the manager's part was still open (the state machine never gets there; the save must not
    # drop one whatever the path).
    Review.objects.filter(pk=review.pk).update(
        state=Review.State.MANAGER_REVIEW, band_override="S", override_source="calibration", override_reason="r"
    )
    review.refresh_from_db()
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="3"))
    row = Review.objects.get(pk=review.pk)
    assert row.final_score == Decimal("3.00") and row.breakdown["band"] == "B" and row.band == "S"


def test_a_manager_may_still_submit_during_calibration(personas):
    admin = personas.admin
    cycle = launch(admin, make_cycle(admin, make_period(admin), departments=(personas.sales,), calibration=True))
    cycle = advance_to(admin, cycle, "calibration")
    review = review_of(cycle, personas.employee)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating="4"))
    assert Review.objects.get(pk=review.pk).state == Review.State.READY


def test_release_leaves_held_reviews_until_the_hold_is_lifted(personas, cycle, review):
    assert reviews_calibration_hold(review_ids=[review.pk], hold=True) == 1
    cycle = advance_to(personas.admin, cycle, "release")
    ready = Review.objects.filter(cycle=cycle, state=Review.State.READY).count()
    assert services.reviews_release(actor=personas.admin, cycle=cycle) == ready - 1
    assert Review.objects.get(pk=review.pk).state == Review.State.READY
    reviews_calibration_hold(review_ids=[review.pk], hold=False)
    assert services.reviews_release(actor=personas.admin, cycle=cycle) == 1
    assert Review.objects.get(pk=review.pk).state == Review.State.RELEASED


# ---- reviews_band_set (normalisation, many at once) ------------------------------------------------


def big_cycle(personas, size: int):
    admin = personas.admin
    people = [make_employee(f"员工{i}", personas.east, manager=personas.manager) for i in range(size)]
    cycle = make_cycle(admin, make_period(admin), departments=(personas.east,), calibration=True)
    cycle = launch(admin, cycle)
    reviews = list(Review.objects.filter(cycle=cycle, reviewee__in=people))
    return make_ready(admin, cycle, reviews, rating="3"), reviews


@pytest.mark.parametrize("size", [3, 15])
def test_band_set_runs_the_same_queries_and_one_batched_audit_insert_whatever_the_number(personas, size):
    _cycle, reviews = big_cycle(personas, size)
    bands = {r.pk: ("A" if i % 2 else "C") for i, r in enumerate(reviews)}
    with CaptureQueriesContext(connection) as queries:
        moved = reviews_band_set(
            actor=personas.scoped_hr,
            bands=bands,
            reasons=dict.fromkeys(bands, "按评分人尺度差异调整"),
            source=CALIBRATION,
        )
    assert moved == size
    inserts = [q for q in queries.captured_queries if "audit_auditevent" in q["sql"].lower()]
    assert len(inserts) == 1
    # 1 read, 1 executemany UPDATE, 1 audit insert, plus the savepoint pair of the atomic block.
    assert len(queries.captured_queries) <= 5
    rows = {r.pk: r for r in Review.objects.filter(pk__in=bands)}
    assert all(rows[pk].band == band and rows[pk].band_override == band for pk, band in bands.items())
    assert all(rows[pk].override_reason == "按评分人尺度差异调整" for pk in bands)
    assert changes() == size


def test_band_set_to_the_scores_band_unpins_and_unchanged_ones_are_not_audited(personas, cycle):
    reviews = list(Review.objects.filter(cycle=cycle, state=Review.State.READY).order_by("pk"))
    first, second = reviews[0], reviews[1]
    review_result_change(actor=personas.scoped_hr, review=first, reason="上调", source=CALIBRATION, band="A")
    moved = reviews_band_set(
        actor=personas.scoped_hr,
        bands={first.pk: "B", second.pk: "B"},
        reasons={first.pk: "回到原档", second.pk: "维持"},
        source=CALIBRATION,
    )
    assert moved == 1 and changes() == 2
    assert Review.objects.get(pk=first.pk).band_override == ""


@pytest.mark.parametrize("problem", ["reason", "band", "state", "missing"])
def test_band_set_refuses_all_together_and_writes_nothing(personas, cycle, problem):
    reviews = list(Review.objects.filter(cycle=cycle, state=Review.State.READY).order_by("pk"))
    bands = {r.pk: "A" for r in reviews}
    reasons = {r.pk: "调整" for r in reviews}
    last = reviews[-1].pk
    if problem == "reason":
        reasons[last] = " "
    elif problem == "band":
        bands[last] = "Z"
    elif problem == "state":
        Review.objects.filter(pk=last).update(state=Review.State.RELEASED)
    else:
        bands[999_999] = "A"
    before = sorted(Review.objects.filter(cycle=cycle).values_list("pk", "band", "band_override", "version"))
    with pytest.raises(DomainError):
        reviews_band_set(actor=personas.scoped_hr, bands=bands, reasons=reasons, source=CALIBRATION)
    assert sorted(Review.objects.filter(cycle=cycle).values_list("pk", "band", "band_override", "version")) == before
    assert changes() == 0


def test_band_set_of_nothing_does_nothing(personas):
    assert reviews_band_set(actor=personas.scoped_hr, bands={}, reasons={}, source=CALIBRATION) == 0


def test_the_manager_form_of_a_pinned_review_is_closed(personas, review):
    evaluation = evaluation_of(review, EvaluationKind.MANAGER)
    review_result_change(actor=personas.scoped_hr, review=review, reason="上调", source=CALIBRATION, band="A")
    with pytest.raises(DomainError):
        services.evaluation_save(
            actor=personas.manager.user, evaluation=evaluation, answers={}, version=evaluation.version, submit=True
        )
    assert Review.objects.get(pk=review.pk).band == "A"
