"""The review state machine, phases, bad input, scores from KPIs and goals, reassignment, release, acknowledgement."""

from decimal import Decimal

import pytest

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.goals.models import GoalPlan, Objective
from jixiao.goals.services import goal_plan_decide, goal_plan_submit
from jixiao.goals.services_kpi import kpi_actual_record
from jixiao.goals.testing import make_indicator, make_kpi_target, make_objective, make_period
from jixiao.reviews import services
from jixiao.reviews.models import Evaluation, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle, make_template, submit

pytestmark = pytest.mark.django_db
MANAGER = EvaluationKind.MANAGER


@pytest.fixture
def period(personas):
    return make_period(personas.admin)


@pytest.fixture
def cycle(personas, period):
    return launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.east,), skip_level=True))


def review_of(cycle, employee):
    return Review.objects.select_related("cycle__period", "reviewee__user", "manager__user", "department").get(
        cycle=cycle, reviewee=employee
    )


def test_submitting_a_self_review_twice_is_refused(cycle, personas):
    review = review_of(cycle, personas.employee)
    submit(personas.employee.user, review)
    with pytest.raises(DomainError, match="already been submitted"):
        submit(personas.employee.user, review_of(cycle, personas.employee))


def test_a_self_review_missing_a_required_rating_is_refused_and_nothing_moves(cycle, personas):
    review = review_of(cycle, personas.employee)
    answers = full_answers(review)
    answers["ratings"].popitem()
    with pytest.raises(DomainError) as caught:
        submit(personas.employee.user, review, **answers)
    assert list(caught.value.fields.values()) == [["Rate this before submitting."]]
    assert review_of(cycle, personas.employee).state == Review.State.SELF_REVIEW
    assert evaluation_of(review, "self").state == Evaluation.State.PENDING


def test_a_rating_outside_the_scale_is_refused_even_in_a_draft(cycle, personas):
    review = review_of(cycle, personas.employee)
    evaluation = evaluation_of(review, "self")
    answers = full_answers(review, rating="7")
    with pytest.raises(DomainError):
        services.evaluation_save(actor=personas.employee.user, evaluation=evaluation, answers=answers, version=1)
    assert evaluation_of(review, "self").answers == {}


def test_the_manager_cannot_submit_during_the_self_review_phase(cycle, personas):
    review = review_of(cycle, personas.employee)
    with pytest.raises(DomainError, match="phase"):
        submit(personas.manager.user, review, MANAGER, **full_answers(review))


def test_the_manager_may_draft_during_the_self_review_phase(cycle, personas):
    review = review_of(cycle, personas.employee)
    evaluation = evaluation_of(review, MANAGER)
    saved = services.evaluation_save(
        actor=personas.manager.user, evaluation=evaluation, answers={"overall": "草稿"}, version=evaluation.version
    )
    assert saved.state == Evaluation.State.DRAFT and saved.version == 2


def test_only_the_rater_writes_her_part(cycle, personas):
    review = review_of(cycle, personas.employee)
    evaluation = evaluation_of(review, "self")
    with pytest.raises(DomainError):
        services.evaluation_save(actor=personas.manager.user, evaluation=evaluation, answers={}, version=1)


def test_a_stale_version_is_refused_and_the_first_save_stays(cycle, personas):
    review = review_of(cycle, personas.employee)
    evaluation = evaluation_of(review, "self")
    services.evaluation_save(
        actor=personas.employee.user, evaluation=evaluation, answers={"overall": "first"}, version=1
    )
    with pytest.raises(StaleWrite):
        services.evaluation_save(
            actor=personas.employee.user, evaluation=evaluation, answers={"overall": "late"}, version=1
        )
    assert evaluation_of(review, "self").answers["overall"] == "first"


