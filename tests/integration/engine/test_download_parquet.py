"""Exported parquet, downloaded through the Data Access routes, holds exactly the requested columns."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aep_exports.platform.seeddata.catalog import AAM_SEGMENT_ID

JOBS = "/data/core/ups/export/jobs"
EXPORT = "/data/foundation/export"
SCHEMA_REF = {
    "id": "https://ns.adobe.com/xdm/context/profile__union",
    "contentType": "application/vnd.adobe.xed+json;version=1",
}


def create_dataset(client: httpx.Client) -> str:
    response = client.post(
        "/data/foundation/catalog/dataSets",
        json={
            "name": "Engine export",
            "schemaRef": SCHEMA_REF,
            "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()[0].rsplit("/", 1)[-1])


def run_job(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    job = client.post(JOBS, json=body).json()
    deadline = time.monotonic() + 60
    while job["status"] in ("NEW", "PROCESSING") and time.monotonic() < deadline:
        time.sleep(0.05)
        job = client.get(f"{JOBS}/{job['id']}").json()
    return job


def download_tables(client: httpx.Client, batch_id: str) -> list[pa.Table]:
    tables = []
    for entry in client.get(f"{EXPORT}/batches/{batch_id}/files").json()["data"]:
        for part in client.get(entry["_links"]["self"]["href"]).json()["data"]:
            tables.append(pq.read_table(io.BytesIO(client.get(part["_links"]["self"]["href"]).content)))
    return tables


def check_export(client: httpx.Client) -> None:
    assert client.post("/local/seed", json={"profiles": 300, "seed": 5}).status_code == 200
    body = {
        "fields": "personalEmail.address,identities.id",
        "filter": {"segments": [{"segmentId": AAM_SEGMENT_ID, "segmentNs": "AAM"}]},
        "additionalFields": {"eventList": {"fields": "environment.browserDetails.name"}},
        "destination": {"datasetId": create_dataset(client), "segmentPerBatch": False},
        "schema": {"name": "_xdm.context.profile"},
    }
    job = run_job(client, body)
    assert job["status"] == "SUCCEEDED", job
    tables = download_tables(client, job["destination"]["batchId"])
    assert tables
    for table in tables:
        schema = table.schema
        assert schema.names == ["identityMap", "personalEmail", "identities", "eventList"]  # request order
        assert schema.field("personalEmail").type == pa.struct([("address", pa.string())])  # not status
        assert schema.field("identities").type == pa.list_(pa.struct([("id", pa.string())]))
        event = schema.field("eventList").type.value_type
        assert [event.field(i).name for i in range(event.num_fields)] == ["timestamp", "environment"]
    assert sum(t.num_rows for t in tables) == job["metrics"]["totalExportedProfileCounter"] > 0

    failed = run_job(client, {**body, "mergePolicy": {"id": "no-such-policy"}})
    assert failed["status"] == "FAILED"
    assert any("no-such-policy" in error["msg"] for error in failed["errors"])


def test_in_process(platform_http: httpx.Client) -> None:
    check_export(platform_http)


@pytest.mark.slow
def test_real_server(platform_server: Any) -> None:
    with httpx.Client(base_url=platform_server.url, headers=platform_server.headers(), timeout=60) as client:
        check_export(client)
