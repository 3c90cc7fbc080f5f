"""Catalog datasets and batches: list keyed by id, paging, ordering, filters, PATCH, PUT, DELETE."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

DATASETS = "/data/foundation/catalog/dataSets"


def _names(client: httpx.Client, **params: Any) -> list[str]:
    response = client.get(DATASETS, params=params)
    assert response.status_code == 200, response.text
    return [doc.get("name", "?") for doc in response.json().values()]


def test_list_paging_ordering_projection_and_filters(platform_http: httpx.Client, make_dataset: Any) -> None:
    platform_http.post("/local/clock", json={"freeze": True, "set": "2024-01-01T00:00:00Z"})
    for index in range(25):
        make_dataset(platform_http, name=f"ds-{index:02d}", tags={"team": ["a" if index % 2 else "b"]})
        platform_http.post("/local/clock", json={"advance": 1})
    assert _names(platform_http) == [f"ds-{i:02d}" for i in range(20)]  # default limit 20, oldest first
    assert len(_names(platform_http, limit=1000)) == 25  # at most 100
    assert _names(platform_http, start=23) == ["ds-23", "ds-24"]
    assert _names(platform_http, orderBy="desc:created", limit=2) == ["ds-24", "ds-23"]
    assert _names(platform_http, name="ds-07") == ["ds-07"]
    assert _names(platform_http, property="name==ds-08") == ["ds-08"]
    assert _names(platform_http, property="name~^ds-1[0-2]$") == ["ds-10", "ds-11", "ds-12"]
    assert len(_names(platform_http, tags="team:a", limit=100)) == 12
    projected = platform_http.get(DATASETS, params={"properties": "name,tags", "limit": 1}).json()
    assert [set(doc) for doc in projected.values()] == [{"name", "tags"}]
    for bad in ({"limit": "many"}, {"orderBy": "sideways:name"}, {"start": -1}):
        assert platform_http.get(DATASETS, params=bad).status_code == 400, bad


def test_patch_json_and_json_patch_put_delete(platform_http: httpx.Client, make_dataset: Any) -> None:
    dataset_id = make_dataset(platform_http, tags={"owner": ["x"]})
    merged = platform_http.patch(f"{DATASETS}/{dataset_id}", json={"description": "merged", "created": 1})
    assert merged.status_code == 200 and merged.json() == [f"@/dataSets/{dataset_id}"]
    patched = platform_http.patch(
        f"{DATASETS}/{dataset_id}",
        headers={"Content-Type": "application/json-patch+json"},
        content=b'[{"op": "add", "path": "/tags/unifiedProfile", "value": ["enabled:true"]},'
        b' {"op": "replace", "path": "/name", "value": "renamed"}]',
    )
    assert patched.status_code == 200
    doc = platform_http.get(f"{DATASETS}/{dataset_id}").json()[dataset_id]
    assert doc["description"] == "merged" and doc["name"] == "renamed" and doc["created"] != 1
    assert doc["tags"] == {"owner": ["x"], "unifiedProfile": ["enabled:true"]}
    assert doc["version"] == "1.0.2"
    bad_patch = platform_http.patch(
        f"{DATASETS}/{dataset_id}",
        headers={"Content-Type": "application/json-patch+json"},
        content=b'[{"op": "remove", "path": "/nope"}]',
    )
    assert bad_patch.status_code == 400 and "JSON Patch" in bad_patch.json()["detail"]
    replaced = platform_http.put(f"{DATASETS}/{dataset_id}", json={"name": "fresh"})
    assert replaced.status_code == 200
    doc = platform_http.get(f"{DATASETS}/{dataset_id}").json()[dataset_id]
    assert doc["name"] == "fresh" and "description" not in doc and doc["imsOrg"]
    assert platform_http.delete(f"{DATASETS}/{dataset_id}").json() == [f"@/dataSets/{dataset_id}"]
    gone = platform_http.get(f"{DATASETS}/{dataset_id}")
    assert gone.status_code == 404 and gone.json()["status"] == 404 and dataset_id in gone.json()["detail"]
    assert platform_http.delete(f"{DATASETS}/{dataset_id}").status_code == 404


def test_create_refuses_bad_bodies(platform_http: httpx.Client) -> None:
    for body in ([], {"description": "no name"}, {"name": ""}, {"name": "x", "tags": {"a": "b"}}):
        response = platform_http.post(DATASETS, json=body)
        assert response.status_code == 400, body
        assert response.json()["title"] == "Bad Request" and response.json()["detail"]
    broken = platform_http.post(DATASETS, content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["detail"]


def test_batches_filter_by_dataset(
    make_platform_app: Callable[..., Any],
    sync_asgi_transport: Any,
    make_dataset: Any,
    bodies: Any,
    spec_validate: Any,
) -> None:
    app = make_platform_app()
    app.platform.seed(app.platform.dev_headers()["x-gw-ims-org-id"], "prod", 300, 1)
    client = httpx.Client(
        transport=sync_asgi_transport(app), base_url="http://x", headers=app.platform.dev_headers()
    )
    first, second = make_dataset(client), make_dataset(client)
    job = client.post("/data/core/ups/export/jobs", json=bodies.simple_job(first)).json()
    job = client.get(f"/data/core/ups/export/jobs/{job['id']}").json()
    assert job["status"] == "SUCCEEDED", job
    batch_id = job["destination"]["batchId"]
    listed = client.get("/data/foundation/catalog/batches", params={"dataSet": first}).json()
    assert list(listed) == [batch_id]
    batch = listed[batch_id]
    spec_validate("catalog.yaml", "batchResponse", batch)
    assert (
        batch["status"] == "success"
        and batch["recordCount"] == job["metrics"]["totalExportedProfileCounter"] > 0
    )
    assert batch["relatedObjects"] == [{"type": "dataSet", "id": first}]
    assert client.get("/data/foundation/catalog/batches", params={"dataSet": second}).json() == {}
    assert client.get(f"/data/foundation/catalog/batches/{batch_id}").json() == {batch_id: batch}
    dataset = client.get(f"{DATASETS}/{first}").json()[first]
    assert dataset["lastBatchId"] == batch_id and dataset["lastBatchStatus"] == "success"
    assert client.get("/data/foundation/catalog/batches/0123").status_code == 404
