"""Pages of calibration sessions: the list, opening one, the session page (chart, table, 9-box), moves,
potential, guide, participants, closing and the summary.

Thin views: the gate first (permissions.py: only participants see a session, 404 for everyone else), one
service or selector call, render. Refusals come back beside the fields (or as a message) and write nothing.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from jixiao.audit.services import access_denied
from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest
from jixiao.core.parsing import parse_int
from jixiao.org.selectors import actor_context

from . import permissions, selectors, services
from .forms import GuideForm, MoveForm, ParticipantsForm, PotentialForm, SessionOpenForm, add_domain_errors, ids
from .models import CalibrationSession, Member

TABLE_TARGET = "jxc-members"
TAKEN_SHOWN = 10


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _session_url(session: CalibrationSession, filters: selectors.MemberFilter | None = None) -> str:
    url = reverse("calibration:session", args=[session.pk])
    params = filters.params() if filters else {}
    return f"{url}?{urlencode(params)}" if params else url


def _bias_url(session: CalibrationSession) -> str | None:
    """The bias panel's URL (helper app part, urls_bias.py), when it exists."""
    try:
        return reverse("calibration:bias", args=[session.pk])
    except NoReverseMatch:
        return None


# ---- the list and opening a session ---------------------------------------------------------------------


@login_required
def sessions(request: AuthedRequest) -> HttpResponse:
    """The calibration sessions I sit in (optionally of one cycle), and for HR the way to open one."""
    cycle_id = parse_int(request.GET.get("cycle"))
    rows = selectors.sessions_list(user=request.user, cycle_id=cycle_id)
    can_open = permissions.can_open_session(request.user)
    cycle = None
    if cycle_id and can_open:
        cycle = selectors.cycles_open_for_calibration(user=request.user).filter(pk=cycle_id).first()
    return render(
        request,
        "calibration/sessions.html",
        {"rows": rows, "can_open": can_open, "cycle_id": cycle_id, "open_cycle": cycle},
    )


def _open_form(request: AuthedRequest) -> SessionOpenForm:
    """The open form with its choices: the job levels of the chosen cycle, the people picked or found."""
    cycles = selectors.cycles_open_for_calibration(user=request.user)
    data = request.POST if request.method == "POST" else None
    chosen_cycle = parse_int((data or request.GET).get("cycle"))
    cycle = cycles.filter(pk=chosen_cycle).first() if chosen_cycle else cycles.first()
    picked = ids(data.getlist("reviews")) if data else []
    seated = ids(data.getlist("participants")) if data else []
    review_q = (data.get("review_q") or "").strip() if data else ""
    people_q = (data.get("participant_q") or "").strip() if data else ""
    reviews = selectors.reviews_named(picked)
    if cycle is not None and review_q:
        reviews += selectors.review_candidates(user=request.user, cycle=cycle, query=review_q, exclude=picked)
    people = selectors.people_named(seated)
    if people_q:
        people += selectors.participant_candidates(
            user=request.user, query=people_q, exclude=[*seated, request.user.pk]
        )
    initial = {"cycle": cycle.pk if cycle else None}
    return SessionOpenForm(
        data,
        initial=initial,
        user=request.user,
        cycles=cycles,
        levels=selectors.job_levels(cycle),
        reviews=[(p.user_id, f"{p.name} · {p.sub}" if p.sub else p.name) for p in reviews],
        people=[(p.user_id, f"{p.name} · {p.sub}" if p.sub else p.name) for p in people],
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: AuthedRequest) -> HttpResponse:
    """HR opens a session over a group of a calibration cycle's reviews, with the participants she seats."""
    if not permissions.can_open_session(request.user):
        raise access_denied(request.user, "calibration.calibrationsession", "", write=True)
    form = _open_form(request)
    action = request.POST.get("action", "open")
    if request.method == "POST" and action == "open" and form.is_valid():
        data = form.cleaned_data
        try:
            opened = services.session_open(
                actor=request.user,
                cycle=data["cycle"],
                name=data["name"],
                scope=data["scope"],
                department=form.department_object(),
                levels=data["levels"],
                review_ids=data["reviews"],
                participants=data["participants"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Session opened with %(n)s person. Her rating is held back from release until it closes.",
                    "Session opened with %(n)s people. Their ratings are held back from release until it closes.",
                    opened.members,
                )
                % {"n": opened.members},
            )
            if opened.taken:
                names = "、".join(t.reviewee for t in opened.taken[:TAKEN_SHOWN])
                more = len(opened.taken) - TAKEN_SHOWN
                messages.warning(
                    request,
                    ngettext(
                        "%(n)s person of the group already sits in another session and was left there: %(names)s",
                        "%(n)s people of the group already sit in other sessions and were left there: %(names)s",
                        len(opened.taken),
                    )
                    % {"n": len(opened.taken), "names": names + (f" … (+{more})" if more > 0 else "")},
                )
            return redirect(opened.session)
    return render(
        request,
        "calibration/session_new.html",
        {"form": form, "has_cycles": form.fields["cycle"].queryset.exists()},  # type: ignore[attr-defined]
    )


