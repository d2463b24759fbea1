"""360° feedback benchmarks (issue 5), run by bench/run.py inside `manage.py shell` on a seeded bench database.

Each function prints `key=value` lines that run.py turns into figures. The floor (`floor`) runs outside Django
with the plain `sqlite3` module, so it measures what SQLite itself needs to store the rows.

The steps, each in a fresh process:
- `prepare`: a template with a 360 section (groups self 0 / peer 50 / upward 30 / customer 20, five
  competencies, two questions), a cycle over the whole company with exactly `people` reviewees (leavers
  brought back if needed, the top of the company left out), launched; then the peer nominations, approved and
  inserted set-based (as HR's bulk assignment would), so that with the direct reports the requests go out to
  exactly 5 × `people` raters: four peers each, a fifth for the few whose manager is not in the cycle (they
  get no upward request), and every report for her manager;
- `send` (on its own copy of the prepared database): time services_feedback.feedback_requests_send, which adds
  the upward nominations and turns every approved nomination into an evaluation (INSERT … SELECT);
- `floor` (plain sqlite3): the same evaluation rows into a copy of the table (same columns, constraints and
  indexes), one transaction, executemany;
- `answer`: every request answered (realistic answers JSON: five ratings, the odd "not able to judge", two
  comments), self and manager reviews submitted, all by SQL; the cycle moved past its feedback phase, so HR
  may read every report;
- `report_selector`: in process, the latency of selectors_feedback.feedback_report(review) for random
  reviews (and of the report page through Django's test Client when it answers), for when the page is not
  there yet and for finding where the time goes (`profile=True` prints a cProfile);
- the page itself is timed by run.py over loopback HTTP against granian, as HR, for random reviewees.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import sqlite3
import statistics
import time
from decimal import Decimal
from typing import Any

CYCLE_NAME = "基准360度反馈"
PEERS = 4
RATERS_EACH = 5
KEEP = (
    "客户的问题总是当天回复并跟进到底，客户很信任。",
    "做事踏实，说到做到，交给的事情从不用催。",
    "乐于分享经验，新同事遇到问题都愿意请教。",
    "周报清楚，数据准确，大家一看就知道进展和风险。",
    "Always shares leads and market news with the team.",
)
CHANGE = (
    "有时答应客户太快，交付压力最后落到了同事身上。",
    "会议上可以多听听别人的意见再下结论。",
    "希望多尝试新的工具和方法，不要只靠老经验。",
    "可以更早暴露风险，不要等到月底才说。",
    "Could write shorter updates that lead with the risks.",
)


def _admin() -> Any:  # a User
    from jixiao.accounts.models import User

    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _cycle() -> Any:  # a Cycle
    from jixiao.reviews.models import Cycle

    return Cycle.objects.select_related("period").get(name=CYCLE_NAME)


def _model(name: str, names: list[str]) -> Any:
    from jixiao.reviews.models import Competency, CompetencyAnchor, CompetencyModel, CompetencyModelItem

    competencies = []
    for i, label in enumerate(names):
        competency = Competency.objects.create(name=f"{name}{label}", name_en=f"{name} {i}")
        CompetencyAnchor.objects.bulk_create(
            CompetencyAnchor(competency=competency, level=Decimal(lv), text=f"{label}：等级{lv}的行为")
            for lv in range(1, 6)
        )
        competencies.append(competency)
    model = CompetencyModel.objects.create(name=f"{name}能力模型")
    CompetencyModelItem.objects.bulk_create(
        CompetencyModelItem(model=model, competency=c, order=i) for i, c in enumerate(competencies)
    )
    return model


def prepare(people: int) -> None:
    """The 360 template, a launched cycle with `people` reviewees and its peer nominations (set-based)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from jixiao.goals.models import Period
    from jixiao.org.models import Department, Employee, Status
    from jixiao.reviews import services
    from jixiao.reviews.models import (
        EvaluationKind,
        Nomination,
        PhaseKind,
        RatingScale,
        Review,
        ReviewTemplate,
        SectionKind,
        TemplateGroup,
        TemplateQuestion,
        TemplateSection,
    )

    top = list(Employee.objects.filter(manager__isnull=True).values_list("pk", flat=True))
    current = Employee.objects.exclude(status=Status.LEFT).exclude(pk__in=top).count()
    if current < people:
        left = list(
            Employee.objects.filter(status=Status.LEFT, manager__status__in=[Status.ACTIVE, Status.ON_LEAVE])
            .order_by("pk")
            .values_list("pk", flat=True)[: people - current]
        )
        Employee.objects.filter(pk__in=left).update(status=Status.ACTIVE)
    extra = list(
        Employee.objects.exclude(status=Status.LEFT).exclude(pk__in=top).order_by("-pk").values_list("pk", flat=True)
    )[: max(Employee.objects.exclude(status=Status.LEFT).exclude(pk__in=top).count() - people, 0)]

    scale = RatingScale.objects.get(is_default=True)
    job = _model("基准岗位", ["客户导向", "执行力", "专业能力", "问题解决", "团队协作"])
    values = _model("基准价值观", ["客户第一", "诚信正直", "团队合作", "拥抱变化", "追求卓越"])
    template = ReviewTemplate.objects.create(name="基准360度反馈模板", scale=scale, self_weight=0)
    TemplateSection.objects.create(
        template=template,
        kind=SectionKind.COMPETENCIES,
        title="能力素质",
        weight=40,
        required=True,
        order=0,
        competency_model=job,
    )
    section = TemplateSection.objects.create(
        template=template,
        kind=SectionKind.FEEDBACK,
        title="360度反馈",
        weight=60,
        required=False,
        order=1,
        competency_model=values,
        peer_min=3,
        peer_max=6,
    )
    TemplateGroup.objects.bulk_create(
        TemplateGroup(section=section, kind=kind, weight=weight)
        for kind, weight in (("self", 0), ("peer", 50), ("upward", 30), ("customer", 20))
    )
    TemplateQuestion.objects.create(section=section, text="最应该继续保持什么？", order=0)
    TemplateQuestion.objects.create(section=section, text="最应该改进什么？", order=1)

    period = Period.objects.filter(kind=Period.Kind.YEAR).order_by("-start").first()
    assert period is not None, "the seed has no year period"
    start = timezone.localdate()
    kinds = [
        PhaseKind.PEER_SELECTION,
        PhaseKind.SELF,
        PhaseKind.FEEDBACK,
        PhaseKind.MANAGER,
        PhaseKind.RELEASE,
        PhaseKind.ACKNOWLEDGEMENT,
    ]
    phases = tuple(
        services.PhaseInput(kind=k, starts_on=start + dt.timedelta(days=7 * i), due_on=start + dt.timedelta(7 * i + 6))
        for i, k in enumerate(kinds)
    )
    admin = _admin()
    cycle = services.cycle_create(
        actor=admin,
        data=services.CycleInput(
            name=CYCLE_NAME,
            name_en="Bench 360 feedback",
            period=period,
            template=template,
            departments=(Department.objects.get(parent=None).pk,),
            exclude=tuple(top + extra),
            phases=phases,
            rater_load_limit=20,
        ),
    )
    services.cycle_launch(actor=admin, cycle=cycle, version=cycle.version)
    services.cycle_launch_run(cycle_id=cycle.pk)
    cycle.refresh_from_db()

    # Peers: the next colleagues in (manager, person) order — teammates first — never the reviewee, her
    # manager or her reports (those are asked upward). Four each; five for those without an upward request.
    rows = list(
        Review.objects.filter(cycle=cycle)
        .order_by("manager_id", "reviewee_id")
        .values_list("pk", "reviewee_id", "manager_id")
    )
    reviewees = {reviewee for _pk, reviewee, _m in rows}
    reports: dict[int, set[int]] = {}
    for _pk, reviewee, manager in rows:
        reports.setdefault(manager, set()).add(reviewee)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    nominations = []
    for i, (pk, reviewee, manager) in enumerate(rows):
        banned = {reviewee, manager} | reports.get(reviewee, set())
        want = PEERS if manager in reviewees else RATERS_EACH
        picked = 0
        step = 1
        while picked < want:
            rater = rows[(i + step) % len(rows)][1]
            step += 1
            if rater not in banned:
                nominations.append(
                    (
                        pk,
                        EvaluationKind.PEER,
                        rater,
                        "",
                        "",
                        Nomination.State.APPROVED,
                        admin.pk,
                        admin.pk,
                        "",
                        now,
                        now,
                    )
                )
                picked += 1
    table = connection.ops.quote_name(Nomination._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (review_id, kind, rater_id, email, name, state, nominated_by_id, decided_by_id, "  # noqa: S608
            "decline_reason, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            nominations,
        )
    # Requests go out when HR opens the feedback phase; the bench times that step by itself.
    cycle = services.cycle_phase_advance(actor=admin, cycle=cycle, version=cycle.version)
    upward = sum(1 for _pk, _r, manager in rows if manager in reviewees)
    print(f"cycle={cycle.pk}")
    print(f"reviews={len(rows)}")
    print(f"peers={len(nominations)}")
    print(f"upward={upward}")


def send() -> None:
    """Time the requests going out: upward nominations added and one evaluation per approved nomination."""
    from jixiao.reviews import services_feedback
    from jixiao.reviews.models import Evaluation, Nomination

    cycle = _cycle()
    gc.collect()
    start = time.perf_counter()
    created = services_feedback.feedback_requests_send(actor=_admin(), cycle=cycle)
    seconds = time.perf_counter() - start
    print(f"seconds={seconds:.3f}")
    print(f"created={created}")
    print(f"requests={Evaluation.objects.filter(cycle=cycle, nomination__isnull=False).count()}")
    print(f"nominations={Nomination.objects.filter(review__cycle=cycle).count()}")
    # Sending again sends nothing twice.
    print(f"again={services_feedback.feedback_requests_send(actor=_admin(), cycle=cycle)}")


def floor(db: str, repeat: int = 3) -> None:
    """The same request rows inserted with plain sqlite3 executemany in one transaction into a copy of the
    evaluation table (same columns, constraints and indexes), with the pragmas the app's connections use."""
    con = sqlite3.connect(db, isolation_level=None)
    con.executescript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA cache_size=-32000; PRAGMA temp_store=MEMORY;"
    )
    (cycle_id,) = con.execute("SELECT id FROM reviews_cycle WHERE name = ?", (CYCLE_NAME,)).fetchone()
    table = "reviews_evaluation"
    columns = [row[1] for row in con.execute(f"PRAGMA table_info({table})")]
    rows = con.execute(
        f"SELECT {', '.join(columns)} FROM {table} WHERE cycle_id = ? AND nomination_id IS NOT NULL ORDER BY id",  # noqa: S608
        (cycle_id,),
    ).fetchall()
    ddl = [
        sql
        for (sql,) in con.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC", (table,)
        )
    ]
    samples = []
    for _ in range(repeat):
        con.execute(f'DROP TABLE IF EXISTS "floor_{table}"')
        for sql in ddl:
            con.execute(sql.replace(f'"{table}"', f'"floor_{table}"').replace('INDEX "', 'INDEX "floor_'))
        start = time.perf_counter()
        con.execute("BEGIN")
        marks = ", ".join("?" * len(columns))
        con.executemany(f'INSERT INTO "floor_{table}" ({", ".join(columns)}) VALUES ({marks})', rows)  # noqa: S608
        con.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    con.execute(f'DROP TABLE IF EXISTS "floor_{table}"')
    print(f"seconds={statistics.median(samples):.4f}")
    print(f"rows={len(rows)}")


