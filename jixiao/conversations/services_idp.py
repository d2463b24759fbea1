"""Writes on development plans (IDP, 个人发展计划): typed, atomic, audited; stale writes refused.

The employee writes her plan (needs, actions, her comment, closing it); her manager and the managers above her
comment; a new plan starts from the competency gaps of her latest released review (selectors_idp.competency_gaps).
Every write of a plan's content carries the plan's version: two tabs or two people never overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.parsing import parse_int
from jixiao.org.models import Employee, Status
from jixiao.org.selectors import actor_context

from .models import DevelopmentAction, DevelopmentNeed, DevelopmentPlan
from .selectors_idp import competency_gaps, plan_role

TITLE_MAX = 200
NEED_MAX = 500
ACTION_MAX = 300
COMMENT_MAX = 5000


def _clean_text(value: object, *, field: str, limit: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), fields={field: [_("This field is required.")]})
    if len(text) > limit:
        message = _("Keep it to %(limit)d characters or fewer.") % {"limit": limit}
        raise DomainError(message, fields={field: [message]})
    return text


def _bump(plan: DevelopmentPlan, version: int) -> None:
    """Take the plan's next version or refuse: someone saved it since the page was read."""
    updated = DevelopmentPlan.objects.filter(pk=plan.pk, version=version).update(version=F("version") + 1)
    if not updated:
        raise StaleWrite(_("Someone else changed this plan. Reload the page to see their changes."))
    plan.version = version + 1


def _require_owner(actor: Any, plan: DevelopmentPlan) -> None:
    if not plan_role(actor_context(actor), plan).can_write:
        raise DomainError(_("Only the person whose plan it is can change it."), code="forbidden")
    if plan.state != DevelopmentPlan.State.ACTIVE:
        raise DomainError(_("This plan is closed; nothing can be changed any more."))


def _scope(plan: DevelopmentPlan) -> str:
    return plan.employee.department.path if plan.employee.department_id else ""


def _audit(
    actor: Any, event: str, plan: DevelopmentPlan, *, before: dict[str, Any] | None = None, **after: Any
) -> None:
    record_event(actor=actor, action=event, target=plan, scope_path=_scope(plan), before=before, after=after or None)


# ---- plans -----------------------------------------------------------------------------------------


@transaction.atomic
def development_plan_create(*, actor: Any, employee: Employee, title: str) -> DevelopmentPlan:
    """Start a plan for `employee` (by herself or her manager), pre-filled with the gaps of her latest review."""
    ctx = actor_context(actor)
    if ctx.employee_id is None or (ctx.employee_id != employee.pk and employee.manager_id != ctx.employee_id):
        raise DomainError(
            _("You can start a development plan for yourself or for your direct reports."), code="forbidden"
        )
    if employee.status == Status.LEFT:
        raise DomainError(_("This person has left the company."))
    clean = _clean_text(title, field="title", limit=TITLE_MAX)
    found = competency_gaps(employee)
    plan = DevelopmentPlan.objects.create(employee=employee, title=clean)
    DevelopmentNeed.objects.bulk_create(
        DevelopmentNeed(
            plan=plan,
            text=gap.name[:NEED_MAX],
            competency_id=gap.competency_id or None,
            review=found.review,
            order=i,
        )
        for i, gap in enumerate(found.gaps)
    )
    plan.employee = employee
    _audit(
        actor,
        "idp.create",
        plan,
        title=clean,
        review=found.review.pk if found.review else None,
        needs=[g.name for g in found.gaps],
    )
    return plan


@transaction.atomic
def development_plan_comment(*, actor: Any, plan: DevelopmentPlan, text: str, version: int) -> DevelopmentPlan:
    """The owner's comment (the employee) or the manager's comment (anyone above her), replacing the last one."""
    role = plan_role(actor_context(actor), plan)
    if not role.can_comment:
        raise DomainError(_("Only the person and her managers can comment on this plan."), code="forbidden")
    if plan.state != DevelopmentPlan.State.ACTIVE:
        raise DomainError(_("This plan is closed; nothing can be changed any more."))
    clean = _clean_text(text, field="text", limit=COMMENT_MAX, required=False)
    column = "owner_comment" if role.role == "owner" else "manager_comment"
    before = getattr(plan, column)
    _bump(plan, version)
    setattr(plan, column, clean)
    DevelopmentPlan.objects.filter(pk=plan.pk).update(**{column: clean})
    _audit(actor, "idp.comment", plan, before={column: before}, **{column: clean})
    return plan


