"""Reading the audit trail: filtered, keyset-paged, with each event's change summarised."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

if TYPE_CHECKING:
    from jixiao.accounts.models import User

PAGE_SIZE = 50

# Readable names for the actions services record; an action missing here is shown by its code.
ACTION_LABELS: dict[str, Promise] = {
    "access.denied": _("Access refused"),
    "auth.login": _("Signed in"),
    "auth.login_failed": _("Sign-in failed"),
    "auth.logout": _("Signed out"),
    "user.deactivate": _("Account deactivated"),
    "user.reactivate": _("Account reactivated"),
    "user.executive_grant": _("Executive role granted"),
    "user.executive_revoke": _("Executive role removed"),
    "user.admin_grant": _("Administrator role granted"),
    "user.admin_revoke": _("Administrator role removed"),
    "hr_scope.grant": _("HR scope added"),
    "hr_scope.revoke": _("HR scope removed"),
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    "department.create": _("Department created"),
    "department.update": _("Department changed"),
    "employee.create": _("Person added"),
    "employee.update": _("Person changed"),
    "employee.import": _("People imported"),
    "org.import": _("People imported"),
    "demo.seed": _("Demo company created"),
    "demo.seed_goals": _("Demo goals and KPIs created"),
    "strategy.update": _("Strategy changed"),
    "company_value.create": _("Company value added"),
    "company_value.update": _("Company value changed"),
    "goal_settings.update": _("Goal settings changed"),
    "period.create": _("Period added"),
    "objective.create": _("Objective written"),
    "objective.update": _("Objective changed"),
    "objective.delete": _("Objective deleted"),
    "objective.check_in": _("Progress updated"),
    "objective.assign": _("Objective assigned"),
    "goals.bulk_assign": _("Goals assigned in bulk"),
    "goal_plan.submit": _("Goals submitted"),
    "goal_plan.approve": _("Goals approved"),
    "goal_plan.return": _("Goals returned"),
    "goal_template.create": _("Goal template added"),
    "goal_template.update": _("Goal template changed"),
    "business_area.create": _("Business area added"),
    "business_area.update": _("Business area changed"),
    "indicator.create": _("KPI added to the library"),
    "indicator.update": _("KPI changed in the library"),
    "kpi_target.create": _("KPI target set"),
    "kpi_target.update": _("KPI target changed"),
    "kpi_target.assign": _("KPI target assigned"),
    "kpi.bulk_assign": _("KPI targets assigned in bulk"),
    "kpi_actual.record": _("KPI actuals recorded"),
    "kpi_actual.replace": _("KPI actual replaced"),
    "cycle.create": _("Review cycle created"),
    "cycle.update": _("Review cycle changed"),
    "cycle.launch": _("Review cycle launch started"),
    "cycle.launched": _("Review cycle launched"),
    "cycle.phase": _("Next phase opened"),
    "cycle.close": _("Review cycle closed"),
    "cycle.scoring": _("Cycle scoring changed"),
    "cycle.recompute": _("Scores recomputed"),
    "cycle.export": _("Cycle results exported"),
    "review.self_draft": _("Self review draft changed"),
    "review.manager_draft": _("Manager review draft changed"),
    "review.self_submit": _("Self review submitted"),
    "review.manager_submit": _("Manager review submitted"),
    "review.skip_approve": _("Review approved by the skip-level manager"),
    "review.skip_return": _("Review returned by the skip-level manager"),
    "review.reassign": _("Reviewer reassigned"),
    "review.release": _("Review result released"),
    "review.rescore": _("Review score recomputed"),
    "review.result_change": _("Review result changed (calibration or appeal)"),
    "review.acknowledge": _("Review result acknowledged"),
    "review.disagree": _("Disagreement with a review result"),
    "review.nudge": _("Reminder sent"),
    "feedback.draft": _("360 feedback draft changed"),
    "feedback.submit": _("360 feedback submitted"),
    "feedback.decline": _("360 feedback request declined"),
    "nomination.propose": _("Peer proposed for 360 feedback"),
    "nomination.add": _("Peer added for 360 feedback"),
    "nomination.approve": _("Proposed peer approved"),
    "nomination.remove": _("Peer removed from 360 feedback"),
    "nomination.replace": _("Another peer asked after a decline"),
    "nomination.import": _("Peers assigned from a file"),
    "feedback.requests": _("360 feedback requests sent"),
    "feedback.invite": _("Customer invited to give feedback"),
    "feedback.reveal": _("HR saw who wrote 360 feedback"),
    "feedback.report_pdf": _("360 report downloaded as PDF"),
    "review.my_export": _("Own review results exported"),
    # development plans (IDP)
    "idp.create": _("Development plan started"),
    "idp.comment": _("Development plan comment saved"),
    "idp.close": _("Development plan closed"),
    "idp.need_add": _("Development need added"),
    "idp.need_update": _("Development need changed"),
    "idp.need_remove": _("Development need removed"),
    "idp.action_add": _("Development action added"),
    "idp.action_status": _("Development action moved"),
    "pip.create": _("Improvement plan opened"),
    "pip.update": _("Improvement plan changed"),
    "pip.send": _("Improvement plan sent for acknowledgement"),
    "pip.acknowledge": _("Improvement plan acknowledged"),
    "pip.extend": _("Improvement plan extended"),
    "pip.expectations": _("Improvement plan expectations changed"),
    "pip.close": _("Improvement plan closed"),
    "pip.note": _("Progress note added to an improvement plan"),
    "pip.pdf": _("Improvement plan downloaded as PDF"),
    # 1:1 meetings (note texts are never recorded)
    "one_on_one.start": _("1:1 started"),
    "one_on_one.archive": _("1:1 archived"),
    "one_on_one.restore": _("1:1 restored"),
    "meeting.cancel": _("1:1 meeting cancelled"),
    "meeting.schedule": _("1:1 meeting planned"),
    "meeting.complete": _("1:1 meeting held"),
    "meeting.notes": _("1:1 shared notes saved"),
    "meeting.private_note": _("1:1 private notes saved"),
    "agenda_item.add": _("1:1 topic added"),
    "agenda_item.update": _("1:1 topic changed"),
    "agenda_item.remove": _("1:1 topic removed"),
    "agenda_item.move": _("1:1 topic moved"),
    "action_item.add": _("1:1 action item added"),
    "action_item.complete": _("1:1 action item done"),
    "action_item.reopen": _("1:1 action item reopened"),
    "feedback.give": _("Feedback given"),
    "feedback_request.create": _("Feedback asked for"),
    "feedback_request.decline": _("Request for feedback declined"),
    # appeals (decision 0011)
    "appeal.file": _("Appeal filed"),
    "appeal.take_up": _("Appeal taken up"),
    "appeal.reassign": _("Appeal handed to someone else"),
    "appeal.respond": _("Manager responded to an appeal"),
    "appeal.decide": _("Appeal decided"),
    "appeal.escalate": _("Appeal escalated (past its answer date)"),
    "appeal.download": _("Appeal attachment downloaded"),
    # calibration: rater bias (decision 0011)
    "calibration.normalise": _("Ratings normalised in calibration"),
    # calibration: sessions (decision 0011)
    "calibration.session_open": _("Calibration session opened"),
    "calibration.participants": _("Calibration session participants changed"),
    "calibration.guide": _("Distribution guide changed"),
    "calibration.move": _("Rating moved in calibration"),
    "calibration.potential": _("Potential rated in calibration"),
    "calibration.session_close": _("Calibration session closed"),
}

TARGET_TYPE_LABELS: dict[str, Promise] = {
    "org.employee": _("Person"),
    "org.department": _("Department"),
    "accounts.user": _("Account"),
    "accounts.apitoken": _("API token"),
    "goals.objective": _("Objective"),
    "goals.goalplan": _("Goal plan"),
    "goals.kpitarget": _("KPI target"),
    "goals.indicator": _("KPI"),
    "goals.period": _("Period"),
    "goals.strategy": _("Strategy"),
    "goals.goalsettings": _("Goal settings"),
    "goals.goaltemplate": _("Goal template"),
    "goals.bulkassignment": _("Bulk assignment"),
    "goals.companyvalue": _("Company value"),
    "goals.businessarea": _("Business area"),
    "reviews.cycle": _("Review cycle"),
    "reviews.review": _("Review"),
    "reviews.evaluation": _("Review part"),
    "reviews.ratingscale": _("Rating scale"),
    "reviews.competency": _("Competency"),
    "reviews.competencymodel": _("Competency model"),
    "reviews.reviewtemplate": _("Review template"),
    "conversations.developmentplan": _("Development plan"),
    "conversations.improvementplan": _("Improvement plan"),
    "conversations.oneonone": _("1:1 series"),
    "conversations.meeting": _("1:1 meeting"),
    "conversations.agendaitem": _("1:1 topic"),
    "conversations.actionitem": _("1:1 action item"),
    "conversations.feedback": _("Feedback"),
    "conversations.feedbackrequest": _("Request for feedback"),
    "appeals.appeal": _("Appeal"),
    "appeals.appealattachment": _("Appeal attachment"),
    "calibration.calibrationsession": _("Calibration session"),
}

# Where a target can be opened; the page itself checks the reader's rights again.
_TARGET_URLS = {
    "org.employee": "org:employee",
    "org.department": "org:department",
    "goals.objective": "goals:objective",
    "goals.kpitarget": "goals:kpi_target",
    "reviews.cycle": "reviews:cycle",
    "reviews.review": "reviews:review",
    "conversations.developmentplan": "conversations:idp_plan",
    "conversations.improvementplan": "conversations:pip_detail",
    "calibration.calibrationsession": "calibration:session",
}


@dataclass(frozen=True)
class EventFilters:
    action: str = ""
    actor: str = ""
    target_type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def active(self) -> bool:
        return bool(self.action or self.actor or self.target_type or self.date_from or self.date_to)


@dataclass
class EventPage:
    events: list[AuditEvent]
    next_before: int | None


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def filtered_events(*, user: User, filters: EventFilters) -> QuerySet[AuditEvent]:
    """The events the user may read (admins all, HR her subtrees), narrowed by the filters."""
    qs = AuditEvent.objects.visible_to(user)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.actor:
        qs = qs.filter(actor_label__icontains=filters.actor)
    if filters.target_type:
        qs = qs.filter(target_type=filters.target_type)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return qs


def events_page(*, user: User, filters: EventFilters, before: int | None = None, size: int = PAGE_SIZE) -> EventPage:
    """One page of events, newest first: one query.

    The table is append-only, so ids grow with time and "older than event N" is simply id < N:
    keyset paging on the primary key, with no OFFSET however deep the reader goes.
    """
    qs = filtered_events(user=user, filters=filters)
    if before is not None:
        qs = qs.filter(pk__lt=before)
    rows = list(qs.order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return EventPage(events=rows, next_before=rows[-1].pk if more and rows else None)


def filter_choices(*, user: User) -> tuple[list[str], list[str]]:
    """Actions and target types that occur in the events the user may read: two indexed DISTINCT queries."""
    visible = AuditEvent.objects.visible_to(user).order_by()
    actions = list(visible.order_by("action").values_list("action", flat=True).distinct())
    types = list(
        visible.exclude(target_type="").order_by("target_type").values_list("target_type", flat=True).distinct()
    )
    return actions, types


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def target_type_label(target_type: str) -> str:
    label = TARGET_TYPE_LABELS.get(target_type)
    return str(label) if label is not None else target_type


def target_url(event: AuditEvent) -> str:
    name = _TARGET_URLS.get(event.target_type)
    if not name or not event.target_id.isdigit():
        return ""
    try:
        return reverse(name, args=[int(event.target_id)])
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class FieldChange:
    """One field of an event: its value before and after (either may be missing)."""

    field: str
    before: Any
    after: Any
    changed: bool
    label: str = ""


def field_label(target_type: str, field: str) -> str:
    """The field's name as the model's forms show it ("hire date" for hire_date); the key itself otherwise."""
    try:
        model = apps.get_model(target_type)
        model_field = model._meta.get_field(field.removesuffix("_id"))
    except (LookupError, ValueError, FieldDoesNotExist):
        return field
    # Reverse relations (a summary's "employees" count on a department) have no verbose name.
    return str(getattr(model_field, "verbose_name", field))


# Id fields that point at another object, and the model whose name the audit log shows instead of the id.
_REFERENCES = {
    "manager_id": "org.employee",
    "head_id": "org.employee",
    "department_id": "org.department",
    "parent_id": "org.department",
    "user_id": "accounts.user",
}


def _choice_labels(target_type: str, field: str) -> dict[Any, str]:
    try:
        model_field = apps.get_model(target_type)._meta.get_field(field)
    except (LookupError, ValueError, FieldDoesNotExist):
        return {}
    return {value: str(label) for value, label in getattr(model_field, "flatchoices", None) or []}


def readable_changes(events: list[AuditEvent]) -> dict[int, list[FieldChange]]:
    """Each event's changes with names instead of ids and labels instead of codes.

    One query per kind of referenced object (people, departments, accounts) for the whole page, so
    the page's query count does not grow with the number of events.
    """
    raw = {event.pk: event_changes(event) for event in events}
    wanted: dict[str, set[int]] = {}
    for changes in raw.values():
        for change in changes:
            model = _REFERENCES.get(change.field)
            if model:
                for value in (change.before, change.after):
                    if isinstance(value, int):
                        wanted.setdefault(model, set()).add(value)
    names: dict[str, dict[int, str]] = {}
    for label, ids in wanted.items():
        model_class = apps.get_model(label)
        names[label] = {pk: str(obj) for pk, obj in model_class._default_manager.in_bulk(list(ids)).items()}

    def show(event: AuditEvent, field: str, value: Any) -> Any:
        model = _REFERENCES.get(field)
        if model and isinstance(value, int):
            return names.get(model, {}).get(value, f"#{value}")
        labels = _choice_labels(event.target_type, field)
        return labels.get(value, value) if labels else value

    by_pk = {event.pk: event for event in events}
    return {
        pk: [
            FieldChange(
                field=c.field,
                before=show(by_pk[pk], c.field, c.before),
                after=show(by_pk[pk], c.field, c.after),
                changed=c.changed,
                label=c.label,
            )
            for c in changes
        ]
        for pk, changes in raw.items()
    }


def event_changes(event: AuditEvent) -> list[FieldChange]:
    """The fields an event touched: changed ones for an update, every one for a creation or a note."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if before and after and old == new:
            continue
        changes.append(
            FieldChange(
                field=key,
                before=old,
                after=new,
                changed=bool(before) and bool(after),
                label=field_label(event.target_type, key),
            )
        )
    return changes
