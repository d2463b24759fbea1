"""Writes on strategy, periods, objectives, key results, check-ins, goal plans and bulk assignment.

Every function is keyword-only, atomic, takes actor= and records an audit event. KPI writes live in
services_kpi.py. Errors a person reads are DomainErrors with translated messages and, for forms,
per-field messages (key result fields as "key_results.<index>.<field>").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.constants import OnConflict
from django.db.models.functions import Cast, Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.audit.services import Change, record_event, record_events
from jixiao.core.errors import DomainError, NotFound, StaleWrite
from jixiao.org.models import Department, Employee, Status
from jixiao.org.selectors import actor_context

from . import permissions, scoring
from .models import (
    BulkAssignment,
    CheckIn,
    CompanyValue,
    Confidence,
    GoalPlan,
    GoalSettings,
    GoalTemplate,
    KeyResult,
    KPITarget,
    Objective,
    OwnerType,
    Period,
    Strategy,
    Visibility,
)
from .selectors import goal_settings
from .smart import KeyResultFacts, ObjectiveFacts, describe, smart_gaps

MAX_WEIGHT = Decimal(100)
PLAN_TOTAL = Decimal(100)

# ---- shared checks -----------------------------------------------------------------------------

SCORING_MESSAGES = {
    "start_equals_target": lambda: _("Start and target must differ, or there is nothing to measure."),
    "target_below_start": lambda: _("To increase, the target must be above the start."),
    "target_above_start": lambda: _("To decrease, the target must be below the start."),
    "stretch_not_beyond_target": lambda: _("The stretch must lie beyond the target."),
    "cap_below_one": lambda: _("The cap must be at least 1."),
    "duplicate_threshold": lambda: _("Each threshold may appear only once."),
    "rating_falls": lambda: _("A higher threshold cannot give a lower rating."),
    "negative_weight": lambda: _("Weights cannot be negative."),
}


def scoring_message(error: scoring.ScoringError) -> str:
    factory = SCORING_MESSAGES.get(error.code)
    return factory() if factory else str(error)


def _stale(what: str) -> StaleWrite:
    return StaleWrite(_("Someone else saved this %(what)s. Reload to see their changes.") % {"what": what})


def _bump(model: Any, obj: Any, version: int, what: str) -> None:
    """Claim the row at `version` or refuse: a stale save is never merged."""
    if not model.objects.filter(pk=obj.pk, version=version).update(version=F("version") + 1):
        raise _stale(what)
    obj.version = version + 1


def _decimal(value: object, field_name: str, errors: dict[str, list[str]], *, places: int = 4) -> Decimal | None:
    """Parse a number as people type it ("1,200.5"), rounded to the decimals the column keeps.

    Rounding here, not in the database, means checks see what will be stored: 0.00001 and 0.00002
    are both 0.0000 there, so "start and target must differ" must see them equal too.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.setdefault(field_name, []).append(_("Enter a number."))
        return None
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors.setdefault(field_name, []).append(_("Enter a number."))
        return None
    if not result.is_finite() or abs(result) >= Decimal("1e15"):
        errors.setdefault(field_name, []).append(_("Enter a number."))
        return None
    return result.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _raise_if(errors: dict[str, list[str]], message: str | None = None) -> None:
    if errors:
        raise DomainError(message or _("Please correct the marked fields."), fields=errors)


def _scope_path(objective: Objective) -> str:
    if objective.employee_id is not None:
        return objective.employee.department.path  # type: ignore[union-attr]
    if objective.department_id is not None:
        return objective.department.path  # type: ignore[union-attr]
    return ""


