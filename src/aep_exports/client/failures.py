"""Turns a platform error answer into one of our ``ApiError`` types (message without secrets)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aep_exports.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    412: ConflictError,
    422: BadRequestError,
    429: RateLimitedError,
}

_HINTS: dict[type[ApiError], str] = {
    AuthError: "check the client id/secret (or access token and API key), the org id and the scopes",
    RateLimitedError: "the platform kept rate-limiting; lower `parallelism` or try again later",
    ServerError: "the platform kept failing; try again later",
}


def error_type(status: int) -> type[ApiError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    if 400 <= status < 500:
        return BadRequestError
    return ApiError


def decode_body(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def error_fields(body: Any) -> tuple[str | None, str | None, str | None]:
    """(code, title, detail) from a gateway body, an RFC 7807 body or an errors[] list."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if not isinstance(body, dict):
        return None, None, None
    code = _text(body.get("error_code") or body.get("code") or body.get("errorCode"))
    title = _text(body.get("title") or body.get("error"))
    detail = _text(
        body.get("detail") or body.get("message") or body.get("msg") or body.get("error_description")
    )
    report = body.get("report")
    if code is None and isinstance(report, dict):
        code = _text(report.get("code") or report.get("errorCode"))
    return code, title, detail


def request_id_of(headers: Mapping[str, str], body: Any, sent_id: str | None) -> str | None:
    rid = headers.get("x-request-id")
    if not rid and isinstance(body, dict):
        report = body.get("report")
        rid = _text(body.get("requestId")) or (
            _text(report.get("requestId")) if isinstance(report, dict) else None
        )
    return rid or sent_id


def error_from_response(
    *,
    method: str,
    path: str,
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    sent_request_id: str | None,
    redact: Callable[[str], str],
    error_class: type[ApiError] | None = None,
    what: str | None = None,
) -> ApiError:
    """Build the error for a non-success answer; every string goes through ``redact``."""
    body = decode_body(content)
    code, title, detail = error_fields(body)
    cls = error_class or error_type(status)
    rid = request_id_of(headers, body, sent_request_id)
    title = redact(title) if title else None
    detail = redact(detail) if detail else None
    path = redact(path)
    summary = ": ".join(part for part in (title, detail) if part) or "no error detail"
    extras = [f"code {code}"] if code else []
    if rid:
        extras.append(f"request id {rid}")
    tail = f" ({', '.join(extras)})" if extras else ""
    prefix = f"{what}: " if what else ""
    message = f"{prefix}{method} {path} answered {status}: {summary}{tail}"
    return cls(
        message,
        method=method,
        path=path,
        status=status,
        code=code,
        title=title,
        detail=detail,
        request_id=rid,
        hint=_HINTS.get(cls),
    )
