"""Conventions every endpoint shares: the one error shape, translated messages, CSRF on session writes,
the OpenAPI document and the interactive docs (docs/decisions/0002-api-conventions.md)."""

import logging
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.test import Client
from django.utils.translation import trans_real
from ninja import NinjaAPI
from ninja.testing import TestClient

from jixiao.accounts.services import token_create
from jixiao.core.api import install_error_handlers

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


# ---- the one error shape ------------------------------------------------------------------------


def test_a_call_without_credentials_answers_401_in_the_error_shape():
    assert_error_shape(Client().get("/api/v1/employees"), 401, "unauthenticated")


def test_an_unknown_token_answers_401_in_the_error_shape():
    response = Client().get("/api/v1/employees", headers={"Authorization": "Bearer jx_not-a-real-token"})
    assert_error_shape(response, 401, "unauthenticated")


def test_an_unknown_api_path_answers_404_in_the_error_shape(personas):
    assert_error_shape(signed_in(personas.employee.user).get("/api/v1/no-such-thing"), 404, "not_found")


def test_a_wrong_method_answers_405_in_the_error_shape(personas):
    response = signed_in(personas.employee.user).delete(f"/api/v1/employees/{personas.employee.pk}")
    assert_error_shape(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


def test_a_body_that_is_not_json_answers_400_in_the_error_shape(personas):
    response = signed_in(personas.scoped_hr).post("/api/v1/employees", "{oops", content_type="application/json")
    assert_error_shape(response, 400, "bad_request")


def test_a_body_that_is_not_an_object_answers_422_for_the_whole_body(personas):
    response = signed_in(personas.scoped_hr).post("/api/v1/employees", [1, 2], content_type="application/json")
    assert set(assert_error_shape(response, 422, "invalid")["fields"]) == {"__all__"}


def test_a_path_id_that_is_not_a_number_answers_422_in_the_error_shape(personas):
    response = signed_in(personas.employee.user).get("/api/v1/employees/abc")
    assert assert_error_shape(response, 422, "invalid")["fields"] == {"employee_id": ["Enter a whole number."]}


def api_that_raises(exc: Exception) -> TestClient:
    """A throwaway API with the same handlers, so the failure is real and nothing of ours is patched."""
    api = NinjaAPI(urls_namespace=f"test-{type(exc).__name__}")
    install_error_handlers(api)

    @api.get("/boom")
    def boom(request):
        raise exc

    return TestClient(api)


def test_an_unexpected_failure_answers_500_in_the_error_shape_and_is_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="jixiao.api"):
        response = api_that_raises(RuntimeError("secret internals")).get("/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "secret internals" not in response.content.decode()
    assert "secret internals" in caplog.text


@pytest.mark.parametrize(
    "exc, status, code, fields",
    [
        (IntegrityError("UNIQUE constraint failed"), 409, "conflict", {}),
        (PermissionDenied(), 404, "not_found", {}),
        (DjangoValidationError({"name": ["Too long."]}), 400, "invalid", {"name": ["Too long."]}),
    ],
)
def test_framework_failures_answer_in_the_error_shape(exc, status, code, fields):
    response = api_that_raises(exc).get("/boom")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["fields"] == fields


def test_the_api_root_answers_404_in_the_error_shape(personas):
    assert_error_shape(signed_in(personas.employee.user).get("/api/v1/"), 404, "not_found")


# ---- messages in the reader's language ----------------------------------------------------------


@pytest.fixture
def chinese_messages():
    """Put two zh-Hans translations in place, as the catalogue will, and take them out afterwards."""
    catalog = trans_real.translation("zh-hans")._catalog  # type: ignore[attr-defined]
    entries = {"Sign in or send a valid API token.": "请登录或提供有效的 API 令牌。", "Required.": "必填。"}
    saved = {key: catalog.get(key) for key in entries}
    for key, value in entries.items():
        catalog[key] = value
    yield entries
    for key, value in saved.items():
        if value is None:
            catalog._catalogs[0].pop(key, None)
        else:
            catalog[key] = value


def test_errors_are_written_in_the_language_the_caller_asks_for(chinese_messages):
    response = Client().get("/api/v1/employees", headers={"Accept-Language": "zh-hans"})
    error = assert_error_shape(response, 401, "unauthenticated")
    assert error["message"] == "请登录或提供有效的 API 令牌。"
    assert response["Content-Language"] == "zh-hans"
    english = Client().get("/api/v1/employees", headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"] == "Sign in or send a valid API token."


def test_field_errors_are_translated_too(personas, chinese_messages):
    personas.scoped_hr.language = ""
    personas.scoped_hr.save()
    client = signed_in(personas.scoped_hr)
    response = client.post(
        "/api/v1/employees", {"name": "甲"}, content_type="application/json", headers={"Accept-Language": "zh-hans"}
    )
    error = assert_error_shape(response, 422, "invalid")
    assert error["fields"]["employee_number"] == ["必填。"]


def test_names_come_back_as_readable_utf8(personas):
    response = signed_in(personas.employee.user).get(f"/api/v1/employees/{personas.employee.pk}")
    assert "王小明".encode() in response.content


# ---- sessions and CSRF --------------------------------------------------------------------------


def test_a_write_on_the_browser_session_needs_the_csrf_token(personas):
    client = signed_in(personas.scoped_hr, enforce_csrf_checks=True)
    url = f"/api/v1/employees/{personas.employee.pk}"
    headers = {"If-Match": '"1"'}
    refused = client.patch(url, {"title": "甲"}, content_type="application/json", headers=headers)
    assert_error_shape(refused, 403, "csrf_failed")
    client.get("/api/v1/docs")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    allowed = client.patch(
        url, {"title": "甲"}, content_type="application/json", headers={**headers, "X-CSRFToken": token}
    )
    assert allowed.status_code == 200, allowed.content


def test_a_read_on_the_browser_session_needs_no_csrf_token(personas):
    client = signed_in(personas.employee.user, enforce_csrf_checks=True)
    assert client.get("/api/v1/employees").status_code == 200


def test_a_token_write_needs_no_csrf_token(personas):
    _token, secret = token_create(user=personas.scoped_hr, name="sync")
    response = Client(enforce_csrf_checks=True).patch(
        f"/api/v1/employees/{personas.employee.pk}",
        {"title": "甲"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}", "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.content


def test_a_write_with_a_bad_token_and_no_session_is_told_to_authenticate_not_to_fetch_a_csrf_token(personas):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/departments", {"name": "甲"}, content_type="application/json", headers={"Authorization": "Bearer jx_x"}
    )
    assert_error_shape(response, 401, "unauthenticated")


def test_a_deactivated_users_session_is_refused(personas):
    client = signed_in(personas.employee.user)
    personas.employee.user.is_active = False
    personas.employee.user.save()
    assert_error_shape(client.get("/api/v1/employees"), 401, "unauthenticated")


# ---- the OpenAPI document and the interactive docs ----------------------------------------------


def test_the_openapi_document_describes_the_organisation_endpoints():
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/employees"])
    assert {"get", "patch"} <= set(paths["/api/v1/employees/{employee_id}"])
    assert {"get", "post"} <= set(paths["/api/v1/departments"])
    assert {"get", "patch"} <= set(paths["/api/v1/departments/{department_id}"])
    patch_params = {p["name"] for p in paths["/api/v1/employees/{employee_id}"]["patch"]["parameters"]}
    assert "If-Match" in patch_params
    assert schema["components"]["securitySchemes"] == {
        "TokenAuth": {"type": "http", "scheme": "bearer"},
        "ActiveSessionAuth": {"type": "apiKey", "in": "cookie", "name": "jixiao_session"},
    }


def test_no_input_schema_offers_a_server_owned_field():
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    inputs = {name: s for name, s in schemas.items() if name.endswith("In")}
    assert {"EmployeeCreateIn", "EmployeePatchIn", "DepartmentCreateIn", "DepartmentPatchIn"} <= set(inputs)
    server_owned = {"id", "version", "chain", "path", "depth", "user", "created_at", "updated_at"}
    for name, schema in inputs.items():
        assert schema["additionalProperties"] is False, name
        assert not server_owned & set(schema["properties"]), name


def test_the_docs_page_uses_only_vendored_files_and_no_inline_script(personas):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']https?://""", html), "no CDN"
    for attrs in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attrs or 'type="application/json"' in attrs, f"inline script: {attrs}"
    assert "<style" not in html and " style=" not in html
    assert "/static/ninja/swagger-ui-bundle" in html
    assert "unsafe-inline" not in response["Content-Security-Policy"]