def test_a_manager_submitting_after_the_self_phase_skips_a_missing_self_review(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    review = review_of(cycle, personas.employee)
    submit(personas.manager.user, review, MANAGER, **full_answers(review))
    assert evaluation_of(review, "self").state == Evaluation.State.SKIPPED
    assert review_of(cycle, personas.employee).state == Review.State.SKIP_LEVEL


def test_an_override_needs_a_reason(cycle, personas, period):
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    review = review_of(cycle, personas.employee)
    kpi = next(s["key"] for s in cycle.snapshot["sections"] if s["kind"] == "kpi")
    answers = full_answers(review) | {"overrides": {kpi: {"score": "4", "reason": " "}}}
    with pytest.raises(DomainError) as caught:
        submit(personas.manager.user, review, MANAGER, **answers)
    assert caught.value.fields == {f"override:{kpi}": ["Say why you override the automatic score."]}


def test_kpi_and_goal_sections_score_from_attainment_and_progress(cycle, personas, period):
    actor = personas.admin
    target = make_kpi_target(actor, make_indicator(actor), period, employee=personas.employee, target=100, weight=100)
    kpi_actual_record(actor=actor, target=target, measured_on=period.start, value=100)  # attainment 1.0 → 4
    objective = make_objective(actor, period, employee=personas.employee, weight=100, key_results=[(0, 10)])
    plan, _ = GoalPlan.objects.get_or_create(employee=personas.employee, period=period)
    goal_plan_submit(actor=personas.employee.user, plan=plan)
    goal_plan_decide(actor=personas.manager.user, plan=GoalPlan.objects.get(pk=plan.pk), approve=True)
    Objective.objects.filter(pk=objective.pk).update(progress=Decimal("0.8"))  # → 3
    cycle = advance_to(actor, cycle, PhaseKind.MANAGER)
    review = review_of(cycle, personas.employee)
    submit(personas.manager.user, review, MANAGER, **full_answers(review, rating="5"))
    review = review_of(cycle, personas.employee)
    scores = {s["kind"]: s["score"] for s in review.breakdown["sections"]}
    assert scores["kpi"] == "4.00" and scores["goals"] == "3.00" and scores["competencies"] == "5.00"
    # 30% × 4 + 30% × 3 + 40% × 5 = 4.1
    assert review.final_score == Decimal("4.10") and review.band == "A"


def test_optional_kpi_and_goal_sections_without_items_drop_out_and_say_so(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    review = review_of(cycle, personas.employee)
    submit(personas.manager.user, review, MANAGER, **full_answers(review, rating="3"))
    review = review_of(cycle, personas.employee)
    assert review.breakdown["redistributed"] is True
    assert review.final_score == Decimal("3.00")


def test_self_weight_blends_the_self_rating_into_competencies(personas, period):
    template = make_template(weights=(0, 0, 100), self_weight=20)
    cycle = launch(personas.admin, make_cycle(personas.admin, period, template=template, departments=(personas.east,)))
    review = review_of(cycle, personas.employee)
    submit(personas.employee.user, review, **full_answers(review, rating="5"))
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    submit(personas.manager.user, review, MANAGER, **full_answers(review, rating="3"))
    assert review_of(cycle, personas.employee).final_score == Decimal("3.40")  # 0.2 × 5 + 0.8 × 3


def test_skip_level_return_sends_the_review_back_to_the_manager_with_a_comment(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    review = review_of(cycle, personas.employee)
    submit(personas.manager.user, review, MANAGER, **full_answers(review))
    skip = evaluation_of(review, "skip_level")
    with pytest.raises(DomainError):
        services.review_skip_level_decide(
            actor=personas.skip.user, evaluation=skip, approve=False, comment="", version=skip.version
        )
    services.review_skip_level_decide(
        actor=personas.skip.user, evaluation=skip, approve=False, comment="再想想", version=skip.version
    )
    assert review_of(cycle, personas.employee).state == Review.State.MANAGER_REVIEW
    assert evaluation_of(review, MANAGER).state == Evaluation.State.DRAFT


def test_release_before_the_release_phase_is_refused(cycle, personas):
    with pytest.raises(DomainError, match="phase"):
        services.reviews_release(actor=personas.admin, cycle=cycle)


def test_acknowledging_an_unreleased_review_is_refused(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.RELEASE)
    review = review_of(cycle, personas.employee)
    with pytest.raises(DomainError, match="cannot be acknowledged"):
        services.review_acknowledge(
            actor=personas.employee.user, review=review, agree=True, comment="", version=review.version
        )


def finish_manager_part(cycle, personas, employee):
    review = review_of(cycle, employee)
    submit(personas.manager.user, review, MANAGER, **full_answers(review))
    skip = evaluation_of(review, "skip_level")
    services.review_skip_level_decide(
        actor=personas.skip.user, evaluation=skip, approve=True, comment="", version=skip.version
    )


def test_release_per_department_touches_only_that_subtree_and_hr_only_her_scope(cycle, personas):
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    finish_manager_part(cycle, personas, personas.employee)
    cycle = advance_to(personas.admin, cycle, PhaseKind.RELEASE)
    assert services.reviews_release(actor=personas.other_hr, cycle=cycle) == 0
    assert services.reviews_release(actor=personas.scoped_hr, cycle=cycle, department=personas.east) == 1
    assert review_of(cycle, personas.employee).state == Review.State.RELEASED
    assert AuditEvent.objects.filter(action="review.release").count() == 1


def test_disagreeing_needs_a_comment_and_tells_the_manager(cycle, personas, mailoutbox):
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    finish_manager_part(cycle, personas, personas.employee)
    cycle = advance_to(personas.admin, cycle, PhaseKind.RELEASE)
    services.reviews_release(actor=personas.admin, cycle=cycle)
    review = review_of(cycle, personas.employee)
    with pytest.raises(DomainError):
        services.review_acknowledge(
            actor=personas.employee.user, review=review, agree=False, comment=" ", version=review.version
        )
    services.review_acknowledge(
        actor=personas.employee.user, review=review, agree=False, comment="分数偏低", version=review.version
    )
    assert review_of(cycle, personas.employee).state == Review.State.DISAGREED
    assert personas.manager.user.notifications.filter(body="分数偏低").exists()


def test_hr_reassigns_the_manager_part_with_a_reason_and_the_new_rater_starts_afresh(cycle, personas):
    review = review_of(cycle, personas.employee)
    evaluation = evaluation_of(review, MANAGER)
    services.evaluation_save(
        actor=personas.manager.user, evaluation=evaluation, answers={"overall": "旧草稿"}, version=evaluation.version
    )
    with pytest.raises(DomainError):
        services.review_reassign(actor=personas.scoped_hr, review=review, kind=MANAGER, rater=personas.peer, reason="")
    services.review_reassign(
        actor=personas.scoped_hr, review=review, kind=MANAGER, rater=personas.skip, reason="经理调岗"
    )
    review = review_of(cycle, personas.employee)
    moved = evaluation_of(review, MANAGER)
    assert review.manager_id == personas.skip.pk and moved.rater_id == personas.skip.pk and moved.answers == {}
    event = AuditEvent.objects.get(action="review.reassign")
    assert event.after is not None and event.before is not None
    assert event.after["reason"] == "经理调岗" and event.before["manager"] == personas.manager.pk


def test_hr_of_another_unit_cannot_reassign(cycle, personas):
    review = review_of(cycle, personas.employee)
    with pytest.raises(DomainError):
        services.review_reassign(actor=personas.other_hr, review=review, kind=MANAGER, rater=personas.skip, reason="x")


@pytest.mark.parametrize("extra", [0, 12])
def test_recompute_reads_a_fixed_number_of_queries_whatever_the_cycle_size(
    personas, period, extra, django_assert_num_queries
):
    from jixiao.core.testing.personas import make_employee

    people = [personas.employee] + [
        make_employee(f"员工{i}", personas.east, manager=personas.manager) for i in range(extra)
    ]
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.east,)))
    cycle = advance_to(personas.admin, cycle, PhaseKind.MANAGER)
    for employee in people:
        review = review_of(cycle, employee)
        submit(personas.manager.user, review, MANAGER, **full_answers(review))
    cycle.refresh_from_db()
    # Two reads, the savepoint pair, one executemany UPDATE, the cycle's audit event: no query per review.
    with django_assert_num_queries(6):
        assert services.cycle_recompute(actor=personas.admin, cycle=cycle) == 0


def test_a_manager_hears_once_while_self_reviews_keep_coming_and_again_after_reading(cycle, personas, mailoutbox):
    for employee in (personas.employee, personas.peer):
        review = review_of(cycle, employee)
        submit(employee.user, review)
    inbox = personas.manager.user.notifications.all()
    assert inbox.count() == 1 and len(mailoutbox) == 1
    assert "王小明" in inbox.get().body
    inbox.update(read_at="2027-12-02T09:00:00+08:00")
    other = make_cycle(personas.admin, cycle.period, departments=(personas.east,), name="第二个周期")
    other = launch(personas.admin, other)
    submit(personas.employee.user, review_of(other, personas.employee))
    assert personas.manager.user.notifications.filter(read_at__isnull=True).count() == 1
