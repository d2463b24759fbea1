"""Calibration, rater bias and appeals benchmarks (issue 7), run by bench/run.py inside `manage.py shell`.

Each function prints `key=value` lines that run.py turns into figures.

- `prepare`: on a seeded bench company (one person more than the reviews wanted: the head of the company has
  no manager and no review), a cycle with calibration over everyone (the demo's annual template: KPIs, goals,
  competencies by job family), launched through the services. Every self and manager review submitted
  set-based (plain executemany): each person has a performance that her attainments (three KPI targets, two
  goals) and ratings follow, each manager a habit — most rate around the middle, some generously or harshly,
  in their ratings and in overrides of the automatic scores — so some raters are flagged lenient or severe.
  Every review `ready` and scored by services.cycle_recompute (real breakdowns); the cycle moved into its
  calibration phase. Then HR opens a session of `members` reviews (whole teams, in department order) through
  services.session_open with the demo `manager` and the members' largest teams' managers at the table; a
  handful of ratings moved through services.member_move; potential rated for most members (executemany).
  Last, `appeals` other reviews are released and appealed (set-based: states from submitted to decided, owners
  the HR whose scope is nearest, some overdue and escalated);
- `timings`: in process, the medians of `selectors_bias.cycle_bias(cycle)` (the whole cycle's rater statistics),
  `bias_panel(session)` and `normalise_preview(session)`, with their query counts;
- `pages`: in process through Django's test Client, the query count and latency (wall and CPU) of the session
  page (as a participating manager and as the HR facilitator), the bias panel fragment (htmx), the
  normalisation preview page and HR's appeals list; the paths run.py then times over HTTP against granian;
- `explain` / `profile`: every query of one page with its milliseconds and SQLite's plan, slowest first; a
  cProfile of one page (for finding where the time goes when a figure misses its target).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

CYCLE_NAME = "基准校准考核周期"
SESSION_NAME = "基准校准会"
SEED = 7
MOVES = 30
POTENTIAL_SHARE = 0.8
MANAGERS_AT_TABLE = 8
REASONS = (
    "全年新签客户数排名区域第一，校准会一致认为应上调一档。",
    "第四季度两个重点项目延期交付，与同级别同事相比评分偏高，下调一档。",
    "主导的渠道合作带来约 30% 的新增收入，原评分未体现跨部门贡献。",
)
APPEAL_REASONS = (
    "我负责的续约项目因客户预算冻结推迟，考核中按未完成计算，希望按实际情况重新评估 KPI 部分。",
    "团队协作一项的评分没有考虑我在跨部门项目中承担的协调工作，希望复核。",
    "我的 KPI 数据有误：十一月的回款在系统里重复扣减了一次，实际达成率应为 96%。",
)
OUTCOMES = {
    "upheld": "经复核，评分依据充分，维持原结果。",
    "changed": "财务已确认数据有误，KPI 达成率已更正，最终评级上调一档。",
    "rejected": "申诉需针对本人考核结果中的具体事实；对考核制度的意见请通过年度制度反馈渠道提出。",
}


def _admin() -> Any:  # a User
    from jixiao.accounts.models import User

    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _user(username: str) -> Any:  # a User
    from jixiao.accounts.models import User

    return User.objects.get(username=username)


def _cycle() -> Any:  # a Cycle
    from jixiao.reviews.models import Cycle

    return Cycle.objects.select_related("period").get(name=CYCLE_NAME)


def _session() -> Any:  # a CalibrationSession, as the gate loads it
    from jixiao.calibration.models import CalibrationSession

    return CalibrationSession.objects.select_related("cycle", "department").get(name=SESSION_NAME)


def _now() -> str:
    """Now as SQLite stores a datetime (naive UTC text)."""
    from django.db import connection
    from django.utils import timezone

    return str(connection.ops.adapt_datetimefield_value(timezone.now()))


def _executemany(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Plain executemany on the raw sqlite3 connection, inside the caller's transaction (`?` placeholders)."""
    from django.db import connection

    connection.ensure_connection()
    cursor = connection.connection.cursor()
    cursor.executemany(sql, rows)
    cursor.close()


# ---- prepare ---------------------------------------------------------------------------------------------


