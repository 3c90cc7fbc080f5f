"""A real export: seeded store → the seed's job → batches in Catalog → parquet files through Data Access."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
import pyarrow.parquet as pq

JOBS = "/data/core/ups/export/jobs"
EXPORT = "/data/foundation/export"


def test_seed_job_writes_batches_that_data_access_serves(
    platform_server: Any, bodies: Any, make_dataset: Any, spec_validate: Any
) -> None:
    with httpx.Client(base_url=platform_server.url, headers=platform_server.headers(), timeout=60) as client:
        seeded = client.post("/local/seed", json={"profiles": 400, "seed": 11})
        assert seeded.status_code == 200, seeded.text
        client.put("/local/settings", json={"rows_per_file": 40})
        policies = client.get("/data/core/ups/config/mergePolicies").json()
        policy_ids = [policy["id"] for policy in policies["children"]]
        assert "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2" in policy_ids
        assert (
            client.get(f"/data/core/ups/config/mergePolicies/{policy_ids[0]}").json()["id"] == policy_ids[0]
        )
        segments = client.get("/data/core/ups/segment/definitions").json()["segments"]
        segment_ids = {segment["id"] for segment in segments}
        assert "4edc8488-2c35-4f6d-b4c6-9075c68d2df4" in segment_ids
        assert client.get("/data/core/ups/segment/definitions/nope").status_code == 404

        dataset_id = make_dataset(client)
        body = bodies.seed_job(dataset_id)
        del body["filter"]["segmentQualificationTime"]  # the seeded store's qualifications are recent
        job = client.post(JOBS, json=body).json()
        deadline = time.monotonic() + 60
        while job["status"] in ("NEW", "PROCESSING") and time.monotonic() < deadline:
            time.sleep(0.05)
            job = client.get(f"{JOBS}/{job['id']}").json()
        assert job["status"] == "SUCCEEDED", job
        spec_validate("segmentation.yaml", "ExportJobResponse", job)
        written = [batch for batch in job["destination"]["batches"] if batch["batchId"]]
        assert written, job
        total_rows = 0
        for batch in written:
            catalog = client.get(f"/data/foundation/catalog/batches/{batch['batchId']}").json()[
                batch["batchId"]
            ]
            files = client.get(f"{EXPORT}/batches/{batch['batchId']}/files").json()
            spec_validate("data-access.yaml", "dataSetFiles", files)
            rows = 0
            for entry in files["data"]:
                listing = client.get(entry["_links"]["self"]["href"]).json()
                spec_validate("data-access.yaml", "files", listing)
                for part in listing["data"]:
                    content = client.get(part["_links"]["self"]["href"]).content
                    assert len(content) == int(part["length"])
                    table = pq.read_table(io.BytesIO(content))
                    assert {"identities", "personalEmail"} <= set(table.column_names)
                    assert table.num_rows <= 40
                    rows += table.num_rows
            assert rows == catalog["recordCount"] > 0
            total_rows += rows
        assert len(listing["data"]) >= 1
        ranged = client.get(part["_links"]["self"]["href"], headers={"Range": "bytes=0-3"})
        assert ranged.status_code == 206 and ranged.content == b"PAR1"
        assert ranged.headers["Content-Range"] == f"bytes 0-3/{part['length']}"
        tail = client.get(part["_links"]["self"]["href"], headers={"Range": "bytes=-4"})
        assert tail.status_code == 206 and tail.content == b"PAR1"
        unsatisfiable = client.get(part["_links"]["self"]["href"], headers={"Range": "bytes=999999999-"})
        assert unsatisfiable.status_code == 416
        missing = client.get(entry["_links"]["self"]["href"], params={"path": "../../platform.db"})
        assert missing.status_code == 404
        assert total_rows >= job["metrics"]["totalExportedProfileCounter"] > 0
