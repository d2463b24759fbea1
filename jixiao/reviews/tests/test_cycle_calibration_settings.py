"""A cycle's calibration phase and appeal settings (decision 0011): suggested dates, the form, the service's
checks, the cycle page during calibration and the release page while sessions hold reviews back."""

import datetime as dt
import itertools
import re
from dataclasses import replace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jixiao.audit.models import AuditEvent
from jixiao.core.errors import DomainError
from jixiao.goals.testing import make_period
from jixiao.reviews import services, services_rating
from jixiao.reviews.forms_cycles import default_360_dates, default_phase_dates, feedback_phase_dates
from jixiao.reviews.models import PHASE_ORDER, Cycle, CyclePhase, PhaseKind, Review
from jixiao.reviews.testing import (
    FEEDBACK_TEMPLATE,
    launch,
    make_cycle,
    make_ready,
    make_template,
    phases,
)

pytestmark = pytest.mark.django_db

START = dt.date(2028, 1, 3)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def period(personas):
    return make_period(personas.admin)


def in_order(dates: dict[str, tuple[dt.date, dt.date]], kinds) -> list[tuple[str, dt.date, dt.date]]:
    return [(k, *dates[k]) for k in sorted(kinds, key=PHASE_ORDER.index)]


# ---- suggested dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("skip_level", [False, True])
def test_suggested_calibration_runs_after_the_manager_review_and_release_waits_for_it(skip_level):
    dates = default_phase_dates(START, calibration=True)
    kinds = ["self", "manager", *(["skip_level"] if skip_level else []), "calibration", "release", "acknowledgement"]
    rows = in_order(dates, kinds)
    assert all(start <= due for _k, start, due in rows)
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(rows))
    manager_due = dates["manager"][1]
    assert dates["calibration"] == (manager_due + dt.timedelta(days=1), manager_due + dt.timedelta(days=5))
    assert dates["release"][0] == dates["calibration"][1] + dt.timedelta(days=1)


def test_without_calibration_release_follows_the_manager_review_with_no_gap():
    dates = default_phase_dates(START)
    assert dates["release"][0] == dates["manager"][1] + dt.timedelta(days=1)
    # The calibration row still has dates that fit, should HR tick it.
    assert dates["manager"][0] <= dates["calibration"][0] <= dates["release"][0]


def test_suggested_360_dates_with_calibration_keep_every_phase_in_order():
    dates = default_360_dates(START, calibration=True)
    kinds = [k for k in PHASE_ORDER if k != "skip_level"]
    rows = in_order(dates, kinds)
    assert all(start <= due for _k, start, due in rows)
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(rows))
    assert dates["calibration"][0] > dates["manager"][1] and dates["release"][0] > dates["calibration"][1]


@pytest.mark.parametrize("calibration", [False, True])
@pytest.mark.parametrize("feedback", [False, True])
@pytest.mark.parametrize("skip_level", [False, True])
def test_every_suggested_set_of_dates_is_accepted_by_the_service(personas, period, calibration, feedback, skip_level):
    today = timezone.localdate()
    if feedback:
        dates = default_360_dates(today, calibration=calibration)
    else:
        dates = default_phase_dates(today, calibration=calibration)
        dates |= feedback_phase_dates(dates)
    kinds = ["self", "manager", "release", "acknowledgement"]
    kinds += (["skip_level"] if skip_level else []) + (["calibration"] if calibration else [])
    kinds += ["peer_selection", "feedback"] if feedback else []
    template = make_template(**FEEDBACK_TEMPLATE) if feedback else make_template()
    cycle = services.cycle_create(
        actor=personas.admin,
        data=services.CycleInput(
            name="校准考核",
            name_en="Calibrated review",
            period=period,
            template=template,
            skip_level=skip_level,
            calibration=calibration,
            phases=tuple(services.PhaseInput(kind=k, starts_on=dates[k][0], due_on=dates[k][1]) for k in kinds),
        ),
    )
    assert cycle.calibration is calibration
    assert (PhaseKind.CALIBRATION in set(cycle.phases.values_list("kind", flat=True))) is calibration


# ---- the service's checks ----------------------------------------------------------------------------


