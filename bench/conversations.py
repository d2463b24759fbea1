"""Conversations benchmarks (issue 6), run by bench/run.py inside `manage.py shell` on a seeded bench database.

Each function prints `key=value` lines that run.py turns into figures.

- `prepare`: set-based (plain executemany on the connection, one transaction per table, no services) over the
  bench company's current people: 1,000,000 pieces of feedback (praise 70% — 40% of it public on the praise
  wall, half of it tagged with one or two company values — and suggestions, never public; mostly between
  teammates, manager → report and upward, some across the company; `recipient_manager` the recipient's manager;
  spread over two years, newest last), 20,000 feedback requests (open, answered, declined), a 1:1 series for
  every manager/report pair with 100,000 meetings in all (weekly, every two weeks or monthly back from today;
  the next one upcoming; shared notes, two to four agenda items from both sides, private notes, action items of
  which the old ones are nearly all done and the recent ones often open, so they carry over), and improvement
  plans with checkpoints and notes for 1% of the people; the seconds each part took;
- `sessions`: a signed-in session for each of the given people (as the test client's force_login does), so
  run.py does not pay a password hash per participant over HTTP;
- `meeting_sample` / `evidence_sample`: random 1:1 series (as one participant or the other) and random reviews
  of the annual cycle (as the reviewing manager), with the page paths when the pages exist;
- `selectors`: in process, the latency of the 1:1 page's and the evidence panel's selectors (when they exist)
  with their query counts, and of the pages through Django's test Client when they answer;
- `explain`: every query of one page with its milliseconds and SQLite's plan, slowest first;
- `evidence_what_if`: the evidence selector as it is and with its check-in and KPI lists narrowed to the
  reviewee inside the visibility subquery (the fix proposed in the issue's closing note), same rows asserted.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

FEEDBACK = 1_000_000
MEETINGS = 100_000
REQUESTS = 20_000
PIP_SHARE = 0.01
DAYS = 730

PRAISE = (
    "上周客户投诉处理得又快又稳，客户专门打电话来表扬。",
    "季度复盘的材料做得很清楚，大家一看就明白问题在哪里。",
    "主动帮新同事梳理了报价流程，节省了团队很多时间。",
    "展会期间连续加班，现场组织得井井有条。",
    "跨部门协调交付计划，推动问题当天闭环。",
    "Thanks for stepping in on the Hangzhou account at short notice.",
    "Great demo for the customer — clear, calm and on time.",
)
SUGGESTION = (
    "周报可以先写风险和需要的支持，再写进展。",
    "和客户确认需求时，建议把关键结论写成邮件留痕。",
    "会议上可以多给其他同事发言的机会。",
    "交付时间评估可以再保守一些，给测试留出余量。",
    "Could share the forecast a few days earlier so the team can plan.",
)
TOPICS = (
    "我在新客户开拓上的做法",
    "季度复盘会上的表现",
    "跨部门项目中的协作",
    "How I ran the customer workshop",
)
AGENDA = (
    "本周重点客户进展",
    "季度目标的风险",
    "培训和成长计划",
    "工作量和优先级",
    "上次行动项的跟进",
    "团队协作中的问题",
    "Quarter plan and open risks",
)
NOTES = (
    "重点客户推进顺利，下周完成报价；培训计划按月跟进。",
    "讨论了季度目标的风险，约定每周同步一次进展。",
    "工作量偏大，先暂停两个低优先级的内部项目。",
    "Agreed to focus on the two largest renewals this month.",
)
PRIVATE = ("需要多关注沟通方式。", "状态不错，可以考虑更有挑战的任务。", "Ask about the training budget next time.")
ACTIONS = (
    "整理客户拜访记录并共享给团队",
    "完成报价模板的更新",
    "报名参加谈判技巧培训",
    "和交付团队确认上线时间",
    "Draft the renewal proposal for the key account",
)


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now().replace(tzinfo=None)  # stored as naive UTC on SQLite


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Plain executemany on the raw sqlite3 connection, inside the caller's transaction."""
    from django.db import connection

    connection.ensure_connection()
    marks = ", ".join("?" * len(columns))
    cursor = connection.connection.cursor()
    cursor.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', rows)  # noqa: S608
    cursor.close()


