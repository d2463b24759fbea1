"""In-app notifications: the bell's unread count, my notifications page, opening one, marking all read.

Only the owner ever reads or marks a notification: every query below starts from `user=request.user`,
so another person's id answers 404 like a missing one. The bell loads its count on its own htmx request,
so no page pays a query for it. Reading and marking one's own notifications is not a business event, so
nothing here is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from jixiao.accounts.models import User
from jixiao.core.http import AuthedRequest

from .models import Notification

PAGE_SIZE = 20
# The badge says "99+" beyond this; counting stops there, so a forgotten inbox never costs a full count.
BELL_CAP = 99


# ---- reads ---------------------------------------------------------------------------------------


@dataclass
class NotificationPage:
    items: list[Notification]
    next_before: int | None


def notifications_page(*, user: User, before: int | None = None, size: int = PAGE_SIZE) -> NotificationPage:
    """One page of the user's notifications, newest first: one query, keyset on the id (no OFFSET)."""
    qs = Notification.objects.filter(user=user)
    if before is not None:
        qs = qs.filter(pk__lt=before)
    rows = list(qs.only("pk", "title", "body", "url", "created_at", "read_at").order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return NotificationPage(items=rows, next_before=rows[-1].pk if more and rows else None)


def unread_count(*, user: User, cap: int = BELL_CAP) -> int:
    """How many of the user's notifications are unread, counted up to cap + 1 (one indexed query)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).order_by()[: cap + 1].count()


# ---- writes --------------------------------------------------------------------------------------


def notification_open(*, user: User, notification_id: int) -> Notification:
    """The user's notification, marked read; 404 when it is missing or someone else's."""
    notification = Notification.objects.filter(pk=notification_id, user=user).only("pk", "url", "read_at").first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# ---- pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
def notifications(request: AuthedRequest) -> HttpResponse:
    """My notifications, newest first, unread ones highlighted; "more" pages on with htmx."""
    before = request.GET.get("before", "")
    page = notifications_page(user=request.user, before=int(before) if before.isdigit() else None)
    context: dict[str, Any] = {"page": page}
    if request.headers.get("HX-Request") == "true" and request.GET.get("rows") == "1":
        return render(request, "core/notifications_rows.html", context)
    context["unread"] = unread_count(user=request.user)
    context["bell_cap"] = BELL_CAP
    return render(request, "core/notifications.html", context)


@login_required
@require_GET
@never_cache
def notifications_bell(request: AuthedRequest) -> HttpResponse:
    """The unread badge of the bell in the top bar (its own request, so pages keep their query counts)."""
    count = unread_count(user=request.user)
    # Rendered without the request: the layout's context processors (two queries) are not needed here.
    return HttpResponse(render_to_string("core/notifications_bell.html", {"count": count, "bell_cap": BELL_CAP}))


@login_required
@require_GET
def notification_go(request: AuthedRequest, notification_id: int) -> HttpResponse:
    """Open a notification: mark it read and go where it points (back to the list if it points nowhere safe)."""
    notification = notification_open(user=request.user, notification_id=notification_id)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("core:notifications")


@login_required
@require_POST
def notifications_read_all(request: AuthedRequest) -> HttpResponse:
    """Mark all my notifications read and come back to the list."""
    notifications_mark_all_read(user=request.user)
    return redirect("core:notifications")
