"""The demo's review cycles: configured and walked through the real services, every state on show, safe to rerun."""

from __future__ import annotations

import datetime as dt
import json
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
from jixiao.reviews import services, services_feedback
from jixiao.reviews.demo import (
    CALIBRATION_NAME,
    CYCLE_NAME,
    DECLINE_REASON,
    DRAFT_NAME,
    FEEDBACK_OPEN,
    FEEDBACK_RELEASED,
    FEEDBACK_TEMPLATE,
    UNRELEASED_UNIT,
    reviews_seed_demo,
)
from jixiao.reviews.models import (
    ANONYMOUS_KINDS,
    Competency,
    CompetencyModel,
    Cycle,
    Evaluation,
    Invitation,
    Nomination,
    PhaseKind,
    Review,
    ReviewTemplate,
    SectionKind,
)
from jixiao.reviews.selectors_feedback import feedback_access, feedback_report

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
    template = ReviewTemplate.objects.exclude(name=FEEDBACK_TEMPLATE[0]).get()
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
    # The annual review, two 360s and the sales unit's H2 review (in calibration).
    assert AuditEvent.objects.filter(action="cycle.launched").count() == 4
    assert AuditEvent.objects.filter(action="cycle.create", actor__username="hr").count() == 5


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


# ---- 360° feedback (issue 5) ----------------------------------------------------------------------


def feedback_cycle(name: tuple[str, str]) -> Cycle:
    return Cycle.objects.get(name=name[0])


def review_in(name: tuple[str, str], username: str) -> Review:
    return Review.objects.select_related("cycle", "reviewee").get(
        cycle=feedback_cycle(name), reviewee__user__username=username
    )


def groups_of(report: dict) -> dict[str, dict]:
    return {g["group"]: g for g in report["groups"]}


def test_the_360_template_weights_its_groups_and_asks_what_to_keep_and_what_to_change(seeded):
    template = ReviewTemplate.objects.get(name=FEEDBACK_TEMPLATE[0])
    section = template.sections.get(kind=SectionKind.FEEDBACK)
    assert {g.kind: g.weight for g in section.groups.all()} == {"self": 0, "peer": 50, "upward": 30, "customer": 20}
    assert (section.peer_min, section.peer_max) == (3, 6)
    assert section.competency_model is not None and section.competency_model.items.count() == 5
    assert [q.text_en for q in section.questions.all()] == [
        "What should they keep doing?",
        "What should they do differently?",
    ]
    assert sum(s.weight for s in template.sections.all()) == 100
    # The annual template stays the first one, as the browser tests pick it.
    assert ReviewTemplate.objects.filter(archived=False).order_by("pk").first() != template


def test_the_first_half_360_is_released_scored_and_closed(seeded):
    cycle = feedback_cycle(FEEDBACK_RELEASED)
    assert cycle.state == Cycle.State.CLOSED
    reviews = Review.objects.filter(cycle=cycle)
    assert reviews.exists()
    assert set(reviews.values_list("state", flat=True)) <= {"released", "acknowledged"}
    assert not reviews.filter(final_score__isnull=True).exists()
    asked = Evaluation.objects.filter(cycle=cycle, kind__in=ANONYMOUS_KINDS)
    assert asked.filter(state=Evaluation.State.SUBMITTED).count() > asked.count() * 0.7
    assert cycle.launch_report["problems"] == []


def test_the_employee_reads_her_peers_and_not_her_one_customer(seeded):
    review = review_in(FEEDBACK_RELEASED, "employee")
    assert review.state in ("released", "acknowledged")
    assert feedback_access(review.reviewee.user, review).report
    report = feedback_report(review)
    assert report is not None
    groups = groups_of(report)
    assert groups["peer"]["shown"] and groups["peer"]["answered"] >= 3
    # One customer answered: below k, so left out of every number, with its weight spread over the peers.
    assert Evaluation.objects.filter(review=review, kind="customer", state="submitted").count() == 1
    assert not groups["customer"]["shown"] and groups["customer"]["answered"] is None
    assert not groups["upward"]["shown"]
    assert {"customer", "upward"} <= set(report["dropped"])
    flags = {row["name"]: row["flag"] for row in report["competencies"]}
    assert flags["客户第一"] == "blind_spot" and flags["持续创新"] == "hidden_strength"
    texts = [t for q in report["comments"] for block in q["groups"] for t in block["texts"]]
    assert any("客户" in t for t in texts) and any(t.isascii() for t in texts)
    # Nothing of the customer reaches her: neither what she wrote nor who she is.
    customer = Nomination.objects.get(review=review, kind="customer")
    written = Evaluation.objects.get(nomination=customer).answers["answers"].values()
    dumped = json.dumps(report, ensure_ascii=False)
    assert customer.name not in dumped and customer.email not in dumped
    assert not any(text in dumped for text in written)
    section = next(s for s in review.breakdown["sections"] if s["kind"] == "feedback")
    assert section["score"] is not None and "customer" in section["dropped"]


