"""Writes on improvement plans (PIP, 绩效改进计划; decision 0010).

Every function is keyword-only, atomic and audited. The plan's state machine is `TRANSITIONS` (pure, see
`next_state`); anything else is refused with a message that names the state:

    draft ─send→ pending ─acknowledge→ active ─extend / change_expectations→ pending ─acknowledge→ extended …
    draft | pending | active | extended ─cancel→ cancelled;  active | extended ─close→ passed | not_passed

Expectations lock once the plan is active: the plain update refuses to change them and
`improvement_plan_change_expectations` bumps `expectations_version` and sends the plan back for a new
acknowledgement. A plan that has been extended comes back to `extended` (not `active`) when acknowledged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.notifications import Message, notify
from jixiao.org.models import Employee, Status
from jixiao.org.selectors import actor_context

from .models import Checkpoint, CheckpointNote, Expectation, ImprovementPlan

S = ImprovementPlan.State
TARGET_TYPE = "conversations.improvementplan"

# (state, action) → next state. "acknowledge" leads to `extended` instead of `active` once a plan has been
# extended (next_state's `extended`).
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, "send"): S.PENDING,
    (S.DRAFT, "cancel"): S.CANCELLED,
    (S.PENDING, "acknowledge"): S.ACTIVE,
    (S.PENDING, "cancel"): S.CANCELLED,
    (S.ACTIVE, "extend"): S.PENDING,
    (S.ACTIVE, "change_expectations"): S.PENDING,
    (S.ACTIVE, "pass"): S.PASSED,
    (S.ACTIVE, "not_pass"): S.NOT_PASSED,
    (S.ACTIVE, "cancel"): S.CANCELLED,
    (S.EXTENDED, "extend"): S.PENDING,
    (S.EXTENDED, "change_expectations"): S.PENDING,
    (S.EXTENDED, "pass"): S.PASSED,
    (S.EXTENDED, "not_pass"): S.NOT_PASSED,
    (S.EXTENDED, "cancel"): S.CANCELLED,
}
OPEN_STATES: tuple[str, ...] = (S.DRAFT, S.PENDING, S.ACTIVE, S.EXTENDED)
CLOSED_STATES: tuple[str, ...] = (S.PASSED, S.NOT_PASSED, S.CANCELLED)
LOCKED_STATES: tuple[str, ...] = (S.ACTIVE, S.EXTENDED)  # expectations locked
NOTE_STATES: tuple[str, ...] = (S.PENDING, S.ACTIVE, S.EXTENDED)
OUTCOME_ACTIONS: dict[str, str] = {S.PASSED: "pass", S.NOT_PASSED: "not_pass", S.CANCELLED: "cancel"}

# State names with a context: "Active" alone is an employee's status (在职), not a plan's (执行中).
STATE_LABELS: dict[str, Any] = {
    S.DRAFT: pgettext_lazy("plan", "Draft"),
    S.PENDING: pgettext_lazy("plan", "Waiting for acknowledgement"),
    S.ACTIVE: pgettext_lazy("plan", "Active"),
    S.EXTENDED: pgettext_lazy("plan", "Extended"),
    S.PASSED: pgettext_lazy("plan", "Passed"),
    S.NOT_PASSED: pgettext_lazy("plan", "Not passed"),
    S.CANCELLED: pgettext_lazy("plan", "Cancelled"),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


ACTION_NAMES = {
    "send": gettext_lazy("send it for acknowledgement"),
    "acknowledge": gettext_lazy("acknowledge it"),
    "extend": gettext_lazy("extend it"),
    "change_expectations": gettext_lazy("change its expectations"),
    "pass": gettext_lazy("close it as passed"),
    "not_pass": gettext_lazy("close it as not passed"),
    "cancel": gettext_lazy("cancel it"),
    "update": gettext_lazy("edit it"),
    "note": gettext_lazy("add a progress note"),
}


def next_state(state: str, action: str, *, extended: bool = False) -> str:
    """The state `action` leads to from `state`; DomainError naming the state when it is not allowed."""
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise refuse(state, action)
    if target == S.ACTIVE and extended:
        return S.EXTENDED
    return target


def refuse(state: str, action: str) -> DomainError:
    return DomainError(
        _("This plan is %(state)s: you cannot %(action)s now.")
        % {"state": state_label(state), "action": ACTION_NAMES.get(action, action)},
        code="state",
    )


def allowed_actions(state: str) -> set[str]:
    return {action for (s, action) in TRANSITIONS if s == state}


# ---- input -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectationInput:
    text: str
    measure: str


@dataclass(frozen=True)
class CheckpointInput:
    title: str
    due_on: dt.date | None
    id: int | None = None


def _clean(text: str) -> str:
    return (text or "").strip()


def _check_fields(errors: dict[str, list[str]]) -> None:
    """Refuse, with every field's problem, when there is any."""
    if errors:
        raise DomainError(_("Some fields need attention."), fields=errors)


