"""Launching a cycle: frozen template, reporting line of the day, idempotent, resumable, late joiners, bad data."""

import datetime as dt

import pytest

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError
from jixiao.core.testing.personas import make_employee
from jixiao.goals.testing import make_period
from jixiao.org.models import Employee, Status
from jixiao.reviews import services
from jixiao.reviews.models import Cycle, Evaluation, Review, TemplateSection
from jixiao.reviews.testing import launch, make_competency, make_competency_model, make_cycle, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(personas):
    return make_period(personas.admin)


def counts(cycle):
    return (
        Review.objects.filter(cycle=cycle).count(),
        Evaluation.objects.filter(cycle=cycle).order_by().values("kind").distinct().count(),
        Evaluation.objects.filter(cycle=cycle).count(),
    )


def test_launch_reviews_everyone_in_the_department_subtree_and_nobody_else(personas, period):
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.sales,)))
    reviewees = set(Review.objects.filter(cycle=cycle).values_list("reviewee_id", flat=True))
    assert {personas.employee.pk, personas.peer.pk, personas.manager.pk} <= reviewees
    assert personas.rnd_head.pk not in reviewees and personas.ceo.pk not in reviewees


def test_a_person_without_a_manager_is_reported_and_the_others_are_launched(personas, period):
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.root,)))
    problems = cycle.launch_report["problems"]
    assert [(p["employee"], p["code"]) for p in problems] == [(personas.ceo.pk, "no_manager")]
    assert Review.objects.filter(cycle=cycle, reviewee=personas.employee).exists()


def test_a_person_whose_manager_has_left_is_reported(personas, period):
    gone = make_employee("离职经理", personas.east, manager=personas.manager, status=Status.LEFT)
    orphan = make_employee("孤儿", personas.east, manager=gone)
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.east,)))
    assert {"employee": orphan.pk, "code": "manager_left"}.items() <= next(
        p for p in cycle.launch_report["problems"] if p["employee"] == orphan.pk
    ).items()


def test_launch_snapshots_manager_and_skip_level_and_a_later_change_of_manager_moves_nothing(personas, period):
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.east,), skip_level=True))
    Employee.objects.filter(pk=personas.employee.pk).update(manager=personas.rnd_head)
    review = Review.objects.get(cycle=cycle, reviewee=personas.employee)
    assert (review.manager_id, review.skip_level_id) == (personas.manager.pk, personas.skip.pk)
    assert Evaluation.objects.get(review=review, kind="manager").rater_id == personas.manager.pk


def test_without_skip_level_approval_no_skip_level_part_is_created(personas, period):
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.east,)))
    assert not Evaluation.objects.filter(cycle=cycle, kind="skip_level").exists()


def test_launching_twice_or_running_the_task_again_creates_nothing_twice(personas, period):
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.sales,), skip_level=True))
    before = counts(cycle)
    services.cycle_launch(actor=personas.admin, cycle=cycle, version=cycle.version)
    services.cycle_launch_run(cycle_id=cycle.pk)
    services.cycle_launch_run(cycle_id=cycle.pk)
    assert counts(cycle) == before


def test_a_launch_that_crashed_after_writing_some_reviews_resumes_without_duplicates(personas, period):
    cycle = make_cycle(personas.admin, period, departments=(personas.east,), skip_level=True)
    services.cycle_launch(actor=personas.admin, cycle=cycle, version=cycle.version)
    cycle.refresh_from_db()
    # The crash: one review was written, its evaluations were not, the cycle is still "launching".
    Review.objects.create(
        cycle=cycle,
        reviewee=personas.employee,
        manager=personas.manager,
        skip_level=personas.skip,
        department=personas.east,
    )
    assert cycle.state == Cycle.State.LAUNCHING
    services.cycle_launch_run(cycle_id=cycle.pk)
    reviews = Review.objects.filter(cycle=cycle)
    assert reviews.filter(reviewee=personas.employee).count() == 1
    assert Evaluation.objects.filter(review__in=reviews, kind="self").count() == reviews.count()
    assert Evaluation.objects.filter(review__reviewee=personas.employee, kind="skip_level").count() == 1
    assert Cycle.objects.get(pk=cycle.pk).state == Cycle.State.ACTIVE


