"""Telling 360 raters that the feedback phase is open (decision 0009).

services.cycle_phase_advance calls `feedback_requests_notify(cycle)` right after
services_feedback.feedback_requests_send has created the requests:

- peers and direct reports with a pending request hear in the app and by email, in their own language,
  with the names of the people they are asked about and a link to their feedback inbox;
- customers were emailed their link when they were invited; as the link only works once the phase is
  open, they now get a short email saying so. The token is stored only as a hash, so this email cannot
  carry the link again: it points to the first one.

No message names anyone else who was asked (decision 0009): a rater learns whom she rates, never who
else rates them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jixiao.core.notifications import Message, notify

from .models import Cycle, CyclePhase, Evaluation, EvaluationKind, PhaseKind

NAMES_SHOWN = 5  # a longer list ends with "and N more"


def _cycle_name(cycle: Cycle) -> str:
    english = (translation.get_language() or "").startswith("en")
    return cycle.name_en if english and cycle.name_en else cycle.name


def _names(names: list[str]) -> str:
    shown = names[:NAMES_SHOWN]
    joined = ("、" if (translation.get_language() or "").startswith("zh") else ", ").join(shown)
    rest = len(names) - len(shown)
    if rest:
        joined += " " + ngettext("and %(n)s more", "and %(n)s more", rest) % {"n": rest}
    return joined


def feedback_requests_notify(cycle: Cycle) -> int:
    """Tell every peer and report with a pending request, and email every customer whose link now works.

    Returns how many people were told. Three queries and one mail connection whatever the number.
    """
    due = (
        CyclePhase.objects.filter(cycle=cycle, kind=PhaseKind.FEEDBACK)
        .order_by()
        .values_list("due_on", flat=True)
        .first()
    )
    told = _tell_raters(cycle, due)
    return told + _tell_customers(cycle, due)


def _tell_raters(cycle: Cycle, due: Any) -> int:
    from jixiao.accounts.models import User

    rows = list(
        Evaluation.objects.filter(
            cycle=cycle,
            kind__in=(EvaluationKind.PEER, EvaluationKind.UPWARD),
            state=Evaluation.State.PENDING,
            rater__user__isnull=False,
            rater__user__is_active=True,
        )
        .order_by("review__reviewee__name_pinyin", "pk")
        .values_list("rater__user_id", "review__reviewee__name")
    )
    names: dict[int, list[str]] = {}
    for user_id, name in rows:
        names.setdefault(user_id, []).append(name)
    if not names:
        return 0
    users = list(User.objects.filter(pk__in=list(names)).order_by("pk"))
    url = reverse("reviews:feedback_inbox")

    def render(user: Any) -> Message:
        asked = names.get(user.pk, [])
        body = _("Cycle: %(cycle)s. You are asked for feedback on: %(names)s.") % {
            "cycle": _cycle_name(cycle),
            "names": _names(asked),
        }
        if due:
            body += " " + _("Please answer by %(date)s.") % {"date": due.isoformat()}
        body += " " + _("Your answers are anonymous: they are shown only combined with others'.")
        return Message(title=_("You are asked for 360° feedback"), body=body, url=url)

    return notify(users, render)


def _tell_customers(cycle: Cycle, due: Any) -> int:
    rows = list(
        Evaluation.objects.filter(
            cycle=cycle,
            kind=EvaluationKind.CUSTOMER,
            state=Evaluation.State.PENDING,
            nomination__invitation__used_at__isnull=True,
            nomination__invitation__expires_at__gt=timezone.now(),
        )
        .exclude(nomination__email="")
        .order_by("pk")
        .values_list(
            "nomination__email",
            "nomination__name",
            "review__reviewee__name",
            "nomination__nominated_by__language",
            "nomination__invitation__expires_at",
        )
    )
    mails = []
    for email, customer, reviewee, language, expires in rows:
        # The customer has no account: the email speaks the language of the person who invited her.
        with translation.override(language or settings.LANGUAGE_CODE):
            until = date_format(timezone.localtime(expires).date(), "Y-m-d")
            subject = _("You can now give feedback on %(name)s") % {"name": reviewee}
            lines = [
                _("Hello %(name)s,") % {"name": customer},
                "",
                _(
                    "The feedback you were invited to give on %(name)s is now open. Please use the link in the "
                    "invitation email we sent you earlier; it works until %(date)s."
                )
                % {"name": reviewee, "date": until},
            ]
            if due:
                lines.append(_("Please answer by %(date)s.") % {"date": due.isoformat()})
            lines += ["", _("Thank you.")]
        mails.append(EmailMessage(subject=subject, body="\n".join(lines), to=[email]))
    if mails:
        get_connection(fail_silently=True).send_messages(mails)
    return len(mails)