@transaction.atomic
def development_plan_close(*, actor: Any, plan: DevelopmentPlan, version: int) -> DevelopmentPlan:
    """Close a plan: it stays readable, and nothing in it changes any more."""
    _require_owner(actor, plan)
    _bump(plan, version)
    DevelopmentPlan.objects.filter(pk=plan.pk).update(state=DevelopmentPlan.State.CLOSED)
    plan.state = DevelopmentPlan.State.CLOSED
    _audit(actor, "idp.close", plan)
    return plan


# ---- needs -----------------------------------------------------------------------------------------


def _need_of(plan: DevelopmentPlan, need_id: object) -> DevelopmentNeed:
    pk = parse_int(need_id)
    need = DevelopmentNeed.objects.filter(plan=plan, pk=pk).first() if pk else None
    if need is None:
        raise DomainError(_("This need is not part of the plan any more. Reload the page."), code="not_found")
    return need


@transaction.atomic
def development_need_add(*, actor: Any, plan: DevelopmentPlan, text: str, version: int) -> DevelopmentNeed:
    _require_owner(actor, plan)
    clean = _clean_text(text, field="text", limit=NEED_MAX)
    _bump(plan, version)
    last = DevelopmentNeed.objects.filter(plan=plan).aggregate(m=Max("order"))["m"]
    need = DevelopmentNeed.objects.create(plan=plan, text=clean, order=(last + 1) if last is not None else 0)
    _audit(actor, "idp.need_add", plan, need=need.pk, text=clean)
    return need


@transaction.atomic
def development_need_update(*, actor: Any, plan: DevelopmentPlan, need_id: object, text: str, version: int) -> None:
    _require_owner(actor, plan)
    need = _need_of(plan, need_id)
    clean = _clean_text(text, field="text", limit=NEED_MAX)
    _bump(plan, version)
    before = need.text
    DevelopmentNeed.objects.filter(pk=need.pk).update(text=clean)
    _audit(actor, "idp.need_update", plan, before={"need": need.pk, "text": before}, need=need.pk, text=clean)


@transaction.atomic
def development_need_remove(*, actor: Any, plan: DevelopmentPlan, need_id: object, version: int) -> None:
    """Remove a need; its actions stay in the plan, no longer linked to it."""
    _require_owner(actor, plan)
    need = _need_of(plan, need_id)
    _bump(plan, version)
    need.delete()
    _audit(actor, "idp.need_remove", plan, before={"need": need_id, "text": need.text})


# ---- actions ---------------------------------------------------------------------------------------


def _parse_due(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        message = _("Enter a date like 2027-06-30.")
        raise DomainError(message, fields={"due_on": [message]}) from None


@transaction.atomic
def development_action_add(
    *,
    actor: Any,
    plan: DevelopmentPlan,
    kind: str,
    title: str,
    version: int,
    due_on: object = None,
    need_id: object = None,
) -> DevelopmentAction:
    """Add an action (a course, mentoring, a stretch assignment, reading…), optionally for one of the needs."""
    _require_owner(actor, plan)
    errors: dict[str, list[str]] = {}
    if kind not in DevelopmentAction.Kind.values:
        errors["kind"] = [_("Choose what kind of action this is.")]
    clean = ""
    try:
        clean = _clean_text(title, field="title", limit=ACTION_MAX)
    except DomainError as exc:
        errors.update(exc.fields)
    due: dt.date | None = None
    try:
        due = _parse_due(due_on)
    except DomainError as exc:
        errors.update(exc.fields)
    need = None
    if need_id not in (None, ""):
        need_pk = parse_int(need_id)
        need = DevelopmentNeed.objects.filter(plan=plan, pk=need_pk).first() if need_pk else None
        if need is None:
            errors["need"] = [_("Choose one of this plan's needs.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    _bump(plan, version)
    action = DevelopmentAction.objects.create(plan=plan, need=need, kind=kind, title=clean, due_on=due)
    _audit(actor, "idp.action_add", plan, action=action.pk, kind=kind, title=clean, due_on=due)
    return action


@transaction.atomic
def development_action_update(
    *, actor: Any, plan: DevelopmentPlan, action_id: object, status: str, version: int
) -> DevelopmentAction:
    """Move an action to another status (planned, in progress, done, dropped)."""
    _require_owner(actor, plan)
    if status not in DevelopmentAction.Status.values:
        message = _("Choose a status from the list.")
        raise DomainError(message, fields={"status": [message]})
    action_pk = parse_int(action_id)
    action = DevelopmentAction.objects.filter(plan=plan, pk=action_pk).first() if action_pk else None
    if action is None:
        raise DomainError(_("This action is not part of the plan any more. Reload the page."), code="not_found")
    _bump(plan, version)
    before = action.status
    action.status = status
    action.save(update_fields=["status", "updated_at"])
    _audit(
        actor,
        "idp.action_status",
        plan,
        before={"action": action.pk, "status": before},
        action=action.pk,
        status=status,
    )
    return action
