"""Writes on review cycles: create and launch cycles, save and submit evaluations, release, acknowledge.

Every function is keyword-only, atomic and audited. The review's state machine is `TRANSITIONS`;
anything else is refused with a message that names the state. Configuration writes (scales,
competencies, templates) live in services_config.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.audit.services import Change, record_event, record_events
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.notifications import Message, notify
from jixiao.core.prepared import Prepared
from jixiao.goals.models import GoalPlan, GoalSettings, KPITarget, Objective, OwnerType, Period
from jixiao.goals.scoring import ScoringError
from jixiao.org.models import Department, Employee, Status
from jixiao.org.selectors import actor_context

from . import breakdown as bd
from . import feedback as fb
from . import permissions
from .anonymity import MIN_K, effective_k
from .models import (
    ANONYMOUS_KINDS,
    PHASE_ORDER,
    Cycle,
    CyclePhase,
    Evaluation,
    EvaluationKind,
    PhaseKind,
    RatingScale,
    Reminder,
    Review,
    ReviewTemplate,
    SectionKind,
)

# ---- messages ------------------------------------------------------------------------------------

PROBLEM_MESSAGES = {
    "rating_outside_scale": gettext_lazy("Pick a level of the scale."),
    "rating_required": gettext_lazy("Rate this before submitting."),
    "answer_required": gettext_lazy("Answer this before submitting."),
    "comment_required": gettext_lazy("Write an overall comment before submitting."),
    "override_without_reason": gettext_lazy("Say why you override the automatic score."),
}


def update_row(model: Any, pk: int, values: Mapping[str, Any], *, version: int | None = None) -> int:
    """UPDATE one row's columns and bump its version (only if it still has `version`); rows changed (0 or 1).

    The same statement `filter(pk=…, version=…).update(…, version=F("version") + 1)` sends, written
    directly: building it through the ORM cost more than running it on the submit path.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in values]
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    sql = f"UPDATE {quote(meta.db_table)} SET {sets}, {quote('version')} = {quote('version')} + 1 WHERE id = %s"  # noqa: S608
    params.append(pk)
    if version is not None:
        sql += f" AND {quote('version')} = %s"
        params.append(version)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _stale(what: str) -> StaleWrite:
    return StaleWrite(
        _("Someone else saved this %(what)s since you opened it. Reload to see their changes.") % {"what": what}
    )


def _refuse_state(review: Review, action: str) -> DomainError:
    return DomainError(
        _("This review is at “%(state)s”, so it cannot be %(action)s.")
        % {"state": Review.State(review.state).label, "action": ACTION_LABELS.get(action, action)},
        code="illegal_transition",
    )


def _refuse_phase(cycle: Cycle, action: str) -> DomainError:
    phase = PhaseKind(cycle.phase).label if cycle.phase else _("not started")
    return DomainError(
        _("The cycle is in the phase “%(phase)s”, so reviews cannot be %(action)s now.")
        % {"phase": phase, "action": ACTION_LABELS.get(action, action)},
        code="wrong_phase",
    )


ACTION_LABELS = {
    "self_submit": gettext_lazy("submitted as a self review"),
    "self_save": gettext_lazy("edited by the reviewee"),
    "manager_submit": gettext_lazy("submitted by the manager"),
    "manager_save": gettext_lazy("edited by the manager"),
    "skip_approve": gettext_lazy("approved by the skip-level manager"),
    "skip_return": gettext_lazy("returned by the skip-level manager"),
    "release": gettext_lazy("released"),
    "acknowledge": gettext_lazy("acknowledged"),
    "disagree": gettext_lazy("disputed"),
    "reassign": gettext_lazy("reassigned"),
}

# ---- the review state machine -------------------------------------------------------------------

MAX_K = 50  # a threshold above any group a cycle could have would hide every 360 result
MAX_APPEAL_DAYS = 90

S = Review.State
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.SELF_REVIEW, "self_submit"): S.MANAGER_REVIEW,
    # A manager may submit without a self review once the self-review phase is over (the self review is skipped).
    (S.SELF_REVIEW, "manager_submit"): S.SKIP_LEVEL,
    (S.MANAGER_REVIEW, "manager_submit"): S.SKIP_LEVEL,
    (S.SKIP_LEVEL, "skip_approve"): S.READY,
    (S.SKIP_LEVEL, "skip_return"): S.MANAGER_REVIEW,
    (S.READY, "release"): S.RELEASED,
    (S.RELEASED, "acknowledge"): S.ACKNOWLEDGED,
    (S.RELEASED, "disagree"): S.DISAGREED,
}
# Phases in which each action is allowed (the cycle's current phase).
ACTION_PHASES: dict[str, tuple[str, ...]] = {
    "self_save": (PhaseKind.SELF, PhaseKind.FEEDBACK, PhaseKind.MANAGER),
    "self_submit": (PhaseKind.SELF, PhaseKind.FEEDBACK, PhaseKind.MANAGER),
    "manager_save": (
        PhaseKind.PEER_SELECTION,
        PhaseKind.SELF,
        PhaseKind.FEEDBACK,
        PhaseKind.MANAGER,
        PhaseKind.SKIP_LEVEL,
        PhaseKind.CALIBRATION,
    ),
    "manager_submit": (PhaseKind.MANAGER, PhaseKind.SKIP_LEVEL, PhaseKind.CALIBRATION),
    "skip_approve": (PhaseKind.MANAGER, PhaseKind.SKIP_LEVEL, PhaseKind.CALIBRATION),
    "skip_return": (PhaseKind.MANAGER, PhaseKind.SKIP_LEVEL, PhaseKind.CALIBRATION),
    "release": (PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT),
    "acknowledge": (PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT),
    "disagree": (PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT),
}


def next_state(review: Review, action: str) -> str:
    """The state `action` moves the review to; refused with a clear message when illegal."""
    target = TRANSITIONS.get((review.state, action))
    if target is None:
        raise _refuse_state(review, action)
    if target == S.SKIP_LEVEL and not (review.cycle.skip_level and review.skip_level_id):
        return S.READY
    return target


def _require_phase(cycle: Cycle, action: str) -> None:
    if cycle.state != Cycle.State.ACTIVE or cycle.phase not in ACTION_PHASES[action]:
        raise _refuse_phase(cycle, action)


# ---- snapshot ------------------------------------------------------------------------------------


def _scale_snapshot(scale: RatingScale) -> dict[str, Any]:
    levels = [
        {
            "value": str(lv.value),
            "label": lv.label,
            "label_en": lv.label_en,
            "description": lv.description,
            "description_en": lv.description_en,
        }
        for lv in scale.levels.all()
    ]
    bands = [
        {"code": b.code, "label": b.label, "label_en": b.label_en, "threshold": str(b.threshold)}
        for b in scale.bands.all()
    ]
    values = [Decimal(lv["value"]) for lv in levels]
    return {
        "id": scale.pk,
        "name": scale.name,
        "name_en": scale.name_en,
        "levels": levels,
        "bands": bands,
        "min": str(min(values)) if values else "1",
        "max": str(max(values)) if values else "5",
    }


