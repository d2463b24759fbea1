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
- a draft cycle "2027 上半年绩效考核" for HR to launch, which then walks the self and manager reviews;
- 360° feedback in the sales unit (销售部), with the template 360度反馈模板 (competencies by job 40, the 360
  section 60: the company values rated by peers 50 / direct reports 30 / customers 20, self for comparison;
  3–6 peers; "what should they keep doing / do differently"): "2026 上半年 360度反馈" released and closed —
  the demo `employee` reads peers (blind spot 客户第一, hidden strength 持续创新) while her one customer is
  below the threshold and left out, the demo `manager` reads upward feedback from 12 of her 20 reports — and
  "2026 下半年 360度反馈" in its feedback phase today: the employee has colleagues' requests to answer; the
  manager's peers are approved, two answered, one declined with a reason, and a customer is invited by link.
  The demo users' parts go through the services; everyone else's is written set-based (class _Feedback).

Per-review writes (evaluation_save, the skip-level decision, acknowledge) cost a few milliseconds each, so
at most STORY_REVIEWS reviews go through them — all of them in the 300-person demo, the demo users' teams
first at any size; the rest of a larger company stays in self review (not started), which keeps
`seed_demo --employees 10000` within seconds. Emails are not sent while seeding.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.audit.services import record_event
from jixiao.core.errors import DomainError
from jixiao.goals.models import CompanyValue, Period
from jixiao.org.models import Department, Employee, Status

from . import breakdown as bd
from . import services, services_feedback
from .models import (
    ANONYMOUS_KINDS,
    Competency,
    CompetencyModel,
    Cycle,
    Evaluation,
    EvaluationKind,
    Nomination,
    PhaseKind,
    Review,
    ReviewTemplate,
    SectionKind,
    TemplateGroup,
    TemplateQuestion,
    TemplateSection,
)
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
ANNUAL_PHASES = (PhaseKind.SELF, PhaseKind.MANAGER, PhaseKind.SKIP_LEVEL, PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT)

# ---- calibration (issue 7, decision 0011) -----------------------------------------------------------

# The sales unit's second-half review is in calibration today: managers have rated, HR calibrates before release
# (the calibration demo opens a session over one of its regions; the e2e test opens another).
CALIBRATION_NAME = ("2026 下半年销售绩效考核", "H2 2026 sales review")
CALIBRATION_UNIT = "销售部"
CALIBRATION_PHASES = (
    PhaseKind.SELF,
    PhaseKind.MANAGER,
    PhaseKind.CALIBRATION,
    PhaseKind.RELEASE,
    PhaseKind.ACKNOWLEDGEMENT,
)
CALIBRATION_SELF_SHARE = 0.5  # half of the unit wrote a self review; the others' managers went ahead without one
CALIBRATION_LATE = 2  # reviews whose manager has not submitted yet: they join calibration late

# ---- 360° feedback (issue 5, decision 0009) -------------------------------------------------------

# The sales unit runs 360° feedback every half year: the first half's is over and released, the second
# half's is collecting feedback today. Raters may come from anywhere in the company.
FEEDBACK_TEMPLATE = ("360度反馈模板", "360° feedback template")
FEEDBACK_RELEASED = ("2026 上半年 360度反馈", "H1 2026 360° feedback")
FEEDBACK_OPEN = ("2026 下半年 360度反馈", "H2 2026 360° feedback")
FEEDBACK_UNIT = "销售部"
FEEDBACK_MODEL = "通用能力模型"  # the company values: every group can judge them
FEEDBACK_GROUPS = (("self", 0), ("peer", 50), ("upward", 30), ("customer", 20))
FEEDBACK_PEERS = (3, 6)
FEEDBACK_QUESTIONS = (
    ("最应该继续保持什么？", "What should they keep doing?"),
    ("最应该改进什么？", "What should they do differently?"),
)
FEEDBACK_PHASES = (
    PhaseKind.PEER_SELECTION,
    PhaseKind.SELF,
    PhaseKind.FEEDBACK,
    PhaseKind.MANAGER,
    PhaseKind.RELEASE,
    PhaseKind.ACKNOWLEDGEMENT,
)
PEERS_EACH = 4  # peers HR assigns to everyone outside the demo users' stories
# Ratings are written in the order of the values model (FEEDBACK_MODEL).
VALUE_ORDER = ("客户第一", "诚信正直", "团队协作", "持续创新", "追求卓越")
NA = "na"

