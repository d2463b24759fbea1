"""Pages of 1:1 meetings (decision 0010): my 1:1s with a colleague picker, and the 1:1 page.

Thin views: the gate first (permissions.one_on_one_for_user / meeting_for_user / agenda_item_for_user /
action_item_for_user: the two participants only, 404 for anyone else), one service call, then a redirect with
a message, or for the notes' autosave (htmx) the "Saved at hh:mm" status.
"""

from __future__ import annotations

from collections.abc import Callable
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

from . import permissions, selectors_feedback, selectors_meetings, services_meetings
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
from .views_common import attempt, flash_form_errors, has_employee, is_htmx, refusal_text


def _series_url(series: OneOnOne, anchor: str = "") -> str:
    return reverse("conversations:one_on_one", args=[series.pk]) + (f"#{anchor}" if anchor else "")


def _meeting_url(meeting: Meeting, anchor: str = "") -> str:
    """The series page when the meeting is its current one; the meeting's own page otherwise."""
    if meeting.state == Meeting.State.UPCOMING:
        return _series_url(meeting.series, anchor)
    return reverse("conversations:meeting", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


def _submit(
    request: AuthedRequest, form: Any, target: str, write: Callable[[dict[str, Any]], object], done: str = ""
) -> HttpResponse:
    """A posted form: bad input or the service's refusal becomes an error message; either way back to `target`."""
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        attempt(request, lambda: write(form.cleaned_data), done)
    return redirect(target)


# ---- my 1:1s ------------------------------------------------------------------------------------------


def _picker(request: AuthedRequest) -> dict[str, Any]:
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    candidates = selectors_feedback.people_search(user=request.user, query=query)
    return {"search": search, "query": query, "candidates": candidates, "start_form": StartForm()}


@login_required
def one_on_ones(request: AuthedRequest) -> HttpResponse:
    """My 1:1s: each series with its next meeting and open action items (archived ones on asking); start one."""
    if request.method == "POST":
        return _start(request)
    context = _picker(request)
    if is_htmx(request) and "q" in request.GET:
        return render(request, "conversations/meetings/_candidates.html", context)
    employee = has_employee(request)
    archived = request.GET.get("archived") == "1"
    rows = selectors_meetings.my_one_on_ones(request.user, archived=archived) if employee else []
    return render(
        request,
        "conversations/meetings/list.html",
        {**context, "rows": rows, "has_employee": employee, "show_archived": archived},
    )


def _start(request: AuthedRequest) -> HttpResponse:
    form = StartForm(request.POST)
    other = selectors_feedback.visible_colleague(request.user, form.cleaned_data["other"]) if form.is_valid() else None
    if other is None:
        messages.error(request, _("Pick a colleague from the search results."))
        return redirect("conversations:one_on_ones")
    asked_at = timezone.now()
    try:
        series = services_meetings.one_on_one_start(
            actor=request.user, other=other, cadence=form.cleaned_data["cadence"]
        )
    except DomainError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("conversations:one_on_ones")
    # One series per pair: starting again (from a profile, say) opens the one the two already have.
    if series.created_at >= asked_at:
        text = _("Your 1:1 with %(name)s is ready: add the first topics to the agenda.")
    else:
        text = _("You already have a 1:1 with %(name)s: here it is.")
    messages.success(request, text % {"name": other.name})
    return redirect(_series_url(series))


# ---- the 1:1 page -------------------------------------------------------------------------------------


def _render_page(request: AuthedRequest, series: OneOnOne, meeting: Meeting | None = None) -> HttpResponse:
    before = selectors_meetings.parse_cursor(request.GET.get("before"))
    page = selectors_meetings.one_on_one_page(user=request.user, series=series, meeting=meeting, before=before)
    if is_htmx(request) and "before" in request.GET:
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
        flash_form_errors(request, form)
    else:
        held_on = form.cleaned_data["held_on"]
        attempt(
            request,
            lambda: services_meetings.meeting_schedule(actor=request.user, series=series, held_on=held_on),
            _("The next meeting is on %(date)s.") % {"date": held_on.isoformat()},
        )
    return redirect(_series_url(series))


def _close_meeting(
    request: AuthedRequest, m: Meeting, close: Callable[..., Meeting | None], planned: str, unplanned: str
) -> HttpResponse:
    """Hold or cancel a meeting, then say when the next one is (`planned` takes the date) or that none is."""
    try:
        following = close(actor=request.user, meeting=m)
    except DomainError as exc:
        messages.error(request, refusal_text(exc))
        return redirect(_meeting_url(m))
    if following is not None:
        messages.success(request, planned % {"date": following.held_on.isoformat()})
    else:
        messages.success(request, unplanned)
    return redirect(_series_url(m.series))


@login_required
@require_POST
def complete(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    m = permissions.meeting_for_user(request.user, meeting_id, write=True)
    return _close_meeting(
        request,
        m,
        services_meetings.meeting_complete,
        _("Marked as held. The next meeting is on %(date)s; open action items carry over to it."),
        _("Marked as held. Choose the date of the next meeting when you know it."),
    )


@login_required
@require_POST
def cancel(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """Call off the upcoming meeting: its topics move to the next one, planned by the rhythm."""
    m = permissions.meeting_for_user(request.user, meeting_id, write=True)
    return _close_meeting(
        request,
        m,
        services_meetings.meeting_cancel,
        _("Meeting cancelled. The next one is on %(date)s; its topics moved there."),
        _("Meeting cancelled. Choose the date of the next meeting when you know it."),
    )


@login_required
@require_POST
def archive(request: AuthedRequest, series_id: int) -> HttpResponse:
    """Put the 1:1 away: it leaves the list (see "Show archived") and changes no more until restored."""
    series = permissions.one_on_one_for_user(request.user, series_id, write=True)
    done = _("1:1 archived. Find it under “Show archived” and restore it to meet again.")
    if attempt(request, lambda: services_meetings.one_on_one_archive(actor=request.user, series=series), done):
        return redirect("conversations:one_on_ones")
    return redirect(_series_url(series))


@login_required
@require_POST
def restore(request: AuthedRequest, series_id: int) -> HttpResponse:
    # The read gate: an archived series is refused to writes, and restoring is what opens it again.
    series = permissions.one_on_one_for_user(request.user, series_id)
    attempt(
        request,
        lambda: services_meetings.one_on_one_restore(actor=request.user, series=series),
        _("1:1 restored. Plan the next meeting when you are ready."),
    )
    return redirect(_series_url(series))


# ---- agenda -------------------------------------------------------------------------------------------


@login_required
@require_POST
def agenda_add(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    m = permissions.meeting_for_user(request.user, meeting_id, write=True)
    form = AgendaForm(request.POST)
    target = _meeting_url(m, "agenda")
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(target)
    data = form.cleaned_data
    objective = Objective.objects.filter(pk=data["objective"]).first() if data["objective"] else None
    feedback = Feedback.objects.filter(pk=data["feedback"]).first() if data["feedback"] else None
    if (data["objective"] and objective is None) or (data["feedback"] and feedback is None):
        messages.error(request, _("That link is not available any more."))
        return redirect(target)
    return _submit(
        request,
        form,
        target,
        lambda data: services_meetings.agenda_item_add(
            actor=request.user, meeting=m, text=data["text"], objective=objective, feedback=feedback
        ),
    )


@login_required
@require_POST
def agenda_change(request: AuthedRequest, item_id: int) -> HttpResponse:
    item = permissions.agenda_item_for_user(request.user, item_id)

    def change(data: dict[str, Any]) -> object:
        op = data["op"]
        if op == "remove":
            return services_meetings.agenda_item_remove(actor=request.user, item=item)
        if op in ("up", "down"):
            return services_meetings.agenda_item_move(actor=request.user, item=item, up=op == "up")
        return services_meetings.agenda_item_update(actor=request.user, item=item, discussed=op == "discussed")

    return _submit(request, AgendaChangeForm(request.POST), _meeting_url(item.meeting, "agenda"), change)


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
    if not is_htmx(request):
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
    return _submit(
        request,
        ActionForm(request.POST, people=people),
        _meeting_url(m, "actions"),
        lambda data: services_meetings.action_item_add(
            actor=request.user,
            meeting=m,
            owner=series.first if data["owner"] == series.first_id else series.second,
            text=data["text"],
            due_on=data["due_on"],
        ),
    )


@login_required
@require_POST
def action_change(request: AuthedRequest, item_id: int) -> HttpResponse:
    item = permissions.action_item_for_user(request.user, item_id)
    back = request.POST.get("back") or ""
    # Back to the past meeting it was ticked on, else to the series page ("series").
    target = (
        reverse("conversations:meeting", args=[back]) + "#actions"
        if back.isdigit()
        else _series_url(item.series, "actions")
    )
    return _submit(
        request,
        ActionChangeForm(request.POST),
        target,
        lambda data: (
            services_meetings.action_item_complete if data["op"] == "done" else services_meetings.action_item_reopen
        )(actor=request.user, item=item),
    )