@contextmanager
def _indexes_rebuilt(*tables: str) -> Iterator[None]:
    """Drop the tables' secondary indexes for a bulk insert and build them again after: sorting a million keys
    once is several times faster than a million random B-tree inserts."""
    from django.db import connection

    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",  # noqa: S608
            list(tables),
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)


def _max_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
        return int(cursor.fetchone()[0])


class _People:
    """The current people of the bench company: managers, teams, and who is whose manager."""

    def __init__(self) -> None:
        from jixiao.org.models import Employee, Status

        rows = list(
            Employee.objects.exclude(status=Status.LEFT).order_by("pk").values_list("pk", "manager_id", "user_id")
        )
        self.ids = [pk for pk, _m, _u in rows]
        present = set(self.ids)
        self.manager = {pk: m for pk, m, _u in rows if m in present}
        self.team: dict[int, list[int]] = defaultdict(list)
        for pk, manager in self.manager.items():
            self.team[manager].append(pk)
        # Pairs that have a series already (the demo users') keep theirs: one series per pair.
        from jixiao.conversations.models import OneOnOne

        taken = {frozenset(pair) for pair in OneOnOne.objects.values_list("first_id", "second_id")}
        self.pairs = sorted(
            (manager, pk) for pk, manager in self.manager.items() if frozenset((manager, pk)) not in taken
        )


def _feedback(rng: random.Random, people: _People, n: int) -> tuple[int, int, float]:
    """`n` feedback rows and their company value tags; (rows, tags, seconds)."""
    from django.db import transaction

    from jixiao.goals.models import CompanyValue

    start = time.perf_counter()
    values = list(CompanyValue.objects.order_by("pk").values_list("pk", flat=True))
    ids, manager, team = people.ids, people.manager, people.team
    reports = [pk for pk in ids if pk in manager]
    now = _now()
    # Moments over the last two years, sorted: ids grow with time as they would in production.
    offsets = sorted(rng.random() * DAYS * 86400 for _ in range(n))
    first_id = _max_id("conversations_feedback") + 1
    rows: list[tuple[Any, ...]] = []
    tags: list[tuple[int, int]] = []
    for i, offset in enumerate(offsets):
        roll = rng.random()
        recipient = rng.choice(reports)
        boss = manager[recipient]
        if roll < 0.45:  # a teammate
            mates = team[boss]
            giver = rng.choice(mates) if len(mates) > 1 else boss
            if giver == recipient:
                giver = boss
        elif roll < 0.70:  # her manager
            giver = boss
        elif roll < 0.82:  # upward: a report to her manager
            giver, recipient = recipient, boss
        else:  # someone across the company
            giver = rng.choice(ids)
            if giver == recipient:
                giver = boss
        praise = rng.random() < 0.7
        if praise:
            text = PRAISE[i % len(PRAISE)]
            seen = rng.random()
            visibility = "public" if seen < 0.4 else ("manager" if seen < 0.75 else "private")
        else:
            text = SUGGESTION[i % len(SUGGESTION)]
            visibility = "private" if rng.random() < 0.55 else "manager"
        moment = _stamp(now - dt.timedelta(seconds=DAYS * 86400 - offset))
        pk = first_id + i
        rows.append(
            (
                pk,
                giver,
                recipient,
                "praise" if praise else "suggestion",
                text,
                visibility,
                manager.get(recipient),
                moment,
                moment,
            )
        )
        if praise and values and rng.random() < 0.5:
            for value in rng.sample(values, 1 if rng.random() < 0.7 else 2):
                tags.append((pk, value))
    built = time.perf_counter()
    print(f"feedback_build_seconds={built - start:.2f}")
    with transaction.atomic(), _indexes_rebuilt("conversations_feedback", "conversations_feedback_values"):
        _insert(
            "conversations_feedback",
            (
                "id",
                "giver_id",
                "recipient_id",
                "kind",
                "text",
                "visibility",
                "recipient_manager_id",
                "created_at",
                "updated_at",
            ),
            rows,
        )
        _insert("conversations_feedback_values", ("feedback_id", "companyvalue_id"), tags)
    return len(rows), len(tags), time.perf_counter() - start


