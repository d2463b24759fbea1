"""The evidence panel on the manager's review form: who opens it, what it lists, and its fixed query count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jixiao.conversations.models import ActionItem, Checkpoint, Feedback, ImprovementPlan
from jixiao.conversations.selectors_evidence import LIMIT, evidence_for, review_for_evidence
from jixiao.conversations.testing_feedback import give
from jixiao.conversations.testing_idp import review_in_manager_phase
from jixiao.conversations.testing_meetings import next_meeting, start_one_on_one
from jixiao.goals.models import CheckIn, KPIActual
from jixiao.goals.testing import make_indicator, make_kpi_target, make_objective, make_period
from jixiao.reviews.models import Evaluation, EvaluationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(personas):
    today = timezone.localdate()
    return make_period(personas.admin, "本期", start=today - dt.timedelta(days=120), end=today + dt.timedelta(days=60))


@pytest.fixture
def review(personas, period):
    return review_in_manager_phase(personas, period=period)


def _fill(personas, period, n):
    """n items of each kind in the period, seen by the employee's manager."""
    emp, mgr, admin = personas.employee, personas.manager, personas.admin
    Feedback.objects.bulk_create(
        Feedback(
            giver=personas.peer,
            recipient=emp,
            kind="praise",
            text=f"好 {i}",
            visibility="manager",
            recipient_manager=mgr,
        )
        for i in range(n)
    )
    kr = make_objective(admin, period, employee=emp).key_results.get()
    CheckIn.objects.bulk_create(
        CheckIn(key_result=kr, value=Decimal(i), confidence="on_track", comment=f"进展 {i}") for i in range(n)
    )
    target = make_kpi_target(admin, make_indicator(admin), period, employee=emp)
    KPIActual.objects.bulk_create(
        KPIActual(
            target=target,
            measured_on=period.start + dt.timedelta(days=i),
            value=Decimal(i),
            source="manual",
            recorded_at=timezone.now(),
        )
        for i in range(n)
    )
    series = start_one_on_one(mgr, emp)
    meeting = next_meeting(series)
    ActionItem.objects.bulk_create(
        ActionItem(series=series, meeting=meeting, owner=emp, text=f"跟进 {i}") for i in range(n)
    )
    plan = ImprovementPlan.objects.create(
        employee=emp,
        manager=mgr,
        state="active",
        gaps="响应慢",
        starts_on=period.start,
        ends_on=period.end,
    )
    Checkpoint.objects.bulk_create(
        Checkpoint(plan=plan, title=f"检查 {i}", due_on=period.start + dt.timedelta(days=i)) for i in range(n)
    )


def test_the_manager_sees_every_kind_of_evidence_of_the_period(personas, period, review):
    _fill(personas, period, 3)
    evidence = evidence_for(personas.manager.user, review)
    counts = [len(evidence.feedback.rows), len(evidence.check_ins.rows), len(evidence.actuals.rows)]
    counts += [len(evidence.action_items.rows), len(evidence.checkpoints.rows)]
    assert counts == [3, 3, 3, 3, 3]
    assert not evidence.feedback.more


def test_private_feedback_to_her_is_not_evidence_for_the_manager(personas, review):
    give(personas.peer, personas.employee, visibility="private", text="只给你看")
    give(personas.peer, personas.employee, visibility="manager", text="经理也能看")
    texts = [f.text for f in evidence_for(personas.manager.user, review).feedback.rows]
    assert texts == ["经理也能看"]


def test_feedback_outside_the_period_is_left_out(personas, review):
    old = give(personas.peer, personas.employee, visibility="manager", text="去年的")
    Feedback.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    assert evidence_for(personas.manager.user, review).feedback.rows == []


def test_hr_in_scope_sees_no_one_on_one_items_she_is_not_part_of(personas, period, review):
    _fill(personas, period, 2)
    evidence = evidence_for(personas.scoped_hr, review)
    assert evidence.action_items.rows == []
    assert len(evidence.checkpoints.rows) == 2


@pytest.mark.parametrize("who", ["manager", "skip", "scoped_hr"])
def test_the_manager_skip_level_and_hr_in_scope_open_the_panel(client, personas, review, who):
    user = personas.scoped_hr if who == "scoped_hr" else getattr(personas, who).user
    client.force_login(user)
    response = client.get(reverse("conversations:evidence", args=[review.pk]))
    assert response.status_code == 200
    assert b'data-testid="evidence-panel"' in response.content


@pytest.mark.parametrize("who", ["employee", "peer", "other_hr", "outsider", "rnd_head"])
def test_everyone_else_gets_a_404(client, personas, review, who):
    user = getattr(personas, who) if who in ("other_hr", "outsider") else getattr(personas, who).user
    client.force_login(user)
    assert client.get(reverse("conversations:evidence", args=[review.pk])).status_code == 404


def test_a_missing_review_is_a_404(personas):
    with pytest.raises(Http404):
        review_for_evidence(personas.manager.user, 987654)


def test_the_panel_shows_the_newest_items_and_says_there_are_more(personas, period, review):
    _fill(personas, period, LIMIT + 3)
    evidence = evidence_for(personas.manager.user, review)
    assert len(evidence.feedback.rows) == LIMIT and evidence.feedback.more
    assert evidence.checkpoints.rows[0].due_on > evidence.checkpoints.rows[-1].due_on


@pytest.mark.parametrize("n", [5, 50])
def test_the_panel_runs_the_same_queries_for_5_and_50_items_of_each_kind(
    client, personas, period, review, n, django_assert_num_queries
):
    _fill(personas, period, n)
    client.force_login(personas.manager.user)
    url = reverse("conversations:evidence", args=[review.pk])
    client.get(url)
    # session + user, actor context (2), the review gate, then feedback, check-ins, actuals, action items,
    # checkpoints: five lists, one query each.
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b'data-testid="evidence-item"') == 5 * min(n, LIMIT)


def test_the_managers_review_form_loads_the_panel_and_the_self_review_does_not(client, personas, review):
    manager_eval = Evaluation.objects.get(review=review, kind=EvaluationKind.MANAGER)
    self_eval = Evaluation.objects.get(review=review, kind=EvaluationKind.SELF)
    url = reverse("conversations:evidence", args=[review.pk]).encode()
    client.force_login(personas.manager.user)
    assert url in client.get(reverse("reviews:evaluation", args=[manager_eval.pk])).content
    client.force_login(personas.employee.user)
    assert url not in client.get(reverse("reviews:evaluation", args=[self_eval.pk])).content


def test_without_skip_level_approval_the_managers_manager_is_not_shown_the_panel(client, personas, period):
    review = review_in_manager_phase(personas, period=period, skip_level=False)
    client.force_login(personas.skip.user)
    assert client.get(reverse("conversations:evidence", args=[review.pk])).status_code == 404
