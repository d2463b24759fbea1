"""Writes on the KPI library, KPI targets and actuals.

Actuals are keyed by (target, date): recording a date again replaces the value, so importing the same
file twice changes nothing. A target's actual (latest, sum or average of its values, as its KPI
says) and attainment (the key-result formula) are cached on the target by `kpi_targets_refresh`,
set-based, so the KPI board reads them in one query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.audit.services import Change, record_event, record_events
from jixiao.core.errors import DomainError, NotFound
from jixiao.org.models import Department, Employee

from . import permissions, scoring
from .models import BulkAssignment, BusinessArea, Indicator, KeyResult, KPIActual, KPITarget, Period
from .selectors import goal_settings
from .services import (
    MAX_WEIGHT,
    PeopleFilter,
    _bump,
    _decimal,
    _raise_if,
    finish_bulk_assignment,
    insert_rows,
    people_matching,
    scoring_message,
)

# ---- library -----------------------------------------------------------------------------------


def _require_library(actor: Any) -> None:
    if not permissions.can_manage_library(actor):
        raise DomainError(_("Only HR and administrators can change the KPI library."), code="forbidden")


@transaction.atomic
def business_area_save(
    *, actor: Any, area: BusinessArea | None = None, name: str, name_en: str = "", position: int = 0
) -> BusinessArea:
    """Create (area=None) or rename a business area of the KPI library."""
    _require_library(actor)
    name = name.strip()
    if not name:
        raise DomainError(_("A business area needs a name."), fields={"name": [_("Required.")]})
    clash = BusinessArea.objects.filter(name=name)
    if area is not None:
        clash = clash.exclude(pk=area.pk)
    if clash.exists():
        raise DomainError(_("There is already a business area with this name."), fields={"name": [_("Already used.")]})
    before = None if area is None else {"name": area.name, "name_en": area.name_en, "position": area.position}
    row = area or BusinessArea()
    row.name, row.name_en, row.position = name, name_en.strip(), position
    row.save()
    record_event(
        actor=actor,
        action="business_area.update" if before else "business_area.create",
        target=row,
        before=before,
        after={"name": row.name, "name_en": row.name_en, "position": row.position},
    )
    return row


@dataclass
class IndicatorInput:
    area_id: int
    code: str
    name: str
    name_en: str = ""
    unit: str = KeyResult.Unit.NUMBER
    direction: str = KeyResult.Direction.INCREASE
    aggregation: str = Indicator.Aggregation.LATEST
    definition: str = ""
    data_source: str = ""
    active: bool = True


def indicator_snapshot(row: Indicator) -> dict[str, Any]:
    """The fields of a library KPI as audit events (and PATCH merges) see them."""
    return {
        "area_id": row.area_id,
        "code": row.code,
        "name": row.name,
        "name_en": row.name_en,
        "unit": row.unit,
        "direction": row.direction,
        "aggregation": row.aggregation,
        "definition": row.definition,
        "data_source": row.data_source,
        "active": row.active,
    }


@transaction.atomic
def indicator_save(*, actor: Any, indicator: Indicator | None = None, data: IndicatorInput) -> Indicator:
    """Create (indicator=None) or change a KPI of the library. Direction is fixed once targets use it."""
    _require_library(actor)
    errors: dict[str, list[str]] = {}
    code = data.code.strip()
    if not code:
        errors["code"] = [_("Required.")]
    elif len(code) > 32:
        errors["code"] = [_("At most 32 characters.")]
    else:
        clash = Indicator.objects.filter(code__iexact=code)
        if indicator is not None:
            clash = clash.exclude(pk=indicator.pk)
        if clash.exists():
            errors["code"] = [_("Another KPI already has this code.")]
    if not data.name.strip():
        errors["name"] = [_("Required.")]
    area = BusinessArea.objects.filter(pk=data.area_id).first()
    if area is None:
        errors["area"] = [_("Choose a business area.")]
    if data.unit not in KeyResult.Unit.values:
        errors["unit"] = [_("Unknown unit.")]
    if data.direction not in KeyResult.Direction.values:
        errors["direction"] = [_("Unknown direction.")]
    elif (
        indicator is not None
        and data.direction != indicator.direction
        and KPITarget.objects.filter(indicator=indicator).exists()
    ):
        errors["direction"] = [_("Targets already use this KPI; its direction can no longer change.")]
    if data.aggregation not in Indicator.Aggregation.values:
        errors["aggregation"] = [_("Unknown way of adding up actuals.")]
    _raise_if(errors)
    before = indicator_snapshot(indicator) if indicator is not None else None
    row = indicator or Indicator()
    row.area = area  # type: ignore[assignment]
    row.code, row.name, row.name_en = code, data.name.strip(), data.name_en.strip()
    row.unit, row.direction, row.aggregation = data.unit, data.direction, data.aggregation
    row.definition, row.data_source, row.active = data.definition.strip(), data.data_source.strip(), data.active
    row.save()
    if before is not None and before["aggregation"] != row.aggregation:
        kpi_targets_refresh(KPITarget.objects.filter(indicator=row).values_list("pk", flat=True))
    record_event(
        actor=actor,
        action="indicator.update" if before else "indicator.create",
        target=row,
        before=before,
        after=indicator_snapshot(row),
    )
    return row


# ---- targets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetValues:
    baseline: Decimal
    target: Decimal
    stretch: Decimal | None
    weight: Decimal


def clean_target_values(
    *, indicator: Indicator, baseline: object, target: object, stretch: object = None, weight: object = 0
) -> TargetValues:
    """Parse and check baseline / target / stretch / weight against the KPI's direction."""
    errors: dict[str, list[str]] = {}
    b = _decimal(baseline, "baseline", errors)
    t = _decimal(target, "target", errors)
    s = _decimal(stretch, "stretch", errors)
    w = _decimal(weight, "weight", errors, places=2) or Decimal(0)
    if b is None and "baseline" not in errors:
        b = Decimal(0)
    if t is None and "target" not in errors:
        errors["target"] = [_("Required.")]
    if w < 0 or w > MAX_WEIGHT:
        errors.setdefault("weight", []).append(_("Enter a weight from 0 to 100."))
    if b is not None and t is not None:
        try:
            scoring.check_direction(direction=indicator.direction, start=b, target=t, stretch=s)
        except scoring.ScoringError as error:
            key = "stretch" if error.code == "stretch_not_beyond_target" else "target"
            errors.setdefault(key, []).append(scoring_message(error))
    _raise_if(errors)
    assert b is not None and t is not None
    return TargetValues(b, t, s, w)


