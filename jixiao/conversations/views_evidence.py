"""The evidence panel: an HTML fragment the manager's review form loads with htmx (reviews never import this)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from jixiao.core.http import AuthedRequest

from .selectors_evidence import evidence_for, review_for_evidence


@login_required
def evidence(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = review_for_evidence(request.user, review_id)
    return render(request, "conversations/evidence/panel.html", {"evidence": evidence_for(request.user, review)})
