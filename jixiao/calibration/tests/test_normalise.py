"""Applying a normalisation: as previewed, by a facilitator of an open session in the calibration phase, audited."""

import pytest
from django.urls import reverse

from jixiao.audit.models import AuditEvent
from jixiao.calibration import selectors_bias, services_normalise
from jixiao.calibration.models import Adjustment, CalibrationSession, Member
from jixiao.calibration.permissions import session_for_user
from jixiao.calibration.testing_bias import by_manager, calibration_cycle, make_managers, make_session
from jixiao.core.errors import NotFound
from jixiao.core.testing.personas import make_user
from jixiao.reviews.models import PhaseKind, Review
from jixiao.reviews.services_rating import review_result_change
from jixiao.reviews.testing import advance_to

pytestmark = pytest.mark.django_db
REASON = "Adjusted for differences between raters' scales."


@pytest.fixture
def cycle(personas):
    return calibration_cycle(personas.admin, departments=(personas.sales,))


@pytest.fixture
def reviews(cycle, personas):
    kind, strict, fair = make_managers(3, personas.east)
    return by_manager(
        cycle, {kind: ["4.9", "4.7", "4.5", "4.3"], strict: ["1.5", "2.0", "2.5"], fair: ["3.4", "3.5", "3.6"]}
    )


@pytest.fixture
def session(cycle, personas, reviews):
    return make_session(cycle, personas.scoped_hr, reviews, participants=[personas.manager.user, personas.other_hr])


def preview_of(personas, session):
    return selectors_bias.normalise_preview(session_for_user(personas.scoped_hr, session.pk, facilitator=True))


def written(session):
    """Everything an apply could write."""
    return (
        sorted(
            Review.objects.filter(cycle=session.cycle).values_list("pk", "band", "band_override", "override_reason")
        ),
        Adjustment.objects.count(),
        AuditEvent.objects.filter(action__in=["calibration.normalise", "review.result_change"]).count(),
    )


def apply(client, session, fingerprint):
    return client.post(reverse("calibration:normalise_apply", args=[session.pk]), {"fingerprint": fingerprint})


