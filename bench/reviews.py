"""Review-cycle benchmarks, run by bench/run.py inside `manage.py shell` on a seeded bench database.

Each function prints `key=value` lines that run.py turns into figures. The floor (`floor`) runs outside
Django with the plain `sqlite3` module, so it measures what SQLite itself needs to store the rows.

The steps, each in a fresh process on its own copy of the database:
- `prepare`: a template (KPI, goals, five BARS competencies, two questions) and a skip-level cycle over the
  whole company, with the people who left brought back so that 10,000 are current;
- `launch`: time services.cycle_launch_run (reviews and self/manager/skip-level evaluations);
- `floor` (plain sqlite3): the same rows into copies of the two tables, one transaction, executemany;
- `recompute`: every review given submitted self and manager ratings by SQL, then time services.cycle_recompute;
- `submits_prepare`: the manager phase, with N reviews whose self review is submitted moved to the demo
  manager, and their answers written to a file for the HTTP client in run.py.

For finding why a figure misses its target (run by hand in `manage.py shell` on a database bench/run.py kept
with BENCH_KEEP=1): `profile_submits` (cProfile of API submits) and `pages_profile` (CPU time and queries of
the review form and progress pages).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import sqlite3
import statistics
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

CYCLE_NAME = "基准考核周期"


def _admin() -> Any:  # a User
    from jixiao.accounts.models import User

    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _cycle() -> Any:  # a Cycle
    from jixiao.reviews.models import Cycle

    return Cycle.objects.select_related("period").get(name=CYCLE_NAME)


def _answers(snapshot: dict[str, Any], model_key: str, rating: str, overall: str) -> dict[str, Any]:
    from jixiao.reviews import breakdown

    ratings, answers = {}, {}
    for section, item, _required in breakdown.rated_items(snapshot, model_key):
        if item.startswith("c"):
            ratings[f"{section}:{item}"] = rating
        else:
            answers[f"{section}:{item}"] = "完成了年度目标，客户满意度提升明显。"
    return {"ratings": ratings, "comments": {}, "answers": answers, "overall": overall}


def prepare(people: int) -> None:
    """The template and the cycle (draft); `people` current employees (leavers brought back if needed)."""
    from django.utils import timezone

    from jixiao.goals.models import Period
    from jixiao.org.models import Department, Employee, Status
    from jixiao.reviews import services
    from jixiao.reviews.models import (
        Competency,
        CompetencyAnchor,
        CompetencyModel,
        CompetencyModelItem,
        PhaseKind,
        RatingScale,
        ReviewTemplate,
        SectionKind,
        TemplateQuestion,
        TemplateSection,
    )

    current = Employee.objects.exclude(status=Status.LEFT).count()
    if current < people:
        left = list(
            Employee.objects.filter(status=Status.LEFT).order_by("pk").values_list("pk", flat=True)[: people - current]
        )
        Employee.objects.filter(pk__in=left).update(status=Status.ACTIVE)
    scale = RatingScale.objects.get(is_default=True)
    names = ["客户导向", "团队协作", "结果导向", "学习成长", "诚信正直"]
    competencies = []
    for i, name in enumerate(names):
        competency = Competency.objects.create(name=f"基准{name}", name_en=f"Bench competency {i}")
        CompetencyAnchor.objects.bulk_create(
            CompetencyAnchor(competency=competency, level=Decimal(lv), text=f"{name}：等级{lv}的行为")
            for lv in range(1, 6)
        )
        competencies.append(competency)
    model = CompetencyModel.objects.create(name="基准通用能力模型")
    CompetencyModelItem.objects.bulk_create(
        CompetencyModelItem(model=model, competency=c, order=i) for i, c in enumerate(competencies)
    )
    template = ReviewTemplate.objects.create(name="基准年度考核模板", scale=scale, self_weight=20)
    for order, (kind, weight, required) in enumerate(
        ((SectionKind.KPI, 30, False), (SectionKind.GOALS, 30, False), (SectionKind.COMPETENCIES, 40, True))
    ):
        TemplateSection.objects.create(
            template=template,
            kind=kind,
            title=str(kind),
            weight=weight,
            required=required,
            order=order,
            competency_model=model if kind == SectionKind.COMPETENCIES else None,
        )
    questions = TemplateSection.objects.create(
        template=template, kind=SectionKind.QUESTIONS, title="开放问题", weight=0, required=False, order=9
    )
    TemplateQuestion.objects.create(section=questions, text="本期最大的成绩是什么？", required=True)
    TemplateQuestion.objects.create(section=questions, text="下一期希望得到哪些支持？", required=False)
    period = Period.objects.filter(kind=Period.Kind.YEAR).order_by("-start").first()
    assert period is not None, "the seed has no year period"
    start = timezone.localdate()
    kinds = [PhaseKind.SELF, PhaseKind.MANAGER, PhaseKind.SKIP_LEVEL, PhaseKind.RELEASE, PhaseKind.ACKNOWLEDGEMENT]
    phases = tuple(
        services.PhaseInput(
            kind=k, starts_on=start + dt.timedelta(days=14 * i), due_on=start + dt.timedelta(14 * i + 13)
        )
        for i, k in enumerate(kinds)
    )
    root = Department.objects.get(parent=None)
    cycle = services.cycle_create(
        actor=_admin(),
        data=services.CycleInput(
            name=CYCLE_NAME,
            name_en="Bench review cycle",
            period=period,
            template=template,
            skip_level=True,
            departments=(root.pk,),
            phases=phases,
        ),
    )
    print(f"cycle={cycle.pk}")
    print(f"participants={services.cycle_participants(cycle).count()}")


def launch() -> None:
    """Freeze the template (cycle_launch) and time the set-based launch itself (cycle_launch_run)."""
    from jixiao.reviews import services
    from jixiao.reviews.models import Evaluation, Review

    cycle = _cycle()
    services.cycle_launch(actor=_admin(), cycle=cycle, version=cycle.version)
    gc.collect()
    start = time.perf_counter()
    result = services.cycle_launch_run(cycle_id=cycle.pk)
    seconds = time.perf_counter() - start
    print(f"seconds={seconds:.3f}")
    print(f"reviews={Review.objects.filter(cycle=cycle).count()}")
    print(f"evaluations={Evaluation.objects.filter(cycle=cycle).count()}")
    print(f"problems={len(result.problems)}")


def floor(db: str, repeat: int = 3) -> None:
    """The same reviews and evaluations inserted with plain sqlite3 executemany, in one transaction, into copies
    of the two tables (same columns, constraints and indexes), with the pragmas the app's connections use."""
    con = sqlite3.connect(db, isolation_level=None)
    con.executescript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA cache_size=-32000; PRAGMA temp_store=MEMORY;"
    )
    (cycle_id,) = con.execute("SELECT id FROM reviews_cycle WHERE name = ?", (CYCLE_NAME,)).fetchone()
    tables = {}
    for table in ("reviews_review", "reviews_evaluation"):
        columns = [row[1] for row in con.execute(f"PRAGMA table_info({table})")]
        cursor = con.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE cycle_id = ? ORDER BY id", (cycle_id,))  # noqa: S608
        ddl = [
            sql
            for (sql,) in con.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC", (table,)
            )
        ]
        tables[table] = (columns, cursor.fetchall(), ddl)
    samples = []
    for _ in range(repeat):
        for table, (_columns, _rows, ddl) in tables.items():
            con.execute(f'DROP TABLE IF EXISTS "floor_{table}"')
            for sql in ddl:
                con.execute(sql.replace(f'"{table}"', f'"floor_{table}"').replace('INDEX "', 'INDEX "floor_'))
        start = time.perf_counter()
        con.execute("BEGIN")
        for table, (columns, rows, _ddl) in tables.items():
            marks = ", ".join("?" * len(columns))
            con.executemany(f'INSERT INTO "floor_{table}" ({", ".join(columns)}) VALUES ({marks})', rows)  # noqa: S608
        con.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    for table in tables:
        con.execute(f'DROP TABLE IF EXISTS "floor_{table}"')
    print(f"seconds={statistics.median(samples):.4f}")
    print(f"rows={sum(len(rows) for _c, rows, _d in tables.values())}")