def _check_expectations(expectations: Sequence[ExpectationInput], errors: dict[str, list[str]]) -> None:
    if not expectations:
        errors.setdefault("expectations", []).append(_("Add at least one expected result, with its measure."))
    for i, e in enumerate(expectations):
        if not _clean(e.text):
            errors.setdefault(f"expectations.{i}.text", []).append(_("Say what result is expected."))
        elif len(_clean(e.text)) > 500:
            errors.setdefault(f"expectations.{i}.text", []).append(_("Keep it under 500 characters."))
        if not _clean(e.measure):
            errors.setdefault(f"expectations.{i}.measure", []).append(
                _("Say how this result will be measured: every expectation needs a measure.")
            )
        elif len(_clean(e.measure)) > 500:
            errors.setdefault(f"expectations.{i}.measure", []).append(_("Keep it under 500 characters."))


def _check_plan(
    *,
    gaps: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    expectations: Sequence[ExpectationInput] | None,
    checkpoints: Sequence[CheckpointInput],
) -> None:
    errors: dict[str, list[str]] = {}
    if not _clean(gaps):
        errors["gaps"] = [_("Describe the gaps this plan is about.")]
    if starts_on is None:
        errors["starts_on"] = [_("Give the date the plan starts.")]
    if ends_on is None:
        errors["ends_on"] = [_("Give the date the plan ends: a plan needs an end date.")]
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The plan cannot end before it starts.")]
    if expectations is not None:
        _check_expectations(expectations, errors)
    if not checkpoints:
        errors["checkpoints"] = [_("Add at least one checkpoint with a date.")]
    for i, c in enumerate(checkpoints):
        if not _clean(c.title):
            errors.setdefault(f"checkpoints.{i}.title", []).append(_("Name the checkpoint."))
        elif len(_clean(c.title)) > 200:
            errors.setdefault(f"checkpoints.{i}.title", []).append(_("Keep it under 200 characters."))
        if c.due_on is None:
            errors.setdefault(f"checkpoints.{i}.due_on", []).append(_("Give the checkpoint a date."))
        elif starts_on and ends_on and ends_on >= starts_on and not (starts_on <= c.due_on <= ends_on):
            errors.setdefault(f"checkpoints.{i}.due_on", []).append(
                _("Checkpoints fall within the plan: between %(start)s and %(end)s.")
                % {"start": starts_on.isoformat(), "end": ends_on.isoformat()}
            )
    _check_fields(errors)


# ---- who may ---------------------------------------------------------------------------------------


def may_open_for(user: Any, employee: Employee) -> bool:
    """Her current manager, or HR whose scope holds her department (admins too)."""
    ctx = actor_context(user)
    if ctx.employee_id is not None and ctx.employee_id == employee.pk:
        return False
    if ctx.employee_id is not None and employee.manager_id == ctx.employee_id:
        return True
    return ctx.in_hr_scope(employee.department.path)


def may_manage(user: Any, plan: ImprovementPlan) -> bool:
    """Edit, send, extend, close: the employee's current manager or HR in scope (never the employee)."""
    return may_open_for(user, plan.employee)


def _require_manage(user: Any, plan: ImprovementPlan) -> None:
    if not may_manage(user, plan):
        raise DomainError(_("Only her manager or HR can change this plan."), code="forbidden")


def _scope(plan: ImprovementPlan) -> str:
    return plan.employee.department.path


def _claim(plan: ImprovementPlan, version: int | None) -> None:
    """Take the plan's version (the one the page showed, or the one loaded); refuse a stale write."""
    expected = plan.version if version is None else version
    updated = ImprovementPlan.objects.filter(pk=plan.pk, version=expected).update(version=F("version") + 1)
    if not updated:
        raise StaleWrite(_("Someone else changed this plan. Reload to see their changes."))
    plan.version = expected + 1


