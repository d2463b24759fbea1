"""Reading 360 feedback on pages: the report, the upward report and HR's list of managers (decision 0009).

The helpers at the top build a cycle with a 360 section through the services (nominate, approve, open the
feedback phase, answer, manager review, release); the other report tests import them.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field

import pytest
from django.test import Client

from jixiao.core.testing.personas import make_employee, make_user
from jixiao.goals.testing import make_period
from jixiao.org.models import Employee
from jixiao.org.tests.test_pages_queries import signed_in
from jixiao.reviews import services, services_feedback
from jixiao.reviews.models import (
    CompetencyModelItem,
    Cycle,
    Evaluation,
    EvaluationKind,
    PhaseKind,
    Review,
    ReviewTemplate,
    SectionKind,
)
from jixiao.reviews.testing import FEEDBACK_TEMPLATE, advance_to, full_answers, launch, make_competency, make_cycle
from jixiao.reviews.testing import make_template as _make_template

pytestmark = pytest.mark.django_db

_ids = itertools.count(1)
# Raters get ids far from everything else, so a search of a file for their ids finds nothing by chance. (On
# SQLite an explicit id moves the id sequence on: the stride leaves room for the rows made in between.)
RATER_ID_BASE = 900_000
RATER_ID_STRIDE = 1000


def feedback_template(*, competencies: int = 3, peers: tuple[int, int] = (3, 40)) -> ReviewTemplate:
    """The factories' 360 template, its section rating `competencies` competencies (three draw a radar)."""
    template = _make_template(**FEEDBACK_TEMPLATE, peers=peers)
    section = template.sections.get(kind=SectionKind.FEEDBACK)
    model = section.competency_model
    assert model is not None
    for i in range(max(0, competencies - model.items.count())):
        CompetencyModelItem.objects.create(model=model, competency=make_competency(), order=10 + i)
    return template


def make_raters(personas, count: int, *, prefix: str = "评价人", level: str = "P5", department=None) -> list[Employee]:
    """Colleagues of the employee (same manager), each with an account, with distinctive names and ids."""
    out = []
    for _ in range(count):
        n = next(_ids)
        pk = RATER_ID_BASE + n * RATER_ID_STRIDE
        user = make_user(f"rater{n}", pk=pk)
        out.append(
            make_employee(
                f"{prefix}{n}",
                department or personas.east,
                manager=personas.manager,
                user=user,
                pk=pk,
                email=f"rater{n}@raters.example",
                number=f"R{pk}",
            )
        )
    if level != "P5":
        Employee.objects.filter(pk__in=[e.pk for e in out]).update(job_level=level)
    return out


def review_of(cycle: Cycle, employee: Employee) -> Review:
    return Review.objects.select_related("cycle", "department", "manager", "reviewee").get(
        cycle=cycle, reviewee=employee
    )


def upward_raters(review: Review) -> list[Employee]:
    """The manager's direct reports asked about her, by id."""
    return list(
        Employee.objects.filter(evaluations__review=review, evaluations__kind=EvaluationKind.UPWARD).order_by("pk")
    )


def answers_for(review: Review, kind: str, *, rating: str, comment: str = "") -> dict:
    answers = full_answers(review, rating=rating, kind=kind)
    for key in answers["answers"]:
        answers["answers"][key] = comment
    if not comment:
        answers["answers"] = {}
    return answers


def give_feedback(review: Review, rater: Employee, *, rating: str, comment: str = "") -> None:
    evaluation = Evaluation.objects.select_related("review__cycle").get(review=review, rater=rater)
    services_feedback.feedback_save(
        actor=rater.user,
        evaluation=evaluation,
        answers=answers_for(review, evaluation.kind, rating=rating, comment=comment),
        version=evaluation.version,
        submit=True,
    )


@dataclass
class World:
    cycle: Cycle
    review: Review  # the employee's
    peers: list[Employee]
    customers: list[tuple[str, str]] = field(default_factory=list)  # (name, email)
    evaluation_ids: list[int] = field(default_factory=list)


