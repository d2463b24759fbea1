"""Improvement plans: the state machine and the services (decision 0010)."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools

import pytest
from django.apps import apps as django_apps

from jixiao.audit.models import AuditEvent
from jixiao.conversations import services_pip as sp
from jixiao.conversations.models import Checkpoint, CheckpointNote, Expectation, ImprovementPlan
from jixiao.conversations.testing_pip import END, START, checkpoints, expectations, make_plan
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.models import Notification

S = ImprovementPlan.State
ACTIONS = sorted({action for (_state, action) in sp.TRANSITIONS})

pytestmark = pytest.mark.django_db


# ---- the pure state machine --------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "action"), sorted(sp.TRANSITIONS))
def test_every_legal_move_leads_where_the_table_says(state, action):
    assert sp.next_state(state, action) == sp.TRANSITIONS[(state, action)]


@pytest.mark.parametrize(
    ("state", "action"),
    [(s, a) for s, a in itertools.product(S.values, ACTIONS) if (s, a) not in sp.TRANSITIONS],
)
def test_every_illegal_move_is_refused_naming_the_state(state, action):
    with pytest.raises(DomainError) as caught:
        sp.next_state(state, action)
    assert sp.state_label(state) in str(caught.value.message)
    assert caught.value.code == "state"


def test_acknowledging_after_an_extension_leads_to_extended():
    assert sp.next_state(S.PENDING, "acknowledge", extended=True) == S.EXTENDED
    assert sp.next_state(S.PENDING, "acknowledge") == S.ACTIVE


def test_closed_plans_allow_nothing():
    for state in sp.CLOSED_STATES:
        assert sp.allowed_actions(state) == set()


# ---- create ------------------------------------------------------------------------------------------


def _create(personas, actor=None, **overrides):
    args = {
        "actor": actor or personas.manager.user,
        "employee": personas.employee,
        "gaps": "Late answers to customers.",
        "support": "Coaching.",
        "starts_on": START,
        "ends_on": END,
        "expectations": expectations(),
        "checkpoints": checkpoints(),
    }
    args.update(overrides)
    return sp.improvement_plan_create(**args)


def test_her_manager_opens_a_draft_plan_and_it_is_audited(personas):
    plan = _create(personas)
    assert plan.state == S.DRAFT
    assert plan.manager == personas.manager
    assert plan.expectations.count() == 2 and plan.checkpoints.count() == 2
    event = AuditEvent.objects.get(action="pip.create")
    assert event.target_id == str(plan.pk) and event.scope_path == personas.east.path


def test_hr_in_scope_opens_a_plan(personas):
    plan = _create(personas, actor=personas.scoped_hr)
    assert plan.hr == personas.scoped_hr


@pytest.mark.parametrize("who", ["peer", "skip", "other_hr", "outsider", "employee"])
def test_others_cannot_open_a_plan_for_her(personas, who):
    person = getattr(personas, who)
    user = getattr(person, "user", person)
    with pytest.raises(DomainError):
        _create(personas, actor=user)
    assert not ImprovementPlan.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"checkpoints": []}, "checkpoints"),
        ({"ends_on": None}, "ends_on"),
        ({"ends_on": START - dt.timedelta(days=1)}, "ends_on"),
        (
            {"checkpoints": [sp.CheckpointInput(title="Late", due_on=END + dt.timedelta(days=1))]},
            "checkpoints.0.due_on",
        ),
        (
            {"checkpoints": [sp.CheckpointInput(title="Early", due_on=START - dt.timedelta(days=1))]},
            "checkpoints.0.due_on",
        ),
        ({"checkpoints": [sp.CheckpointInput(title="No date", due_on=None)]}, "checkpoints.0.due_on"),
        ({"expectations": [sp.ExpectationInput(text="Answer faster", measure=" ")]}, "expectations.0.measure"),
        ({"expectations": []}, "expectations"),
        ({"gaps": "  "}, "gaps"),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_is_written(personas, overrides, field):
    with pytest.raises(DomainError) as caught:
        _create(personas, **overrides)
    assert field in caught.value.fields
    assert not ImprovementPlan.objects.exists()
    assert not Expectation.objects.exists() and not Checkpoint.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="pip.").exists()


def test_a_second_open_plan_for_the_same_person_is_refused(personas):
    _create(personas)
    with pytest.raises(DomainError):
        _create(personas)
    assert ImprovementPlan.objects.count() == 1


# ---- the life of a plan ------------------------------------------------------------------------------


def test_sending_tells_her_and_acknowledging_tells_the_manager(personas):
    plan = _create(personas)
    sp.improvement_plan_send(actor=personas.manager.user, plan=plan)
    assert plan.state == S.PENDING
    assert Notification.objects.filter(user=personas.employee.user).count() == 1
    sp.improvement_plan_acknowledge(actor=personas.employee.user, plan=plan)
    plan.refresh_from_db()
    assert plan.state == S.ACTIVE and plan.acknowledged_at is not None
    assert Notification.objects.filter(user=personas.manager.user).count() == 1
    assert list(AuditEvent.objects.filter(target_id=str(plan.pk)).values_list("action", flat=True).order_by("pk")) == [
        "pip.create",
        "pip.send",
        "pip.acknowledge",
    ]


@pytest.mark.parametrize("who", ["manager", "peer", "skip"])
def test_only_the_employee_acknowledges(personas, who):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.PENDING)
    with pytest.raises(DomainError):
        sp.improvement_plan_acknowledge(actor=getattr(personas, who).user, plan=plan)
    plan.refresh_from_db()
    assert plan.state == S.PENDING


def test_the_employee_cannot_send_extend_or_close_her_own_plan(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    me = personas.employee.user
    with pytest.raises(DomainError):
        sp.improvement_plan_extend(actor=me, plan=plan, ends_on=END + dt.timedelta(days=9), reason="x")
    with pytest.raises(DomainError):
        sp.improvement_plan_close(actor=me, plan=plan, outcome=S.PASSED, text="Done")
    plan.refresh_from_db()
    assert plan.state == S.ACTIVE and plan.ends_on == END


def test_an_extended_plan_is_acknowledged_again_and_comes_back_extended(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    later = END + dt.timedelta(days=30)
    assert plan.extended_at is None
    sp.improvement_plan_extend(actor=personas.manager.user, plan=plan, ends_on=later, reason="Holidays.")
    plan.refresh_from_db()
    assert plan.state == S.PENDING and plan.ends_on == later and plan.extended_at is not None
    first_extension = plan.extended_at
    sp.improvement_plan_acknowledge(actor=personas.employee.user, plan=plan)
    assert plan.state == S.EXTENDED
    # Extended once more: still extended after the new acknowledgement, and the field keeps the latest time.
    sp.improvement_plan_extend(actor=personas.scoped_hr, plan=plan, ends_on=later + dt.timedelta(days=7), reason="x")
    plan.refresh_from_db()
    assert plan.extended_at >= first_extension
    sp.improvement_plan_acknowledge(actor=personas.employee.user, plan=plan)
    assert plan.state == S.EXTENDED


def test_new_expectations_on_an_extended_plan_come_back_extended(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.EXTENDED)
    new = [sp.ExpectationInput(text="Answer within a day", measure="Median answer time")]
    sp.improvement_plan_change_expectations(actor=personas.manager.user, plan=plan, expectations=new)
    sp.improvement_plan_acknowledge(actor=personas.employee.user, plan=plan)
    assert plan.state == S.EXTENDED


def test_plans_extended_before_the_field_existed_get_it_from_the_audit_log(personas):
    migration = importlib.import_module("jixiao.conversations.migrations.0002_improvementplan_extended_at")
    extended = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.EXTENDED)
    ImprovementPlan.objects.filter(pk=extended.pk).update(extended_at=None)
    event = AuditEvent.objects.get(action="pip.extend", target_id=str(extended.pk))
    migration.backfill_extended_at(django_apps, None)
    extended.refresh_from_db()
    assert extended.extended_at == event.created_at
    assert not ImprovementPlan.objects.exclude(pk=extended.pk).filter(extended_at__isnull=False).exists()


@pytest.mark.parametrize("ends_on", [None, END, END - dt.timedelta(days=1)])
def test_an_extension_needs_a_later_end_date(personas, ends_on):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    with pytest.raises(DomainError) as caught:
        sp.improvement_plan_extend(actor=personas.manager.user, plan=plan, ends_on=ends_on, reason="More time.")
    assert "ends_on" in caught.value.fields
    plan.refresh_from_db()
    assert plan.state == S.ACTIVE and plan.ends_on == END


def test_a_draft_cannot_be_extended_and_the_message_names_the_state(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee)
    with pytest.raises(DomainError) as caught:
        sp.improvement_plan_extend(
            actor=personas.manager.user, plan=plan, ends_on=END + dt.timedelta(days=3), reason="x"
        )
    assert "Draft" in str(caught.value.message)


@pytest.mark.parametrize("outcome", [S.PASSED, S.NOT_PASSED, S.CANCELLED])
def test_an_active_plan_closes_with_an_outcome_and_a_reason(personas, outcome):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    sp.improvement_plan_close(actor=personas.scoped_hr, plan=plan, outcome=outcome, text="Reviewed with HR.")
    plan.refresh_from_db()
    assert plan.state == outcome and plan.outcome == "Reviewed with HR."
    assert AuditEvent.objects.filter(action="pip.close", target_id=str(plan.pk)).exists()


def test_a_draft_cannot_pass_and_a_closed_plan_cannot_reopen(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee)
    with pytest.raises(DomainError):
        sp.improvement_plan_close(actor=personas.manager.user, plan=plan, outcome=S.PASSED, text="x")
    sp.improvement_plan_close(actor=personas.manager.user, plan=plan, outcome=S.CANCELLED, text="x")
    with pytest.raises(DomainError):
        sp.improvement_plan_send(actor=personas.manager.user, plan=plan)
    with pytest.raises(DomainError):
        sp.improvement_plan_close(actor=personas.manager.user, plan=plan, outcome="won", text="x")


def test_closing_needs_a_reason(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    with pytest.raises(DomainError):
        sp.improvement_plan_close(actor=personas.manager.user, plan=plan, outcome=S.PASSED, text=" ")
    plan.refresh_from_db()
    assert plan.state == S.ACTIVE


# ---- editing and locked expectations -----------------------------------------------------------------


def _update(plan, actor, **overrides):
    args = {
        "actor": actor,
        "plan": plan,
        "version": plan.version,
        "gaps": plan.gaps,
        "support": plan.support,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "expectations": [sp.ExpectationInput(text=e.text, measure=e.measure) for e in plan.expectations.all()],
        "checkpoints": [sp.CheckpointInput(id=c.pk, title=c.title, due_on=c.due_on) for c in plan.checkpoints.all()],
    }
    args.update(overrides)
    return sp.improvement_plan_update(**args)


def test_a_draft_can_change_everything(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee)
    new = [sp.ExpectationInput(text="Answer within a day", measure="Median answer time")]
    _update(plan, personas.manager.user, expectations=new, gaps="New gaps", ends_on=END + dt.timedelta(days=5))
    plan.refresh_from_db()
    assert plan.gaps == "New gaps" and plan.ends_on == END + dt.timedelta(days=5)
    assert [e.text for e in plan.expectations.all()] == ["Answer within a day"]
    assert plan.version == 2


def test_editing_a_locked_expectation_through_the_plain_update_is_refused_and_nothing_is_written(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    before = list(plan.expectations.values_list("text", "measure"))
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        _update(
            plan,
            personas.manager.user,
            gaps="Also changed",
            expectations=[sp.ExpectationInput(text="Something else", measure="Another measure")],
        )
    assert "expectations" in caught.value.fields
    plan.refresh_from_db()
    assert list(plan.expectations.values_list("text", "measure")) == before
    assert plan.gaps != "Also changed" and plan.state == S.ACTIVE
    assert AuditEvent.objects.count() == events


def test_an_active_plan_still_takes_new_gaps_support_and_checkpoints(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    cps = [sp.CheckpointInput(id=c.pk, title=c.title, due_on=c.due_on) for c in plan.checkpoints.all()]
    cps.append(sp.CheckpointInput(title="Final review", due_on=END))
    _update(plan, personas.manager.user, support="More coaching", checkpoints=cps)
    plan.refresh_from_db()
    assert plan.support == "More coaching" and plan.checkpoints.count() == 3 and plan.state == S.ACTIVE


def test_an_active_plans_dates_change_only_by_extension(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    with pytest.raises(DomainError) as caught:
        _update(plan, personas.manager.user, ends_on=END + dt.timedelta(days=10))
    assert "ends_on" in caught.value.fields


def test_changing_expectations_bumps_the_version_and_asks_for_a_new_acknowledgement(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    new = [sp.ExpectationInput(text="Answer within a day", measure="Median answer time")]
    sp.improvement_plan_change_expectations(actor=personas.manager.user, plan=plan, expectations=new)
    plan.refresh_from_db()
    assert plan.state == S.PENDING and plan.expectations_version == 2
    assert [e.text for e in plan.expectations.all()] == ["Answer within a day"]
    sp.improvement_plan_acknowledge(actor=personas.employee.user, plan=plan)
    assert plan.state == S.ACTIVE
    assert AuditEvent.objects.filter(action="pip.expectations").count() == 1


def test_changing_expectations_of_a_draft_is_refused(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee)
    with pytest.raises(DomainError):
        sp.improvement_plan_change_expectations(actor=personas.manager.user, plan=plan, expectations=expectations(1))


def test_a_stale_edit_is_refused(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee)
    stale = plan.version
    _update(plan, personas.manager.user, gaps="First")
    other = ImprovementPlan.objects.get(pk=plan.pk)
    with pytest.raises(StaleWrite):
        _update(other, personas.scoped_hr, gaps="Second", version=stale)
    other.refresh_from_db()
    assert other.gaps == "First"


def test_a_checkpoint_with_notes_cannot_be_removed(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    first = plan.checkpoints.get(due_on=START + dt.timedelta(days=14))
    sp.checkpoint_note_add(actor=personas.employee.user, checkpoint=first, text="Going well.")
    with pytest.raises(DomainError):
        _update(plan, personas.manager.user, checkpoints=[sp.CheckpointInput(title="Only", due_on=END)])
    assert plan.checkpoints.count() == 2


# ---- notes ---------------------------------------------------------------------------------------------


def test_both_sides_add_progress_notes(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    checkpoint = plan.checkpoints.get(due_on=START + dt.timedelta(days=14))
    sp.checkpoint_note_add(actor=personas.employee.user, checkpoint=checkpoint, text="I answered 40 tickets.")
    sp.checkpoint_note_add(actor=personas.manager.user, checkpoint=checkpoint, text="Good progress.")
    authors = set(CheckpointNote.objects.values_list("author_id", flat=True))
    assert authors == {personas.employee.pk, personas.manager.pk}
    assert AuditEvent.objects.filter(action="pip.note").count() == 2


@pytest.mark.parametrize("who", ["peer", "skip", "scoped_hr"])
def test_others_do_not_write_progress_notes(personas, who):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee, state=S.ACTIVE)
    person = getattr(personas, who)
    with pytest.raises(DomainError):
        sp.checkpoint_note_add(
            actor=getattr(person, "user", person),
            checkpoint=plan.checkpoints.get(due_on=START + dt.timedelta(days=14)),
            text="x",
        )
    assert not CheckpointNote.objects.exists()


def test_no_notes_on_a_draft_or_a_closed_plan_nor_an_empty_one(personas):
    plan = make_plan(actor=personas.manager.user, employee=personas.employee)
    with pytest.raises(DomainError):
        sp.checkpoint_note_add(
            actor=personas.manager.user, checkpoint=plan.checkpoints.get(due_on=START + dt.timedelta(days=14)), text="x"
        )
    active = make_plan(actor=personas.manager.user, employee=personas.peer, state=S.ACTIVE)
    with pytest.raises(DomainError):
        sp.checkpoint_note_add(
            actor=personas.manager.user,
            checkpoint=active.checkpoints.get(due_on=START + dt.timedelta(days=14)),
            text="  ",
        )
    sp.improvement_plan_close(actor=personas.manager.user, plan=active, outcome=S.PASSED, text="Done.")
    with pytest.raises(DomainError):
        sp.checkpoint_note_add(
            actor=personas.manager.user,
            checkpoint=active.checkpoints.get(due_on=START + dt.timedelta(days=14)),
            text="x",
        )
    assert not CheckpointNote.objects.exists()
