"""Calibration sessions through their services: opening, moving with a reason, the guide, potential, closing."""

from decimal import Decimal

import pytest

from jixiao.audit.models import AuditEvent
from jixiao.calibration import services
from jixiao.calibration.models import Adjustment, CalibrationSession, Member, Participant
from jixiao.calibration.testing import make_calibration_cycle, open_session, ready_reviews, submit_to_ready
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.models import Notification
from jixiao.goals.testing import make_period
from jixiao.reviews import services as review_services
from jixiao.reviews.models import PhaseKind, Review
from jixiao.reviews.testing import advance_to, launch, make_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(personas):
    return make_calibration_cycle(personas.admin, make_period(personas.admin), departments=(personas.sales,))


@pytest.fixture
def ready(cycle, personas):
    # The employee scores a 4 (A), everyone else a 3 (B).
    ready_reviews(cycle, {personas.employee.pk: "4"})
    return cycle


@pytest.fixture
def session(ready, personas):
    return open_session(personas.scoped_hr, ready, department=personas.sales, participants=[personas.manager.user])


def member_of(session, employee):
    member = Member.objects.select_related("session__cycle", "review").get(session=session, review__reviewee=employee)
    member.session = CalibrationSession.objects.select_related("cycle", "department").get(pk=session.pk)
    return member


def review_of(cycle, employee):
    return Review.objects.get(cycle=cycle, reviewee=employee)


# ---- opening ---------------------------------------------------------------------------------------------


def test_opening_takes_the_groups_reviews_holds_them_and_seats_the_opener_as_facilitator(session, personas, ready):
    reviews = Review.objects.filter(cycle=ready, department__path__startswith=personas.sales.path)
    assert Member.objects.filter(session=session).count() == reviews.count() > 0
    assert not reviews.filter(calibration_hold=False).exists()
    seats = dict(Participant.objects.filter(session=session).values_list("user_id", "facilitator"))
    assert seats == {personas.scoped_hr.pk: True, personas.manager.user.pk: False}
    member = member_of(session, personas.employee)
    assert member.original_band == "A"
    assert session.guide == {"S": 10, "A": 20, "B": 50, "C": 15, "D": 5}
    assert AuditEvent.objects.filter(action="calibration.session_open", target_id=str(session.pk)).exists()
    assert Notification.objects.filter(user=personas.manager.user).exists()


def test_reviews_already_in_a_session_are_reported_not_moved(ready, personas):
    east = open_session(personas.scoped_hr, ready, department=personas.east, name="East")
    opened = services.session_open(
        actor=personas.admin,
        cycle=ready,
        name="Sales",
        scope=CalibrationSession.Scope.DEPARTMENT,
        department=personas.sales,
    )
    taken = {t.review_id for t in opened.taken}
    assert taken == set(Member.objects.filter(session=east).values_list("review_id", flat=True))
    assert {t.session for t in opened.taken} == {"East"}
    assert Member.objects.filter(session=opened.session).count() == opened.members > 0
    assert not Member.objects.filter(session=opened.session, review_id__in=taken).exists()


def test_a_group_with_no_reviews_is_refused_and_nothing_is_written(ready, personas):
    before = (CalibrationSession.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError):
        services.session_open(
            actor=personas.admin,
            cycle=ready,
            name="Nobody",
            scope=CalibrationSession.Scope.LEVELS,
            levels=["P99"],
        )
    assert (CalibrationSession.objects.count(), AuditEvent.objects.count()) == before


def test_a_group_already_fully_in_sessions_is_refused(session, ready, personas):
    with pytest.raises(DomainError, match="another session"):
        services.session_open(
            actor=personas.scoped_hr,
            cycle=ready,
            name="Again",
            scope=CalibrationSession.Scope.DEPARTMENT,
            department=personas.sales,
        )


def test_hr_opens_sessions_only_over_departments_in_her_scope(ready, personas):
    with pytest.raises(DomainError) as refused:
        services.session_open(
            actor=personas.other_hr,
            cycle=ready,
            name="Not mine",
            scope=CalibrationSession.Scope.DEPARTMENT,
            department=personas.sales,
        )
    assert "department" in refused.value.fields
    assert not CalibrationSession.objects.exists()


def test_a_manager_cannot_open_a_session(ready, personas):
    with pytest.raises(DomainError):
        services.session_open(
            actor=personas.manager.user,
            cycle=ready,
            name="Mine",
            scope=CalibrationSession.Scope.DEPARTMENT,
            department=personas.east,
        )


def test_a_cycle_without_calibration_has_no_sessions(personas):
    period = make_period(personas.admin)
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.sales,)))
    with pytest.raises(DomainError, match="no calibration phase"):
        services.session_open(
            actor=personas.admin,
            cycle=cycle,
            name="X",
            scope=CalibrationSession.Scope.DEPARTMENT,
            department=personas.sales,
        )