def cycle_input(period, **changes):
    data = {
        "name": "考核",
        "name_en": "Review",
        "period": period,
        "template": make_template(),
        "phases": phases(calibration=changes.get("calibration", False)),
    }
    return services.CycleInput(**(data | changes))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"appeal_days": -1}, "appeal_days"),
        ({"appeal_days": 91}, "appeal_days"),
        ({"appeal_sla_days": 0}, "appeal_sla_days"),
        ({"appeal_sla_days": 91}, "appeal_sla_days"),
        ({"calibration": True, "phases": phases()}, "phases"),
        ({"calibration": False, "phases": phases(calibration=True)}, "phases"),
    ],
)
def test_the_service_refuses_bad_settings_and_writes_nothing(personas, period, changes, field):
    data = cycle_input(period, **changes)
    with pytest.raises(DomainError) as refused:
        services.cycle_create(actor=personas.admin, data=data)
    assert field in refused.value.fields
    assert Cycle.objects.count() == 0 and not AuditEvent.objects.filter(action="cycle.create").exists()


def test_appeals_may_be_turned_off_and_the_extremes_are_accepted(personas, period):
    cycle = services.cycle_create(
        actor=personas.admin, data=cycle_input(period, appeal_days=0, appeal_sla_days=90, calibration=True)
    )
    assert (cycle.appeal_days, cycle.appeal_sla_days, cycle.calibration) == (0, 90, True)
    event = AuditEvent.objects.get(action="cycle.create")
    after = event.after or {}
    assert after["calibration"] is True and after["appeal_days"] == 0


def test_after_launch_calibration_is_fixed_but_the_appeal_window_may_change(personas, period):
    cycle = launch(personas.admin, make_cycle(personas.admin, period, departments=(personas.sales,)))
    data = cycle_input(
        cycle.period, template=cycle.template, departments=(personas.sales.pk,), name=cycle.name, name_en=cycle.name_en
    )
    with pytest.raises(DomainError):
        services.cycle_update(
            actor=personas.admin,
            cycle=cycle,
            data=replace(data, calibration=True, phases=phases(calibration=True)),
            version=cycle.version,
        )
    cycle = services.cycle_update(
        actor=personas.admin, cycle=cycle, data=replace(data, appeal_days=30, appeal_sla_days=5), version=cycle.version
    )
    cycle.refresh_from_db()
    assert (cycle.calibration, cycle.appeal_days, cycle.appeal_sla_days) == (False, 30, 5)


# ---- the form ----------------------------------------------------------------------------------------


def form_data(personas, period, template, *, calibration=True, **changes):
    data = {
        "name": "2028年度考核",
        "name_en": "2028 annual review",
        "period": period.pk,
        "template": template.pk,
        "departments": [personas.sales.pk],
        "exclude": "",
        "calibration": "on" if calibration else None,
        "appeal_days": "7",
        "appeal_sla_days": "5",
    }
    for phase in phases(calibration=True, start=timezone.localdate() + dt.timedelta(days=1)):
        data[f"phase_{phase.kind}_start"] = phase.starts_on.isoformat()
        data[f"phase_{phase.kind}_due"] = phase.due_on.isoformat()
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_new_cycle_form_offers_calibration_and_the_appeal_settings_with_their_defaults(personas, period):
    html = client_for(personas.scoped_hr).get(reverse("reviews:cycle_new")).content.decode()
    assert 'name="calibration"' in html and "Calibration before release" in html
    assert 'data-phase="calibration" data-jxrc-calibration-row' in html
    assert 'name="appeal_days" value="14"' in html and 'name="appeal_sla_days" value="10"' in html
    assert '"plainCalibration"' in html and '"with360Calibration"' in html


def test_hr_creates_a_cycle_with_calibration_and_an_appeal_window(personas, period):
    template = make_template()
    response = client_for(personas.scoped_hr).post(reverse("reviews:cycle_new"), form_data(personas, period, template))
    cycle = Cycle.objects.get()
    assert response.status_code == 302
    assert (cycle.calibration, cycle.appeal_days, cycle.appeal_sla_days) == (True, 7, 5)
    kinds = sorted(CyclePhase.objects.filter(cycle=cycle).values_list("kind", flat=True), key=PHASE_ORDER.index)
    assert kinds == ["self", "manager", "calibration", "release", "acknowledgement"]


def test_without_calibration_ticked_its_dates_are_left_out(personas, period):
    template = make_template()
    response = client_for(personas.scoped_hr).post(
        reverse("reviews:cycle_new"), form_data(personas, period, template, calibration=False)
    )
    cycle = Cycle.objects.get()
    assert response.status_code == 302 and not cycle.calibration
    assert not CyclePhase.objects.filter(cycle=cycle, kind=PhaseKind.CALIBRATION).exists()


def test_empty_appeal_settings_take_the_defaults(personas, period):
    template = make_template()
    client_for(personas.scoped_hr).post(
        reverse("reviews:cycle_new"), form_data(personas, period, template, appeal_days="", appeal_sla_days="")
    )
    cycle = Cycle.objects.get()
    assert (cycle.appeal_days, cycle.appeal_sla_days) == (14, 10)