def _auto_items(snapshot: dict[str, Any], pk: int) -> list[dict[str, Any]]:
    """Three KPI targets and two goals with attainments between 60% and 120%, varying from review to review."""
    items = []
    for section in snapshot["sections"]:
        if section["kind"] not in ("kpi", "goals"):
            continue
        count = 3 if section["kind"] == "kpi" else 2
        for i in range(count):
            attainment = Decimal(60 + (pk * 7 + i * 13) % 61) / 100
            items.append(
                {
                    "section": section["key"],
                    "kind": "kpi" if section["kind"] == "kpi" else "goal",
                    "id": pk * 10 + i,
                    "title": f"指标{i + 1}",
                    "title_en": "",
                    "weight": str(40 if i == 0 else 30),
                    "attainment": str(attainment),
                }
            )
    return items


def _submit_all_by_sql(cycle: Any, review_ids: list[int] | None, *, manager: bool) -> int:
    """Give reviews a submitted self review (and, with `manager`, a submitted manager review) by plain SQL."""
    from django.db import connection, transaction
    from django.utils import timezone

    from jixiao.reviews.models import Evaluation, EvaluationKind, Review

    snapshot = cycle.snapshot
    reviews = Review.objects.filter(cycle=cycle)
    if review_ids is not None:
        reviews = reviews.filter(pk__in=review_ids)
    rows = list(reviews.values_list("pk", "competency_model"))
    now = timezone.now()
    self_rows, manager_rows = [], []
    for pk, model_key in rows:
        self_rows.append((json.dumps(_answers(snapshot, model_key, str(3 + pk % 3), "自评总结")), now, pk))
        manager_rows.append((json.dumps(_answers(snapshot, model_key, str(2 + pk % 4), "上级评语")), now, pk))
    table = Evaluation._meta.db_table
    sql = f"UPDATE {table} SET answers = %s, state = 'submitted', submitted_at = %s WHERE review_id = %s AND kind = %s"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, [(*r, EvaluationKind.SELF) for r in self_rows])
        if manager:
            cursor.executemany(sql, [(*r, EvaluationKind.MANAGER) for r in manager_rows])
            # What the manager's submission stores: the KPI targets and goals scored, with their attainment.
            cursor.executemany(
                f"UPDATE {Review._meta.db_table} SET auto_items = %s WHERE id = %s",  # noqa: S608
                [(json.dumps(_auto_items(snapshot, pk)), pk) for pk, _m in rows],
            )
        state = Review.State.READY if manager else Review.State.MANAGER_REVIEW
        reviews.update(state=state)
    return len(rows)