def test_the_manager_reads_upward_feedback_from_her_reports(seeded):
    review = review_in(FEEDBACK_RELEASED, "manager")
    groups = groups_of(feedback_report(review) or {})
    assert groups["upward"]["shown"] and groups["upward"]["answered"] >= 3
    assert groups["upward"]["asked"] > groups["upward"]["answered"]  # not everyone answered
    assert groups["peer"]["shown"]


def test_the_second_half_360_is_collecting_feedback_today(seeded):
    cycle = feedback_cycle(FEEDBACK_OPEN)
    assert (cycle.state, cycle.phase) == (Cycle.State.ACTIVE, PhaseKind.FEEDBACK)
    phase = cycle.phases.get(kind=PhaseKind.FEEDBACK)
    assert phase.starts_on <= TODAY <= phase.due_on
    states = Counter(Evaluation.objects.filter(cycle=cycle, kind__in=ANONYMOUS_KINDS).values_list("state", flat=True))
    assert {"pending", "draft", "submitted", "skipped"} <= set(states)
    # The employee has colleagues' requests to answer.
    employee = Employee.objects.get(user__username="employee")
    waiting = Evaluation.objects.filter(cycle=cycle, rater=employee, kind="peer", state="pending")
    assert waiting.count() >= 3


def test_the_open_360_shows_every_nomination_outcome(seeded):
    mine = Nomination.objects.filter(review=review_in(FEEDBACK_OPEN, "employee"), kind="peer")
    assert Counter(mine.values_list("state", flat=True)) == {"approved": 5, "removed": 1}
    added = mine.exclude(nominated_by__username="employee").get()
    assert added.state == "approved" and added.decided_by is not None and added.decided_by.username == "manager"

    review = review_in(FEEDBACK_OPEN, "manager")
    peers = Nomination.objects.filter(review=review, kind="peer")
    assert peers.filter(state="approved").count() >= 3
    declined = peers.get(state="declined")
    assert declined.decline_reason == DECLINE_REASON
    answers = Counter(Evaluation.objects.filter(review=review, kind="peer").values_list("state", flat=True))
    assert answers["submitted"] >= 2 and answers["skipped"] == 1
    invited = Nomination.objects.get(review=review, kind="customer")
    invitation = Invitation.objects.get(nomination=invited)
    assert len(invitation.token_hash) == 64 and invitation.used_at is None
    assert Evaluation.objects.get(nomination=invited).state == "pending"
    assert review.manager is not None
    boss = review.manager.user
    assert Notification.objects.filter(user=boss, title__contains="declined").exists()


def test_no_rater_is_asked_too_often_and_everyone_has_enough_peers(seeded):
    for name in (FEEDBACK_RELEASED, FEEDBACK_OPEN):
        cycle = feedback_cycle(name)
        assert services_feedback.overloaded_raters(cycle) == {}
        assert services_feedback.reviews_short_of_peers(cycle) == []


def test_360_answers_are_audited_without_naming_the_rater(seeded):
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "nomination.propose",
        "nomination.approve",
        "nomination.remove",
        "nomination.add",
        "feedback.requests",
        "feedback.invite",
        "feedback.submit",
        "feedback.draft",
        "feedback.decline",
    } <= actions
    submitted = AuditEvent.objects.filter(action="feedback.submit")
    assert submitted.exists() and not submitted.filter(actor__isnull=False).exists()


def test_the_team_pages_still_open_on_the_annual_review(seeded):
    latest = Cycle.objects.filter(state=Cycle.State.ACTIVE).order_by("-launched_at", "-pk").first()
    assert latest == annual()


def test_the_sales_review_waits_in_calibration_with_its_reviews_ready(seeded):
    cycle = Cycle.objects.get(name=CALIBRATION_NAME[0])
    assert cycle.calibration and cycle.phase == PhaseKind.CALIBRATION
    states = Counter(Review.objects.filter(cycle=cycle).values_list("state", flat=True))
    assert states[Review.State.READY] >= sum(states.values()) - 3  # a couple of managers are late
    assert not Review.objects.filter(cycle=cycle, calibration_hold=True).exists()  # no session yet