def _cycle_create() -> Any:
    """The cycle with calibration over the whole company, launched through the services: one review per person
    seeded (leavers brought back) bar the head of the company, who has no manager (run.py seeds one more)."""
    from django.utils import timezone

    from jixiao.org.models import Department, Employee, Status
    from jixiao.reviews import demo, services
    from jixiao.reviews.models import Cycle, PhaseKind

    annual = Cycle.objects.select_related("template", "period").get(name=demo.CYCLE_NAME[0])
    assert annual.template is not None, "the demo's annual review has no template"
    start = timezone.localdate() - dt.timedelta(days=28)
    kinds = [PhaseKind.SELF, PhaseKind.MANAGER, PhaseKind.CALIBRATION, PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT]
    phases = tuple(
        services.PhaseInput(
            kind=k, starts_on=start + dt.timedelta(days=14 * i), due_on=start + dt.timedelta(14 * i + 13)
        )
        for i, k in enumerate(kinds)
    )
    admin = _admin()
    cycle = services.cycle_create(
        actor=admin,
        data=services.CycleInput(
            name=CYCLE_NAME,
            name_en="Bench calibration cycle",
            period=annual.period,
            template=annual.template,
            departments=(Department.objects.get(parent=None).pk,),
            phases=phases,
            calibration=True,
        ),
    )
    # The seed leaves some people gone: bring back (as in bench/reviews.py) enough of those whose manager is
    # still here for one review per person the seed was asked for, bar the head of the company.
    wanted = Employee.objects.count() - 1
    short = wanted - services.cycle_participants(cycle).filter(manager__isnull=False).count()
    if short > 0:
        back = list(
            Employee.objects.filter(status=Status.LEFT, manager__status__in=[Status.ACTIVE, Status.ON_LEAVE])
            .order_by("pk")
            .values_list("pk", flat=True)[:short]
        )
        Employee.objects.filter(pk__in=back).update(status=Status.ACTIVE)
    services.cycle_launch(actor=admin, cycle=cycle, version=cycle.version)
    services.cycle_launch_run(cycle_id=cycle.pk)
    return _cycle()


def _answers(
    rng: random.Random, items: list[tuple[str, str, bool]], centre: float, overall: str, overrides: dict[str, Any]
) -> str:
    ratings, answers = {}, {}
    for section, item, _required in items:
        if item.startswith("c"):
            ratings[f"{section}:{item}"] = str(min(max(round(rng.gauss(centre, 0.7)), 1), 5))
        else:
            answers[f"{section}:{item}"] = "完成了年度目标，客户满意度提升明显。"
    out = {"ratings": ratings, "comments": {}, "answers": answers, "overall": overall}
    if overrides:
        out["overrides"] = overrides
    return json.dumps(out)


def _auto_items(rng: random.Random, snapshot: dict[str, Any], pk: int, performance: float) -> str:
    """Three KPI targets and two goals with attainments around what the person's performance gives."""
    items = []
    for section in snapshot["sections"]:
        if section["kind"] not in ("kpi", "goals"):
            continue
        for i in range(3 if section["kind"] == "kpi" else 2):
            attainment = min(max(0.95 + 0.2 * performance + rng.uniform(-0.15, 0.15), 0.4), 1.5)
            items.append(
                {
                    "section": section["key"],
                    "kind": "kpi" if section["kind"] == "kpi" else "goal",
                    "id": pk * 10 + i,
                    "title": f"指标{i + 1}",
                    "title_en": "",
                    "weight": str(40 if i == 0 else 30),
                    "attainment": f"{attainment:.2f}",
                }
            )
    return json.dumps(items)


def _habit(rng: random.Random) -> float:
    """A manager's habit in scale points: most rate around the middle, some generously, some harshly."""
    roll = rng.random()
    return 0.9 if roll < 0.1 else -0.9 if roll < 0.2 else rng.uniform(-0.2, 0.2)


