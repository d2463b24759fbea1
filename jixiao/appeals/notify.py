"""Who is told what about an appeal; each message is written in the recipient's language (core.notifications)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from jixiao.accounts.models import User
from jixiao.core.notifications import Message, notify
from jixiao.org.models import HRScope
from jixiao.reviews.selectors_pages import cycle_name

from .models import Appeal


def _users(*users: Any, without: Any = None) -> list[User]:
    """Distinct active accounts, leaving out `without` (nobody is told about what she did herself)."""
    skip = getattr(without, "pk", None)
    seen: dict[int, User] = {}
    for user in users:
        if user is not None and user.pk != skip and user.is_active:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def _manager_user(appeal: Appeal) -> User | None:
    manager = appeal.review.manager
    return manager.user if manager is not None and manager.user_id else None


def _employee_user(appeal: Appeal) -> User | None:
    return appeal.employee.user if appeal.employee.user_id else None


def _due(appeal: Appeal) -> str:
    return date_format(appeal.due_on, "Y-m-d")


def appeal_filed(appeal: Appeal) -> int:
    """The owner has an appeal to answer; the manager learns her review is appealed and that she may respond."""
    url = appeal.get_absolute_url()
    name = appeal.employee.name
    sent = notify(
        _users(appeal.owner),
        lambda _u: Message(
            title=_("New appeal to handle: %(name)s") % {"name": name},
            body=_("%(name)s appealed her result in %(cycle)s. Answer by %(due)s.")
            % {"name": name, "cycle": cycle_name(appeal.review.cycle), "due": _due(appeal)},
            url=url,
        ),
    )
    return sent + notify(
        _users(_manager_user(appeal)),
        lambda _u: Message(
            title=_("%(name)s appealed her review result") % {"name": name},
            body=_("Cycle: %(cycle)s. HR handles the appeal; you may respond in writing while it is open.")
            % {"cycle": cycle_name(appeal.review.cycle)},
            url=url,
        ),
    )


def appeal_taken_up(appeal: Appeal, actor: Any) -> int:
    return notify(
        _users(_employee_user(appeal), without=actor),
        lambda _u: Message(
            title=_("Your appeal is being looked at"),
            body=_("HR has started on your appeal about %(cycle)s. You will have an answer by %(due)s.")
            % {"cycle": cycle_name(appeal.review.cycle), "due": _due(appeal)},
            url=appeal.get_absolute_url(),
        ),
    )


def appeal_reassigned(appeal: Appeal, actor: Any) -> int:
    name = appeal.employee.name
    return notify(
        _users(appeal.owner, without=actor),
        lambda _u: Message(
            title=_("An appeal was handed to you: %(name)s") % {"name": name},
            body=_("%(name)s appealed her result in %(cycle)s. Answer by %(due)s.")
            % {"name": name, "cycle": cycle_name(appeal.review.cycle), "due": _due(appeal)},
            url=appeal.get_absolute_url(),
        ),
    )


def appeal_responded(appeal: Appeal, actor: Any) -> int:
    name = appeal.employee.name
    return notify(
        _users(appeal.owner, without=actor),
        lambda _u: Message(
            title=_("The manager responded to %(name)s's appeal") % {"name": name},
            body=_("Read the response on the appeal page before you decide."),
            url=appeal.get_absolute_url(),
        ),
    )


def _decision_title(state: str) -> str:
    if state == Appeal.State.CHANGED:
        return _("Appeal decided: the result was changed")
    if state == Appeal.State.UPHELD:
        return _("Appeal decided: the result stands")
    return _("Appeal decided: not accepted")


def appeal_decided(appeal: Appeal, actor: Any) -> int:
    """The employee, her manager and the owner read the decision and its written outcome."""
    url = appeal.get_absolute_url()
    return notify(
        _users(_employee_user(appeal), _manager_user(appeal), appeal.owner, without=actor),
        lambda _u: Message(
            title=_decision_title(appeal.state) + " · " + appeal.employee.name,
            body=appeal.outcome,
            url=url,
        ),
    )


def company_hr_or_admins() -> list[User]:
    """Company-wide HR (scope on a top-level department); admins when there is none."""
    hr = list(
        User.objects.filter(
            is_active=True,
            pk__in=HRScope.objects.filter(department__parent__isnull=True).values("user_id"),
        ).order_by("pk")
    )
    return hr or list(User.objects.filter(is_active=True, is_superuser=True).order_by("pk"))


def appeals_escalated(appeals: Sequence[Appeal]) -> int:
    """One message per person: each owner about her overdue appeals, company-wide HR about all of them."""
    if not appeals:
        return 0
    by_user: dict[int, list[Appeal]] = defaultdict(list)
    users: dict[int, User] = {}
    for appeal in appeals:
        if appeal.owner is not None and appeal.owner.is_active:
            by_user[appeal.owner.pk].append(appeal)
            users[appeal.owner.pk] = appeal.owner
    for user in company_hr_or_admins():
        users.setdefault(user.pk, user)
        by_user[user.pk] = list(appeals)
    overdue_list = reverse("appeals:list") + "?overdue=1"

    def render(user: Any) -> Message:
        mine = by_user[user.pk]
        if len(mine) == 1:
            appeal = mine[0]
            return Message(
                title=_("An appeal is past its answer date: %(name)s") % {"name": appeal.employee.name},
                body=_("It was due on %(due)s. Take it up or hand it to someone who can answer it now.")
                % {"due": _due(appeal)},
                url=appeal.get_absolute_url(),
            )
        return Message(
            title=_("%(n)s appeals are past their answer date") % {"n": len(mine)},
            body=_("Take them up or hand them to someone who can answer them now."),
            url=overdue_list,
        )

    return notify(_ordered(users.values()), render)


def _ordered(users: Iterable[User]) -> list[User]:
    return sorted(users, key=lambda u: u.pk)