def _require_active(indicator: Indicator) -> None:
    """A KPI retired from the library keeps its targets but is handed out no more."""
    if not indicator.active:
        raise DomainError(
            _("This KPI is no longer in use; choose another."),
            code="inactive",
            fields={"indicator": [_("No longer in use.")]},
        )


def _target_snapshot(row: KPITarget) -> dict[str, Any]:
    return {
        "indicator_id": row.indicator_id,
        "period_id": row.period_id,
        "employee_id": row.employee_id,
        "department_id": row.department_id,
        "baseline": row.baseline,
        "target": row.target,
        "stretch": row.stretch,
        "weight": row.weight,
    }


def _target_scope(row: KPITarget) -> str:
    if row.employee_id is not None:
        return row.employee.department.path  # type: ignore[union-attr]
    return row.department.path  # type: ignore[union-attr]


@transaction.atomic
def kpi_target_create(
    *,
    actor: Any,
    indicator: Indicator,
    period: Period,
    employee: Employee | None = None,
    department: Department | None = None,
    baseline: object = 0,
    target: object,
    stretch: object = None,
    weight: object = 0,
) -> KPITarget:
    """Assign a KPI to a person (by her management or HR) or a department for a period."""
    if (employee is None) == (department is None):
        raise DomainError(
            _("A KPI target belongs to one person or one department."), fields={"owner": [_("Required.")]}
        )
    probe = KPITarget(indicator=indicator, period=period, employee=employee, department=department)
    if not permissions.can_set_kpi_target(actor, probe):
        raise NotFound(
            _("You cannot set KPI targets for this owner."), fields={"owner": [_("Not found or not yours.")]}
        )
    _require_active(indicator)
    values = clean_target_values(indicator=indicator, baseline=baseline, target=target, stretch=stretch, weight=weight)
    if KPITarget.objects.filter(indicator=indicator, period=period, employee=employee, department=department).exists():
        raise DomainError(
            _("%(owner)s already has this KPI for %(period)s.") % {"owner": employee or department, "period": period},
            code="duplicate",
        )
    row = KPITarget.objects.create(
        indicator=indicator,
        period=period,
        employee=employee,
        department=department,
        baseline=values.baseline,
        target=values.target,
        stretch=values.stretch,
        weight=values.weight,
    )
    record_event(
        actor=actor, action="kpi_target.create", target=row, after=_target_snapshot(row), scope_path=_target_scope(row)
    )
    return row


