"""Browsing the audit trail (admins everything, HR her departments)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from jixiao.core.http import AuthedRequest

from . import selectors
from .forms import EventFilterForm
from .permissions import require_audit_reader


@login_required
def events(request: AuthedRequest) -> HttpResponse:
    """The audit log, newest first, filtered by action, actor, object type and dates kept in the URL."""
    require_audit_reader(request.user)
    form = EventFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else selectors.EventFilters()
    before = request.GET.get("before", "")
    page = selectors.events_page(user=request.user, filters=filters, before=int(before) if before.isdigit() else None)
    rows_only = request.headers.get("HX-Request") == "true" and request.GET.get("rows") == "1"
    query = {k: v for k, v in request.GET.items() if k in EventFilterForm.base_fields and v}
    changes = selectors.readable_changes(page.events)
    context = {
        "page": page,
        "rows": [
            {
                "event": e,
                "label": selectors.action_label(e.action),
                "url": selectors.target_url(e),
                "changes": changes[e.pk],
            }
            for e in page.events
        ],
        "list_query": urlencode(query),
    }
    if rows_only:
        return render(request, "audit/partials/event_rows.html", context)
    actions, types = selectors.filter_choices(user=request.user)
    context.update(
        {
            "form": form,
            "filters": filters,
            "actions": [(a, selectors.action_label(a)) for a in actions],
            "target_types": types,
        }
    )
    return render(request, "audit/events.html", context)
