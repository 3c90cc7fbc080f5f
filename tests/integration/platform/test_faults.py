"""Each fault type, switched on through ``/local/faults`` (or create_app options), does what it says."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aep_exports.platform.http.middleware import ResponseDropped

CATALOG = "/data/foundation/catalog"
JOBS = "/data/core/ups/export/jobs"


def _faults(client: httpx.Client, **settings: Any) -> None:
    response = client.put("/local/faults", json=settings)
    assert response.status_code == 200, response.text


def test_latency_and_jitter(api: httpx.Client) -> None:
    _faults(api, latency_ms=150, jitter_ms=50)
    started = time.monotonic()
    assert api.get(f"{CATALOG}/dataSets").status_code == 200
    elapsed = time.monotonic() - started
    assert 0.15 <= elapsed < 2.0
    started = time.monotonic()
    api.get("/local/stats")  # admin routes are never slowed down
    assert time.monotonic() - started < 0.15


def test_rate_limit_answers_429_with_retry_after(api: httpx.Client) -> None:
    _faults(api, rate_limit=3, retry_after_s=2)
    statuses = [api.get(f"{CATALOG}/dataSets") for _ in range(5)]
    assert [r.status_code for r in statuses[:3]] == [200, 200, 200]
    limited = statuses[3]
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "2"
    assert limited.json() == {"error_code": "429050", "message": "Too many requests"}
    stats = api.get("/local/stats").json()
    assert stats["routes"]["GET /data/foundation/catalog/dataSets"]["429"] == 2


def test_error_rate_answers_500_or_503_without_effect(api: httpx.Client, bodies: Any) -> None:
    _faults(api, error_rate=1.0, seed=3)
    statuses = {api.post(f"{CATALOG}/dataSets", json=bodies.dataset).status_code for _ in range(12)}
    assert statuses == {500, 503}
    _faults(api)
    assert api.get(f"{CATALOG}/dataSets").json() == {}


def test_dropped_answer_over_a_socket_breaks_the_connection(platform_server: Any, bodies: Any) -> None:
    with httpx.Client(base_url=platform_server.url, headers=platform_server.headers(), timeout=10) as client:
        _faults(client, drop_rate=1.0)
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(f"{CATALOG}/dataSets", json=bodies.dataset)
        assert client.get(f"{CATALOG}/dataSets").status_code == 200  # GETs are never dropped
        _faults(client)
        created = client.get(f"{CATALOG}/dataSets").json()
        assert [d["name"] for d in created.values()] == ["Profile Data Export"]  # it took effect
        assert client.get("/local/stats").json()["dropped"] == {"POST /data/foundation/catalog/dataSets": 1}


def test_dropped_answer_in_process_raises_through_the_asgi_transport(
    make_platform_app: Callable[..., Any], bodies: Any
) -> None:
    app = make_platform_app(faults={"drop_rate": 1.0})
    headers = app.platform.dev_headers()

    async def scenario() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://local", headers=headers) as client:
            with pytest.raises(httpx.RemoteProtocolError) as caught:
                await client.post(f"{CATALOG}/dataSets", json=bodies.dataset)
            assert isinstance(caught.value, ResponseDropped)
            result: dict[str, Any] = (await client.get(f"{CATALOG}/dataSets")).json()
            return result

    assert len(asyncio.run(scenario())) == 1


def test_share_of_jobs_fail_with_errors(api: httpx.Client, bodies: Any, make_dataset: Any) -> None:
    dataset_id = make_dataset(api)
    _faults(api, job_failure_rate=1.0)
    job_id = api.post(JOBS, json=bodies.simple_job(dataset_id)).json()["id"]
    job = _wait(api, job_id)
    assert job["status"] == "FAILED"
    assert [e["code"] for e in job["errors"]] == ["0090000009", "unknown"]
    assert job["errors"][1]["msg"] == "Job aborted."
    assert job["destination"]["batchId"] == ""
    assert api.get(f"{CATALOG}/batches", params={"dataSet": dataset_id}).json() == {}


def test_hanging_jobs_never_finish_but_can_be_cancelled(
    api: httpx.Client, bodies: Any, make_dataset: Any
) -> None:
    dataset_id = make_dataset(api)
    _faults(api, job_hang_rate=1.0)
    job_id = api.post(JOBS, json=bodies.simple_job(dataset_id)).json()["id"]
    api.post("/local/clock", json={"advance": "30d"})
    assert _wait(api, job_id, until=("PROCESSING",))["status"] == "PROCESSING"
    assert api.delete(f"{JOBS}/{job_id}").status_code == 204
    assert api.get(f"{JOBS}/{job_id}").json()["status"] == "CANCELLED"


def test_fault_settings_are_validated(api: httpx.Client) -> None:
    for bad in (
        {"error_rate": 2},
        {"nonsense": 1},
        {"latency_ms": "slow"},
        {"job_failure_rate": 0.6, "job_hang_rate": 0.6},
    ):
        response = api.put("/local/faults", json=bad)
        assert response.status_code == 400, bad
    _faults(api, errorRate=0.5)  # camelCase is accepted too
    assert api.get("/local/faults").json()["error_rate"] == 0.5


def _wait(
    api: httpx.Client, job_id: int, until: tuple[str, ...] = ("SUCCEEDED", "FAILED", "CANCELLED")
) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        job: dict[str, Any] = api.get(f"{JOBS}/{job_id}").json()
        if job["status"] in until or time.monotonic() > deadline:
            return job
        time.sleep(0.02)
