"""Reads on development plans (IDP, 个人发展计划): who sees which plan, the gaps that pre-fill one, the pages.

Who reads a plan (docs/decisions/0010-conversations.md): the employee, everyone above her in the reporting
line, and HR whose scope holds her department (admins too). Only the employee writes it; her managers comment.
Every page read runs a fixed number of queries whatever the number of plans, needs and actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from jixiao.org.models import Employee, Status
from jixiao.org.selectors import ActorContext, actor_context
from jixiao.reviews.breakdown import dec
from jixiao.reviews.models import Competency, Evaluation, EvaluationKind, Review
from jixiao.reviews.selectors import RELEASED_STATES
from jixiao.reviews.selectors_cycles import localised

from .models import DevelopmentAction, DevelopmentNeed, DevelopmentPlan
from .scope import below_q, hr_scope_q

# ---- visibility ------------------------------------------------------------------------------------


def development_plan_visibility_q(user: Any) -> Q | None:
    """The filter for plans the user may read; None means "nothing"."""
    ctx = actor_context(user)
    if ctx.is_admin:
        return Q()
    if ctx.employee_id is None and not ctx.hr_paths:
        return None
    q = hr_scope_q(ctx) | below_q(ctx)
    if ctx.employee_id is not None:
        q |= Q(employee_id=ctx.employee_id)
    return q


def visible_plans(user: Any) -> QuerySet[DevelopmentPlan]:
    q = development_plan_visibility_q(user)
    return DevelopmentPlan.objects.none() if q is None else DevelopmentPlan.objects.filter(q)


@dataclass(frozen=True)
class PlanRole:
    """What one reader may do on one plan."""

    role: str  # owner | manager | hr | none
    can_write: bool  # needs, actions, the owner's comment, closing
    can_comment: bool  # the owner's comment (owner) or the manager's comment (manager)


def plan_role(ctx: ActorContext, plan: DevelopmentPlan) -> PlanRole:
    """The reader's role on a plan whose employee (with her department) is loaded."""
    employee = plan.employee
    if ctx.employee_id is not None and employee.pk == ctx.employee_id:
        return PlanRole("owner", True, True)
    if ctx.manages(employee.chain):
        return PlanRole("manager", False, True)
    if ctx.in_hr_scope(employee.department.path):
        return PlanRole("hr", False, False)
    return PlanRole("none", False, False)


# ---- competency gaps of the latest released review -------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A competency to develop, and why: the manager rated it below the middle, or others rated it lower."""

    competency_id: int
    name: str
    reason: str  # low_rating | blind_spot
    rating: str = ""


@dataclass(frozen=True)
class Gaps:
    review: Review | None
    gaps: list[Gap] = field(default_factory=list)


def latest_released_review(employee: Employee) -> Review | None:
    return (
        Review.objects.filter(reviewee=employee, state__in=RELEASED_STATES)
        .select_related("cycle", "reviewee")
        .order_by("-released_at", "-pk")
        .first()
    )


def _competency_id(key: str) -> int | None:
    """ "c7" → 7; anything else (a question key, a KPI) → None."""
    if not key.startswith("c") or not key[1:].isdigit():
        return None
    return int(key[1:])


def competency_gaps(employee: Employee) -> Gaps:
    """The gaps of her latest released review, lowest manager ratings first, then 360 blind spots (≤ 4 queries)."""
    review = latest_released_review(employee)
    if review is None:
        return Gaps(None)
    snapshot = review.cycle.snapshot or {}
    levels = [d for level in (snapshot.get("scale") or {}).get("levels", []) if (d := dec(level.get("value")))]
    names = snapshot.get("competencies") or {}
    found: dict[int, Gap] = {}
    if levels:
        middle = (min(levels) + max(levels)) / 2
        answers = (
            Evaluation.objects.filter(review=review, kind=EvaluationKind.MANAGER, state=Evaluation.State.SUBMITTED)
            .values_list("answers", flat=True)
            .first()
        ) or {}
        lowest: dict[str, Decimal] = {}
        for key, value in (answers.get("ratings") or {}).items():
            item = str(key).partition(":")[2]
            rating = dec(value)
            if rating is None or _competency_id(item) is None:
                continue
            lowest[item] = min(rating, lowest.get(item, rating))
        for item, rating in sorted(lowest.items(), key=lambda pair: (pair[1], pair[0])):
            if rating < middle:
                info = names.get(item) or {}
                pk = _competency_id(item)
                assert pk is not None
                found[pk] = Gap(
                    pk, localised(info.get("name", item), info.get("name_en", "")), "low_rating", str(rating)
                )
    from jixiao.reviews.selectors_feedback import feedback_report

    report = feedback_report(review)
    for row in (report or {}).get("competencies", []):
        pk = _competency_id(str(row.get("key", "")))
        if pk is None or pk in found or row.get("flag") != "blind_spot":
            continue
        found[pk] = Gap(pk, localised(row.get("name", ""), row.get("name_en", "")), "blind_spot")
    # A competency deleted since the review cannot be linked; its name still tells what to develop.
    existing = set(Competency.objects.filter(pk__in=list(found)).values_list("pk", flat=True)) if found else set()
    gaps = [g if g.competency_id in existing else Gap(0, g.name, g.reason, g.rating) for g in found.values()]
    return Gaps(review, gaps)


