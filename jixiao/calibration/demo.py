"""The demo company's calibration session (星辰科技), through the services, so audit log and notifications are real.

seed_demo calls `calibration_seed_demo` after the reviews demo, which leaves the sales unit's H2 review in its
calibration phase. HR opens a session over one sales region (not the demo `manager`'s own, which the browser
test calibrates), with the demo `manager` and the region's head at the table; three ratings have been moved
with reasons and most people's potential is rated, so the distribution chart, the 9-box, the bias panel and the
adjustments list all have something to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings

from jixiao.accounts.models import User
from jixiao.org.models import Department, Employee
from jixiao.reviews.demo import CALIBRATION_NAME, CALIBRATION_UNIT
from jixiao.reviews.models import Cycle, Review

from . import services
from .models import CalibrationSession, Member, Potential

SESSION_NAME = "销售部区域校准会"
# (from the top or the bottom of the group, steps, reason): what the room agreed on.
MOVES = (
    ("top", 1, "全年新签客户数排名区域第一，并带出两名新人，校准会一致认为应上调一档。"),
    ("bottom", 1, "第四季度两个重点项目延期交付，与同级别同事相比评分偏高，下调一档。"),
    ("top", 1, "主导的渠道合作带来约 30% 的新增收入，原评分未体现跨部门贡献。"),
)
POTENTIAL_SHARE = 0.75
QUIET = "django.core.mail.backends.dummy.EmailBackend"  # no email while seeding


@dataclass
class CalibrationSeedResult:
    sessions: int = 0
    members: int = 0
    moves: int = 0


def calibration_seed_demo(*, seed: int = 1) -> CalibrationSeedResult | None:
    """Open the demo session; None when there is nothing to calibrate or a session exists already."""
    cycle = Cycle.objects.filter(name=CALIBRATION_NAME[0], calibration=True).first()
    hr = User.objects.filter(username="hr").first()
    manager = User.objects.filter(username="manager").first()
    if cycle is None or hr is None or CalibrationSession.objects.exists():
        return None
    region = _region(manager)
    if region is None:
        return None
    rng = random.Random(seed * 104729 + 7)  # noqa: S311 - demo data, not secrets
    head = (
        Employee.objects.filter(pk=region.head_id).values_list("user_id", flat=True).first()
        if region.head_id is not None
        else None
    )
    seats = [pk for pk in (manager.pk if manager else None, head) if pk is not None]
    participants = list(User.objects.filter(pk__in=seats))
    result = CalibrationSeedResult()
    with override_settings(EMAIL_BACKEND=QUIET), transaction.atomic():
        opened = services.session_open(
            actor=hr,
            cycle=cycle,
            name=SESSION_NAME,
            scope=CalibrationSession.Scope.DEPARTMENT,
            department=region,
            participants=participants,
        )
        session = opened.session
        result.sessions, result.members = 1, opened.members
        members = list(
            Member.objects.filter(session=session, review__state=Review.State.READY)
            .select_related("session")
            .order_by("-review__final_score", "review_id")
        )
        # The demo manager speaks for the moves (she is not in this region, so none is her own rating).
        actor = manager or hr
        moved: set[int] = set()
        for end, steps, reason in MOVES:
            pool = members if end == "top" else list(reversed(members))
            candidates = [
                (m, _neighbour(cycle, m.original_band, up=end == "top", steps=steps)) for m in pool if m.pk not in moved
            ]
            member, band = next(((m, b) for m, b in candidates if b is not None), (None, None))
            if member is None or band is None:
                continue
            services.member_move(actor=actor, member=member, band=band, reason=reason)
            moved.add(member.pk)
            result.moves += 1
        for member in members:
            if rng.random() < POTENTIAL_SHARE:
                potential = rng.choices(Potential.values, weights=(2, 5, 3))[0]
                services.member_potential_set(actor=hr, member=member, potential=potential)
    return result


def _region(manager: User | None) -> Department | None:
    """The sales region with the most reviews in the cycle, other than the demo manager's own."""
    unit = Department.objects.filter(depth=1, name=CALIBRATION_UNIT).first()
    if unit is None:
        return None
    own = Employee.objects.filter(user=manager).values_list("department__path", flat=True).first() or "~"
    return (
        Department.objects.filter(depth=2, path__startswith=unit.path)
        .exclude(path=own)
        .annotate(people=Count("employees"))
        .order_by("-people", "pk")
        .first()
    )


def _neighbour(cycle: Cycle, band: str, *, up: bool, steps: int) -> str | None:
    """The band `steps` above (or below) `band` in the cycle's scale, None past either end."""
    codes = services.band_codes(cycle.snapshot)  # best first
    if band not in codes:
        return None
    index = codes.index(band) + (-steps if up else steps)
    return codes[index] if 0 <= index < len(codes) else None
