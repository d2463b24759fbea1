"""The demo company's appeals (星辰科技), through the services, so audit log, owners and notifications are real.

seed_demo calls `appeals_seed_demo` after the reviews demo, whose annual review was released today and left
some people disagreeing with their result. Four of them appeal: the one in the demo `manager`'s team has an
open appeal, taken up by its owner and answered by the manager; three others are decided — result upheld,
result changed (one band up, with the outcome the employee reads) and not accepted — so HR's list and the
report by department and outcome have something to show.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.test.utils import override_settings

from jixiao.accounts.models import User
from jixiao.calibration.services import band_codes
from jixiao.reviews.demo import CYCLE_NAME
from jixiao.reviews.models import Cycle, Review

from . import services
from .models import Appeal

OPEN_REASON = (
    "我负责的华东区续约项目因客户预算冻结推迟到明年一季度，考核中按未完成计算。"
    "附上客户的书面说明，希望按实际情况重新评估 KPI 部分。"
)
MANAGER_RESPONSE = "续约推迟属实，客户邮件可以佐证；但同期新客户拓展也低于目标，建议 HR 综合考虑。"
OTHER_REASONS = (
    "团队协作一项的评分没有考虑我在跨部门项目中承担的协调工作，希望复核。",
    "我的 KPI 数据有误：十一月的回款在系统里重复扣减了一次，实际达成率应为 96%。",
    "我认为今年的考核标准对新入职员工不公平。",
)
# (state, outcome the employee reads), in the order of OTHER_REASONS.
DECISIONS = (
    (Appeal.State.UPHELD, "经复核，协作评分已参考跨部门项目负责人的反馈，评分依据充分，维持原结果。"),
    (Appeal.State.CHANGED, "财务已确认十一月回款重复扣减，KPI 达成率更正为 96%，最终评级上调一档。"),
    (Appeal.State.REJECTED, "申诉需针对本人考核结果中的具体事实；对考核制度的意见请通过年度制度反馈渠道提出。"),
)


@dataclass
class AppealsSeedResult:
    appeals: int = 0
    open: int = 0


@contextmanager
def _quietly() -> Iterator[None]:
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        yield


def appeals_seed_demo() -> AppealsSeedResult | None:
    """File the demo appeals; None when there is no released annual review or appeals exist already."""
    cycle = Cycle.objects.filter(name=CYCLE_NAME[0]).first()
    if cycle is None or Appeal.objects.exists():
        return None
    disagreed = list(
        Review.objects.filter(cycle=cycle, state=Review.State.DISAGREED, reviewee__user__isnull=False)
        .select_related("cycle", "reviewee__user", "manager__user", "skip_level", "department")
        .order_by("pk")
    )
    if not disagreed:
        return None
    first = next((r for r in disagreed if r.manager and r.manager.user and r.manager.user.username == "manager"), None)
    others = [r for r in disagreed if r is not first][: len(OTHER_REASONS)]
    result = AppealsSeedResult()
    with _quietly(), transaction.atomic():
        if first is not None:
            appeal = services.appeal_file(actor=first.reviewee.user, review=first, reason=OPEN_REASON)
            if appeal.owner is not None:
                appeal = services.appeal_take_up(actor=appeal.owner, appeal=appeal)
            manager = first.manager.user if first.manager else None
            if manager is not None:
                services.appeal_respond(actor=manager, appeal=appeal, response=MANAGER_RESPONSE)
            result.appeals += 1
            result.open += 1
        for review, reason, (state, outcome) in zip(others, OTHER_REASONS, DECISIONS, strict=False):
            appeal = services.appeal_file(actor=review.reviewee.user, review=review, reason=reason)
            owner: User | None = appeal.owner
            if owner is None:
                continue
            appeal = services.appeal_take_up(actor=owner, appeal=appeal)
            band = None
            if state == Appeal.State.CHANGED:
                codes = band_codes(review.cycle.snapshot)  # best first
                index = codes.index(review.band) if review.band in codes else 0
                band = codes[max(index - 1, 0)]
                if band == review.band:
                    state, band = Appeal.State.UPHELD, None
            services.appeal_decide(actor=owner, appeal=appeal, outcome_state=state, outcome=outcome, band=band)
            result.appeals += 1
    return result
