"""Browsing the audit trail (admins everything, HR her departments)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from jixiao.core.http import AuthedRequest
from jixiao.org.permissions import can_read_audit

from .models import AuditEvent


@login_required
def events(request: AuthedRequest) -> HttpResponse:
    if not can_read_audit(request.user):
        raise Http404
    items = AuditEvent.objects.visible_to(request.user)[:50]
    return render(request, "audit/events.html", {"events": items})
