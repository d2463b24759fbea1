"""The demo company's conversations (星辰科技), through the services, so the audit log and notifications are real.

seed_demo calls `conversations_seed_demo` right after the reviews demo. Around the demo `manager` and `employee`:

- continuous feedback: praise and suggestions inside the manager's team, upward to the manager and across the
  company, some public on the praise wall and tagged with company values (PRAISE), given over the last three
  months; the demo `employee` has two open requests for feedback in her inbox, answered one of her own and had
  one declined;
- a 1:1 series between `manager` and `employee` (every two weeks): two meetings held, with shared notes and
  private notes, an action item done and one still open that carries over, and the next meeting upcoming with
  agenda items from both; a weekly 1:1 between `manager` and her own manager too;
- an improvement plan, active and acknowledged, for one of the manager's other reports (the lowest-rated one in
  the annual review when there is one): gaps, two expected results with measures, three checkpoints, progress
  notes from both sides on the one already passed;
- development plans: the demo `employee`'s pre-filled with the competency gaps of her released review, with a
  course, mentoring and reading and her manager's comment; the manager's own and two of her reports' plans.

A few dozen service calls (no per-person loop): the seed stays fast at any company size. No email is sent.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, DateTimeField, Value, When
from django.test.utils import override_settings
from django.utils import timezone, translation

from jixiao.accounts.models import User
from jixiao.goals.models import CompanyValue
from jixiao.org.models import Employee, Status

from . import services_feedback, services_idp, services_meetings, services_pip
from .models import DevelopmentAction, Feedback, FeedbackRequest, Meeting, OneOnOne
from .services_pip import CheckpointInput, ExpectationInput

SERIES_TITLE = "业务与成长"
OPEN_ACTION = "整理华东区重点客户的续约风险清单"
DONE_ACTION = "报名参加大客户谈判技巧培训"
PIP_GAPS = "近两个季度按时交付率低于团队平均（68% 对 90%），客户拜访记录不完整，周报常常延迟。"
DECLINE_REASON = "这个项目我参与得很少，没法给出有依据的反馈，建议问一下项目组的同事。"


@dataclass
class ConversationsSeedResult:
    feedback: int = 0
    requests: int = 0
    meetings: int = 0
    improvement_plans: int = 0
    development_plans: int = 0


@contextmanager
def _quietly() -> Iterator[None]:
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        yield


def _values(*names: str) -> list[CompanyValue]:
    by_name = {v.name: v for v in CompanyValue.objects.filter(name__in=names)}
    return [by_name[n] for n in names if n in by_name]


def conversations_seed_demo(*, seed: int = 1, today: dt.date | None = None) -> ConversationsSeedResult | None:
    """Seed feedback, 1:1s and plans around the demo users; None when conversations exist or they are missing."""
    today = today or timezone.localdate()
    people = {
        e.user.username: e
        for e in Employee.objects.filter(user__username__in=("manager", "employee", "hr")).select_related(
            "user", "manager__user", "department"
        )
        if e.user is not None
    }
    if "manager" not in people or "employee" not in people:
        return None
    if Feedback.objects.exists() or OneOnOne.objects.exists():
        return None
    with _quietly(), transaction.atomic():
        return _Seeder(today, people["manager"], people["employee"], seed).run()


class _Seeder:
    def __init__(self, today: dt.date, manager: Employee, employee: Employee, seed: int):
        self.today = today
        self.manager = manager
        self.employee = employee
        self.seed = seed
        self.result = ConversationsSeedResult()
        # The manager's other reports, in a stable order; some of them feature in the stories below.
        self.team = list(
            Employee.objects.filter(manager=manager, user__isnull=False)
            .exclude(status=Status.LEFT)
            .exclude(pk=employee.pk)
            .select_related("user", "department", "manager")
            .order_by("pk")
        )
        self.peers = list(
            Employee.objects.filter(manager_id=manager.manager_id, user__isnull=False)
            .exclude(status=Status.LEFT)
            .exclude(pk=manager.pk)
            .select_related("user", "department")
            .order_by("pk")[:4]
        )

    def run(self) -> ConversationsSeedResult:
        self.feedback()
        self.requests()
        self.spread_feedback()
        self.one_on_ones()
        self.improvement_plan()
        self.development_plans()
        return self.result

    @staticmethod
    def _user(person: Employee) -> User:
        assert person.user is not None
        return person.user

    def give(
        self, giver: Employee, recipient: Employee, kind: str, text: str, visibility: str, values: tuple[str, ...] = ()
    ) -> Feedback:
        item = services_feedback.feedback_give(
            actor=self._user(giver),
            recipient=recipient,
            kind=kind,
            text=text,
            visibility=visibility,
            values=_values(*values),
        )
        self.result.feedback += 1
        return item

    # ---- continuous feedback ----

    def feedback(self) -> None:
        m, e, team = self.manager, self.employee, self.team
        praise, suggestion = Feedback.Kind.PRAISE, Feedback.Kind.SUGGESTION
        public, manager, private = Feedback.Visibility.PUBLIC, Feedback.Visibility.MANAGER, Feedback.Visibility.PRIVATE
        # To the demo employee: praise on the wall, her manager's praise and a suggestion for her only.
        if team:
            self.give(
                team[0],
                e,
                praise,
                "上周远航物流的紧急订单，你当天协调仓库和客户，把交期稳住了，客户专门打电话来表扬。",
                public,
                ("客户第一", "团队协作"),
            )
        self.give(
            m,
            e,
            praise,
            "季度复盘材料做得很清楚：先讲结论和风险，再讲数据，管理层一看就明白。",
            manager,
            ("追求卓越",),
        )
        self.give(
            m,
            e,
            suggestion,
            "和客户确认需求时，建议会后当天把关键结论写成邮件发给对方，避免后面交付时理解不一致。",
            private,
        )
        if len(team) > 1:
            self.give(
                team[1],
                e,
                suggestion,
                "周会上可以先讲需要大家支持的事情，再讲进展，这样讨论更有效率。",
                manager,
            )
        # From the demo employee: praise for a teammate on the wall, and upward praise to her manager.
        if team:
            self.give(
                e,
                team[0],
                praise,
                "谢谢你帮我梳理报价流程，新模板让我们每单节省了半天时间。",
                public,
                ("团队协作",),
            )
        self.give(
            e,
            m,
            praise,
            "谢谢覃经理每次 1:1 都认真听我的想法，上个月的培训机会对我帮助很大。",
            manager,
        )
        # Inside the team and from the manager's peers: more for the praise wall.
        wall = (
            ("展会期间连续加班，现场组织得井井有条，客户和同事都说好。", ("追求卓越",)),
            ("主动把大客户的拜访经验写成了手册，新同事上手快多了。", ("团队协作", "持续创新")),
            ("客户投诉当天闭环，还回访了两次，客户满意度明显提升。", ("客户第一",)),
            ("如实汇报了项目的延期风险，让我们及时调整了资源。", ("诚信正直",)),
        )
        for i, (text, values) in enumerate(wall):
            if len(team) > i + 2:
                self.give(m, team[i + 2], praise, text, public, values)
        for i, peer in enumerate(self.peers[:2]):
            self.give(
                peer,
                m,
                praise,
                "跨区域的联合投标配合得很好，资料准备又快又全。"
                if i == 0
                else "华东区分享的客户分级方法，我们华南区也用上了，效果不错。",
                public,
                ("团队协作",),
            )
        if len(team) > 3:
            self.give(
                m,
                team[3],
                suggestion,
                "交付时间评估可以再保守一些，给测试和验收留出余量。",
                private,
            )
            self.give(
                team[2],
                team[3],
                praise,
                "谢谢你周末帮忙核对合同条款，避免了一个大问题。",
                private,
                ("诚信正直",),
            )

    def requests(self) -> None:
        """Two open requests in the demo employee's inbox; one of hers answered, another declined."""
        e, team = self.employee, self.team
        topics = ("我在杭州客户项目中的沟通和推进", "我上个月主持的客户培训会")
        for asker, topic in zip(team[:2], topics, strict=False):
            services_feedback.feedback_request_create(
                actor=self._user(asker),
                raters=[e],
                subject=asker,
                topic=topic,
                due_on=self.today + dt.timedelta(days=7),
            )
            self.result.requests += 1
        if len(team) < 4:
            return
        asked = services_feedback.feedback_request_create(
            actor=self._user(e),
            raters=[team[2], team[3]],
            subject=e,
            topic="我在季度复盘会上的汇报",
            due_on=self.today + dt.timedelta(days=5),
        )
        self.result.requests += len(asked)
        answered = next(r for r in asked if r.rater_id == team[2].pk)
        declined = next(r for r in asked if r.rater_id == team[3].pk)
        services_feedback.feedback_give(
            actor=self._user(team[2]),
            recipient=e,
            kind=Feedback.Kind.PRAISE,
            text="汇报结构清楚，数据有说服力；如果能少用一些缩写，其他部门的同事会更容易理解。",
            visibility=Feedback.Visibility.PRIVATE,
            request=answered,
        )
        self.result.feedback += 1
        services_feedback.feedback_request_decline(actor=self._user(team[3]), request=declined, reason=DECLINE_REASON)

    def spread_feedback(self) -> None:
        """Feedback given over the last three months, not all today: the wall and the evidence panel read real.

        The services stamp every row with the moment it is written; one UPDATE then moves each to a working hour
        of one of the last ~90 days. Answers to requests stay as they are: they come after this week's requests.
        """
        rng = random.Random(self.seed)  # noqa: S311 - demo data, not secrets
        tz = timezone.get_current_timezone()
        when: dict[int, dt.datetime] = {}
        for pk in Feedback.objects.filter(request__isnull=True).order_by("pk").values_list("pk", flat=True):
            day = self.today - dt.timedelta(days=rng.randint(1, 88))
            when[pk] = dt.datetime.combine(day, dt.time(rng.randint(9, 18), rng.randint(0, 59)), tzinfo=tz)
        if not when:
            return
        stamp = Case(*(When(pk=pk, then=Value(at)) for pk, at in when.items()), output_field=DateTimeField())
        Feedback.objects.filter(pk__in=when).update(created_at=stamp, updated_at=stamp)

    # ---- 1:1s ----

    @staticmethod
    def _prepare(
        meeting: Meeting, topics: tuple[tuple[User, str], ...], notes: tuple[User, str], private: tuple[User, str]
    ) -> Meeting:
        """A meeting's topics (by whom), its shared notes and one participant's private note."""
        for author, text in topics:
            services_meetings.agenda_item_add(actor=author, meeting=meeting, text=text)
        writer, text = notes
        meeting = services_meetings.meeting_notes_save(
            actor=writer, meeting=meeting, text=text, version=meeting.version
        )
        author, text = private
        services_meetings.private_note_save(actor=author, meeting=meeting, text=text, version=0)
        return meeting

    def one_on_ones(self) -> None:
        """manager ↔ employee every two weeks: two meetings held, the next one in two days."""
        m, e = self.manager, self.employee
        mu, eu = self._user(m), self._user(e)
        first_day = self.today - dt.timedelta(days=26)
        series = services_meetings.one_on_one_start(
            actor=mu, other=e, cadence=OneOnOne.Cadence.BIWEEKLY, title=SERIES_TITLE, held_on=first_day
        )
        # The first meeting, four weeks ago.
        meeting = self._prepare(
            series.meetings.get(),
            topics=((mu, "第三季度目标的进展和风险"), (eu, "想申请参加大客户谈判培训")),
            notes=(mu, "第三季度目标整体正常，远航物流续约有风险，需要提前准备方案。同意报名谈判技巧培训。"),
            private=(mu, "她对大客户方向很有兴趣，可以考虑明年让她独立负责一个重点客户。"),
        )
        done = services_meetings.action_item_add(
            actor=mu, meeting=meeting, owner=e, text=DONE_ACTION, due_on=first_day + dt.timedelta(days=7)
        )
        services_meetings.action_item_complete(actor=eu, item=done)
        services_meetings.action_item_add(
            actor=mu, meeting=meeting, owner=e, text=OPEN_ACTION, due_on=self.today + dt.timedelta(days=5)
        )
        following = services_meetings.meeting_complete(actor=mu, meeting=meeting)
        assert following is not None
        # The second meeting, two weeks ago (the next date is moved back to when it was held).
        second = self._prepare(
            services_meetings.meeting_schedule(actor=mu, series=series, held_on=first_day + dt.timedelta(days=14)),
            topics=((eu, "续约风险清单的进展"), (mu, "下半年的个人发展计划")),
            notes=(eu, "风险清单完成了一半，剩下的客户下周访谈后补齐。个人发展计划先从谈判和数据分析两方面入手。"),
            private=(eu, "下次问一下能不能参加华南区的联合投标项目。"),
        )
        upcoming = services_meetings.meeting_complete(actor=mu, meeting=second)
        assert upcoming is not None
        # The next meeting: topics from both sides; the open action item carries over by itself.
        services_meetings.agenda_item_add(actor=eu, meeting=upcoming, text="能否参加华南区的联合投标项目")
        services_meetings.agenda_item_add(actor=eu, meeting=upcoming, text="培训学到的谈判方法，想在续约中试用")
        services_meetings.agenda_item_add(actor=mu, meeting=upcoming, text="第四季度目标的确认")
        self.result.meetings += Meeting.objects.filter(series=series).count()
        # The manager's own 1:1 with her manager: a series on her side too.
        boss = m.manager
        if boss is not None and boss.user is not None and boss.status != Status.LEFT:
            upward = services_meetings.one_on_one_start(
                actor=boss.user, other=m, cadence=OneOnOne.Cadence.WEEKLY, held_on=self.today + dt.timedelta(days=2)
            )
            meeting = upward.meetings.get()
            services_meetings.agenda_item_add(actor=mu, meeting=meeting, text="华东区第四季度的人员安排")
            self.result.meetings += 1

    # ---- improvement plan ----

    def _pip_person(self) -> Employee | None:
        """The manager's report with the lowest annual result (not the demo employee), else the first one."""
        from jixiao.reviews.models import Review

        candidates = [p for p in self.team if p.status == Status.ACTIVE]
        if not candidates:
            return None
        bands = dict(
            Review.objects.filter(reviewee__in=candidates, final_score__isnull=False)
            .order_by("reviewee_id", "-cycle_id")
            .values_list("reviewee_id", "final_score")
        )
        return min(candidates, key=lambda p: (bands.get(p.pk) is None, bands.get(p.pk) or 0, p.pk))

    def improvement_plan(self) -> None:
        person = self._pip_person()
        if person is None:
            return
        mu, pu = self._user(self.manager), self._user(person)
        starts = self.today - dt.timedelta(days=30)
        plan = services_pip.improvement_plan_create(
            actor=mu,
            employee=person,
            gaps=PIP_GAPS,
            support="每周一次 1:1 辅导；由资深同事带教客户拜访；提供项目管理培训。",
            starts_on=starts,
            ends_on=starts + dt.timedelta(days=90),
            expectations=[
                ExpectationInput("按时交付率达到 90% 以上", "项目管理系统中按期关闭的交付单占比"),
                ExpectationInput("每次客户拜访当天提交完整记录", "CRM 中拜访记录的完整率 ≥ 95%"),
            ],
            checkpoints=[
                CheckpointInput("第一次检查：交付流程和拜访记录", starts + dt.timedelta(days=21)),
                CheckpointInput("第二次检查：交付率达到 80%", starts + dt.timedelta(days=50)),
                CheckpointInput("最终评估", starts + dt.timedelta(days=88)),
            ],
        )
        plan = services_pip.improvement_plan_send(actor=mu, plan=plan, version=plan.version)
        plan = services_pip.improvement_plan_acknowledge(actor=pu, plan=plan, version=plan.version)
        first = plan.checkpoints.order_by("due_on", "pk").first()
        assert first is not None
        services_pip.checkpoint_note_add(
            actor=mu, checkpoint=first, text="交付流程已经按新的清单执行，三周内按时交付率 82%，拜访记录完整。"
        )
        services_pip.checkpoint_note_add(
            actor=pu, checkpoint=first, text="带教的同事帮助很大；有两单延期是因为客户改需求，已提前沟通。"
        )
        self.result.improvement_plans += 1

    # ---- development plans ----

    def development_plans(self) -> None:
        e, m = self.employee, self.manager
        eu, mu = self._user(e), self._user(m)
        # The needs take the competencies' names in the language of the moment: the demo company's, Chinese.
        with translation.override("zh-hans"):
            plan = services_idp.development_plan_create(actor=eu, employee=e, title="2027 年个人发展计划")
        needs = list(plan.needs.order_by("order", "pk"))
        if not needs:
            needs = [
                services_idp.development_need_add(actor=eu, plan=plan, text="大客户谈判能力", version=plan.version)
            ]
        first_need = needs[0].pk
        for kind, title, days, need_id in (
            (DevelopmentAction.Kind.COURSE, "大客户谈判技巧（两天线下课程）", 30, first_need),
            (DevelopmentAction.Kind.MENTORING, "每月和华南区销售总监交流一次大客户经验", 90, first_need),
            (DevelopmentAction.Kind.READING, "《关键对话》", 45, None),
            (DevelopmentAction.Kind.STRETCH, "独立负责远航物流的续约谈判", 120, first_need),
        ):
            services_idp.development_action_add(
                actor=eu,
                plan=plan,
                kind=kind,
                title=title,
                version=plan.version,
                due_on=(self.today + dt.timedelta(days=days)).isoformat(),
                need_id=need_id,
            )
        course = plan.actions.order_by("pk").first()
        assert course is not None
        services_idp.development_action_update(
            actor=eu, plan=plan, action_id=course.pk, status=DevelopmentAction.Status.IN_PROGRESS, version=plan.version
        )
        services_idp.development_plan_comment(
            actor=eu, plan=plan, text="希望明年能独立负责一个重点客户。", version=plan.version
        )
        services_idp.development_plan_comment(
            actor=mu, plan=plan, text="方向很好，谈判课程的费用从团队培训预算里出。", version=plan.version
        )
        self.result.development_plans += 1
        # The manager's own plan, and two of her reports' plans.
        for person, title, action in (
            (m, "带团队能力提升", (DevelopmentAction.Kind.COURSE, "新任经理领导力训练营")),
            *(
                (p, "2027 年个人发展计划", (DevelopmentAction.Kind.READING, "《高效能人士的七个习惯》"))
                for p in self.team[:2]
            ),
        ):
            user = self._user(person)
            other = services_idp.development_plan_create(actor=user, employee=person, title=title)
            services_idp.development_action_add(
                actor=user,
                plan=other,
                kind=action[0],
                title=action[1],
                version=other.version,
                due_on=(self.today + dt.timedelta(days=60)).isoformat(),
            )
            self.result.development_plans += 1


def open_requests_for(employee: Employee) -> int:
    """How many requests for feedback wait in her inbox (the demo's tests and the command's summary)."""
    return FeedbackRequest.objects.filter(rater=employee, state=FeedbackRequest.State.OPEN).count()
