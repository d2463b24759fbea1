"""The demo company's strategy, periods, KPI library, goals and KPIs (星辰科技), built set-based.

seed_demo calls `goals_seed_demo` right after the organisation is seeded. The same seed and the same day
give the same data: this year and the next as periods (so the current period contains today), company
objectives, two objectives per business unit aligned to them, one per team rolling up its people, and
two or three objectives for most people aligned to their team's, with check-ins over the last quarter
and goal plans in every state; KPI targets by business area with monthly actuals up to today.

Every row is written with bulk_create in a handful of statements per table; objectives and key results
get their ids up front so that alignment paths are written once (never an UPDATE per row).
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Field, Max, Model
from django.utils import timezone

from jixiao.audit.services import record_event
from jixiao.org.demo import UNITS
from jixiao.org.models import Department, Employee, Status

from . import scoring
from .models import (
    BusinessArea,
    CheckIn,
    CompanyValue,
    Confidence,
    GoalPlan,
    Indicator,
    KeyResult,
    KPIActual,
    KPITarget,
    Objective,
    OwnerType,
    Period,
    Strategy,
    Visibility,
)
from .selectors import goal_settings

NUMBER, PERCENT, CURRENCY, MILESTONE = "number", "percent", "currency", "milestone"
UP, DOWN = "increase", "decrease"
SUM, AVERAGE, LATEST = "sum", "average", "latest"
CAP = scoring.DEFAULT_CAP

# ---- strategy ----------------------------------------------------------------------------------

VISION = (
    "让每一家制造企业都用得上智能化的生产与服务",
    "Smart production and service within reach of every manufacturer",
)
MISSION = (
    "以可靠的产品和专业的服务，帮助客户提升效率、降低成本、持续成长。",
    "Help our customers work faster, spend less and keep growing, with reliable products and expert service.",
)
VALUES = (
    ("客户第一", "Customer first", "从客户的成功出发思考和行动。", "We start from our customers' success."),
    ("诚信正直", "Integrity", "说到做到，坦诚透明。", "We do what we say and say what we do."),
    ("团队协作", "Teamwork", "目标一致，互相补位，共同担当。", "One goal, covering for each other, sharing the load."),
    ("持续创新", "Innovation", "敢于尝试新方法，从失败中快速学习。", "We try new ways and learn fast from failure."),
    ("追求卓越", "Excellence", "对质量和结果高标准、严要求。", "High standards for quality and results."),
)

# ---- the KPI library ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """A KPI of the library and a person's yearly baseline → target (stretch) for it."""

    code: str
    name: str
    name_en: str
    unit: str
    direction: str
    aggregation: str
    definition: str
    data_source: str
    baseline: float
    target: float
    stretch: float | None = None


# family (as in org.demo.UNITS) → (area zh, area en, KPIs; the first three go to every person of the unit)
# One KPI per line reads like the library page; the formatter would spread each over twelve lines.
# fmt: off
LIBRARY: dict[str, tuple[str, str, tuple[Kpi, ...]]] = {
    "sales": ("销售", "Sales", (
        Kpi("SAL-01", "销售额", "Sales revenue", CURRENCY, UP, SUM,
            "当期确认收入的合同金额（不含税，元）。", "CRM 合同台账", 0, 3_000_000, 3_600_000),
        Kpi("SAL-02", "新签客户数", "New customers signed", NUMBER, UP, SUM,
            "当期首次签约的客户数量。", "CRM", 0, 12, 15),
        Kpi("SAL-03", "回款率", "Cash collection rate", PERCENT, UP, LATEST,
            "已回款金额 ÷ 应回款金额 × 100%。", "财务应收系统", 80, 95, 98),
        Kpi("SAL-04", "客户拜访次数", "Customer visits", NUMBER, UP, SUM,
            "在 CRM 中登记的有效客户拜访次数。", "CRM 拜访记录", 0, 96),
        Kpi("SAL-05", "销售毛利率", "Gross margin", PERCENT, UP, AVERAGE,
            "（销售收入 − 销售成本）÷ 销售收入 × 100%。", "ERP", 28, 32),
    )),
    "service": ("客户服务", "Customer service", (
        Kpi("CS-01", "客户满意度", "Customer satisfaction (CSAT)", PERCENT, UP, AVERAGE,
            "回访问卷中“满意”及以上的占比。", "呼叫中心回访系统", 86, 95, 98),
        Kpi("CS-02", "首次解决率", "First contact resolution", PERCENT, UP, AVERAGE,
            "首次联系即解决的工单 ÷ 全部工单 × 100%。", "工单系统", 70, 85),
        Kpi("CS-03", "平均响应时间（分钟）", "Average response time (minutes)", NUMBER, DOWN, AVERAGE,
            "从客户来电或留言到首次响应的平均分钟数。", "呼叫中心系统", 12, 5, 3),
        Kpi("CS-04", "投诉率", "Complaint rate", PERCENT, DOWN, AVERAGE,
            "投诉工单 ÷ 全部工单 × 100%。", "工单系统", 2.5, 1.2),
        Kpi("CS-05", "客户续约率", "Renewal rate", PERCENT, UP, LATEST,
            "到期合同中按期续约的比例。", "CRM", 80, 90),
    )),
    "production": ("生产", "Production", (
        Kpi("PRD-01", "产量", "Output (units)", NUMBER, UP, SUM,
            "入库的合格产品数量（台）。", "MES", 0, 12_000, 13_500),
        Kpi("PRD-02", "一次合格率", "First pass yield", PERCENT, UP, AVERAGE,
            "一次检验合格数 ÷ 检验总数 × 100%。", "质量管理系统", 95, 98.5),
        Kpi("PRD-03", "设备综合效率", "Overall equipment effectiveness (OEE)", PERCENT, UP, AVERAGE,
            "可用率 × 性能率 × 合格率。", "MES", 70, 82, 86),
        Kpi("PRD-04", "单位制造成本（元）", "Unit manufacturing cost (yuan)", CURRENCY, DOWN, AVERAGE,
            "制造成本 ÷ 合格产量。", "ERP 成本核算", 100, 92),
        Kpi("PRD-05", "安全事故数", "Safety incidents", NUMBER, DOWN, SUM,
            "需上报的安全事故起数。", "EHS 台账", 4, 0),
    )),
    "rnd": ("研发", "R&D", (
        Kpi("RND-01", "按期交付率", "On-time delivery", PERCENT, UP, AVERAGE,
            "按计划日期交付的需求 ÷ 计划交付的需求 × 100%。", "项目管理系统", 75, 90, 95),
        Kpi("RND-02", "线上缺陷数", "Production defects", NUMBER, DOWN, SUM,
            "上线后发现并确认的缺陷个数。", "缺陷管理系统", 20, 8),
        Kpi("RND-03", "交付需求点", "Story points delivered", NUMBER, UP, SUM,
            "验收通过的需求点数。", "项目管理系统", 0, 120, 140),
        Kpi("RND-04", "自动化测试覆盖率", "Automated test coverage", PERCENT, UP, LATEST,
            "自动化测试覆盖的代码行比例。", "CI 报告", 45, 70),
        Kpi("RND-05", "专利申请数", "Patent filings", NUMBER, UP, SUM,
            "当期提交的发明专利申请数。", "知识产权台账", 0, 2),
    )),
    "finance": ("财务", "Finance", (
        Kpi("FIN-01", "月结及时率", "On-time month-end close", PERCENT, UP, AVERAGE,
            "按期完成月结的月份占比。", "财务系统", 85, 100),
        Kpi("FIN-02", "应收账款周转天数", "Days sales outstanding", NUMBER, DOWN, LATEST,
            "应收账款平均余额 ÷ 日均销售收入。", "财务应收系统", 75, 60),
        Kpi("FIN-03", "预算偏差率", "Budget variance", PERCENT, DOWN, AVERAGE,
            "|实际 − 预算| ÷ 预算 × 100%。", "预算系统", 12, 5),
        Kpi("FIN-04", "报销处理时效（天）", "Expense claim turnaround (days)", NUMBER, DOWN, AVERAGE,
            "从提交到付款的平均天数。", "费控系统", 5, 2),
    )),
    "hr": ("人力资源", "Human resources", (
        Kpi("HR-01", "招聘完成率", "Hiring plan completion", PERCENT, UP, LATEST,
            "已到岗人数 ÷ 计划招聘人数 × 100%。", "招聘系统", 0, 100),
        Kpi("HR-02", "关键人才保留率", "Key talent retention", PERCENT, UP, LATEST,
            "期末仍在职的关键人才 ÷ 期初关键人才 × 100%。", "HR 系统", 85, 92),
        Kpi("HR-03", "培训完成率", "Training completion", PERCENT, UP, LATEST,
            "完成必修课程的员工比例。", "学习平台", 70, 95),
        Kpi("HR-04", "平均招聘周期（天）", "Time to hire (days)", NUMBER, DOWN, AVERAGE,
            "从职位发布到候选人接受录用的平均天数。", "招聘系统", 45, 30),
        Kpi("HR-05", "员工敬业度", "Engagement score", NUMBER, UP, LATEST,
            "年度敬业度调研平均分（5 分制）。", "敬业度调研", 3.6, 4.0),
    )),
}
# fmt: on