# ---- pages -----------------------------------------------------------------------------------------


def _with_progress(qs: QuerySet[DevelopmentPlan]) -> QuerySet[DevelopmentPlan]:
    live = ~Q(actions__status=DevelopmentAction.Status.DROPPED)
    return qs.annotate(
        actions_total=Count("actions", filter=live, distinct=True),
        actions_done=Count("actions", filter=Q(actions__status=DevelopmentAction.Status.DONE), distinct=True),
        needs_total=Count("needs", distinct=True),
    )


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


@dataclass
class PlanRow:
    plan: DevelopmentPlan
    done: int
    total: int
    needs: int

    @property
    def progress(self) -> int:
        return percent(self.done, self.total)


def _rows(qs: QuerySet[DevelopmentPlan]) -> list[PlanRow]:
    return [
        PlanRow(p, getattr(p, "actions_done", 0), getattr(p, "actions_total", 0), getattr(p, "needs_total", 0))
        for p in qs
    ]


def my_plans(user: Any) -> list[PlanRow]:
    """The reader's own plans, open ones first, newest first (one query)."""
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return []
    qs = _with_progress(DevelopmentPlan.objects.filter(employee_id=ctx.employee_id)).order_by(
        "state", "-created_at", "-pk"
    )
    return _rows(qs)


@dataclass
class TeamPage:
    rows: list[PlanRow]
    without_plan: list[Employee]


def team_plans(user: Any) -> TeamPage:
    """The open plans of everyone below the reader, and her direct reports without an open plan (two queries)."""
    ctx = actor_context(user)
    if ctx.employee_id is None:
        return TeamPage([], [])
    qs = _with_progress(
        DevelopmentPlan.objects.filter(below_q(ctx), state=DevelopmentPlan.State.ACTIVE).select_related(
            "employee__department"
        )
    ).order_by("employee__name", "employee_id", "-created_at", "-pk")
    open_plan = DevelopmentPlan.objects.filter(employee=OuterRef("pk"), state=DevelopmentPlan.State.ACTIVE)
    without = list(
        Employee.objects.filter(manager_id=ctx.employee_id)
        .exclude(status=Status.LEFT)
        .filter(~Exists(open_plan))
        .select_related("department")
        .order_by("name", "pk")
    )
    return TeamPage(_rows(qs), without)


@dataclass
class PlanPage:
    plan: DevelopmentPlan
    role: PlanRole
    needs: list[DevelopmentNeed]
    actions: list[DevelopmentAction]
    columns: list[tuple[str, str, list[DevelopmentAction]]]
    done: int
    total: int
    is_open: bool
    hint: str = ""

    @property
    def progress(self) -> int:
        return percent(self.done, self.total)

    @property
    def can_edit(self) -> bool:
        return self.role.can_write and self.is_open


def plan_page(user: Any, plan: DevelopmentPlan) -> PlanPage:
    """Everything the plan page shows (two queries after the gate): needs with their source, actions by status."""
    ctx = actor_context(user)
    needs = list(
        DevelopmentNeed.objects.filter(plan=plan).select_related("competency", "review__cycle").order_by("order", "pk")
    )
    actions = list(DevelopmentAction.objects.filter(plan=plan).select_related("need").order_by("due_on", "pk"))
    by_status: dict[str, list[DevelopmentAction]] = {s: [] for s in DevelopmentAction.Status.values}
    for action in actions:
        by_status.setdefault(action.status, []).append(action)
    columns = [(value, str(label), by_status[value]) for value, label in DevelopmentAction.Status.choices]
    total = sum(1 for a in actions if a.status != DevelopmentAction.Status.DROPPED)
    done = sum(1 for a in actions if a.status == DevelopmentAction.Status.DONE)
    hint = ""
    if not any(n.review_id for n in needs):
        hint = _(
            "No released review suggested needs for this plan. Add what you want to develop; "
            "once a review of yours is released, a new plan starts from its competency gaps."
        )
    return PlanPage(
        plan=plan,
        role=plan_role(ctx, plan),
        needs=needs,
        actions=actions,
        columns=columns,
        done=done,
        total=total,
        is_open=plan.state == DevelopmentPlan.State.ACTIVE,
        hint=hint,
    )