@transaction.atomic
def kpi_target_update(
    *,
    actor: Any,
    target: KPITarget,
    version: int,
    baseline: object,
    target_value: object,
    stretch: object,
    weight: object,
) -> KPITarget:
    """Change a target's baseline, target, stretch or weight; attainment follows."""
    if not permissions.can_set_kpi_target(actor, target):
        raise NotFound(_("KPI target not found."))
    values = clean_target_values(
        indicator=target.indicator, baseline=baseline, target=target_value, stretch=stretch, weight=weight
    )
    before = _target_snapshot(target)
    _bump(KPITarget, target, version, _("KPI target"))
    target.baseline, target.target, target.stretch, target.weight = (
        values.baseline,
        values.target,
        values.stretch,
        values.weight,
    )
    target.save(update_fields=["baseline", "target", "stretch", "weight", "updated_at"])
    kpi_targets_refresh([target.pk])
    target.refresh_from_db(fields=["actual", "attainment"])
    record_event(
        actor=actor,
        action="kpi_target.update",
        target=target,
        before=before,
        after=_target_snapshot(target),
        scope_path=_target_scope(target),
    )
    return target


@transaction.atomic
def kpi_targets_bulk_assign(
    *,
    actor: Any,
    indicator: Indicator,
    period: Period,
    filters: PeopleFilter,
    baseline: object = 0,
    target: object,
    stretch: object = None,
    weight: object = 0,
) -> BulkAssignment:
    """Give everyone matching the filters this KPI for the period; people who have it already keep theirs."""
    if not permissions.can_assign_in_bulk(actor):
        raise DomainError(_("Only HR and managers can assign KPIs in bulk."), code="forbidden")
    _require_active(indicator)
    values = clean_target_values(indicator=indicator, baseline=baseline, target=target, stretch=stretch, weight=weight)
    people = list(people_matching(actor=actor, filters=filters).values_list("pk", "department__path"))
    assignment = BulkAssignment.objects.create(
        kind=BulkAssignment.Kind.KPI,
        period=period,
        filters=filters.as_dict(),
        payload={
            "indicator_id": indicator.pk,
            "baseline": str(values.baseline),
            "target": str(values.target),
            "stretch": None if values.stretch is None else str(values.stretch),
            "weight": str(values.weight),
        },
        matched=len(people),
        actor=actor,
    )
    insert_rows(
        KPITarget,
        [
            KPITarget(
                indicator=indicator,
                period=period,
                employee_id=pk,
                baseline=values.baseline,
                target=values.target,
                stretch=values.stretch,
                weight=values.weight,
                assignment=assignment,
            )
            for pk, _path in people
        ],
        ignore_conflicts=True,
    )
    new_rows = list(KPITarget.objects.filter(assignment=assignment).values_list("pk", "employee_id"))
    finish_bulk_assignment(
        actor=actor,
        assignment=assignment,
        filters=filters,
        people=people,
        new_rows=new_rows,
        action="kpi_target.assign",
        target_type="goals.kpitarget",
        label=indicator.name,
        after=lambda emp: {**assignment.payload, "employee_id": emp, "period_id": period.pk},
        bulk_action="kpi.bulk_assign",
    )
    return assignment


# ---- actuals -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActualRow:
    """One value to record: for which target, on which date, and an optional note."""

    target_id: int
    measured_on: dt.date
    value: Decimal
    note: str = ""


@dataclass
class ActualsResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def kpi_actual_record(
    *, actor: Any, target: KPITarget, measured_on: dt.date | None, value: object, note: str = "", source: str = "manual"
) -> ActualsResult:
    """Record one value by hand (or through the API) after checking it; see kpi_actuals_record."""
    if not permissions.can_record_actual(actor, target):
        raise NotFound(_("KPI target not found."))
    errors: dict[str, list[str]] = {}
    number = _decimal(value, "value", errors)
    if number is None and "value" not in errors:
        errors["value"] = [_("Required.")]
    if measured_on is None:
        errors["measured_on"] = [_("Required.")]
    elif not target.period.start <= measured_on <= target.period.end:
        errors["measured_on"] = [
            _("The date must lie inside %(period)s (%(start)s – %(end)s).")
            % {"period": target.period.name, "start": target.period.start, "end": target.period.end}
        ]
    if len(note) > 500:
        errors["note"] = [_("At most 500 characters.")]
    _raise_if(errors)
    assert number is not None and measured_on is not None
    return kpi_actuals_record(
        actor=actor, rows=[ActualRow(target.pk, measured_on, number, note.strip())], source=source
    )