# ---- objectives --------------------------------------------------------------------------------

# (title, unit, direction, start, target, stretch, weight)
KR = tuple[str, str, str, float, float, float | None, float]

COMPANY: tuple[tuple[str, str, tuple[KR, ...]], ...] = (
    (
        "营业收入突破10亿元，巩固华东市场领先地位",
        "以华东为根据地，拓展华北与华南重点行业客户。",
        (
            ("年度营业收入（元）", CURRENCY, UP, 800_000_000, 1_000_000_000, 1_100_000_000, 2),
            ("新签战略客户", NUMBER, UP, 0, 30, 40, 1),
            ("华东市场份额（%）", PERCENT, UP, 18, 22, None, 1),
        ),
    ),
    (
        "客户满意度达到行业领先水平",
        "服务响应更快、问题一次解决，让客户愿意续约和推荐。",
        (
            ("客户满意度（%）", PERCENT, UP, 86, 95, None, 2),
            ("客户续约率（%）", PERCENT, UP, 80, 90, None, 1),
            ("投诉率（%）", PERCENT, DOWN, 2.5, 1.2, None, 1),
        ),
    ),
    (
        "按期推出新一代智能产品平台",
        "智能平台 2.0 于三季度末上线，质量与交付节奏同步提升。",
        (
            ("智能平台 2.0 正式上线", MILESTONE, UP, 0, 1, None, 2),
            ("按期交付率（%）", PERCENT, UP, 75, 90, None, 1),
            ("线上缺陷数", NUMBER, DOWN, 120, 60, None, 1),
        ),
    ),
    (
        "提升运营效率，单位成本下降8%",
        "生产、采购与财务协同降本，不以牺牲质量为代价。",
        (
            ("设备综合效率（%）", PERCENT, UP, 70, 82, None, 1),
            ("单位制造成本（元）", CURRENCY, DOWN, 100, 92, None, 2),
            ("一次合格率（%）", PERCENT, UP, 95, 98.5, None, 1),
        ),
    ),
    (
        "打造高绩效、可持续成长的组织",
        "留住关键人才，让每位员工都有清晰的目标和成长路径。",
        (
            ("关键人才保留率（%）", PERCENT, UP, 85, 92, None, 1),
            ("培训完成率（%）", PERCENT, UP, 70, 95, None, 1),
            ("员工敬业度（5分制）", NUMBER, UP, 3.6, 4.0, None, 1),
        ),
    ),
)

