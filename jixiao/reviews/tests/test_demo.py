"""The demo's review cycles: configured and walked through the real services, every state on show, safe to rerun."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.core.models import Notification
from jixiao.goals.demo import goals_seed_demo
from jixiao.goals.models import CompanyValue
from jixiao.org.demo import company_seed_demo
from jixiao.org.models import Department, Employee
from jixiao.reviews import services
from jixiao.reviews.demo import CYCLE_NAME, DRAFT_NAME, UNRELEASED_UNIT, reviews_seed_demo
from jixiao.reviews.models import (
    Competency,
    CompetencyModel,
    Cycle,
    Evaluation,
    PhaseKind,
    Review,
    ReviewTemplate,
    SectionKind,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def seeded(mailoutbox):
    company_seed_demo(employees=80, seed=1)
    goals_seed_demo(seed=1, today=TODAY)
    result = reviews_seed_demo(seed=1, today=TODAY)
    assert result is not None
    return result


def annual() -> Cycle:
    return Cycle.objects.get(name=CYCLE_NAME[0])


def review_of(username: str) -> Review:
    return Review.objects.select_related("cycle").get(cycle=annual(), reviewee__user__username=username)


def test_the_annual_review_is_in_its_release_phase_with_reviews_in_every_state(seeded, mailoutbox):
    cycle = annual()
    assert (cycle.state, cycle.phase, cycle.skip_level) == (Cycle.State.ACTIVE, PhaseKind.RELEASE, True)
    assert cycle.period.start <= TODAY <= cycle.period.end
    states = Counter(Review.objects.filter(cycle=cycle).values_list("state", flat=True))
    assert set(states) == set(Review.State.values)
    assert seeded.states == dict(sorted(states.items()))
    evaluation_states = set(Evaluation.objects.filter(cycle=cycle, kind="self").values_list("state", flat=True))
    assert {"pending", "draft", "submitted"} <= evaluation_states
    # Everyone but the top of the company, and nobody reported as a problem.
    reviewed = Employee.objects.exclude(status="left").exclude(manager__isnull=True).count()
    assert seeded.reviews == reviewed
    assert cycle.launch_report["problems"] == []
    # Finished reviews are scored; the unreleased unit's wait in "ready".
    for review in Review.objects.filter(cycle=cycle, state__in=["ready", "released", "acknowledged", "disagreed"]):
        assert review.final_score is not None and review.band in "SABCD"
    held = Department.objects.get(depth=1, name=UNRELEASED_UNIT).path
    in_held = Review.objects.filter(cycle=cycle, department__path__startswith=held)
    assert not Review.objects.filter(cycle=cycle, state="ready").exclude(pk__in=in_held).exists()
    assert not in_held.filter(state__in=["released", "acknowledged", "disagreed"]).exists()
    assert mailoutbox == []


def test_the_demo_employee_and_manager_have_a_result_to_read_and_acknowledge(seeded):
    for username in ("employee", "manager"):
        review = review_of(username)
        assert review.state == Review.State.RELEASED
        assert review.breakdown["final"] is not None
        assert Notification.objects.filter(user__username=username, url=review.get_absolute_url()).exists()
    team = Counter(
        Review.objects.filter(cycle=annual(), manager__user__username="manager").values_list("state", flat=True)
    )
    assert {"self_review", "manager_review", "skip_level", "released", "disagreed"} <= set(team)
    assert Notification.objects.filter(user__username="manager", title__contains="disagrees").exists()
    # She can acknowledge now: the phase allows it.
    review = review_of("employee")
    user = review.reviewee.user
    services.review_acknowledge(actor=user, review=review, agree=True, comment="", version=review.version)
    review.refresh_from_db()
    assert review.state == Review.State.ACKNOWLEDGED


def test_the_configuration_has_bars_competencies_models_per_job_family_and_the_template(seeded):
    assert Competency.objects.count() == seeded.competencies == 10
    for competency in Competency.objects.prefetch_related("anchors"):
        anchors = list(competency.anchors.all())
        assert [a.level for a in anchors] == [Decimal(n) for n in range(1, 6)]
        assert all(a.text and a.text_en for a in anchors)
        assert competency.name_en
    assert Competency.objects.filter(value__isnull=False).count() == CompanyValue.objects.count() == 5
    families = set(CompetencyModel.objects.values_list("job_family", flat=True))
    assert families == {"销售", "客服", "生产", "研发", "职能", ""}
    people = Counter(Employee.objects.values_list("job_family", flat=True))
    assert set(people) <= families and people[""] == 1  # only the top of the company has no unit
    picked = set(Review.objects.filter(cycle=annual()).values_list("competency_model", flat=True))
    assert len(picked) == 5 and "" not in picked
    template = ReviewTemplate.objects.get()
    weights = {s.kind: s.weight for s in template.sections.all()}
    assert weights == {
        SectionKind.KPI: 40,
        SectionKind.GOALS: 30,
        SectionKind.COMPETENCIES: 30,
        SectionKind.QUESTIONS: 0,
    }
    assert template.self_weight == 20
    assert template.sections.get(kind=SectionKind.QUESTIONS).questions.filter(required=True).count() == 2


def test_the_audit_log_tells_the_story_as_the_services_wrote_it(seeded):
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "competency.create",
        "competency_model.create",
        "review_template.create",
        "cycle.create",
        "cycle.launch",
        "cycle.launched",
        "cycle.phase",
        "review.self_submit",
        "review.manager_submit",
        "review.skip_approve",
        "review.skip_return",
        "review.release",
        "review.acknowledge",
        "review.disagree",
    } <= actions
    assert AuditEvent.objects.filter(action="cycle.launched").count() == 1
    assert AuditEvent.objects.filter(action="cycle.create", actor__username="hr").count() == 2


def test_the_draft_cycle_waits_for_hr_to_launch_it(seeded):
    draft = Cycle.objects.get(name=DRAFT_NAME[0])
    assert draft.state == Cycle.State.DRAFT
    assert not Review.objects.filter(cycle=draft).exists()
    hr = draft.created_by
    services.cycle_launch(actor=hr, cycle=draft, version=draft.version)
    services.cycle_launch_run(cycle_id=draft.pk)
    draft.refresh_from_db()
    assert draft.state == Cycle.State.ACTIVE and draft.phase == PhaseKind.SELF
    assert Review.objects.filter(cycle=draft).count() == seeded.reviews


def test_seeding_again_does_nothing(seeded):
    before = (Review.objects.count(), Evaluation.objects.count(), AuditEvent.objects.count())
    assert reviews_seed_demo(seed=1, today=TODAY) is None
    assert (Review.objects.count(), Evaluation.objects.count(), AuditEvent.objects.count()) == before


def test_without_the_goals_demo_there_is_nothing_to_review():
    company_seed_demo(employees=80, seed=1)
    assert reviews_seed_demo(seed=1, today=TODAY) is None
    assert not Cycle.objects.exists()


def test_the_demo_users_pages_open_on_the_seeded_cycle(seeded):
    for username in ("employee", "manager"):
        client = Client()
        user = Employee.objects.get(user__username=username).user
        assert user is not None
        client.force_login(user)
        review = review_of(username)
        assert client.get("/reviews/").status_code == 200
        assert client.get(review.get_absolute_url()).status_code == 200