def _audit(
    actor: Any, action: str, plan: ImprovementPlan, *, before: dict[str, Any] | None = None, after: dict[str, Any]
) -> None:
    """Record a change of the plan, readable by HR whose scope holds her department."""
    record_event(actor=actor, action=action, target=plan, scope_path=_scope(plan), before=before, after=after)


def _snapshot(plan: ImprovementPlan) -> dict[str, Any]:
    return {
        "state": plan.state,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "expectations_version": plan.expectations_version,
    }


def _write_expectations(plan: ImprovementPlan, expectations: Sequence[ExpectationInput]) -> None:
    plan.expectations.all().delete()
    Expectation.objects.bulk_create(
        [
            Expectation(plan=plan, text=_clean(e.text), measure=_clean(e.measure), order=i)
            for i, e in enumerate(expectations)
        ]
    )


def _write_checkpoints(plan: ImprovementPlan, checkpoints: Sequence[CheckpointInput]) -> None:
    existing = {c.pk: c for c in plan.checkpoints.all()}
    kept = {c.id for c in checkpoints if c.id in existing}
    gone = set(existing) - kept
    if gone and CheckpointNote.objects.filter(checkpoint_id__in=gone).exists():
        raise DomainError(
            _("A checkpoint with progress notes cannot be removed."), fields={"checkpoints": [_("Keep it.")]}
        )
    Checkpoint.objects.filter(pk__in=gone).delete()
    changed, new = [], []
    for c in checkpoints:
        assert c.due_on is not None  # _check_plan refused a checkpoint without a date
        if c.id is not None and c.id in existing:
            row = existing[c.id]
            row.title, row.due_on = _clean(c.title), c.due_on
            changed.append(row)
        else:
            new.append(Checkpoint(plan=plan, title=_clean(c.title), due_on=c.due_on))
    Checkpoint.objects.bulk_update(changed, ["title", "due_on"])
    Checkpoint.objects.bulk_create(new)


def _same_expectations(plan: ImprovementPlan, expectations: Sequence[ExpectationInput]) -> bool:
    current = [(e.text, e.measure) for e in plan.expectations.all()]
    return current == [(_clean(e.text), _clean(e.measure)) for e in expectations]


def _plan_url(plan: ImprovementPlan) -> str:
    return reverse("conversations:pip_detail", args=[plan.pk])


# ---- services --------------------------------------------------------------------------------------