def test_the_preview_page_shows_before_and_after_and_writes_nothing(client, personas, session):
    before = written(session)
    client.force_login(personas.scoped_hr)
    response = client.get(reverse("calibration:normalise_preview", args=[session.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    preview = preview_of(personas, session)
    # Only the people who would move are listed (a session of 2,000 renders its movers, not everyone).
    assert html.count('data-testid="normalise-row"') == len(preview.moved) > 0
    assert 'data-testid="left-reason" data-code="no_spread"' not in html  # the fair manager has a spread
    assert REASON in html  # the reason people will read is shown before applying
    assert written(session) == before


def test_applying_moves_everyone_as_previewed_with_the_reason_an_adjustment_each_and_one_event(
    client, personas, session
):
    preview = preview_of(personas, session)
    moved = {r.review_id: (r.before.code, r.after.code) for r in preview.moved}
    assert len(moved) >= 3 and preview.up and preview.down
    originals = dict(Member.objects.filter(session=session).values_list("review_id", "original_band"))
    client.force_login(personas.scoped_hr)
    response = apply(client, session, preview.fingerprint)
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    for pk, band, source, reason in Review.objects.filter(pk__in=moved).values_list(
        "pk", "band", "override_source", "override_reason"
    ):
        assert (band, source, reason) == (moved[pk][1], "calibration", REASON)
    adjustments = Adjustment.objects.filter(session=session)
    assert sorted((a.review_id, a.from_band, a.to_band, a.kind) for a in adjustments) == sorted(
        (pk, before, after, "normalised") for pk, (before, after) in moved.items()
    )
    assert all(a.reason == REASON and a.actor == personas.scoped_hr for a in adjustments)
    event = AuditEvent.objects.get(action="calibration.normalise")
    assert event.target_id == str(session.pk) and event.actor == personas.scoped_hr
    assert event.after is not None
    assert (event.after["moved"], event.after["up"], event.after["down"]) == (len(moved), preview.up, preview.down)
    assert AuditEvent.objects.filter(action="review.result_change").count() == len(moved)
    # The band each came in with is kept.
    assert dict(Member.objects.filter(session=session).values_list("review_id", "original_band")) == originals


def test_after_applying_the_preview_moves_no_one(client, personas, session):
    services_normalise.session_normalise(
        actor=personas.scoped_hr, session=session, fingerprint=preview_of(personas, session).fingerprint
    )
    again = preview_of(personas, session)
    assert not again.moved and not again.can_apply


@pytest.mark.parametrize("who", ["manager", "other_hr", "outsider", "admin"])
def test_apply_is_refused_to_anyone_but_a_facilitator_and_writes_nothing(client, personas, session, who):
    users = {
        "manager": personas.manager.user,
        "other_hr": personas.other_hr,
        "outsider": personas.outsider,
        "admin": personas.admin,
    }
    fingerprint = preview_of(personas, session).fingerprint
    before = written(session)
    client.force_login(users[who])
    assert apply(client, session, fingerprint).status_code == 404
    assert written(session) == before


def test_the_service_refuses_a_participant_who_does_not_facilitate(personas, session):
    with pytest.raises(NotFound):
        services_normalise.session_normalise(
            actor=personas.manager.user, session=session, fingerprint=preview_of(personas, session).fingerprint
        )


def test_apply_is_refused_in_a_closed_session_and_writes_nothing(client, personas, session):
    fingerprint = preview_of(personas, session).fingerprint
    CalibrationSession.objects.filter(pk=session.pk).update(state=CalibrationSession.State.CLOSED)
    before = written(session)
    client.force_login(personas.scoped_hr)
    response = apply(client, session, fingerprint)
    assert response.status_code == 400 and b"This session is closed" in response.content
    assert b'data-testid="normalise-blocked"' in response.content
    assert written(session) == before


def test_apply_is_refused_once_the_cycle_left_its_calibration_phase(client, personas, session, cycle):
    fingerprint = preview_of(personas, session).fingerprint
    advance_to(personas.admin, cycle, PhaseKind.RELEASE)
    before = written(session)
    client.force_login(personas.scoped_hr)
    response = apply(client, session, fingerprint)
    assert response.status_code == 400 and b"calibration phase" in response.content
    assert written(session) == before


def test_a_stale_preview_is_refused_and_the_new_one_shown_writing_nothing(client, personas, session, reviews):
    stale = preview_of(personas, session).fingerprint
    # Someone moves a person by hand meanwhile: she is now left as she is, so the preview changed.
    review_result_change(
        actor=personas.manager.user,
        review=Review.objects.select_related("cycle").get(pk=reviews[0].pk),
        reason="Led the biggest deal",
        source="calibration",
        band="A",
    )
    Adjustment.objects.create(
        session=session, review=reviews[0], from_band="S", to_band="A", reason="Led the biggest deal"
    )
    before = written(session)
    client.force_login(personas.scoped_hr)
    response = apply(client, session, stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="normalise-error"' in html and "changed since this preview" in html
    assert preview_of(personas, session).fingerprint in html and stale not in html
    assert written(session) == before


def test_an_apply_without_a_preview_is_refused(client, personas, session):
    before = written(session)
    client.force_login(personas.scoped_hr)
    assert apply(client, session, "").status_code == 409
    assert written(session) == before


def test_a_normalisation_that_moves_no_one_is_refused(client, personas, cycle):
    (fair,) = make_managers(1, personas.east)
    session = make_session(cycle, personas.scoped_hr, by_manager(cycle, {fair: ["3.4", "3.5", "3.6"]}))
    preview = preview_of(personas, session)
    assert not preview.moved and not preview.can_apply
    before = written(session)
    client.force_login(personas.scoped_hr)
    response = apply(client, session, preview.fingerprint)
    assert response.status_code == 400 and b"nothing to apply" in response.content
    assert written(session) == before


def test_apply_is_a_post(client, personas, session):
    client.force_login(personas.scoped_hr)
    assert client.get(reverse("calibration:normalise_apply", args=[session.pk])).status_code == 405


def test_each_moved_person_reads_the_reason_in_her_own_language(personas, session, monkeypatch):
    preview = preview_of(personas, session)
    first = preview.moved[0]
    person = Review.objects.get(pk=first.review_id).reviewee
    person.user = make_user("p_moved", language="zh-hans")
    person.save(update_fields=["user"])
    asked: dict[str, str] = {}
    monkeypatch.setattr(
        services_normalise, "normalised_reason", lambda language: asked.setdefault(language, f"reason:{language}")
    )
    services_normalise.session_normalise(
        actor=personas.scoped_hr, session=session, fingerprint=preview_of(personas, session).fingerprint
    )
    assert Review.objects.get(pk=first.review_id).override_reason == "reason:zh-hans"
    assert set(asked) == {"zh-hans", ""}  # the others have no language of their own: the facilitator's is used


def test_the_audit_log_names_the_normalisation():
    from jixiao.audit.selectors import ACTION_LABELS

    assert "calibration.normalise" in ACTION_LABELS