def test_people_who_join_the_filters_later_are_added_by_launching_again(personas, period):
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.east,)))
    newcomer = make_employee("新同事", personas.east, manager=personas.manager)
    cycle = launch(personas.admin, cycle)
    assert Review.objects.filter(cycle=cycle, reviewee=newcomer).count() == 1
    assert cycle.launch_report["created"] == 1


def test_filters_by_level_hire_date_and_exclusion(personas, period):
    senior = make_employee("资深", personas.east, manager=personas.manager)
    Employee.objects.filter(pk=senior.pk).update(hire_date=dt.date(2027, 6, 1), job_level="P7")
    cycle = make_cycle(
        personas.admin,
        period,
        departments=(personas.east,),
        levels=("P5", "P7"),
        hired_before=dt.date(2027, 1, 1),
        exclude=(personas.peer.pk,),
    )
    people = set(services.cycle_participants(cycle).values_list("pk", flat=True))
    assert personas.employee.pk in people
    assert senior.pk not in people and personas.peer.pk not in people


def test_launch_freezes_the_template_and_editing_it_later_changes_nothing(personas, period):
    template = make_template()
    cycle = launch(personas.admin, make_cycle(personas.admin, period, template=template, departments=(personas.east,)))
    frozen = cycle.snapshot
    TemplateSection.objects.filter(template=template).update(title="改了")
    cycle.refresh_from_db()
    assert cycle.snapshot == frozen
    assert all(s["title"] != "改了" for s in cycle.snapshot["sections"])


def test_a_template_whose_weights_do_not_sum_to_100_cannot_be_launched(personas, period):
    template = make_template()
    cycle = make_cycle(personas.admin, period, template=template, departments=(personas.east,))
    TemplateSection.objects.filter(template=template, kind="kpi").update(weight=10)
    with pytest.raises(DomainError, match="100"):
        services.cycle_launch(actor=personas.admin, cycle=cycle, version=cycle.version)
    assert Cycle.objects.get(pk=cycle.pk).state == Cycle.State.DRAFT


def test_competency_models_are_picked_by_job_family_and_someone_without_one_is_reported(personas, period):
    sales_model = make_competency_model(make_competency(), job_family="销售")
    Employee.objects.filter(pk=personas.employee.pk).update(job_family="销售")
    Employee.objects.filter(pk=personas.peer.pk).update(job_family="研发")
    Employee.objects.filter(pk=personas.manager.pk).update(job_family="销售")
    cycle = launch(
        personas.admin,
        make_cycle(personas.admin, period, template=make_template(by_job=True), departments=(personas.east,)),
    )
    assert Review.objects.get(cycle=cycle, reviewee=personas.employee).competency_model == f"m{sales_model.pk}"
    assert [p["code"] for p in cycle.launch_report["problems"] if p["employee"] == personas.peer.pk] == [
        "no_competency_model"
    ]


def test_launch_and_its_completion_are_audited(personas, period):
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.east,)))
    actions = set(AuditEvent.objects.filter(target_id=str(cycle.pk)).values_list("action", flat=True))
    assert {"cycle.create", "cycle.launch", "cycle.launched"} <= actions


def test_hr_outside_the_departments_cannot_create_a_cycle_for_them(personas, period):
    with pytest.raises(DomainError):
        make_cycle(personas.other_hr, period, departments=(personas.sales,))
    assert not Cycle.objects.exists()


def test_a_cycle_without_phase_dates_is_refused(personas, period):
    with pytest.raises(DomainError) as caught:
        services.cycle_create(
            actor=personas.admin,
            data=services.CycleInput(
                name="无阶段", name_en="", period=period, template=make_template(), departments=(personas.east.pk,)
            ),
        )
    assert "phases" in caught.value.fields
    assert not Cycle.objects.exists()
