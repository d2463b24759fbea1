"""The one gate to appeals and their attachments (decision 0011). Missing and forbidden both answer 404.

Who reads an appeal: the employee who filed it, its owner, HR whose scope holds its department, admins, and the
review's manager (who may respond while it is open). Who handles it (take up, reassign, decide): its owner, HR in
scope and admins — never the person appealing, the manager being appealed or her skip-level manager, even when
one of them is also HR in scope.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jixiao.audit.services import access_denied
from jixiao.core.parsing import parse_int
from jixiao.org.selectors import ActorContext, actor_context

from .models import Appeal, AppealAttachment

APPEAL_RELATED = (
    "review__cycle",
    "review__reviewee",
    "review__manager",
    "review__skip_level",
    "review__department",
    "employee__user",
    "department",
    "owner__employee",
    "decided_by",
)


def _hr_q(ctx: ActorContext, prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for path in ctx.hr_paths:
        q |= Q(**{f"{prefix}department__path__startswith": path})
    return q


def appeals_visibility_q(user: Any) -> Q | None:
    """Who reads which appeal, as one filter; None means "nothing"."""
    ctx = actor_context(user)
    if ctx.is_admin:
        return Q()
    if ctx.employee_id is None and not ctx.hr_paths:
        return None
    q = _hr_q(ctx) | Q(owner_id=user.pk)
    if ctx.employee_id is not None:
        q |= Q(employee_id=ctx.employee_id) | Q(review__manager_id=ctx.employee_id)
    return q


def appeals_visible_to(user: Any) -> QuerySet[Appeal]:
    q = appeals_visibility_q(user)
    return Appeal.objects.none() if q is None else Appeal.objects.filter(q)


def handled_q(user: Any) -> Q | None:
    """Appeals the user handles: owned by her or in her HR scope (admins: all); for HR's list and report."""
    ctx = actor_context(user)
    if ctx.is_admin:
        return Q()
    if not ctx.hr_paths:
        return None
    return _hr_q(ctx) | Q(owner_id=user.pk)


def can_see_hr_pages(user: Any) -> bool:
    ctx = actor_context(user)
    return ctx.is_admin or ctx.is_hr


def is_party(ctx: ActorContext, appeal: Appeal) -> bool:
    """The person appealing, the manager being appealed, or her skip-level manager: never a handler."""
    me = ctx.employee_id
    if me is None:
        return False
    review = appeal.review
    return me in (appeal.employee_id, review.reviewee_id, review.manager_id, review.skip_level_id)


def in_scope(ctx: ActorContext, appeal: Appeal) -> bool:
    """HR whose scope holds the appeal's department (admins count as in scope everywhere)."""
    path = appeal.department.path if appeal.department_id and appeal.department else ""
    return ctx.is_admin or (bool(path) and ctx.in_hr_scope(path))


def can_handle(user: Any, appeal: Appeal) -> bool:
    """Take up, decide: the owner, HR in scope or an admin who is not a party to it."""
    ctx = actor_context(user)
    if is_party(ctx, appeal):
        return False
    return appeal.owner_id == getattr(user, "pk", None) or in_scope(ctx, appeal)


def can_reassign(user: Any, appeal: Appeal) -> bool:
    """HR in scope and admins (not a party) hand an open appeal to someone else."""
    ctx = actor_context(user)
    return in_scope(ctx, appeal) and not is_party(ctx, appeal)


def is_reviews_manager(user: Any, appeal: Appeal) -> bool:
    ctx = actor_context(user)
    return ctx.employee_id is not None and appeal.review.manager_id == ctx.employee_id


def appeal_for_user(user: Any, appeal_id: object, *, write: bool = False) -> Appeal:
    """The appeal if the user may read it (with write: handle it); 404 otherwise."""
    pk = parse_int(appeal_id)
    appeal = appeals_visible_to(user).filter(pk=pk).select_related(*APPEAL_RELATED).first() if pk else None
    if appeal is None or (write and not can_handle(user, appeal)):
        raise access_denied(user, "appeals.appeal", appeal_id, write=write)
    return appeal


def attachment_for_user(user: Any, attachment_id: object) -> AppealAttachment:
    """An attachment of an appeal the user may read; 404 otherwise."""
    pk = parse_int(attachment_id)
    attachment = (
        AppealAttachment.objects.filter(pk=pk, appeal__in=appeals_visible_to(user)).select_related("appeal").first()
        if pk
        else None
    )
    if attachment is None:
        raise access_denied(user, "appeals.appealattachment", attachment_id, write=False)
    return attachment
