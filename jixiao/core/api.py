"""The API's authentication, its one error shape {"error": {"code", "message", "fields"}}, keyset paging and ETags.

The conventions are written down in docs/decisions/0002-api-conventions.md.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth
from ninja.utils import check_csrf

from jixiao.core.errors import DomainError, StaleWrite

logger = logging.getLogger("jixiao.api")

M = TypeVar("M", bound=Model)

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


# ---- authentication ----------------------------------------------------------------------------


class CsrfFailed(DomainError):
    """A write that rides on the browser's session came without a valid CSRF token."""

    code = "csrf_failed"
    status = 403


class PreconditionRequired(DomainError):
    """A write on a versioned object came without If-Match."""

    code = "precondition_required"
    status = 428


class TokenAuth(HttpBearer):
    """Personal API tokens: `Authorization: Bearer jx_…`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from jixiao.accounts.services import token_authenticate

        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """The browser's session (CSRF-checked on writes), for signed-in active users only."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a signed-in session there is nothing for CSRF to protect: answer 401, not 403, so
        # an integration with a bad token is told to authenticate rather than to fetch a CSRF token.
        if not request.user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise CsrfFailed(_("The page's security token is missing or out of date. Reload the page and try again."))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


# ---- the one error shape -----------------------------------------------------------------------


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    """Every failure answers in this shape, whatever its status."""

    error: ErrorDetail


# For the OpenAPI document: the failures an operation can answer with.
READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CREATE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
WRITE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    412: ErrorOut,
    422: ErrorOut,
    428: ErrorOut,
}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(code: str, message: str, status: int, fields: dict[str, list[str]] | None = None) -> HttpResponse:
    """An error in the one shape, for places outside a NinjaAPI operation (unknown path, wrong method)."""
    return JsonResponse(error_body(code, message, fields), status=status, json_dumps_params={"ensure_ascii": False})


# ninja prefixes a location with where the value came from and, for a schema parameter, its name.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
_PARAM_NAMES = {"payload", "filters"}