def build(
    personas,
    *,
    peers: int = 3,
    answering: int | None = None,
    rating: str = "3",
    self_rating: str = "5",
    comment: str = "PEER-COMMENT",
    customers: int = 0,
    customer_rating: str | list[str] = "1",
    stage: str = "released",
    competencies: int = 3,
    upward_ratings: dict[int, str] | None = None,
    **cycle_options,
) -> World:
    """A cycle with a 360 section for the sales department, taken to `stage` (feedback | closed | released).

    `peers` colleagues are nominated and approved for the employee, `answering` of them answer (rating every
    competency `rating`, commenting "<comment>-<i>"); `customers` external raters answer `customer_rating`.
    `upward_ratings` maps a rater's index among the manager's reports to her rating of the manager.
    """
    admin = personas.admin
    team = make_raters(personas, peers)
    cycle = launch(
        admin,
        make_cycle(
            admin,
            make_period(admin),
            template=feedback_template(competencies=competencies),
            feedback=True,
            departments=(personas.sales,),
            **cycle_options,
        ),
    )
    review = review_of(cycle, personas.employee)
    for rater in team:
        nomination = services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=rater)
        services_feedback.nomination_decide(actor=personas.manager.user, nomination=nomination, approve=True)
    invited = []
    for i in range(customers):
        name, email = f"客户{i}号", f"customer{i}@client.example"
        _nomination, token = services_feedback.customer_invite(
            actor=personas.manager.user, review=review, email=email, name=name
        )
        invited.append((name, email, token))
    cycle = advance_to(admin, cycle, PhaseKind.FEEDBACK)
    review = review_of(cycle, personas.employee)
    self_eval = Evaluation.objects.select_related("review__cycle", "rater").get(review=review, kind="self")
    services.evaluation_save(
        actor=personas.employee.user,
        evaluation=self_eval,
        answers=full_answers(review, rating=self_rating),
        version=self_eval.version,
        submit=True,
    )
    for i, rater in enumerate(team[: peers if answering is None else answering]):
        give_feedback(review, rater, rating=rating, comment=f"{comment}-{i}" if comment else "")
    for i, (_name, _email, token) in enumerate(invited):
        evaluation = services_feedback.invitation_open(token=token)
        services_feedback.feedback_save(
            actor=None,
            evaluation=evaluation,
            answers=answers_for(
                review,
                EvaluationKind.CUSTOMER,
                rating=customer_rating if isinstance(customer_rating, str) else customer_rating[i],
                comment=f"CUSTOMER-SAYS-{i}",
            ),
            version=evaluation.version,
            submit=True,
            token=token,
        )
    if upward_ratings:
        manager_review = review_of(cycle, personas.manager)
        reports = upward_raters(manager_review)
        for index, value in upward_ratings.items():
            give_feedback(manager_review, reports[index], rating=value, comment=f"UPWARD-SAYS-{index}")
    evaluation_ids = list(
        Evaluation.objects.filter(cycle=cycle, kind__in=("peer", "upward", "customer")).values_list("pk", flat=True)
    )
    if stage == "feedback":
        return World(cycle, review_of(cycle, personas.employee), team, [(n, e) for n, e, _t in invited], evaluation_ids)
    cycle = advance_to(admin, cycle, PhaseKind.MANAGER)
    for reviewee, manager in ((personas.employee, personas.manager), (personas.manager, personas.skip)):
        target = review_of(cycle, reviewee)
        evaluation = Evaluation.objects.select_related("review__cycle", "rater").get(
            review=target, kind=EvaluationKind.MANAGER
        )
        services.evaluation_save(
            actor=manager.user,
            evaluation=evaluation,
            answers=full_answers(target, rating="4", kind=EvaluationKind.MANAGER),
            version=evaluation.version,
            submit=True,
        )
    if stage == "released":
        cycle = advance_to(admin, cycle, PhaseKind.RELEASE)
        services.reviews_release(actor=admin, cycle=cycle)
    return World(cycle, review_of(cycle, personas.employee), team, [(n, e) for n, e, _t in invited], evaluation_ids)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report_url(review: Review) -> str:
    return f"/reviews/{review.pk}/360/"


def identities(world: World) -> list[str]:
    """Everything that could name an anonymous rater in a page or a file."""
    out: list[str] = []
    for rater in world.peers:
        assert rater.user is not None
        out += [rater.name, rater.user.username, rater.user.email, rater.email, rater.employee_number]
    for name, email in world.customers:
        out += [name, email]
    return out


def text_of(response) -> str:
    return response.content.decode()


# ---- the reviewee and her managers -----------------------------------------------------------------------