# family → two unit objectives: (title, description, index of the company objective, key results)
# fmt: off
UNIT_GOALS: dict[str, tuple[tuple[str, str, int, tuple[KR, ...]], ...]] = {
    "sales": (
        ("全年销售额同比增长25%", "重点突破制造业和能源行业大客户。", 0, (
            ("部门销售额（元）", CURRENCY, UP, 240_000_000, 300_000_000, 330_000_000, 2),
            ("新签客户数", NUMBER, UP, 0, 120, 150, 1),
        )),
        ("提高回款率与大客户续约率", "健康的现金流与长期客户关系。", 1, (
            ("回款率（%）", PERCENT, UP, 85, 95, None, 1),
            ("大客户续约率（%）", PERCENT, UP, 80, 90, None, 1),
        )),
    ),
    "service": (
        ("客户满意度提升到95%", "以首次解决率为抓手提升体验。", 1, (
            ("客户满意度（%）", PERCENT, UP, 88, 95, 97, 2),
            ("首次解决率（%）", PERCENT, UP, 70, 85, None, 1),
        )),
        ("缩短响应时间，降低投诉率", "热线与在线渠道统一服务标准。", 1, (
            ("平均响应时间（分钟）", NUMBER, DOWN, 12, 5, 3, 1),
            ("投诉率（%）", PERCENT, DOWN, 2.5, 1.2, None, 1),
        )),
    ),
    "production": (
        ("提高设备综合效率与一次合格率", "推进 TPM 与质量改善小组。", 3, (
            ("设备综合效率（%）", PERCENT, UP, 70, 82, 86, 1),
            ("一次合格率（%）", PERCENT, UP, 95, 98.5, None, 1),
        )),
        ("降低单位制造成本，实现安全生产零事故", "精益改善与安全隐患排查并重。", 3, (
            ("单位制造成本（元）", CURRENCY, DOWN, 100, 92, None, 2),
            ("安全事故数", NUMBER, DOWN, 4, 0, None, 1),
        )),
    ),
    "rnd": (
        ("按期发布智能平台2.0", "核心模块三季度末完成联调并上线。", 2, (
            ("智能平台 2.0 上线", MILESTONE, UP, 0, 1, None, 2),
            ("按期交付率（%）", PERCENT, UP, 75, 90, 95, 1),
        )),
        ("提升产品质量，线上缺陷减半", "测试左移，提升自动化覆盖。", 2, (
            ("线上缺陷数", NUMBER, DOWN, 120, 60, None, 1),
            ("自动化测试覆盖率（%）", PERCENT, UP, 45, 70, None, 1),
        )),
    ),
    "finance": (
        ("完善预算管控，偏差控制在5%以内", "月度滚动预测，季度复盘。", 3, (
            ("预算偏差率（%）", PERCENT, DOWN, 12, 5, None, 1),
            ("月结及时率（%）", PERCENT, UP, 85, 100, None, 1),
        )),
        ("加快资金周转，缩短回款周期", "与销售部共同推进应收管理。", 0, (
            ("应收账款周转天数", NUMBER, DOWN, 75, 60, None, 1),
        )),
    ),
    "hr": (
        ("打造高绩效组织，保留关键人才", "完善绩效与发展体系。", 4, (
            ("关键人才保留率（%）", PERCENT, UP, 85, 92, None, 1),
            ("培训完成率（%）", PERCENT, UP, 70, 95, None, 1),
        )),
        ("按计划完成关键岗位招聘", "重点保障研发与销售的人才需求。", 4, (
            ("招聘完成率（%）", PERCENT, UP, 0, 100, None, 1),
            ("平均招聘周期（天）", NUMBER, DOWN, 45, 30, None, 1),
        )),
    ),
}
# fmt: on

TEAM_GOAL = {
    "sales": "{team}完成年度区域销售任务",
    "service": "{team}提升服务质量与响应速度",
    "production": "{team}实现安全、高效、优质生产",
    "rnd": "{team}按期高质量交付版本",
    "finance": "{team}提升财务工作质量与效率",
    "hr": "{team}保障业务的人才供给",
}

# family → (objective aligned to the team's, objective aligned to the unit's second, development objective)
# fmt: off
PERSON_GOALS: dict[str, tuple[tuple[str, tuple[KR, ...]], ...]] = {
    "sales": (
        ("完成个人年度销售任务，新签客户不少于12家", (
            ("个人销售额（元）", CURRENCY, UP, 0, 3_000_000, 3_600_000, 2),
            ("新签客户", NUMBER, UP, 0, 12, 15, 1),
        )),
        ("提高回款率，深耕重点客户", (
            ("回款率（%）", PERCENT, UP, 85, 95, None, 1),
            ("重点客户拜访次数", NUMBER, UP, 0, 48, None, 1),
        )),
        ("提升大客户谈判与方案能力", (("完成《大客户销售》课程并通过考核", MILESTONE, UP, 0, 1, None, 1),)),
    ),
    "service": (
        ("客户满意度达到95%，首次解决率85%", (
            ("个人满意度（%）", PERCENT, UP, 88, 95, None, 2),
            ("首次解决率（%）", PERCENT, UP, 70, 85, None, 1),
        )),
        ("缩短工单处理时长，减少客户等待", (("平均处理时长（分钟）", NUMBER, DOWN, 15, 8, None, 1),)),
        ("考取客户服务管理师证书", (("通过客户服务管理师考试", MILESTONE, UP, 0, 1, None, 1),)),
    ),
    "production": (
        ("保障班组产量与一次合格率", (
            ("班组产量（台）", NUMBER, UP, 0, 1_200, 1_350, 2),
            ("一次合格率（%）", PERCENT, UP, 95, 98, None, 1),
        )),
        ("安全生产零事故，隐患整改闭环", (("完成隐患整改项", NUMBER, UP, 0, 12, None, 1),)),
        ("熟练掌握新产线设备操作", (("通过新产线设备操作认证", MILESTONE, UP, 0, 1, None, 1),)),
    ),
    "rnd": (
        ("按期交付迭代需求，交付率不低于90%", (
            ("交付需求点", NUMBER, UP, 0, 120, 140, 1),
            ("按期交付率（%）", PERCENT, UP, 75, 90, None, 1),
        )),
        ("提升代码质量，线上缺陷减少一半", (
            ("单元测试覆盖率（%）", PERCENT, UP, 45, 70, None, 1),
            ("线上缺陷数", NUMBER, DOWN, 20, 8, None, 1),
        )),
        ("完成架构设计培训并做技术分享", (
            ("完成架构设计培训", MILESTONE, UP, 0, 1, None, 1),
            ("技术分享次数", NUMBER, UP, 0, 4, None, 1),
        )),
    ),
    "finance": (
        ("按时、准确完成月结与报表", (
            ("月结及时率（%）", PERCENT, UP, 85, 100, None, 1),
            ("账务差错笔数", NUMBER, DOWN, 10, 2, None, 1),
        )),
        ("优化报销流程，缩短处理时效", (("报销处理时效（天）", NUMBER, DOWN, 5, 2, None, 1),)),
        ("取得中级会计师资格", (("通过中级会计师考试", MILESTONE, UP, 0, 1, None, 1),)),
    ),
    "hr": (
        ("按计划完成负责岗位的招聘", (
            ("到岗人数", NUMBER, UP, 0, 20, 24, 1),
            ("平均招聘周期（天）", NUMBER, DOWN, 45, 30, None, 1),
        )),
        ("推进绩效与培训体系落地", (("培训完成率（%）", PERCENT, UP, 70, 95, None, 1),)),
        ("完成 HRBP 认证课程", (("取得 HRBP 认证", MILESTONE, UP, 0, 1, None, 1),)),
    ),
}
# fmt: on

