"""GET /healthz: 200 only while the database answers.

The failing cases run in a separate Python process pointed at a database that cannot answer (a closed
PostgreSQL port, an SQLite file in a directory that does not exist). Breaking the connection of this
test process instead would also break the test database the rest of the suite runs in, and mocking the
view's cursor would test the mock rather than the real failure path through the database driver.
"""

import json
import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

# Requests /healthz through the whole middleware stack with the test client, as a load balancer would.
PROBE = (
    "import django, json; django.setup(); from django.test import Client; "
    "r = Client(HTTP_HOST='localhost').get('/healthz'); "
    "print(json.dumps({'status': r.status_code, 'body': r.json(), 'cache': r.get('Cache-Control')}))"
)


def probe_with_database(url: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIXIAO_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", JIXIAO_DATABASE_URL=url)
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def closed_port() -> int:
    """A loopback port nobody listens on (bound and released, so the kernel refuses connections to it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.django_db
def test_healthz_answers_ok_while_the_database_answers():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_needs_no_sign_in_and_no_session():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_healthz_answers_503_when_postgresql_does_not_answer():
    answer = probe_with_database(f"postgres://jixiao@127.0.0.1:{closed_port()}/jixiao")
    assert answer["status"] == 503
    assert answer["body"] == {"status": "unavailable"}
    assert answer["cache"] == "no-store"


def test_healthz_answers_503_when_the_sqlite_file_cannot_be_opened(tmp_path):
    missing_dir = tmp_path / "no-such-dir"
    answer = probe_with_database(f"sqlite:///{missing_dir / 'jixiao.sqlite3'}")
    assert answer["status"] == 503
    assert answer["body"] == {"status": "unavailable"}