def cycle_snapshot(template: ReviewTemplate) -> dict[str, Any]:
    """A frozen copy of everything a cycle's reviews are scored by (a fixed number of queries)."""
    from .models import Competency, CompetencyModel

    template = (
        ReviewTemplate.objects.select_related("scale")
        .prefetch_related("scale__levels", "scale__bands", "sections__questions", "sections__groups")
        .get(pk=template.pk)
    )
    sections = []
    model_ids: set[int] = set()
    by_job = False
    feedback: dict[str, Any] | None = None
    for section in template.sections.all():
        entry: dict[str, Any] = {
            "key": f"s{section.pk}",
            "kind": section.kind,
            "title": section.title,
            "title_en": section.title_en,
            "weight": str(section.weight),
            "required": section.required,
            "competency_model": f"m{section.competency_model_id}" if section.competency_model_id else None,
            "questions": [
                {"key": f"q{q.pk}", "text": q.text, "text_en": q.text_en, "required": q.required}
                for q in section.questions.all()
            ],
        }
        if section.kind == SectionKind.FEEDBACK:
            entry["groups"] = [{"kind": g.kind, "weight": str(g.weight)} for g in section.groups.all()]
            entry["peer"] = {"min": section.peer_min, "max": section.peer_max}
            feedback = {"section": entry["key"], "peer": entry["peer"], "groups": [g["kind"] for g in entry["groups"]]}
        if section.kind in (SectionKind.COMPETENCIES, SectionKind.FEEDBACK):
            if section.competency_model_id:
                model_ids.add(section.competency_model_id)
            else:
                by_job = True
        sections.append(entry)
    models_qs = CompetencyModel.objects.prefetch_related("items")
    models = list(models_qs if by_job else models_qs.filter(pk__in=model_ids))
    competency_ids = {item.competency_id for m in models for item in m.items.all()}
    competencies = {
        f"c{c.pk}": {
            "name": c.name,
            "name_en": c.name_en,
            "description": c.description,
            "description_en": c.description_en,
            "anchors": {str(a.level): {"text": a.text, "text_en": a.text_en} for a in c.anchors.all()},
        }
        for c in Competency.objects.filter(pk__in=competency_ids).prefetch_related("anchors")
    }
    settings_row = GoalSettings.objects.filter(pk=1).first()
    table = [[str(t), int(r)] for t, r in (settings_row.attainment_table if settings_row else [])]
    if not table:
        from jixiao.goals.scoring import DEFAULT_ATTAINMENT_FLOOR, DEFAULT_ATTAINMENT_TABLE

        table = [[str(t), r] for t, r in DEFAULT_ATTAINMENT_TABLE]
        floor = DEFAULT_ATTAINMENT_FLOOR
    else:
        floor = settings_row.attainment_floor if settings_row else 1
    return {
        "template": {
            "id": template.pk,
            "name": template.name,
            "name_en": template.name_en,
            "self_weight": str(template.self_weight),
            "overall_comment_required": template.overall_comment_required,
        },
        "scale": _scale_snapshot(template.scale),
        "attainment": {"table": table, "floor": floor},
        "sections": sections,
        "competencies": competencies,
        "models": {
            f"m{m.pk}": {
                "name": m.name,
                "name_en": m.name_en,
                "job_family": m.job_family,
                "job_levels": list(m.job_levels),
                "items": [{"competency": f"c{i.competency_id}", "weight": str(i.weight)} for i in m.items.all()],
            }
            for m in models
        },
        "by_job": by_job,
        # The 360 section's settings; the cycle adds its anonymity thresholds at launch (cycle_launch).
        "feedback": feedback,
    }


# ---- cycles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseInput:
    kind: str
    starts_on: dt.date
    due_on: dt.date


@dataclass(frozen=True)
class CycleInput:
    name: str
    name_en: str
    period: Period
    template: ReviewTemplate
    skip_level: bool = False
    departments: tuple[int, ...] = ()
    levels: tuple[str, ...] = ()
    hired_before: dt.date | None = None
    exclude: tuple[int, ...] = ()
    phases: tuple[PhaseInput, ...] = field(default_factory=tuple)
    # 360 feedback (decision 0009): the smallest group shown, of comments, names or not, requests per rater.
    anonymity_k: int = 3
    comment_k: int = 3
    confidential: bool = False
    rater_load_limit: int = 8
    # Calibration and appeals (decision 0011). Calibration adds a phase, so it is fixed at launch; the appeal
    # window and the time to answer may change later (HR extends a window for everyone, never for one person).
    calibration: bool = False
    appeal_days: int = 14
    appeal_sla_days: int = 10

    def frozen_settings(self) -> dict[str, Any]:
        """Settings a launched cycle keeps."""
        return {
            "anonymity_k": self.anonymity_k,
            "comment_k": self.comment_k,
            "confidential": self.confidential,
            "rater_load_limit": self.rater_load_limit,
            "calibration": self.calibration,
        }

    def appeal_settings(self) -> dict[str, Any]:
        return {"appeal_days": self.appeal_days, "appeal_sla_days": self.appeal_sla_days}

    def filters(self) -> dict[str, Any]:
        return {
            "departments": sorted(set(self.departments)),
            "levels": sorted({lv.strip() for lv in self.levels if lv.strip()}),
            "hired_before": self.hired_before.isoformat() if self.hired_before else None,
            "exclude": sorted(set(self.exclude)),
        }


