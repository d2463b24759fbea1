"""Writes of calibration sessions (decision 0011): open, participants, guide, moves, potential, close.

Every service is keyword-only, atomic and audited, and refuses (writing nothing) with a translated message.
A review's rating changes only through `reviews.services_rating`; this app keeps its own history beside it
(an Adjustment per move, the band each member came in with), so the session's story and what the employee
reads agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.accounts.models import User
from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError, StaleWrite
from jixiao.core.notifications import Message, notify
from jixiao.org.models import Department, Employee, HRScope, Status
from jixiao.org.selectors import actor_context
from jixiao.reviews import breakdown as bd
from jixiao.reviews.models import PHASE_ORDER, Cycle, PhaseKind, Review
from jixiao.reviews.services_rating import review_result_change, reviews_calibration_hold

from . import distribution
from .models import DEFAULT_GUIDE, Adjustment, CalibrationSession, Member, Participant, Potential

S = Review.State
Scope = CalibrationSession.Scope
# Reviews a session takes in: not yet released (a late review is calibrated once it is ready).
TAKEN_STATES: tuple[str, ...] = (S.SELF_REVIEW, S.MANAGER_REVIEW, S.SKIP_LEVEL, S.READY)
MAX_NAME = 100
MAX_LEVELS = 50


# ---- small helpers -------------------------------------------------------------------------------------


band_codes = bd.band_codes  # the cycle's band codes, best first


def cycle_label(cycle: Cycle) -> str:
    from jixiao.reviews.selectors_pages import cycle_name

    return cycle_name(cycle)


def _user_id(user: Any) -> int:
    return int(getattr(user, "pk", user))


def _invalid(message: str, fields: dict[str, list[str]] | None = None, code: str = "invalid") -> DomainError:
    return DomainError(message, code=code, fields=fields or {})


def _require_open(session: CalibrationSession) -> None:
    if session.state != CalibrationSession.State.OPEN:
        raise _invalid(_("This session is closed; nothing in it can change."), code="illegal_transition")


def _seat(actor: Any, session: CalibrationSession) -> Participant:
    """The actor's seat in the session; a DomainError for anyone else (the gate already answered 404)."""
    seat = Participant.objects.filter(session=session, user_id=int(getattr(actor, "pk", 0) or 0)).first()
    if seat is None:
        raise _invalid(_("Only the session's participants can do this."), code="forbidden")
    return seat


def _require_facilitator(actor: Any, session: CalibrationSession) -> None:
    if not _seat(actor, session).facilitator:
        raise _invalid(_("Only a facilitator of the session can do this."), code="forbidden")


def _scope_path(session: CalibrationSession) -> str:
    return session.department.path if session.department_id and session.department else ""


def _clean_guide(guide: Mapping[str, object], codes: Sequence[str]) -> dict[str, int]:
    problems = distribution.guide_problems(guide, codes)
    if problems:
        messages = {
            "required": _("Give a percent."),
            "not_a_percent": _("A whole number from 0 to 100."),
            "unknown_band": _("Not one of the cycle's ratings."),
        }
        fields = {f"guide_{key}": [messages[code]] for key, code in problems.items() if code in messages}
        if "total" in problems:
            total = sum(int(str(guide.get(code) or 0)) for code in codes)
            fields["guide"] = [_("The percentages add up to %(total)s; they must make 100.") % {"total": total}]
        raise _invalid(_("The guide must give each rating a percent, 100 in all."), fields)
    return {code: int(str(guide[code]).strip()) for code in codes}