def _requests(rng: random.Random, people: _People, n: int) -> int:
    """Feedback requests: on oneself from teammates and the manager; open, answered or declined."""
    from django.db import transaction

    now = _now()
    reports = [pk for pk in people.ids if pk in people.manager]
    rows = []
    for i in range(n):
        requester = rng.choice(reports)
        boss = people.manager[requester]
        mates = [m for m in people.team[boss] if m != requester] or [boss]
        rater = boss if rng.random() < 0.3 else rng.choice(mates)
        roll = rng.random()
        state = "open" if roll < 0.3 else ("declined" if roll < 0.38 else "answered")
        moment = _stamp(now - dt.timedelta(seconds=rng.random() * 180 * 86400))
        reason = "这段时间和你的工作交集很少。" if state == "declined" else ""
        rows.append((requester, rater, requester, TOPICS[i % len(TOPICS)], state, reason, moment, moment))
    with transaction.atomic():
        _insert(
            "conversations_feedbackrequest",
            ("requester_id", "rater_id", "subject_id", "topic", "state", "decline_reason", "created_at", "updated_at"),
            rows,
        )
    return len(rows)


CADENCE_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 30}
CADENCE_WEIGHT = {"weekly": 2.0, "biweekly": 1.0, "monthly": 0.5}


def _meetings(rng: random.Random, people: _People, n: int) -> dict[str, int]:
    """A series per manager/report pair, `n` meetings in all with their agenda, notes and action items."""
    from django.db import transaction

    now = _now()
    today = now.date()
    pairs = people.pairs
    cadences = [rng.choices(("weekly", "biweekly", "monthly"), (0.25, 0.6, 0.15))[0] for _ in pairs]
    total_weight = sum(CADENCE_WEIGHT[c] for c in cadences)
    counts = [max(1, round(n * CADENCE_WEIGHT[c] / total_weight)) for c in cadences]
    # Round to exactly `n`: the longest series absorb the difference.
    diff = n - sum(counts)
    order = sorted(range(len(counts)), key=lambda i: -counts[i])
    for j in range(abs(diff)):
        counts[order[j % len(order)]] += 1 if diff > 0 else -1
    series_id = _max_id("conversations_oneonone") + 1
    meeting_id = _max_id("conversations_meeting") + 1
    series_rows, meeting_rows, agenda_rows, note_rows, action_rows = [], [], [], [], []
    stamp_now = _stamp(now)
    for (boss, report), cadence, count in zip(pairs, cadences, counts, strict=True):
        step = CADENCE_DAYS[cadence]
        started = _stamp(now - dt.timedelta(days=step * count + 3))
        series_rows.append((series_id, boss, report, "", cadence, 0, started, stamp_now))
        next_on = today + dt.timedelta(days=rng.randrange(1, step + 1))
        for k in range(count):
            # k = 0 is the upcoming meeting; the others are held, newest first.
            held_on = next_on - dt.timedelta(days=step * k)
            upcoming = k == 0
            state = "upcoming" if upcoming else ("cancelled" if rng.random() < 0.03 else "done")
            notes = "" if state != "done" else NOTES[(meeting_id + k) % len(NOTES)]
            moment = _stamp(dt.datetime.combine(held_on, dt.time(10)) - dt.timedelta(days=3))
            meeting_rows.append((meeting_id, series_id, held_on, state, notes, 1, moment, moment))
            for order_no in range(rng.randint(2, 4)):
                author = boss if order_no % 2 == 0 else report
                agenda_rows.append(
                    (
                        meeting_id,
                        author,
                        AGENDA[(meeting_id + order_no) % len(AGENDA)],
                        state == "done",
                        order_no,
                        moment,
                        moment,
                    )
                )
            if state == "done":
                if rng.random() < 0.4:
                    note_rows.append((meeting_id, boss, PRIVATE[meeting_id % len(PRIVATE)], 1, moment, moment))
                if rng.random() < 0.2:
                    note_rows.append((meeting_id, report, PRIVATE[(meeting_id + 1) % len(PRIVATE)], 1, moment, moment))
                for _ in range(rng.choice((0, 1, 1, 2))):
                    owner = report if rng.random() < 0.7 else boss
                    due = held_on + dt.timedelta(days=rng.choice((7, 10, 14)))
                    # The last two held meetings leave work open often; older ones nearly never.
                    open_share = 0.6 if k <= 2 else 0.02
                    done_at = None if rng.random() < open_share else _stamp(dt.datetime.combine(due, dt.time(18)))
                    text = ACTIONS[(meeting_id + owner) % len(ACTIONS)]
                    action_rows.append((series_id, meeting_id, owner, text, due, done_at, moment, moment))
            meeting_id += 1
        series_id += 1
    with transaction.atomic():
        _insert(
            "conversations_oneonone",
            ("id", "first_id", "second_id", "title", "cadence", "archived", "created_at", "updated_at"),
            series_rows,
        )
        _insert(
            "conversations_meeting",
            ("id", "series_id", "held_on", "state", "shared_notes", "version", "created_at", "updated_at"),
            meeting_rows,
        )
        _insert(
            "conversations_agendaitem",
            ("meeting_id", "author_id", "text", "discussed", '"order"', "created_at", "updated_at"),
            agenda_rows,
        )
        _insert(
            "conversations_privatenote",
            ("meeting_id", "author_id", "text", "version", "created_at", "updated_at"),
            note_rows,
        )
        _insert(
            "conversations_actionitem",
            ("series_id", "meeting_id", "owner_id", "text", "due_on", "done_at", "created_at", "updated_at"),
            action_rows,
        )
    return {
        "series": len(series_rows),
        "meetings": len(meeting_rows),
        "agenda_items": len(agenda_rows),
        "private_notes": len(note_rows),
        "action_items": len(action_rows),
        "open_action_items": sum(1 for row in action_rows if row[5] is None),
    }