def _check_cycle(actor: Any, data: CycleInput, *, cycle: Cycle | None) -> None:
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = [_("Give the cycle a name.")]
    elif Cycle.objects.filter(name=data.name.strip()).exclude(pk=cycle.pk if cycle else 0).exists():
        errors["name"] = [_("Another cycle already has this name.")]
    if data.template.archived:
        errors["template"] = [_("This template is archived; pick another.")]
    from .services_config import template_problems

    problem = template_problems(data.template)
    if problem:
        errors["template"] = [problem]
    kinds = [p.kind for p in data.phases]
    required = [PhaseKind.SELF, PhaseKind.MANAGER, PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT]
    if data.skip_level:
        required.insert(2, PhaseKind.SKIP_LEVEL)
    if data.calibration:
        required.insert(required.index(PhaseKind.RELEASE), PhaseKind.CALIBRATION)
    has_360 = data.template.sections.filter(kind=SectionKind.FEEDBACK).exists()
    if has_360:
        # 360 feedback (decision 0009) brings both its phases: choosing peers, then collecting answers.
        required = [PhaseKind.PEER_SELECTION, PhaseKind.SELF, PhaseKind.FEEDBACK, *required[1:]]
    if sorted(kinds, key=PHASE_ORDER.index) != required:
        errors["phases"] = [_("Give dates for each phase of the cycle.")]
        if not has_360 and (PhaseKind.PEER_SELECTION in kinds or PhaseKind.FEEDBACK in kinds):
            errors["phases"] = [_("Peer selection and 360° feedback need a template with a 360° feedback section.")]
    if not MIN_K <= data.anonymity_k <= MAX_K:
        errors["anonymity_k"] = [_("Between %(low)s and %(high)s.") % {"low": MIN_K, "high": MAX_K}]
    if not MIN_K <= data.comment_k <= MAX_K:
        errors["comment_k"] = [_("Between %(low)s and %(high)s.") % {"low": MIN_K, "high": MAX_K}]
    if not 1 <= data.rater_load_limit <= 100:
        errors["rater_load_limit"] = [_("Between %(low)s and %(high)s.") % {"low": 1, "high": 100}]
    if not 0 <= data.appeal_days <= MAX_APPEAL_DAYS:
        errors["appeal_days"] = [_("Between %(low)s and %(high)s.") % {"low": 0, "high": MAX_APPEAL_DAYS}]
    if not 1 <= data.appeal_sla_days <= MAX_APPEAL_DAYS:
        errors["appeal_sla_days"] = [_("Between %(low)s and %(high)s.") % {"low": 1, "high": MAX_APPEAL_DAYS}]
    previous: PhaseInput | None = None
    for phase in sorted(data.phases, key=lambda p: PHASE_ORDER.index(p.kind)):
        if phase.starts_on > phase.due_on:
            errors[f"phase_{phase.kind}"] = [_("A phase cannot end before it starts.")]
        elif previous is not None and phase.starts_on < previous.starts_on:
            errors[f"phase_{phase.kind}"] = [_("Phases run in order: this one cannot start before the one before it.")]
        previous = phase
    ctx = actor_context(actor)
    if not (ctx.is_admin or ctx.is_company_hr):
        departments = Department.objects.filter(pk__in=data.departments)
        if not data.departments or any(not ctx.in_hr_scope(d.path) for d in departments):
            errors["departments"] = [_("Pick departments within your HR scope.")]
    if len(set(data.departments)) != Department.objects.filter(pk__in=data.departments).count():
        errors["departments"] = [_("Department not found.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)


def _write_phases(cycle: Cycle, phases: Sequence[PhaseInput]) -> None:
    CyclePhase.objects.filter(cycle=cycle).delete()
    CyclePhase.objects.bulk_create(
        [CyclePhase(cycle=cycle, kind=p.kind, starts_on=p.starts_on, due_on=p.due_on) for p in phases]
    )


def _cycle_facts(cycle: Cycle) -> dict[str, Any]:
    return {
        "name": cycle.name,
        "name_en": cycle.name_en,
        "period": cycle.period_id,
        "template": cycle.template_id,
        "skip_level": cycle.skip_level,
        "filters": cycle.filters,
        "anonymity_k": cycle.anonymity_k,
        "comment_k": cycle.comment_k,
        "confidential": cycle.confidential,
        "rater_load_limit": cycle.rater_load_limit,
        "calibration": cycle.calibration,
        "appeal_days": cycle.appeal_days,
        "appeal_sla_days": cycle.appeal_sla_days,
        "state": cycle.state,
        "phase": cycle.phase,
        "phases": [
            {"kind": p.kind, "starts_on": p.starts_on.isoformat(), "due_on": p.due_on.isoformat()}
            for p in CyclePhase.objects.filter(cycle=cycle).order_by("starts_on", "pk")
        ],
    }


@transaction.atomic
def cycle_create(*, actor: Any, data: CycleInput) -> Cycle:
    """A new cycle in draft: nothing is sent and no review exists until it is launched."""
    if not permissions.can_create_cycle(actor):
        raise DomainError(_("Only HR can create review cycles."), code="forbidden")
    _check_cycle(actor, data, cycle=None)
    cycle = Cycle.objects.create(
        name=data.name.strip(),
        name_en=data.name_en.strip(),
        period=data.period,
        template=data.template,
        skip_level=data.skip_level,
        filters=data.filters(),
        created_by=actor,
        **data.frozen_settings(),
        **data.appeal_settings(),
    )
    _write_phases(cycle, data.phases)
    record_event(actor=actor, action="cycle.create", target=cycle, after=_cycle_facts(cycle))
    return cycle


@transaction.atomic
def cycle_update(*, actor: Any, cycle: Cycle, data: CycleInput, version: int) -> Cycle:
    """Change a cycle. Before launch everything may change; after, only names and phase dates."""
    before = _cycle_facts(cycle)
    if cycle.state != Cycle.State.DRAFT:
        changed = (
            data.template.pk != cycle.template_id
            or data.period.pk != cycle.period_id
            or data.skip_level != cycle.skip_level
            or data.filters() != cycle.filters
            or any(getattr(cycle, name) != value for name, value in data.frozen_settings().items())
        )
        if changed:
            raise DomainError(
                _("A launched cycle keeps its template, period, participants and phases; only names and dates change."),
                code="launched",
            )
    _check_cycle(actor, data, cycle=cycle)
    if not Cycle.objects.filter(pk=cycle.pk, version=version).update(version=F("version") + 1):
        raise _stale(_("cycle"))
    cycle.name, cycle.name_en = data.name.strip(), data.name_en.strip()
    cycle.period, cycle.template, cycle.skip_level, cycle.filters = (
        data.period,
        data.template,
        data.skip_level,
        data.filters(),
    )
    for name, value in {**data.frozen_settings(), **data.appeal_settings()}.items():
        setattr(cycle, name, value)
    cycle.version = version + 1
    cycle.save(
        update_fields=[
            "name",
            "name_en",
            "period",
            "template",
            "skip_level",
            "filters",
            "updated_at",
            *list(data.frozen_settings()),
            *list(data.appeal_settings()),
        ]
    )
    _write_phases(cycle, data.phases)
    record_event(actor=actor, action="cycle.update", target=cycle, before=before, after=_cycle_facts(cycle))
    return cycle


def cycle_participants(cycle: Cycle) -> QuerySet[Employee]:
    """Current employees matching the cycle's filters (department subtrees, levels, hired before, exclusions)."""
    filters = cycle.filters or {}
    qs = Employee.objects.exclude(status=Status.LEFT)
    departments = list(
        Department.objects.filter(pk__in=filters.get("departments") or []).values_list("path", flat=True)
    )
    if departments:
        q = Q(pk__in=[])
        for path in departments:
            q |= Q(department__path__startswith=path)
        qs = qs.filter(q)
    if filters.get("levels"):
        qs = qs.filter(job_level__in=filters["levels"])
    if filters.get("hired_before"):
        qs = qs.filter(Q(hire_date__lt=dt.date.fromisoformat(filters["hired_before"])) | Q(hire_date__isnull=True))
    if filters.get("exclude"):
        qs = qs.exclude(pk__in=filters["exclude"])
    return qs


@transaction.atomic
def cycle_launch(*, actor: Any, cycle: Cycle, version: int) -> Cycle:
    """Freeze the template and queue the launch; the task creates the reviews (the page shows progress).

    Launching an active cycle again adds the people who joined its filters since (late joiners).
    """
    if cycle.state == Cycle.State.CLOSED:
        raise DomainError(_("This cycle is closed."), code="illegal_transition")
    # A new launch run: the version moves on and the progress starts again.
    restart: dict[str, Any] = {"version": F("version") + 1, "launch_done": 0, "launch_total": 0, "launch_report": {}}
    if cycle.state == Cycle.State.DRAFT:
        if cycle.template is None:
            raise DomainError(_("Pick a template before launching."), fields={"template": [_("Required.")]})
        from .services_config import template_problems

        problem = template_problems(cycle.template)
        if problem:
            raise DomainError(problem, fields={"template": [problem]})
        if not cycle_participants(cycle).exists():
            raise DomainError(_("No one matches this cycle's participants."), code="no_participants")
        snapshot = cycle_snapshot(cycle.template)
        if snapshot["feedback"] is not None:
            snapshot["feedback"].update(
                k=effective_k(cycle.anonymity_k),
                comment_k=effective_k(cycle.comment_k),
                confidential=cycle.confidential,
            )
        updated = Cycle.objects.filter(pk=cycle.pk, version=version, state=Cycle.State.DRAFT).update(
            state=Cycle.State.LAUNCHING, snapshot=snapshot, **restart
        )
    else:
        updated = Cycle.objects.filter(pk=cycle.pk, version=version).update(**restart)
    if not updated:
        raise _stale(_("cycle"))
    cycle.refresh_from_db()
    record_event(actor=actor, action="cycle.launch", target=cycle, after={"state": cycle.state})
    from .tasks import launch_cycle

    cycle_id = cycle.pk
    transaction.on_commit(lambda: launch_cycle.enqueue(cycle_id))
    return cycle


@dataclass
class LaunchResult:
    created: int = 0
    existing: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


def _problem(row: Mapping[str, Any], code: str) -> dict[str, Any]:
    return {"employee": row["id"], "number": row["employee_number"], "name": row["name"], "code": code}


LAUNCH_PROBLEMS = {
    "no_manager": gettext_lazy("has no manager to review her"),
    "manager_left": gettext_lazy("her manager has left the company"),
    "no_competency_model": gettext_lazy("no competency model matches her job family and level"),
}


def cycle_launch_run(*, cycle_id: int, batch_size: int = 2000) -> LaunchResult:
    """Create the missing reviews and evaluations of a launching or active cycle, batch by batch.

    Idempotent: rows are inserted with ON CONFLICT DO NOTHING under the unique keys (cycle, reviewee)
    and (cycle, reviewee, rater, kind), so a second run, two runs at once or a run after a crash
    create nothing twice. A person with bad data is reported and skipped; the others are launched.
    """
    cycle = Cycle.objects.filter(pk=cycle_id, state__in=[Cycle.State.LAUNCHING, Cycle.State.ACTIVE]).first()
    if cycle is None:
        return LaunchResult()
    snapshot = cycle.snapshot
    people = list(
        cycle_participants(cycle)
        .values(
            "id",
            "employee_number",
            "name",
            "department_id",
            "job_family",
            "job_level",
            "manager_id",
            "manager__status",
            "manager__manager_id",
            "manager__manager__status",
        )
        .order_by("pk")
    )
    existing = set(Review.objects.filter(cycle=cycle).values_list("reviewee_id", flat=True))
    result = LaunchResult(existing=len(existing))
    needs_model = bool(snapshot.get("by_job"))
    models = snapshot.get("models", {})
    rows: list[tuple[Any, ...]] = []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for person in people:
        if person["id"] in existing:
            continue
        if person["manager_id"] is None:
            result.problems.append(_problem(person, "no_manager"))
            continue
        if person["manager__status"] == Status.LEFT:
            result.problems.append(_problem(person, "manager_left"))
            continue
        model_key = bd.pick_model(models, family=person["job_family"], level=person["job_level"]) if needs_model else ""
        if needs_model and not model_key:
            result.problems.append(_problem(person, "no_competency_model"))
            continue
        skip = person["manager__manager_id"]
        if not cycle.skip_level or skip is None or person["manager__manager__status"] == Status.LEFT:
            skip = None
        rows.append(
            (
                cycle.pk,
                person["id"],
                person["manager_id"],
                skip,
                person["department_id"],
                model_key,
                Review.State.SELF_REVIEW,
                "[]",
                "",
                "{}",
                "",
                now,
                now,
                1,
            )
        )
    Cycle.objects.filter(pk=cycle.pk).update(launch_total=len(rows), launch_done=0)
    quote = connection.ops.quote_name
    review_sql = (
        f"INSERT INTO {quote('reviews_review')} (cycle_id, reviewee_id, manager_id, skip_level_id, department_id, "  # noqa: S608
        "competency_model, state, auto_items, band, breakdown, acknowledgement_comment, created_at, updated_at, "
        "version, band_override, override_source, override_reason, corrections, calibration_hold) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '', '', '{}', FALSE) "
        "ON CONFLICT DO NOTHING"
    )
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        with transaction.atomic(), connection.cursor() as cursor:
            last_id = Review.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            cursor.executemany(review_sql, batch)
            _insert_evaluations(cursor, cycle, last_id, now)
        result.created += len(batch)
        Cycle.objects.filter(pk=cycle.pk).update(launch_done=F("launch_done") + len(batch))
    # People launched earlier but whose evaluations a crash left behind get them now.
    with transaction.atomic(), connection.cursor() as cursor:
        _insert_evaluations(cursor, cycle, None, now)
    kinds = CyclePhase.objects.filter(cycle=cycle).values_list("kind", flat=True)
    first_phase = cycle.phase or min(kinds, key=PHASE_ORDER.index, default=PhaseKind.SELF)
    report = {"created": result.created, "existing": result.existing, "problems": result.problems}
    Cycle.objects.filter(pk=cycle.pk).update(
        state=Cycle.State.ACTIVE,
        phase=first_phase,
        launched_at=F("launched_at") if cycle.launched_at else timezone.now(),
        launch_report=report,
    )
    record_event(
        actor=None,
        action="cycle.launched",
        target=cycle,
        after={"created": result.created, "existing": result.existing, "problems": len(result.problems)},
    )
    return result


def _insert_evaluations(cursor: Any, cycle: Cycle, after_id: int | None, now: Any) -> None:
    """INSERT … SELECT the self, manager and skip-level evaluations of the cycle's reviews (skipping existing).

    With `after_id`, only reviews inserted after that id (the batch just written) are read.
    """
    quote = connection.ops.quote_name
    empty = "CAST('{}' AS jsonb)" if connection.vendor == "postgresql" else "'{}'"
    where = "r.cycle_id = %s"
    params: list[Any] = [cycle.pk]
    if after_id is not None:
        where += " AND r.id > %s"
        params.append(after_id)
    for kind, rater in (("self", "r.reviewee_id"), ("manager", "r.manager_id"), ("skip_level", "r.skip_level_id")):
        cursor.execute(
            f"INSERT INTO {quote('reviews_evaluation')} (review_id, cycle_id, reviewee_id, rater_id, kind, state, "  # noqa: S608
            "answers, private_note, created_at, updated_at, version) "
            f"SELECT r.id, r.cycle_id, r.reviewee_id, {rater}, %s, %s, {empty}, '', %s, %s, 1 "
            f"FROM {quote('reviews_review')} r WHERE {where} AND {rater} IS NOT NULL ON CONFLICT DO NOTHING",
            [kind, Evaluation.State.PENDING, now, now, *params],
        )


@transaction.atomic
def cycle_phase_advance(*, actor: Any, cycle: Cycle, version: int) -> Cycle:
    """Open the cycle's next phase (in the fixed order, among the phases the cycle uses)."""
    if cycle.state != Cycle.State.ACTIVE:
        raise DomainError(_("Only a cycle in progress moves from phase to phase."), code="illegal_transition")
    kinds = sorted(CyclePhase.objects.filter(cycle=cycle).values_list("kind", flat=True), key=PHASE_ORDER.index)
    position = kinds.index(cycle.phase) if cycle.phase in kinds else -1
    if position + 1 >= len(kinds):
        raise DomainError(_("This is the cycle's last phase; close the cycle instead."), code="illegal_transition")
    new_phase = kinds[position + 1]
    if not Cycle.objects.filter(pk=cycle.pk, version=version, phase=cycle.phase).update(
        phase=new_phase, version=F("version") + 1
    ):
        raise _stale(_("cycle"))
    record_event(
        actor=actor, action="cycle.phase", target=cycle, before={"phase": cycle.phase}, after={"phase": new_phase}
    )
    cycle.refresh_from_db()
    if new_phase == PhaseKind.FEEDBACK:
        from .notify_feedback import feedback_requests_notify  # both build on this module
        from .services_feedback import feedback_requests_send

        feedback_requests_send(actor=actor, cycle=cycle)
        feedback_requests_notify(cycle)
    return cycle


@transaction.atomic
def cycle_close(*, actor: Any, cycle: Cycle, version: int) -> Cycle:
    """Close a cycle in its last phase; reviews stay readable, nothing can be written any more."""
    if cycle.state != Cycle.State.ACTIVE or cycle.phase != PhaseKind.ACKNOWLEDGEMENT:
        raise DomainError(_("A cycle closes from its acknowledgement phase."), code="illegal_transition")
    if not Cycle.objects.filter(pk=cycle.pk, version=version).update(
        state=Cycle.State.CLOSED, version=F("version") + 1
    ):
        raise _stale(_("cycle"))
    record_event(
        actor=actor, action="cycle.close", target=cycle, before={"state": cycle.state}, after={"state": "closed"}
    )
    cycle.refresh_from_db()
    return cycle


# ---- evaluations ---------------------------------------------------------------------------------


def _clean_answers(snapshot: Mapping[str, Any], model_key: str, kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only what this rater may write on this review: rated items, questions, overrides, overall."""
    items = bd.rated_items(snapshot, model_key, kind)
    rated = {f"{s}:{i}" for s, i, _r in items if i.startswith("c")}
    asked = {f"{s}:{i}" for s, i, _r in items if i.startswith("q")}
    ratings = {k: str(v).strip() for k, v in (raw.get("ratings") or {}).items() if k in rated and str(v).strip()}
    comments = {k: str(v)[:4000] for k, v in (raw.get("comments") or {}).items() if k in rated and str(v).strip()}
    answers = {k: str(v)[:8000] for k, v in (raw.get("answers") or {}).items() if k in asked and str(v).strip()}
    out: dict[str, Any] = {
        "ratings": ratings,
        "comments": comments,
        "answers": answers,
        "overall": str(raw.get("overall", ""))[:8000],
    }
    if kind == EvaluationKind.MANAGER:
        automatic = {s["key"] for s in snapshot["sections"] if s["kind"] in bd.AUTOMATIC_KINDS}
        out["overrides"] = {
            key: {"score": str(o.get("score", "")).strip(), "reason": str(o.get("reason", ""))[:2000]}
            for key, o in (raw.get("overrides") or {}).items()
            if key in automatic and str(o.get("score", "")).strip()
        }
    return out


def _field_errors(problems: Mapping[str, str]) -> dict[str, list[str]]:
    return {f: [str(PROBLEM_MESSAGES.get(code, code))] for f, code in problems.items()}


def _within_period(prefix: str, period_id: int) -> Q:
    """Rows whose period (through `prefix`) lies inside the period `period_id`."""
    bounds = Period.objects.filter(pk=period_id)
    return Q(
        **{f"{prefix}start__gte": Subquery(bounds.values("start")), f"{prefix}end__lte": Subquery(bounds.values("end"))}
    )


# Read on every manager submit: compiled once per process (core.prepared), run with reviewee and period ids.
_KPI_ITEMS = Prepared(
    lambda employee_id, period_id: (
        KPITarget.objects.filter(_within_period("period__", period_id), employee_id=employee_id)
        .values("id", "indicator__name", "indicator__name_en", "weight", "attainment")
        .order_by("pk")
    ),
    int,
    int,
)
_GOAL_ITEMS = Prepared(
    lambda employee_id, period_id: (
        Objective.objects.filter(
            owner_type=OwnerType.PERSON,
            employee_id=employee_id,
            period_id__in=GoalPlan.objects.filter(
                _within_period("period__", period_id), employee_id=employee_id, state=GoalPlan.State.APPROVED
            ).values("period_id"),
        )
        .values("id", "title", "weight", "progress")
        .order_by("pk")
    ),
    int,
    int,
)


def auto_items_for(review: Review) -> list[dict[str, Any]]:
    """The reviewee's KPI targets and approved person objectives of the cycle's period, for automatic sections."""
    snapshot = review.cycle.snapshot
    kpi_key = next((s["key"] for s in snapshot["sections"] if s["kind"] == SectionKind.KPI), None)
    goals_key = next((s["key"] for s in snapshot["sections"] if s["kind"] == SectionKind.GOALS), None)
    period_id = review.cycle.period_id
    items: list[dict[str, Any]] = []
    if kpi_key:
        for t in _KPI_ITEMS.all(review.reviewee_id, period_id):
            items.append(
                {
                    "section": kpi_key,
                    "kind": "kpi",
                    "id": t["id"],
                    "title": t["indicator__name"],
                    "title_en": t["indicator__name_en"],
                    "weight": str(t["weight"]),
                    "attainment": None if t["attainment"] is None else str(t["attainment"]),
                }
            )
    if goals_key:
        for o in _GOAL_ITEMS.all(review.reviewee_id, period_id):
            items.append(
                {
                    "section": goals_key,
                    "kind": "goal",
                    "id": o["id"],
                    "title": o["title"],
                    "title_en": "",
                    "weight": str(o["weight"]),
                    "attainment": str(o["progress"]),
                }
            )
    return items


def _submitted_answers(review: Review, kind: str) -> dict[str, Any] | None:
    row = (
        Evaluation.objects.filter(review=review, kind=kind, state=Evaluation.State.SUBMITTED)
        .values_list("answers", flat=True)
        .first()
    )
    return row


def feedback_responses(review: Review) -> list[fb.Response]:
    """The submitted 360 answers of peers, reports and customers on a review (none without a 360 section)."""
    if fb.section_of(review.cycle.snapshot) is None:
        return []
    rows = Evaluation.objects.filter(
        review=review, kind__in=ANONYMOUS_KINDS, state=Evaluation.State.SUBMITTED
    ).values_list("pk", "kind", "answers")
    return [fb.Response(pk, kind, answers) for pk, kind, answers in rows]


def score_review(review: Review) -> dict[str, Any]:
    """The review's breakdown from its submitted evaluations (live KPI/goal items until the manager submits)."""
    manager = _submitted_answers(review, EvaluationKind.MANAGER)
    items = review.auto_items if manager is not None else auto_items_for(review)
    return bd.review_breakdown(
        review.cycle.snapshot,
        model_key=review.competency_model,
        auto_items=items,
        manager=manager,
        self_answers=_submitted_answers(review, EvaluationKind.SELF),
        feedback=feedback_responses(review),
        corrections=review.corrections,
    )


def _ratings_summary(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {"ratings": answers.get("ratings", {}), "overrides": answers.get("overrides", {})}


@transaction.atomic
def evaluation_save(
    *,
    actor: Any,
    evaluation: Evaluation,
    answers: Mapping[str, Any],
    version: int,
    submit: bool = False,
    private_note: str | None = None,
) -> Evaluation:
    """Save a rater's draft (autosave) or submit it; submitting validates, moves the review on and scores it."""
    review = evaluation.review
    cycle = review.cycle
    ctx = actor_context(actor)
    if evaluation.rater_id != ctx.employee_id:
        raise DomainError(_("Only the rater can write this review."), code="forbidden")
    if evaluation.kind not in (EvaluationKind.SELF, EvaluationKind.MANAGER):
        raise DomainError(_("This part of the review is decided, not written."), code="illegal_transition")
    is_self = evaluation.kind == EvaluationKind.SELF
    action = ("self_" if is_self else "manager_") + ("submit" if submit else "save")
    _require_phase(cycle, action)
    if evaluation.state in (Evaluation.State.SUBMITTED, Evaluation.State.SKIPPED):
        raise DomainError(_("This review has already been submitted."), code="already_submitted")
    writable = (S.SELF_REVIEW,) if is_self else (S.SELF_REVIEW, S.MANAGER_REVIEW)
    if review.state not in writable:
        raise _refuse_state(review, action)
    if not is_self and submit and review.state == S.SELF_REVIEW and cycle.phase == PhaseKind.SELF:
        raise _refuse_phase(cycle, action)
    clean = _clean_answers(cycle.snapshot, review.competency_model, evaluation.kind, answers)
    problems = bd.check_answers(
        cycle.snapshot, model_key=review.competency_model, answers=clean, kind=evaluation.kind, submit=submit
    )
    if problems:
        raise DomainError(
            _("Please correct the errors below.")
            if not submit
            else _("Some ratings or answers are missing or invalid."),
            code="invalid",
            fields=_field_errors(problems),
        )
    before = _ratings_summary(evaluation.answers)
    now = timezone.now()
    new_state = Evaluation.State.SUBMITTED if submit else Evaluation.State.DRAFT
    updates: dict[str, Any] = {"answers": clean, "state": new_state, "updated_at": now}
    if submit:
        updates["submitted_at"] = now
    if private_note is not None and not is_self:
        updates["private_note"] = private_note[:8000]
    if not update_row(Evaluation, evaluation.pk, updates, version=version):
        raise _stale(_("review"))
    # Mirror the UPDATE on the instance rather than reload it (and drop the gate's select_related).
    evaluation.answers, evaluation.state, evaluation.version, evaluation.updated_at = clean, new_state, version + 1, now
    if submit:
        evaluation.submitted_at = now
    if "private_note" in updates:
        evaluation.private_note = updates["private_note"]
    after = _ratings_summary(clean)
    if not submit:
        if before != after:
            record_event(
                actor=actor,
                action=f"review.{evaluation.kind}_draft",
                target=review,
                before=before,
                after=after,
                scope_path=_scope(review),
            )
        return evaluation
    target = next_state(review, action)
    review_updates: dict[str, Any] = {"state": target}
    if not is_self:
        if review.state == S.SELF_REVIEW:
            Evaluation.objects.filter(review=review, kind=EvaluationKind.SELF).exclude(
                state=Evaluation.State.SUBMITTED
            ).update(state=Evaluation.State.SKIPPED, version=F("version") + 1)
        review.auto_items = auto_items_for(review)
        result = bd.review_breakdown(
            cycle.snapshot,
            model_key=review.competency_model,
            auto_items=review.auto_items,
            manager=clean,
            # A review still at self review has no submitted self review: no need to look.
            self_answers=None if review.state == S.SELF_REVIEW else _submitted_answers(review, EvaluationKind.SELF),
            feedback=feedback_responses(review),
            corrections=review.corrections,
        )
        review_updates.update(
            auto_items=review.auto_items,
            breakdown=result,
            # A rating set in calibration or on appeal stands; the breakdown keeps the score's own band.
            band=review.band_override or result["band"],
            final_score=None if result["final"] is None else Decimal(result["final"]),
        )
    update_row(Review, review.pk, review_updates)
    old_state = review.state
    for name, value in review_updates.items():
        setattr(review, name, value)
    review.version += 1
    record_event(
        actor=actor,
        action=f"review.{evaluation.kind}_submit",
        target=review,
        scope_path=_scope(review),
        before={"state": old_state, **before},
        after={"state": review.state, **after, "final": review.breakdown.get("final"), "band": review.band},
    )
    _notify_next(review, is_self=is_self)
    return evaluation


def _scope(review: Review) -> str:
    return review.department.path if review.department_id and review.department else ""


def _cycle_name(cycle: Cycle) -> str:
    from django.utils.translation import get_language

    return cycle.name_en if (get_language() or "").startswith("en") and cycle.name_en else cycle.name


def _notify_next(review: Review, *, is_self: bool) -> None:
    """Tell the next person in line: the manager after a self review, the skip-level manager after the manager.

    One unread notification per person and cycle: a manager whose twelve reports submit on the same
    morning gets one message (and one email) saying reviews wait for her, not twelve.
    """
    if is_self:
        recipient = review.manager
        title = gettext_lazy("Self reviews wait for your review in %(cycle)s")
    elif review.state == S.SKIP_LEVEL:
        recipient = review.skip_level
        title = gettext_lazy("Reviews wait for your approval in %(cycle)s")
    else:
        return
    user = getattr(recipient, "user", None) if recipient else None
    if user is None:
        return
    from django.urls import reverse

    from jixiao.core.models import Notification

    url = f"{reverse('reviews:mine')}?cycle={review.cycle_id}"
    if Notification.objects.filter(user=user, url=url, read_at__isnull=True).exists():
        return
    name = review.reviewee.name
    notify(
        [user],
        lambda _u: Message(
            title=str(title) % {"cycle": _cycle_name(review.cycle)},
            body=_("The first is %(name)s's. Open My reviews to see everyone waiting for you.") % {"name": name},
            url=url,
        ),
    )


def _record_decision(
    actor: Any, review: Review, action: str, target: str, comment: str, *, tell_manager: Callable[[str], str] | None
) -> Review:
    """Audit a skip-level decision or an acknowledgement, reload the review and, when tell_manager gives the
    title (from the reviewee's name), tell the manager, with the comment as the body."""
    record_event(
        actor=actor,
        action=f"review.{action}",
        target=review,
        scope_path=_scope(review),
        before={"state": review.state},
        after={"state": target, "comment": comment},
    )
    review.refresh_from_db()
    if tell_manager is not None and review.manager and getattr(review.manager, "user", None):
        name = review.reviewee.name
        notify(
            [review.manager.user],
            lambda _u: Message(title=tell_manager(name), body=comment, url=review.get_absolute_url()),
        )
    return review


@transaction.atomic
def review_skip_level_decide(
    *, actor: Any, evaluation: Evaluation, approve: bool, comment: str, version: int
) -> Review:
    """The skip-level manager approves the manager's review or returns it with a comment (隔级审批)."""
    review = evaluation.review
    ctx = actor_context(actor)
    if evaluation.kind != EvaluationKind.SKIP_LEVEL or evaluation.rater_id != ctx.employee_id:
        raise DomainError(_("Only the skip-level manager decides here."), code="forbidden")
    action = "skip_approve" if approve else "skip_return"
    _require_phase(review.cycle, action)
    if not approve and not comment.strip():
        raise DomainError(_("Say what the manager should change."), fields={"comment": [_("Required.")]})
    target = next_state(review, action)
    if not Evaluation.objects.filter(pk=evaluation.pk, version=version).update(
        state=Evaluation.State.SUBMITTED if approve else Evaluation.State.DRAFT,
        answers={"decision": "approve" if approve else "return", "comment": comment[:4000]},
        submitted_at=timezone.now() if approve else None,
        version=F("version") + 1,
    ):
        raise _stale(_("review"))
    if not approve:
        Evaluation.objects.filter(review=review, kind=EvaluationKind.MANAGER).update(
            state=Evaluation.State.DRAFT, submitted_at=None, version=F("version") + 1
        )
    Review.objects.filter(pk=review.pk).update(state=target, version=F("version") + 1)
    return _record_decision(
        actor,
        review,
        action,
        target,
        comment,
        tell_manager=None if approve else lambda name: _("%(name)s's review was returned to you") % {"name": name},
    )


@transaction.atomic
def review_reassign(*, actor: Any, review: Review, kind: str, rater: Employee, reason: str) -> Review:
    """HR moves the manager's or skip-level part of a review to someone else (audited, with a reason)."""
    if not permissions.can_administer_review(actor, review):
        raise DomainError(_("Only HR in scope can reassign reviewers."), code="forbidden")
    if kind not in (EvaluationKind.MANAGER, EvaluationKind.SKIP_LEVEL):
        raise DomainError(_("Only the manager and skip-level parts can be reassigned."), code="invalid")
    if not reason.strip():
        raise DomainError(_("Say why the reviewer changes."), fields={"reason": [_("Required.")]})
    if rater.status == Status.LEFT or rater.pk == review.reviewee_id:
        raise DomainError(_("Pick a current employee other than the reviewee."), fields={"rater": [_("Not allowed.")]})
    if review.state in (S.READY, S.RELEASED, S.ACKNOWLEDGED, S.DISAGREED):
        raise _refuse_state(review, "reassign")
    column = "manager" if kind == EvaluationKind.MANAGER else "skip_level"
    old = getattr(review, f"{column}_id")
    current = Evaluation.objects.filter(review=review, kind=kind).first()
    if current is not None and current.state == Evaluation.State.SUBMITTED:
        raise DomainError(
            _("This part is already submitted; it can no longer be reassigned."), code="already_submitted"
        )
    if current is None:
        Evaluation.objects.create(review=review, cycle=review.cycle, reviewee=review.reviewee, rater=rater, kind=kind)
    else:
        # The new rater starts afresh: a draft is the old rater's words.
        Evaluation.objects.filter(pk=current.pk).update(
            rater=rater, answers={}, private_note="", state=Evaluation.State.PENDING, version=F("version") + 1
        )
    Review.objects.filter(pk=review.pk).update(**{f"{column}_id": rater.pk, "version": F("version") + 1})
    record_event(
        actor=actor,
        action="review.reassign",
        target=review,
        scope_path=_scope(review),
        before={column: old},
        after={column: rater.pk, "reason": reason},
    )
    review.refresh_from_db()
    return review


def _release_scope(actor: Any, cycle: Cycle, department: Department | None) -> QuerySet[Review]:
    ctx = actor_context(actor)
    # Reviews in an open calibration session wait for it to close (decision 0011).
    qs = Review.objects.filter(cycle=cycle, state=S.READY, calibration_hold=False)
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    if not ctx.is_admin:
        q = Q(pk__in=[])
        for path in ctx.hr_paths:
            q |= Q(department__path__startswith=path)
        qs = qs.filter(q)
    return qs


@transaction.atomic
def reviews_release(*, actor: Any, cycle: Cycle, department: Department | None = None) -> int:
    """Release the ready reviews of a cycle (or of a department subtree) to their reviewees; returns how many."""
    ctx = actor_context(actor)
    if not (ctx.is_admin or ctx.is_hr):
        raise DomainError(_("Only HR can release results."), code="forbidden")
    _require_phase(cycle, "release")
    rows = list(_release_scope(actor, cycle, department).values_list("pk", "reviewee__user_id", "final_score", "band"))
    if not rows:
        return 0
    now = timezone.now()
    Review.objects.filter(pk__in=[r[0] for r in rows], state=S.READY).update(
        state=S.RELEASED, released_at=now, version=F("version") + 1
    )
    record_events(
        actor=actor,
        action="review.release",
        changes=[
            Change(
                target=None,
                target_type="reviews.review",
                target_id=str(pk),
                before={"state": S.READY},
                after={"state": S.RELEASED, "final": str(score) if score is not None else None, "band": band},
            )
            for pk, _u, score, band in rows
        ],
    )
    from jixiao.accounts.models import User

    users = User.objects.filter(pk__in=[r[1] for r in rows if r[1]])
    urls = {r[1]: f"/reviews/{r[0]}/" for r in rows}
    name = cycle
    notify(
        users,
        lambda u: Message(
            title=_("Your review result is ready"),
            body=_("Cycle: %(cycle)s. Read your score breakdown and acknowledge it.") % {"cycle": _cycle_name(name)},
            url=urls.get(int(getattr(u, "pk", 0) or 0), ""),
        ),
    )
    return len(rows)


@transaction.atomic
def review_acknowledge(*, actor: Any, review: Review, agree: bool, comment: str, version: int) -> Review:
    """The reviewee acknowledges her released result (确认) or records that she disagrees, with a comment."""
    ctx = actor_context(actor)
    if review.reviewee_id != ctx.employee_id:
        raise DomainError(_("Only the reviewee acknowledges her result."), code="forbidden")
    action = "acknowledge" if agree else "disagree"
    _require_phase(review.cycle, action)
    if not agree and not comment.strip():
        raise DomainError(_("Say what you disagree with."), fields={"comment": [_("Required.")]})
    target = next_state(review, action)
    if not Review.objects.filter(pk=review.pk, version=version, state=S.RELEASED).update(
        state=target, acknowledged_at=timezone.now(), acknowledgement_comment=comment[:4000], version=F("version") + 1
    ):
        raise _stale(_("review"))
    return _record_decision(
        actor,
        review,
        action,
        target,
        comment,
        tell_manager=None if agree else lambda name: _("%(name)s disagrees with her review result") % {"name": name},
    )


# ---- recompute -----------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    """A JSON column read with a plain cursor: text on SQLite, already decoded by psycopg on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def cycle_recompute(*, actor: Any, cycle: Cycle) -> int:
    """Rescore every submitted review of the cycle from its snapshot in one pass; returns how many changed.

    Two reads with a plain cursor (the ORM's JSON decoding costs more than SQLite's reading), pure scoring
    with one Scorer for the cycle, one executemany UPDATE for the rows whose breakdown changed and one
    batched audit insert for the scores that moved.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT review_id, kind, answers FROM {} WHERE cycle_id = %s AND kind IN (%s, %s) AND state = %s".format(  # noqa: S608
                quote("reviews_evaluation")
            ),
            [cycle.pk, EvaluationKind.SELF, EvaluationKind.MANAGER, Evaluation.State.SUBMITTED],
        )
        answers: dict[tuple[int, str], Any] = {(rid, kind): a for rid, kind, a in cursor.fetchall()}
        responses: dict[int, list[fb.Response]] = {}
        if fb.section_of(cycle.snapshot) is not None:
            cursor.execute(
                "SELECT review_id, id, kind, answers FROM {} "  # noqa: S608
                "WHERE cycle_id = %s AND kind IN (%s, %s, %s) AND state = %s".format(quote("reviews_evaluation")),
                [cycle.pk, *ANONYMOUS_KINDS, Evaluation.State.SUBMITTED],
            )
            for rid, pk, kind, raw in cursor.fetchall():
                responses.setdefault(rid, []).append(fb.Response(pk, kind, _json(raw)))
        cursor.execute(
            "SELECT id, competency_model, auto_items, final_score, band, breakdown, band_override, corrections "  # noqa: S608
            "FROM {} WHERE cycle_id = %s".format(quote("reviews_review")),
            [cycle.pk],
        )
        reviews = cursor.fetchall()
    scorer = bd.Scorer(cycle.snapshot)
    updates: list[tuple[Any, ...]] = []
    changes: list[Change] = []
    for pk, model_key, items, old_final, old_band, old_breakdown, override, corrections in reviews:
        manager = answers.get((pk, EvaluationKind.MANAGER))
        if manager is None:
            continue
        own = answers.get((pk, EvaluationKind.SELF))
        try:
            result = scorer.score(
                model_key=model_key,
                auto_items=_json(items),
                manager=_json(manager),
                self_answers=None if own is None else _json(own),
                feedback=responses.get(pk, ()),
                corrections=_json(corrections) or None,
            )
        except ScoringError:
            continue
        encoded = json.dumps(result)
        if (encoded == old_breakdown) if isinstance(old_breakdown, str) else (result == old_breakdown):
            continue
        band = override or result["band"]
        updates.append((result["final"], band, encoded, pk))
        old = None if old_final is None else str(Decimal(str(old_final)).quantize(Decimal("0.01")))
        if old != result["final"] or band != old_band:
            changes.append(
                Change(
                    target=None,
                    target_type="reviews.review",
                    target_id=str(pk),
                    before={"final": old, "band": old_band},
                    after={"final": result["final"], "band": band},
                )
            )
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote('reviews_review')} SET final_score = %s, band = %s, breakdown = %s WHERE id = %s",  # noqa: S608
            updates,
        )
        if changes:
            record_events(actor=actor, action="review.rescore", changes=changes)
        record_event(
            actor=actor,
            action="cycle.recompute",
            target=cycle,
            after={"reviews": len(updates), "changed": len(changes)},
        )
    return len(changes)


@transaction.atomic
def cycle_scoring_update(
    *, actor: Any, cycle: Cycle, bands: Sequence[tuple[str, Decimal]], self_weight: int, version: int
) -> Cycle:
    """Change a launched cycle's bands or self-rating weight, then rescore all its reviews."""
    from . import scoring

    try:
        scoring.check_bands(bands)
    except ScoringError as exc:
        raise DomainError(_("Each band and each lowest score may appear once."), fields={"bands": [str(exc)]}) from exc
    if not 0 <= self_weight <= 100:
        raise DomainError(
            _("The self-rating weight lies between 0 and 100."), fields={"self_weight": [_("Out of range.")]}
        )
    snapshot = dict(cycle.snapshot)
    old = {"bands": snapshot["scale"]["bands"], "self_weight": snapshot["template"]["self_weight"]}
    labels = {b["code"]: b for b in snapshot["scale"]["bands"]}
    snapshot["scale"] = dict(
        snapshot["scale"],
        bands=[
            {
                "code": code,
                "label": labels.get(code, {}).get("label", code),
                "label_en": labels.get(code, {}).get("label_en", code),
                "threshold": str(t),
            }
            for code, t in sorted(bands, key=lambda b: b[1], reverse=True)
        ],
    )
    snapshot["template"] = dict(snapshot["template"], self_weight=str(self_weight))
    if not Cycle.objects.filter(pk=cycle.pk, version=version).update(snapshot=snapshot, version=F("version") + 1):
        raise _stale(_("cycle"))
    cycle.refresh_from_db()
    record_event(
        actor=actor,
        action="cycle.scoring",
        target=cycle,
        before=old,
        after={"bands": snapshot["scale"]["bands"], "self_weight": str(self_weight)},
    )
    cycle_recompute(actor=actor, cycle=cycle)
    return cycle


# ---- reminders -----------------------------------------------------------------------------------

PHASE_EVALUATION: dict[str, tuple[str, tuple[str, ...]]] = {
    PhaseKind.SELF: (EvaluationKind.SELF, (S.SELF_REVIEW,)),
    PhaseKind.MANAGER: (EvaluationKind.MANAGER, (S.SELF_REVIEW, S.MANAGER_REVIEW)),
    PhaseKind.SKIP_LEVEL: (EvaluationKind.SKIP_LEVEL, (S.SKIP_LEVEL,)),
    # Acknowledgement reminders ride on the self evaluation: its rater is the reviewee.
    PhaseKind.ACKNOWLEDGEMENT: (EvaluationKind.SELF, (S.RELEASED,)),
}
# The feedback phase reminds peers and direct reports, whatever the review's state; their reminder leads to
# their feedback inbox, never to the review. Customers have no account: their invitation email is all they get.
FEEDBACK_REMINDED: tuple[str, ...] = (EvaluationKind.PEER, EvaluationKind.UPWARD)
REMIND_DAYS_BEFORE = (3, 1)


def _reminder_message(kind: str, phase: str, cycle_name: str, due: dt.date, url: str) -> Message:
    phase_label = PhaseKind(phase).label
    if kind == Reminder.Kind.OVERDUE:
        title = _("Overdue: %(phase)s") % {"phase": phase_label}
    elif kind == Reminder.Kind.NUDGE:
        title = _("Reminder: %(phase)s") % {"phase": phase_label}
    else:
        title = _("Due soon: %(phase)s") % {"phase": phase_label}
    body = _("Cycle: %(cycle)s. Due on %(due)s.") % {"cycle": cycle_name, "due": due.isoformat()}
    return Message(title=title, body=body, url=url)


def _record_reminders(
    evaluations: Sequence[tuple[int, int, Any]], *, kind: str, today: dt.date, sender: Any
) -> list[tuple[int, int, Any]]:
    """Insert today's reminder rows and return the evaluations whose row this call wrote.

    INSERT … ON CONFLICT DO NOTHING RETURNING (SQLite ≥ 3.35, PostgreSQL): two runs at the same moment
    each get back only the rows they inserted, so nobody is reminded twice.
    """
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sender_id = getattr(sender, "pk", None)
    inserted: set[int] = set()
    batch = 150
    with connection.cursor() as cursor:
        for start in range(0, len(evaluations), batch):
            chunk = evaluations[start : start + batch]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for evaluation_id, _r, _u in chunk:
                params += [evaluation_id, kind, today, sender_id, now]
            cursor.execute(
                f"INSERT INTO {quote('reviews_reminder')} (evaluation_id, kind, sent_on, sent_by_id, created_at) "  # noqa: S608
                f"VALUES {values} ON CONFLICT DO NOTHING RETURNING evaluation_id",
                params,
            )
            inserted.update(row[0] for row in cursor.fetchall())
    return [e for e in evaluations if e[0] in inserted]


def _send_reminders(
    evaluations: Sequence[tuple[int, int, Any]],
    *,
    kind: str,
    phase: str,
    cycle: Cycle,
    due: dt.date,
    today: dt.date,
    sender: Any = None,
    url: str | None = None,
) -> int:
    """Record and send one reminder per evaluation (id, review id, user); those already sent today are skipped.

    `url` sends everyone to one page (360 raters: their feedback inbox) instead of the review.
    """
    fresh = _record_reminders(evaluations, kind=kind, today=today, sender=sender)
    if not fresh:
        return 0
    from jixiao.accounts.models import User

    users = {u.pk: u for u in User.objects.filter(pk__in=[e[2] for e in fresh if e[2]], is_active=True)}
    reviews_of: dict[int, list[int]] = {}
    for _e, review_id, user_id in fresh:
        reviews_of.setdefault(user_id, []).append(review_id)
    # One review: straight to it; several (a manager's team): to the list of what she owes.
    url_of = {user_id: f"/reviews/{ids[0]}/" if len(ids) == 1 else "/reviews/" for user_id, ids in reviews_of.items()}
    name = cycle.name
    name_en = cycle.name_en or cycle.name

    def render(user: Any) -> Message:
        from django.utils.translation import get_language

        label = name_en if (get_language() or "").startswith("en") else name
        return _reminder_message(kind, phase, label, due, url if url is not None else url_of.get(user.pk, ""))

    notify(list(users.values()), render)
    # Counted per reminder recorded: a rater without an account is still reminded (by HR, offline) only once.
    return len(fresh)


def reminders_send(*, today: dt.date) -> int:
    """Send due-soon and overdue reminders for the current phase of every active cycle (safe to run often)."""
    total = 0
    for cycle in Cycle.objects.filter(state=Cycle.State.ACTIVE):
        phase = CyclePhase.objects.filter(cycle=cycle, kind=cycle.phase).first()
        if phase is None or (phase.kind not in PHASE_EVALUATION and phase.kind != PhaseKind.FEEDBACK):
            continue
        days_left = (phase.due_on - today).days
        if days_left in REMIND_DAYS_BEFORE:
            kind = Reminder.Kind.BEFORE
        elif days_left < 0:
            kind = Reminder.Kind.OVERDUE
        else:
            continue
        if phase.kind == PhaseKind.FEEDBACK:
            from django.urls import reverse

            waiting = Evaluation.objects.filter(cycle=cycle, kind__in=FEEDBACK_REMINDED).exclude(
                state__in=[Evaluation.State.SUBMITTED, Evaluation.State.SKIPPED]
            )
            rows = list(waiting.values_list("pk", "review_id", "rater__user_id"))
            inbox = reverse("reviews:feedback_inbox")
            total += _send_reminders(
                rows, kind=kind, phase=phase.kind, cycle=cycle, due=phase.due_on, today=today, url=inbox
            )
            continue
        eval_kind, states = PHASE_EVALUATION[phase.kind]
        qs = Evaluation.objects.filter(cycle=cycle, kind=eval_kind, review__state__in=states)
        if phase.kind != PhaseKind.ACKNOWLEDGEMENT:
            qs = qs.exclude(state__in=[Evaluation.State.SUBMITTED, Evaluation.State.SKIPPED])
        rows = list(qs.values_list("pk", "review_id", "rater__user_id"))
        total += _send_reminders(rows, kind=kind, phase=phase.kind, cycle=cycle, due=phase.due_on, today=today)
    return total


def evaluation_nudge(*, actor: Any, evaluation: Evaluation, today: dt.date | None = None) -> int:
    """HR (or the manager, for a self review) reminds one rater now; once a day per evaluation."""
    review = evaluation.review
    ctx = actor_context(actor)
    is_manager = review.manager_id is not None and review.manager_id == ctx.employee_id
    if not (
        permissions.can_administer_review(actor, review) or (is_manager and evaluation.kind == EvaluationKind.SELF)
    ):
        raise DomainError(_("Only HR in scope or the manager can send a reminder."), code="forbidden")
    if evaluation.state in (Evaluation.State.SUBMITTED, Evaluation.State.SKIPPED):
        raise DomainError(_("This part is already done; there is nothing to remind."), code="already_submitted")
    awaited = {kind: states for kind, states in PHASE_EVALUATION.values() if kind != EvaluationKind.SELF}
    awaited[EvaluationKind.SELF] = (S.SELF_REVIEW,)
    if review.cycle.state != Cycle.State.ACTIVE or review.state not in awaited.get(evaluation.kind, ()):
        raise DomainError(
            _("This rater's turn has not come, or the cycle is over: there is nothing to remind."), code="not_awaited"
        )
    today = today or timezone.localdate()
    phase_of: dict[str, str] = {EvaluationKind.SELF: PhaseKind.SELF, EvaluationKind.MANAGER: PhaseKind.MANAGER}
    phase_kind = phase_of.get(evaluation.kind, PhaseKind.SKIP_LEVEL)
    phase = CyclePhase.objects.filter(cycle=review.cycle, kind=phase_kind).first()
    due = phase.due_on if phase else today
    with transaction.atomic():
        sent = _send_reminders(
            [(evaluation.pk, review.pk, getattr(evaluation.rater, "user_id", None))],
            kind=Reminder.Kind.NUDGE,
            phase=phase_kind,
            cycle=review.cycle,
            due=due,
            today=today,
            sender=actor,
        )
        if not sent:
            raise DomainError(_("A reminder already went out today."), code="already_nudged")
        record_event(
            actor=actor,
            action="review.nudge",
            target=review,
            scope_path=_scope(review),
            after={"evaluation": evaluation.pk, "kind": evaluation.kind},
        )
    return sent


def employees_by_id(ids: Iterable[int]) -> dict[int, Employee]:
    return Employee.objects.in_bulk(list(ids))