def _check_participants(user_ids: Iterable[int]) -> dict[str, list[str]]:
    """Participants are managers and HR (or admins) with an active account; problems keyed "participants"."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = (
        User.objects.filter(pk__in=ids, is_active=True)
        .annotate(
            hr=Exists(HRScope.objects.filter(user=OuterRef("pk"))),
            manager=Exists(
                Employee.objects.filter(manager__user=OuterRef("pk"), manager__status__in=[Status.ACTIVE]).exclude(
                    status=Status.LEFT
                )
            ),
        )
        .values_list("pk", "is_superuser", "hr", "manager")
    )
    allowed = {pk for pk, admin, hr, manager in rows if admin or hr or manager}
    if allowed != set(ids):
        return {"participants": [_("Participants are managers and HR with an active account.")]}
    return {}


def _tell(users: Iterable[Any], session: CalibrationSession, title: str, body: str, url: str = "") -> None:
    target = url or reverse("calibration:session", args=[session.pk])

    def render(_user: Any) -> Message:
        return Message(title=title % {"name": session.name}, body=body % {"name": session.name}, url=target)

    notify(users, render)


# ---- opening a session ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TakenReview:
    """A review of the group that already sits in another session (reported, not moved)."""

    review_id: int
    reviewee: str
    session: str


@dataclass(frozen=True)
class Opened:
    session: CalibrationSession
    members: int
    taken: list[TakenReview]


def _phase_over(cycle: Cycle) -> bool:
    return bool(cycle.phase) and PHASE_ORDER.index(cycle.phase) > PHASE_ORDER.index(PhaseKind.CALIBRATION)


def _group(
    actor: Any,
    cycle: Cycle,
    scope: str,
    department: Department | None,
    levels: Sequence[str],
    review_ids: Sequence[int],
    errors: dict[str, list[str]],
) -> tuple[Q, list[str]]:
    """The condition on the cycle's reviews for the group, and its job levels cleaned; errors filled in."""
    ctx = actor_context(actor)
    in_scope = Q()
    if not ctx.is_admin:
        in_scope = Q(pk__in=[])
        for path in ctx.hr_paths:
            in_scope |= Q(department__path__startswith=path)
    clean_levels = sorted({str(level).strip() for level in levels if str(level).strip()})
    if scope == Scope.DEPARTMENT:
        if department is None:
            errors["department"] = [_("Pick a department.")]
        elif not ctx.in_hr_scope(department.path):
            errors["department"] = [_("Pick a department within your HR scope.")]
        else:
            return Q(department__path__startswith=department.path) & in_scope, []
    elif scope == Scope.LEVELS:
        if not clean_levels:
            errors["levels"] = [_("Pick at least one job level.")]
        elif len(clean_levels) > MAX_LEVELS:
            errors["levels"] = [_("Too many job levels.")]
        else:
            return Q(reviewee__job_level__in=clean_levels) & in_scope, clean_levels
    elif scope == Scope.PICKED:
        if not review_ids:
            errors["reviews"] = [_("Pick the people to calibrate.")]
        else:
            return Q(pk__in=sorted(set(review_ids))) & in_scope, []
    else:
        errors["scope"] = [_("Choose how to make up the group.")]
    return Q(pk__in=[]), clean_levels