def insert_rows(model: Any, rows: Sequence[Any], *, ignore_conflicts: bool = False, batch_size: int = 5000) -> None:
    """INSERT unsaved instances with one executemany per batch; primary keys are not set on them.

    bulk_create splits its rows to stay under SQLite's 999 parameters (49 objectives per statement),
    so its query count grows with the rows; executemany sends one statement per batch on both
    databases. With ignore_conflicts a row that breaks a unique constraint is skipped.
    """
    if not rows:
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = "{} {} ({}) VALUES ({}) {}".format(
        connection.ops.insert_statement(on_conflict=on_conflict),
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None),
    ).strip()
    # Preparing each value through its field is most of the cost at 2,000 rows × 20 columns, and most
    # values repeat (the same period, title, template): prepare each distinct value once per column.
    now = timezone.now()
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    caches: list[dict[Any, Any]] = [{} for _f in fields]

    def prepared(index: int, field: Any, row: Any) -> Any:
        value = now if field.attname in stamped else getattr(row, field.attname)
        cache = caches[index]
        try:
            return cache[(type(value), value)]
        except KeyError:
            result = cache[(type(value), value)] = field.get_db_prep_save(value, connection)
            return result
        except TypeError:  # unhashable, e.g. a dict for a JSON column
            return field.get_db_prep_save(value, connection)

    columns = list(enumerate(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            params = [tuple(prepared(i, f, row) for i, f in columns) for row in rows[start : start + batch_size]]
            cursor.executemany(sql, params)


# ---- strategy, values, settings, periods -------------------------------------------------------


def _require_company(actor: Any) -> None:
    if not permissions.can_manage_company(actor):
        raise DomainError(_("Only administrators and company-wide HR can change this."), code="forbidden")


def _strategy_snapshot(row: Strategy) -> dict[str, Any]:
    return {"vision": row.vision, "vision_en": row.vision_en, "mission": row.mission, "mission_en": row.mission_en}


@transaction.atomic
def strategy_update(
    *, actor: Any, version: int, vision: str, vision_en: str, mission: str, mission_en: str
) -> Strategy:
    """Change the company's vision and mission."""
    _require_company(actor)
    row, _created = Strategy.objects.get_or_create(pk=1)
    before = _strategy_snapshot(row)
    _bump(Strategy, row, version, _("strategy"))
    row.vision, row.vision_en, row.mission, row.mission_en = (
        vision.strip(),
        vision_en.strip(),
        mission.strip(),
        mission_en.strip(),
    )
    row.save(update_fields=["vision", "vision_en", "mission", "mission_en", "updated_at"])
    after = _strategy_snapshot(row)
    record_event(actor=actor, action="strategy.update", target=row, before=before, after=after)
    return row


def value_snapshot(value: CompanyValue) -> dict[str, Any]:
    """The fields of a company value as audit events (and PATCH merges) see them."""
    return {
        "name": value.name,
        "name_en": value.name_en,
        "description": value.description,
        "description_en": value.description_en,
        "position": value.position,
        "active": value.active,
    }


@transaction.atomic
def company_value_save(
    *,
    actor: Any,
    value: CompanyValue | None = None,
    name: str,
    name_en: str = "",
    description: str = "",
    description_en: str = "",
    position: int = 0,
    active: bool = True,
) -> CompanyValue:
    """Create a company value (value=None) or change one."""
    _require_company(actor)
    name = name.strip()
    if not name:
        raise DomainError(_("A value needs a name."), fields={"name": [_("Required.")]})
    clash = CompanyValue.objects.filter(name=name)
    if value is not None:
        clash = clash.exclude(pk=value.pk)
    if clash.exists():
        raise DomainError(_("There is already a value with this name."), fields={"name": [_("Already used.")]})
    before = value_snapshot(value) if value is not None else None
    row = value or CompanyValue()
    row.name, row.name_en = name, name_en.strip()
    row.description, row.description_en = description.strip(), description_en.strip()
    row.position, row.active = position, active
    row.save()
    record_event(
        actor=actor,
        action="company_value.update" if before else "company_value.create",
        target=row,
        before=before,
        after=value_snapshot(row),
    )
    return row


@transaction.atomic
def goal_settings_update(
    *,
    actor: Any,
    version: int,
    progress_cap: Decimal,
    require_smart: bool,
    attainment_table: Sequence[tuple[Decimal, int]],
    attainment_floor: int = 1,
) -> GoalSettings:
    """Change the progress cap, the SMART requirement and the attainment → rating table."""
    _require_company(actor)
    row = goal_settings()
    try:
        scoring.check_cap(progress_cap)
        scoring.check_attainment_table(attainment_table, floor=attainment_floor)
    except scoring.ScoringError as error:
        raise DomainError(scoring_message(error), code=error.code) from error
    before = {
        "progress_cap": row.progress_cap,
        "require_smart": row.require_smart,
        "attainment_table": row.attainment_table,
        "attainment_floor": row.attainment_floor,
    }
    _bump(GoalSettings, row, version, _("setting"))
    row.progress_cap = progress_cap
    row.require_smart = require_smart
    row.attainment_table = [[str(t), int(r)] for t, r in sorted(attainment_table, key=lambda x: x[0], reverse=True)]
    row.attainment_floor = attainment_floor
    row.save(update_fields=["progress_cap", "require_smart", "attainment_table", "attainment_floor", "updated_at"])
    if before["progress_cap"] != progress_cap:
        # Cached progress and attainment were clamped to the old cap; boards must not mix the two.
        from .services_kpi import kpi_targets_refresh

        progress_recompute_all(cap=progress_cap)
        kpi_targets_refresh(KPITarget.objects.order_by().values_list("pk", flat=True))
    after = {**before, "progress_cap": row.progress_cap, "require_smart": row.require_smart}
    after["attainment_table"], after["attainment_floor"] = row.attainment_table, row.attainment_floor
    record_event(actor=actor, action="goal_settings.update", target=row, before=before, after=after)
    return row


def attainment_table(row: GoalSettings) -> list[tuple[Decimal, int]]:
    return [(Decimal(str(t)), int(r)) for t, r in row.attainment_table]


@transaction.atomic
def period_create(
    *, actor: Any, name: str, name_en: str = "", kind: str, start: dt.date, end: dt.date, parent: Period | None = None
) -> Period:
    """Add a period; a nested period must lie inside its parent."""
    _require_company(actor)
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Required.")]
    elif Period.objects.filter(name=name).exists():
        errors["name"] = [_("Another period already has this name.")]
    if kind not in Period.Kind.values:
        errors["kind"] = [_("Unknown kind of period.")]
    if end < start:
        errors["end"] = [_("The end must not be before the start.")]
    if parent is not None and not (parent.start <= start and end <= parent.end):
        errors["parent"] = [
            _("It must lie inside %(parent)s (%(start)s – %(end)s).")
            % {"parent": parent.name, "start": parent.start, "end": parent.end}
        ]
    _raise_if(errors)
    period = Period.objects.create(name=name, name_en=name_en.strip(), kind=kind, start=start, end=end, parent=parent)
    record_event(
        actor=actor,
        action="period.create",
        target=period,
        after={"name": name, "kind": kind, "start": start, "end": end, "parent_id": parent.pk if parent else None},
    )
    return period


# ---- objectives and key results ----------------------------------------------------------------


@dataclass
class KeyResultInput:
    """A key result as a form or the API sends it; `id` names an existing one when editing."""

    title: str
    target: object
    start: object = 0
    unit: str = KeyResult.Unit.NUMBER
    direction: str = KeyResult.Direction.INCREASE
    stretch: object = None
    weight: object = 1
    id: int | None = None


@dataclass
class ObjectiveInput:
    """The fields a person sets on an objective; owner and period are fixed after creation."""

    title: str
    description: str = ""
    weight: object = 0
    visibility: str = Visibility.PUBLIC
    due_date: dt.date | None = None
    parent_id: int | None = None
    key_results: list[KeyResultInput] = field(default_factory=list)


@dataclass
class _CleanKeyResult:
    id: int | None
    title: str
    unit: str
    direction: str
    start: Decimal
    target: Decimal
    stretch: Decimal | None
    weight: Decimal


def _clean_key_results(items: Sequence[KeyResultInput], errors: dict[str, list[str]]) -> list[_CleanKeyResult]:
    cleaned: list[_CleanKeyResult] = []
    for index, item in enumerate(items):
        prefix = f"key_results.{index}."
        title = (item.title or "").strip()
        if not title:
            errors.setdefault(prefix + "title", []).append(_("Required."))
        if item.unit not in KeyResult.Unit.values:
            errors.setdefault(prefix + "unit", []).append(_("Unknown unit."))
        if item.direction not in KeyResult.Direction.values:
            errors.setdefault(prefix + "direction", []).append(_("Unknown direction."))
        if item.unit == KeyResult.Unit.MILESTONE:
            start, target, stretch = Decimal(0), Decimal(1), None
            direction: str = KeyResult.Direction.INCREASE
        else:
            start = _decimal(item.start, prefix + "start", errors) or Decimal(0)
            target_value = _decimal(item.target, prefix + "target", errors)
            if target_value is None and prefix + "target" not in errors:
                errors[prefix + "target"] = [_("Required.")]
            target = target_value if target_value is not None else start + 1
            stretch = _decimal(item.stretch, prefix + "stretch", errors)
            direction = item.direction
        weight = _decimal(item.weight, prefix + "weight", errors, places=2)
        if weight is None and prefix + "weight" not in errors:
            weight = Decimal(1)
        if weight is not None and (weight <= 0 or weight > MAX_WEIGHT):
            errors.setdefault(prefix + "weight", []).append(_("Enter a weight above 0 and at most 100."))
        if prefix + "target" not in errors and prefix + "start" not in errors:
            try:
                scoring.check_direction(direction=direction, start=start, target=target, stretch=stretch)
            except scoring.ScoringError as error:
                key = prefix + ("stretch" if error.code == "stretch_not_beyond_target" else "target")
                errors.setdefault(key, []).append(scoring_message(error))
        cleaned.append(
            _CleanKeyResult(item.id, title[:200], item.unit, direction, start, target, stretch, weight or Decimal(1))
        )
    return cleaned


def _check_parent(
    actor: Any, parent_id: int | None, period: Period, errors: dict[str, list[str]], *, moving: Objective | None = None
) -> Objective | None:
    """The objective to align to: one the actor can see, in this period or one that contains it."""
    if parent_id is None:
        return None
    parent = Objective.objects.visible_to(actor).select_related("period").filter(pk=parent_id).first()
    if parent is None:
        errors["parent"] = [_("Choose an objective you can see.")]
        return None
    if not (parent.period.start <= period.start and period.end <= parent.period.end):
        errors["parent"] = [_("Align to an objective of this period or of a period that contains it.")]
        return None
    if moving is not None and (parent.pk == moving.pk or parent.path.startswith(moving.path)):
        errors["parent"] = [_("An objective cannot align to itself or to an objective aligned to it.")]
        return None
    return parent


def _check_objective_fields(
    data: ObjectiveInput, period: Period, owner_type: str, errors: dict[str, list[str]]
) -> Decimal:
    if not data.title.strip():
        errors["title"] = [_("Required.")]
    elif len(data.title.strip()) > 200:
        errors["title"] = [_("At most 200 characters.")]
    weight = _decimal(data.weight, "weight", errors, places=2) or Decimal(0)
    if weight < 0 or weight > MAX_WEIGHT:
        errors.setdefault("weight", []).append(_("Enter a weight from 0 to 100."))
    if data.visibility not in Visibility.values:
        errors["visibility"] = [_("Unknown visibility.")]
    elif owner_type == OwnerType.COMPANY and data.visibility != Visibility.PUBLIC:
        errors["visibility"] = [_("Company objectives are always public.")]
    if data.due_date is not None and not period.start <= data.due_date <= period.end:
        errors["due_date"] = [
            _("The due date must lie inside %(period)s (%(start)s – %(end)s).")
            % {"period": period.name, "start": period.start, "end": period.end}
        ]
    return weight


def _plan_gate(actor: Any, employee: Employee | None, period: Period, reason: str) -> GoalPlan | None:
    """A person's goals are free while drafting, frozen while submitted, and need a reason once approved."""
    if employee is None:
        return None
    plan, _created = GoalPlan.objects.get_or_create(employee=employee, period=period)
    if plan.state == GoalPlan.State.SUBMITTED:
        raise DomainError(
            _("These goals are waiting for approval. Ask the approver to return them before changing them."),
            code="plan_submitted",
        )
    if plan.state == GoalPlan.State.APPROVED and not reason.strip():
        raise DomainError(
            _("These goals are approved: say why you are changing them."),
            code="reason_required",
            fields={"reason": [_("Required for approved goals.")]},
        )
    return plan


def _objective_snapshot(objective: Objective, key_results: Iterable[KeyResult] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": objective.title,
        "description": objective.description,
        "weight": objective.weight,
        "visibility": objective.visibility,
        "due_date": objective.due_date,
        "parent_id": objective.parent_id,
        "period_id": objective.period_id,
        "owner_type": objective.owner_type,
        "department_id": objective.department_id,
        "employee_id": objective.employee_id,
    }
    if key_results is not None:
        data["key_results"] = [
            {
                "id": kr.pk,
                "title": kr.title,
                "unit": kr.unit,
                "direction": kr.direction,
                "start": kr.start,
                "target": kr.target,
                "stretch": kr.stretch,
                "weight": kr.weight,
            }
            for kr in key_results
        ]
    return data


def _require_owner_rights(
    actor: Any, owner_type: str, department: Department | None, employee: Employee | None
) -> None:
    allowed = False
    if owner_type == OwnerType.COMPANY:
        allowed = department is None and employee is None and permissions.can_manage_company(actor)
    elif owner_type == OwnerType.DEPARTMENT:
        allowed = (
            department is not None and employee is None and permissions.can_edit_department_goals(actor, department)
        )
    elif owner_type == OwnerType.PERSON:
        allowed = employee is not None and department is None and permissions.can_edit_person_goals(actor, employee)
    if not allowed:
        raise NotFound(
            _("You cannot set goals for this owner."), fields={"owner": [_("Not found or not yours to set.")]}
        )


@transaction.atomic
def objective_create(
    *,
    actor: Any,
    period: Period,
    owner_type: str,
    data: ObjectiveInput,
    department: Department | None = None,
    employee: Employee | None = None,
    reason: str = "",
) -> Objective:
    """Write a new objective with its key results, aligned to a parent the actor can see."""
    _require_owner_rights(actor, owner_type, department, employee)
    errors: dict[str, list[str]] = {}
    weight = _check_objective_fields(data, period, owner_type, errors)
    parent = _check_parent(actor, data.parent_id, period, errors)
    key_results = _clean_key_results(data.key_results, errors)
    _raise_if(errors)
    _plan_gate(actor, employee, period, reason)
    objective = Objective.objects.create(
        period=period,
        owner_type=owner_type,
        department=department,
        employee=employee,
        title=data.title.strip(),
        description=data.description.strip(),
        weight=weight,
        visibility=data.visibility,
        due_date=data.due_date,
        parent=parent,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    objective.path = (parent.path if parent else "/") + f"{objective.pk}/"
    objective.save(update_fields=["path"])
    krs = _write_key_results(objective, key_results, cap=goal_settings().progress_cap)
    refresh_progress([objective.pk])
    objective.refresh_from_db(fields=["progress"])
    after = _objective_snapshot(objective, krs)
    if reason:
        after["reason"] = reason.strip()
    record_event(
        actor=actor, action="objective.create", target=objective, after=after, scope_path=_scope_path(objective)
    )
    return objective


def _write_key_results(objective: Objective, items: Sequence[_CleanKeyResult], *, cap: Decimal) -> list[KeyResult]:
    """Create, change or delete the objective's key results to match `items` (ids name existing ones)."""
    existing = {kr.pk: kr for kr in KeyResult.objects.filter(objective=objective)}
    keep: list[KeyResult] = []
    new: list[KeyResult] = []
    for position, item in enumerate(items):
        kr = existing.pop(item.id, None) if item.id is not None else None
        if kr is None:
            kr = KeyResult(objective=objective, current=item.start)
            new.append(kr)
        else:
            keep.append(kr)
        kr.title, kr.unit, kr.direction = item.title, item.unit, item.direction
        kr.start, kr.target, kr.stretch, kr.weight, kr.position = (
            item.start,
            item.target,
            item.stretch,
            item.weight,
            position,
        )
        kr.progress = scoring.key_result_progress(
            start=kr.start, target=kr.target, current=kr.current, cap=cap, stretch=kr.stretch
        )
    if existing:
        KeyResult.objects.filter(pk__in=list(existing)).delete()
    if keep:
        KeyResult.objects.bulk_update(
            keep, ["title", "unit", "direction", "start", "target", "stretch", "weight", "position", "progress"]
        )
    if new:
        KeyResult.objects.bulk_create(new)
    return sorted([*keep, *new], key=lambda kr: kr.position)


_UNSET: Any = object()


@transaction.atomic
def objective_update(
    *, actor: Any, objective: Objective, version: int, data: ObjectiveInput, reason: str = ""
) -> Objective:
    """Change an objective and its key results; approved goals need a reason; re-aligning moves its subtree."""
    if not permissions.can_edit_objective(actor, objective):
        raise NotFound(_("Objective not found."))
    period = objective.period
    errors: dict[str, list[str]] = {}
    weight = _check_objective_fields(data, period, objective.owner_type, errors)
    parent = _check_parent(actor, data.parent_id, period, errors, moving=objective)
    if data.parent_id is not None and data.parent_id == objective.parent_id and parent is None and "parent" in errors:
        # The current parent may have turned private since; keeping it is not a new alignment.
        errors.pop("parent")
        parent = objective.parent
    key_results = _clean_key_results(data.key_results, errors)
    _raise_if(errors)
    _plan_gate(actor, objective.employee, period, reason)
    before = _objective_snapshot(objective, KeyResult.objects.filter(objective=objective))
    _bump(Objective, objective, version, _("objective"))
    old_parent_id = objective.parent_id
    objective.title = data.title.strip()
    objective.description = data.description.strip()
    objective.weight = weight
    objective.visibility = data.visibility
    objective.due_date = data.due_date
    objective.parent = parent
    objective.save(update_fields=["title", "description", "weight", "visibility", "due_date", "parent", "updated_at"])
    if objective.parent_id != old_parent_id:
        # Paths as they are now, not as they were read: moving an ancestor changes them without
        # touching this objective's version, and a stale path would leave the subtree behind.
        fresh = dict(
            Objective.objects.filter(pk__in=[objective.pk, *([parent.pk] if parent else [])])
            .order_by()
            .values_list("pk", "path")
        )
        objective.path = fresh[objective.pk]
        parent_path = fresh[parent.pk] if parent else "/"
        if parent is not None and parent_path.startswith(objective.path):
            raise DomainError(
                _("An objective cannot align to itself or to an objective aligned to it."),
                fields={"parent": [_("An objective cannot align to itself or to an objective aligned to it.")]},
            )
        _repath(objective, f"{parent_path}{objective.pk}/")
    krs = _write_key_results(objective, key_results, cap=goal_settings().progress_cap)
    refresh_progress([objective.pk, *([old_parent_id] if old_parent_id else [])])
    objective.refresh_from_db(fields=["progress", "path"])
    after = _objective_snapshot(objective, krs)
    if reason.strip():
        after["reason"] = reason.strip()
    record_event(
        actor=actor,
        action="objective.update",
        target=objective,
        before=before,
        after=after,
        scope_path=_scope_path(objective),
    )
    return objective


def _repath(objective: Objective, new_path: str) -> None:
    old_path = objective.path
    Objective.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
    objective.path = new_path


@transaction.atomic
def objective_delete(*, actor: Any, objective: Objective, version: int, reason: str = "") -> None:
    """Remove an objective that nothing aligns to; approved goals need a reason."""
    if not permissions.can_edit_objective(actor, objective):
        raise NotFound(_("Objective not found."))
    if Objective.objects.filter(parent=objective).exists():
        raise DomainError(_("Other objectives are aligned to this one. Re-align them first."), code="has_children")
    _plan_gate(actor, objective.employee, objective.period, reason)
    # Claim the row in the database, not against the copy in hand: a save since it was read must win.
    _bump(Objective, objective, version, _("objective"))
    before = _objective_snapshot(objective, KeyResult.objects.filter(objective=objective))
    parent_id = objective.parent_id
    scope = _scope_path(objective)
    pk = objective.pk
    objective.delete()
    if parent_id:
        refresh_progress([parent_id])
    after = {"reason": reason.strip()} if reason.strip() else None
    record_event(
        actor=actor,
        action="objective.delete",
        target_type="goals.objective",
        target_id=str(pk),
        target_label=before["title"],
        before=before,
        after=after,
        scope_path=scope,
    )


def refresh_progress(objective_ids: Iterable[int]) -> None:
    """Recompute the cached progress of these objectives and of every objective they align to.

    Deepest first, one level at a time, so each parent sees its children's new values; three queries
    per level whatever the number of objectives.
    """
    ids = {i for i in objective_ids if i}
    if not ids:
        return
    # order_by(): Objective's default ordering joins Period on every read; these need no order.
    paths = Objective.objects.filter(pk__in=ids).order_by().values_list("path", flat=True)
    todo: set[int] = set(ids)
    for path in paths:
        todo.update(int(p) for p in path.strip("/").split("/") if p)
    chosen = Objective.objects.filter(pk__in=todo)
    if connection.in_atomic_block and connection.features.has_select_for_update:
        # Lock the rows to recompute (in id order, so two writers never wait on each other in a
        # circle): a check-in on a sibling key result waits, then reads this one's committed value,
        # instead of both writing a parent's progress from the other's old value.
        chosen = chosen.select_for_update().order_by("pk")
    else:
        chosen = chosen.order_by()
    rows = list(chosen.values_list("pk", "path", "progress"))
    by_depth: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for pk, path, progress in rows:
        by_depth[path.count("/")].append((pk, progress))
    for depth in sorted(by_depth, reverse=True):
        level = dict(by_depth[depth])
        krs: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
        for oid, progress, weight in (
            KeyResult.objects.filter(objective_id__in=level)
            .order_by()
            .values_list("objective_id", "progress", "weight")
        ):
            krs[oid].append((progress, weight))
        children: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
        for pid, progress, weight in (
            Objective.objects.filter(parent_id__in=level).order_by().values_list("parent_id", "progress", "weight")
        ):
            children[pid].append((progress, weight))
        changed = []
        for pk, old in level.items():
            new = scoring.objective_progress(key_results=krs.get(pk, []), children=children.get(pk, []))
            if new != old:
                changed.append(Objective(pk=pk, progress=new))
        if changed:
            Objective.objects.bulk_update(changed, ["progress"], batch_size=500)


def progress_recompute_all(*, cap: Decimal) -> int:
    """Recompute every key result's and objective's cached progress, e.g. after the cap changed.

    Whole-table passes in Python, no id lists (they would outgrow SQLite's parameter limit), deepest
    objectives first; only changed rows are written, with executemany. Returns how many changed.
    """
    per_objective: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    kr_changes: list[tuple[Any, ...]] = []
    progress_field = KeyResult._meta.get_field("progress")
    for pk, oid, start, target, stretch, current, old, weight in KeyResult.objects.order_by().values_list(
        "pk", "objective_id", "start", "target", "stretch", "current", "progress", "weight"
    ):
        new = scoring.key_result_progress(start=start, target=target, current=current, cap=cap, stretch=stretch)
        per_objective[oid].append((new, weight))
        if new != old:
            kr_changes.append((progress_field.get_db_prep_save(new, connection), pk))
    objectives = list(Objective.objects.order_by().values_list("pk", "parent_id", "path", "progress", "weight"))
    objectives.sort(key=lambda row: row[2].count("/"), reverse=True)
    children: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    objective_changes: list[tuple[Any, ...]] = []
    for pk, parent_id, _path, old, weight in objectives:
        new = scoring.objective_progress(key_results=per_objective.get(pk, []), children=children.get(pk, []))
        if parent_id:
            children[parent_id].append((new, weight))
        if new != old:
            objective_changes.append((progress_field.get_db_prep_save(new, connection), pk))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, changes in ((KeyResult, kr_changes), (Objective, objective_changes)):
            if changes:
                sql = "UPDATE {} SET {} = %s WHERE {} = %s".format(  # noqa: S608 - names only
                    quote(model._meta.db_table), quote("progress"), quote("id")
                )
                cursor.executemany(sql, changes)
    return len(kr_changes) + len(objective_changes)


def smart_gaps_for(objective: Objective, key_results: Sequence[KeyResult]) -> list[Any]:
    """SMART gaps of a loaded objective (period loaded) and its key results."""
    return smart_gaps(
        ObjectiveFacts(
            title=objective.title,
            description=objective.description,
            is_company=objective.owner_type == OwnerType.COMPANY,
            has_parent=objective.parent_id is not None,
            due_date=objective.due_date,
            period_start=objective.period.start,
            period_end=objective.period.end,
            key_results=tuple(KeyResultFacts(kr.title, kr.start, kr.target) for kr in key_results),
        )
    )


# ---- check-ins ---------------------------------------------------------------------------------


@transaction.atomic
def key_result_check_in(
    *, actor: Any, key_result: KeyResult, value: object, confidence: str, comment: str = ""
) -> CheckIn:
    """Record a new value for a key result; its objective and everything it aligns to move with it."""
    objective = key_result.objective
    if not permissions.can_edit_objective(actor, objective):
        raise NotFound(_("Objective not found."))
    errors: dict[str, list[str]] = {}
    number = _decimal(value, "value", errors)
    if number is None and "value" not in errors:
        errors["value"] = [_("Required.")]
    if key_result.unit == KeyResult.Unit.MILESTONE and number not in (None, Decimal(0), Decimal(1)):
        errors["value"] = [_("A milestone is either done (1) or not (0).")]
    if confidence not in Confidence.values:
        errors["confidence"] = [_("Choose how confident you are.")]
    if len(comment) > 2000:
        errors["comment"] = [_("At most 2,000 characters.")]
    _raise_if(errors)
    assert number is not None
    cap = goal_settings().progress_cap
    progress = scoring.key_result_progress(
        start=key_result.start, target=key_result.target, current=number, cap=cap, stretch=key_result.stretch
    )
    before = {"current": key_result.current, "progress": key_result.progress, "confidence": key_result.confidence}
    check_in = CheckIn.objects.create(
        key_result=key_result,
        value=number,
        progress=progress,
        confidence=confidence,
        comment=comment.strip(),
        author=actor if getattr(actor, "pk", None) else None,
    )
    KeyResult.objects.filter(pk=key_result.pk).update(current=number, progress=progress, confidence=confidence)
    key_result.current, key_result.progress, key_result.confidence = number, progress, confidence
    Objective.objects.filter(pk=objective.pk).update(confidence=confidence)
    refresh_progress([objective.pk])
    record_event(
        actor=actor,
        action="objective.check_in",
        target=objective,
        before={"key_result_id": key_result.pk, **before},
        after={
            "key_result_id": key_result.pk,
            "current": number,
            "progress": progress,
            "confidence": confidence,
            "comment": check_in.comment,
        },
        scope_path=_scope_path(objective),
    )
    return check_in


# ---- goal plans: submit, approve, return -------------------------------------------------------

PLAN_TRANSITIONS = {
    "submit": ({GoalPlan.State.DRAFT, GoalPlan.State.RETURNED}, GoalPlan.State.SUBMITTED),
    "approve": ({GoalPlan.State.SUBMITTED}, GoalPlan.State.APPROVED),
    "return": ({GoalPlan.State.SUBMITTED, GoalPlan.State.APPROVED}, GoalPlan.State.RETURNED),
}


def _transition(plan: GoalPlan, action: str) -> str:
    sources, target = PLAN_TRANSITIONS[action]
    if plan.state not in sources:
        messages = {
            "submit": _("Only draft or returned goals can be submitted; these are %(state)s."),
            "approve": _("Only submitted goals can be approved; these are %(state)s."),
            "return": _("Only submitted or approved goals can be returned; these are %(state)s."),
        }
        raise DomainError(messages[action] % {"state": GoalPlan.State(plan.state).label}, code="illegal_transition")
    return target


def plan_objectives(plan: GoalPlan) -> QuerySet[Objective]:
    return Objective.objects.filter(employee_id=plan.employee_id, period_id=plan.period_id)


@transaction.atomic
def goal_plan_submit(*, actor: Any, plan: GoalPlan) -> GoalPlan:
    """Send a person's goals for the period to her manager; weights must total 100 (and SMART, if required)."""
    employee = plan.employee
    if not permissions.can_edit_person_goals(actor, employee):
        raise NotFound(_("Goals not found."))
    if plan.pk is None:
        plan, _created = GoalPlan.objects.get_or_create(employee=employee, period=plan.period)
    plan = GoalPlan.objects.select_for_update().get(pk=plan.pk)
    plan.employee = employee
    target = _transition(plan, "submit")
    objectives = list(plan_objectives(plan).select_related("period").prefetch_related("key_results"))
    if not objectives:
        raise DomainError(_("Write at least one objective before submitting."), code="no_objectives")
    total = sum((o.weight for o in objectives), Decimal(0))
    if total != PLAN_TOTAL:
        raise DomainError(
            _("The weights of your objectives add up to %(total)s; they must add up to 100.")
            % {"total": format(total.normalize(), "f")},
            code="weights_total",
            fields={"weight": [_("Total must be 100.")]},
        )
    if goal_settings().require_smart:
        missing = []
        by_objective: dict[str, list[str]] = {}
        for o in objectives:
            gaps = smart_gaps_for(o, list(o.key_results.all()))
            if gaps:
                reasons = [describe(gap) for gap in gaps]
                missing.append(f"{o.title}: {' '.join(reasons)}")
                by_objective[f"objectives.{o.pk}"] = reasons
        if missing:
            raise DomainError(
                _("HR asks for SMART goals before approval. Still missing: %(list)s") % {"list": "; ".join(missing)},
                code="not_smart",
                fields=by_objective,
            )
    before = {"state": plan.state}
    plan.state = target
    plan.submitted_at = timezone.now()
    plan.version += 1
    plan.save(update_fields=["state", "submitted_at", "version", "updated_at"])
    record_event(
        actor=actor,
        action="goal_plan.submit",
        target=plan,
        target_label=f"{employee.name} · {plan.period.name}",
        before=before,
        after={"state": plan.state, "objectives": len(objectives)},
        scope_path=employee.department.path,
    )
    return plan


@transaction.atomic
def goal_plan_decide(*, actor: Any, plan: GoalPlan, approve: bool, comment: str = "") -> GoalPlan:
    """Approve a submitted plan, or return it (a comment is required to return)."""
    employee = plan.employee
    if not permissions.can_approve_plan(actor, employee):
        raise NotFound(_("Goals not found."))
    if plan.pk is None:
        plan, _created = GoalPlan.objects.get_or_create(employee=employee, period=plan.period)
    plan = GoalPlan.objects.select_for_update().get(pk=plan.pk)
    plan.employee = employee
    target = _transition(plan, "approve" if approve else "return")
    if not approve and not comment.strip():
        raise DomainError(_("Say what should change before returning the goals."), fields={"comment": [_("Required.")]})
    before = {"state": plan.state}
    plan.state = target
    plan.comment = comment.strip()
    plan.decided_at = timezone.now()
    plan.decided_by = actor
    plan.version += 1
    plan.save(update_fields=["state", "comment", "decided_at", "decided_by", "version", "updated_at"])
    record_event(
        actor=actor,
        action="goal_plan.approve" if approve else "goal_plan.return",
        target=plan,
        target_label=f"{employee.name} · {plan.period.name}",
        before=before,
        after={"state": plan.state, "comment": plan.comment},
        scope_path=employee.department.path,
    )
    return plan


# ---- templates and bulk assignment -------------------------------------------------------------


@transaction.atomic
def goal_template_save(
    *,
    actor: Any,
    template: GoalTemplate | None = None,
    title: str,
    description: str = "",
    weight: object = 0,
    key_results: Sequence[KeyResultInput],
) -> GoalTemplate:
    """Create or change a goal template (objective + key results) to hand out in bulk."""
    if not permissions.can_assign_in_bulk(actor):
        raise DomainError(_("Only HR and managers can keep goal templates."), code="forbidden")
    if template is not None and not permissions.can_edit_template(actor, template):
        raise DomainError(_("Only HR and the person who wrote this template can change it."), code="forbidden")
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Required.")]
    w = _decimal(weight, "weight", errors, places=2) or Decimal(0)
    if w < 0 or w > MAX_WEIGHT:
        errors.setdefault("weight", []).append(_("Enter a weight from 0 to 100."))
    cleaned = _clean_key_results(key_results, errors)
    if not cleaned:
        errors.setdefault("key_results", []).append(_("Add at least one key result."))
    _raise_if(errors)
    before = None
    if template is not None:
        before = {"title": template.title, "weight": template.weight, "key_results": template.key_results}
    row = template or GoalTemplate(created_by=actor)
    row.title, row.description, row.weight = title.strip()[:200], description.strip(), w
    row.key_results = [
        {
            "title": kr.title,
            "unit": kr.unit,
            "direction": kr.direction,
            "start": str(kr.start),
            "target": str(kr.target),
            "stretch": None if kr.stretch is None else str(kr.stretch),
            "weight": str(kr.weight),
        }
        for kr in cleaned
    ]
    row.save()
    record_event(
        actor=actor,
        action="goal_template.update" if before else "goal_template.create",
        target=row,
        before=before,
        after={"title": row.title, "weight": row.weight, "key_results": row.key_results},
    )
    return row


@dataclass(frozen=True)
class PeopleFilter:
    """Who a bulk assignment reaches: a department subtree, a title (contains), job levels."""

    department_id: int | None = None
    title: str = ""
    levels: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"department_id": self.department_id, "title": self.title, "levels": list(self.levels)}


def people_matching(*, actor: Any, filters: PeopleFilter) -> QuerySet[Employee]:
    """Current employees that match the filters and that the actor may set goals for."""
    ctx = actor_context(actor)
    qs = Employee.objects.exclude(status=Status.LEFT)
    if not ctx.is_admin:
        reach = Q(pk__in=[])
        for path in ctx.hr_paths:
            reach |= Q(department__path__startswith=path)
        if ctx.employee_chain:
            reach |= Q(chain__startswith=ctx.employee_chain) & ~Q(pk=ctx.employee_id)
        qs = qs.filter(reach)
    if filters.department_id is not None:
        department = Department.objects.filter(pk=filters.department_id).first()
        if department is None:
            raise DomainError(_("Department not found."), fields={"department": [_("Not found.")]})
        qs = qs.filter(department__path__startswith=department.path)
    if filters.title.strip():
        qs = qs.filter(title__icontains=filters.title.strip())
    if filters.levels:
        qs = qs.filter(job_level__in=list(filters.levels))
    return qs


def finish_bulk_assignment(
    *,
    actor: Any,
    assignment: BulkAssignment,
    filters: PeopleFilter,
    people: Sequence[tuple[int, str]],
    new_rows: Sequence[tuple[int, int]],
    action: str,
    target_type: str,
    label: str,
    after: Callable[[int], dict[str, Any]],
    bulk_action: str,
) -> None:
    """Count what a bulk assignment created and audit it: an `action` event for each new row (`new_rows`: its pk
    and the employee's, `after(employee_id)` its values), scoped to the person's department (`people`: everyone
    matched, with their department paths), and one `bulk_action` event for the assignment as a whole."""
    assignment.created = len(new_rows)
    assignment.save(update_fields=["created"])
    paths = dict(people)
    record_events(
        actor=actor,
        action=action,
        changes=(
            Change(
                target=None,
                target_type=target_type,
                target_id=str(pk),
                target_label=label,
                after=after(emp),
                scope_path=paths.get(emp, ""),
            )
            for pk, emp in new_rows
        ),
    )
    record_event(
        actor=actor,
        action=bulk_action,
        target=assignment,
        target_label=label,
        after={
            **filters.as_dict(),
            "period_id": assignment.period_id,
            "matched": len(people),
            "created": len(new_rows),
        },
    )


@transaction.atomic
def goals_bulk_assign(
    *,
    actor: Any,
    template: GoalTemplate,
    period: Period,
    filters: PeopleFilter,
    parent: Objective | None = None,
) -> BulkAssignment:
    """Give everyone matching the filters an objective from the template, in a handful of statements.

    Someone who already has this template in this period is skipped (a unique constraint, so running it
    twice, or twice at once, never duplicates anything).
    """
    if not permissions.can_assign_in_bulk(actor):
        raise DomainError(_("Only HR and managers can assign goals in bulk."), code="forbidden")
    errors: dict[str, list[str]] = {}
    if parent is not None:
        parent = _check_parent(actor, parent.pk, period, errors)
    _raise_if(errors)
    people = list(people_matching(actor=actor, filters=filters).values_list("pk", "department__path"))
    cap = goal_settings().progress_cap
    assignment = BulkAssignment.objects.create(
        kind=BulkAssignment.Kind.OBJECTIVE,
        period=period,
        filters=filters.as_dict(),
        payload={"template_id": template.pk, "parent_id": parent.pk if parent else None},
        matched=len(people),
        actor=actor,
    )
    already = set(
        Objective.objects.filter(template=template, period=period, employee_id__isnull=False)
        .order_by()
        .values_list("employee_id", flat=True)
    )
    todo = [(pk, path) for pk, path in people if pk not in already]
    kr_specs = [
        (
            kr["title"],
            kr["unit"],
            kr["direction"],
            Decimal(kr["start"]),
            Decimal(kr["target"]),
            None if kr.get("stretch") in (None, "") else Decimal(kr["stretch"]),
            Decimal(kr["weight"]),
        )
        for kr in template.key_results
    ]
    kr_progress = [
        scoring.key_result_progress(start=s, target=t, current=s, cap=cap, stretch=st)
        for (_t, _u, _d, s, t, st, _w) in kr_specs
    ]
    progress = scoring.objective_progress(
        key_results=[(p, spec[6]) for p, spec in zip(kr_progress, kr_specs, strict=True)]
    )
    user = actor if getattr(actor, "pk", None) else None
    insert_rows(
        Objective,
        [
            Objective(
                period=period,
                owner_type=OwnerType.PERSON,
                employee_id=pk,
                title=template.title,
                description=template.description,
                weight=template.weight,
                visibility=Visibility.PUBLIC,
                due_date=period.end,
                parent=parent,
                progress=progress,
                template=template,
                assignment=assignment,
                created_by=user,
            )
            for pk, _path in todo
        ],
        ignore_conflicts=True,
    )
    created = Objective.objects.filter(assignment=assignment)
    created.update(path=Concat(Value(parent.path if parent else "/"), Cast("id", CharField()), Value("/")))
    new_rows = list(created.order_by().values_list("pk", "employee_id"))
    insert_rows(
        KeyResult,
        [
            KeyResult(
                objective_id=oid,
                title=title,
                unit=unit,
                direction=direction,
                start=start,
                target=target,
                stretch=stretch,
                current=start,
                weight=weight,
                position=i,
                progress=kr_progress[i],
            )
            for oid, _emp in new_rows
            for i, (title, unit, direction, start, target, stretch, weight) in enumerate(kr_specs)
        ],
    )
    insert_rows(GoalPlan, [GoalPlan(employee_id=emp, period=period) for _oid, emp in new_rows], ignore_conflicts=True)
    if parent is not None:
        refresh_progress([parent.pk])
    finish_bulk_assignment(
        actor=actor,
        assignment=assignment,
        filters=filters,
        people=people,
        new_rows=new_rows,
        action="objective.assign",
        target_type="goals.objective",
        label=template.title,
        after=lambda emp: {"template_id": template.pk, "assignment_id": assignment.pk, "employee_id": emp},
        bulk_action="goals.bulk_assign",
    )
    return assignment
