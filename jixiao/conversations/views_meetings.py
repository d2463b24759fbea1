"""Pages of 1:1 meetings (decision 0010): my 1:1s with a colleague picker, and the 1:1 page.

Thin views: the gate first (permissions.one_on_one_for_user / meeting_for_user / agenda_item_for_user /
action_item_for_user: the two participants only, 404 for anyone else), one service call, then a redirect with
a message, or for the notes' autosave (htmx) the "Saved at hh:mm" status.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.http import AuthedRequest
from jixiao.goals.models import Objective
from jixiao.org.models import Employee
from jixiao.org.selectors import actor_context, directory

from . import permissions, selectors_meetings, services_meetings
from .forms_meetings import (
    ActionChangeForm,
    ActionForm,
    AgendaChangeForm,
    AgendaForm,
    NotesForm,
    ScheduleForm,
    SearchForm,
    StartForm,
)
from .models import Feedback, Meeting, OneOnOne

PICKER_LIMIT = 10


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _refused(request: AuthedRequest, exc: DomainError) -> None:
    details = [m for messages_ in exc.fields.values() for m in messages_]
    text = str(exc.message)
    messages.error(request, text if not details else f"{text} ({' '.join(details)})")


def _form_refused(request: AuthedRequest, form: Any) -> None:
    errors = [str(e) for errs in form.errors.values() for e in errs]
    messages.error(request, " ".join(errors) or _("Check what you entered."))


def _series_url(series: OneOnOne, anchor: str = "") -> str:
    return reverse("conversations:one_on_one", args=[series.pk]) + (f"#{anchor}" if anchor else "")


def _meeting_url(meeting: Meeting, anchor: str = "") -> str:
    """The series page when the meeting is its current one; the meeting's own page otherwise."""
    if meeting.state == Meeting.State.UPCOMING:
        return _series_url(meeting.series, anchor)
    return reverse("conversations:meeting", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


# ---- my 1:1s ------------------------------------------------------------------------------------------


def _picker(request: AuthedRequest) -> dict[str, Any]:
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    me = actor_context(request.user).employee_id
    candidates: list[Employee] = []
    if query and me is not None:
        candidates = list(
            directory(user=request.user, query=query).exclude(pk=me).order_by("name", "pk")[:PICKER_LIMIT]
        )
    return {"search": search, "query": query, "candidates": candidates, "start_form": StartForm()}


@login_required
def one_on_ones(request: AuthedRequest) -> HttpResponse:
    """My 1:1s: each series with its next meeting and open action items; start one with a colleague."""
    if request.method == "POST":
        return _start(request)
    context = _picker(request)
    if _is_htmx(request) and "q" in request.GET:
        return render(request, "conversations/meetings/_candidates.html", context)
    has_employee = actor_context(request.user).employee_id is not None
    rows = selectors_meetings.my_one_on_ones(request.user) if has_employee else []
    return render(request, "conversations/meetings/list.html", {**context, "rows": rows, "has_employee": has_employee})


def _start(request: AuthedRequest) -> HttpResponse:
    form = StartForm(request.POST)
    other = (
        Employee.objects.visible_to(request.user).filter(pk=form.cleaned_data["other"]).first()
        if form.is_valid()
        else None
    )
    if other is None:
        messages.error(request, _("Pick a colleague from the search results."))
        return redirect("conversations:one_on_ones")
    try:
        series = services_meetings.one_on_one_start(
            actor=request.user, other=other, cadence=form.cleaned_data["cadence"]
        )
    except DomainError as exc:
        _refused(request, exc)
        return redirect("conversations:one_on_ones")
    messages.success(
        request, _("Your 1:1 with %(name)s is ready: add the first topics to the agenda.") % {"name": other.name}
    )
    return redirect(_series_url(series))


# ---- the 1:1 page -------------------------------------------------------------------------------------


def _render_page(request: AuthedRequest, series: OneOnOne, meeting: Meeting | None = None) -> HttpResponse:
    before = selectors_meetings.parse_cursor(request.GET.get("before"))
    page = selectors_meetings.one_on_one_page(user=request.user, series=series, meeting=meeting, before=before)
    if _is_htmx(request) and "before" in request.GET:
        return render(request, "conversations/meetings/_past.html", {"page": page})
    people = [(page.me.pk, _("Me")), (page.other.pk, page.other.name)]
    return render(
        request,
        "conversations/meetings/page.html",
        {
            "page": page,
            "agenda_form": AgendaForm(),
            "action_form": ActionForm(people=people),
            "schedule_form": ScheduleForm(initial={"held_on": page.meeting.held_on if page.meeting else None}),
            "today": timezone.localdate(),
        },
    )


@login_required
def one_on_one(request: AuthedRequest, series_id: int) -> HttpResponse:
    """The 1:1 page: the next meeting's agenda, notes and action items, past meetings, suggested topics."""
    series = permissions.one_on_one_for_user(request.user, series_id)
    return _render_page(request, series)


@login_required
def meeting(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """One meeting of a series (a past one, from the list of past meetings)."""
    m = permissions.meeting_for_user(request.user, meeting_id)
    return _render_page(request, m.series, m)


@login_required
@require_POST
def schedule(request: AuthedRequest, series_id: int) -> HttpResponse:
    series = permissions.one_on_one_for_user(request.user, series_id, write=True)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
        return redirect(_series_url(series))
    try:
        services_meetings.meeting_schedule(actor=request.user, series=series, held_on=form.cleaned_data["held_on"])
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request, _("The next meeting is on %(date)s.") % {"date": form.cleaned_data["held_on"].isoformat()}
        )
    return redirect(_series_url(series))


@login_required
@require_POST
def complete(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    m = permissions.meeting_for_user(request.user, meeting_id, write=True)
    try:
        following = services_meetings.meeting_complete(actor=request.user, meeting=m)
    except DomainError as exc:
        _refused(request, exc)
        return redirect(_meeting_url(m))
    if following is not None:
        messages.success(
            request,
            _("Marked as held. The next meeting is on %(date)s; open action items carry over to it.")
            % {"date": following.held_on.isoformat()},
        )
    else:
        messages.success(request, _("Marked as held. Choose the date of the next meeting when you know it."))
    return redirect(_series_url(m.series))


# ---- agenda -------------------------------------------------------------------------------------------


@login_required
@require_POST
def agenda_add(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    m = permissions.meeting_for_user(request.user, meeting_id, write=True)
    form = AgendaForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
        return redirect(_meeting_url(m, "agenda"))
    objective = (
        Objective.objects.filter(pk=form.cleaned_data["objective"]).first() if form.cleaned_data["objective"] else None
    )
    feedback = (
        Feedback.objects.filter(pk=form.cleaned_data["feedback"]).first() if form.cleaned_data["feedback"] else None
    )
    if (form.cleaned_data["objective"] and objective is None) or (form.cleaned_data["feedback"] and feedback is None):
        messages.error(request, _("That link is not available any more."))
        return redirect(_meeting_url(m, "agenda"))
    try:
        services_meetings.agenda_item_add(
            actor=request.user, meeting=m, text=form.cleaned_data["text"], objective=objective, feedback=feedback
        )
    except DomainError as exc:
        _refused(request, exc)
    return redirect(_meeting_url(m, "agenda"))


@login_required
@require_POST
def agenda_change(request: AuthedRequest, item_id: int) -> HttpResponse:
    item = permissions.agenda_item_for_user(request.user, item_id)
    form = AgendaChangeForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
        return redirect(_meeting_url(item.meeting, "agenda"))
    op = form.cleaned_data["op"]
    try:
        if op == "remove":
            services_meetings.agenda_item_remove(actor=request.user, item=item)
        elif op in ("up", "down"):
            services_meetings.agenda_item_move(actor=request.user, item=item, up=op == "up")
        else:
            services_meetings.agenda_item_update(actor=request.user, item=item, discussed=op == "discussed")
    except DomainError as exc:
        _refused(request, exc)
    return redirect(_meeting_url(item.meeting, "agenda"))


# ---- notes (htmx autosave) ----------------------------------------------------------------------------


def _save_status(
    request: AuthedRequest, *, kind: str, version: int, error: str = "", stale: bool = False, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "conversations/meetings/_save_status.html",
        {"kind": kind, "version": version, "error": error, "stale": stale, "saved_at": timezone.localtime()},
        status=status,
    )


def _notes(request: AuthedRequest, meeting_id: int, *, private: bool) -> HttpResponse:
    m = permissions.meeting_for_user(request.user, meeting_id, write=True)
    kind = "private" if private else "shared"
    form = NotesForm(request.POST)
    if not form.is_valid():
        return _save_status(request, kind=kind, version=0, error=_("Not saved: the notes are too long."), status=400)
    text, version = form.cleaned_data["text"], form.cleaned_data["version"]
    try:
        if private:
            note = services_meetings.private_note_save(actor=request.user, meeting=m, text=text, version=version)
            new_version = note.version
        else:
            new_version = services_meetings.meeting_notes_save(
                actor=request.user, meeting=m, text=text, version=version
            ).version
    except StaleWrite as exc:
        return _save_status(request, kind=kind, version=version, error=str(exc.message), stale=True, status=409)
    except DomainError as exc:
        return _save_status(request, kind=kind, version=version, error=str(exc.message), status=400)
    if not _is_htmx(request):
        messages.success(request, _("Notes saved."))
        return redirect(_meeting_url(m, "notes"))
    return _save_status(request, kind=kind, version=new_version)


@login_required
@require_POST
def notes_save(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """Autosave of the shared notes: both participants write them; a stale save is refused (409)."""
    return _notes(request, meeting_id, private=False)


@login_required
@require_POST
def private_save(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """Autosave of the reader's own private notes: only she ever reads them."""
    return _notes(request, meeting_id, private=True)


# ---- action items -------------------------------------------------------------------------------------


@login_required
@require_POST
def action_add(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    m = permissions.meeting_for_user(request.user, meeting_id, write=True)
    series = m.series
    people = [(series.first_id, series.first.name), (series.second_id, series.second.name)]
    form = ActionForm(request.POST, people=people)
    if not form.is_valid():
        _form_refused(request, form)
        return redirect(_meeting_url(m, "actions"))
    owner = series.first if form.cleaned_data["owner"] == series.first_id else series.second
    try:
        services_meetings.action_item_add(
            actor=request.user,
            meeting=m,
            owner=owner,
            text=form.cleaned_data["text"],
            due_on=form.cleaned_data["due_on"],
        )
    except DomainError as exc:
        _refused(request, exc)
    return redirect(_meeting_url(m, "actions"))


@login_required
@require_POST
def action_change(request: AuthedRequest, item_id: int) -> HttpResponse:
    item = permissions.action_item_for_user(request.user, item_id)
    form = ActionChangeForm(request.POST)
    back = request.POST.get("back")
    target = (
        _series_url(item.series, "actions")
        if back == "series"
        else reverse("conversations:meeting", args=[back]) + "#actions"
        if back and back.isdigit()
        else _series_url(item.series, "actions")
    )
    if not form.is_valid():
        _form_refused(request, form)
        return redirect(target)
    try:
        if form.cleaned_data["op"] == "done":
            services_meetings.action_item_complete(actor=request.user, item=item)
        else:
            services_meetings.action_item_reopen(actor=request.user, item=item)
    except DomainError as exc:
        _refused(request, exc)
    return redirect(target)
