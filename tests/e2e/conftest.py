"""Browser tests against the real server: granian + WhiteNoise + a task worker over a fresh demo database.

Run with `make test-browser` (`.venv/bin/pytest tests/e2e`). One session builds everything once in a
temporary directory — its own SQLite file, media and collected static files — so the checkout's var/ and
staticfiles/ are never touched, and stops the processes at the end. Every test gets a fresh browser
context (no cookies; `page_as` reuses one sign-in per demo user, because hashing the password is the
slowest step) and fails if the page logged a console error — a Content-Security-Policy violation
included — or the server answered any request with a 5xx.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Response,
    StorageState,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "jixiao-demo"  # the published demo password
CHROMIUM = os.environ.get("JIXIAO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The production server as `make serve` runs it, with one worker: the suite is one browser at a time.
GRANIAN_ARGS = ["--interface", "wsgi", "--host", "127.0.0.1", "--workers", "1", "--log-level", "warning"]
# Logs every CSP violation as a console error, with the directive, so the report names the culprit.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


@dataclass
class Server:
    url: str
    tmp: Path
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def log_tail(self) -> str:
        parts = []
        for log in sorted(self.tmp.glob("*.log")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _manage(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=out)


def _wait(proc: subprocess.Popen[bytes], what: str, server: Server, timeout: float = 180) -> None:
    if proc.wait(timeout=timeout) != 0:
        pytest.fail(f"{what} failed:\n{server.log_tail()}", pytrace=False)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process we started, and the workers it started (its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _wait_healthy(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in server.processes:
            if proc.poll() is not None:
                pytest.fail(f"a server process exited early:\n{server.log_tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"/healthz did not answer within {timeout} s:\n{server.log_tail()}", pytrace=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("jixiao-e2e")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIXIAO_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.demo",
        JIXIAO_DATABASE_URL=f"sqlite:///{tmp / 'jixiao.sqlite3'}",
        JIXIAO_VAR_DIR=str(tmp),
        JIXIAO_STATIC_ROOT=str(tmp / "static"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    server = Server(url=f"http://127.0.0.1:{_free_port()}", tmp=tmp, env=env)
    # collectstatic needs no database, so it runs beside migrate + seed on the second core.
    collect = _manage(env, "collectstatic", "--noinput", "-v", "0", log=tmp / "collectstatic.log")
    try:
        _wait(_manage(env, "migrate", "--noinput", "-v", "0", log=tmp / "migrate.log"), "migrate", server)
        seed = _manage(env, "seed_demo", "--employees", "300", "--seed", "1", log=tmp / "seed.log")
        _wait(seed, "seed_demo", server)
        _wait(collect, "collectstatic", server)
    finally:
        if collect.poll() is None:
            collect.kill()
            collect.wait()
    port = server.url.rsplit(":", 1)[1]
    try:
        with (tmp / "granian.log").open("ab") as out:
            server.processes.append(
                subprocess.Popen(
                    [str(BIN / "granian"), *GRANIAN_ARGS, "--port", port, "config.wsgi:application"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=out,
                    start_new_session=True,
                )
            )
        with (tmp / "db_worker.log").open("ab") as out:
            server.processes.append(
                subprocess.Popen(
                    [str(BIN / "python"), "manage.py", "db_worker", "--interval", "0.5", "-v", "0"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=out,
                    start_new_session=True,
                )
            )
        _wait_healthy(server)
        yield server
    finally:
        for proc in server.processes:
            _stop(proc)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Console:
    """What the page said on its console: errors and uncaught exceptions fail the test."""

    errors: list[str] = field(default_factory=list)

    def on_message(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"uncaught: {error.message}")

    def on_response(self, response: Response) -> None:
        # A 500 on a page shows Django's error page without any console message; count it here.
        if response.status >= 500:
            self.errors.append(f"server error {response.status} on {response.request.method} {response.url}")


def new_context(
    browser: Browser,
    server: Server,
    console: Console,
    *,
    locale: str = "en-US",
    storage_state: StorageState | None = None,
) -> BrowserContext:
    """A browser profile whose Accept-Language follows `locale`: fresh, or with a saved sign-in."""
    context = browser.new_context(
        base_url=server.url, locale=locale, viewport={"width": 1366, "height": 768}, storage_state=storage_state
    )
    context.set_default_timeout(15_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    context.on("console", console.on_message)
    context.on("weberror", lambda web_error: console.on_page_error(web_error.error))
    context.on("response", console.on_response)
    return context


@pytest.fixture
def console() -> Iterator[Console]:
    console = Console()
    yield console
    # Torn down after every context of the test has closed, so late messages are counted too.
    assert not console.errors, "the browser logged errors:\n" + "\n".join(console.errors)


@pytest.fixture
def context(browser: Browser, server: Server, console: Console) -> Iterator[BrowserContext]:
    context = new_context(browser, server, console)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def _sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("home-title").wait_for()


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """sign_in(page, username, password=demo password): through the login form, up to the home page."""
    return _sign_in


@pytest.fixture(scope="session")
def saved_sign_ins() -> dict[str, StorageState]:
    return {}


@pytest.fixture
def page_as(
    browser: Browser, server: Server, console: Console, saved_sign_ins: dict[str, StorageState]
) -> Iterator[Callable[[str], Page]]:
    """page_as(username): a page on her home page, signed in once per run and reused.

    For tests about something other than signing in; they must not sign out or change the account.
    """
    contexts: list[BrowserContext] = []

    def open_as(username: str) -> Page:
        context = new_context(browser, server, console, storage_state=saved_sign_ins.get(username))
        contexts.append(context)
        page = context.new_page()
        if username in saved_sign_ins:
            page.goto("/")
            page.get_by_test_id("home-title").wait_for()
        else:
            _sign_in(page, username)
            saved_sign_ins[username] = context.storage_state()
        return page

    yield open_as
    for context in contexts:
        context.close()