# The demo employee's released report: peers see less customer focus than she does (a blind spot) and more
# innovation (a hidden strength); her one customer is below the threshold, so customers are left out.
EMPLOYEE_SELF_360: tuple[int, ...] = (5, 4, 4, 2, 4)
EMPLOYEE_PEERS_360: tuple[tuple[tuple[int, ...], str, str], ...] = (
    (
        (3, 4, 4, 4, 4),
        "客户的问题总是当天回复，跟进到底，客户很信任。",
        "有时为了赶进度答应客户太快，交付压力最后落到了同事身上。",
    ),
    (
        (3, 5, 3, 4, 4),
        "上季度主动试用线上演示工具，还教会了整个小组。",
        "可以多站在客户的长期利益考虑，不只盯着本季度的签单。",
    ),
    (
        (4, 4, 4, 3, 4),
        "Very reliable, and shares leads with the team instead of keeping them.",
        "Could check with the service team before promising delivery dates.",
    ),
    ((3, 4, 4, 4, 5), "做事踏实，说到做到。", "希望在团队会议上多分享自己的做法。"),
)
EMPLOYEE_CUSTOMER_360: tuple[tuple[int | str, ...], str, str] = (
    (5, 4, NA, NA, 4),
    "响应很快，方案专业，问题当天就有答复。",
    "希望报价能再快一些。",
)
CUSTOMERS = (("周敏（远航物流）", "zhou.min@example.com"), ("陈立（华辰贸易）", "chen.li@example.com"))
# The demo manager's: her reports rate her teamwork above her own view (hidden strength), her drive for
# excellence below it (blind spot).
MANAGER_SELF_360: tuple[int, ...] = (4, 5, 3, 4, 5)
MANAGER_PEERS_360 = (
    ((4, 4, 4, 3, 4), "区域之间的资源协调很积极，愿意把线索让给更合适的区域。", "季度目标定得偏高，团队压力较大。"),
    ((4, 5, 4, 4, 3), "做事公正透明，大家信服。", "可以更多地把成功经验整理出来分享给其他区域。"),
    ((3, 4, 4, 3, 4), "Keeps promises to other regions.", "希望更早同步大客户的变化。"),
)
UPWARD_PATTERNS = ((4, 5, 4, 4, 3), (4, 4, 5, 3, 4), (5, 5, 4, 4, 4), (4, 4, 5, 3, 3), (3, 4, 4, 4, 4), (4, 5, 5, 4, 3))
MANAGER_UPWARD_ANSWERED = 12
DECLINE_REASON = "这半年和覃经理的工作交集很少，无法给出有依据的评价，建议请华南区的同事代替。"

# What raters write, by group: (keep doing, do differently); an empty text is a question left blank.
KEEP = {
    "peer": (
        "客户的问题总是当天回复并跟进到底。",
        "做事踏实，说到做到，交给的事情从不用催。",
        "乐于分享经验，新同事遇到问题都愿意请教。",
        "周报清楚，数据准确，大家一看就知道进展和风险。",
        "跨部门协调很有耐心，能把各方拉到一起解决问题。",
        "复盘做得扎实，丢单的原因总能讲清楚。",
        "对产品很熟，客户的技术问题基本能当场回答。",
        "Always shares market news and leads with the team.",
        "Stays calm in the busy season and keeps the rest of us calm too.",
        "",
    ),
    "upward": (
        "每周的一对一很有帮助，问题总能及时得到反馈。",
        "目标讲得很清楚，大家知道为什么要做。",
        "在客户面前总是支持团队，出了问题先担责任。",
        "愿意花时间辅导新人，第一次见客户都会陪着去。",
        "决策很快，遇到难题不会让我们干等。",
        "对事不对人，批评也讲得很有分寸。",
        "每月的业绩复盘让我们知道自己差在哪里。",
        "放手让我们试新方法，失败了也不追责。",
        "资源紧张时会先替团队去争取。",
        "Gives the team credit in front of senior management.",
        "Listens before deciding, even when they disagree.",
        "",
    ),
    "customer": ("响应速度快，方案专业。", "对我们的业务很了解，沟通顺畅。", "Very responsive and easy to work with."),
    "self": ("继续保持对客户的快速响应。", "继续在团队里分享经验和线索。", "保持稳定的交付节奏。"),
}
CHANGE = {
    "peer": (
        "有时答应客户太快，交付压力落到了同事身上。",
        "会议上可以多听听别人的意见再下结论。",
        "希望多尝试新的工具和方法，不要只靠老经验。",
        "可以更早暴露风险，不要等到月底才说。",
        "报价前可以多和交付团队确认一下成本。",
        "CRM 里的客户记录可以更及时地更新。",
        "Could write shorter updates that lead with the risks.",
        "",
        "",
    ),
    "upward": (
        "布置任务时希望给出更明确的优先级。",
        "计划有时临时调整，希望能提前沟通原因。",
        "希望对方案给出更具体的意见。",
        "可以多放手，让我们自己负责完整的客户。",
        "周会时间太长，可以只讲需要大家决定的事。",
        "希望多给一些职业发展方面的建议。",
        "对新人和老员工的要求可以更一致。",
        "Could share the regional numbers with the team more often.",
        "Could say no to headquarters more often when the team is already stretched.",
        "",
    ),
    "customer": ("希望报价流程能再快一些。", "交付时间的承诺要更准确。", ""),
    "self": ("需要提升数据分析和复盘的能力。", "希望更主动地推动跨部门合作。", "学习新的销售工具，提高效率。"),
}
# Set-based answers outside the stories: (submitted, draft) shares; the rest was never answered.
RELEASED_ANSWERED = (0.88, 0.0)
OPEN_ANSWERED = (0.55, 0.1)
OPEN_SELF = (0.7, 0.1)
RELEASED_NO_SELF = 0.04


