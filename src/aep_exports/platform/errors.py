"""Errors the backend raises: each carries the HTTP status and the exact body the real API would answer."""

from __future__ import annotations

from typing import Any

PROBLEM_TYPE = "https://ns.adobe.com/aep/errors/"


class PlatformError(Exception):
    """An API error: ``status`` and ``body`` are sent as they are; ``headers`` are added to the answer."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def problem(
    status: int, title: str, detail: str, *, code: str | None = None, report: dict[str, Any] | None = None
) -> PlatformError:
    """A service error in the RFC 7807 style the platform's services answer."""
    slug = code or title.lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE}{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if report:
        body["report"] = report
    return PlatformError(status, body)


def bad_request(detail: str, **report: Any) -> PlatformError:
    """400: the request is malformed or refers to something that cannot be used."""
    return problem(400, "Bad Request", detail, report=report or None)


def not_found(detail: str) -> PlatformError:
    """404 for an unknown resource (in this org and sandbox)."""
    return problem(404, "Not Found", detail)


def gateway_error(
    status: int, error_code: str, message: str, headers: dict[str, str] | None = None
) -> PlatformError:
    """An error of the API gateway (``{"error_code", "message"}``), before any service sees the call."""
    return PlatformError(status, {"error_code": error_code, "message": message}, headers)


# The gateway's documented refusals (profile-export-api.md, "Gateway and error responses").
def missing_token() -> PlatformError:
    return gateway_error(403, "403010", "Oauth token is missing.")


def invalid_token() -> PlatformError:
    return gateway_error(401, "401013", "Oauth token is not valid")


def missing_api_key() -> PlatformError:
    return gateway_error(403, "403000", "Api Key is required")


def invalid_api_key() -> PlatformError:
    return gateway_error(403, "403003", "Api Key is invalid")


def missing_org() -> PlatformError:
    return gateway_error(400, "400003", "Missing header")


def org_not_entitled() -> PlatformError:
    return gateway_error(403, "403025", "Profile is not valid")


def too_many_requests(retry_after_s: int) -> PlatformError:
    return gateway_error(429, "429050", "Too many requests", {"Retry-After": str(retry_after_s)})


def missing_content_type() -> PlatformError:
    return PlatformError(
        400,
        {
            "type": "/placeholder/type/uri",
            "status": 400,
            "title": "BadRequestError",
            "detail": "A valid content-type must be specified",
        },
    )


def missing_sandbox() -> PlatformError:
    return problem(
        400, "Missing sandbox", "The x-sandbox-name header is required on every call.", code="missing-sandbox"
    )