RETURN_COMMENTS = (
    "请把关键结果写得更具体、可衡量。",
    "权重请再调整一下，重点放在第一个目标上。",
    "请对齐部门的年度目标后再提交。",
)
CHECK_IN_COMMENTS = {
    Confidence.ON_TRACK: ("按计划推进中。", "本月进展顺利。", "已完成阶段性目标。", ""),
    Confidence.AT_RISK: ("客户决策周期变长，需要关注。", "资源紧张，进度略有滞后。", ""),
    Confidence.OFF_TRACK: ("需求变更较多，需要重新评估计划。", "关键资源未到位，已上报。"),
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
QUARTERS_ZH = ("一", "二", "三", "四")
INSERT_BATCH = 5000
# The demo logins' pace through the year: the employee is well under way, so a check-in visibly moves her bar.
DEMO_PACE = {"employee": 0.7, "manager": 0.85, "hr": 0.9}
TARGET_COLUMNS = (
    *("id", "indicator", "period", "employee", "department"),
    *("baseline", "target", "stretch", "weight", "actual", "attainment"),
)

# unit id → (family, head); team id → (name, unit id, head)
Units = dict[int, tuple[str, int | None]]
Teams = dict[int, tuple[str, int, int | None]]


@dataclass
class GoalsSeedResult:
    periods: int = 0
    objectives: int = 0
    key_results: int = 0
    check_ins: int = 0
    plans: int = 0
    indicators: int = 0
    kpi_targets: int = 0
    actuals: int = 0


@dataclass
class _Person:
    id: int
    department_id: int
    manager_id: int | None
    user_id: int | None
    username: str
    unit_id: int | None
    family: str
    is_head: bool
    perf: float = 1.0
    objectives: int = 0


@dataclass
class _Objective:
    """An objective on its way to the database (a model instance per row would cost ten times as much)."""

    id: int
    owner_type: str
    department_id: int | None
    employee_id: int | None
    title: str
    description: str
    weight: Decimal
    visibility: str
    parent_id: int | None
    path: str
    author: int | None
    progress: Decimal = Decimal(0)
    confidence: str = ""


class _Table:
    """Rows of one table as tuples of the named columns, inserted with executemany in batches.

    Dates and datetimes are adapted once per distinct value; every other column of the model gets its
    default (timestamps: now). Set-based and model-free, so 400,000 actuals take seconds, not minutes.
    """

    def __init__(self, model: type[Model], columns: Sequence[str]):
        meta = model._meta
        self.fields: list[Field[Any, Any]] = [cast("Field[Any, Any]", meta.get_field(name)) for name in columns]
        named = {f.attname for f in self.fields}
        now = timezone.now()
        rest = [f for f in meta.concrete_fields if f.attname not in named and not f.primary_key]
        self.tail = tuple(
            f.get_db_prep_save(
                now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default(),
                connection,
            )
            for f in rest
        )
        quote = connection.ops.quote_name
        names = ", ".join(quote(str(f.column)) for f in [*self.fields, *rest])
        marks = ", ".join(["%s"] * (len(self.fields) + len(rest)))
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 - names only
        # Dates and datetimes need the backend's adaptation (SQLite stores UTC text); the values repeat, so
        # each is adapted once. Decimals, ints, strings and None go to the driver as they are, as
        # adapt_decimalfield_value does on SQLite and PostgreSQL.
        self.dated = [i for i, f in enumerate(self.fields) if f.get_internal_type() in ("DateField", "DateTimeField")]
        self.memo: dict[int, dict[Any, Any]] = {i: {} for i in self.dated}
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def _prepare(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        if not self.dated:
            return (*row, *self.tail)
        values = list(row)
        for i in self.dated:
            value = values[i]
            if value is not None:
                memo = self.memo[i]
                prepared = memo.get(value)
                if prepared is None:
                    prepared = memo[value] = self.fields[i].get_db_prep_save(value, connection)
                values[i] = prepared
        return (*values, *self.tail)

    def add(self, *row: Any) -> None:
        self.rows.append(self._prepare(row))
        if len(self.rows) >= INSERT_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows = []


def _dec(value: float, places: int = 4) -> Decimal:
    return Decimal(str(round(value, places)))


def _next_id(model: type[Model]) -> int:
    return int(model.objects.aggregate(top=Max("id"))["top"] or 0) + 1  # type: ignore[attr-defined]


def _reset_sequences(*models: type[Model]) -> None:
    """Rows inserted with explicit ids leave PostgreSQL's sequences behind; move them past the new ids."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# ---- the seed ----------------------------------------------------------------------------------


def goals_seed_demo(*, seed: int = 1, today: dt.date | None = None, actor: Any = None) -> GoalsSeedResult | None:
    """Fill strategy, periods, the KPI library, goals and KPIs for the seeded demo company.

    Does nothing (returns None) when periods or objectives exist already, so running it twice is safe.
    """
    if Period.objects.exists() or Objective.objects.exists():
        return None
    today = today or timezone.localdate()
    # Hundreds of thousands of short-lived tuples: the cyclic collector would only rescan them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with transaction.atomic():
            return _Seeder(random.Random(seed), today, actor).run()  # noqa: S311 - demo data, not secrets
    finally:
        if collecting:
            gc.enable()


class _Seeder:
    def __init__(self, rng: random.Random, today: dt.date, actor: Any):
        self.rng = rng
        self.today = today
        self.actor = actor
        self.tz = timezone.get_current_timezone()
        self.result = GoalsSeedResult()
        self.objectives: list[_Objective] = []
        self.next_objective = _next_id(Objective)
        self.key_results = _Table(
            KeyResult,
            (
                "id",
                "objective",
                "title",
                "unit",
                "direction",
                "start",
                "target",
                "stretch",
                "current",
                "weight",
                "position",
                "progress",
                "confidence",
            ),
        )
        self.next_kr = _next_id(KeyResult)
        self.check_ins = _Table(
            CheckIn, ("key_result", "value", "progress", "confidence", "comment", "author", "created_at")
        )
        # objective id → (progress, weight) of the objectives aligned to it, for roll-ups
        self.children: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)

    def run(self) -> GoalsSeedResult:
        self._strategy()
        self.year = self._periods()
        span = max((self.year.end - self.year.start).days, 1)
        self.elapsed = min(max((self.today - self.year.start).days / span, 0.05), 1.0)
        people, units, teams = self._organisation()
        indicators = self._library()
        if people:
            company = self._company_objectives()
            unit_goals = self._unit_objectives(units, company)
            team_goals = self._team_objectives(teams, unit_goals)
            self._person_objectives(people, unit_goals, team_goals)
            self._roll_up(team_goals)
            self._write_objectives()
            self._plans(people)
            self._kpis(people, units, indicators)
        record_event(actor=self.actor, action="demo.seed_goals", target_type="goals", after=self.result.__dict__)
        return self.result

    # ---- strategy, periods, library ----

    def _strategy(self) -> None:
        Strategy.objects.update_or_create(
            pk=1,
            defaults={"vision": VISION[0], "vision_en": VISION[1], "mission": MISSION[0], "mission_en": MISSION[1]},
        )
        if not CompanyValue.objects.exists():
            CompanyValue.objects.bulk_create(
                CompanyValue(name=zh, name_en=en, description=d, description_en=d_en, position=i)
                for i, (zh, en, d, d_en) in enumerate(VALUES)
            )
        goal_settings()

    def _periods(self) -> Period:
        """This year and the next: the year, its halves, quarters and months, nested."""
        years = [self.today.year, self.today.year + 1]
        fys = Period.objects.bulk_create(
            Period(
                name=f"{y}年度", name_en=f"FY{y}", kind=Period.Kind.YEAR, start=dt.date(y, 1, 1), end=dt.date(y, 12, 31)
            )
            for y in years
        )
        halves = Period.objects.bulk_create(
            Period(
                name=f"{fy.start.year}年{part}半年",
                name_en=f"FY{fy.start.year} H{h + 1}",
                kind=Period.Kind.HALF,
                start=dt.date(fy.start.year, 1 + 6 * h, 1),
                end=_month_end(fy.start.year, 6 + 6 * h),
                parent=fy,
            )
            for fy in fys
            for h, part in enumerate(("上", "下"))
        )
        quarters = Period.objects.bulk_create(
            Period(
                name=f"{half.start.year}年第{QUARTERS_ZH[q]}季度",
                name_en=f"FY{half.start.year} Q{q + 1}",
                kind=Period.Kind.QUARTER,
                start=dt.date(half.start.year, 1 + 3 * q, 1),
                end=_month_end(half.start.year, 3 + 3 * q),
                parent=half,
            )
            for half in halves
            for q in range(4)
            if half.start <= dt.date(half.start.year, 1 + 3 * q, 1) <= half.end
        )
        months = Period.objects.bulk_create(
            Period(
                name=f"{quarter.start.year}年{m}月",
                name_en=f"{MONTHS_EN[m - 1]} {quarter.start.year}",
                kind=Period.Kind.MONTH,
                start=dt.date(quarter.start.year, m, 1),
                end=_month_end(quarter.start.year, m),
                parent=quarter,
            )
            for quarter in quarters
            for m in range(quarter.start.month, quarter.end.month + 1)
        )
        self.result.periods = len(fys) + len(halves) + len(quarters) + len(months)
        return fys[0]

    def _library(self) -> dict[str, Indicator]:
        areas = BusinessArea.objects.bulk_create(
            BusinessArea(name=zh, name_en=en, position=i) for i, (zh, en, _kpis) in enumerate(LIBRARY.values())
        )
        indicators = Indicator.objects.bulk_create(
            Indicator(
                area=area,
                code=k.code,
                name=k.name,
                name_en=k.name_en,
                unit=k.unit,
                direction=k.direction,
                aggregation=k.aggregation,
                definition=k.definition,
                data_source=k.data_source,
            )
            for area, (_zh, _en, kpis) in zip(areas, LIBRARY.values(), strict=True)
            for k in kpis
        )
        self.result.indicators = len(indicators)
        return {i.code: i for i in indicators}

    # ---- the organisation as plain values ----

    def _organisation(self) -> tuple[list[_Person], Units, Teams]:
        """People (not left) with their business unit; units {id: (family, head)}; teams {id: (name, unit, head)}."""
        family_of = {zh: family for zh, _en, _share, family, _subs in UNITS}
        departments = list(Department.objects.values_list("id", "name", "path", "depth", "head_id"))
        heads = {head for *_rest, head in departments if head}
        units: Units = {}
        teams: Teams = {}
        unit_of: dict[int, int | None] = {}
        for pk, name, _path, depth, head in departments:
            if depth == 1 and name in family_of:
                units[pk] = (family_of[name], head)
        for pk, name, path, depth, head in departments:
            ids = [int(p) for p in path.strip("/").split("/") if p]
            unit_of[pk] = ids[1] if len(ids) > 1 and ids[1] in units else None
            if depth == 2 and unit_of[pk] is not None:
                teams[pk] = (name, unit_of[pk], head)  # type: ignore[assignment]
        # A squad's people align to their team's objective: the team is the department at depth 2.
        self.team_of: dict[int, int | None] = {}
        for pk, _name, path, _depth, _head in departments:
            ids = [int(p) for p in path.strip("/").split("/") if p]
            self.team_of[pk] = ids[2] if len(ids) > 2 and ids[2] in teams else None
        users = dict(Employee.objects.exclude(user=None).values_list("id", "user__username"))
        people = []
        for pk, dept, manager, user in (
            Employee.objects.exclude(status=Status.LEFT)
            .order_by("pk")
            .values_list("id", "department_id", "manager_id", "user_id")
        ):
            unit_id = unit_of.get(dept)
            family = units[unit_id][0] if unit_id is not None else ""
            people.append(_Person(pk, dept, manager, user, users.get(pk, ""), unit_id, family, pk in heads))
        self.user_of = {p.id: p.user_id for p in people}
        self.unit_family = {pk: family for pk, (family, _head) in units.items()}
        self.ceo_user = next((p.user_id for p in people if p.username == "ceo"), None)
        return people, units, teams

    # ---- objectives ----

    def _objective(
        self,
        *,
        owner_type: str,
        title: str,
        parent: _Objective | None,
        krs: Sequence[KR],
        fraction: float,
        department_id: int | None = None,
        employee_id: int | None = None,
        weight: int = 0,
        description: str = "",
        visibility: str = Visibility.PUBLIC,
        author: int | None = None,
        jitter: bool = False,
    ) -> _Objective:
        pk = self.next_objective
        self.next_objective += 1
        objective = _Objective(
            id=pk,
            owner_type=owner_type,
            department_id=department_id,
            employee_id=employee_id,
            title=title,
            description=description,
            weight=Decimal(weight),
            visibility=visibility,
            parent_id=parent.id if parent else None,
            path=f"{parent.path if parent else '/'}{pk}/",
            author=author,
        )
        pairs: list[tuple[Decimal, Decimal]] = []
        latest: tuple[dt.datetime, str] | None = None
        for position, spec in enumerate(krs):
            progress, weight_, last = self._key_result(pk, position, spec, fraction, author, jitter)
            pairs.append((progress, weight_))
            if last is not None and (latest is None or last[0] >= latest[0]):
                latest = last
        objective.progress = scoring.objective_progress(key_results=pairs) if pairs else Decimal(0)
        objective.confidence = latest[1] if latest else ""
        self.objectives.append(objective)
        if parent is not None:
            self.children[parent.id].append((objective.progress, objective.weight))
        return objective

    def _key_result(
        self, objective_id: int, position: int, spec: KR, fraction: float, author: int | None, jitter: bool
    ) -> tuple[Decimal, Decimal, tuple[dt.datetime, str] | None]:
        """Write one key result and its check-ins; answer its progress, weight and latest check-in."""
        rng = self.rng
        title, unit, direction, start, target, stretch, weight = spec
        # Counts (customers, visits, hires) stay whole numbers.
        whole = unit == NUMBER and float(start).is_integer() and float(target).is_integer()
        if jitter and unit in (NUMBER, CURRENCY) and start == 0:
            scale = rng.choice((0.8, 0.9, 1.0, 1.0, 1.1, 1.25))
            target = _round(target * scale, unit, whole=whole)
            stretch = None if stretch is None else max(_round(stretch * scale, unit, whole=whole), target + 1)
        pk = self.next_kr
        self.next_kr += 1
        d_start, d_target = _dec(start), _dec(target)
        d_stretch = None if stretch is None else _dec(stretch)
        current, progress, confidence = d_start, Decimal(0), ""
        last: tuple[dt.datetime, str] | None = None
        if fraction > 0:
            share = max(fraction * rng.uniform(0.85, 1.1), 0.0)
            n = rng.randint(1, 3)
            values = [start + (target - start) * share * (k + 1) / n for k in range(n)]
            if unit == MILESTONE:
                values = [1.0 if share >= 0.9 else 0.0]
            ratio = share / self.elapsed
            confidence = (
                Confidence.ON_TRACK if ratio >= 0.85 else Confidence.AT_RISK if ratio >= 0.6 else Confidence.OFF_TRACK
            )
            days = sorted(rng.sample(range(0, 85), len(values)), reverse=True)
            comments = CHECK_IN_COMMENTS[confidence]
            for value, back in zip(values, days, strict=True):
                day = max(self.today - dt.timedelta(days=back), self.year.start)
                at = dt.datetime.combine(day, dt.time(9 + back % 9, 30), tzinfo=self.tz)
                current = _dec(_round(value, unit, whole=whole))
                progress = scoring.key_result_progress(
                    start=d_start, target=d_target, current=current, cap=CAP, stretch=d_stretch
                )
                self.check_ins.add(pk, current, progress, confidence, rng.choice(comments), author, at)
                last = (at, confidence)
        d_weight = _dec(weight)
        self.key_results.add(
            pk,
            objective_id,
            title,
            unit,
            direction,
            d_start,
            d_target,
            d_stretch,
            current,
            d_weight,
            position,
            progress,
            confidence,
        )
        return progress, d_weight, last

    def _company_objectives(self) -> list[_Objective]:
        return [
            self._objective(
                owner_type=OwnerType.COMPANY,
                title=title,
                description=description,
                parent=None,
                krs=krs,
                fraction=self.elapsed * self.rng.uniform(0.85, 1.05),
                weight=20,
                author=self.ceo_user,
            )
            for title, description, krs in COMPANY
        ]

    def _unit_objectives(self, units: Units, company: list[_Objective]) -> dict[int, list[_Objective]]:
        goals: dict[int, list[_Objective]] = {}
        for unit_id, (family, head) in units.items():
            goals[unit_id] = [
                self._objective(
                    owner_type=OwnerType.DEPARTMENT,
                    department_id=unit_id,
                    title=title,
                    description=description,
                    parent=company[parent_index],
                    krs=krs,
                    fraction=self.elapsed * self.rng.uniform(0.7, 1.1),
                    weight=weight,
                    author=self.user_of.get(head) if head else None,
                )
                for (title, description, parent_index, krs), weight in zip(UNIT_GOALS[family], (60, 40), strict=False)
            ]
        return goals

    def _team_objectives(self, teams: Teams, unit_goals: dict[int, list[_Objective]]) -> dict[int, _Objective]:
        """One objective per team, without key results: its progress is its people's."""
        return {
            team_id: self._objective(
                owner_type=OwnerType.DEPARTMENT,
                department_id=team_id,
                title=TEAM_GOAL[self.unit_family[unit_id]].format(team=name),
                description="团队目标，进度由成员目标汇总。",
                parent=unit_goals[unit_id][0],
                krs=(),
                fraction=0,
                author=self.user_of.get(head) if head else None,
            )
            for team_id, (name, unit_id, head) in teams.items()
        }

    def _person_objectives(
        self, people: list[_Person], unit_goals: dict[int, list[_Objective]], team_goals: dict[int, _Objective]
    ) -> None:
        rng = self.rng
        demo = {"employee", "manager", "hr"}
        for person in people:
            if person.unit_id is None:
                continue  # the CEO speaks through the company's objectives
            person.perf = min(max(rng.gauss(0.9, 0.22), 0.2), 1.25)
            if person.username in DEMO_PACE:
                person.perf = DEMO_PACE[person.username]
            if person.username not in demo and not person.is_head and rng.random() < 0.08:
                continue  # not started yet: the team pages show who still has no goals
            templates = PERSON_GOALS[person.family]
            count = 3 if person.username in demo or rng.random() < 0.65 else 2
            weights = rng.choice(((50, 30, 20), (40, 40, 20), (50, 25, 25))) if count == 3 else (60, 40)
            team = self.team_of.get(person.department_id)
            first = team_goals.get(team) if team is not None else None
            parents = [first or unit_goals[person.unit_id][0], unit_goals[person.unit_id][-1], None]
            checked = person.username in demo or rng.random() < 0.8
            for index in range(count):
                title, krs = templates[index]
                private = index == 2 and rng.random() < 0.3
                self._objective(
                    owner_type=OwnerType.PERSON,
                    employee_id=person.id,
                    title=title,
                    description="" if rng.random() < 0.15 else "按季度复盘进展，遇到风险及时沟通。",
                    parent=parents[index],
                    krs=krs,
                    fraction=self.elapsed * person.perf if checked else 0,
                    weight=weights[index],
                    visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
                    author=person.user_id,
                    jitter=True,
                )
            person.objectives = count

    def _roll_up(self, team_goals: dict[int, _Objective]) -> None:
        """Team objectives have no key results: they show the weighted mean of their people's."""
        for objective in team_goals.values():
            objective.progress = scoring.objective_progress(
                key_results=[], children=self.children.get(objective.id, [])
            )

    def _write_objectives(self) -> None:
        table = _Table(
            Objective,
            (
                "id",
                "period",
                "owner_type",
                "department",
                "employee",
                "title",
                "description",
                "weight",
                "visibility",
                "due_date",
                "parent",
                "path",
                "progress",
                "confidence",
                "created_by",
            ),
        )
        period, due = self.year.pk, self.year.end
        # Parents before children, as the alignment tree (and a foreign key checked at once) needs.
        for o in sorted(self.objectives, key=lambda o: o.path.count("/")):
            table.add(
                o.id,
                period,
                o.owner_type,
                o.department_id,
                o.employee_id,
                o.title,
                o.description,
                o.weight,
                o.visibility,
                due,
                o.parent_id,
                o.path,
                o.progress,
                o.confidence,
                o.author,
            )
        table.flush()
        self.key_results.flush()
        self.check_ins.flush()
        _reset_sequences(Objective, KeyResult)
        self.result.objectives = table.count
        self.result.key_results = self.key_results.count
        self.result.check_ins = self.check_ins.count

    # ---- goal plans ----

    def _plans(self, people: list[_Person]) -> None:
        rng = self.rng
        by_id = {p.id: p for p in people}
        manager = next((p for p in people if p.username == "manager"), None)
        team = sorted(
            p.id for p in people if manager is not None and p.manager_id == manager.id and p.username != "employee"
        )
        to_approve = set(team[:3])  # the demo manager always has goals waiting for her
        now = dt.datetime.combine(self.today, dt.time(10, 0), tzinfo=self.tz)
        table = _Table(
            GoalPlan, ("employee", "period", "state", "comment", "submitted_at", "decided_at", "decided_by", "version")
        )
        for person in people:
            if not person.objectives:
                continue
            if person.username == "employee":
                state = GoalPlan.State.DRAFT
            elif person.username in ("manager", "hr"):
                state = GoalPlan.State.APPROVED
            elif person.id in to_approve:
                state = GoalPlan.State.SUBMITTED
            else:
                roll = rng.random()
                state = (
                    GoalPlan.State.APPROVED
                    if roll < 0.55
                    else GoalPlan.State.SUBMITTED
                    if roll < 0.75
                    else GoalPlan.State.RETURNED
                    if roll < 0.82
                    else GoalPlan.State.DRAFT
                )
            submitted = decided = None
            if state != GoalPlan.State.DRAFT:
                submitted = now - dt.timedelta(days=rng.randint(3, 60), hours=rng.randint(0, 8))
            if submitted is not None and state in (GoalPlan.State.APPROVED, GoalPlan.State.RETURNED):
                decided = min(submitted + dt.timedelta(days=rng.randint(0, 3)), now)
            approver = by_id.get(person.manager_id) if person.manager_id else None
            table.add(
                person.id,
                self.year.pk,
                state,
                rng.choice(RETURN_COMMENTS) if state == GoalPlan.State.RETURNED else "",
                submitted,
                decided,
                approver.user_id if decided and approver else None,
                1 if state == GoalPlan.State.DRAFT else 2,
            )
        table.flush()
        self.result.plans = table.count

    # ---- KPI targets and actuals ----

    def _kpis(self, people: list[_Person], units: Units, indicators: dict[str, Indicator]) -> None:
        rng = self.rng
        months = _months(self.year, self.today)
        recorded = [dt.datetime.combine(day, dt.time(18, 0), tzinfo=self.tz) for day in months]
        targets = _Table(KPITarget, TARGET_COLUMNS)
        actuals = _Table(KPIActual, ("target", "measured_on", "value", "source", "recorded_by", "recorded_at"))
        source = {SUM: KPIActual.Source.API, AVERAGE: KPIActual.Source.IMPORT, LATEST: KPIActual.Source.MANUAL}
        next_id = _next_id(KPITarget)
        # (unit, KPI code) → month-by-month totals and how many people they add up
        per_unit: dict[tuple[int, str], tuple[list[float], list[int]]] = {}

        def write(
            kpi: Kpi,
            owner: tuple[int | None, int | None],
            numbers: tuple[float, float, float | None],
            weight: Decimal,
            values: list[float],
            user: int | None,
        ) -> None:
            nonlocal next_id
            baseline, target, stretch = (
                _dec(numbers[0]),
                _dec(numbers[1]),
                None if numbers[2] is None else _dec(numbers[2]),
            )
            decimals = [_dec(v) for v in values]
            actual = scoring.aggregate_actuals(decimals, method=kpi.aggregation)
            attainment = (
                None
                if actual is None
                else scoring.key_result_progress(
                    start=baseline, target=target, current=actual, cap=CAP, stretch=stretch
                )
            )
            pk, next_id = next_id, next_id + 1
            targets.add(
                pk, indicators[kpi.code].pk, self.year.pk, *owner, baseline, target, stretch, weight, actual, attainment
            )
            if len(actuals.rows) + len(decimals) >= INSERT_BATCH:
                targets.flush()  # the actuals' targets first
            for day, at, value in zip(months, recorded, decimals, strict=True):
                actuals.add(pk, day, value, source[kpi.aggregation], user, at)

        for person in people:
            if person.unit_id is None or (person.is_head and person.department_id == person.unit_id):
                continue  # the CEO and unit heads answer for the unit's KPIs
            kpis = LIBRARY[person.family][2]
            chosen = list(kpis[:3]) + ([kpis[3]] if len(kpis) > 3 and rng.random() < 0.4 else [])
            weights = (40, 30, 30) if len(chosen) == 3 else (30, 30, 20, 20)
            for kpi, weight in zip(chosen, weights, strict=True):
                numbers = _person_targets(kpi, rng)
                perf = min(max(person.perf * rng.uniform(0.85, 1.15), 0.1), 1.4)
                values = _monthly(kpi, numbers[0], numbers[1], perf, len(months), rng)
                totals, counts = per_unit.setdefault((person.unit_id, kpi.code), ([0.0] * len(months), [0]))
                for i, value in enumerate(values):
                    totals[i] += value
                counts[0] += 1
                write(kpi, (person.id, None), numbers, Decimal(weight), values, person.user_id)
        for unit_id, (family, head) in units.items():
            kpis = LIBRARY[family][2]
            for kpi in kpis:
                totals, counts = per_unit.get((unit_id, kpi.code), ([], [0]))
                scale = max(counts[0], 1) if kpi.aggregation == SUM else 1
                numbers = (
                    kpi.baseline * scale,
                    kpi.target * scale,
                    None if kpi.stretch is None else kpi.stretch * scale,
                )
                if counts[0]:
                    if kpi.aggregation == SUM:
                        values = [_round(t, kpi.unit, whole=kpi.unit == NUMBER) for t in totals]
                    else:
                        values = [_round(t / counts[0], kpi.unit) for t in totals]
                else:
                    values = _monthly(kpi, numbers[0], numbers[1], rng.uniform(0.8, 1.1), len(months), rng)
                user = self.user_of.get(head) if head else None
                write(kpi, (None, unit_id), numbers, _dec(100 / len(kpis), 2), values, user)
        targets.flush()
        actuals.flush()
        _reset_sequences(KPITarget)
        self.result.kpi_targets = targets.count
        self.result.actuals = actuals.count


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _months(year: Period, today: dt.date) -> list[dt.date]:
    """The month ends of the year up to today (today itself for the running month)."""
    last = min(max(today, year.start), year.end)
    return [min(_month_end(year.start.year, m), last) for m in range(1, last.month + 1)]


def _round(value: float, unit: str, *, whole: bool = False) -> float:
    if whole:
        return float(round(value))
    if unit == CURRENCY and abs(value) >= 1000:
        return float(round(value, -2))
    if unit == PERCENT or abs(value) < 20:
        return round(value, 1)
    return float(round(value))


def _person_targets(kpi: Kpi, rng: random.Random) -> tuple[float, float, float | None]:
    """A person's baseline, target and stretch: totals vary with territory and seniority, rates do not."""
    if kpi.aggregation == SUM and kpi.baseline == 0:
        scale = rng.choice((0.8, 0.9, 1.0, 1.0, 1.1, 1.25))
        whole = kpi.unit == NUMBER
        target = _round(kpi.target * scale, kpi.unit, whole=whole)
        stretch = None if kpi.stretch is None else max(_round(kpi.stretch * scale, kpi.unit, whole=whole), target + 1)
        return 0.0, target, stretch
    return kpi.baseline, kpi.target, kpi.stretch


def _monthly(kpi: Kpi, baseline: float, target: float, perf: float, months: int, rng: random.Random) -> list[float]:
    """Month-end values that add up (or average, or end) where a person of this performance would be."""
    yearly = baseline + (target - baseline) * perf
    whole = kpi.unit == NUMBER and kpi.aggregation == SUM and float(target).is_integer()
    spread = target - baseline
    values = []
    for m in range(1, months + 1):
        if kpi.aggregation == SUM:
            value = max(yearly, 0) / 12 * rng.uniform(0.7, 1.3)
        elif kpi.aggregation == AVERAGE:
            value = baseline + spread * perf * (0.7 + 0.3 * m / 12) + spread * rng.uniform(-0.05, 0.05)
        else:
            value = baseline + spread * perf * m / 12
        value = max(value, 0.0)
        if kpi.unit == PERCENT:
            value = min(value, 100.0)
        values.append(_round(value, kpi.unit, whole=whole))
    return values