def test_calibration_without_its_dates_is_refused_beside_them(personas, period):
    template = make_template()
    data = form_data(personas, period, template, phase_calibration_start="", phase_calibration_due="")
    response = client_for(personas.scoped_hr).post(reverse("reviews:cycle_new"), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="error-phase_calibration_due"' in html and "Give the calibration its dates" in html
    assert Cycle.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "value"), [("appeal_days", "91"), ("appeal_days", "-1"), ("appeal_sla_days", "0"), ("appeal_days", "x")]
)
def test_appeal_settings_out_of_range_are_refused_beside_them(personas, period, name, value):
    template = make_template()
    response = client_for(personas.scoped_hr).post(
        reverse("reviews:cycle_new"), form_data(personas, period, template, **{name: value})
    )
    assert response.status_code == 422
    assert f'data-testid="error-{name}"' in response.content.decode()
    assert Cycle.objects.count() == 0


def test_editing_a_draft_shows_its_settings_and_a_launched_cycle_keeps_calibration_fixed(personas, period):
    cycle = make_cycle(
        personas.scoped_hr, period, departments=(personas.sales,), calibration=True, appeal_days=21, appeal_sla_days=7
    )
    client = client_for(personas.scoped_hr)
    html = client.get(reverse("reviews:cycle_edit", args=[cycle.pk])).content.decode()
    assert re.search(r'<input type="checkbox" name="calibration"[^>]*checked', html)
    assert 'name="appeal_days" value="21"' in html and 'name="appeal_sla_days" value="7"' in html
    cycle = launch(personas.scoped_hr, cycle)
    data = form_data(personas, period, cycle.template, calibration=False, appeal_days="30", version=cycle.version)
    for phase in cycle.phases.all():
        data[f"phase_{phase.kind}_start"] = phase.starts_on.isoformat()
        data[f"phase_{phase.kind}_due"] = phase.due_on.isoformat()
    response = client.post(reverse("reviews:cycle_edit", args=[cycle.pk]), data)
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.calibration and cycle.appeal_days == 30
    assert CyclePhase.objects.filter(cycle=cycle, kind=PhaseKind.CALIBRATION).exists()


# ---- the cycle page and release ----------------------------------------------------------------------


@pytest.fixture
def calibrating(personas, period):
    cycle = make_cycle(personas.scoped_hr, period, departments=(personas.sales,), calibration=True)
    return make_ready(personas.scoped_hr, launch(personas.scoped_hr, cycle), rating="3")


def test_the_cycle_page_shows_the_calibration_phase_and_links_to_calibration_during_it(personas, calibrating):
    html = client_for(personas.scoped_hr).get(calibrating.get_absolute_url()).content.decode()
    assert 'data-testid="phase-calibration" aria-current="step"' in html
    assert "with calibration" in html
    url = reverse("calibration:sessions")
    assert f'href="{url}?cycle={calibrating.pk}" data-testid="cycle-calibration"' in html


def test_the_cycle_page_offers_calibration_only_during_its_phase(personas, period):
    cycle = make_cycle(personas.scoped_hr, period, departments=(personas.sales,), calibration=True)
    cycle = launch(personas.scoped_hr, cycle)
    html = client_for(personas.scoped_hr).get(cycle.get_absolute_url()).content.decode()
    assert 'data-testid="phase-calibration"' in html and 'data-testid="cycle-calibration"' not in html


def test_release_leaves_out_reviews_held_in_an_open_session_and_says_so(personas, calibrating):
    held = Review.objects.get(cycle=calibrating, reviewee=personas.employee)
    services_rating.reviews_calibration_hold(review_ids=[held.pk], hold=True)
    ready = Review.objects.filter(cycle=calibrating, state=Review.State.READY).count()
    cycle = services.cycle_phase_advance(actor=personas.scoped_hr, cycle=calibrating, version=calibrating.version)
    client = client_for(personas.scoped_hr)
    html = client.get(reverse("reviews:cycle_release", args=[cycle.pk])).content.decode()
    assert f'data-ready="{ready - 1}"' in html and 'data-held="1"' in html
    assert "released once the session is closed" in html
    client.post(reverse("reviews:cycle_release", args=[cycle.pk]), {"department": ""})
    held.refresh_from_db()
    assert held.state == Review.State.READY
    assert Review.objects.filter(cycle=cycle, state=Review.State.RELEASED).count() == ready - 1