def _plans(rng: random.Random, people: _People) -> int:
    """Improvement plans (active, acknowledged) with three checkpoints and notes from both sides."""
    from django.db import transaction

    now = _now()
    today = now.date()
    reports = [pk for pk in people.ids if pk in people.manager]
    chosen = rng.sample(reports, max(1, int(len(people.ids) * PIP_SHARE)))
    plan_id = _max_id("conversations_improvementplan") + 1
    checkpoint_id = _max_id("conversations_checkpoint") + 1
    plans, expectations, checkpoints, notes = [], [], [], []
    for person in chosen:
        boss = people.manager[person]
        starts = today - dt.timedelta(days=rng.randrange(10, 60))
        moment = _stamp(dt.datetime.combine(starts, dt.time(9)))
        plans.append(
            (
                plan_id,
                person,
                boss,
                "active",
                "按时交付率低于团队平均。",
                "每周辅导一次。",
                starts,
                starts + dt.timedelta(days=90),
                moment,
                1,
                "",
                1,
                moment,
                moment,
            )
        )
        expectations.append((plan_id, "按时交付率达到 90%", "项目管理系统的交付记录", 0))
        for c in range(3):
            due = starts + dt.timedelta(days=30 * (c + 1))
            checkpoints.append((checkpoint_id, plan_id, due, f"第 {c + 1} 次检查"))
            if due <= today:
                for author in (boss, person):
                    notes.append((checkpoint_id, author, "本阶段按计划推进。", moment, moment))
            checkpoint_id += 1
        plan_id += 1
    with transaction.atomic():
        _insert(
            "conversations_improvementplan",
            (
                "id",
                "employee_id",
                "manager_id",
                "state",
                "gaps",
                "support",
                "starts_on",
                "ends_on",
                "acknowledged_at",
                "expectations_version",
                "outcome",
                "version",
                "created_at",
                "updated_at",
            ),
            plans,
        )
        _insert("conversations_expectation", ("plan_id", "text", "measure", '"order"'), expectations)
        _insert("conversations_checkpoint", ("id", "plan_id", "due_on", "title"), checkpoints)
        _insert(
            "conversations_checkpointnote", ("checkpoint_id", "author_id", "text", "created_at", "updated_at"), notes
        )
    return len(plans)