# ---- the session page -----------------------------------------------------------------------------------


@login_required
def session(request: AuthedRequest, session_id: int) -> HttpResponse:
    """The session: the distribution against the guide, the members (a page of them), the 9-box, the history."""
    obj = permissions.session_for_user(request.user, session_id)
    filters = selectors.MemberFilter.from_query(request.GET)
    if _is_htmx(request) and request.headers.get("HX-Target") == TABLE_TARGET:
        table = selectors.member_table(session=obj, filters=filters)
        return render(request, "calibration/_members.html", _table_context(obj, table))
    page = selectors.session_page(session=obj, user=request.user, filters=filters)
    ctx = actor_context(request.user)
    return render(
        request,
        "calibration/session.html",
        {
            "page": page,
            "session": obj,
            "bias_url": _bias_url(obj) if page.is_facilitator and (ctx.is_hr or ctx.is_admin) else None,
            "levels": list(selectors.level_labels().items()),
            "potential_cols": list(selectors.potential_labels().items()),
            **_table_context(obj, page.table),
        },
    )


def _table_context(obj: CalibrationSession, table: selectors.MemberTable) -> dict[str, Any]:
    bands = selectors.session_bands(obj)
    return {
        "session": obj,
        "table": table,
        "bands": bands,
        "potentials": selectors.potential_labels(),
        "table_url": _session_url(obj, table.filters),
        "prev_url": _session_url(obj, table.filters.__class__(**{**table.filters.__dict__, "page": table.page - 1})),
        "next_url": _session_url(obj, table.filters.__class__(**{**table.filters.__dict__, "page": table.page + 1})),
        "move_form": MoveForm(bands=bands),
    }


def _changed(counts: dict[str, Any] | None, member: Member, **extra: Any) -> dict[str, str]:
    """The HX-Trigger header that tells the page's chart (new counts after a move), 9-box and table what changed."""
    payload: dict[str, Any] = {"member": member.pk, **extra}
    if counts is not None:
        payload.update(counts=counts["chart_counts"], shares=counts["chart_shares"])
    return {"HX-Trigger": json.dumps({"jxc:changed": payload})}