def test_the_reviewee_reads_her_360_report_once_released(personas):
    world = build(personas)
    response = client_for(personas.employee.user).get(report_url(world.review))
    assert response.status_code == 200
    page = response.context["page"]
    peers = next(g for g in page.groups if g.kind == "peer")
    assert peers.shown and peers.answered == 3 and peers.asked == 3 and peers.score == "3"
    body = text_of(response)
    assert "3 of 3 answered" in body
    assert page.score == "3"
    peer_comments = {t for q in page.questions for b in q.blocks if b.kind == "peer" for t in b.texts}
    assert peer_comments == {f"PEER-COMMENT-{i}" for i in range(3)}
    for identity in identities(world):
        assert identity not in body


def test_the_reviewee_waits_for_release(personas):
    world = build(personas, stage="closed")
    assert client_for(personas.employee.user).get(report_url(world.review)).status_code == 404


def test_the_manager_reads_the_report_only_once_feedback_is_over(personas):
    world = build(personas, stage="feedback")
    manager = client_for(personas.manager.user)
    assert manager.get(report_url(world.review)).status_code == 404
    advance_to(personas.admin, world.cycle, PhaseKind.MANAGER)
    assert manager.get(report_url(world.review)).status_code == 200


@pytest.mark.parametrize("who", ["peer_rater", "other_hr", "outsider", "colleague"])
def test_people_who_may_not_read_it_get_404(personas, who):
    world = build(personas, stage="closed")
    user = {
        "peer_rater": world.peers[0].user,
        "other_hr": personas.other_hr,
        "outsider": personas.outsider,
        "colleague": personas.peer.user,
    }[who]
    assert client_for(user).get(report_url(world.review)).status_code == 404
    assert client_for(user).get(f"/reviews/{world.review.pk}/360.pdf").status_code == 404


def test_a_group_below_k_shows_neither_numbers_nor_count_nor_comments(personas):
    world = build(personas, peers=3, answering=2, rating="1", comment="HIDDEN-PEER")
    response = client_for(personas.employee.user).get(report_url(world.review))
    body = text_of(response)
    page = response.context["page"]
    peers = next(g for g in page.groups if g.kind == "peer")
    assert not peers.shown and peers.answered is None and peers.asked is None
    assert "Not enough answers to show (fewer than 3)" in body
    assert "2 of 3" not in body and "of 3 answered" not in body
    assert "HIDDEN-PEER" not in body
    assert not page.has_anything
    assert 'data-testid="report-empty"' in body
    for identity in identities(world):
        assert identity not in body


def test_blind_spots_and_hidden_strengths_are_called_out_in_plain_words(personas):
    world = build(personas, rating="2", self_rating="5")
    page = client_for(personas.employee.user).get(report_url(world.review)).context["page"]
    assert {c.flag for c in page.competencies} == {"blind_spot"}
    assert "Blind spot: the self rating (5) is well above what others see (2)." in page.competencies[0].note
    world2 = build(personas, rating="5", self_rating="2")
    page2 = client_for(personas.employee.user).get(report_url(world2.review)).context["page"]
    assert {c.flag for c in page2.competencies} == {"hidden_strength"}


def test_the_radar_draws_self_others_and_manager_with_the_table_as_its_text(personas):
    world = build(personas, rating="3", self_rating="5")
    response = client_for(personas.manager.user).get(report_url(world.review))
    chart = response.context["chart"]
    assert len(chart["indicators"]) == 3
    assert [s["key"] for s in chart["series"]] == ["self", "others"]
    assert all(s["values"] == [5.0, 5.0, 5.0] for s in chart["series"] if s["key"] == "self")
    body = text_of(response)
    found = re.search(r'id="jxfr-radar-data" type="application/json">(.*?)</script>', body)
    assert found is not None
    data = json.loads(found.group(1))
    assert data == chart
    assert 'data-testid="competencies"' in body and "jxfr-radar" in body


def test_two_competencies_get_the_table_without_a_radar(personas):
    world = build(personas, competencies=2)
    response = client_for(personas.employee.user).get(report_url(world.review))
    assert response.context["chart"] is None
    assert 'data-testid="competencies"' in text_of(response)


def test_comments_come_by_question_then_group_without_a_small_group(personas):
    world = build(personas, customers=2, comment="PEER-SAYS")
    page = client_for(personas.employee.user).get(report_url(world.review)).context["page"]
    blocks = [(b.kind, len(b.texts)) for q in page.questions for b in q.blocks]
    assert blocks == [("self", 1), ("peer", 3)]
    body = text_of(client_for(personas.employee.user).get(report_url(world.review)))
    assert "CUSTOMER-SAYS" not in body
    assert "Not counted (too few answers, or no one asked): Direct reports, Customers." in body


