"""Nothing crosses sandboxes or orgs; everything survives a restart on the same data directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

CATALOG = "/data/foundation/catalog"
JOBS = "/data/core/ups/export/jobs"
OTHER_ORG = "OTHERORG00000000000000@AdobeOrg"


def _client(
    app: Any, transport: Callable[[Any], httpx.BaseTransport], sandbox: str, **kwargs: Any
) -> httpx.Client:
    return httpx.Client(
        transport=transport(app),
        base_url="http://local-platform",
        headers=app.platform.dev_headers(sandbox, **kwargs),
    )


def test_sandboxes_and_orgs_are_isolated(
    make_platform_app: Callable[..., Any], sync_asgi_transport: Any, bodies: Any, make_dataset: Any
) -> None:
    app = make_platform_app(clients=[f"other:secret:{OTHER_ORG}"])
    dev = _client(app, sync_asgi_transport, "dev")
    prod = _client(app, sync_asgi_transport, "prod")
    other_org = _client(app, sync_asgi_transport, "dev", client_id="other", org_id=OTHER_ORG)
    dataset_id = make_dataset(dev)
    job = dev.post(JOBS, json=bodies.simple_job(dataset_id)).json()
    batch_id = job["destination"]["batchId"]
    for outsider in (prod, other_org):
        assert outsider.get(f"{CATALOG}/dataSets").json() == {}
        assert outsider.get(f"{CATALOG}/dataSets/{dataset_id}").status_code == 404
        assert outsider.patch(f"{CATALOG}/dataSets/{dataset_id}", json={"name": "x"}).status_code == 404
        assert outsider.delete(f"{CATALOG}/dataSets/{dataset_id}").status_code == 404
        assert outsider.get(JOBS).json()["records"] == []
        assert outsider.get(f"{JOBS}/{job['id']}").status_code == 404
        assert outsider.delete(f"{JOBS}/{job['id']}").status_code == 404
        assert outsider.get(f"{CATALOG}/batches", params={"dataSet": dataset_id}).json() == {}
        assert outsider.get(f"/data/foundation/export/batches/{batch_id}/files").status_code == 404
        refused = outsider.post(JOBS, json=bodies.simple_job(dataset_id))
        assert refused.status_code == 400 and dataset_id in refused.json()["detail"]
    assert list(dev.get(f"{CATALOG}/dataSets").json()) == [dataset_id]
    assert dev.get(f"{JOBS}/{job['id']}").status_code == 200


def test_everything_survives_a_restart(
    make_platform_app: Callable[..., Any], sync_asgi_transport: Any, bodies: Any, make_dataset: Any
) -> None:
    first = make_platform_app(job_duration_s=3600)
    client = _client(first, sync_asgi_transport, "prod")
    dataset_id = make_dataset(client)
    client.patch(f"{CATALOG}/dataSets/{dataset_id}", json={"description": "kept"})
    running = client.post(JOBS, json=bodies.simple_job(dataset_id)).json()
    token_headers = dict(client.headers)
    client.post("/local/clock", json={"advance": "1d"})
    clock_before = client.get("/local/clock").json()["offsetMs"]
    first.platform.close()

    second = make_platform_app(job_duration_s=3600)
    again = httpx.Client(
        transport=sync_asgi_transport(second), base_url="http://local-platform", headers=token_headers
    )  # the old token still works
    dataset = again.get(f"{CATALOG}/dataSets/{dataset_id}").json()[dataset_id]
    assert dataset["description"] == "kept" and dataset["version"] == "1.0.1"
    job = again.get(f"{JOBS}/{running['id']}").json()
    assert job["status"] == "SUCCEEDED"  # a day later on the persisted clock, it has finished
    assert job["requestId"] == running["requestId"]
    assert abs(again.get("/local/clock").json()["offsetMs"] - clock_before) < 5_000
    newer = again.post(JOBS, json=bodies.simple_job(dataset_id)).json()
    assert newer["id"] > running["id"]