def _submit_all(cycle: Any, rng: random.Random) -> int:
    """Every self and manager review submitted, every review ready and scored (cycle_recompute).

    Each person has a performance (attainments and ratings follow it); each manager a habit that moves her
    ratings and, for a generous or harsh one, her overrides of the automatic KPI and goal scores."""
    from django.db import transaction

    from jixiao.reviews import breakdown, services
    from jixiao.reviews.models import EvaluationKind, Review

    snapshot = cycle.snapshot
    automatic = [s["key"] for s in snapshot["sections"] if s["kind"] in ("kpi", "goals")]
    rows = list(Review.objects.filter(cycle=cycle).order_by("pk").values_list("pk", "competency_model", "manager_id"))
    habit: dict[int | None, float] = {}
    items: dict[tuple[str, str], list[tuple[str, str, bool]]] = {}
    now = _now()
    self_rows, manager_rows, auto_rows = [], [], []
    for pk, model_key, manager in rows:
        if manager not in habit:
            habit[manager] = _habit(rng)
        for kind in (EvaluationKind.SELF, EvaluationKind.MANAGER):
            if (model_key, kind) not in items:
                items[(model_key, kind)] = breakdown.rated_items(snapshot, model_key, kind)
        performance = rng.gauss(0, 0.6)
        bent = habit[manager]
        overrides = {}
        if abs(bent) > 0.5 and rng.random() < 0.7:
            score = f"{min(max(3.2 + performance + bent * 1.3, 1), 5):.1f}"
            reason = "结合全年实际贡献调整。" if bent > 0 else "与团队其他成员相比偏高，下调。"
            overrides = {key: {"score": score, "reason": reason} for key in automatic}
        self_answers = _answers(rng, items[(model_key, "self")], 3.7 + performance / 2, "自评总结", {})
        manager_answers = _answers(rng, items[(model_key, "manager")], 3.2 + performance + bent, "上级评语", overrides)
        self_rows.append((self_answers, now, now, pk))
        manager_rows.append((manager_answers, now, now, pk))
        auto_rows.append((_auto_items(rng, snapshot, pk, performance), pk))
    update = (
        "UPDATE reviews_evaluation SET answers = ?, state = 'submitted', submitted_at = ?, updated_at = ?, "
        "version = version + 1 WHERE review_id = ? AND kind = ?"
    )
    with transaction.atomic():
        _executemany(update, [(*r, EvaluationKind.SELF) for r in self_rows])
        _executemany(update, [(*r, EvaluationKind.MANAGER) for r in manager_rows])
        _executemany("UPDATE reviews_review SET auto_items = ? WHERE id = ?", auto_rows)
        Review.objects.filter(cycle=cycle).update(state=Review.State.READY)
    services.cycle_recompute(actor=_admin(), cycle=cycle)
    return len(rows)


def _open_session(cycle: Any, members: int, rng: random.Random) -> Any:
    """HR opens a session over `members` reviews (whole teams in department order) with managers at the table."""
    from jixiao.calibration import services
    from jixiao.calibration.models import CalibrationSession, Member, Potential
    from jixiao.reviews.models import Review

    hr, manager = _user("hr"), _user("manager")
    picked = list(
        Review.objects.filter(cycle=cycle)
        .exclude(reviewee__user__in=[hr, manager])
        .order_by("department__path", "manager_id", "reviewee__name", "pk")
        .values_list("pk", "manager__user_id")[:members]
    )
    managers: dict[int, int] = defaultdict(int)
    for _pk, user_id in picked:
        if user_id is not None and user_id != hr.pk:
            managers[user_id] += 1
    table = [manager.pk, *sorted(managers, key=lambda u: -managers[u])[:MANAGERS_AT_TABLE]]
    opened = services.session_open(
        actor=hr,
        cycle=cycle,
        name=SESSION_NAME,
        scope=CalibrationSession.Scope.PICKED,
        review_ids=[pk for pk, _u in picked],
        participants=sorted(set(table)),
    )
    session = _session()
    # A few ratings moved in the room, with reasons (each one the real service: audit, adjustment, rescore).
    codes = services.band_codes(cycle.snapshot)
    candidates = list(Member.objects.filter(session=session).select_related("session").order_by("pk"))
    moved = 0
    for member in rng.sample(candidates, min(MOVES * 2, len(candidates))):
        band = Review.objects.filter(pk=member.review_id).values_list("band", flat=True).first() or ""
        if band not in codes or moved >= MOVES:
            continue
        index = codes.index(band) + rng.choice((-1, 1))
        if not 0 <= index < len(codes):
            continue
        services.member_move(actor=hr, member=member, band=codes[index], reason=rng.choice(REASONS))
        moved += 1
    # Potential for most members, set-based (the service audits one at a time: what a person does by hand).
    rated = [
        (rng.choices(Potential.values, weights=(2, 5, 3))[0], m.pk)
        for m in candidates
        if rng.random() < POTENTIAL_SHARE
    ]
    from django.db import transaction

    with transaction.atomic():
        _executemany("UPDATE calibration_member SET potential = ? WHERE id = ?", rated)
    print(f"session={session.pk}")
    print(f"members={opened.members}")
    print(f"participants={session.participants.count()}")
    print(f"moves={moved}")
    print(f"potentials={len(rated)}")
    return session


def _owners() -> list[tuple[str, int]]:
    """(department path, HR user) for every HR scope, longest path first: the nearest scope wins."""
    from jixiao.org.models import HRScope

    rows = HRScope.objects.filter(user__is_active=True).values_list("department__path", "user_id")
    return sorted(((path, user) for path, user in rows), key=lambda r: -len(r[0]))