def prepare(feedback: int = FEEDBACK, meetings: int = MEETINGS, seed: int = 11) -> None:
    """Seed the conversations of the bench company set-based; print the rows and seconds of each part."""
    from django.db import connection

    rng = random.Random(seed)
    people = _People()
    with connection.cursor() as cursor:
        # A large page cache for this one seeding connection: a million rows land in six indexes at random places.
        cursor.execute("PRAGMA cache_size=-1000000")
    start = time.perf_counter()
    rows, tags, seconds = _feedback(rng, people, feedback)
    print(f"feedback={rows}")
    print(f"feedback_values={tags}")
    print(f"feedback_seconds={seconds:.2f}")
    print(f"requests={_requests(rng, people, REQUESTS)}")
    mark = time.perf_counter()
    for key, value in _meetings(rng, people, meetings).items():
        print(f"{key}={value}")
    print(f"meetings_seconds={time.perf_counter() - mark:.2f}")
    print(f"plans={_plans(rng, people)}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what a production database has after a while; the planner needs it
    print(f"seconds={time.perf_counter() - start:.2f}")
    print(f"people={len(people.ids)}")


# ---- the samples run.py times -----------------------------------------------------------------------


def _reverse(names: Sequence[str], *args: Any) -> str | None:
    from django.urls import NoReverseMatch, reverse

    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


MEETING_PAGES = (
    "conversations:one_on_one",
    "conversations:one_on_one_detail",
    "conversations:series",
    "conversations:meeting_series",
    "conversations:one_on_one_page",
)
MEETING_PAGE_BY_MEETING = ("conversations:meeting", "conversations:meeting_detail")


def _series_sample(n: int, seed: int = 7) -> list[tuple[int, int, str]]:
    """(series id, upcoming meeting id, username): random series, as one participant or the other."""
    from jixiao.conversations.models import Meeting, OneOnOne

    rng = random.Random(seed)
    ids = list(OneOnOne.objects.order_by("pk").values_list("pk", flat=True))
    picked = rng.sample(ids, min(n, len(ids)))
    series = {s.pk: s for s in OneOnOne.objects.filter(pk__in=picked).select_related("first__user", "second__user")}
    upcoming = dict(Meeting.objects.filter(series_id__in=picked, state="upcoming").values_list("series_id", "pk"))
    out = []
    for i, pk in enumerate(picked):
        s = series[pk]
        person = s.first if i % 2 == 0 else s.second
        if person.user is not None:
            out.append((pk, upcoming.get(pk, 0), person.user.username))
    return out


def _meeting_path(series: int, meeting: int) -> str | None:
    return _reverse(MEETING_PAGES, series) or (_reverse(MEETING_PAGE_BY_MEETING, meeting) if meeting else None)


def meeting_sample(n: int) -> None:
    """Print `paths` (the 1:1 page of random series) and `users` (who opens each: one participant or the other)."""
    sample = _series_sample(n)
    paths = [_meeting_path(s, m) for s, m, _u in sample]
    if not all(paths):
        print("paths=")
        return
    print(f"paths={','.join(p for p in paths if p)}")
    print(f"users={','.join(u for _s, _m, u in sample)}")


def _review_sample(n: int, seed: int = 7) -> list[tuple[int, str]]:
    """(review id, the reviewing manager's username) for random reviews of the annual cycle."""
    from jixiao.reviews.models import Cycle, Review

    cycle = Cycle.objects.filter(state=Cycle.State.ACTIVE).order_by("-pk").first()
    rows = list(
        Review.objects.filter(cycle=cycle, manager__user__isnull=False)
        .order_by("pk")
        .values_list("pk", "manager__user__username")
    )
    return random.Random(seed).sample(rows, min(n, len(rows)))


def evidence_sample(n: int) -> None:
    """Print `paths` (the evidence panel of random reviews) and `users` (each review's manager)."""
    sample = _review_sample(n)
    paths = [_reverse(("conversations:evidence",), pk) for pk, _u in sample]
    if not all(paths):
        print("paths=")
        return
    print(f"paths={','.join(p for p in paths if p)}")
    print(f"users={','.join(u for _pk, u in sample)}")


def sessions(usernames: str) -> None:
    """A signed-in session per username (comma-separated), printed as `username=session key`."""
    from django.conf import settings
    from django.test import Client

    from jixiao.accounts.models import User

    names = sorted(set(usernames.split(",")))
    for user in User.objects.filter(username__in=names):
        client = Client()
        client.force_login(user)
        print(f"{user.username}={client.cookies[settings.SESSION_COOKIE_NAME].value}")


# ---- in process: the selectors and the pages through the test client -----------------------------------


def _timeit(call: Callable[[Any], Any], items: Sequence[Any]) -> tuple[float, float, int, float, float]:
    """(p50 ms, p95 ms, queries of the first call, CPU p50 ms, CPU p95 ms) of `call` over `items`, after a warm-up.

    The CPU time of this process is what the call costs whatever else the machine is doing."""
    from django.db import connection

    for item in items[:10]:
        call(item)
    connection.force_debug_cursor = True
    connection.queries_log.clear()
    call(items[0])
    queries = len(connection.queries_log)
    connection.force_debug_cursor = False
    samples, cpu = [], []
    for item in items:
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        if PROFILER is not None:
            PROFILER.enable()
        call(item)
        if PROFILER is not None:
            PROFILER.disable()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    samples.sort()
    cpu.sort()
    p95 = int(len(samples) * 0.95) - 1
    return statistics.median(samples), samples[p95], queries, statistics.median(cpu), cpu[p95]


PROFILER: Any = None


def _print(prefix: str, figures: tuple[float, float, int, float, float]) -> None:
    p50, p95, queries, cpu50, cpu95 = figures
    print(f"{prefix}_p50_ms={p50:.2f}")
    print(f"{prefix}_p95_ms={p95:.2f}")
    print(f"{prefix}_cpu_p50_ms={cpu50:.2f}")
    print(f"{prefix}_cpu_p95_ms={cpu95:.2f}")
    print(f"{prefix}_queries={queries}")


PROFILE_TARGET = ""


def _measure(prefix: str, call: Callable[[Any], Any], items: Sequence[Any], profile: str) -> None:
    """Time and print; with `profile` naming this prefix, a cProfile of the timed calls too."""
    import cProfile
    import pstats

    global PROFILER
    PROFILER = cProfile.Profile() if profile and prefix.startswith(profile) else None
    _print(prefix, _timeit(call, items))
    if PROFILER is not None:
        pstats.Stats(PROFILER).sort_stats("tottime").print_stats(25)
        pstats.Stats(PROFILER).sort_stats("cumulative").print_stats(40)
    PROFILER = None


def _try(
    prefix: str, selector: Callable[..., Any], items: Sequence[Any], arguments: Callable[[Any], dict[str, Any]]
) -> None:
    """Time `selector(**arguments(item))` over `items`; a selector still being written is reported, not fatal."""
    try:
        _measure(prefix, lambda item: selector(**arguments(item)), items, PROFILE_TARGET)
    except Exception as error:  # noqa: BLE001 - report and go on
        print(f"{prefix}_error={type(error).__name__}: {str(error)[:160]}")


def selectors(n: int = 200, profile: str = "") -> None:
    """The 1:1 page's and the evidence panel's selectors (those that exist), and their pages in process.

    `profile="meeting_page"` (or another figure's prefix) prints a cProfile of that one, to see where time goes."""
    global PROFILE_TARGET
    PROFILE_TARGET = profile
    import importlib

    from django.conf import settings
    from django.test import Client

    from jixiao.accounts.models import User
    from jixiao.conversations.models import OneOnOne
    from jixiao.reviews.models import Review

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    series = _series_sample(n)
    users = {u.username: u for u in User.objects.filter(username__in={u for _s, _m, u in series})}
    try:
        meetings = importlib.import_module("jixiao.conversations.selectors_meetings")
    except ImportError:
        meetings = None
    page = getattr(meetings, "one_on_one_page", None)
    if page is not None:
        by_pk = {
            s.pk: s
            for s in OneOnOne.objects.filter(pk__in=[s for s, _m, _u in series]).select_related("first", "second")
        }
        _try("meeting_selector", page, series, lambda item: {"user": users[item[2]], "series": by_pk[item[0]]})
    reviews = _review_sample(n)
    try:
        evidence = importlib.import_module("jixiao.conversations.selectors_evidence")
    except ImportError:
        evidence = None
    evidence_for = getattr(evidence, "evidence_for", None)
    if evidence_for is not None:
        managers = {u.username: u for u in User.objects.filter(username__in={u for _pk, u in reviews})}
        by_review = {
            r.pk: r
            for r in Review.objects.filter(pk__in=[pk for pk, _u in reviews]).select_related(
                "cycle__period", "reviewee", "manager"
            )
        }
        _try(
            "evidence_selector",
            evidence_for,
            reviews,
            lambda item: {"user": managers[item[1]], "review": by_review[item[0]]},
        )
    # The pages through the test client, when they answer.
    # One client (its handler loads the middleware once, WhiteNoise's file scan included) and a session per
    # person, made once: each request carries the session of the person who opens the page.
    client = Client(SERVER_NAME="127.0.0.1")
    session_of: dict[str, str] = {}

    def client_for(username: str) -> Client:
        if username not in session_of:
            login = Client()
            login.force_login(User.objects.get(username=username))
            session_of[username] = login.cookies[settings.SESSION_COOKIE_NAME].value
        client.cookies[settings.SESSION_COOKIE_NAME] = session_of[username]
        return client

    for name, maybe in (
        ("meeting_page", [(_meeting_path(s, m), u) for s, m, u in series]),
        ("evidence_page", [(_reverse(("conversations:evidence",), pk), u) for pk, u in reviews]),
    ):
        items = [(path, u) for path, u in maybe if path]
        if not items or len(items) < len(maybe):
            continue
        status = client_for(items[0][1]).get(items[0][0]).status_code
        print(f"{name}_status={status}")
        if status != 200:
            continue

        def get(item: tuple[str, str]) -> Any:
            response = client_for(item[1]).get(item[0])
            assert response.status_code == 200, (item, response.status_code)
            return response

        _measure(f"{name}_in_process", get, items, profile)


def explain(path: str, username: str) -> None:
    """Every query one page runs, with its milliseconds and SQLite's plan, slowest first."""
    from django.db import connection
    from django.test import Client

    from jixiao.accounts.models import User

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    client.get(path)
    connection.force_debug_cursor = True
    connection.queries_log.clear()
    status = client.get(path).status_code
    queries = list(connection.queries_log)
    connection.force_debug_cursor = False
    print(f"status={status}")
    print(f"queries={len(queries)}")
    for query in sorted(queries, key=lambda q: -float(q["time"])):
        sql = query["sql"]
        print(f"--- {float(query['time']) * 1000:.1f} ms: {sql[:600]}")
        if sql.lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                try:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql)
                    for row in cursor.fetchall():
                        print(f"    plan: {row[-1]}")
                except Exception as error:  # noqa: BLE001 - the logged SQL is interpolated; some do not parse
                    print(f"    plan: ({type(error).__name__})")


