"""Pages that choose 360 raters (issue 5, decision 0009): a review's nominations, the team's, HR's overview.

The reviewee proposes peers and sees only her peers; her manager and HR in scope approve, remove, add,
see each rater's load and declines, and invite customers by email; anyone else gets 404. Writes happen
during peer selection only (a replacement during feedback), and every page runs a fixed number of queries.
"""

import html
import io
import re

import pytest
from django.core import mail
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.core.testing.personas import make_employee, make_user
from jixiao.goals.testing import make_period
from jixiao.org.models import Status
from jixiao.reviews import services_feedback
from jixiao.reviews.models import (
    Cycle,
    Evaluation,
    EvaluationKind,
    Invitation,
    Nomination,
    PhaseKind,
    Review,
)
from jixiao.reviews.testing import advance_to, launch, make_cycle

pytestmark = pytest.mark.django_db
PEER = EvaluationKind.PEER


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def team(personas):
    """Three more colleagues of the employee under the same manager, with accounts."""
    return [
        make_employee(f"同事{i}", personas.east, manager=personas.manager, user=make_user(f"mate{i}")) for i in range(3)
    ]


def launch_360(personas, *, period=None, departments=None, **options) -> Cycle:
    """A launched cycle with 360 feedback, over sales unless `departments` says otherwise."""
    return launch(
        personas.admin,
        make_cycle(
            personas.admin,
            period or make_period(personas.admin),
            departments=departments or (personas.sales,),
            feedback=True,
            **options,
        ),
    )


@pytest.fixture
def cycle(personas, team):
    return launch_360(personas, name="年度360")


def review_of(cycle, employee) -> Review:
    return Review.objects.select_related("cycle", "department", "reviewee", "manager").get(
        cycle=cycle, reviewee=employee
    )


def asked_twice(personas, team, *, actor) -> Cycle:
    """A cycle whose raters may be asked by one reviewee, with team[1] proposed for the employee and team[0]."""
    cycle = launch_360(personas, rater_load_limit=1)
    for reviewee in (personas.employee, team[0]):
        services_feedback.nomination_propose(actor=actor, review=review_of(cycle, reviewee), rater=team[1])
    return cycle


def url(review) -> str:
    return f"/reviews/{review.pk}/nominations/"


def propose(personas, review, rater) -> Nomination:
    return services_feedback.nomination_propose(actor=personas.employee.user, review=review, rater=rater)


# ---- who may open it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "manager", "scoped_hr", "admin"])
def test_the_reviewee_her_manager_and_hr_in_scope_open_the_nomination_page(cycle, personas, who):
    user = getattr(personas, who)
    user = getattr(user, "user", user)
    response = signed_in(user).get(url(review_of(cycle, personas.employee)))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["peer", "skip", "other_hr", "outsider", "executive"])
def test_colleagues_the_skip_level_other_hr_and_outsiders_get_404(cycle, personas, who):
    user = getattr(personas, who)
    user = getattr(user, "user", user)
    assert signed_in(user).get(url(review_of(cycle, personas.employee))).status_code == 404


def test_a_review_without_360_feedback_has_no_nomination_page(personas):
    plain = launch(
        personas.admin, make_cycle(personas.admin, make_period(personas.admin), departments=(personas.sales,))
    )
    assert signed_in(personas.employee.user).get(url(review_of(plain, personas.employee))).status_code == 404


# ---- the reviewee ------------------------------------------------------------------------------------