@transaction.atomic
def improvement_plan_create(
    *,
    actor: Any,
    employee: Employee,
    gaps: str,
    support: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    expectations: Sequence[ExpectationInput],
    checkpoints: Sequence[CheckpointInput],
) -> ImprovementPlan:
    """Open a plan (as a draft) for a person: by her current manager or HR in scope."""
    if not may_open_for(actor, employee):
        raise DomainError(_("Only her manager or HR can open an improvement plan for her."), code="forbidden")
    if employee.status == Status.LEFT:
        raise DomainError(_("This person has left the company."), fields={"employee": [_("Choose someone else.")]})
    if employee.manager_id is None:
        raise DomainError(
            _("This person has no manager: set one before opening a plan."),
            fields={"employee": [_("Choose someone else.")]},
        )
    _check_plan(gaps=gaps, starts_on=starts_on, ends_on=ends_on, expectations=expectations, checkpoints=checkpoints)
    if ImprovementPlan.objects.filter(employee=employee, state__in=OPEN_STATES).exists():
        raise DomainError(
            _("She already has an open improvement plan: close it before opening another."),
            fields={"employee": [_("Choose someone else.")]},
        )
    assert starts_on is not None and ends_on is not None
    ctx = actor_context(actor)
    plan = ImprovementPlan.objects.create(
        employee=employee,
        manager_id=employee.manager_id,
        hr=actor if ctx.is_hr else None,
        gaps=_clean(gaps),
        support=_clean(support),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _write_expectations(plan, expectations)
    _write_checkpoints(plan, checkpoints)
    _audit(
        actor,
        "pip.create",
        plan,
        after={
            **_snapshot(plan),
            "employee": employee.pk,
            "expectations": len(expectations),
            "checkpoints": len(checkpoints),
        },
    )
    return plan


@transaction.atomic
def improvement_plan_update(
    *,
    actor: Any,
    plan: ImprovementPlan,
    version: int | None,
    gaps: str,
    support: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    expectations: Sequence[ExpectationInput] | None,
    checkpoints: Sequence[CheckpointInput],
) -> ImprovementPlan:
    """Edit a plan: everything while draft or pending; once active, not its expectations nor its dates."""
    _require_manage(actor, plan)
    if plan.state not in OPEN_STATES:
        raise refuse(plan.state, "update")
    locked = plan.state in LOCKED_STATES
    if locked:
        errors: dict[str, list[str]] = {}
        if expectations is not None and not _same_expectations(plan, expectations):
            errors["expectations"] = [
                _(
                    "The expectations are locked while the plan is active. Use “Change expectations”: she will "
                    "be asked to acknowledge them again."
                )
            ]
        if starts_on != plan.starts_on or ends_on != plan.ends_on:
            errors["ends_on"] = [_("The dates are fixed while the plan is active. Use “Extend” for a later end.")]
        _check_fields(errors)
        expectations = None
    _check_plan(gaps=gaps, starts_on=starts_on, ends_on=ends_on, expectations=expectations, checkpoints=checkpoints)
    _claim(plan, version)
    before = {"gaps": plan.gaps, "support": plan.support, **_snapshot(plan)}
    assert starts_on is not None and ends_on is not None
    plan.gaps, plan.support, plan.starts_on, plan.ends_on = _clean(gaps), _clean(support), starts_on, ends_on
    plan.save(update_fields=["gaps", "support", "starts_on", "ends_on", "updated_at"])
    if expectations is not None:
        _write_expectations(plan, expectations)
    _write_checkpoints(plan, checkpoints)
    _audit(
        actor,
        "pip.update",
        plan,
        before=before,
        after={"gaps": plan.gaps, "support": plan.support, **_snapshot(plan), "checkpoints": len(checkpoints)},
    )
    return plan


def _move(plan: ImprovementPlan, action: str, *, version: int | None) -> str:
    before = plan.state
    target = next_state(plan.state, action, extended=plan.extended_at is not None)
    _claim(plan, version)
    plan.state = target
    return before


@transaction.atomic
def improvement_plan_send(*, actor: Any, plan: ImprovementPlan, version: int | None = None) -> ImprovementPlan:
    """Send a draft to the employee for acknowledgement; she is told."""
    _require_manage(actor, plan)
    before = _move(plan, "send", version=version)
    plan.save(update_fields=["state", "updated_at"])
    _audit(actor, "pip.send", plan, before={"state": before}, after=_snapshot(plan))
    _tell_employee(plan)
    return plan


def _tell_employee(plan: ImprovementPlan) -> None:
    user = plan.employee.user
    if user is None or not user.is_active:
        return
    url = _plan_url(plan)
    notify(
        [user],
        lambda _u: Message(
            title=_("An improvement plan is waiting for your acknowledgement"),
            body=_("Read the plan, its expected results and checkpoints, then acknowledge it. It ends on %(date)s.")
            % {"date": plan.ends_on.isoformat()},
            url=url,
        ),
    )


@transaction.atomic
def improvement_plan_acknowledge(*, actor: Any, plan: ImprovementPlan, version: int | None = None) -> ImprovementPlan:
    """The employee acknowledges the plan as sent (first time, after an extension or new expectations)."""
    ctx = actor_context(actor)
    if ctx.employee_id is None or ctx.employee_id != plan.employee_id:
        raise DomainError(_("Only the person the plan is about can acknowledge it."), code="forbidden")
    before = _move(plan, "acknowledge", version=version)
    plan.acknowledged_at = timezone.now()
    plan.save(update_fields=["state", "acknowledged_at", "updated_at"])
    _audit(actor, "pip.acknowledge", plan, before={"state": before}, after=_snapshot(plan))
    manager_id = plan.employee.manager_id
    manager = Employee.objects.select_related("user").filter(pk=manager_id).first() if manager_id else None
    if manager is not None and manager.user is not None and manager.user.is_active:
        name = plan.employee.name
        url = _plan_url(plan)
        notify(
            [manager.user],
            lambda _u: Message(
                title=_("%(name)s acknowledged her improvement plan") % {"name": name},
                body=_("The plan is under way. Add progress notes at each checkpoint."),
                url=url,
            ),
        )
    return plan


@transaction.atomic
def improvement_plan_extend(
    *, actor: Any, plan: ImprovementPlan, ends_on: dt.date | None, reason: str, version: int | None = None
) -> ImprovementPlan:
    """Give an active plan a later end date; she acknowledges it again (it comes back as extended)."""
    _require_manage(actor, plan)
    next_state(plan.state, "extend")
    errors: dict[str, list[str]] = {}
    if ends_on is None or ends_on <= plan.ends_on:
        errors["ends_on"] = [_("Choose an end date after %(date)s.") % {"date": plan.ends_on.isoformat()}]
    if not _clean(reason):
        errors["reason"] = [_("Say why the plan is extended.")]
    _check_fields(errors)
    assert ends_on is not None
    old_end = plan.ends_on
    before = _move(plan, "extend", version=version)
    plan.ends_on = ends_on
    plan.extended_at = timezone.now()
    plan.save(update_fields=["state", "ends_on", "extended_at", "updated_at"])
    _audit(
        actor,
        "pip.extend",
        plan,
        before={"state": before, "ends_on": old_end},
        after={**_snapshot(plan), "reason": _clean(reason)},
    )
    _tell_employee(plan)
    return plan


@transaction.atomic
def improvement_plan_change_expectations(
    *, actor: Any, plan: ImprovementPlan, expectations: Sequence[ExpectationInput], version: int | None = None
) -> ImprovementPlan:
    """Change the locked expectations of an active plan: a new version, acknowledged again."""
    _require_manage(actor, plan)
    next_state(plan.state, "change_expectations")
    errors: dict[str, list[str]] = {}
    _check_expectations(expectations, errors)
    _check_fields(errors)
    if _same_expectations(plan, expectations):
        raise DomainError(_("Nothing changed in the expectations."), fields={"expectations": [_("Change one.")]})
    old = [{"text": e.text, "measure": e.measure} for e in plan.expectations.all()]
    before = _move(plan, "change_expectations", version=version)
    plan.expectations_version += 1
    plan.save(update_fields=["state", "expectations_version", "updated_at"])
    _write_expectations(plan, expectations)
    _audit(
        actor,
        "pip.expectations",
        plan,
        before={"state": before, "expectations": old},
        after={
            **_snapshot(plan),
            "expectations": [{"text": _clean(e.text), "measure": _clean(e.measure)} for e in expectations],
        },
    )
    _tell_employee(plan)
    return plan


@transaction.atomic
def improvement_plan_close(
    *, actor: Any, plan: ImprovementPlan, outcome: str, text: str, version: int | None = None
) -> ImprovementPlan:
    """Close a plan as passed, not passed or cancelled, saying why."""
    _require_manage(actor, plan)
    action = OUTCOME_ACTIONS.get(outcome)
    if action is None:
        raise DomainError(_("Choose an outcome."), fields={"outcome": [_("Choose an outcome.")]})
    next_state(plan.state, action)
    if not _clean(text):
        _check_fields({"text": [_("Say why the plan closes this way.")]})
    before = _move(plan, action, version=version)
    plan.outcome = _clean(text)
    plan.save(update_fields=["state", "outcome", "updated_at"])
    _audit(actor, "pip.close", plan, before={"state": before}, after={**_snapshot(plan), "outcome": plan.outcome})
    return plan


@transaction.atomic
def checkpoint_note_add(*, actor: Any, checkpoint: Checkpoint, text: str) -> CheckpointNote:
    """A progress note on a checkpoint, by the employee or her manager."""
    plan = checkpoint.plan
    ctx = actor_context(actor)
    me = ctx.employee_id
    if me is None or me not in (plan.employee_id, plan.employee.manager_id):
        raise DomainError(_("Only she and her manager write progress notes."), code="forbidden")
    if plan.state not in NOTE_STATES:
        raise refuse(plan.state, "note")
    if not _clean(text):
        _check_fields({"text": [_("Write the note first.")]})
    note = CheckpointNote.objects.create(checkpoint=checkpoint, author_id=me, text=_clean(text))
    ImprovementPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())
    _audit(actor, "pip.note", plan, after={"checkpoint": checkpoint.pk, "note": note.pk, "text": note.text})
    return note