def _appeals(cycle: Any, count: int, rng: random.Random) -> int:
    """`count` reviews outside the session released and appealed, set-based, in every state."""
    from django.db import transaction
    from django.utils import timezone

    from jixiao.calibration.models import Member
    from jixiao.reviews.models import Review

    rows = list(
        Review.objects.filter(cycle=cycle, state=Review.State.READY)
        .exclude(pk__in=Member.objects.values("review_id"))
        .order_by("pk")
        .values_list("pk", "reviewee_id", "department_id", "department__path", "manager__user_id")
    )
    rows = rng.sample(rows, min(count, len(rows)))
    owners = _owners()
    now = timezone.now()
    stamp = _now()
    released_at = (now - dt.timedelta(days=14)).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    appeals = []
    states = ("submitted", "under_review", "upheld", "changed", "rejected")
    for pk, reviewee, department, path, manager_user in rows:
        created = now - dt.timedelta(seconds=rng.uniform(0, 13 * 86400))
        state = rng.choices(states, weights=(25, 25, 25, 15, 10))[0]
        owner = next((user for scope, user in owners if (path or "").startswith(scope) and user != manager_user), None)
        decided = state in ("upheld", "changed", "rejected")
        due = (timezone.localtime(created).date() + dt.timedelta(days=cycle.appeal_sla_days)).isoformat()
        overdue = not decided and due < timezone.localdate().isoformat()
        created_text = created.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        appeals.append(
            (
                pk,
                reviewee,
                department,
                rng.choice(APPEAL_REASONS),
                state,
                None if state == "submitted" and rng.random() < 0.1 else owner,
                due,
                "情况属实，建议 HR 综合考虑。" if state != "submitted" and rng.random() < 0.5 else "",
                OUTCOMES.get(state, ""),
                stamp if decided else None,
                owner if decided else None,
                stamp if overdue else None,
                created_text,
                stamp,
            )
        )
    with transaction.atomic():
        _executemany(
            "UPDATE reviews_review SET state = 'released', released_at = ?, version = version + 1 WHERE id = ?",
            [(released_at, pk) for pk, *_rest in rows],
        )
        _executemany(
            "INSERT INTO appeals_appeal (review_id, employee_id, department_id, reason, state, owner_id, due_on, "
            "manager_response, outcome, decided_at, decided_by_id, escalated_at, created_at, updated_at, version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            appeals,
        )
    return len(appeals)


def prepare(members: int = 2_000, appeals: int = 2_000) -> None:
    """The cycle, scored and in calibration; the session; the appeals. Seconds of each part."""
    from django.conf import settings

    from jixiao.appeals.models import Appeal
    from jixiao.reviews import services
    from jixiao.reviews.models import PhaseKind, Review

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    rng = random.Random(SEED)
    start = time.perf_counter()
    cycle = _cycle_create()
    print(f"launch_seconds={time.perf_counter() - start:.2f}")
    mark = time.perf_counter()
    reviews = _submit_all(cycle, rng)
    print(f"scores_seconds={time.perf_counter() - mark:.2f}")
    admin = _admin()
    while cycle.phase != PhaseKind.CALIBRATION:
        cycle = services.cycle_phase_advance(actor=admin, cycle=cycle, version=cycle.version)
    mark = time.perf_counter()
    session = _open_session(_cycle(), members, rng)
    print(f"session_seconds={time.perf_counter() - mark:.2f}")
    mark = time.perf_counter()
    filed = _appeals(_cycle(), appeals, rng)
    print(f"appeals_seconds={time.perf_counter() - mark:.2f}")
    print(f"cycle={cycle.pk}")
    print(f"reviews={reviews}")
    print(f"scored={Review.objects.filter(cycle=cycle, final_score__isnull=False).count()}")
    print(f"appeals={Appeal.objects.count()}")
    print(f"appeals_filed={filed}")
    print(f"session_path=/calibration/sessions/{session.pk}/")


# ---- in process: the selectors ------------------------------------------------------------------------------