@transaction.atomic
def session_open(
    *,
    actor: Any,
    cycle: Cycle,
    name: str,
    scope: str,
    department: Department | None = None,
    levels: Sequence[str] = (),
    review_ids: Sequence[int] = (),
    participants: Sequence[Any] = (),
    guide: Mapping[str, object] | None = None,
) -> Opened:
    """Open a session over a group of the cycle's reviews; the opener facilitates it.

    The group's reviews that sit in no other session become members (one insert) and are held back from
    release until the session closes; those already in one are reported back. A group with no review is
    refused, and so is everything else that is wrong, writing nothing.
    """
    ctx = actor_context(actor)
    if not (ctx.is_admin or ctx.is_hr):
        raise _invalid(_("Only HR can open a calibration session."), code="forbidden")
    if not cycle.calibration:
        raise _invalid(
            _("This cycle has no calibration phase."),
            {"cycle": [_("Pick a cycle with calibration.")]},
            code="illegal_transition",
        )
    if cycle.state != Cycle.State.ACTIVE or _phase_over(cycle):
        raise _invalid(
            _("Sessions open while the cycle is in progress, until its calibration phase ends."),
            {"cycle": [_("This cycle is not open for calibration.")]},
            code="illegal_transition",
        )
    errors: dict[str, list[str]] = {}
    title = (name or "").strip()
    if not title:
        errors["name"] = [_("Give the session a name.")]
    elif len(title) > MAX_NAME:
        errors["name"] = [_("Too long (at most %(max)s characters).") % {"max": MAX_NAME}]
    elif CalibrationSession.objects.filter(cycle=cycle, name=title).exists():
        errors["name"] = [_("Another session of this cycle has this name.")]
    group, clean_levels = _group(actor, cycle, scope, department, levels, review_ids, errors)
    codes = band_codes(cycle.snapshot)
    try:
        clean = _clean_guide(guide, codes) if guide is not None else distribution.default_guide(codes, DEFAULT_GUIDE)
    except DomainError as exc:
        errors.update(exc.fields)
    others = {_user_id(u) for u in participants} - {actor.pk}
    errors.update(_check_participants(others))
    if errors:
        raise _invalid(_("Please correct the errors below."), errors)
    matching = Review.objects.filter(group, cycle=cycle, state__in=TAKEN_STATES)
    rows = list(matching.values_list("pk", "band"))
    if scope == Scope.PICKED and len(rows) != len(set(review_ids)):
        raise _invalid(
            _("Please correct the errors below."),
            {
                "reviews": [
                    _("Some of the people picked are not in this cycle, already released, or outside your scope.")
                ]
            },
        )
    taken = [
        TakenReview(review_id, reviewee, session_name)
        for review_id, reviewee, session_name in Member.objects.filter(review__in=matching.values("pk"))
        .order_by("review__reviewee__name", "review_id")
        .values_list("review_id", "review__reviewee__name", "session__name")
    ]
    taken_ids = {t.review_id for t in taken}
    free = [(pk, band) for pk, band in rows if pk not in taken_ids]
    if not free:
        message = (
            _("Everyone in this group already sits in another session.")
            if taken
            else _("No review of this cycle matches this group (released reviews are not calibrated).")
        )
        raise _invalid(message, {"scope": [message]}, code="empty")
    session = CalibrationSession.objects.create(
        cycle=cycle,
        name=title,
        scope=scope,
        department=department if scope == Scope.DEPARTMENT else None,
        levels=clean_levels if scope == Scope.LEVELS else [],
        guide=clean,
        created_by=actor,
    )
    Participant.objects.bulk_create(
        [Participant(session=session, user_id=actor.pk, facilitator=True)]
        + [Participant(session=session, user_id=pk) for pk in sorted(others)]
    )
    try:
        with transaction.atomic():
            Member.objects.bulk_create(
                [Member(session=session, review_id=pk, original_band=band) for pk, band in free], batch_size=1000
            )
    except IntegrityError:
        # Another session took some of these reviews at the same moment: nothing of this one is kept.
        raise _invalid(_("Another session took some of these people just now. Try again."), code="conflict") from None
    reviews_calibration_hold(review_ids=[pk for pk, _b in free], hold=True)
    record_event(
        actor=actor,
        action="calibration.session_open",
        target=session,
        scope_path=_scope_path(session),
        after={
            "cycle": cycle.pk,
            "scope": scope,
            "department": department.pk if department and scope == Scope.DEPARTMENT else None,
            "levels": session.levels,
            "members": len(free),
            "already_in_a_session": len(taken),
            "participants": sorted(others),
            "guide": clean,
        },
    )
    if others:
        _tell(
            User.objects.filter(pk__in=sorted(others)),
            session,
            _("You are a participant of the calibration session “%(name)s”"),
            _("Open the session to see the group's ratings against the guide and move ratings with a reason."),
        )
    return Opened(session, len(free), taken)


# ---- participants and guide ----------------------------------------------------------------------------


@transaction.atomic
def session_participants_set(
    *, actor: Any, session: CalibrationSession, participants: Sequence[Any], facilitators: Sequence[Any] = ()
) -> CalibrationSession:
    """Set who sits in the session and who facilitates it; the facilitator making the change stays one."""
    _require_facilitator(actor, session)
    _require_open(session)
    wanted = {_user_id(u) for u in participants} | {_user_id(u) for u in facilitators} | {actor.pk}
    leading = {_user_id(u) for u in facilitators} | {actor.pk}
    errors = _check_participants(wanted - {actor.pk})
    if errors:
        raise _invalid(_("Please correct the errors below."), errors)
    current = dict(Participant.objects.filter(session=session).values_list("user_id", "facilitator"))
    removed = set(current) - wanted
    added = wanted - set(current)
    Participant.objects.filter(session=session, user_id__in=sorted(removed)).delete()
    Participant.objects.filter(session=session, user_id__in=sorted(wanted & set(current))).update(
        facilitator=Case(When(user_id__in=sorted(leading), then=Value(True)), default=Value(False))
    )
    Participant.objects.bulk_create(
        [Participant(session=session, user_id=pk, facilitator=pk in leading) for pk in sorted(added)]
    )
    after = {pk: pk in leading for pk in wanted}
    if after != current:
        record_event(
            actor=actor,
            action="calibration.participants",
            target=session,
            scope_path=_scope_path(session),
            before={"participants": sorted(current), "facilitators": sorted(k for k, v in current.items() if v)},
            after={"participants": sorted(wanted), "facilitators": sorted(leading)},
        )
    if added:
        _tell(
            User.objects.filter(pk__in=sorted(added)),
            session,
            _("You are a participant of the calibration session “%(name)s”"),
            _("Open the session to see the group's ratings against the guide and move ratings with a reason."),
        )
    return session