def _time_recompute(run: Any, repeat: int = 3) -> None:
    """Median seconds of `run(actor, cycle)` when every score changes (scores wiped before each run: a new
    configuration), then when none does (the same run again)."""
    from jixiao.reviews.models import Review

    cycle = _cycle()
    count = _submit_all_by_sql(cycle, None, manager=True)
    admin = _admin()
    for label in ("changed", "unchanged"):
        samples, cpu, changed = [], [], 0
        for _ in range(repeat):
            if label == "changed":
                Review.objects.filter(cycle=cycle).update(final_score=None, band="", breakdown={})
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            changed = run(admin, cycle)
            samples.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        print(f"{label}_seconds={statistics.median(samples):.3f}")
        print(f"{label}_cpu_seconds={statistics.median(cpu):.3f}")
        print(f"{label}_count={changed}")
    print(f"reviews={count}")


def recompute() -> None:
    """Every review scored from submitted self and manager ratings (and KPI/goal items), then rescored by
    services.cycle_recompute."""
    from jixiao.reviews import services

    _time_recompute(lambda actor, cycle: services.cycle_recompute(actor=actor, cycle=cycle))


def submits_prepare(count: int, workdir: str) -> None:
    """The manager phase; `count` reviews with a submitted self review moved to the demo manager (their manager
    evaluations then are hers), half of the other self reviews submitted; the answers she will send, to a file."""
    from django.db.models import F

    from jixiao.org.models import Employee
    from jixiao.reviews import services
    from jixiao.reviews.models import Evaluation, EvaluationKind, Review

    cycle = _cycle()
    cycle = services.cycle_phase_advance(actor=_admin(), cycle=cycle, version=cycle.version)
    manager = Employee.objects.get(user__username="manager")
    employee = Employee.objects.get(user__username="employee")
    chosen = list(
        Review.objects.filter(cycle=cycle)
        .exclude(reviewee__in=[manager, employee])
        .exclude(skip_level=manager)
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    Review.objects.filter(pk__in=chosen).update(manager=manager, version=F("version") + 1)
    Evaluation.objects.filter(review_id__in=chosen, kind=EvaluationKind.MANAGER).update(rater=manager)
    _submit_all_by_sql(cycle, chosen, manager=False)
    others = list(
        Review.objects.filter(cycle=cycle)
        .exclude(pk__in=chosen)
        .exclude(reviewee=employee)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _submit_all_by_sql(cycle, others[::2], manager=False)
    work = []
    for evaluation_id, review_id, model_key in (
        Evaluation.objects.filter(review_id__in=chosen, kind=EvaluationKind.MANAGER)
        .order_by("pk")
        .values_list("pk", "review_id", "review__competency_model")
    ):
        answers = _answers(cycle.snapshot, model_key, str(2 + review_id % 4), "全年表现稳定，达成主要目标。")
        work.append({"id": evaluation_id, "answers": answers})
    out = Path(workdir) / "submits.json"
    out.write_text(json.dumps(work, ensure_ascii=False), encoding="utf-8")
    self_eval = Evaluation.objects.get(cycle=cycle, reviewee=employee, kind=EvaluationKind.SELF)
    print(f"file={out}")
    print(f"cycle={cycle.pk}")
    print(f"self_evaluation={self_eval.pk}")
    print(f"reviews={Review.objects.filter(cycle=cycle).count()}")


def submits_check(count: int) -> None:
    """How many of the demo manager's evaluations are submitted and audited after the HTTP run."""
    from jixiao.audit.models import AuditEvent
    from jixiao.reviews.models import Evaluation, EvaluationKind

    submitted = Evaluation.objects.filter(
        rater__user__username="manager", kind=EvaluationKind.MANAGER, state=Evaluation.State.SUBMITTED
    ).count()
    print(f"submitted={submitted}")
    print(f"audited={AuditEvent.objects.filter(action='review.manager_submit').count()}")


def profile_submits(count: int, workdir: str) -> None:
    """cProfile of `count` API submits through Django's test Client, in process (for finding the slow parts)."""
    import cProfile
    import pstats

    from django.test import Client

    from jixiao.accounts.models import User

    work = json.loads((Path(workdir) / "submits.json").read_text(encoding="utf-8"))[-count - 10 :]
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(username="manager"))

    def send(item: dict[str, Any]) -> None:
        response = client.post(
            f"/api/v1/reviews/evaluations/{item['id']}/submit",
            {"answers": item["answers"]},
            content_type="application/json",
            headers={"If-Match": '"1"'},
        )
        assert response.status_code == 200, response.content

    for item in work[:10]:
        send(item)
    work = work[10:]
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for item in work:
        send(item)
    profiler.disable()
    print(f"per_second={len(work) / (time.perf_counter() - start):.1f}")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(60)
    stats.print_callees("evaluation_save")


# ---- a prototype of a faster cycle_recompute (see the report of issue 4; delete once services adopt it) -----


def pages_profile(rounds: int = 40, profile: str = "") -> None:
    """CPU milliseconds (median) and queries per request of the pages bench/run.py times: the review form (the
    demo employee's self review, and one of the demo manager's open manager reviews) and HR's progress page,
    through Django's test Client in process, so other work on the machine weighs less than on wall-clock
    figures. `profile` names one page (`form_self`, `form_manager`, `progress`) to print its cProfile."""
    import cProfile
    import pstats

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from jixiao.accounts.models import User
    from jixiao.reviews.models import Evaluation, EvaluationKind

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    cycle = _cycle()
    own = Evaluation.objects.filter(cycle=cycle, reviewee__user__username="employee", kind=EvaluationKind.SELF)
    open_manager = (
        Evaluation.objects.filter(cycle=cycle, rater__user__username="manager", kind=EvaluationKind.MANAGER)
        .exclude(state=Evaluation.State.SUBMITTED)
        .order_by("pk")
    )
    pages = [("employee", "form_self", own.first()), ("manager", "form_manager", open_manager.first())]
    urls = [(user, name, f"/reviews/evaluations/{e.pk}/") for user, name, e in pages if e is not None]
    urls.append(("hr", "progress", f"/reviews/cycles/{cycle.pk}/"))
    for username, name, url in urls:
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        for _ in range(5):
            assert client.get(url).status_code == 200, url
        connection.force_debug_cursor = True
        connection.queries_log.clear()
        client.get(url)
        queries = len(connection.queries_log)
        connection.force_debug_cursor = False
        samples = []
        for _ in range(rounds):
            gc.collect()
            start = time.process_time()
            client.get(url)
            samples.append((time.process_time() - start) * 1000)
        print(f"{name}_cpu_ms={statistics.median(samples):.2f}")
        print(f"{name}_queries={queries}")
        if profile == name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(rounds):
                client.get(url)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)
