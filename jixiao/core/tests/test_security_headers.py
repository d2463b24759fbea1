"""Every response carries the browser protections; personal pages are never cached, static files are."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jixiao.core.testing.personas import Personas

pytestmark = pytest.mark.django_db


def assert_protected(response) -> None:
    csp = response["Content-Security-Policy"]
    assert csp == settings.JIXIAO_CSP
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self';" in csp, "inline scripts must stay forbidden"
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def assert_not_cached(response) -> None:
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def employee_client(personas: Personas) -> Client:
    client = Client()
    assert personas.employee.user is not None
    client.force_login(personas.employee.user)
    return client


def test_the_login_page_is_protected_and_not_cached():
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    assert_protected(response)
    assert_not_cached(response)


def test_a_page_with_personal_data_is_protected_and_not_cached(employee_client, personas):
    for url in (reverse("core:home"), reverse("org:employee", args=[personas.employee.pk])):
        response = employee_client.get(url)
        assert response.status_code == 200, url
        assert_protected(response)
        assert_not_cached(response)


def test_an_api_answer_is_protected_and_not_cached(employee_client):
    response = employee_client.get("/api/v1/me")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_protected(response)
    assert_not_cached(response)


def test_an_api_error_is_protected_and_not_cached():
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert_protected(response)
    assert_not_cached(response)


def test_a_404_page_is_protected_and_not_cached(employee_client):
    response = employee_client.get("/no-such-page/")
    assert response.status_code == 404
    assert_protected(response)
    assert_not_cached(response)


def test_the_lockout_page_is_protected_and_not_cached():
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("accounts:login"), {"username": "ana", "password": "guess"})
    assert response.status_code == 429
    assert_protected(response)
    assert_not_cached(response)


def test_the_api_docs_and_schema_carry_the_same_strict_policy(employee_client):
    for url in ("/api/v1/docs", "/api/v1/openapi.json"):
        response = employee_client.get(url)
        assert response.status_code == 200, url
        assert_protected(response)


def test_static_files_served_by_whitenoise_may_be_cached_and_are_still_nosniff(settings):
    # WhiteNoise serves from the finders here, so the test needs no collectstatic; the browser suite
    # checks the same headers on the collected, hashed files behind the real server.
    settings.WHITENOISE_USE_FINDERS = True
    response = Client().get(settings.STATIC_URL + "css/jixiao.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


INLINE_CODE = re.compile(
    r"""\sstyle\s*=                                  # a style attribute
      | <script(?![^>]*\ssrc=)(?![^>]*application/json)  # a script with a body that would run
      | \son[a-z]+\s*=\s*["']                        # an event handler attribute (onclick=...)
      | javascript:                                  # a javascript: URL""",
    re.IGNORECASE | re.VERBOSE,
)


def test_no_template_relies_on_inline_code_the_policy_would_block():
    # The browser suite catches these too, but only on the pages it visits; this looks at every template.
    offenders = []
    for root in [settings.BASE_DIR / "templates", *(settings.BASE_DIR / "jixiao").glob("*/templates")]:
        for path in root.rglob("*.html"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if INLINE_CODE.search(line):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()[:120]}")
    assert not offenders, "inline code the CSP blocks:\n" + "\n".join(offenders)