BIAS_THRESHOLD_RANGE = (Decimal("0.10"), Decimal("2.00"))


@transaction.atomic
def session_guide_update(
    *,
    actor: Any,
    session: CalibrationSession,
    guide: Mapping[str, object],
    version: int,
    bias_threshold: Decimal | None = None,
) -> CalibrationSession:
    """Change the distribution guide (a whole percent per band of the cycle's scale, 100 in all) and, when given,
    how far a rater's average may stray from the others' before the bias panel flags her (0.10–2.00 points)."""
    _require_facilitator(actor, session)
    _require_open(session)
    clean = _clean_guide(guide, band_codes(session.cycle.snapshot))
    threshold = session.bias_threshold if bias_threshold is None else bias_threshold
    low, high = BIAS_THRESHOLD_RANGE
    if not low <= Decimal(threshold) <= high:
        message = _("Between %(low)s and %(high)s.") % {"low": low, "high": high}
        raise _invalid(_("Please correct the errors below."), {"bias_threshold": [message]})
    before = {"guide": dict(session.guide), "bias_threshold": str(session.bias_threshold)}
    if not CalibrationSession.objects.filter(pk=session.pk, version=version).update(
        guide=clean, bias_threshold=threshold, version=F("version") + 1
    ):
        raise StaleWrite(_("Someone else changed this session since you opened it. Reload to see their changes."))
    session.guide, session.bias_threshold = clean, threshold
    session.version += 1
    record_event(
        actor=actor,
        action="calibration.guide",
        target=session,
        scope_path=_scope_path(session),
        before=before,
        after={"guide": clean, "bias_threshold": str(threshold)},
    )
    return session


# ---- moving a rating, rating potential ------------------------------------------------------------------


def _require_calibration_phase(cycle: Cycle) -> None:
    if cycle.state != Cycle.State.ACTIVE or cycle.phase != PhaseKind.CALIBRATION:
        raise _invalid(_("Ratings move only while the cycle is in its calibration phase."), code="illegal_transition")


@transaction.atomic
def member_move(*, actor: Any, member: Member, band: str, reason: str, seen_band: str | None = None) -> Adjustment:
    """Move a member's rating to `band` with the reason the employee will read; the original stays on record.

    Any participant, while the session is open and the cycle in its calibration phase, for a review that is
    ready (submitted and approved). Moving back to the score's own band unpins it. `seen_band` is the band the
    mover saw: if someone moved her meanwhile, the move is refused rather than silently stacked.
    """
    session = member.session
    _seat(actor, session)
    _require_open(session)
    cycle = Cycle.objects.get(pk=session.cycle_id)
    _require_calibration_phase(cycle)
    text = (reason or "").strip()
    if not text:
        raise _invalid(_("Say why the rating changes."), {"reason": [_("Required.")]})
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("cycle", "department", "reviewee")
        .get(pk=member.review_id)
    )
    if review.reviewee.user_id is not None and review.reviewee.user_id == getattr(actor, "pk", None):
        raise _invalid(_("You cannot move your own rating."), code="forbidden")
    if review.state != S.READY:
        raise _invalid(
            _("Only a review that is submitted and approved can be calibrated (this one is at “%(state)s”).")
            % {"state": review.get_state_display()},
            code="illegal_transition",
        )
    codes = band_codes(review.cycle.snapshot)
    if band not in codes:
        raise _invalid(_("Not one of the cycle's ratings."), {"band": [_("Pick a rating.")]})
    if seen_band is not None and seen_band != review.band:
        raise StaleWrite(_("Someone moved this rating since you opened the page. Reload to see it."))
    if band == review.band:
        raise _invalid(_("She already has this rating."), {"band": [_("Pick a different rating.")]})
    from_band = review.band
    review_result_change(actor=actor, review=review, reason=text, source=Review.OverrideSource.CALIBRATION, band=band)
    adjustment = Adjustment.objects.create(
        session=session,
        review=review,
        from_band=from_band,
        to_band=review.band,
        reason=text,
        kind=Adjustment.Kind.MANUAL,
        actor=actor,
    )
    record_event(
        actor=actor,
        action="calibration.move",
        target=session,
        scope_path=_scope_path(session),
        before={"review": review.pk, "band": from_band},
        after={"review": review.pk, "band": review.band, "reason": text},
    )
    return adjustment


