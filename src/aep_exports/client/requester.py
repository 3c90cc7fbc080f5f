"""One platform call: headers, auth, the shared limiter, retries, deadline, error mapping, logging.

Every httpx exception is caught here and becomes an ``ApiError``; nothing from httpx leaves.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from aep_exports.errors import AmbiguousWriteError, ApiError, AuthError, TransportError

from .auth import TokenSource
from .backoff import AMBIGUOUS_WRITE_STATUSES, RETRYABLE_STATUSES, Backoff, retry_after_seconds
from .config import ClientConfig
from .failures import decode_body, error_from_response
from .limiter import AdaptiveLimiter, Permit
from .observe import Counters, Redactor, logger

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Failures that happen before any byte of the request left: safe to retry for any method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass
class Reply:
    """A successful answer, already read."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    extra: dict[str, Any] = field(default_factory=dict)

    def json(self) -> Any:
        return decode_body(self.content)


# Sends one built request and reads the answer (buffered, or streamed somewhere).
Sender = Callable[[httpx.Request], Awaitable[Reply]]


@dataclass
class Call:
    """What one logical call sends; ``headers_hook`` may add headers per attempt (e.g. Range)."""

    method: str
    path: str
    sandbox: str | None = None
    params: Mapping[str, Any] | None = None
    json_body: Any = None
    form: Mapping[str, str] | None = None
    content_type: str = "application/json"
    url: str | None = None
    authenticated: bool = True
    limited: bool = True
    idempotent: bool | None = None
    ok_statuses: frozenset[int] = frozenset({200, 201, 202, 204, 206})
    headers_hook: Callable[[], Mapping[str, str]] | None = None
    error_class: type[ApiError] | None = None
    what: str | None = None
    # Sent as x-request-id on every attempt (default: a new id per attempt), so that a platform that
    # echoes it names the logical call whichever attempt took effect.
    request_id: str | None = None
    # Who answers (named when it cannot be reached): the platform, or the IMS for tokens.
    service: str = "platform"

    @property
    def is_idempotent(self) -> bool:
        return self.idempotent if self.idempotent is not None else self.method != "POST"

    def display_path(self) -> str:
        if not self.params:
            return self.path
        query = "&".join(f"{k}={v}" for k, v in self.params.items() if v is not None)
        return f"{self.path}?{query}" if query else self.path


class _Retry(Exception):
    """Internal: this attempt failed in a retryable way."""

    def __init__(self, error: ApiError, server_hint: float | None = None) -> None:
        self.error = error
        self.server_hint = server_hint