@login_required
@require_http_methods(["GET", "POST"])
def member_move(request: AuthedRequest, session_id: int) -> HttpResponse:
    """Move a member's rating with a reason (htmx from the table or the 9-box; a plain page without script)."""
    source = request.POST if request.method == "POST" else request.GET
    member = permissions.member_for_user(request.user, session_id, source.get("member"))
    obj = member.session
    bands = selectors.session_bands(obj)
    variant = "dialog" if source.get("variant") == "dialog" else "row"
    form = MoveForm(request.POST or None, bands=bands)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            adjustment = services.member_move(
                actor=request.user,
                member=member,
                band=data["band"],
                reason=data["reason"],
                seen_band=data["seen_band"] or None,
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            text = _("Moved from %(from)s to %(to)s.") % {"from": adjustment.from_band, "to": adjustment.to_band}
            if not _is_htmx(request):
                messages.success(request, text)
                return redirect(obj)
            counts = selectors.session_counts(obj)
            response = render(
                request,
                "calibration/_move_done.html",
                {
                    "session": obj,
                    "member": member,
                    "form": MoveForm(bands=bands),
                    "variant": variant,
                    "message": text,
                    "counts": counts,
                    "bands": bands,
                },
            )
            for key, value in _changed(counts, member, band=adjustment.to_band).items():
                response[key] = value
            return response
    if _is_htmx(request) and request.method == "POST":
        return render(
            request,
            "calibration/_move_form.html",
            {"session": obj, "member": member, "form": form, "variant": variant, "bands": bands},
        )
    row = selectors.member_detail(session=obj, member=member)
    can_move, note = selectors.move_state(obj)
    if _is_htmx(request) and request.method == "GET" and row is not None:
        # The member table opens a person's row: her breakdown, the move control and her potential.
        return render(
            request,
            "calibration/_member_detail.html",
            {
                "session": obj,
                "m": row,
                "can_move": can_move and row.ready,
                "move_note": note if obj.state == CalibrationSession.State.OPEN else "",
                "bands": bands,
                "potentials": selectors.potential_labels(),
                "form": MoveForm(bands=bands),
                "evidence": selectors.sees_evidence(request.user, member.review_id),
            },
        )
    if not form.is_bound and row is not None:
        form = MoveForm(initial={"band": row.band, "seen_band": row.band}, bands=bands)
    return render(
        request,
        "calibration/move.html",
        {
            "session": obj,
            "member": member,
            "row": row,
            "form": form,
            "potential_form": PotentialForm(initial={"potential": member.potential}),
            "can_move": can_move and row is not None and row.ready,
            "move_note": note,
            "bands": bands,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def member_potential(request: AuthedRequest, session_id: int) -> HttpResponse:
    """Rate a member's potential (the 9-box's columns)."""
    member = permissions.member_for_user(request.user, session_id, request.POST.get("member"))
    obj = member.session
    form = PotentialForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Pick low, medium or high."))
        services.member_potential_set(actor=request.user, member=member, potential=form.cleaned_data["potential"])
    except DomainError as exc:
        if _is_htmx(request):
            return render(request, "calibration/_status.html", {"message": str(exc.message), "error": True})
        messages.error(request, str(exc.message))
        return redirect(obj)
    text = _("Potential saved.")
    if not _is_htmx(request):
        messages.success(request, text)
        return redirect(obj)
    response = render(request, "calibration/_status.html", {"message": text})
    for key, value in _changed(None, member, potential=member.potential).items():
        response[key] = value
    return response


# ---- guide, participants, closing -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_guide(request: AuthedRequest, session_id: int) -> HttpResponse:
    """A facilitator changes the distribution guide (a percent per rating, 100 in all)."""
    obj = permissions.session_for_user(request.user, session_id, facilitator=True)
    bands = selectors.session_bands(obj)
    form = GuideForm(
        request.POST or None,
        bands=bands,
        guide=obj.guide,
        initial={"version": obj.version, "bias_threshold": obj.bias_threshold},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_guide_update(
                actor=request.user,
                session=obj,
                guide=form.guide(),
                version=form.cleaned_data["version"],
                bias_threshold=form.cleaned_data["bias_threshold"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Guide saved."))
            return redirect(obj)
    return render(
        request,
        "calibration/guide.html",
        {"session": obj, "form": form, "closed": obj.state != CalibrationSession.State.OPEN},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_participants(request: AuthedRequest, session_id: int) -> HttpResponse:
    """A facilitator seats managers and HR, removes them, and names other facilitators."""
    obj = permissions.session_for_user(request.user, session_id, facilitator=True)
    if request.method == "POST":
        seated = ids(request.POST.getlist("participants"))
        leading = ids(request.POST.getlist("facilitators"))
        query = (request.POST.get("participant_q") or "").strip()
    else:
        current = list(obj.participants.values_list("user_id", "facilitator"))
        seated = [pk for pk, _f in current]
        leading = [pk for pk, f in current if f]
        query = ""
    people = selectors.people_named(seated)
    if query:
        people += selectors.participant_candidates(user=request.user, query=query, exclude=[*seated])
    choices = [(p.user_id, f"{p.name} · {p.sub}" if p.sub else p.name) for p in people]
    data = request.POST if request.method == "POST" else None
    form = ParticipantsForm(data, people=choices, initial={"participants": seated, "facilitators": leading})
    if data is not None and request.POST.get("action", "save") == "save" and form.is_valid():
        try:
            services.session_participants_set(
                actor=request.user,
                session=obj,
                participants=form.cleaned_data["participants"],
                facilitators=form.cleaned_data["facilitators"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Participants saved."))
            return redirect(obj)
    return render(
        request,
        "calibration/participants.html",
        {
            "session": obj,
            "form": form,
            "seat_rows": list(zip(form["participants"], form["facilitators"], strict=True)),
            "me": request.user.pk,
            "closed": obj.state != CalibrationSession.State.OPEN,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_close(request: AuthedRequest, session_id: int) -> HttpResponse:
    """A facilitator closes the session after reading what it changed; its ratings then flow into release."""
    obj = permissions.session_for_user(request.user, session_id, facilitator=True)
    if obj.state != CalibrationSession.State.OPEN:
        return redirect("calibration:session_summary", obj.pk)
    if request.method == "POST":
        try:
            services.session_close(actor=request.user, session=obj, version=parse_int(request.POST.get("version")) or 0)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("calibration:session_close", obj.pk)
        messages.success(request, _("Session closed. Its ratings go out with the release."))
        return redirect("calibration:session_summary", obj.pk)
    page = selectors.summary_page(session=obj, user=request.user)
    return render(request, "calibration/close.html", {"session": obj, "page": page})


@login_required
def session_summary(request: AuthedRequest, session_id: int) -> HttpResponse:
    """What the session changed: counts by rating before and after, up and down, and each move."""
    obj = permissions.session_for_user(request.user, session_id)
    page = selectors.summary_page(session=obj, user=request.user)
    return render(request, "calibration/summary.html", {"session": obj, "page": page})