def test_hand_picked_and_job_level_groups(ready, personas):
    employee_review = review_of(ready, personas.employee)
    picked = services.session_open(
        actor=personas.scoped_hr,
        cycle=ready,
        name="Picked",
        scope=CalibrationSession.Scope.PICKED,
        review_ids=[employee_review.pk],
    )
    assert picked.members == 1
    levels = services.session_open(
        actor=personas.scoped_hr, cycle=ready, name="P5", scope=CalibrationSession.Scope.LEVELS, levels=["P5"]
    )
    assert levels.members == Review.objects.filter(cycle=ready, reviewee__job_level="P5").count() - 1
    assert [t.review_id for t in levels.taken] == [employee_review.pk]


def test_participants_are_managers_and_hr(ready, personas):
    with pytest.raises(DomainError) as refused:
        open_session(personas.scoped_hr, ready, department=personas.sales, participants=[personas.employee.user])
    assert "participants" in refused.value.fields
    assert not CalibrationSession.objects.exists()


# ---- moving a rating -------------------------------------------------------------------------------------


def test_a_participant_moves_a_rating_with_a_reason_and_the_original_is_kept(session, ready, personas):
    member = member_of(session, personas.peer)
    adjustment = services.member_move(
        actor=personas.manager.user, member=member, band="A", reason="Led the Q3 launch alone."
    )
    review = review_of(ready, personas.peer)
    assert (review.band, review.band_override, review.override_source) == ("A", "A", "calibration")
    assert review.override_reason == "Led the Q3 launch alone."
    assert (adjustment.from_band, adjustment.to_band, adjustment.actor) == ("B", "A", personas.manager.user)
    assert Member.objects.get(pk=member.pk).original_band == "B"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"calibration.move", "review.result_change"} <= actions