def _answers(rng: random.Random, items: list[tuple[str, str, bool]], *, anonymous: bool, overall: bool) -> str:
    ratings, answers = {}, {}
    asked = 0
    for section, item, _required in items:
        if item.startswith("c"):
            na = anonymous and rng.random() < 0.03
            ratings[f"{section}:{item}"] = "na" if na else str(min(max(round(rng.gauss(3.7, 0.8)), 1), 5))
        else:
            pool = KEEP if asked == 0 else CHANGE
            asked += 1
            if rng.random() < 0.8:
                answers[f"{section}:{item}"] = rng.choice(pool)
    out: dict[str, Any] = {"ratings": ratings, "answers": answers}
    if overall:
        out["comments"] = {}
        out["overall"] = "全年表现稳定，达成主要目标。"
    return json.dumps(out)


def answer() -> None:
    """Every request answered and every self and manager review submitted (SQL), then feedback closed."""
    from django.db import connection, transaction
    from django.utils import timezone

    from jixiao.reviews import breakdown, services
    from jixiao.reviews.models import Evaluation, EvaluationKind, PhaseKind

    cycle = _cycle()
    rng = random.Random(5)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    items: dict[tuple[str, str], list[tuple[str, str, bool]]] = {}
    updates = []
    for pk, kind, model_key in (
        Evaluation.objects.filter(cycle=cycle).order_by("pk").values_list("pk", "kind", "review__competency_model")
    ):
        key = (model_key, kind)
        if key not in items:
            items[key] = breakdown.rated_items(cycle.snapshot, model_key, kind)
        anonymous = kind in (EvaluationKind.PEER, EvaluationKind.UPWARD, EvaluationKind.CUSTOMER)
        updates.append((_answers(rng, items[key], anonymous=anonymous, overall=not anonymous), now, now, pk))
    table = connection.ops.quote_name(Evaluation._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET answers = %s, state = 'submitted', submitted_at = %s, updated_at = %s, "  # noqa: S608
            "version = version + 1 WHERE id = %s",
            updates,
        )
        cursor.execute("UPDATE reviews_review SET state = 'ready' WHERE cycle_id = %s", [cycle.pk])
    admin = _admin()
    while cycle.phase != PhaseKind.MANAGER:
        cycle = services.cycle_phase_advance(actor=admin, cycle=cycle, version=cycle.version)
    services.cycle_recompute(actor=admin, cycle=cycle)
    responses = Evaluation.objects.filter(cycle=cycle, kind__in=["peer", "upward", "customer"], state="submitted")
    print(f"responses={responses.count()}")
    print(f"evaluations={len(updates)}")