def test_the_review_page_links_to_the_report_only_when_it_may_be_read(personas):
    world = build(personas, stage="closed")
    link = 'data-testid="feedback-link"'
    assert link in text_of(client_for(personas.manager.user).get(f"/reviews/{world.review.pk}/"))
    assert link not in text_of(client_for(personas.employee.user).get(f"/reviews/{world.review.pk}/"))


def test_the_breakdown_names_each_group_and_the_ones_whose_weight_was_spread(personas):
    world = build(personas, rating="3")
    body = text_of(client_for(personas.employee.user).get(f"/reviews/{world.review.pk}/"))
    assert 'data-testid="feedback-groups"' in body
    assert "Peers: weight 50%, applied 100%, score 3" in body
    assert "Customers: weight 20%, not counted" in body
    assert (
        "Not counted (too few answers, or no one asked): Direct reports, Customers. Their weight went to the other"
        in body
    )


# ---- confidential cycles ----------------------------------------------------------------------------------


def test_a_confidential_cycle_shows_the_manager_who_was_asked_and_who_answered(personas):
    world = build(personas, peers=4, answering=3, stage="closed", confidential=True)
    response = client_for(personas.manager.user).get(report_url(world.review))
    page = response.context["page"]
    states = {r.name: r.state for r in page.names}
    assert states == {
        world.peers[0].name: "answered",
        world.peers[1].name: "answered",
        world.peers[2].name: "answered",
        world.peers[3].name: "not_answered",
    }
    body = text_of(response)
    # Names in the list only: the comments and numbers carry no name.
    assert all(world.peers[0].name not in t for q in page.questions for b in q.blocks for t in b.texts)
    assert body.count(world.peers[0].name) == 1


def test_a_declined_request_is_listed_as_declined(personas):
    world = build(personas, peers=4, answering=3, stage="feedback", confidential=True)
    evaluation = Evaluation.objects.select_related("review__cycle", "review__manager", "review__reviewee", "rater").get(
        review=world.review, rater=world.peers[3]
    )
    services_feedback.feedback_decline(actor=world.peers[3].user, evaluation=evaluation, reason="太忙")
    advance_to(personas.admin, world.cycle, PhaseKind.MANAGER)
    page = client_for(personas.manager.user).get(report_url(world.review)).context["page"]
    assert {r.name: r.state for r in page.names}[world.peers[3].name] == "declined"
    peers = next(g for g in page.groups if g.kind == "peer")
    assert peers.asked == 3  # a declined request is not counted as asked


def test_the_reviewee_never_sees_names_even_in_a_confidential_cycle(personas):
    world = build(personas, confidential=True)
    response = client_for(personas.employee.user).get(report_url(world.review))
    assert response.context["page"].names is None
    for identity in identities(world):
        assert identity not in text_of(response)


@pytest.mark.parametrize("who", ["manager", "skip", "scoped_hr"])
def test_an_anonymous_cycle_never_shows_names_to_managers_or_hr(personas, who):
    world = build(personas, peers=4, answering=3, stage="closed")
    user = {"manager": personas.manager.user, "skip": personas.skip.user, "scoped_hr": personas.scoped_hr}[who]
    response = client_for(user).get(report_url(world.review))
    assert response.status_code == 200
    assert response.context["page"].names is None
    for identity in identities(world):
        assert identity not in text_of(response)


# ---- fixed queries ----------------------------------------------------------------------------------------

# session, user, the reader's place and HR scopes (actor_context), the review (gate), the report's answers.
REPORT_PAGE = 6


@pytest.mark.parametrize("answering", [3, 30])
def test_the_report_runs_the_same_queries_for_3_and_30_responses(personas, django_assert_num_queries, answering):
    world = build(personas, peers=answering, stage="closed")
    client = signed_in(personas.manager.user)
    with django_assert_num_queries(REPORT_PAGE):
        response = client.get(report_url(world.review))
    assert response.status_code == 200
    assert next(g for g in response.context["page"].groups if g.kind == "peer").answered == answering


@pytest.mark.parametrize("answering", [3, 12])
def test_the_confidential_report_adds_one_query_whatever_the_size(personas, django_assert_num_queries, answering):
    world = build(personas, peers=answering, stage="closed", confidential=True)
    client = signed_in(personas.manager.user)
    with django_assert_num_queries(REPORT_PAGE + 1):
        response = client.get(report_url(world.review))
    assert len(response.context["page"].names) == answering


# ---- the upward report ------------------------------------------------------------------------------------

UPWARD_THREE = {0: "2", 1: "3", 2: "4"}


