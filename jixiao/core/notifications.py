"""Tell people something: an in-app notification and, where they have an address, an email.

Each message is written in the recipient's own language (User.language, else the site default),
so the callers pass a function that renders title and body inside `translation.override`.
Email goes through Django's configured backend (console in the demo, SMTP in production); one
connection is opened for the whole batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import translation

from .models import Notification


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str = ""


def notify(users: Iterable[Any], render: Callable[[Any], Message], *, email: bool = True) -> int:
    """Send each user the message `render(user)` returns (in her language); return how many were sent."""
    rows: list[Notification] = []
    mails: list[EmailMessage] = []
    base = getattr(settings, "JIXIAO_BASE_URL", "").rstrip("/")
    for user in users:
        language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            message = render(user)
        rows.append(Notification(user=user, title=message.title[:200], body=message.body, url=message.url[:300]))
        address = getattr(user, "email", "")
        if email and address:
            link = f"\n\n{base}{message.url}" if message.url else ""
            mails.append(EmailMessage(subject=message.title, body=message.body + link, to=[address]))
    Notification.objects.bulk_create(rows, batch_size=500)
    if mails:
        get_connection(fail_silently=True).send_messages(mails)
    return len(rows)
