"""The demo company's review configuration and its annual review in progress (星辰科技), through the services.

seed_demo calls `reviews_seed_demo` right after the goals demo. It writes, as HR would, with the real
services so that the audit log, the notifications and the scores are the product's own:

- competencies with BARS anchors in Chinese and English — the five company values (the goals demo seeds
  them) and five job competencies — and one competency model per job family (销售, 客服, 生产, 研发, 职能)
  plus a catch-all; every employee's job family is set from her business unit;
- the template 年度绩效考核模板: KPIs 40 / goals 30 / competencies 30 (by job family), open questions,
  self-rating weight 20%;
- the cycle "2026 年度绩效考核" over this year, launched company-wide with skip-level approval and taken
  through its phases up to **release**, leaving reviews in every state: self review not started or in
  draft, manager review, skip-level approval, ready (生产部 is not released yet, so HR has a release to
  do), released, acknowledged and disagreed. The demo `employee` and `manager` both have a released
  result to read and acknowledge; the manager's team shows every state, with one disagreement to read;
- a draft cycle "2027 上半年绩效考核" for HR to launch, which then walks the self and manager reviews.

Per-review writes (evaluation_save, the skip-level decision, acknowledge) cost a few milliseconds each, so
at most STORY_REVIEWS reviews go through them — all of them in the 300-person demo, the demo users' teams
first at any size; the rest of a larger company stays in self review (not started), which keeps
`seed_demo --employees 10000` within seconds. Emails are not sent while seeding.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError
from jixiao.goals.models import CompanyValue, Period
from jixiao.org.models import Department, Employee, Status

from . import breakdown as bd
from . import services
from .models import Competency, Cycle, Evaluation, EvaluationKind, PhaseKind, Review, SectionKind
from .services_config import (
    AnchorInput,
    ModelItemInput,
    QuestionInput,
    SectionInput,
    competency_model_save,
    competency_save,
    default_scale,
    review_template_save,
)

STORY_REVIEWS = 300
CYCLE_NAME = ("2026 年度绩效考核", "2026 annual review")
DRAFT_NAME = ("2027 上半年绩效考核", "H1 2027 review")
# The business unit that HR has not released yet: its finished reviews wait in "ready".
UNRELEASED_UNIT = "生产部"

# ---- competencies (BARS: what the behaviour looks like at levels 1 … 5) ---------------------------

# (zh name, en name, zh description, en description, anchors 1..5 as (zh, en)); values carry their value's name.
VALUE_ANCHORS: dict[str, tuple[tuple[str, str], ...]] = {
    "客户第一": (
        (
            "只关注手头任务，客户的问题常被推诿或拖延。",
            "Looks only at the task at hand; customer problems get passed on or left waiting.",
        ),
        ("能回应客户的明确要求，但很少主动跟进。", "Answers what customers ask for, but rarely follows up."),
        (
            "及时回应客户，站在客户角度解决问题并跟进到底。",
            "Responds promptly, solves problems from the customer's side and follows through.",
        ),
        (
            "主动发现客户未说出的需求，推动团队改进产品或服务。",
            "Spots needs customers have not voiced and gets the team to improve for them.",
        ),
        (
            "以客户成功定义自己的成功，带动跨部门为客户创造超预期价值。",
            "Measures own success by the customer's; rallies other teams to exceed what customers hoped for.",
        ),
    ),
    "诚信正直": (
        ("有隐瞒问题或不实汇报的情况。", "Has hidden problems or reported things that were not so."),
        ("基本如实汇报，但遇到压力时会回避坏消息。", "Mostly reports truthfully, but avoids bad news under pressure."),
        (
            "说到做到，如实汇报进展和风险，遵守规则。",
            "Keeps promises, reports progress and risks as they are, follows the rules.",
        ),
        (
            "主动暴露问题并承担责任，在利益冲突时坚持原则。",
            "Raises problems early and owns them; holds to principle when interests conflict.",
        ),
        (
            "以身作则，营造坦诚透明的团队氛围，敢于纠正不当行为。",
            "Sets the example, builds an open and honest team, and speaks up against misconduct.",
        ),
    ),
    "团队协作": (
        ("各自为战，不愿分享信息或配合他人。", "Works alone; keeps information back and rarely helps others."),
        ("在被要求时配合他人，但缺少主动。", "Helps when asked, but seldom on their own initiative."),
        (
            "主动分享信息，按时完成协作任务，尊重不同意见。",
            "Shares information, delivers their part on time and respects other views.",
        ),
        (
            "在团队遇到困难时主动补位，推动跨团队合作。",
            "Steps in when the team is stretched and makes cross-team work happen.",
        ),
        (
            "打破部门壁垒，建立长期合作机制，让整体绩效提升。",
            "Breaks down silos and builds lasting ways of working that lift the whole organisation.",
        ),
    ),
    "持续创新": (
        ("习惯沿用老办法，对新方法持抵触态度。", "Sticks to old ways and resists new ones."),
        ("愿意尝试他人提出的改进，但很少自己提出。", "Tries improvements others suggest, rarely proposes any."),
        (
            "在本职工作中提出并落实改进，从失败中总结经验。",
            "Proposes and carries out improvements in their own work and learns from what fails.",
        ),
        (
            "引入新方法或工具，显著提升团队效率或质量。",
            "Brings in new methods or tools that clearly raise the team's speed or quality.",
        ),
        ("推动突破性创新，形成可推广的新模式。", "Drives breakthroughs that become a model others adopt."),
    ),
    "追求卓越": (
        ("工作质量经常不达标，需要返工。", "Work often falls short and has to be redone."),
        ("工作基本达标，但满足于“差不多”。", "Work is mostly acceptable but settles for “good enough”."),
        ("对质量和结果有明确标准，按标准交付。", "Holds clear standards for quality and results and delivers to them."),
        ("主动设定更高目标，持续复盘改进。", "Sets higher goals on their own and keeps reviewing and improving."),
        ("树立行业标杆，带动团队把高标准变成习惯。", "Sets the benchmark and makes high standards the team's habit."),
    ),
}
# Used when the company's values are named otherwise (the goals demo seeds these five).
VALUE_NAMES_EN = {
    "客户第一": "Customer first",
    "诚信正直": "Integrity",
    "团队协作": "Teamwork",
    "持续创新": "Innovation",
    "追求卓越": "Excellence",
}
JOB_COMPETENCIES: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "客户导向",
        "Customer focus",
        "理解并满足客户需求，维护长期客户关系。",
        "Understands and meets customer needs; builds lasting relationships.",
        (
            ("不了解客户需求，沟通被动。", "Does not know what customers need; communicates only when pushed."),
            ("了解主要客户的基本需求，按要求提供服务。", "Knows main customers' basic needs and serves them as asked."),
            (
                "深入了解客户业务，提供切合需求的方案，客户反馈良好。",
                "Knows the customer's business, offers fitting solutions, gets good feedback.",
            ),
            (
                "预判客户需求，提出超出预期的方案，客户主动推荐。",
                "Anticipates needs and proposes more than expected; customers recommend them.",
            ),
            (
                "成为客户的长期顾问，带动重点客户持续增长。",
                "Becomes a trusted adviser and grows key accounts year after year.",
            ),
        ),
    ),
    (
        "专业能力",
        "Professional expertise",
        "掌握岗位所需的知识和技能，并持续提升。",
        "Masters the knowledge and skills of the role and keeps growing them.",
        (
            ("岗位基本技能不足，需要大量指导。", "Lacks the basics of the role and needs a lot of guidance."),
            ("掌握基本技能，复杂问题需要他人帮助。", "Has the basics; needs help with harder problems."),
            (
                "独立胜任本岗位工作，能解决常见的复杂问题。",
                "Handles the role independently, including common hard problems.",
            ),
            (
                "是团队内的专家，能指导他人并解决疑难问题。",
                "Is the team's expert, coaches others and solves the toughest cases.",
            ),
            (
                "在公司内外具有专业影响力，推动专业体系建设。",
                "Is recognised inside and outside the company and shapes how the discipline works.",
            ),
        ),
    ),
    (
        "执行力",
        "Execution",
        "把计划变成结果：按时、按质、按量完成。",
        "Turns plans into results: on time, to standard, in full.",
        (
            ("经常延误或遗漏任务，需要反复督促。", "Often misses deadlines or tasks and needs chasing."),
            ("多数任务能完成，但时有延误。", "Completes most tasks, with occasional delays."),
            ("按计划完成任务，遇到问题及时反馈并调整。", "Delivers to plan and raises problems early to adjust."),
            (
                "在资源紧张时仍能高质量交付，并推动他人按时完成。",
                "Delivers well even when stretched and helps others deliver on time.",
            ),
            (
                "在高难度目标下持续交付突出成果，是团队的标杆。",
                "Keeps delivering outstanding results on hard goals; the team's benchmark.",
            ),
        ),
    ),
    (
        "问题解决",
        "Problem solving",
        "找到问题的根本原因并有效解决。",
        "Finds the root cause of problems and fixes it for good.",
        (
            ("遇到问题时等待他人解决。", "Waits for others to solve problems."),
            ("能处理常见问题，但多停留在表面。", "Handles common problems, mostly on the surface."),
            ("分析根本原因，提出并落实有效的解决方案。", "Finds root causes and carries out solutions that work."),
            (
                "解决跨领域的复杂问题，并建立预防机制。",
                "Solves complex cross-area problems and puts prevention in place.",
            ),
            (
                "解决长期悬而未决的系统性难题，方法被广泛借鉴。",
                "Cracks long-standing systemic problems with methods others adopt.",
            ),
        ),
    ),
    (
        "质量意识",
        "Quality mindset",
        "把质量放在首位，遵守标准并持续改进。",
        "Puts quality first, follows standards and keeps improving them.",
        (
            ("经常违反操作规范，造成质量问题。", "Often breaks procedures and causes quality problems."),
            ("基本遵守规范，偶有疏忽。", "Mostly follows procedures, with occasional slips."),
            (
                "严格执行标准，及时发现并报告质量隐患。",
                "Follows standards strictly and reports quality risks promptly.",
            ),
            ("主动改进工艺或流程，降低缺陷率。", "Improves processes on their own and lowers the defect rate."),
            (
                "推动质量体系建设，带动团队实现零缺陷目标。",
                "Builds the quality system and leads the team to zero defects.",
            ),
        ),
    ),
)

# Job family per business unit (org.demo.UNITS) and the competencies its model rates, in order.
FAMILY_OF_UNIT = {
    "销售部": "销售",
    "客户服务部": "客服",
    "生产部": "生产",
    "研发部": "研发",
    "财务部": "职能",
    "人力资源部": "职能",
}
MODELS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("销售能力模型", "Sales competency model", "销售", ("客户导向", "执行力", "专业能力", "客户第一", "团队协作")),
    (
        "客服能力模型",
        "Customer service competency model",
        "客服",
        ("客户导向", "问题解决", "专业能力", "客户第一", "诚信正直"),
    ),
    ("生产能力模型", "Production competency model", "生产", ("质量意识", "执行力", "专业能力", "追求卓越", "团队协作")),
    ("研发能力模型", "R&D competency model", "研发", ("专业能力", "问题解决", "持续创新", "追求卓越", "团队协作")),
    (
        "职能能力模型",
        "Corporate functions competency model",
        "职能",
        ("专业能力", "执行力", "诚信正直", "团队协作", "客户第一"),
    ),
    ("通用能力模型", "Company values", "", ("客户第一", "诚信正直", "团队协作", "持续创新", "追求卓越")),
)
QUESTIONS = (
    ("本期你最重要的三项成绩是什么？", "What were your three most important achievements this period?", True),
    (
        "下一期你希望提升哪些能力？需要什么支持？",
        "Which skills do you want to grow next period, and what support do you need?",
        True,
    ),
    ("对团队或公司有什么建议？", "Any suggestions for the team or the company?", False),
)

# ---- what people write --------------------------------------------------------------------------

ACHIEVEMENTS = (
    "完成了年度重点项目的交付，客户验收一次通过。",
    "带领小组优化流程，处理时效提升了约 20%。",
    "新开拓了两家重点客户，回款按计划完成。",
    "牵头解决了长期存在的质量问题，返工率明显下降。",
    "主动承担新人带教，三名新同事按期转正。",
    "推动系统上线，团队的数据统计从手工变为自动。",
    "在人手紧张的情况下保证了旺季的服务质量。",
)
GROWTH = (
    "希望提升数据分析能力，需要参加相关培训。",
    "希望加强跨部门沟通，希望有机会参与跨部门项目。",
    "希望提升项目管理能力，需要上级更多的辅导。",
    "希望在专业深度上继续积累，争取获得行业认证。",
    "希望锻炼带团队的能力，承担小组长的职责。",
)
SUGGESTIONS = ("建议优化审批流程，减少重复填报。", "希望增加团队内部的经验分享。", "")
# The manager answers the same questions about her report (the template asks every rater).
MANAGER_ACHIEVEMENTS = (
    "同意自评中的主要成绩，其中重点项目的交付尤其突出。",
    "全年稳定完成指标，旺季顶住了压力。",
    "在流程改进和新人带教上贡献明显。",
)
MANAGER_GROWTH = (
    "建议重点提升数据分析能力，明年安排相关培训。",
    "建议多参与跨部门项目，锻炼沟通协调能力。",
    "可以开始承担小组长职责，我会每月和他做一次辅导。",
)
SELF_OVERALL = (
    "总体完成了年初设定的目标，也看到了自己的不足，明年会继续努力。",
    "今年挑战很多，我在压力下保持了稳定的交付，也学到了很多。",
    "部分目标没有完全达成，原因和改进计划已在上面说明。",
)
# The manager's overall comment by the level of her ratings (1 … 5).
MANAGER_OVERALL = {
    1: "本期多项目标未达成，工作质量需要明显提升，我们会一起制定改进计划。",
    2: "部分目标达成，执行上还有差距，希望下一期在计划性和质量上加强。",
    3: "全面完成了岗位要求，工作稳定可靠，是团队值得信赖的一员。",
    4: "经常超出预期，主动承担更多责任，对团队贡献突出。",
    5: "本期表现卓越，成果远超目标，是团队的榜样。",
}
RETURN_COMMENT = "KPI 覆盖的理由不够充分，请补充具体数据后再提交。"
DISAGREE_COMMENT = "我认为 KPI 部分没有考虑到下半年区域调整的影响，希望和经理再沟通一次。"
OVERRIDE_REASON = "12 月的业绩尚未入账，按全年预测和可比口径调整本部分得分。"
OVERRIDE_SHARE = 0.4

# Target state of each review in the story (the end of the walk), with its share outside the demo users.
SELF_PENDING, SELF_DRAFT = "self_pending", "self_draft"
MANAGER_REVIEW, SKIP_LEVEL = "manager_review", "skip_level"
RETURNED, DONE = "returned", "done"
RELEASED, ACKNOWLEDGED, DISAGREED = "released", "acknowledged", "disagreed"
SHARES = (
    (SELF_PENDING, 0.03),
    (SELF_DRAFT, 0.03),
    (MANAGER_REVIEW, 0.06),
    (SKIP_LEVEL, 0.05),
    (RETURNED, 0.01),
)
# Of the released: acknowledged, disagreed (the rest have not acknowledged yet).
ACK_SHARE, DISAGREE_SHARE = 0.55, 0.05
NO_SELF_SHARE = 0.03  # the manager submitted without a self review (the self review is skipped)


@dataclass
class ReviewsSeedResult:
    competencies: int = 0
    models: int = 0
    cycles: int = 0
    reviews: int = 0
    states: dict[str, int] = field(default_factory=dict)


@contextmanager
def _quietly() -> Iterator[None]:
    """No email while seeding, and the launch task run in this process at once (the worker is not up yet)."""
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    ):
        yield


def reviews_seed_demo(*, seed: int = 1, today: dt.date | None = None) -> ReviewsSeedResult | None:
    """Seed the review configuration and cycles of the demo company; None when cycles exist already.

    Needs the organisation and the goals demo (its periods and company values) and the demo HR login.
    """
    today = today or timezone.localdate()
    period = Period.objects.filter(kind=Period.Kind.YEAR, start__lte=today, end__gte=today).first()
    hr = User.objects.filter(username="hr").first() or User.objects.filter(is_superuser=True).first()
    if Cycle.objects.exists() or period is None or hr is None or not Employee.objects.exists():
        return None
    seeder = _Seeder(random.Random(seed), today, hr, period)  # noqa: S311 - demo data, not secrets
    with _quietly():
        with transaction.atomic():
            seeder.configure()
            cycle = seeder.create_cycles()
        # Outside the transaction, so the launch runs at its own commit (as the worker would run it).
        seeder.launch(cycle)
        with transaction.atomic():
            seeder.walk(cycle)
    return seeder.result


class _Seeder:
    def __init__(self, rng: random.Random, today: dt.date, hr: User, period: Period):
        self.rng = rng
        self.today = today
        self.hr = hr
        self.period = period
        self.result = ReviewsSeedResult()
        self.users: dict[int, User] = {}

    # ---- configuration ----

    def configure(self) -> None:
        scale = default_scale()
        levels = [lv.value for lv in scale.levels.all()] if scale else []
        if len(levels) != 5:
            raise ValueError("The demo's anchors are written for the default 1–5 scale.")
        values = {v.name: v for v in CompanyValue.objects.filter(name__in=VALUE_ANCHORS)}
        competencies: dict[str, Competency] = {}
        for name, anchors in VALUE_ANCHORS.items():
            value = values.get(name)
            competencies[name] = competency_save(
                actor=self.hr,
                name=name,
                name_en=value.name_en if value else VALUE_NAMES_EN[name],
                description=value.description if value else "",
                description_en=value.description_en if value else "",
                value=value,
                anchors=[AnchorInput(level, zh, en) for level, (zh, en) in zip(levels, anchors, strict=True)],
            )
        for name, name_en, description, description_en, anchors in JOB_COMPETENCIES:
            competencies[name] = competency_save(
                actor=self.hr,
                name=name,
                name_en=name_en,
                description=description,
                description_en=description_en,
                anchors=[AnchorInput(level, zh, en) for level, (zh, en) in zip(levels, anchors, strict=True)],
            )
        for name, name_en, family, items in MODELS:
            competency_model_save(
                actor=self.hr,
                name=name,
                name_en=name_en,
                job_family=family,
                items=[ModelItemInput(competencies[c]) for c in items],
            )
        self.template = review_template_save(
            actor=self.hr,
            name="年度绩效考核模板",
            name_en="Annual review template",
            description="业绩（KPI 与目标）占 70%，能力素质占 30%；自评占能力素质得分的 20%。",
            scale=scale,
            self_weight=20,
            sections=[
                SectionInput(SectionKind.KPI, "关键绩效指标", "KPIs", 40, required=False),
                SectionInput(SectionKind.GOALS, "目标达成", "Goals", 30, required=False),
                SectionInput(SectionKind.COMPETENCIES, "能力素质", "Competencies", 30),
                SectionInput(
                    SectionKind.QUESTIONS,
                    "回顾与展望",
                    "Looking back and ahead",
                    0,
                    required=False,
                    questions=tuple(QuestionInput(zh, en, required) for zh, en, required in QUESTIONS),
                ),
            ],
        )
        self.result.competencies = len(competencies)
        self.result.models = len(MODELS)
        self._job_families()

    def _job_families(self) -> None:
        """Each person's job family from her business unit: one UPDATE per unit, one audit summary."""
        counts: dict[str, int] = {}
        for unit in Department.objects.filter(depth=1, name__in=FAMILY_OF_UNIT):
            family = FAMILY_OF_UNIT[unit.name]
            counts[family] = counts.get(family, 0) + Employee.objects.filter(
                department__path__startswith=unit.path
            ).update(job_family=family)
        record_event(actor=self.hr, action="demo.seed_job_families", target_type="org", after=counts)

    # ---- cycles ----

    def _phases(self, start: dt.date, lengths: tuple[int, ...]) -> tuple[services.PhaseInput, ...]:
        kinds = (PhaseKind.SELF, PhaseKind.MANAGER, PhaseKind.SKIP_LEVEL, PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT)
        phases = []
        for kind, length in zip(kinds, lengths, strict=True):
            phases.append(services.PhaseInput(kind, start, start + dt.timedelta(days=length - 1)))
            start += dt.timedelta(days=length)
        return tuple(phases)

    def create_cycles(self) -> Cycle:
        root = Department.objects.filter(depth=0).order_by("pk").first()
        ceo = Employee.objects.filter(manager__isnull=True).exclude(status=Status.LEFT).values_list("pk", flat=True)
        departments = (root.pk,) if root else ()
        # The annual review is in its release phase today: self review ended five weeks ago.
        annual = services.cycle_create(
            actor=self.hr,
            data=services.CycleInput(
                name=CYCLE_NAME[0],
                name_en=CYCLE_NAME[1],
                period=self.period,
                template=self.template,
                skip_level=True,
                departments=departments,
                # The top of the company is reviewed by the board, not in this cycle.
                exclude=tuple(ceo),
                phases=self._phases(self.today - dt.timedelta(days=36), (14, 12, 6, 10, 14)),
            ),
        )
        half = (
            Period.objects.filter(kind=Period.Kind.HALF, start__gt=self.period.end).order_by("start").first()
            or self.period
        )
        services.cycle_create(
            actor=self.hr,
            data=services.CycleInput(
                name=DRAFT_NAME[0],
                name_en=DRAFT_NAME[1],
                period=half,
                template=self.template,
                skip_level=True,
                departments=departments,
                exclude=tuple(ceo),
                phases=self._phases(max(half.end - dt.timedelta(days=10), self.today), (14, 10, 5, 7, 14)),
            ),
        )
        self.result.cycles = 2
        return annual

    def launch(self, cycle: Cycle) -> None:
        cycle = services.cycle_launch(actor=self.hr, cycle=cycle, version=cycle.version)
        # Inside a caller's transaction (tests) the launch waits for a commit that never comes: run it here.
        if Cycle.objects.filter(pk=cycle.pk, state=Cycle.State.LAUNCHING).exists():
            services.cycle_launch_run(cycle_id=cycle.pk)

    # ---- the walk through the phases ----

    def _user(self, employee: Employee | None) -> User | None:
        if employee is None or employee.user_id is None:
            return None
        user = self.users.get(employee.user_id)
        if user is None:
            user = self.users[employee.user_id] = employee.user  # type: ignore[assignment]
        return user

    def _evaluations(self, cycle: Cycle, kind: str, review_ids: list[int]) -> list[Evaluation]:
        """The evaluations of one kind for these reviews, with everything the services read (one query)."""
        cycle.refresh_from_db()
        rows = list(
            Evaluation.objects.filter(cycle=cycle, kind=kind, review_id__in=review_ids)
            .select_related(
                "rater__user",
                "review__reviewee__user",
                "review__manager__user",
                "review__skip_level__user",
                "review__department",
                "review__cycle__period",
            )
            .order_by("review_id")
        )
        for row in rows:
            row.review.cycle = cycle  # one cycle object, so a phase change is seen by every review
        return rows

    def _plan(self, cycle: Cycle) -> dict[int, str]:
        """The target state of each review in the story: the demo users' fixed, the others drawn."""
        reviews = list(
            Review.objects.filter(cycle=cycle).values_list(
                "pk", "reviewee__user__username", "manager__user__username", "skip_level_id", "department__path"
            )
        )
        unreleased = Department.objects.filter(depth=1, name=UNRELEASED_UNIT).values_list("path", flat=True).first()
        # The demo users and the manager's team first, then a sample of everyone else, within the budget.
        demo = {"employee", "manager", "hr"}
        first = [r for r in reviews if r[1] in demo or r[2] == "manager"]
        rest = [r for r in reviews if not (r[1] in demo or r[2] == "manager")]
        budget = max(STORY_REVIEWS - len(first), 0)
        story = first + (rest if len(rest) <= budget else self.rng.sample(rest, budget))
        plan: dict[int, str] = {}
        team: list[int] = []
        for pk, username, manager, skip_id, path in sorted(story):
            held = bool(unreleased and path and path.startswith(unreleased))
            if username in ("employee", "manager"):
                plan[pk] = RELEASED
                continue
            if manager == "manager":
                team.append(pk)
                continue
            plan[pk] = self._draw(held, skip_id is not None)
        # The manager's team shows every state, with one disagreement and a laggard.
        team_states = [DISAGREED, MANAGER_REVIEW, SKIP_LEVEL, SELF_PENDING, ACKNOWLEDGED, SELF_DRAFT, ACKNOWLEDGED]
        for i, pk in enumerate(team):
            plan[pk] = team_states[i] if i < len(team_states) else self._draw(False, True)
        return plan

    def _draw(self, held: bool, has_skip: bool) -> str:
        roll = self.rng.random()
        for state, share in SHARES:
            if roll < share:
                return MANAGER_REVIEW if state == SKIP_LEVEL and not has_skip else state
            roll -= share
        if held:
            return DONE
        roll = self.rng.random()
        return ACKNOWLEDGED if roll < ACK_SHARE else DISAGREED if roll < ACK_SHARE + DISAGREE_SHARE else RELEASED

    def _perf(self) -> float:
        return min(max(self.rng.gauss(3.6, 0.55), 1.2), 4.9)

    def _answers(self, review: Review, perf: float, *, self_view: bool) -> dict[str, Any]:
        snapshot = review.cycle.snapshot
        ratings, answers = {}, {}
        pools = (ACHIEVEMENTS, GROWTH, SUGGESTIONS) if self_view else (MANAGER_ACHIEVEMENTS, MANAGER_GROWTH, ("",))
        asked = 0
        for section, item, required in bd.rated_items(snapshot, review.competency_model):
            if item.startswith("c"):
                value = round(perf + (0.3 if self_view else 0) + self.rng.uniform(-0.7, 0.7))
                ratings[f"{section}:{item}"] = str(min(max(value, 1), 5))
                continue
            pool = pools[min(asked, len(pools) - 1)]
            asked += 1
            text = self.rng.choice(pool) or (pool[0] if required else "")
            if text or required:
                answers[f"{section}:{item}"] = text or ACHIEVEMENTS[0]
        overall = self.rng.choice(SELF_OVERALL) if self_view else MANAGER_OVERALL[min(max(round(perf), 1), 5)]
        out: dict[str, Any] = {"ratings": ratings, "answers": answers, "overall": overall}
        if not self_view:
            out["overrides"] = self._overrides(review, perf)
        return out

    def _overrides(self, review: Review, perf: float) -> dict[str, Any]:
        """Where December's results are not in yet, some managers override a low automatic score, with a reason."""
        snapshot = review.cycle.snapshot
        items = services.auto_items_for(review)
        overrides = {}
        for section in snapshot["sections"]:
            if section["kind"] not in bd.AUTOMATIC_KINDS:
                continue
            automatic = bd.automatic_score(snapshot, [i for i in items if i["section"] == section["key"]])
            if automatic is not None and float(automatic) < perf - 1 and self.rng.random() < OVERRIDE_SHARE:
                # Up to the manager's view of her, at most a level and a half above the partial year's figure.
                score = min(max(round(min(perf, float(automatic) + 1.5) * 2) / 2, 1.0), 5.0)
                overrides[section["key"]] = {"score": f"{score:.1f}", "reason": OVERRIDE_REASON}
        return overrides

    def _save(self, evaluation: Evaluation, answers: dict[str, Any], *, submit: bool, note: str | None = None) -> None:
        actor = self._user(evaluation.rater)
        if actor is None:
            return
        try:
            services.evaluation_save(
                actor=actor,
                evaluation=evaluation,
                answers=answers,
                version=evaluation.version,
                submit=submit,
                private_note=note,
            )
        except DomainError:
            # A rater the walk cannot act for (e.g. on leave without an account): her review stays where it is.
            return

    def walk(self, cycle: Cycle) -> None:
        plan = self._plan(cycle)
        ids = sorted(plan)
        perf = {pk: self._perf() for pk in ids}
        later = {MANAGER_REVIEW, SKIP_LEVEL, RETURNED, DONE, RELEASED, ACKNOWLEDGED, DISAGREED}
        managed = later - {MANAGER_REVIEW}
        no_self = {pk for pk in ids if plan[pk] in managed and self.rng.random() < NO_SELF_SHARE}
        no_self -= self._demo_reviews(cycle)  # the demo users' own reviews show both sides

        # Self review phase: drafts, then submissions.
        for evaluation in self._evaluations(cycle, EvaluationKind.SELF, ids):
            pk = evaluation.review_id
            if plan[pk] == SELF_DRAFT:
                answers = self._answers(evaluation.review, perf[pk], self_view=True)
                answers["answers"] = dict(list(answers["answers"].items())[:1])
                self._save(evaluation, answers, submit=False)
            elif plan[pk] in later and pk not in no_self:
                self._save(evaluation, self._answers(evaluation.review, perf[pk], self_view=True), submit=True)

        # Manager review phase.
        cycle = services.cycle_phase_advance(actor=self.hr, cycle=cycle, version=cycle.version)
        for evaluation in self._evaluations(cycle, EvaluationKind.MANAGER, ids):
            pk = evaluation.review_id
            answers = self._answers(evaluation.review, perf[pk], self_view=False)
            if plan[pk] == MANAGER_REVIEW:
                answers["ratings"] = dict(list(answers["ratings"].items())[:2])
                self._save(evaluation, answers, submit=False, note="年底前再和他沟通一次发展方向。")
            elif plan[pk] in managed:
                self._save(evaluation, answers, submit=True)

        # Skip-level approval phase: most approved, a few returned to the manager.
        cycle = services.cycle_phase_advance(actor=self.hr, cycle=cycle, version=cycle.version)
        for evaluation in self._evaluations(cycle, EvaluationKind.SKIP_LEVEL, ids):
            pk = evaluation.review_id
            actor = self._user(evaluation.rater)
            if plan[pk] == SKIP_LEVEL or actor is None or evaluation.review.state != Review.State.SKIP_LEVEL:
                continue
            approve = plan[pk] != RETURNED
            services.review_skip_level_decide(
                actor=actor,
                evaluation=evaluation,
                approve=approve,
                comment="" if approve else RETURN_COMMENT,
                version=evaluation.version,
            )

        # Release, unit by unit, except the one HR has not got to yet; then acknowledgements.
        cycle = services.cycle_phase_advance(actor=self.hr, cycle=cycle, version=cycle.version)
        for unit in Department.objects.filter(depth=1).exclude(name=UNRELEASED_UNIT).order_by("path"):
            services.reviews_release(actor=self.hr, cycle=cycle, department=unit)
        cycle.refresh_from_db()
        released = (
            Review.objects.filter(cycle=cycle, pk__in=ids, state=Review.State.RELEASED)
            .select_related("reviewee__user", "manager__user", "department")
            .order_by("pk")
        )
        for review in released:
            target = plan[review.pk]
            actor = self._user(review.reviewee)
            if target not in (ACKNOWLEDGED, DISAGREED) or actor is None:
                continue
            review.cycle = cycle
            agree = target == ACKNOWLEDGED
            services.review_acknowledge(
                actor=actor,
                review=review,
                agree=agree,
                comment="" if agree else DISAGREE_COMMENT,
                version=review.version,
            )
        states: dict[str, int] = defaultdict(int)
        for state in Review.objects.filter(cycle=cycle).values_list("state", flat=True):
            states[state] += 1
        self.result.reviews = sum(states.values())
        self.result.states = dict(sorted(states.items()))

    def _demo_reviews(self, cycle: Cycle) -> set[int]:
        return set(
            Review.objects.filter(cycle=cycle, reviewee__user__username__in=("employee", "manager")).values_list(
                "pk", flat=True
            )
        )


__all__ = ["ReviewsSeedResult", "reviews_seed_demo"]