def sample(n: int, seed: int = 7) -> list[int]:
    """`n` random review ids of the bench cycle (the same ones for every run)."""
    from jixiao.reviews.models import Review

    ids = list(Review.objects.filter(cycle=_cycle()).order_by("pk").values_list("pk", flat=True))
    return random.Random(seed).sample(ids, min(n, len(ids)))


def report_sample(n: int) -> None:
    """Print the paths run.py times over HTTP: the 360 report page of `n` random reviews, and of the review
    with the most responses (a manager of a large team: her reports answer upward)."""
    from django.db.models import Count, Q

    from jixiao.reviews.models import Review

    print(f"paths={','.join(f'/reviews/{pk}/360/' for pk in sample(n))}")
    responses = Count("evaluations", filter=Q(evaluations__kind__in=["peer", "upward", "customer"]))
    largest = Review.objects.filter(cycle=_cycle()).annotate(n=responses).order_by("-n", "pk").values("pk", "n")[0]
    print(f"largest=/reviews/{largest['pk']}/360/")
    print(f"largest_responses={largest['n']}")


def report_selector(n: int = 200, profile: bool = False) -> None:
    """In process: milliseconds (median, p95) of feedback_report() for random reviews, with its query count,
    and of the report page through Django's test Client as HR when the page answers."""
    import cProfile
    import pstats

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from jixiao.accounts.models import User
    from jixiao.reviews.models import Review
    from jixiao.reviews.selectors_feedback import feedback_report

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    ids = sample(n)
    reviews = {r.pk: r for r in Review.objects.filter(pk__in=ids).select_related("cycle")}
    for pk in ids[:10]:
        feedback_report(reviews[pk])
    connection.force_debug_cursor = True
    connection.queries_log.clear()
    feedback_report(reviews[ids[0]])
    print(f"selector_queries={len(connection.queries_log)}")
    connection.force_debug_cursor = False
    profiler = cProfile.Profile() if profile else None
    samples = []
    for pk in ids:
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        feedback_report(reviews[pk])
        if profiler:
            profiler.disable()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    print(f"selector_p50_ms={statistics.median(samples):.2f}")
    print(f"selector_p95_ms={samples[int(len(samples) * 0.95) - 1]:.2f}")
    print(f"selector_max_ms={samples[-1]:.2f}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(username="hr"))
    status = client.get(f"/reviews/{ids[0]}/360/").status_code
    print(f"page_status={status}")
    if status != 200:
        return
    for pk in ids[:10]:
        client.get(f"/reviews/{pk}/360/")
    connection.force_debug_cursor = True
    connection.queries_log.clear()
    client.get(f"/reviews/{ids[0]}/360/")
    print(f"page_queries={len(connection.queries_log)}")
    connection.force_debug_cursor = False
    samples, cpu = [], []
    profiler = cProfile.Profile() if profile else None
    for pk in ids:
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        response = client.get(f"/reviews/{pk}/360/")
        if profiler:
            profiler.disable()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (pk, response.status_code)
    samples.sort()
    cpu.sort()
    print(f"page_p50_ms={statistics.median(samples):.2f}")
    print(f"page_p95_ms={samples[int(len(samples) * 0.95) - 1]:.2f}")
    # CPU time of this process: what the page costs, whatever else the machine is doing.
    print(f"page_cpu_p50_ms={statistics.median(cpu):.2f}")
    print(f"page_cpu_p95_ms={cpu[int(len(cpu) * 0.95) - 1]:.2f}")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