def evidence_what_if(n: int = 200) -> None:
    """The evidence selector as it is and with its goal lists narrowed to the reviewee before the visibility
    subquery (`visible_to(user).filter(employee=...)`), in this process only: the figure for the proposed fix."""
    from jixiao.accounts.models import User
    from jixiao.conversations import selectors_evidence as ev
    from jixiao.goals.models import CheckIn, KPIActual, KPITarget, Objective
    from jixiao.reviews.models import Review

    reviews = _review_sample(n)
    managers = {u.username: u for u in User.objects.filter(username__in={u for _pk, u in reviews})}
    by_review = {
        r.pk: r
        for r in Review.objects.filter(pk__in=[pk for pk, _u in reviews]).select_related(
            "cycle__period", "reviewee", "manager"
        )
    }

    def call(item: tuple[int, str]) -> Any:
        return ev.evidence_for(managers[item[1]], by_review[item[0]])

    _print("evidence_selector_now", _timeit(call, reviews))

    def check_ins(user: Any, employee: Any, since: dt.datetime, until: dt.datetime) -> Any:
        rows = list(
            CheckIn.objects.filter(
                key_result__objective__in=Objective.objects.visible_to(user).filter(employee=employee).values("pk"),
                created_at__gte=since,
                created_at__lt=until,
            )
            .select_related("key_result__objective")
            .order_by("-created_at", "-pk")[: ev.LIMIT + 1]
        )
        return ev._take(rows)

    def actuals(user: Any, employee: Any, start: dt.date, end: dt.date) -> Any:
        rows = list(
            KPIActual.objects.filter(
                target__in=KPITarget.objects.visible_to(user).filter(employee=employee).values("pk"),
                measured_on__gte=start,
                measured_on__lte=end,
            )
            .select_related("target__indicator")
            .order_by("-measured_on", "-pk")[: ev.LIMIT + 1]
        )
        return ev._take(rows)

    original = (ev._check_ins, ev._actuals)
    ev._check_ins, ev._actuals = check_ins, actuals
    try:
        fixed = {pk: call((pk, u)) for pk, u in reviews}
        ev._check_ins, ev._actuals = original
        for pk, u in reviews:  # the same rows either way
            now = call((pk, u))
            assert [c.pk for c in now.check_ins.rows] == [c.pk for c in fixed[pk].check_ins.rows], pk
            assert [a.pk for a in now.actuals.rows] == [a.pk for a in fixed[pk].actuals.rows], pk
        ev._check_ins, ev._actuals = check_ins, actuals
        _print("evidence_selector_fixed", _timeit(call, reviews))
    finally:
        ev._check_ins, ev._actuals = original