def test_a_manager_reads_what_her_reports_said_after_release(personas):
    world = build(personas, upward_ratings=UPWARD_THREE)
    manager_review = review_of(world.cycle, personas.manager)
    response = client_for(personas.manager.user).get(f"/reviews/{manager_review.pk}/upward/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.group.shown and page.group.score == "3" and page.group.answered == 3
    body = text_of(response)
    assert "UPWARD-SAYS-0" in body
    for rater in upward_raters(manager_review):
        assert rater.name not in body


def test_her_own_manager_and_hr_read_it_once_feedback_is_over(personas):
    world = build(personas, stage="closed", upward_ratings=UPWARD_THREE)
    url = f"/reviews/{review_of(world.cycle, personas.manager).pk}/upward/"
    assert client_for(personas.skip.user).get(url).status_code == 200
    assert client_for(personas.scoped_hr).get(url).status_code == 200
    assert client_for(personas.manager.user).get(url).status_code == 404  # not released yet
    assert client_for(personas.employee.user).get(url).status_code == 404  # a rater, not a reader


def test_fewer_than_k_reports_show_nothing(personas):
    world = build(personas, upward_ratings={0: "1", 1: "1"})
    manager_review = review_of(world.cycle, personas.manager)
    response = client_for(personas.manager.user).get(f"/reviews/{manager_review.pk}/upward/")
    body = text_of(response)
    assert 'data-testid="upward-hidden"' in body
    assert "UPWARD-SAYS" not in body and "2 of" not in body


# ---- HR: managers' upward scores, and filters that would single someone out ------------------------------


def upward_url(cycle: Cycle, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/reviews/cycles/{cycle.pk}/upward/" + (f"?{query}" if query else "")


def test_hr_sees_each_managers_upward_score_when_at_least_k_answered(personas):
    world = build(personas, stage="closed", upward_ratings=UPWARD_THREE)
    response = client_for(personas.scoped_hr).get(upward_url(world.cycle))
    assert response.status_code == 200
    rows = {r.name: r for r in response.context["page"].rows}
    assert rows[personas.manager.name].shown and rows[personas.manager.name].score == "3"
    # The skip-level manager's reports (the manager, HR) did not answer: listed, nothing shown.
    assert not rows[personas.skip.name].shown and rows[personas.skip.name].answered is None


def test_managers_and_employees_cannot_open_hrs_list(personas):
    world = build(personas, stage="closed", upward_ratings=UPWARD_THREE)
    for user in (personas.manager.user, personas.employee.user, personas.other_hr):
        assert client_for(user).get(upward_url(world.cycle)).status_code == 404


def test_a_filter_that_leaves_a_group_below_k_is_refused(personas):
    # Five reports answer about the manager; two of them (P7) differ in level from the others (P5).
    world = build(personas, stage="feedback")
    manager_review = review_of(world.cycle, personas.manager)
    raters = upward_raters(manager_review)
    Employee.objects.filter(pk__in=[r.pk for r in raters[:2]]).update(job_level="P7")
    for rater in raters[:5]:
        give_feedback(manager_review, rater, rating="4")
    advance_to(personas.admin, world.cycle, PhaseKind.MANAGER)
    hr = client_for(personas.scoped_hr)
    response = hr.get(upward_url(world.cycle, level="P7"))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.refused and page.rows == []
    assert 'data-testid="upward-refused"' in text_of(response)


def test_a_filter_that_differs_from_the_whole_group_by_fewer_than_k_is_refused(personas):
    # Four answer: three P5 and one P7. "P5" alone holds 3 (≥ k) but all minus P5 isolates the one P7.
    world = build(personas, stage="feedback")
    manager_review = review_of(world.cycle, personas.manager)
    raters = upward_raters(manager_review)
    Employee.objects.filter(pk__in=[r.pk for r in raters]).update(job_level="P5")
    Employee.objects.filter(pk=raters[0].pk).update(job_level="P7")
    for rater in raters[:4]:
        give_feedback(manager_review, rater, rating="4")
    advance_to(personas.admin, world.cycle, PhaseKind.MANAGER)
    page = client_for(personas.scoped_hr).get(upward_url(world.cycle, level="P5")).context["page"]
    assert page.refused and page.rows == []


def test_a_department_and_level_filter_is_checked_against_each_wider_view(personas):
    # Six answer, all in East China; three P5 and three P7. Level P5 alone is fine (3 and 3), and so is the
    # department alone (all six); the two together are fine too — the same three.
    world = build(personas, peers=7, stage="feedback")
    manager_review = review_of(world.cycle, personas.manager)
    raters = upward_raters(manager_review)
    Employee.objects.filter(pk__in=[r.pk for r in raters[:3]]).update(job_level="P5")
    Employee.objects.filter(pk__in=[r.pk for r in raters[3:6]]).update(job_level="P7")
    for rater in raters[:6]:
        give_feedback(manager_review, rater, rating="4")
    advance_to(personas.admin, world.cycle, PhaseKind.MANAGER)
    hr = client_for(personas.scoped_hr)
    fine = hr.get(upward_url(world.cycle, level="P5", department=str(personas.east.pk))).context["page"]
    assert not fine.refused
    row = next(r for r in fine.rows if r.name == personas.manager.name)
    assert row.shown and row.answered == 3
    # One more P5 answer lies outside East China: the department filter now cuts the P5 group to 3 of 4.
    Employee.objects.filter(pk=raters[6].pk).update(job_level="P5", department=personas.sales)
    evaluation = Evaluation.objects.get(review=manager_review, rater=raters[6])
    Evaluation.objects.filter(pk=evaluation.pk).update(
        state=Evaluation.State.SUBMITTED, answers=answers_for(manager_review, "upward", rating="4")
    )
    refused = hr.get(upward_url(world.cycle, level="P5", department=str(personas.east.pk))).context["page"]
    assert refused.refused and refused.rows == []


def test_an_unknown_filter_value_gets_a_clear_error(personas):
    world = build(personas, stage="closed", upward_ratings=UPWARD_THREE)
    response = client_for(personas.scoped_hr).get(upward_url(world.cycle, level="NOPE"))
    assert response.status_code == 400
    assert "Choose a level from the list." in text_of(response)


def test_the_list_waits_for_the_feedback_phase_to_end(personas):
    world = build(personas, stage="feedback", upward_ratings=UPWARD_THREE)
    response = client_for(personas.scoped_hr).get(upward_url(world.cycle))
    assert response.context["page"].rows == []
    assert 'data-testid="upward-not-yet"' in text_of(response)


@pytest.mark.parametrize("extra", [0, 6])
def test_hrs_list_runs_the_same_queries_whatever_the_number_of_managers(personas, django_assert_num_queries, extra):
    # Each extra rater gets a report of her own, so the cycle has more managers with upward requests.
    for rater in make_raters(personas, extra, prefix="经理"):
        make_employee(f"下属{rater.pk}", personas.east, manager=rater, user=make_user(f"sub{rater.pk}"))
    world = build(personas, stage="closed", upward_ratings=UPWARD_THREE)
    client = signed_in(personas.scoped_hr)
    # session, user, actor_context (2), the cycle and the paths of its departments (gate: scoped HR), the
    # departments to filter by, the levels, the managers, their reports' answers.
    with django_assert_num_queries(10):
        response = client.get(upward_url(world.cycle))
    assert response.status_code == 200
    assert len(response.context["page"].rows) == 2 + extra  # the skip-level manager, the manager, the new ones
    with django_assert_num_queries(10):
        response = client.get(upward_url(world.cycle, level="P5"))
    assert response.status_code == 200


def test_reports_read_together_are_the_reports_read_one_by_one(personas):
    from jixiao.reviews.selectors_feedback import feedback_report
    from jixiao.reviews.selectors_report import feedback_reports

    world = build(personas, customers=1, upward_ratings=UPWARD_THREE)
    reviews = list(Review.objects.filter(cycle=world.cycle).select_related("cycle").order_by("pk"))
    together = feedback_reports(reviews)
    assert together == {review.pk: feedback_report(review) for review in reviews}


def test_hrs_list_pages_with_a_more_link(personas, monkeypatch):
    from jixiao.reviews import selectors_report

    monkeypatch.setattr(selectors_report, "PAGE_SIZE", 1)
    world = build(personas, stage="closed", upward_ratings=UPWARD_THREE)
    hr = client_for(personas.scoped_hr)
    first = hr.get(upward_url(world.cycle))
    page = first.context["page"]
    assert len(page.rows) == 1 and page.next_after is not None
    assert 'data-testid="upward-more"' in text_of(first)
    more = hr.get(upward_url(world.cycle, after=str(page.next_after), rows="1"), headers={"HX-Request": "true"})
    assert more.status_code == 200
    assert [r.name for r in more.context["page"].rows] != [r.name for r in page.rows]
    assert "<html" not in text_of(more)
