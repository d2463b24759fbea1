"""jixiao benchmarks: prints one figure per line as `name: value unit`.

Runs against a throwaway SQLite database under bench/out/ and the real server (granian, the same
command as `make serve`) over loopback HTTP. Figures, not pass/fail: compare them with the targets in
the issue and report misses with a profile.

    .venv/bin/python bench/run.py [--employees 10000] [--requests 200]
        [--only seed,http,import,goals,kpi-import,bulk,reviews,feedback,conversations,calibration]

goals: the alignment tree page and its data at ~10,000 objectives; kpi-import: 100,000 KPI actuals from
XLSX and CSV (seconds, peak memory); bulk: a goal template assigned to 2,000 people (seconds);
reviews: a review cycle for 10,000 people — launch (and its plain-sqlite3 floor), recompute, the review form
and HR progress pages, manager submits through the API (bench/reviews.py); feedback: 360 requests for 10,000
reviewees with 5 raters each (and their plain-sqlite3 floor), the 360 report page with 50,000 responses
(bench/feedback.py); conversations: 1,000,000 pieces of feedback and 100,000 1:1 meetings seeded set-based
(seconds), the 1:1 page and the evidence panel for random participants and reviews (bench/conversations.py);
calibration: a cycle with calibration over 10,000 scored reviews, a session of 2,000 of them and 2,000 appeals
(set-based) — the rater bias statistics of the whole cycle (seconds), the session's bias panel and normalisation
preview, and over HTTP the session page (as a participating manager and as the HR facilitator), the bias panel,
the normalisation preview and HR's appeals list, with their query counts (bench/calibration.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = str(ROOT / ".venv" / "bin" / "python")
GRANIAN = str(ROOT / ".venv" / "bin" / "granian")
PASSWORD = "jixiao-demo"  # noqa: S105 - the published demo password


def figure(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.2f} {unit}" if isinstance(value, float) else f"{name}: {value} {unit}", flush=True)


def env_for(db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.demo",
        "JIXIAO_DATABASE_URL": f"sqlite:///{db}",
        "JIXIAO_VAR_DIR": str(db.parent),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def manage(db: Path, *args: str) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env_for(db), check=True, capture_output=True, text=True
    )
    return done.stdout


def fresh_db(name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    manage(db, "migrate", "--noinput", "-v", "0")
    return db


def bench_seed(employees: int) -> Path:
    db = fresh_db(f"company{employees}")
    start = time.perf_counter()
    manage(db, "seed_demo", "--employees", str(employees), "--seed", "1")
    figure(f"seed_{employees}", time.perf_counter() - start, "s")
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total_kb = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total_kb += int(match.group(1)) if match else 0
    return total_kb / 1024


@contextmanager
def server(
    db: Path, workers: int, threads: int, *, quiet: bool = False
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """granian on a free port; `quiet` drops its stdout (the demo's console email backend prints every mail)."""
    port = free_port()
    manage(db, "collectstatic", "--noinput", "-v", "0")
    proc = subprocess.Popen(
        [
            GRANIAN,
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--log-level",
            "warning",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env_for(db),
        stdout=subprocess.DEVNULL if quiet else None,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


class Client:
    """A keep-alive HTTP client with a cookie jar, enough to sign in and fetch pages."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        all_headers = {**self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=all_headers)
        response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data

    def login(self, username: str) -> None:
        _status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        body = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()}
        )
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.conn.port}/accounts/login/",
            },
        )
        assert status == 302, f"login as {username} answered {status}"


def timed(client: Client, path: str, n: int) -> list[float]:
    for _ in range(10):
        status, _ = client.request("GET", path)
        assert status == 200, f"GET {path} answered {status}"
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        status, _ = client.request("GET", path)
        samples.append((time.perf_counter() - start) * 1000)
        assert status == 200
    return samples


def report_latency(name: str, samples: list[float]) -> None:
    samples.sort()
    figure(f"{name}_p50", statistics.median(samples), "ms")
    figure(f"{name}_p95", samples[int(len(samples) * 0.95) - 1], "ms")


def api_token(db: Path, username: str) -> str:
    code = (
        "from jixiao.accounts.models import User; from jixiao.accounts.services import token_create; "
        f"print(token_create(user=User.objects.get(username='{username}'), name='bench')[1])"
    )
    return manage(db, "shell", "-v", "0", "-c", code).strip().splitlines()[-1]


def root_department(db: Path) -> int:
    code = "from jixiao.org.models import Department; print(Department.objects.get(parent=None).pk)"
    return int(manage(db, "shell", "-v", "0", "-c", code).strip().splitlines()[-1])


def bench_http(db: Path, employees: int, n: int, workers: int, threads: int) -> None:
    token = api_token(db, "hr")
    root = root_department(db)
    with server(db, workers, threads) as (port, proc):
        web = Client(port)
        web.login("hr")
        report_latency(f"directory_{employees}", timed(web, "/org/people/", n))
        report_latency(f"directory_search_{employees}", timed(web, "/org/people/?q=%E7%8E%8B", n))
        report_latency(f"org_chart_page_{employees}", timed(web, "/org/chart/", n))
        report_latency(f"org_chart_nodes_{employees}", timed(web, f"/org/chart/nodes/?parent={root}", n))
        report_latency(f"home_hr_{employees}", timed(web, "/", n))
        api = Client(port)
        api.headers["Authorization"] = f"Bearer {token}"
        report_latency(f"api_employees_list_{employees}", timed(api, "/api/v1/employees?limit=50", n))
        _status, body = api.request("GET", "/api/v1/employees?limit=50")
        cursor = json.loads(body).get("next_cursor")
        if cursor:
            path = "/api/v1/employees?limit=50&cursor=" + urllib.parse.quote(cursor)
            report_latency(f"api_employees_page2_{employees}", timed(api, path, n))
        figure(f"serving_rss_total_{workers}w{threads}t", tree_rss_mb(proc.pid), "MB")


def bench_import(rows: int) -> None:
    db = fresh_db("import")
    code = (
        "import resource, time\n"
        "from jixiao.org.testing_import import bench_import_xlsx\n"
        f"seconds = bench_import_xlsx(rows={rows}, workdir='{OUT}')\n"
        "print(f'import_seconds={seconds}')\n"
        "print(f'peak_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}')\n"
    )
    out = manage(db, "shell", "-v", "0", "-c", code)
    seconds = float(re.search(r"import_seconds=([\d.]+)", out).group(1))  # type: ignore[union-attr]
    peak = int(re.search(r"peak_kb=(\d+)", out).group(1))  # type: ignore[union-attr]
    figure(f"import_xlsx_{rows}", seconds, "s")
    figure(f"import_xlsx_{rows}_peak_rss", peak / 1024, "MB")


def goals_shell(db: Path, call: str) -> dict[str, str]:
    """Run one function of bench/goals.py in a fresh `manage.py shell`; its `key=value` lines as a dict."""
    out = manage(db, "shell", "-v", "0", "-c", f"from bench import goals; goals.{call}")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


# The demo seeds about 2.4 objectives per person (company, units, teams, people): ~10,000 at 4,100 people.
TREE_EMPLOYEES = 4100


def bench_tree(n: int, workers: int, threads: int) -> None:
    """The alignment tree from the company down: the page and its JSON, as the company-wide viewer sees them."""
    db = fresh_db("tree")
    manage(db, "seed_demo", "--employees", str(TREE_EMPLOYEES), "--seed", "1")
    facts = goals_shell(db, "tree_facts()")
    figure("tree_objectives", int(facts["objectives"]), "objectives")
    query = f"?period={facts['period']}"
    with server(db, workers, threads) as (port, _proc):
        web = Client(port)
        web.login("ceo")
        for name, path in (("tree_10000_page", "/goals/tree/"), ("tree_10000_data", "/goals/tree/data.json")):
            status, _ = web.request("GET", path + query)
            if status != 200:
                print(f"{name}: not measured (GET {path} answered {status})", flush=True)
                continue
            report_latency(name, timed(web, path + query, n))


KPI_EMPLOYEES = 1000


def bench_kpi_import(rows: int) -> None:
    """Import `rows` KPI actuals from XLSX and from CSV into a seeded company: seconds and peak memory."""
    db = fresh_db("kpi_import")
    manage(db, "seed_demo", "--employees", str(KPI_EMPLOYEES), "--seed", "1")
    workdir = OUT / "kpi-files"
    goals_shell(db, f"write_actuals({str(workdir)!r}, {rows})")
    for kind in ("xlsx", "csv"):
        # The same file twice is a no-op, so each format gets the database as the seed left it.
        copy = OUT / f"kpi_import_{kind}.sqlite3"
        shutil.copyfile(db, copy)
        result = goals_shell(copy, f"import_actuals({str(workdir / f'actuals-{rows}.{kind}')!r})")
        assert int(result["created"]) + int(result["updated"]) > 0, result
        figure(f"kpi_actuals_import_{rows}_{kind}", float(result["seconds"]), "s")
        figure(f"kpi_actuals_import_{rows}_{kind}_peak_rss", float(result["peak_mb"]), "MB")
    # The same dates again with every value changed: each row replaces a value and writes an audit event.
    changed = workdir / f"actuals-{rows}-changed.csv"
    goals_shell(db, f"shift_actuals({str(workdir / f'actuals-{rows}.csv')!r}, {str(changed)!r})")
    result = goals_shell(OUT / "kpi_import_csv.sqlite3", f"import_actuals({str(changed)!r})")
    assert int(result["updated"]) > 0, result
    figure(f"kpi_actuals_reimport_changed_{rows}_csv", float(result["seconds"]), "s")
    figure(f"kpi_actuals_reimport_changed_{rows}_csv_peak_rss", float(result["peak_mb"]), "MB")


BULK_EMPLOYEES = 2100


def bench_bulk(people: int) -> None:
    """Assign a goal template to `people` people at once (services.goals_bulk_assign), in seconds."""
    db = fresh_db("bulk")
    manage(db, "seed_demo", "--employees", str(BULK_EMPLOYEES), "--seed", "1")
    result = goals_shell(db, f"bulk_assign({people})")
    assert int(result["created"]) == people, result
    figure(f"goals_bulk_assign_{people}", float(result["seconds"]), "s")


def reviews_shell(db: Path, call: str) -> dict[str, str]:
    """Run one function of bench/reviews.py in a fresh `manage.py shell`; its `key=value` lines as a dict."""
    out = manage(db, "shell", "-v", "0", "-c", f"from bench import reviews; reviews.{call}")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def copy_db(source: Path, name: str) -> Path:
    target = OUT / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target


def bench_reviews(people: int, n: int, submits: int, workers: int, threads: int) -> None:
    """A skip-level review cycle over `people` current employees: launch against its floor, recompute, pages, API."""
    db = fresh_db("reviews")
    manage(db, "seed_demo", "--employees", str(people), "--seed", "1")
    facts = reviews_shell(db, f"prepare({people})")
    # Each launch on its own copy of the prepared database; the median of three.
    runs = [reviews_shell(copy_db(db, f"reviews_launch{i}"), "launch()") for i in range(3)]
    launched = OUT / "reviews_launch0.sqlite3"
    launch = statistics.median(float(r["seconds"]) for r in runs)
    figure("cycle_launch_participants", int(facts["participants"]), "people")
    figure("cycle_launch_rows", int(runs[0]["reviews"]) + int(runs[0]["evaluations"]), "rows")
    figure(f"cycle_launch_{people}", launch, "s")
    done = subprocess.run(
        [PY, "-c", f"from bench import reviews; reviews.floor({str(launched)!r})"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    floor = float(dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)["seconds"])
    figure(f"cycle_launch_floor_{people}", floor, "s")
    figure("cycle_launch_ratio", launch / floor, "x")
    result = reviews_shell(copy_db(launched, "reviews_recompute"), "recompute()")
    figure(f"cycle_recompute_{result['reviews']}", float(result["changed_seconds"]), "s")
    figure(f"cycle_recompute_unchanged_{result['reviews']}", float(result["unchanged_seconds"]), "s")
    http_db = copy_db(launched, "reviews_http")
    prep = reviews_shell(http_db, f"submits_prepare({submits}, {str(OUT)!r})")
    work = json.loads(Path(prep["file"]).read_text(encoding="utf-8"))
    token = api_token(http_db, "manager")
    with server(http_db, workers, threads, quiet=True) as (port, _proc):
        api = Client(port)
        api.headers["Authorization"] = f"Bearer {token}"
        warm, timed_work = work[:20], work[20:]

        def send(item: dict[str, object]) -> None:
            status, body = api.request(
                "POST",
                f"/api/v1/reviews/evaluations/{item['id']}/submit",
                json.dumps({"answers": item["answers"]}),  # ASCII: http.client sends str as Latin-1
                {"Content-Type": "application/json", "If-Match": '"1"'},
            )
            assert status == 200, (status, body[:300])

        for item in warm:
            send(item)
        start = time.perf_counter()
        for item in timed_work:
            send(item)
        figure("api_manager_submits_per_s", len(timed_work) / (time.perf_counter() - start), "/s")
        # Pages (and their API twins) with the cycle's reviews in several states.
        reviews = prep["reviews"]
        pages = (
            ("employee", f"review_form_{reviews}", f"/reviews/evaluations/{prep['self_evaluation']}/"),
            ("hr", f"hr_progress_{reviews}", f"/reviews/cycles/{prep['cycle']}/"),
        )
        for username, name, path in pages:
            web = Client(port)
            web.login(username)
            status, _ = web.request("GET", path)
            if status != 200:
                print(f"{name}: not measured (GET {path} answered {status})", flush=True)
                continue
            report_latency(name, timed(web, path, n))
        api_pages = (
            ("employee", f"api_evaluation_read_{reviews}", f"/api/v1/reviews/evaluations/{prep['self_evaluation']}"),
            ("hr", f"api_cycle_progress_{reviews}", f"/api/v1/reviews/cycles/{prep['cycle']}"),
        )
        for username, name, path in api_pages:
            client = Client(port)
            client.headers["Authorization"] = f"Bearer {api_token(http_db, username)}"
            report_latency(name, timed(client, path, n))
    check = reviews_shell(http_db, f"submits_check({submits})")
    assert int(check["submitted"]) >= len(work), check


def feedback_shell(db: Path, call: str) -> dict[str, str]:
    """Run one function of bench/feedback.py in a fresh `manage.py shell`; its `key=value` lines as a dict."""
    out = manage(db, "shell", "-v", "0", "-c", f"from bench import feedback; feedback.{call}")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def bench_feedback(people: int, n: int, workers: int, threads: int) -> None:
    """360 feedback for `people` reviewees: requests to 5 raters each against their floor, then the report page."""
    db = fresh_db("feedback")
    # One more than the reviewees: the top of the company is not reviewed in the cycle.
    manage(db, "seed_demo", "--employees", str(people + 1), "--seed", "1")
    facts = feedback_shell(db, f"prepare({people})")
    reviews = int(facts["reviews"])
    # Each send on its own copy of the prepared database; the median of three.
    runs = [feedback_shell(copy_db(db, f"feedback_send{i}"), "send()") for i in range(3)]
    sent = OUT / "feedback_send0.sqlite3"
    requests = int(runs[0]["requests"])
    assert all(int(r["again"]) == 0 for r in runs), runs
    seconds = statistics.median(float(r["seconds"]) for r in runs)
    figure("feedback_requests_reviewees", reviews, "people")
    figure("feedback_requests_rows", requests, "requests")
    figure(f"feedback_requests_{reviews}x{requests // max(reviews, 1)}", seconds, "s")
    done = subprocess.run(
        [PY, "-c", f"from bench import feedback; feedback.floor({str(sent)!r})"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    floor = float(dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)["seconds"])
    figure(f"feedback_requests_floor_{requests}", floor, "s")
    figure("feedback_requests_ratio", seconds / floor, "x")
    answered = feedback_shell(sent, "answer()")
    figure("feedback_responses", int(answered["responses"]), "responses")
    manage(sent, "collectstatic", "--noinput", "-v", "0")  # the page's stylesheets, as the server will serve them
    inside = feedback_shell(sent, f"report_selector({n})")
    figure("feedback_report_selector_queries", int(inside["selector_queries"]), "queries")
    report_latency_values("feedback_report_selector", inside["selector_p50_ms"], inside["selector_p95_ms"])
    if "page_p50_ms" in inside:  # the page in process (Django's test Client): no HTTP, no server
        figure("feedback_report_page_queries", int(inside["page_queries"]), "queries")
        report_latency_values("feedback_report_page_in_process", inside["page_p50_ms"], inside["page_p95_ms"])
        report_latency_values("feedback_report_page_cpu", inside["page_cpu_p50_ms"], inside["page_cpu_p95_ms"])
    picked = feedback_shell(sent, f"report_sample({n})")
    paths = picked["paths"].split(",")
    with server(sent, workers, threads, quiet=True) as (port, _proc):
        web = Client(port)
        web.login("hr")
        status, _ = web.request("GET", paths[0])
        if status != 200:
            print(f"feedback_report_page: not measured (GET {paths[0]} answered {status})", flush=True)
            return
        for path in paths[:10]:
            web.request("GET", path)
        samples = []
        for path in paths:
            start = time.perf_counter()
            status, _ = web.request("GET", path)
            samples.append((time.perf_counter() - start) * 1000)
            assert status == 200, (path, status)
        report_latency("feedback_report_page", samples)
        figure("feedback_report_largest_responses", int(picked["largest_responses"]), "responses")
        report_latency("feedback_report_page_largest", timed(web, picked["largest"], n))


def conversations_shell(db: Path, call: str) -> dict[str, str]:
    """Run one function of bench/conversations.py in a fresh `manage.py shell`; its `key=value` lines as a dict."""
    out = manage(db, "shell", "-v", "0", "-c", f"from bench import conversations; conversations.{call}")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def bench_conversations(people: int, n: int, workers: int, threads: int) -> None:
    """1,000,000 pieces of feedback and 100,000 1:1 meetings seeded set-based, then the 1:1 page (as one participant
    or the other) and the evidence panel (as the reviewing manager) for random series and reviews."""
    db = fresh_db("conversations")
    manage(db, "seed_demo", "--employees", str(people), "--seed", "1")
    facts = conversations_shell(db, "prepare()")
    figure(f"conversations_seed_feedback_{facts['feedback']}", float(facts["feedback_seconds"]), "s")
    figure(f"conversations_seed_meetings_{facts['meetings']}", float(facts["meetings_seconds"]), "s")
    figure("conversations_seed_total", float(facts["seconds"]), "s")
    for key in ("feedback_values", "requests", "series", "agenda_items", "action_items", "open_action_items"):
        figure(f"conversations_{key}", int(facts[key]), "rows")
    manage(db, "collectstatic", "--noinput", "-v", "0")  # the pages' stylesheets, as the server will serve them
    inside = conversations_shell(db, f"selectors({n})")
    for prefix in ("meeting_selector", "evidence_selector", "meeting_page_in_process", "evidence_page_in_process"):
        if f"{prefix}_p50_ms" in inside:
            figure(f"{prefix}_queries", int(inside[f"{prefix}_queries"]), "queries")
            report_latency_values(prefix, inside[f"{prefix}_p50_ms"], inside[f"{prefix}_p95_ms"])
            report_latency_values(f"{prefix}_cpu", inside[f"{prefix}_cpu_p50_ms"], inside[f"{prefix}_cpu_p95_ms"])
        elif f"{prefix}_error" in inside:
            print(f"{prefix}: not measured ({inside[f'{prefix}_error']})", flush=True)
    samples = {name: conversations_shell(db, f"{name}_sample({n})") for name in ("meeting", "evidence")}
    users = sorted({u for picked in samples.values() for u in picked.get("users", "").split(",") if u})
    sessions = conversations_shell(db, f"sessions({','.join(users)!r})") if users else {}
    with server(db, workers, threads, quiet=True) as (port, _proc):
        web = Client(port)
        for name, figure_name in (("meeting", "one_on_one_page"), ("evidence", "evidence_panel")):
            picked = samples[name]
            if not picked.get("paths"):
                print(f"{figure_name}: not measured (no page yet)", flush=True)
                continue
            pairs = list(zip(picked["paths"].split(","), picked["users"].split(","), strict=True))

            def get(path: str, username: str) -> int:
                web.cookies = {"jixiao_session": sessions[username]}
                status, _ = web.request("GET", path)
                return status

            status = get(*pairs[0])
            if status != 200:
                print(f"{figure_name}: not measured (GET {pairs[0][0]} answered {status})", flush=True)
                continue
            for pair in pairs[:10]:
                get(*pair)
            timings = []
            for pair in pairs:
                start = time.perf_counter()
                status = get(*pair)
                timings.append((time.perf_counter() - start) * 1000)
                assert status == 200, (pair, status)
            report_latency(f"{figure_name}_{facts['feedback']}", timings)


def calibration_shell(db: Path, call: str) -> dict[str, str]:
    """Run one function of bench/calibration.py in a fresh `manage.py shell`; its `key=value` lines as a dict."""
    out = manage(db, "shell", "-v", "0", "-c", f"from bench import calibration; calibration.{call}")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def bench_calibration(people: int, members: int, appeals: int, n: int, workers: int, threads: int) -> None:
    """A cycle with calibration over `people` scored reviews, a session of `members` of them and `appeals` appeals,
    seeded set-based: rater bias of the whole cycle in process, then the pages in process (query counts, CPU) and
    over HTTP against granian (`n` requests for the session page, the target; half as many for the bias panel and
    the appeals list, an eighth for the normalisation preview, a page of every member's before and after)."""
    db = fresh_db("calibration")
    # One more than the reviews: the head of the company has no manager and no review.
    manage(db, "seed_demo", "--employees", str(people + 1), "--seed", "1")
    facts = calibration_shell(db, f"prepare({members}, {appeals})")
    reviews = int(facts["reviews"])
    figure("calibration_cycle_reviews", reviews, "reviews")
    figure("calibration_session_members", int(facts["members"]), "people")
    figure("calibration_session_participants", int(facts["participants"]), "people")
    figure("calibration_appeals", int(facts["appeals"]), "appeals")
    for part in ("launch", "scores", "session", "appeals"):
        figure(f"calibration_setup_{part}", float(facts[f"{part}_seconds"]), "s")
    timings = calibration_shell(db, "timings()")
    figure("calibration_bias_raters", int(timings["bias_raters"]), "raters")
    figure("calibration_bias_flagged", int(timings["bias_flagged"]), "raters")
    figure(f"calibration_bias_cycle_{reviews}", float(timings["cycle_bias_ms"]) / 1000, "s")
    figure("calibration_bias_cycle_queries", int(timings["cycle_bias_queries"]), "queries")
    for name in ("bias_panel", "normalise_preview"):
        if f"{name}_ms" not in timings:
            print(
                f"calibration_{name}_selector: not measured ({timings.get(f'{name}_error', 'no figure')})", flush=True
            )
            continue
        figure(f"calibration_{name}_selector_{members}", float(timings[f"{name}_ms"]), "ms")
        figure(f"calibration_{name}_selector_queries", int(timings[f"{name}_queries"]), "queries")
    manage(db, "collectstatic", "--noinput", "-v", "0")  # the pages' stylesheets, as the server will serve them
    inside = calibration_shell(db, f"pages({max(n // 10, 10)})")
    pages = {name: line.split("|") for name, line in calibration_shell(db, "paths()").items()}
    for name in pages:
        if f"{name}_error" in inside:
            print(f"{name}_in_process: not measured ({inside[f'{name}_error']})", flush=True)
        if f"{name}_queries" in inside:
            figure(f"{name}_queries", int(inside[f"{name}_queries"]), "queries")
            figure(f"{name}_size", int(inside[f"{name}_kb"]), "KB")
            report_latency_values(f"{name}_cpu", inside[f"{name}_cpu_p50_ms"], inside[f"{name}_cpu_p95_ms"])
    with server(db, workers, threads, quiet=True) as (port, _proc):
        signed_in: dict[str, dict[str, str]] = {}
        for name, (username, path, htmx) in pages.items():
            # A new connection per page (the server closes idle ones), signed in once per person.
            web = Client(port)
            if username not in signed_in:
                web.login(username)
                signed_in[username] = dict(web.cookies)
            web.cookies = dict(signed_in[username])
            if htmx == "1":
                web.headers["HX-Request"] = "true"
            status, _ = web.request("GET", path)
            if status != 200:
                print(f"{name}: not measured (GET {path} answered {status})", flush=True)
                continue
            # The session page (the target) gets every request; the others fewer, to keep this part near 5 minutes.
            count = n if "session_page" in name else max(n // 8, 20) if "normalise" in name else max(n // 2, 50)
            report_latency(name, timed(web, path, count))
        # Wall-clock figures move with whatever else runs: the 1-minute load average as they were taken.
        figure("calibration_http_load_average", os.getloadavg()[0], "")


def report_latency_values(name: str, p50: str, p95: str) -> None:
    figure(f"{name}_p50", float(p50), "ms")
    figure(f"{name}_p95", float(p95), "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--import-rows", type=int, default=50000)
    parser.add_argument("--kpi-rows", type=int, default=100_000)
    parser.add_argument("--bulk-people", type=int, default=2000)
    parser.add_argument("--review-people", type=int, default=10000)
    parser.add_argument("--review-submits", type=int, default=600)
    parser.add_argument("--feedback-people", type=int, default=10000)
    parser.add_argument("--conversations-people", type=int, default=10000)
    parser.add_argument("--calibration-people", type=int, default=10000)
    parser.add_argument("--calibration-members", type=int, default=2000)
    parser.add_argument("--calibration-appeals", type=int, default=2000)
    parser.add_argument(
        "--only", default="seed,http,import,goals,kpi-import,bulk,reviews,feedback,conversations,calibration"
    )
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("THREADS", "2")))
    args = parser.parse_args()
    parts = set(args.only.split(","))
    db = bench_seed(args.employees) if parts & {"seed", "http"} else None
    if "http" in parts and db is not None:
        bench_http(db, args.employees, args.requests, args.workers, args.threads)
    if "import" in parts:
        bench_import(args.import_rows)
    if "goals" in parts:
        bench_tree(args.requests, args.workers, args.threads)
    if "kpi-import" in parts:
        bench_kpi_import(args.kpi_rows)
    if "bulk" in parts:
        bench_bulk(args.bulk_people)
    if "reviews" in parts:
        bench_reviews(args.review_people, args.requests, args.review_submits, args.workers, args.threads)
    if "feedback" in parts:
        bench_feedback(args.feedback_people, args.requests, args.workers, args.threads)
    if "conversations" in parts:
        bench_conversations(args.conversations_people, args.requests, args.workers, args.threads)
    if "calibration" in parts:
        bench_calibration(
            args.calibration_people,
            args.calibration_members,
            args.calibration_appeals,
            args.requests,
            args.workers,
            args.threads,
        )
    if not os.environ.get("BENCH_KEEP"):
        shutil.rmtree(OUT, ignore_errors=True)


if __name__ == "__main__":
    main()