@dataclass
class ReviewsSeedResult:
    competencies: int = 0
    models: int = 0
    cycles: int = 0
    reviews: int = 0
    states: dict[str, int] = field(default_factory=dict)
    feedback: dict[str, int] = field(default_factory=dict)  # 360: nominations, answers, declines


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
    # Its own random stream, so the annual review's story does not depend on the 360 one.
    feedback = _Feedback(seeder, random.Random(seed * 7919 + 360))  # noqa: S311 - demo data, not secrets
    with _quietly():
        with transaction.atomic():
            seeder.configure()
            cycle = seeder.create_cycles()
            released, current = feedback.create_cycles(feedback.template(default_scale()))
        # Outside the transaction, so each launch runs at its own commit (as the worker would run it). The 360
        # cycles go first: the annual review, launched last, is the one the team pages open on.
        for feedback_cycle in (released, current):
            seeder.launch(feedback_cycle)
        with transaction.atomic():
            feedback.walk_released(released)
            feedback.walk_open(current)
        # The sales unit's H2 review, in calibration: before the annual one, which stays the last launched, and
        # with its own random stream, so the annual review's story does not depend on it.
        calibration = seeder.create_calibration_cycle()
        if calibration is not None:
            seeder.launch(calibration)
            with transaction.atomic():
                seeder.walk_to_calibration(calibration, random.Random(seed * 7907 + 11))  # noqa: S311 - demo data
        seeder.launch(cycle)
        with transaction.atomic():
            seeder.walk(cycle)
    seeder.result.cycles += 2
    seeder.result.feedback = dict(feedback.result)
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

    def _phases(
        self, start: dt.date, lengths: tuple[int, ...], kinds: tuple[str, ...] = ANNUAL_PHASES
    ) -> tuple[services.PhaseInput, ...]:
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

    def create_calibration_cycle(self) -> Cycle | None:
        """The sales unit's H2 review with a calibration phase, dated so that today falls in calibration."""
        unit = Department.objects.filter(depth=1, name=CALIBRATION_UNIT).first()
        if unit is None:
            return None
        cycle = services.cycle_create(
            actor=self.hr,
            data=services.CycleInput(
                name=CALIBRATION_NAME[0],
                name_en=CALIBRATION_NAME[1],
                period=self.period,
                template=self.template,
                calibration=True,
                departments=(unit.pk,),
                phases=self._phases(self.today - dt.timedelta(days=20), (7, 8, 10, 3, 14), CALIBRATION_PHASES),
            ),
        )
        self.result.cycles += 1
        return cycle

    def walk_to_calibration(self, cycle: Cycle, rng: random.Random) -> None:
        """Self reviews (half), manager reviews (all but a couple of late ones), then the calibration phase."""
        annual, self.rng = self.rng, rng
        try:
            self._walk_to_calibration(cycle)
        finally:
            self.rng = annual

    def _walk_to_calibration(self, cycle: Cycle) -> None:
        ids = sorted(Review.objects.filter(cycle=cycle).values_list("pk", flat=True))
        perf = {pk: self._perf() for pk in ids}
        demo = self._demo_reviews(cycle)
        for evaluation in self._evaluations(cycle, EvaluationKind.SELF, ids):
            pk = evaluation.review_id
            if pk in demo or self.rng.random() < CALIBRATION_SELF_SHARE:
                self._save(evaluation, self._answers(evaluation.review, perf[pk], self_view=True), submit=True)
        cycle = services.cycle_phase_advance(actor=self.hr, cycle=cycle, version=cycle.version)
        late = set(self.rng.sample([pk for pk in ids if pk not in demo], min(CALIBRATION_LATE, len(ids))))
        for evaluation in self._evaluations(cycle, EvaluationKind.MANAGER, ids):
            pk = evaluation.review_id
            answers = self._answers(evaluation.review, perf[pk], self_view=False)
            if pk in late:
                answers["ratings"] = dict(list(answers["ratings"].items())[:2])
            self._save(evaluation, answers, submit=pk not in late)
        services.cycle_phase_advance(actor=self.hr, cycle=cycle, version=cycle.version)

    def _demo_reviews(self, cycle: Cycle) -> set[int]:
        return set(
            Review.objects.filter(cycle=cycle, reviewee__user__username__in=("employee", "manager")).values_list(
                "pk", flat=True
            )
        )


