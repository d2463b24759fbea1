"""Factories for tests of appeals: a released review (through the services, as people do), an appeal, many."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jixiao.core.testing.personas import Personas, make_employee
from jixiao.goals.testing import make_period
from jixiao.reviews import services as review_services
from jixiao.reviews.models import EvaluationKind, PhaseKind, Review
from jixiao.reviews.testing import advance_to, evaluation_of, full_answers, launch, make_cycle, submit

from . import services
from .models import Appeal

_seq = itertools.count(1)

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def stored_files(root: Path) -> list[Path]:
    """Every file under a storage folder (the tests' MEDIA)."""
    return [p for p in root.rglob("*") if p.is_file()]


def pdf(name: str = "evidence.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def released_review(
    personas: Personas, *, rating: str = "3", appeal_days: int = 14, appeal_sla_days: int = 10, **cycle: Any
) -> Review:
    """The employee's review of a cycle over sales, rated `rating` throughout by her manager, released today.

    With `skip_level=True` the skip-level manager approves it first (and is the review's skip-level manager).
    """
    admin = personas.admin
    made = make_cycle(
        admin,
        make_period(admin, name=f"FY-appeals-{next(_seq)}"),
        departments=(personas.sales,),
        appeal_days=appeal_days,
        appeal_sla_days=appeal_sla_days,
        **cycle,
    )
    launched = launch(admin, made)
    review = Review.objects.select_related("cycle").get(cycle=launched, reviewee=personas.employee)
    submit(personas.employee.user, review)
    launched = advance_to(admin, launched, PhaseKind.MANAGER)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    submit(personas.manager.user, review, EvaluationKind.MANAGER, **full_answers(review, rating=rating))
    if launched.skip_level:
        skip = evaluation_of(review, EvaluationKind.SKIP_LEVEL)
        review_services.review_skip_level_decide(
            actor=personas.skip.user, evaluation=skip, approve=True, comment="", version=skip.version
        )
    launched = advance_to(admin, launched, PhaseKind.RELEASE)
    review_services.reviews_release(actor=admin, cycle=launched)
    return reload_review(review.pk)


def reload_review(review_id: int) -> Review:
    """The review as the gate loads it (reviews.permissions.review_for_user)."""
    return Review.objects.select_related(
        "cycle__period", "reviewee__department", "reviewee__user", "manager", "skip_level", "department"
    ).get(pk=review_id)


def released_days_ago(review: Review, days: int) -> Review:
    """Move the review's release `days` back (whole days in the company's time zone)."""
    Review.objects.filter(pk=review.pk).update(released_at=timezone.now() - dt.timedelta(days=days))
    return reload_review(review.pk)


def file_appeal(
    personas: Personas, review: Review, *, reason: str = "我的客户满意度数据没有计入。", files: Sequence[Any] = ()
) -> Appeal:
    appeal = services.appeal_file(actor=personas.employee.user, review=review, reason=reason, files=files)
    return reload_appeal(appeal.pk)


def reload_appeal(appeal_id: int) -> Appeal:
    from .permissions import APPEAL_RELATED

    return Appeal.objects.select_related(*APPEAL_RELATED).get(pk=appeal_id)


def many_appeals(personas: Personas, review: Review, n: int, *, owner: Any = None) -> list[Appeal]:
    """`n` more appeals in the review's cycle, for people in the employee's team (rows written directly)."""
    cycle = review.cycle
    people = [make_employee(f"申诉人{next(_seq)}", personas.east, manager=personas.manager) for _ in range(n)]
    now = timezone.now()
    reviews = Review.objects.bulk_create(
        Review(
            cycle=cycle,
            reviewee=p,
            manager=personas.manager,
            skip_level=personas.skip,
            department=personas.east,
            state=Review.State.RELEASED,
            released_at=now,
            band="B",
            final_score=review.final_score,
            breakdown=review.breakdown,
        )
        for p in people
    )
    states = [Appeal.State.SUBMITTED, Appeal.State.UNDER_REVIEW, Appeal.State.UPHELD, Appeal.State.CHANGED]
    today = timezone.localdate()
    return Appeal.objects.bulk_create(
        Appeal(
            review=r,
            employee=r.reviewee,
            department=personas.east,
            reason="理由",
            owner=owner or personas.scoped_hr,
            state=states[i % len(states)],
            due_on=today + dt.timedelta(days=(i % 5) - 2),
            decided_at=now if states[i % len(states)] in (Appeal.State.UPHELD, Appeal.State.CHANGED) else None,
        )
        for i, r in enumerate(reviews)
    )