def test_a_move_without_a_reason_is_refused_and_nothing_is_written(session, ready, personas):
    member = member_of(session, personas.peer)
    before = (Adjustment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as refused:
        services.member_move(actor=personas.manager.user, member=member, band="A", reason="   ")
    assert "reason" in refused.value.fields
    assert (Adjustment.objects.count(), AuditEvent.objects.count()) == before
    assert review_of(ready, personas.peer).band == "B"


def test_moving_back_to_the_scores_band_unpins_it(session, ready, personas):
    member = member_of(session, personas.peer)
    services.member_move(actor=personas.scoped_hr, member=member, band="C", reason="Missed two targets.")
    services.member_move(actor=personas.scoped_hr, member=member, band="B", reason="The targets moved mid-year.")
    review = review_of(ready, personas.peer)
    assert (review.band, review.band_override) == ("B", "")
    assert Adjustment.objects.filter(session=session).count() == 2


def test_a_stale_move_is_refused(session, personas):
    member = member_of(session, personas.peer)
    services.member_move(actor=personas.scoped_hr, member=member, band="C", reason="One")
    with pytest.raises(StaleWrite):
        services.member_move(actor=personas.manager.user, member=member, band="A", reason="Two", seen_band="B")


def test_moves_need_the_calibration_phase_a_ready_review_and_an_open_session(personas):
    period = make_period(personas.admin)
    cycle = make_calibration_cycle(personas.admin, period, departments=(personas.sales,), phase=PhaseKind.MANAGER)
    ready_reviews(cycle)
    session = open_session(personas.scoped_hr, cycle, department=personas.sales)
    member = member_of(session, personas.peer)
    with pytest.raises(DomainError, match="calibration phase"):
        services.member_move(actor=personas.scoped_hr, member=member, band="A", reason="Early")
    cycle = advance_to(personas.admin, cycle, PhaseKind.CALIBRATION)
    Review.objects.filter(pk=member.review_id).update(state=Review.State.MANAGER_REVIEW)
    member = member_of(session, personas.peer)
    with pytest.raises(DomainError, match="submitted and approved"):
        services.member_move(actor=personas.scoped_hr, member=member, band="A", reason="Not ready")
    assert not Adjustment.objects.exists()


def test_nobody_moves_her_own_rating(session, personas):
    member = member_of(session, personas.manager)
    with pytest.raises(DomainError, match="own rating"):
        services.member_move(actor=personas.manager.user, member=member, band="A", reason="I did well")


def test_a_non_participant_cannot_move(session, personas):
    member = member_of(session, personas.peer)
    with pytest.raises(DomainError):
        services.member_move(actor=personas.other_hr, member=member, band="A", reason="Because")
    assert not Adjustment.objects.exists()


# ---- potential, guide, participants ----------------------------------------------------------------------


def test_potential_is_rated_and_audited(session, personas):
    member = member_of(session, personas.peer)
    services.member_potential_set(actor=personas.manager.user, member=member, potential="high")
    assert Member.objects.get(pk=member.pk).potential == "high"
    assert AuditEvent.objects.filter(action="calibration.potential").count() == 1
    with pytest.raises(DomainError):
        services.member_potential_set(actor=personas.manager.user, member=member, potential="huge")


def test_the_guide_must_total_100(session, personas):
    with pytest.raises(DomainError) as refused:
        services.session_guide_update(
            actor=personas.scoped_hr, session=session, guide={"S": 10, "A": 20, "B": 50, "C": 15, "D": 10}, version=1
        )
    assert "guide" in refused.value.fields
    with pytest.raises(DomainError):
        services.session_guide_update(
            actor=personas.scoped_hr, session=session, guide={"S": 10, "A": 20, "B": 70}, version=1
        )
    services.session_guide_update(
        actor=personas.scoped_hr, session=session, guide={"S": 5, "A": 25, "B": 50, "C": 15, "D": 5}, version=1
    )
    session.refresh_from_db()
    assert session.guide == {"S": 5, "A": 25, "B": 50, "C": 15, "D": 5}
    assert AuditEvent.objects.filter(action="calibration.guide").count() == 1


def test_the_bias_threshold_is_set_with_the_guide_within_its_range(session, personas):
    guide = {"S": 10, "A": 20, "B": 50, "C": 15, "D": 5}
    for outside in (Decimal("0.05"), Decimal("2.50")):
        with pytest.raises(DomainError) as refused:
            services.session_guide_update(
                actor=personas.scoped_hr, session=session, guide=guide, version=1, bias_threshold=outside
            )
        assert "bias_threshold" in refused.value.fields
    session.refresh_from_db()
    assert session.bias_threshold == Decimal("0.50") and session.version == 1  # nothing written
    services.session_guide_update(
        actor=personas.scoped_hr, session=session, guide=guide, version=1, bias_threshold=Decimal("0.75")
    )
    session.refresh_from_db()
    assert session.bias_threshold == Decimal("0.75")
    event = AuditEvent.objects.get(action="calibration.guide")
    assert event.before is not None and event.after is not None
    assert event.before["bias_threshold"] == "0.50" and event.after["bias_threshold"] == "0.75"


def test_only_a_facilitator_changes_the_guide(session, personas):
    with pytest.raises(DomainError):
        services.session_guide_update(
            actor=personas.manager.user, session=session, guide={"S": 5, "A": 25, "B": 50, "C": 15, "D": 5}, version=1
        )


def test_a_facilitator_seats_and_unseats_people_and_stays_facilitator(session, personas):
    services.session_participants_set(
        actor=personas.scoped_hr, session=session, participants=[personas.skip.user], facilitators=[personas.skip.user]
    )
    seats = dict(Participant.objects.filter(session=session).values_list("user_id", "facilitator"))
    assert seats == {personas.scoped_hr.pk: True, personas.skip.user.pk: True}
    assert AuditEvent.objects.filter(action="calibration.participants").count() == 1


# ---- closing ---------------------------------------------------------------------------------------------


def test_closing_stores_a_summary_lifts_holds_and_tells_the_participants(session, ready, personas):
    services.member_move(
        actor=personas.manager.user, member=member_of(session, personas.peer), band="A", reason="Strong year"
    )
    services.member_move(
        actor=personas.manager.user, member=member_of(session, personas.employee), band="B", reason="Team effort"
    )
    Notification.objects.all().delete()
    closed = services.session_close(actor=personas.scoped_hr, session=session, version=session.version)
    assert closed.state == CalibrationSession.State.CLOSED and closed.closed_by == personas.scoped_hr
    summary = closed.summary
    assert (summary["changed"], summary["up"], summary["down"]) == (2, 1, 1)
    assert summary["members"] == Member.objects.filter(session=session).count()
    assert not Review.objects.filter(cycle=ready, calibration_hold=True).exists()
    assert list(Notification.objects.values_list("user_id", flat=True)) == [personas.manager.user.pk]
    with pytest.raises(DomainError):
        services.member_move(
            actor=personas.manager.user, member=member_of(session, personas.peer), band="C", reason="After"
        )


def test_held_reviews_wait_for_the_session_and_release_then_takes_them(personas):
    admin = personas.admin
    cycle = make_calibration_cycle(admin, make_period(admin), departments=(personas.sales,), phase=PhaseKind.MANAGER)
    review = submit_to_ready(cycle, review_of(cycle, personas.employee), rating="3")
    assert review.state == Review.State.READY and review.band == "B"
    cycle = advance_to(admin, cycle, PhaseKind.CALIBRATION)
    session = open_session(personas.scoped_hr, cycle, department=personas.east, participants=[personas.manager.user])
    services.member_move(
        actor=personas.manager.user, member=member_of(session, personas.employee), band="A", reason="Top of the team"
    )
    cycle = advance_to(admin, cycle, PhaseKind.RELEASE)
    assert review_services.reviews_release(actor=admin, cycle=cycle) == 0  # held in the open session
    services.session_close(actor=personas.scoped_hr, session=session, version=session.version)
    assert review_services.reviews_release(actor=admin, cycle=cycle) == 1
    review = review_of(cycle, personas.employee)
    assert (review.state, review.band, review.override_reason) == (Review.State.RELEASED, "A", "Top of the team")


def test_only_a_facilitator_closes_and_a_stale_close_is_refused(session, personas):
    with pytest.raises(DomainError):
        services.session_close(actor=personas.manager.user, session=session, version=session.version)
    with pytest.raises(StaleWrite):
        services.session_close(actor=personas.scoped_hr, session=session, version=session.version + 5)
    assert CalibrationSession.objects.get(pk=session.pk).state == CalibrationSession.State.OPEN
