"""The one gate to calibration sessions (decision 0011): only a session's participants see it; 404 otherwise.

Not other HR, not admins: what was said about whom in a calibration meeting stays with the people in the room.
Facilitators (the HR who opened the session, and those she makes facilitators) also manage it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jixiao.audit.services import access_denied
from jixiao.core.parsing import parse_int

from .models import CalibrationSession, Member


def sessions_visible_to(user: Any) -> QuerySet[CalibrationSession]:
    """Sessions `user` sits in."""
    if not getattr(user, "is_authenticated", False):
        return CalibrationSession.objects.none()
    return CalibrationSession.objects.filter(participants__user=user)


def session_for_user(user: Any, session_id: object, *, facilitator: bool = False) -> CalibrationSession:
    """A session `user` sits in (facilitator: one she facilitates), with its cycle; 404 otherwise."""
    pk = parse_int(session_id)
    qs = sessions_visible_to(user)
    if facilitator and getattr(user, "is_authenticated", False):
        # One filter() call: both conditions on the same participant row.
        qs = CalibrationSession.objects.filter(participants__user=user, participants__facilitator=True)
    session = qs.filter(pk=pk).select_related("cycle", "department").first() if pk else None
    if session is None:
        raise access_denied(user, "calibration.calibrationsession", session_id, write=facilitator)
    return session


def can_open_session(user: Any) -> bool:
    """HR (in her scope) and admins open sessions; who sees one afterwards is its participants alone."""
    from jixiao.org.selectors import actor_context

    ctx = actor_context(user)
    return ctx.is_admin or ctx.is_hr


def member_for_user(user: Any, session_id: object, member_id: object) -> Member:
    """A member of a session `user` sits in, with the session and its cycle; 404 otherwise."""
    session = session_for_user(user, session_id)
    pk = parse_int(member_id)
    member = Member.objects.filter(session=session, pk=pk).first() if pk else None
    if member is None:
        raise access_denied(user, "calibration.member", member_id, write=True)
    member.session = session
    return member