def _field_message(err: dict[str, Any]) -> str:
    """A translated message for the pydantic error types people meet; pydantic's English otherwise."""
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    if kind == "missing":
        return _("Required.")
    if kind == "extra_forbidden":
        return _("This field cannot be set.")
    if kind == "string_too_long":
        return _("Too long (at most %(max)s characters).") % {"max": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("Required.") if ctx.get("min_length") == 1 else str(err.get("msg", ""))
    if kind in {"enum", "literal_error"}:
        return _("Not one of the allowed values.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind.startswith("date"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind == "less_than_equal":
        return _("At most %(limit)s.") % {"limit": ctx.get("le")}
    if kind == "greater_than_equal":
        return _("At least %(limit)s.") % {"limit": ctx.get("ge")}
    if kind == "string_type":
        return _("Enter text (null is not allowed here).")
    if kind == "value_error" and "error" in ctx:
        # Our own validators raise ValueError with a message already translated.
        return str(ctx["error"])
    return str(err.get("msg", ""))


def _validation_fields(errors: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(part) for part in err.get("loc", [])]
        if loc and loc[0] in _SOURCES:
            loc = loc[1:]
        if loc and loc[0] in _PARAM_NAMES:
            loc = loc[1:]
        fields.setdefault(".".join(loc) or "__all__", []).append(_field_message(err))
    return fields


def invalid_query(field: str, message: str) -> ValidationError:
    """A 422 about one query parameter, in the same shape as pydantic's."""
    return ValidationError([{"loc": ["query", field], "msg": message, "type": "jixiao"}])


def install_error_handlers(api: NinjaAPI) -> None:
    """Every failure, from ours to the framework's, answers in the same shape."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        # In the API a version only ever arrives as If-Match, so a stale one is a failed precondition.
        status = 412 if isinstance(exc, StaleWrite) else exc.status
        return api.create_response(request, error_body(exc.code, str(exc.message), exc.fields), status=status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body("invalid", _("Please correct the marked fields."), _validation_fields(exc.errors)),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, error_body("unauthenticated", _("Sign in or send a valid API token.")), status=401
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        # Forbidden looks like missing, so ids cannot be probed.
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(DjangoValidationError)
    def model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        fields = (
            {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"__all__": [str(m) for m in exc.messages]}
        )
        return api.create_response(
            request, error_body("invalid", _("Please correct the marked fields."), fields), status=400
        )

    @api.exception_handler(IntegrityError)
    def integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # A unique value taken by a write that ran at the same time: the checks passed, the database said no.
        logger.warning("API conflict on %s %s: %s", request.method, request.path, exc)
        return api.create_response(
            request,
            error_body("conflict", _("This conflicts with a change saved at the same time. Reload and try again.")),
            status=409,
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 429:
            return api.create_response(
                request, error_body("throttled", _("Too many requests. Wait a little and try again.")), status=429
            )
        if exc.status_code == 400:
            # ninja's own 400s are bodies it could not parse (malformed JSON and the like).
            return api.create_response(
                request, error_body("bad_request", _("The request body could not be read.")), status=400
            )
        return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged with the traceback for the operators; the caller learns nothing about the internals.
        logger.exception("API error on %s %s", request.method, request.path)
        return api.create_response(
            request, error_body("server_error", _("Something went wrong on our side. Try again later.")), status=500
        )


def _unknown_path(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return error_response("not_found", _("Not found."), 404)


def _with_error_shape(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a wrong method with a bare text 405 and its root path with Django's HTML 404."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response("not_found", _("Not found."), 404)
        if isinstance(response, HttpResponseNotAllowed):
            shaped = error_response("method_not_allowed", _("This method is not allowed here."), 405)
            shaped["Allow"] = response["Allow"]
            return shaped
        return response

    return wrapper


class Utf8JSONRenderer(JSONRenderer):
    # Names are mostly Chinese: UTF-8 is a third the size of \uXXXX escapes and readable in logs.
    json_dumps_params = {"ensure_ascii": False}


class JixiaoAPI(NinjaAPI):
    """NinjaAPI whose unknown paths and wrong methods also answer in the one error shape."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("renderer", Utf8JSONRenderer())
        super().__init__(**kwargs)

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        shaped: list[URLResolver | URLPattern] = []
        for url in urls:
            if isinstance(url, URLPattern):
                url = URLPattern(url.pattern, _with_error_shape(url.callback), url.default_args, url.name)
            shaped.append(url)
        shaped.append(re_path(r"^.*$", _unknown_path))
        return shaped


# ---- keyset pages ------------------------------------------------------------------------------


def _after(keys: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in the order of `keys` (a lexicographic tuple comparison)."""
    q = Q(pk__in=[])
    for i, key in enumerate(keys):
        q |= Q(**dict(zip(keys[:i], values[:i], strict=True)), **{f"{key}__gt": values[i]})
    # The redundant range on the first key lets the database start an index range search at the cursor;
    # with the OR alone SQLite scans the index from the beginning, and page 500 would cost 500 pages.
    return Q(**{f"{keys[0]}__gte": values[0]}) & q


def keyset_page(
    qs: QuerySet[M], *, keys: Sequence[str], cursor: str | None, limit: int, salt: str
) -> tuple[list[M], str | None]:
    """One page of `qs` ordered by `keys` (unique together), after `cursor`; and the cursor of the next page.

    Keyset, not OFFSET: page 500 costs what page 1 costs, and rows added meanwhile are neither
    skipped nor repeated. The cursor is signed so that clients treat it as opaque.
    """
    if cursor:
        try:
            values = signing.loads(cursor, salt=f"jixiao.api.cursor.{salt}")
        except signing.BadSignature:
            values = None
        if not isinstance(values, list) or len(values) != len(keys):
            raise invalid_query("cursor", _("This cursor is not valid. Start again without one."))
        qs = qs.filter(_after(keys, values))
    rows = list(qs.order_by(*keys)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = [getattr(rows[-1], key) for key in keys]
    return rows, signing.dumps(last, salt=f"jixiao.api.cursor.{salt}")


# ---- versions: ETag and If-Match ---------------------------------------------------------------


def etag_for(version: int) -> str:
    return f'"{version}"'


def version_from_if_match(if_match: str | None, current: int) -> int:
    """The version the caller last read, from If-Match; 428 without one.

    A tag that does not match (or an unparseable one) is passed on as a version that cannot match,
    so the service refuses the write and the answer is 412.
    """
    if not if_match or not if_match.strip() or if_match.strip() == "*":
        raise PreconditionRequired(
            _("Send the ETag you read in an If-Match header, so that you do not overwrite someone else's change.")
        )
    versions: list[int] = []
    for tag in if_match.split(","):
        tag = tag.strip()
        if tag.startswith('"') and tag.endswith('"') and tag[1:-1].isdigit():
            versions.append(int(tag[1:-1]))
    if current in versions:
        return current
    return versions[0] if versions else -1


__all__ = [
    "CREATE_ERRORS",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "READ_ERRORS",
    "WRITE_ERRORS",
    "APIKeyHeader",
    "ActiveSessionAuth",
    "CsrfFailed",
    "ErrorOut",
    "JixiaoAPI",
    "PreconditionRequired",
    "TokenAuth",
    "error_body",
    "etag_for",
    "install_error_handlers",
    "invalid_query",
    "keyset_page",
    "version_from_if_match",
]
