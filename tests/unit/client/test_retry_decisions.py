"""Narrow checks of retry/ambiguity/redaction decisions that the platform cannot produce deterministically.

httpx.MockTransport stands in for the network here only; behaviour against the platform is in
tests/integration/client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aep_exports.client import ClientConfig, ClientCredentials, StaticToken
from aep_exports.client.async_client import AsyncPlatformClient
from aep_exports.client.backoff import Backoff
from aep_exports.errors import AmbiguousWriteError, AuthError, NotFoundError, RateLimitedError, ServerError

SECRET = "s3cr3t-client-secret-value"
CLIENT_ID = "client-id-0123456789"
TOKEN_PREFIX = "tok-abcdefghijklmnop-"
Handler = Callable[[httpx.Request], httpx.Response]


def make_client(handler: Handler, **overrides: Any) -> AsyncPlatformClient:
    config = ClientConfig(
        base_url="https://platform.test",
        org_id="ORG@AdobeOrg",
        sandbox="prod",
        credentials=overrides.pop("credentials", ClientCredentials(CLIENT_ID, SECRET, ["openid"])),
        ims_url="https://ims.test",
        **{"retry_budget": 4, "deadline": 10.0, **overrides},
    )
    return AsyncPlatformClient(config, transport=httpx.MockTransport(handler), backoff=Backoff(0.001, 0.002))


class Recorder:
    """Serves IMS tokens, then delegates platform calls to ``script`` (one entry per call)."""

    def __init__(self, script: list[Callable[[httpx.Request], httpx.Response]]) -> None:
        self.script = script
        self.calls: list[httpx.Request] = []
        self.tokens = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ims/token/v3":
            self.tokens += 1
            return httpx.Response(
                200, json={"access_token": f"{TOKEN_PREFIX}{self.tokens}", "expires_in": 86399}
            )
        self.calls.append(request)
        step = self.script[min(len(self.calls), len(self.script)) - 1]
        return step(request)


def job_ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"id": 7, "status": "NEW", "destination": {"datasetId": "d"}})


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_headers_on_every_call_and_sandbox_override() -> None:
    rec = Recorder([job_ok])

    async def go() -> None:
        async with make_client(rec) as client:
            await client.for_sandbox("dev").create_export_job({"destination": {"datasetId": "d"}})
            await client.get_export_job(7)

    run(go())
    post, get = rec.calls
    assert post.headers["authorization"] == f"Bearer {TOKEN_PREFIX}1"
    assert post.headers["x-api-key"] == CLIENT_ID and post.headers["x-gw-ims-org-id"] == "ORG@AdobeOrg"
    assert post.headers["x-sandbox-name"] == "dev" and get.headers["x-sandbox-name"] == "prod"
    assert post.headers["content-type"] == "application/json" and "content-type" not in get.headers
    assert rec.tokens == 1  # cached


def test_429_then_success_honours_retry_after_in_body() -> None:
    rec = Recorder([lambda r: httpx.Response(429, json={"retryAfterMs": 30}), job_ok])

    async def go() -> tuple[float, Any]:
        async with make_client(rec) as client:
            loop = asyncio.get_running_loop()
            start = loop.time()
            await client.get_export_job(7)
            return loop.time() - start, client.stats()

    elapsed, stats = run(go())
    assert elapsed >= 0.03 and stats.retries == 1 and stats.rate_limited == 1
    assert stats.requests == 3 and stats.token_fetches == 1  # IMS counts as a request too


def test_retry_budget_exhausted_raises_rate_limited_with_fields() -> None:
    body = {"error_code": "429050", "message": "Too many requests"}
    rec = Recorder([lambda r: httpx.Response(429, json=body, headers={"x-request-id": "rid-1"})])

    async def go() -> None:
        async with make_client(rec) as client:
            await client.get_export_job(7)

    with pytest.raises(RateLimitedError) as info:
        run(go())
    err = info.value
    assert (err.method, err.status, err.code, err.request_id) == ("GET", 429, "429050", "rid-1")
    assert err.path == "/data/core/ups/export/jobs/7" and len(rec.calls) == 4


def test_post_read_error_is_ambiguous_and_not_resent() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset", request=request)

    rec = Recorder([broken, job_ok])

    async def go() -> None:
        async with make_client(rec) as client:
            await client.create_export_job({"destination": {"datasetId": "d"}, "schema": {"name": "x"}})

    with pytest.raises(AmbiguousWriteError) as info:
        run(go())
    assert len(rec.calls) == 1
    assert info.value.request_body == {"destination": {"datasetId": "d"}, "schema": {"name": "x"}}
    assert not isinstance(info.value.__cause__, httpx.HTTPError)


def test_post_connect_error_is_retried_and_get_read_error_is_retried() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset", request=request)

    rec = Recorder([refused, job_ok, reset, job_ok])

    async def go() -> None:
        async with make_client(rec) as client:
            assert (await client.create_export_job({"x": 1})).id == 7
            assert (await client.get_export_job(7)).id == 7

    run(go())
    assert len(rec.calls) == 4


def test_post_gateway_timeout_is_ambiguous_but_500_is_retried() -> None:
    rec = Recorder([lambda r: httpx.Response(500), job_ok, lambda r: httpx.Response(504)])

    async def go() -> None:
        async with make_client(rec) as client:
            await client.create_export_job({"x": 1})
            await client.create_export_job({"x": 2})

    with pytest.raises(AmbiguousWriteError) as info:
        run(go())
    assert info.value.status == 504 and len(rec.calls) == 3


def test_server_error_after_budget() -> None:
    rec = Recorder([lambda r: httpx.Response(503, json={"title": "Unavailable", "detail": "try later"})])

    async def go() -> None:
        async with make_client(rec, retry_budget=2) as client:
            await client.get_dataset("abc")

    with pytest.raises(ServerError, match="Unavailable: try later"):
        run(go())
    assert len(rec.calls) == 2


def test_401_fetches_a_new_token_once() -> None:
    rec = Recorder(
        [
            lambda r: httpx.Response(
                401, json={"error_code": "401013", "message": "Oauth token is not valid"}
            ),
            job_ok,
        ]
    )

    async def go() -> None:
        async with make_client(rec) as client:
            await client.get_export_job(7)

    run(go())
    assert rec.tokens == 2 and rec.calls[1].headers["authorization"] == f"Bearer {TOKEN_PREFIX}2"

    always = Recorder(
        [lambda r: httpx.Response(401, json={"error_code": "401013", "message": "Oauth token is not valid"})]
    )
    with pytest.raises(AuthError, match="401013"):
        run(make_and_get(always))
    assert always.tokens == 2 and len(always.calls) == 2


async def make_and_get(rec: Recorder) -> None:
    async with make_client(rec) as client:
        await client.get_export_job(7)


def test_static_token_401_is_final_and_404_maps() -> None:
    rec = Recorder(
        [
            lambda r: httpx.Response(401, json={"error_code": "401013", "message": "bad"}),
            lambda r: httpx.Response(404, json={"title": "Not found", "status": 404}),
        ]
    )
    creds = StaticToken("static-token-value-xyz", "static-api-key-xyz")

    async def go() -> None:
        async with make_client(rec, credentials=creds) as client:
            with pytest.raises(AuthError):
                await client.get_export_job(7)
            with pytest.raises(NotFoundError):
                await client.get_export_job(8)

    run(go())
    assert rec.tokens == 0 and rec.calls[0].headers["x-api-key"] == "static-api-key-xyz"


def test_secrets_never_in_logs_errors_or_repr(caplog: pytest.LogCaptureFixture) -> None:
    # The platform echoes the key and token back in its error detail; we must not repeat them.
    def echo(request: httpx.Request) -> httpx.Response:
        detail = f"key {request.headers['x-api-key']} token {request.headers['authorization']}"
        return httpx.Response(400, json={"title": "Bad", "detail": detail})

    rec = Recorder([echo])
    caplog.set_level(logging.DEBUG, logger="aep_exports.client")

    async def go() -> Exception:
        async with make_client(rec) as client:
            try:
                await client.get_dataset(SECRET)
            except Exception as exc:
                return exc
            raise AssertionError("expected an error")

    err = run(go())
    texts = [str(err), repr(err), err.detail or "", caplog.text]
    config_text = repr(make_client(rec).config)
    for text in [*texts, config_text]:
        assert SECRET not in text and TOKEN_PREFIX not in text and CLIENT_ID not in text
    assert "GET /data/foundation/catalog/dataSets/***" in caplog.text and "-> 400" in caplog.text