def test_the_reviewee_sees_the_limits_and_how_many_more_to_propose(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    propose(personas, review, team[0])
    text = text_of(signed_in(personas.employee.user).get(url(review)))
    assert "Propose between 3 and 8 colleagues" in text
    assert "Propose 2 more colleagues to reach the minimum." in text
    assert team[0].name in text and "Waiting for approval" in text
    assert 'data-testid="approve"' not in text


def test_the_reviewee_proposes_a_peer_and_her_manager_is_told(
    cycle, personas, team, django_capture_on_commit_callbacks
):
    review = review_of(cycle, personas.employee)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(personas.employee.user).post(url(review), {"rater": team[1].pk})
    assert response.status_code == 302
    nomination = Nomination.objects.get(review=review, rater=team[1])
    assert nomination.state == Nomination.State.PROPOSED
    assert personas.manager.user.notifications.filter(url=url(review)).exists()
    assert AuditEvent.objects.filter(action="nomination.propose").count() == 1


def test_the_people_picker_finds_colleagues_by_pinyin_and_marks_those_already_nominated(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    propose(personas, review, team[0])
    client = signed_in(personas.employee.user)
    response = client.get(url(review), {"q": "tongshi"}, HTTP_HX_REQUEST="true")
    text = text_of(response)
    assert text.count('data-testid="candidate"') == 4  # 同事0–2 and 赵同事
    assert text.count('data-testid="candidate-taken"') == 1
    assert "<html" not in text  # the results alone, for htmx
    # Neither herself nor her manager is offered, and nobody who left.
    make_employee("王离职", personas.east, status=Status.LEFT)
    for query in (personas.employee.employee_number, personas.manager.name, "王离职"):
        assert 'data-testid="candidate"' not in text_of(client.get(url(review), {"q": query}, HTTP_HX_REQUEST="true"))


def test_the_reviewee_never_sees_customers_direct_reports_or_declines(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    services_feedback.customer_invite(
        actor=personas.manager.user, review=review, email="kehu@example.com", name="客户甲"
    )
    for rater in team:
        services_feedback.nomination_propose(actor=personas.manager.user, review=review, rater=rater)
    cycle = advance_to(personas.admin, cycle, PhaseKind.FEEDBACK)
    evaluation = Evaluation.objects.get(review=review, rater=team[0])
    services_feedback.feedback_decline(actor=team[0].user, evaluation=evaluation, reason="不太熟悉她的工作")
    text = text_of(signed_in(personas.employee.user).get(url(review_of(cycle, personas.employee))))
    assert "kehu@example.com" not in text and "客户甲" not in text
    assert "不太熟悉" not in text and "Declined" not in text
    assert text.count('data-testid="peer-row"') == 3
    assert 'data-testid="customers"' not in text and 'data-testid="rater-load"' not in text


# ---- the manager and HR ------------------------------------------------------------------------------


def test_the_manager_approves_and_removes_proposals(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    first, second = propose(personas, review, team[0]), propose(personas, review, team[1])
    client = signed_in(personas.manager.user)
    text = text_of(client.get(url(review)))
    assert text.count('data-testid="approve"') == 2 and "2 proposals wait for your decision." in text
    client.post(f"/reviews/nominations/{first.pk}/decide/", {"decision": "approve"})
    client.post(f"/reviews/nominations/{second.pk}/decide/", {"decision": "remove"})
    assert Nomination.objects.get(pk=first.pk).state == Nomination.State.APPROVED
    assert Nomination.objects.get(pk=second.pk).state == Nomination.State.REMOVED


def test_the_reviewee_and_colleagues_cannot_decide(cycle, personas, team):
    nomination = propose(personas, review_of(cycle, personas.employee), team[0])
    for user in (personas.employee.user, team[1].user, personas.skip.user):
        response = signed_in(user).post(f"/reviews/nominations/{nomination.pk}/decide/", {"decision": "approve"})
        assert response.status_code == 404
    assert Nomination.objects.get(pk=nomination.pk).state == Nomination.State.PROPOSED


def test_hr_adds_a_peer_directly_approved(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    signed_in(personas.scoped_hr).post(url(review), {"rater": team[2].pk})
    assert Nomination.objects.get(review=review, rater=team[2]).state == Nomination.State.APPROVED


def test_a_refused_nomination_says_why_and_writes_nothing(cycle, personas):
    review = review_of(cycle, personas.employee)
    response = signed_in(personas.employee.user).post(url(review), {"rater": personas.manager.pk}, follow=True)
    assert "The manager reviews as the manager, not as a peer." in text_of(response)
    assert not Nomination.objects.exists()


def test_raters_asked_by_more_reviewees_than_the_limit_are_flagged(personas, team):
    cycle = asked_twice(personas, team, actor=personas.scoped_hr)
    text = text_of(signed_in(personas.manager.user).get(url(review_of(cycle, personas.employee))))
    load = text.split('data-testid="rater-load"')[1].split("</td>")[0]
    assert "2 reviewees" in load and "too many" in load
    assert 'jxn-load-high" data-testid="rater-load"' in text


def test_outside_peer_selection_the_page_is_read_only_and_writes_are_refused(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    nomination = propose(personas, review, team[0])
    cycle = advance_to(personas.admin, cycle, PhaseKind.SELF)
    text = text_of(signed_in(personas.manager.user).get(url(review)))
    assert "Peers are chosen during the peer-selection phase only." in text
    assert 'data-testid="approve"' not in text and 'data-testid="peer-picker"' not in text
    response = signed_in(personas.manager.user).post(
        f"/reviews/nominations/{nomination.pk}/decide/", {"decision": "approve"}, follow=True
    )
    assert "Peers are chosen during the peer-selection phase only." in text_of(response)
    signed_in(personas.employee.user).post(url(review), {"rater": team[1].pk})
    assert Nomination.objects.get(pk=nomination.pk).state == Nomination.State.PROPOSED
    assert Nomination.objects.count() == 1


def test_a_decline_shows_its_reason_to_the_manager_who_asks_someone_else(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    for rater in team:
        services_feedback.nomination_propose(actor=personas.manager.user, review=review, rater=rater)
    cycle = advance_to(personas.admin, cycle, PhaseKind.FEEDBACK)
    evaluation = Evaluation.objects.get(review=review, rater=team[0])
    services_feedback.feedback_decline(actor=team[0].user, evaluation=evaluation, reason="这个季度合作很少")
    client = signed_in(personas.manager.user)
    text = text_of(client.get(url(review)))
    assert "这个季度合作很少" in text and "Ask someone else" in text
    client.post(url(review), {"rater": personas.peer.pk})
    replacement = Nomination.objects.get(review=review, rater=personas.peer)
    assert replacement.state == Nomination.State.APPROVED
    assert Evaluation.objects.get(nomination=replacement).state == Evaluation.State.PENDING
    assert AuditEvent.objects.filter(action="nomination.replace").exists()


def test_without_a_decline_nobody_is_added_during_feedback(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    advance_to(personas.admin, cycle, PhaseKind.FEEDBACK)
    response = signed_in(personas.manager.user).post(url(review), {"rater": personas.peer.pk}, follow=True)
    assert "Another peer is asked only when one declined." in text_of(response)
    assert not Nomination.objects.filter(review=review, kind=PEER).exists()


def test_the_page_says_direct_reports_are_asked_automatically(cycle, personas):
    text = text_of(signed_in(personas.manager.user).get(url(review_of(cycle, personas.employee))))
    assert "asked automatically when the feedback phase opens" in text


# ---- customers ---------------------------------------------------------------------------------------


def test_the_manager_invites_a_customer_who_gets_the_link_by_email_in_her_language(cycle, personas):
    review = review_of(cycle, personas.employee)
    response = signed_in(personas.manager.user).post(
        f"/reviews/{review.pk}/customers/", {"name": "Alice Chen", "email": "Alice@Example.com", "language": "en"}
    )
    assert response.status_code == 302
    nomination = Nomination.objects.get(review=review, kind=EvaluationKind.CUSTOMER)
    assert nomination.email == "alice@example.com"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"] and "Your feedback on" in message.subject
    found = re.search(r"/reviews/external/([A-Za-z0-9_-]+)/", str(message.body))
    assert found is not None
    token = found.group(1)
    assert message.body.count(f"http://testserver/reviews/external/{token}/") == 1
    assert Invitation.objects.get(nomination=nomination).token_hash == services_feedback.token_hash(token)
    page = text_of(signed_in(personas.manager.user).get(url(review), follow=True))
    assert token not in page and "Alice Chen" in page
    assert not any(token in str(e.after) or "alice@example.com" in str(e.after) for e in AuditEvent.objects.all())


def test_an_invitation_in_chinese_is_written_in_chinese(cycle, personas):
    review = review_of(cycle, personas.employee)
    signed_in(personas.manager.user).post(
        f"/reviews/{review.pk}/customers/", {"name": "陈女士", "email": "chen@example.com", "language": "zh-hans"}
    )
    body = str(mail.outbox[0].body)
    # Written under the Chinese locale (the expiry date reads 2027年…日 whatever the catalogue holds).
    assert "陈女士" in body and re.search(r"\d{4}年\d{1,2}月\d{1,2}日", body)


def test_a_bad_customer_email_is_shown_beside_the_field_and_nothing_is_sent(cycle, personas):
    review = review_of(cycle, personas.employee)
    response = signed_in(personas.manager.user).post(
        f"/reviews/{review.pk}/customers/", {"name": "客户", "email": "not-an-email", "language": "en"}
    )
    assert response.status_code == 422
    assert 'data-testid="error-email"' in text_of(response)
    assert not Nomination.objects.exists() and mail.outbox == []


def test_the_same_customer_twice_is_refused_beside_the_email(cycle, personas):
    review = review_of(cycle, personas.employee)
    client = signed_in(personas.manager.user)
    data = {"name": "客户", "email": "c@example.com", "language": "en"}
    client.post(f"/reviews/{review.pk}/customers/", data)
    response = client.post(f"/reviews/{review.pk}/customers/", data)
    assert response.status_code == 422
    error = text_of(response).split('data-testid="error-email"')[1].split("</div></div>")[0]
    assert "already invited" in error
    assert Nomination.objects.count() == 1 and len(mail.outbox) == 1


def test_a_failed_email_leaves_no_invitation(cycle, personas, settings):
    settings.EMAIL_BACKEND = "jixiao.reviews.tests.test_nomination_pages.BrokenBackend"
    review = review_of(cycle, personas.employee)
    response = signed_in(personas.manager.user).post(
        f"/reviews/{review.pk}/customers/", {"name": "客户", "email": "c@example.com", "language": "en"}
    )
    assert response.status_code == 422 and "could not be sent" in text_of(response)
    assert not Nomination.objects.exists() and not Invitation.objects.exists()


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server down")


def test_the_reviewee_cannot_invite_customers(cycle, personas):
    review = review_of(cycle, personas.employee)
    response = signed_in(personas.employee.user).post(
        f"/reviews/{review.pk}/customers/", {"name": "客户", "email": "c@example.com", "language": "en"}
    )
    assert response.status_code == 404 and not Nomination.objects.exists()


# ---- query counts ------------------------------------------------------------------------------------


def _many_nominations(personas, review, n):
    people = [make_employee(f"评价人{i}", personas.east, manager=personas.manager) for i in range(n)]
    Nomination.objects.bulk_create(
        Nomination(review=review, kind=PEER, rater=p, state=Nomination.State.APPROVED) for p in people
    )
    Nomination.objects.bulk_create(
        Nomination(review=review, kind=EvaluationKind.CUSTOMER, email=f"c{i}@example.com", name=f"客户{i}")
        for i in range(n)
    )


# Session, user, actor context (2), the gated review, then: phases, nominations, and for deciders the raters' load.
PAGE_QUERIES = {"manager": 8, "employee": 7}


@pytest.mark.parametrize("who", ["manager", "employee"])
def test_the_nomination_page_runs_the_same_queries_for_10_and_40_nominations(personas, django_assert_num_queries, who):
    for n in (10, 40):
        cycle = launch_360(personas, period=make_period(personas.admin, f"P{n}"))
        review = review_of(cycle, personas.employee)
        _many_nominations(personas, review, n)
        client = signed_in(getattr(personas, who).user)
        with django_assert_num_queries(PAGE_QUERIES[who]):
            response = client.get(url(review))
        assert text_of(response).count('data-testid="peer-row"') == n
        Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.CLOSED)


# ---- the manager's team ------------------------------------------------------------------------------


def test_the_team_page_counts_each_reports_peers(cycle, personas, team):
    review = review_of(cycle, personas.employee)
    propose(personas, review, team[0])
    services_feedback.nomination_propose(actor=personas.manager.user, review=review, rater=team[1])
    text = text_of(signed_in(personas.manager.user).get("/reviews/team/nominations/"))
    row = text.split(f'data-review="{review.pk}"')[1].split("</tr>")[0]
    assert '"row-proposed">1<' in row
    assert '"row-approved">1 ' in row
    assert "Review proposals" in row and url(review) in row


def test_the_team_page_says_what_happens_when_nothing_is_to_choose(personas):
    text = text_of(signed_in(personas.manager.user).get("/reviews/team/nominations/"))
    assert "No peers to choose right now" in text


def test_the_team_page_runs_the_same_queries_for_10_and_30_reports(personas, django_assert_num_queries):
    cycle = launch_360(personas)
    client = signed_in(personas.manager.user)
    for n in (10, 30):
        for i in range(n - Review.objects.filter(cycle=cycle, manager=personas.manager).count()):
            reviewee = make_employee(f"下属{n}_{i}", personas.east, manager=personas.manager)
            review = Review.objects.create(
                cycle=cycle, reviewee=reviewee, manager=personas.manager, department=personas.east
            )
            Nomination.objects.create(review=review, kind=PEER, rater=personas.peer)
        # Session, user, actor context (2), the cycles, the reviews with their counts.
        with django_assert_num_queries(6):
            response = client.get("/reviews/team/nominations/")
        assert text_of(response).count('data-testid="team-nomination-row"') == n


# ---- HR's overview and the bulk assignment ------------------------------------------------------------


def cycle_url(cycle) -> str:
    return f"/reviews/cycles/{cycle.pk}/nominations/"


def test_hr_sees_reviews_short_of_peers_and_raters_asked_too_often(personas, team):
    cycle = asked_twice(personas, team, actor=personas.scoped_hr)
    text = text_of(signed_in(personas.scoped_hr).get(cycle_url(cycle)))
    short = text.split('data-testid="short-table"')[1].split("</table>")[0]
    assert personas.employee.name in short
    overloaded = text.split('data-testid="overloaded-table"')[1].split("</table>")[0]
    assert team[1].name in overloaded and "2 reviewees" in overloaded
    assert "Open the feedback phase on the cycle page" in text


def test_admins_see_the_whole_cycle(personas, team):
    cycle = asked_twice(personas, team, actor=personas.admin)
    text = text_of(signed_in(personas.admin).get(cycle_url(cycle)))
    assert team[1].name in text.split('data-testid="overloaded-table"')[1]
    assert f'"sum-reviews">{Review.objects.filter(cycle=cycle).count()}<' in text


def test_hr_outside_the_cycles_scope_gets_404(cycle, personas):
    assert signed_in(personas.other_hr).get(cycle_url(cycle)).status_code == 404
    assert signed_in(personas.manager.user).get(cycle_url(cycle)).status_code == 404


def test_the_hr_page_runs_the_same_queries_for_10_and_40_reviews(personas, django_assert_num_queries):
    cycle = launch_360(personas)
    client = signed_in(personas.scoped_hr)
    rater = make_employee("常被问", personas.east)
    for n in (10, 40):
        for i in range(n - Nomination.objects.filter(rater=rater).count()):
            reviewee = make_employee(f"员工{n}_{i}", personas.east, manager=personas.manager)
            review = Review.objects.create(
                cycle=cycle, reviewee=reviewee, manager=personas.manager, department=personas.east
            )
            Nomination.objects.create(review=review, kind=PEER, rater=rater, state=Nomination.State.APPROVED)
        # Session, user, actor context (2), the cycle and its scope check (2), reviews, peers by state, short
        # of peers and their count, overloaded raters.
        with django_assert_num_queries(11):
            response = client.get(cycle_url(cycle))
        assert f"{n} reviewees" in text_of(response).split('data-testid="overloaded-table"')[1]


def xlsx(rows, header=("reviewee_number", "rater_number")) -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "peers.xlsx"
    return buffer


def import_url(cycle) -> str:
    return f"/reviews/cycles/{cycle.pk}/nominations/import/"


def test_hr_assigns_peers_from_a_file_as_approved(cycle, personas, team):
    proposed = propose(personas, review_of(cycle, personas.employee), team[0])
    rows = [(personas.employee.employee_number, t.employee_number) for t in team]
    response = signed_in(personas.scoped_hr).post(import_url(cycle), {"file": xlsx(rows)})
    assert response.status_code == 302
    review = review_of(cycle, personas.employee)
    assert set(Nomination.objects.filter(review=review, state="approved").values_list("rater_id", flat=True)) == {
        t.pk for t in team
    }
    assert Nomination.objects.get(pk=proposed.pk).state == Nomination.State.APPROVED
    # The same file again changes nothing.
    signed_in(personas.scoped_hr).post(import_url(cycle), {"file": xlsx(rows)})
    assert Nomination.objects.filter(review=review).count() == 3


def test_a_file_with_a_bad_row_writes_nothing_and_lists_every_problem(cycle, personas, team):
    outsider = make_employee("外部门", personas.rnd)
    employee = personas.employee.employee_number
    rows = [
        (employee, team[0].employee_number),  # good
        (employee, "NOPE"),  # unknown number
        (outsider.employee_number, team[1].employee_number),  # not in the cycle
        (employee, employee),  # herself
        (employee, personas.manager.employee_number),  # her manager
        (employee, team[0].employee_number),  # duplicate row
    ]
    response = signed_in(personas.scoped_hr).post(import_url(cycle), {"file": xlsx(rows)})
    assert response.status_code == 422
    text = text_of(response)
    assert text.count('data-testid="import-problem"') == 5
    for reason in (
        "No employee has the number NOPE.",
        "is not reviewed in this cycle.",
        "A reviewee cannot be her own peer.",
        "who reviews as the manager",
        "already in row 2",
    ):
        assert reason in text
    assert not Nomination.objects.exists()


def test_a_file_beyond_the_most_peers_is_refused(cycle, personas):
    people = [make_employee(f"同事X{i}", personas.east) for i in range(9)]
    rows = [(personas.employee.employee_number, p.employee_number) for p in people]
    text = text_of(signed_in(personas.scoped_hr).post(import_url(cycle), {"file": xlsx(rows)}))
    assert "would have 9 peers; at most 8" in text
    assert not Nomination.objects.exists()


def test_the_import_template_downloads_and_the_import_closes_after_peer_selection(cycle, personas):
    response = signed_in(personas.scoped_hr).get(import_url(cycle))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    advance_to(personas.admin, cycle, PhaseKind.SELF)
    rows = [(personas.employee.employee_number, personas.peer.employee_number)]
    response = signed_in(personas.scoped_hr).post(import_url(cycle), {"file": xlsx(rows)})
    assert response.status_code == 422 and "peer-selection phase only" in text_of(response)
    assert not Nomination.objects.exists()


def test_hr_cannot_assign_peers_to_reviewees_outside_her_scope(personas):
    cycle = launch_360(personas, departments=(personas.root,))
    rows = [(personas.rnd_head.employee_number, personas.peer.employee_number)]
    text = text_of(signed_in(personas.scoped_hr).post(import_url(cycle), {"file": xlsx(rows)}))
    assert "outside the departments you look after" in text
    assert not Nomination.objects.exists()


# ---- Chinese -----------------------------------------------------------------------------------------


def test_the_pages_speak_chinese(cycle, personas):
    review = review_of(cycle, personas.employee)
    for user, path in (
        (personas.employee.user, url(review)),
        (personas.manager.user, "/reviews/team/nominations/"),
        (personas.scoped_hr, cycle_url(cycle)),
    ):
        response = signed_in(user, "zh-hans").get(path)
        assert response.status_code == 200 and '<html lang="zh-hans">' in text_of(response)
