"""Factories for tests of development plans and the evidence panel: they go through the services, as people do."""

from __future__ import annotations

from typing import Any

from jixiao.core.testing.personas import Personas
from jixiao.goals.models import Period
from jixiao.goals.testing import make_period
from jixiao.reviews import services as review_services
from jixiao.reviews.models import Competency, EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import (
    advance_to,
    full_answers,
    launch,
    make_competency,
    make_competency_model,
    make_cycle,
    make_template,
    submit,
)

from . import services_idp
from .models import DevelopmentPlan


def review_in_manager_phase(personas: Personas, *, period: Period | None = None, skip_level: bool = True) -> Review:
    """The employee's review of a cycle over sales, self review submitted, waiting for her manager."""
    admin = personas.admin
    period = period or make_period(admin)
    cycle = launch(admin, make_cycle(admin, period, departments=(personas.sales,), skip_level=skip_level))
    review = Review.objects.select_related("cycle__period").get(cycle=cycle, reviewee=personas.employee)
    submit(personas.employee.user, review)
    advance_to(admin, cycle, PhaseKind.MANAGER)
    return Review.objects.select_related("cycle__period", "reviewee").get(pk=review.pk)


def released_review(
    personas: Personas, ratings: dict[str, str], *, names: tuple[str, ...] = ("沟通", "执行力", "协作")
) -> tuple[Review, dict[str, Competency]]:
    """A released review of the employee whose manager rated each named competency as given (others "4")."""
    admin = personas.admin
    competencies = {name: make_competency(name) for name in names}
    model = make_competency_model(*competencies.values())
    cycle = launch(
        admin,
        make_cycle(
            admin, make_period(admin), template=make_template(competency_model=model), departments=(personas.sales,)
        ),
    )
    review = Review.objects.select_related("cycle").get(cycle=cycle, reviewee=personas.employee)
    submit(personas.employee.user, review)
    cycle = advance_to(admin, cycle, PhaseKind.MANAGER)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    answers = full_answers(review, rating="4", kind=EvaluationKind.MANAGER)
    for key in list(answers["ratings"]):
        for name, competency in competencies.items():
            if key.endswith(f":c{competency.pk}") and name in ratings:
                answers["ratings"][key] = ratings[name]
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **answers)
    cycle = advance_to(admin, cycle, PhaseKind.RELEASE)
    review_services.reviews_release(actor=admin, cycle=cycle)
    return Review.objects.select_related("cycle").get(pk=review.pk), competencies


def make_plan(user: Any, employee: Any, title: str = "成长计划") -> DevelopmentPlan:
    plan = services_idp.development_plan_create(actor=user, employee=employee, title=title)
    plan.refresh_from_db()
    return plan
