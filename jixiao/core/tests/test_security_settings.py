"""The production settings refuse unsafe configurations, and pass Django's deployment checklist.

Each case starts a real Python process with DJANGO_SETTINGS_MODULE=config.settings.production,
because the refusals happen while the settings module is imported and cannot be undone in-process.
"""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

BASE_DIR = settings.BASE_DIR
GOOD_KEY = secrets.token_urlsafe(60)
SHOW_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'DEBUG': s.DEBUG, 'DEMO': s.JIXIAO_DEMO_MODE, "
    "'VALIDATORS': [v['NAME'] for v in s.AUTH_PASSWORD_VALIDATORS], "
    "'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, 'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE}))"
)


def run_production(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python <args>` with the production settings and only the JIXIAO_* variables given here."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JIXIAO_", "DJANGO_"))}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.production", JIXIAO_ALLOWED_HOSTS="jixiao.example.com")
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120, check=False
    )


def start(**env: str) -> subprocess.CompletedProcess[str]:
    return run_production(["-c", SHOW_SETTINGS], **env)


def test_production_starts_with_a_long_random_secret_key_and_debug_off():
    result = start(JIXIAO_SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["DEBUG"] is False
    assert shown["DEMO"] is False
    assert "jixiao.accounts.validators.NotTheDemoPasswordValidator" in shown["VALIDATORS"]
    assert shown["SESSION_COOKIE_SECURE"] and shown["CSRF_COOKIE_SECURE"]


@pytest.mark.parametrize("value", ["1", "true", "on"])
def test_production_refuses_to_start_with_debug_on(value):
    result = start(JIXIAO_SECRET_KEY=GOOD_KEY, JIXIAO_DEBUG=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must stay off in production." in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = start()
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set JIXIAO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_with_the_published_demo_key():
    result = start(JIXIAO_SECRET_KEY=settings.INSECURE_SECRET_KEY)
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set JIXIAO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("key", ["short-but-random-Zq81", "a" * 64], ids=["too-short", "too-few-distinct-characters"])
def test_production_refuses_to_start_with_a_weak_secret_key(key):
    result = start(JIXIAO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set JIXIAO_SECRET_KEY" in result.stderr


def test_production_passes_djangos_deployment_checklist_with_warnings_as_failures():
    result = run_production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], JIXIAO_SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_checklist_fails_when_https_redirects_are_turned_off():
    # Proves the check above can fail: the same command, with one setting a deployment might get wrong.
    result = run_production(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        JIXIAO_SECRET_KEY=GOOD_KEY,
        JIXIAO_SSL_REDIRECT="false",
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


def test_the_suite_itself_runs_with_the_test_settings():
    # `make` exports DJANGO_SETTINGS_MODULE=config.settings.demo for manage.py; the suite must still use the
    # test settings (pyproject's --ds), or every persona costs a full PBKDF2 hash and tasks go to the queue.
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks.backends.immediate.ImmediateBackend"