def _median_ms(call: Callable[[], Any], runs: int) -> tuple[float, float, int]:
    """(median ms, max ms, queries of one call) of `call` after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    samples = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples), len(captured.captured_queries)


def timings(runs: int = 7) -> None:
    """Medians of the cycle's bias statistics, the session's bias panel and its normalisation preview."""
    from jixiao.calibration import selectors_bias

    cycle = _cycle()
    session = _session()
    result = selectors_bias.cycle_bias(cycle)
    print(f"bias_raters={len(result.raters)}")
    print(f"bias_flagged={result.flagged}")
    print(f"bias_reviews={sum(s.n for s in result.raters.values())}")
    printed: set[str] = set()
    for name, call in (
        ("cycle_bias", lambda: selectors_bias.cycle_bias(cycle)),
        ("cycle_scores", lambda: selectors_bias.cycle_scores(cycle.pk)),
        ("bias_panel", lambda: selectors_bias.bias_panel(session)),
        ("normalise_preview", lambda: selectors_bias.normalise_preview(session)),
    ):
        try:
            median, worst, queries = _median_ms(call, runs)
        except Exception as error:  # noqa: BLE001 - a selector being rewritten is reported, not fatal
            print(f"{name}_error={type(error).__name__}: {str(error)[:160]}")
            printed.add(f"{name}_error")
            continue
        print(f"{name}_ms={median:.1f}")
        print(f"{name}_max_ms={worst:.1f}")
        print(f"{name}_queries={queries}")
    if "normalise_preview_error" not in printed:
        preview = selectors_bias.normalise_preview(session)
        print(f"normalise_rows={len(preview.rows)}")
        print(f"normalise_moved={len(preview.moved)}")


# ---- in process: the pages ------------------------------------------------------------------------------


def _paths() -> list[tuple[str, str, str, bool]]:
    """(figure name, username, path, htmx) of every page timed."""
    from django.urls import reverse

    session = _session()
    page = reverse("calibration:session", args=[session.pk])
    return [
        ("calibration_session_page_participant", "manager", page, False),
        ("calibration_session_page_facilitator", "hr", page, False),
        ("calibration_bias_panel", "hr", reverse("calibration:bias", args=[session.pk]), True),
        ("calibration_normalise_preview", "hr", reverse("calibration:normalise_preview", args=[session.pk]), False),
        ("appeals_list_hr", "hr", reverse("appeals:list"), False),
    ]


def paths() -> None:
    """The pages run.py times over HTTP: `name=username|path|htmx`."""
    for name, username, path, htmx in _paths():
        print(f"{name}={username}|{path}|{int(htmx)}")


def _client(username: str) -> Any:
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(_user(username))
    return client


def _get(client: Any, path: str, htmx: bool) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    return response


def pages(n: int = 50, only: str = "") -> None:
    """Query count, size and latency (wall and CPU) of each page through the test client, in process."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    for name, username, path, htmx in _paths():
        if only and not name.startswith(only):
            continue
        client = _client(username)
        try:
            for _ in range(3):
                _get(client, path, htmx)
        except Exception as error:  # noqa: BLE001 - a page being rewritten is reported, not fatal
            print(f"{name}_error={type(error).__name__}: {str(error)[:160]}")
            continue
        with CaptureQueriesContext(connection) as captured:
            response = _get(client, path, htmx)
        print(f"{name}_queries={len(captured.captured_queries)}")
        print(f"{name}_kb={len(response.content) / 1024:.0f}")
        samples, cpu = [], []
        for _ in range(max(n // 4, 5) if "normalise" in name else n):  # a page of every member: ~0.5 s each
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            _get(client, path, htmx)
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        samples.sort()
        cpu.sort()
        p95 = max(int(len(samples) * 0.95) - 1, 0)
        print(f"{name}_p50_ms={statistics.median(samples):.2f}")
        print(f"{name}_p95_ms={samples[p95]:.2f}")
        print(f"{name}_cpu_p50_ms={statistics.median(cpu):.2f}")
        print(f"{name}_cpu_p95_ms={cpu[p95]:.2f}")


# ---- for finding where the time goes (by hand, on a database kept with BENCH_KEEP=1) ---------------------


def explain(name: str) -> None:
    """Every query of one page (a figure name of `_paths`) with its milliseconds and SQLite's plan, slowest first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _name, username, path, htmx = next(p for p in _paths() if p[0] == name)
    client = _client(username)
    _get(client, path, htmx)
    with CaptureQueriesContext(connection) as captured:
        _get(client, path, htmx)
    queries = list(captured.captured_queries)
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


def profile(name: str, rounds: int = 20, lines: int = 40) -> None:
    """cProfile of one page (a figure name of `_paths`) or selector (`cycle_bias`, `normalise_preview`)."""
    import cProfile
    import pstats

    from jixiao.calibration import selectors_bias

    selectors: dict[str, Callable[[], Any]] = {
        "cycle_bias": lambda: selectors_bias.cycle_bias(_cycle()),
        "bias_panel": lambda: selectors_bias.bias_panel(_session()),
        "normalise_preview": lambda: selectors_bias.normalise_preview(_session()),
    }
    if name in selectors:
        call = selectors[name]
    else:
        _name, username, path, htmx = next(p for p in _paths() if p[0] == name)
        client = _client(username)

        def call() -> Any:
            return _get(client, path, htmx)

    call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)