@transaction.atomic
def kpi_actuals_record(
    *, actor: Any, rows: Sequence[ActualRow], source: str, label: str = "", scope_paths: dict[int, str] | None = None
) -> ActualsResult:
    """Record checked values in bulk: new dates are inserted, changed values replaced, equal ones left alone.

    Callers have checked rights and dates. New rows carry who, when and from where themselves; each
    replaced value writes an audit event with the old value, and the batch writes one summary event.
    """
    result = ActualsResult()
    if not rows:
        return result
    # A later row for the same target and date wins, as it would if the rows were entered one by one.
    latest: dict[tuple[int, dt.date], ActualRow] = {}
    for row in rows:
        # Compare what the column will hold (4 decimals): 1.23456 stored is 1.2346, and recording
        # 1.23456 again must find it unchanged, or the same file imported twice would "replace" it.
        value = row.value.quantize(scoring.QUANTUM, rounding=ROUND_HALF_UP)
        latest[(row.target_id, row.measured_on)] = row if value == row.value else replace(row, value=value)
    target_ids = sorted({t for t, _d in latest})
    existing: dict[tuple[int, dt.date], tuple[int, Decimal, str]] = {}
    for chunk in _chunks(target_ids, 900):
        if connection.features.has_select_for_update:
            # Two batches for the same target and date at once (two API clients, an import and a
            # person): the second waits here, then sees the first one's row and replaces it,
            # instead of both inserting and the loser failing on the one-per-day constraint.
            list(KPITarget.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
        for pk, target_id, measured_on, value, note in KPIActual.objects.filter(target_id__in=chunk).values_list(
            "pk", "target_id", "measured_on", "value", "note"
        ):
            existing[(target_id, measured_on)] = (pk, value, note)
    now = timezone.now()
    user = actor if getattr(actor, "pk", None) else None
    inserts: list[ActualRow] = []
    updates: list[tuple[Any, ...]] = []
    changes: list[Change] = []
    for key, row in latest.items():
        old = existing.get(key)
        if old is None:
            inserts.append(row)
        elif old[1] == row.value and old[2] == row.note:
            result.unchanged += 1
        else:
            updates.append((old[0], row))
            day = row.measured_on.isoformat()
            changes.append(
                Change(
                    target=None,
                    target_type="goals.kpitarget",
                    target_id=str(row.target_id),
                    target_label=day,
                    # Strings already, as the audit log's encoder would make them: 100,000 replaced values
                    # otherwise spend a second in its fallback for dates and decimals.
                    before={"measured_on": day, "value": str(old[1]), "note": old[2]},
                    after={"measured_on": day, "value": str(row.value), "note": row.note, "source": source},
                    scope_path=(scope_paths or {}).get(row.target_id, ""),
                )
            )
    _insert_actuals(inserts, source=source, user_id=user.pk if user else None, now=now)
    result.created = len(inserts)
    if updates:
        _update_actuals(updates, source=source, user_id=user.pk if user else None, now=now)
        result.updated = len(updates)
    if changes:
        record_events(actor=actor, action="kpi_actual.replace", changes=changes)
    if result.created or result.updated:
        # Every value of these targets is in hand (what was there, and this batch): aggregate them here
        # instead of reading 100,000 values back (a second of an import that size).
        by_target: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
        for (target_id, measured_on), (_pk, value, _note) in existing.items():
            by_target[target_id][measured_on] = value
        for (target_id, measured_on), row in latest.items():
            by_target[target_id][measured_on] = row.value
        kpi_targets_refresh(
            target_ids, values={t: [v for _d, v in sorted(days.items())] for t, days in by_target.items()}
        )
    record_event(
        actor=actor,
        action="kpi_actual.record",
        target_type="goals.kpitarget",
        target_id=str(target_ids[0]) if len(target_ids) == 1 else "",
        target_label=label,
        after={"source": source, "created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        scope_path=(scope_paths or {}).get(target_ids[0], "") if len(target_ids) == 1 else "",
    )
    return result


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _insert_actuals(rows: list[ActualRow], *, source: str, user_id: int | None, now: dt.datetime) -> None:
    """Insert new actuals as plain tuples with executemany.

    At 100,000 values, building KPIActual instances for bulk_create and preparing each field through the
    model layer took about 12 s of the import's 19; the values are already checked and rounded here.
    """
    if not rows:
        return
    meta = KPIActual._meta
    quote = connection.ops.quote_name
    columns = ("target_id", "measured_on", "value", "note", "source", "recorded_by_id", "recorded_at")
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names only
        quote(meta.db_table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    at = meta.get_field("recorded_at").get_db_prep_save(now, connection)
    ops = connection.ops
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 2000):
            cursor.executemany(
                sql,
                [
                    (
                        r.target_id,
                        ops.adapt_datefield_value(r.measured_on),
                        ops.adapt_decimalfield_value(r.value),
                        r.note,
                        source,
                        user_id,
                        at,
                    )
                    for r in rows[i : i + 2000]
                ],
            )


def _update_actuals(
    updates: list[tuple[int, ActualRow]], *, source: str, user_id: int | None, now: dt.datetime
) -> None:
    meta = KPIActual._meta
    quote = connection.ops.quote_name
    at_field = meta.get_field("recorded_at")
    sql = "UPDATE {} SET {} = %s, {} = %s, {} = %s, {} = %s, {} = %s WHERE {} = %s".format(  # noqa: S608 - names only
        quote(meta.db_table),
        quote("value"),
        quote("note"),
        quote("source"),
        quote("recorded_by_id"),
        quote("recorded_at"),
        quote("id"),
    )
    at = at_field.get_db_prep_save(now, connection)
    # Values arrive quantised to the column's places (_decimal), and both backends bind a Decimal as is
    # (Django registers str() as SQLite's adapter); the field's own preparation cost 2 s per 100,000 rows.
    params = [(row.value, row.note, source, user_id, at, pk) for pk, row in updates]
    with connection.cursor() as cursor:
        for i in range(0, len(params), 2000):
            cursor.executemany(sql, params[i : i + 2000])


def kpi_targets_refresh(target_ids: Iterable[int], *, values: Mapping[int, Sequence[Decimal]] | None = None) -> int:
    """Recompute the cached actual and attainment of these targets from their recorded values.

    `values` (each target's values in date order) saves reading them when the caller holds them all.
    """
    ids = sorted(set(target_ids))
    if not ids:
        return 0
    cap = goal_settings().progress_cap
    meta: dict[int, tuple[Decimal, Decimal, Decimal | None, str, Decimal | None, Decimal | None]] = {}
    if values is None:
        read: dict[int, list[Decimal]] = defaultdict(list)
        for chunk in _chunks(ids, 900):
            for target_id, value in (
                KPIActual.objects.filter(target_id__in=chunk)
                .order_by("target_id", "measured_on")
                .values_list("target_id", "value")
            ):
                read[target_id].append(value)
        values = read
    for chunk in _chunks(ids, 900):
        for pk, baseline, target, stretch, aggregation, actual, attainment in KPITarget.objects.filter(
            pk__in=chunk
        ).values_list("pk", "baseline", "target", "stretch", "indicator__aggregation", "actual", "attainment"):
            meta[pk] = (baseline, target, stretch, aggregation, actual, attainment)
    params: list[tuple[Any, ...]] = []
    actual_field = KPITarget._meta.get_field("actual")
    ratio_field = KPITarget._meta.get_field("attainment")
    for pk, (baseline, target, stretch, aggregation, old_actual, old_attainment) in meta.items():
        actual = scoring.aggregate_actuals(values.get(pk, []), method=aggregation)
        attainment = (
            None
            if actual is None
            else scoring.key_result_progress(start=baseline, target=target, current=actual, cap=cap, stretch=stretch)
        )
        if actual != old_actual or attainment != old_attainment:
            params.append(
                (
                    actual_field.get_db_prep_save(actual, connection),
                    ratio_field.get_db_prep_save(attainment, connection),
                    pk,
                )
            )
    if params:
        quote = connection.ops.quote_name
        sql = "UPDATE {} SET {} = %s, {} = %s WHERE {} = %s".format(  # noqa: S608 - names only
            quote(KPITarget._meta.db_table), quote("actual"), quote("attainment"), quote("id")
        )
        with connection.cursor() as cursor:
            for i in range(0, len(params), 2000):
                cursor.executemany(sql, params[i : i + 2000])
    return len(params)