@transaction.atomic
def member_potential_set(*, actor: Any, member: Member, potential: str) -> Member:
    """Rate a member's potential (low, medium, high; blank clears it): the 9-box's second axis."""
    session = member.session
    _seat(actor, session)
    _require_open(session)
    if potential not in {"", *Potential.values}:
        raise _invalid(_("Pick low, medium or high."), {"potential": [_("Pick low, medium or high.")]})
    before = Member.objects.filter(pk=member.pk).values_list("potential", flat=True).first() or ""
    if before == potential:
        member.potential = potential
        return member
    Member.objects.filter(pk=member.pk).update(potential=potential)
    member.potential = potential
    record_event(
        actor=actor,
        action="calibration.potential",
        target=session,
        scope_path=_scope_path(session),
        before={"review": member.review_id, "potential": before},
        after={"review": member.review_id, "potential": potential},
    )
    return member


# ---- closing -------------------------------------------------------------------------------------------


def session_summary(session: CalibrationSession) -> dict[str, Any]:
    """Members, changed, up, down and bands before/after, as the session stands (stored when it closes).

    "Before" is the band a member came in with, or for a review not yet scored then, the band of its score.
    """
    codes = band_codes(session.cycle.snapshot)
    rows = (
        Member.objects.filter(session=session)
        .annotate(score_band=KeyTextTransform("band", "review__breakdown"))
        .order_by()
        .values_list("original_band", "score_band", "review__band")
    )
    pairs = [(original or score_band or "", current or "") for original, score_band, current in rows]
    return distribution.summary(pairs, codes)


@transaction.atomic
def session_close(*, actor: Any, session: CalibrationSession, version: int) -> CalibrationSession:
    """Close the session: its ratings stand and flow into release, holds are lifted, participants are told.

    A closed session is read-only and is not reopened; after release only an appeal changes a result.
    """
    _require_facilitator(actor, session)
    _require_open(session)
    summary = session_summary(session)
    now = timezone.now()
    if not CalibrationSession.objects.filter(
        pk=session.pk, version=version, state=CalibrationSession.State.OPEN
    ).update(
        state=CalibrationSession.State.CLOSED,
        closed_at=now,
        closed_by=actor,
        summary=summary,
        version=F("version") + 1,
    ):
        raise StaleWrite(_("Someone else changed this session since you opened it. Reload to see their changes."))
    review_ids = list(Member.objects.filter(session=session).order_by().values_list("review_id", flat=True))
    reviews_calibration_hold(review_ids=review_ids, hold=False)
    session.refresh_from_db()
    record_event(
        actor=actor,
        action="calibration.session_close",
        target=session,
        scope_path=_scope_path(session),
        before={"state": CalibrationSession.State.OPEN},
        after={"state": CalibrationSession.State.CLOSED, **summary},
    )
    others = Participant.objects.filter(session=session).exclude(user_id=actor.pk).values_list("user_id", flat=True)
    _tell(
        User.objects.filter(pk__in=list(others)),
        session,
        _("The calibration session “%(name)s” is closed"),
        _("Its ratings stand and go out with the release. Open the summary to see what changed."),
        url=reverse("calibration:session_summary", args=[session.pk]),
    )
    return session