class Requester:
    def __init__(
        self,
        config: ClientConfig,
        http: httpx.AsyncClient,
        *,
        counters: Counters,
        redactor: Redactor,
        limiter: AdaptiveLimiter,
        backoff: Backoff | None = None,
    ) -> None:
        self.config = config
        self.http = http
        self.counters = counters
        self.redact = redactor
        self.limiter = limiter
        self.backoff = backoff or Backoff(config.backoff_base, config.backoff_cap)
        self.tokens = TokenSource(config, self._fetch_token, on_new_token=redactor.add)

    # ------------------------------------------------------------------ public

    async def call(self, call: Call, sender: Sender | None = None) -> Reply:
        """Run ``call`` with retries until it succeeds, fails for good, or the deadline passes."""
        send = sender or self._send_buffered
        deadline_at = time.monotonic() + self.config.deadline
        attempt = 0
        retries = 0
        reauthenticated = False
        last_error: ApiError | None = None
        while True:
            attempt += 1
            remaining = deadline_at - time.monotonic()
            if remaining <= 0:
                raise last_error or self._deadline_error(call)
            try:
                reply = await self._attempt(call, send, attempt, remaining)
                return reply
            except _Retry as retry:
                last_error = retry.error
                if isinstance(retry.error, AuthError):
                    if reauthenticated:
                        raise retry.error from None
                    reauthenticated = True
                    self.counters.add("reauthentications")
                    continue
                if retries + 1 >= self.config.retry_budget:
                    raise retry.error from None
                delay = self.backoff.delay(retries, retry.server_hint)
                if time.monotonic() + delay >= deadline_at:
                    raise retry.error from None
                retries += 1
                self.counters.add("retries")
                logger.debug(
                    "retrying %s %s in %.0f ms (%s)",
                    call.method,
                    self.redact(call.display_path()),
                    delay * 1000,
                    type(retry.error).__name__,
                )
                await asyncio.sleep(delay)

    # ------------------------------------------------------------------ one attempt

    def _headers(self, call: Call, token: str | None, request_id: str) -> dict[str, str]:
        headers = {
            "x-request-id": request_id,
            "user-agent": self.config.user_agent,
            "accept": "application/json",
        }
        if call.authenticated:
            headers["authorization"] = f"Bearer {token}"
            headers["x-api-key"] = self.config.api_key
            headers["x-gw-ims-org-id"] = self.config.org_id
            headers["x-sandbox-name"] = call.sandbox or self.config.sandbox
        if call.method in _WRITE_METHODS and call.form is None:
            headers["content-type"] = call.content_type
        if call.headers_hook is not None:
            headers.update(call.headers_hook())
        return headers

    def _build(self, call: Call, token: str | None, request_id: str, timeout: float) -> httpx.Request:
        url = call.url or self.config.base_url.rstrip("/") + call.path
        params = {k: v for k, v in (call.params or {}).items() if v is not None}
        content: bytes | None = None
        if call.json_body is not None:
            content = json.dumps(call.json_body).encode()
        elif call.method in _WRITE_METHODS and call.form is None:
            content = b""
        return self.http.build_request(
            call.method,
            url,
            params=params or None,
            content=content,
            data=dict(call.form) if call.form is not None else None,
            headers=self._headers(call, token, request_id),
            timeout=httpx.Timeout(min(self.config.request_timeout, timeout)),
        )

    async def _attempt(self, call: Call, send: Sender, attempt: int, remaining: float) -> Reply:
        token = await self.tokens.token() if call.authenticated else None
        request_id = call.request_id or uuid.uuid4().hex
        request = self._build(call, token, request_id, remaining)
        permit: Permit | None = None
        if call.limited:
            try:
                permit = await asyncio.wait_for(self.limiter.acquire(), timeout=remaining)
            except TimeoutError:
                raise self._deadline_error(call) from None
        started = time.perf_counter()
        self.counters.add("requests")
        self.counters.add("bytes_out", len(request.content))
        try:
            try:
                reply = await asyncio.wait_for(send(request), timeout=remaining)
            except _NOT_SENT as exc:
                self._log(call, f"connect failed ({type(exc).__name__})", started, attempt)
                self.counters.add("transport_errors")
                raise _Retry(self._transport_error(call, exc, request_id)) from None
            except Exception as exc:
                # Sent (or perhaps sent): the connection broke, timed out, or the in-process app crashed.
                self._log(call, f"no answer ({type(exc).__name__})", started, attempt)
                self.counters.add("transport_errors")
                if not call.is_idempotent:
                    raise self._ambiguous(call, request_id, f"no answer ({type(exc).__name__})") from None
                raise _Retry(self._transport_error(call, exc, request_id)) from None
        finally:
            if permit is not None:
                self.limiter.release()
        self._log(call, str(reply.status), started, attempt)
        return self._judge(call, reply, request_id, token, permit)

    def _judge(
        self, call: Call, reply: Reply, request_id: str, token: str | None, permit: Permit | None
    ) -> Reply:
        status = reply.status
        if status in call.ok_statuses:
            if permit is not None:
                self.limiter.on_success()
            return reply
        error = error_from_response(
            method=call.method,
            path=call.display_path(),
            status=status,
            headers=reply.headers,
            content=reply.content,
            sent_request_id=request_id,
            redact=self.redact,
            error_class=call.error_class,
            what=call.what,
        )
        if status == 401 and call.authenticated and token is not None and self.tokens.invalidate(token):
            raise _Retry(error)
        if status == 429:
            self.counters.add("rate_limited")
            hint = retry_after_seconds(reply.headers, decode_body(reply.content))
            if permit is not None:
                self.limiter.on_rate_limited(permit, hint)
            raise _Retry(error, hint)
        if status in RETRYABLE_STATUSES:
            self.counters.add("server_errors")
            if not call.is_idempotent and status in AMBIGUOUS_WRITE_STATUSES:
                raise self._ambiguous(call, request_id, f"gateway answered {status}", status=status)
            raise _Retry(error)
        raise error

    # ------------------------------------------------------------------ senders

    async def _send_buffered(self, request: httpx.Request) -> Reply:
        response = await self.http.send(request)
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        self.counters.add("bytes_in", len(content))
        return Reply(response.status_code, dict(response.headers), content)

    async def _fetch_token(self, form: dict[str, str]) -> dict[str, Any]:
        self.counters.add("token_fetches")
        reply = await self.call(
            Call(
                "POST",
                "/ims/token/v3",
                url=self.config.token_url,
                form=form,
                authenticated=False,
                limited=False,
                idempotent=True,
                ok_statuses=frozenset({200}),
                error_class=AuthError,
                what="IMS token request",
                service="IMS",
            )
        )
        body = reply.json()
        return body if isinstance(body, dict) else {}

    # ------------------------------------------------------------------ helpers

    def _log(self, call: Call, outcome: str, started: float, attempt: int) -> None:
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d)",
            call.method,
            self.redact(call.display_path()),
            outcome,
            (time.perf_counter() - started) * 1000,
            attempt,
        )

    def _transport_error(self, call: Call, exc: BaseException, request_id: str) -> TransportError:
        path = self.redact(call.display_path())
        reason = self.redact(str(exc)) or type(exc).__name__
        parts = urlsplit(call.url or self.config.base_url)
        origin = f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
        where = " (AEP_IMS_URL)" if call.service == "IMS" else ""
        return TransportError(
            f"{call.method} {origin}{path} failed: {type(exc).__name__}: {reason}",
            method=call.method,
            path=path,
            request_id=request_id,
            hint=f"check that the {call.service} at {origin}{where} is reachable",
        )

    def _ambiguous(
        self, call: Call, request_id: str, why: str, status: int | None = None
    ) -> AmbiguousWriteError:
        path = self.redact(call.display_path())
        return AmbiguousWriteError(
            f"{call.method} {path}: {why}; the write may or may not have happened and was not re-sent",
            method=call.method,
            path=path,
            status=status,
            request_id=request_id,
            request_body=call.json_body,
            hint="look for the resource before trying again",
        )

    def _deadline_error(self, call: Call) -> TransportError:
        path = self.redact(call.display_path())
        return TransportError(
            f"{call.method} {path}: no success within the {self.config.deadline:g} s deadline",
            method=call.method,
            path=path,
        )
