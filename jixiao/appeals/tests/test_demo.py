"""The demo's calibration session and appeals: seeded through the services on top of the review cycles."""

from __future__ import annotations

import datetime as dt

import pytest

from jixiao.appeals.demo import appeals_seed_demo
from jixiao.appeals.models import Appeal
from jixiao.audit.models import AuditEvent
from jixiao.calibration.demo import SESSION_NAME, calibration_seed_demo
from jixiao.calibration.models import Adjustment, CalibrationSession, Member
from jixiao.goals.demo import goals_seed_demo
from jixiao.org.demo import company_seed_demo
from jixiao.reviews.demo import CALIBRATION_NAME, reviews_seed_demo
from jixiao.reviews.models import Review

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def seeded(mailoutbox):
    company_seed_demo(employees=80, seed=1)
    goals_seed_demo(seed=1, today=TODAY)
    assert reviews_seed_demo(seed=1, today=TODAY) is not None


def test_the_demo_session_calibrates_a_sales_region_with_the_manager_at_the_table(seeded):
    result = calibration_seed_demo(seed=1)
    assert result is not None and result.members > 0 and result.moves >= 1
    session = CalibrationSession.objects.get(name=SESSION_NAME)
    assert session.cycle.name == CALIBRATION_NAME[0] and session.state == CalibrationSession.State.OPEN
    seats = set(session.participants.values_list("user__username", "facilitator"))
    assert ("hr", True) in seats and ("manager", False) in seats
    members = Member.objects.filter(session=session)
    assert not members.filter(review__reviewee__user__username__in=["manager", "employee"]).exists()
    assert Review.objects.filter(pk__in=members.values("review_id"), calibration_hold=False).count() == 0
    for adjustment in Adjustment.objects.filter(session=session):
        review = Review.objects.get(pk=adjustment.review_id)
        assert review.band == adjustment.to_band and review.override_reason == adjustment.reason
        assert members.get(review_id=review.pk).original_band == adjustment.from_band
    assert members.exclude(potential="").count() > members.count() // 2
    assert AuditEvent.objects.filter(action="calibration.move").count() == result.moves
    assert calibration_seed_demo(seed=1) is None  # once


def test_the_demo_appeals_show_an_open_one_and_each_outcome(seeded):
    result = appeals_seed_demo()
    assert result is not None and result.open == 1 and result.appeals >= 2
    open_appeal = Appeal.objects.get(state__in=[Appeal.State.SUBMITTED, Appeal.State.UNDER_REVIEW])
    manager = open_appeal.review.manager
    assert manager is not None and manager.user is not None and manager.user.username == "manager"
    assert open_appeal.manager_response and open_appeal.owner is not None
    assert open_appeal.owner_id != manager.user_id
    decided = Appeal.objects.exclude(pk=open_appeal.pk)
    assert all(a.outcome for a in decided)
    for appeal in decided.filter(state=Appeal.State.CHANGED):
        assert appeal.review.override_source == Review.OverrideSource.APPEAL
    assert appeals_seed_demo() is None  # once