class _Feedback:
    """The two 360° cycles of the sales unit (decision 0009), seeded after the configuration.

    The demo users' stories go through the services — nominations proposed and approved, a customer
    invited by link, answers saved, one request declined, reviews submitted, released and acknowledged —
    so the audit log, notifications and scores are the product's own. Everyone else's part is written
    set-based (HR's bulk peer assignment, answers stored as the forms store them, scores by
    services.cycle_recompute), which keeps the demo seed fast at any company size.
    """

    def __init__(self, seeder: _Seeder, rng: random.Random):
        self.seeder = seeder
        self.hr = seeder.hr
        self.today = seeder.today
        self.rng = rng
        self.items: dict[tuple[str, str, str], list[tuple[str, str, bool]]] = {}
        self.names: dict[str, str] = {}
        self.result: dict[str, int] = defaultdict(int)

    # ---- configuration ----

    def template(self, scale: Any) -> ReviewTemplate:
        """Competencies by job 40 (manager and self) and the 360 section 60 (the company values, by every group).

        Written directly: the template services do not take 360 sections yet (groups, peer limits).
        """
        values = CompetencyModel.objects.filter(name=FEEDBACK_MODEL).first()
        template = ReviewTemplate.objects.create(
            name=FEEDBACK_TEMPLATE[0],
            name_en=FEEDBACK_TEMPLATE[1],
            description="能力素质 40%（上级评价）；360度反馈 60%：同事 50%、下级 30%、客户 20%，自评只作对照。",
            scale=scale,
            self_weight=0,
            created_by=self.hr,
        )
        TemplateSection.objects.create(
            template=template,
            kind=SectionKind.COMPETENCIES,
            title="能力素质",
            title_en="Competencies",
            weight=40,
            required=True,
            order=0,
        )
        section = TemplateSection.objects.create(
            template=template,
            kind=SectionKind.FEEDBACK,
            title="360度反馈",
            title_en="360° feedback",
            weight=60,
            required=False,
            order=1,
            competency_model=values,
            peer_min=FEEDBACK_PEERS[0],
            peer_max=FEEDBACK_PEERS[1],
        )
        TemplateGroup.objects.bulk_create(TemplateGroup(section=section, kind=k, weight=w) for k, w in FEEDBACK_GROUPS)
        TemplateQuestion.objects.bulk_create(
            TemplateQuestion(section=section, text=zh, text_en=en, order=i)
            for i, (zh, en) in enumerate(FEEDBACK_QUESTIONS)
        )
        record_event(
            actor=self.hr,
            action="review_template.create",
            target=template,
            after={
                "name": template.name,
                "sections": [["competencies", 40], ["feedback", 60]],
                "groups": dict(FEEDBACK_GROUPS),
                "peers": list(FEEDBACK_PEERS),
            },
        )
        return template

    def create_cycles(self, template: ReviewTemplate) -> tuple[Cycle, Cycle]:
        """The first half's 360 (its phases over, to be released) and the second half's (feedback phase today)."""
        halves = Period.objects.filter(kind=Period.Kind.HALF)
        current = halves.filter(start__lte=self.today, end__gte=self.today).first() or self.seeder.period
        previous = halves.filter(end__lt=current.start).order_by("-start").first() or current
        unit = (
            Department.objects.filter(depth=1, name=FEEDBACK_UNIT).first()
            or Department.objects.filter(depth=0).order_by("pk").first()
        )
        departments = (unit.pk,) if unit else ()
        lengths = (7, 10, 14, 10, 7, 14)
        earlier = min(previous.end - dt.timedelta(days=9), self.today - dt.timedelta(days=sum(lengths) + 20))
        cycles = []
        for (name, name_en), period, start in (
            (FEEDBACK_RELEASED, previous, earlier),
            (FEEDBACK_OPEN, current, self.today - dt.timedelta(days=lengths[0] + lengths[1] + 7)),
        ):
            cycles.append(
                services.cycle_create(
                    actor=self.hr,
                    data=services.CycleInput(
                        name=name,
                        name_en=name_en,
                        period=period,
                        template=template,
                        departments=departments,
                        phases=self.seeder._phases(start, lengths, FEEDBACK_PHASES),
                    ),
                )
            )
        return cycles[0], cycles[1]

    # ---- helpers ----

    def _advance(self, cycle: Cycle) -> Cycle:
        return services.cycle_phase_advance(actor=self.hr, cycle=cycle, version=cycle.version)

    def _story(self, cycle: Cycle, username: str) -> Review | None:
        review = (
            Review.objects.select_related("reviewee__user", "manager__user", "department")
            .filter(cycle=cycle, reviewee__user__username=username)
            .first()
        )
        if review is not None:
            review.cycle = cycle  # one cycle object: phase changes are seen by every review
        return review

    def _fields(self, cycle: Cycle, model_key: str, kind: str) -> list[tuple[str, str, bool]]:
        key = (str(cycle.pk), model_key, kind)
        if key not in self.items:
            self.items[key] = bd.rated_items(cycle.snapshot, model_key, kind)
            for ckey, info in cycle.snapshot.get("competencies", {}).items():
                self.names[ckey] = info["name"]
        return self.items[key]

    def _compose(
        self,
        cycle: Cycle,
        model_key: str,
        kind: str,
        rate: Any,  # (section key, competency key) -> "1".."5" | "na"
        texts: tuple[str, ...],
        overall: str | None = None,
    ) -> dict[str, Any]:
        """Answers of one rater as the forms store them: every competency rated, the questions in order."""
        ratings, answers = {}, {}
        asked = 0
        for section, item, _required in self._fields(cycle, model_key, kind):
            if item.startswith("c"):
                ratings[f"{section}:{item}"] = rate(section, item)
                continue
            text = texts[asked] if asked < len(texts) else ""
            asked += 1
            if text:
                answers[f"{section}:{item}"] = text
        out: dict[str, Any] = {"ratings": ratings, "answers": answers}
        if overall is not None:
            out["overall"] = overall
        return out

    def _fixed(self, pattern: tuple[Any, ...], perf: float = 3.6) -> Any:
        """Rate the values as the pattern says (in VALUE_ORDER) and anything else around `perf`."""

        def rate(_section: str, item: str) -> str:
            name = self.names.get(item, "")
            if name in VALUE_ORDER:
                return str(pattern[VALUE_ORDER.index(name)])
            return self._level(perf)

        return rate

    def _perf(self) -> float:
        return min(max(self.rng.gauss(3.6, 0.55), 1.2), 4.9)

    def _level(self, perf: float, spread: float = 0.7) -> str:
        return str(min(max(round(perf + self.rng.uniform(-spread, spread)), 1), 5))

    def _drawn(self, perf: float, group: str) -> Any:
        """Ratings around the reviewee's level; customers cannot judge some values and say so."""
        lean = {"self": 0.4, "peer": 0.0, "upward": 0.1, "customer": 0.3, "manager": -0.1}[group]

        def rate(_section: str, item: str) -> str:
            if group == "customer" and self.names.get(item) in ("诚信正直", "持续创新") and self.rng.random() < 0.5:
                return NA
            return self._level(perf + lean, 0.9)

        return rate

    def _texts(self, group: str) -> tuple[str, str]:
        return self.rng.choice(KEEP[group]), self.rng.choice(CHANGE[group])

    def _employees(self, ids: list[int]) -> dict[int, Employee]:
        return Employee.objects.select_related("user").in_bulk(ids)

    def _request(self, review: Review, *, kind: str, rater_id: int | None = None) -> list[Evaluation]:
        """The 360 requests of one kind on a story review, ready for the services (their review and cycle set)."""
        rows = Evaluation.objects.filter(review=review, kind=kind).select_related("rater__user").order_by("rater_id")
        if rater_id is not None:
            rows = rows.filter(rater_id=rater_id)
        out = list(rows)
        for evaluation in out:
            evaluation.review = review
            evaluation.cycle = review.cycle
        return out

    def _answer(
        self, evaluation: Evaluation, answers: dict[str, Any], *, submit: bool = True, token: str | None = None
    ) -> None:
        actor = None if token else self.seeder._user(evaluation.rater)
        if actor is None and token is None:
            return
        services_feedback.feedback_save(
            actor=actor, evaluation=evaluation, answers=answers, version=evaluation.version, submit=submit, token=token
        )
        self.result["story_answers"] += 1

    def _story_self(
        self,
        cycle: Cycle,
        review: Review,
        pattern: tuple[int, ...],
        texts: tuple[str, ...],
        overall: str,
        *,
        submit: bool = True,
    ) -> None:
        """A demo user's self review through the form's service; a draft keeps its first four ratings."""
        for evaluation in self.seeder._evaluations(cycle, EvaluationKind.SELF, [review.pk]):
            answers = self._compose(
                cycle, review.competency_model, EvaluationKind.SELF, self._fixed(pattern, 4.0), texts, overall
            )
            if not submit:
                answers["ratings"] = dict(list(answers["ratings"].items())[:4])
            self.seeder._save(evaluation, answers, submit=submit)

    def _story_peers(
        self, cycle: Cycle, review: Review, patterns: tuple[tuple[tuple[int, ...], str, str], ...]
    ) -> None:
        """The peers of a demo user answer as scripted: (ratings pattern, keep, change) each, in rater order."""
        for evaluation, (pattern, keep, change) in zip(
            self._request(review, kind=EvaluationKind.PEER), patterns, strict=False
        ):
            answers = self._compose(
                cycle, review.competency_model, evaluation.kind, self._fixed(pattern), (keep, change)
            )
            self._answer(evaluation, answers)

    def _write(self, rows: list[tuple[int, dict[str, Any], str]]) -> None:
        """Store answers as the forms do, set-based: (evaluation id, answers, state), one executemany.

        A plain UPDATE rather than bulk_update: Django's CASE WHEN for hundreds of JSON rows costs a second.
        """
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        answers_value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
        table = connection.ops.quote_name(Evaluation._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET answers = {answers_value}, state = %s, submitted_at = %s, "  # noqa: S608
                "updated_at = %s, version = version + 1 WHERE id = %s",
                [
                    (json.dumps(answers), state, now if state == Evaluation.State.SUBMITTED else None, now, pk)
                    for pk, answers, state in rows
                ],
            )

    def _outcome(self, shares: tuple[float, float]) -> str:
        roll = self.rng.random()
        if roll < shares[0]:
            return Evaluation.State.SUBMITTED
        return Evaluation.State.DRAFT if roll < shares[0] + shares[1] else ""

    # ---- peers ----

    def peer_plan(self, cycle: Cycle, count: int) -> dict[int, list[int]]:
        """`count` peers for every review: the next teammates round the team (same manager, anywhere in the
        company), then others of her kind in the unit — managers for a manager, individual contributors for the
        others — never the reviewee, her manager or her own reports (they give upward feedback)."""
        rows = list(
            Review.objects.filter(cycle=cycle)
            .order_by("department__path", "manager_id", "reviewee_id")
            .values_list("pk", "reviewee_id", "manager_id")
        )
        managers = {manager for _pk, _reviewee, manager in rows if manager} | {reviewee for _pk, reviewee, _m in rows}
        teams: dict[int, list[int]] = defaultdict(list)
        for person, manager in (
            Employee.objects.filter(manager_id__in=managers)
            .exclude(status=Status.LEFT)
            .order_by("pk")
            .values_list("pk", "manager_id")
        ):
            teams[manager].append(person)
        seat = {person: i for team in teams.values() for i, person in enumerate(team)}
        pools: dict[bool, list[int]] = {True: [], False: []}
        for _pk, reviewee, _m in rows:
            pools[reviewee in teams].append(reviewee)
        place = {person: i for pool in pools.values() for i, person in enumerate(pool)}
        # Nobody is asked by more reviewees than the cycle's limit (less two, for the stories' own choices).
        cap = max(cycle.rater_load_limit - 2, PEERS_EACH)
        load: dict[int, int] = defaultdict(int)
        plan: dict[int, list[int]] = {}
        for pk, reviewee, manager in rows:
            banned = {reviewee, manager, *teams.get(reviewee, ())}
            team = teams.get(manager, []) if manager else []
            i = seat.get(reviewee, 0)
            pool = pools[reviewee in teams]
            j, n = place[reviewee], len(pool)
            picks: list[int] = []
            candidates = team[i + 1 :] + team[:i] + [pool[(j + step) % n] for step in range(1, min(n, 200))]
            for other in candidates:
                if len(picks) >= count:
                    break
                if other in banned or other in picks or load[other] >= cap:
                    continue
                picks.append(other)
                if len(picks) <= PEERS_EACH:  # the ones HR assigns; the rest are the stories' spare choices
                    load[other] += 1
            plan[pk] = picks
        return plan

    def assign_peers(self, cycle: Cycle, plan: dict[int, list[int]], skip: set[int]) -> None:
        """HR's bulk assignment of the planned peers, approved, for every review outside the stories."""
        rows = [
            Nomination(
                review_id=pk,
                kind=EvaluationKind.PEER,
                rater_id=rater,
                state=Nomination.State.APPROVED,
                nominated_by=self.hr,
                decided_by=self.hr,
            )
            for pk, raters in plan.items()
            if pk not in skip
            for rater in raters
        ]
        Nomination.objects.bulk_create(rows, batch_size=1000)
        record_event(actor=self.hr, action="demo.seed_nominations", target=cycle, after={"approved": len(rows)})
        self.result["bulk_nominations"] += len(rows)

    def nominate(self, review: Review, raters: list[int], *, approve: int, add: tuple[int, ...] = ()) -> list[int]:
        """The reviewee proposes `raters`; her manager approves the first `approve`, removes the rest, adds `add`."""
        reviewee, decider = self.seeder._user(review.reviewee), self.seeder._user(review.manager)
        people = self._employees([*raters, *add])
        approved = []
        for i, rater_id in enumerate(raters):
            rater = people.get(rater_id)
            if rater is None or reviewee is None:
                continue
            nomination = services_feedback.nomination_propose(actor=reviewee, review=review, rater=rater)
            if decider is not None:
                services_feedback.nomination_decide(actor=decider, nomination=nomination, approve=i < approve)
                if i < approve:
                    approved.append(rater_id)
        for rater_id in add:
            rater = people.get(rater_id)
            if rater is not None and decider is not None:
                services_feedback.nomination_propose(actor=decider, review=review, rater=rater)
                approved.append(rater_id)
        self.result["story_nominations"] += len(raters) + len(add)
        return approved

    # ---- set-based parts ----

    def bulk_feedback(
        self, cycle: Cycle, shares: tuple[float, float], *, skip: set[tuple[int, str]], skip_raters: set[int]
    ) -> None:
        """Answers to the 360 requests outside the stories ((review, kind) in `skip`, raters in `skip_raters`):
        submitted, drafts, or not answered."""
        perf: dict[int, float] = {}
        rows = []
        requests = (
            Evaluation.objects.filter(cycle=cycle, kind__in=ANONYMOUS_KINDS, state=Evaluation.State.PENDING)
            .order_by("pk")
            .values_list("pk", "kind", "review_id", "review__competency_model", "rater_id")
        )
        for pk, kind, review_id, model_key, rater_id in requests:
            if rater_id in skip_raters or (review_id, kind) in skip:
                continue
            state = self._outcome(shares)
            if not state:
                continue
            level = perf.setdefault(review_id, self._perf())
            answers = self._compose(cycle, model_key, kind, self._drawn(level, kind), self._texts(kind))
            if state == Evaluation.State.DRAFT:
                answers = {"ratings": dict(list(answers["ratings"].items())[:2]), "answers": {}}
            rows.append((pk, answers, state))
        self._write(rows)
        self.result["bulk_answers"] += sum(1 for r in rows if r[2] == Evaluation.State.SUBMITTED)

    def bulk_reviews(self, cycle: Cycle, kind: str, shares: tuple[float, float], skip_reviews: set[int]) -> list[int]:
        """Self (or manager) reviews outside the stories, set-based; the reviews move on as a submission moves
        them (self → manager review; manager → ready, the self review left unanswered skipped). Returns the
        reviews submitted."""
        rows = []
        submitted: list[int] = []
        evaluations = (
            Evaluation.objects.filter(cycle=cycle, kind=kind, state=Evaluation.State.PENDING)
            .exclude(review_id__in=skip_reviews)
            .order_by("pk")
            .values_list("pk", "review_id", "review__competency_model")
        )
        for pk, review_id, model_key in evaluations:
            state = self._outcome(shares)
            if not state:
                continue
            level = self._perf()
            if kind == EvaluationKind.SELF:
                answers = self._compose(
                    cycle,
                    model_key,
                    kind,
                    self._drawn(level, "self"),
                    self._texts("self"),
                    self.rng.choice(SELF_OVERALL),
                )
            else:
                overall = MANAGER_OVERALL[min(max(round(level), 1), 5)]
                answers = self._compose(cycle, model_key, kind, self._drawn(level, "manager"), (), overall)
            if state == Evaluation.State.DRAFT:
                answers = {"ratings": dict(list(answers["ratings"].items())[:3]), "answers": {}, "overall": ""}
            else:
                submitted.append(review_id)
            rows.append((pk, answers, state))
        self._write(rows)
        now = timezone.now()
        if kind == EvaluationKind.SELF:
            Review.objects.filter(pk__in=submitted, state=Review.State.SELF_REVIEW).update(
                state=Review.State.MANAGER_REVIEW, version=F("version") + 1
            )
        else:
            Evaluation.objects.filter(review_id__in=submitted, kind=EvaluationKind.SELF).exclude(
                state=Evaluation.State.SUBMITTED
            ).update(state=Evaluation.State.SKIPPED, version=F("version") + 1, updated_at=now)
            Review.objects.filter(pk__in=submitted).update(state=Review.State.READY, version=F("version") + 1)
        record_event(
            actor=self.hr, action="demo.seed_reviews", target=cycle, after={"kind": kind, "submitted": len(submitted)}
        )
        return submitted

    # ---- the first half: released ----

    def walk_released(self, cycle: Cycle) -> None:
        cycle.refresh_from_db()
        employee, manager = self._story(cycle, "employee"), self._story(cycle, "manager")
        stories = [r for r in (employee, manager) if r is not None]
        story_ids = {r.pk for r in stories}
        plan = self.peer_plan(cycle, PEERS_EACH)

        # Peer selection: the demo users nominate and their managers approve; the manager invites a customer.
        token = None
        if employee is not None:
            self.nominate(employee, plan[employee.pk], approve=PEERS_EACH)
            boss = self.seeder._user(employee.manager)
            if boss is not None:
                name, email = CUSTOMERS[0]
                _nomination, token = services_feedback.customer_invite(
                    actor=boss, review=employee, email=email, name=name
                )
        if manager is not None:
            siblings = plan[manager.pk][: len(MANAGER_PEERS_360)]
            self.nominate(manager, siblings, approve=len(siblings))
        self.assign_peers(cycle, plan, story_ids)

        # Self review: the demo users through the form's service; most others submitted.
        cycle = self._advance(cycle)
        for review, pattern in ((employee, EMPLOYEE_SELF_360), (manager, MANAGER_SELF_360)):
            if review is not None:
                self._story_self(cycle, review, pattern, KEEP["self"][:1] + CHANGE["self"][:1], SELF_OVERALL[0])
        self.bulk_reviews(cycle, EvaluationKind.SELF, (1 - RELEASED_NO_SELF, 0.0), story_ids)

        # Feedback: requests go out on opening the phase; the stories' raters answer through the services.
        cycle = self._advance(cycle)
        if employee is not None:
            self._story_peers(cycle, employee, EMPLOYEE_PEERS_360)
            if token is not None:
                for evaluation in self._request(employee, kind=EvaluationKind.CUSTOMER):
                    ratings, keep, change = EMPLOYEE_CUSTOMER_360
                    answers = self._compose(
                        cycle, employee.competency_model, evaluation.kind, self._fixed(ratings), (keep, change)
                    )
                    self._answer(evaluation, answers, token=token)
        if manager is not None:
            self._story_peers(cycle, manager, MANAGER_PEERS_360)
            reports = self._request(manager, kind=EvaluationKind.UPWARD)
            employee_id = employee.reviewee_id if employee is not None else None
            reports.sort(key=lambda e: (e.rater_id != employee_id, e.rater_id or 0))
            # Most of her reports answered, never all (the report says "12 of 20"); at least three when she has them.
            answered = min(MANAGER_UPWARD_ANSWERED, max(len(reports) - 2, min(len(reports), 3)))
            for i, evaluation in enumerate(reports[:answered]):
                pattern = UPWARD_PATTERNS[i % len(UPWARD_PATTERNS)]
                texts = (KEEP["upward"][i % len(KEEP["upward"])], CHANGE["upward"][i % len(CHANGE["upward"])])
                answers = self._compose(cycle, manager.competency_model, evaluation.kind, self._fixed(pattern), texts)
                self._answer(evaluation, answers)
        every = {(pk, kind) for pk in story_ids for kind in ANONYMOUS_KINDS}
        self.bulk_feedback(cycle, RELEASED_ANSWERED, skip=every, skip_raters=set())

        # Manager review: the demo users' managers write theirs; the rest set-based, then scored in one pass.
        cycle = self._advance(cycle)
        for review in stories:
            for evaluation in self.seeder._evaluations(cycle, EvaluationKind.MANAGER, [review.pk]):
                answers = self._compose(
                    cycle,
                    review.competency_model,
                    EvaluationKind.MANAGER,
                    self._drawn(3.8, "manager"),
                    (),
                    MANAGER_OVERALL[4],
                )
                self.seeder._save(evaluation, answers, submit=True)
        self.bulk_reviews(cycle, EvaluationKind.MANAGER, (1.0, 0.0), story_ids)
        services.cycle_recompute(actor=self.hr, cycle=cycle)

        # Released, acknowledged by the demo users, closed.
        cycle = self._advance(cycle)
        services.reviews_release(actor=self.hr, cycle=cycle)
        cycle = self._advance(cycle)
        for review in Review.objects.filter(pk__in=story_ids, state=Review.State.RELEASED).select_related(
            "reviewee__user", "manager__user", "department"
        ):
            actor = self.seeder._user(review.reviewee)
            if actor is not None:
                review.cycle = cycle
                services.review_acknowledge(actor=actor, review=review, agree=True, comment="", version=review.version)
        services.cycle_close(actor=self.hr, cycle=cycle, version=cycle.version)

    # ---- the second half: collecting feedback today ----

    def walk_open(self, cycle: Cycle) -> None:
        cycle.refresh_from_db()
        employee, manager = self._story(cycle, "employee"), self._story(cycle, "manager")
        stories = [r for r in (employee, manager) if r is not None]
        story_ids = {r.pk for r in stories}
        plan = self.peer_plan(cycle, PEERS_EACH + 2)

        # Peer selection: she proposes five, her manager approves four, removes one and adds another; the
        # manager's peers are her fellow regional managers and the key-account lead of customer service.
        if employee is not None:
            picks = plan[employee.pk]
            self.nominate(employee, picks[:5], approve=4, add=tuple(picks[5:6]))
        if manager is not None:
            outside = (
                Employee.objects.filter(department__name="大客户服务")
                .exclude(status=Status.LEFT)
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
            peers = plan[manager.pk][:4]
            peers += [outside] if outside and outside not in peers else []
            self.nominate(manager, peers, approve=len(peers))
        self.assign_peers(cycle, {pk: raters[:PEERS_EACH] for pk, raters in plan.items()}, story_ids)

        # Self review: she submitted hers; the manager has a draft; others as they went.
        cycle = self._advance(cycle)
        for review, pattern, submit in ((employee, EMPLOYEE_SELF_360, True), (manager, MANAGER_SELF_360, False)):
            if review is not None:
                texts = (KEEP["self"][1], CHANGE["self"][1])
                self._story_self(cycle, review, pattern, texts, SELF_OVERALL[1], submit=submit)
        self.bulk_reviews(cycle, EvaluationKind.SELF, OPEN_SELF, story_ids)

        # Feedback, today: requests out; her boss invites a customer; some answered, one declined.
        cycle = self._advance(cycle)
        demo_raters = set(
            Employee.objects.filter(user__username__in=("employee", "manager", "hr", "ceo", "admin")).values_list(
                "pk", flat=True
            )
        )
        for review, in_story in ((employee, (2, 1)), (manager, (2, 1))):
            if review is None:
                continue
            requests = self._request(review, kind=EvaluationKind.PEER)
            answered, drafts = in_story
            for i, evaluation in enumerate(requests):
                if evaluation.rater_id in demo_raters:
                    continue
                keep, change = self._texts("peer")
                answers = self._compose(
                    cycle, review.competency_model, evaluation.kind, self._drawn(3.8, "peer"), (keep, change)
                )
                if i < answered:
                    self._answer(evaluation, answers)
                elif i < answered + drafts:
                    answers["ratings"] = dict(list(answers["ratings"].items())[:2])
                    self._answer(evaluation, answers, submit=False)
                elif review is manager and i == answered + drafts:
                    actor = self.seeder._user(evaluation.rater)
                    if actor is not None:
                        services_feedback.feedback_decline(actor=actor, evaluation=evaluation, reason=DECLINE_REASON)
                        self.result["declined"] += 1
        if manager is not None:
            boss = self.seeder._user(manager.manager)
            if boss is not None:
                name, email = CUSTOMERS[1]
                # The token goes into the customer's email only; the demo keeps none.
                services_feedback.customer_invite(actor=boss, review=manager, email=email, name=name)
        # Her requests wait for her; the rest of the manager's peers and her customer have not answered yet.
        skip = {(employee.pk, kind) for kind in ANONYMOUS_KINDS} if employee is not None else set()
        if manager is not None:
            skip |= {(manager.pk, EvaluationKind.PEER), (manager.pk, EvaluationKind.CUSTOMER)}
        self.bulk_feedback(cycle, OPEN_ANSWERED, skip=skip, skip_raters=demo_raters)


__all__ = ["ReviewsSeedResult", "reviews_seed_demo"]
