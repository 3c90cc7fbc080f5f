"""The seed's requests, replayed as written, answer the documented shapes (in-process and over HTTP)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

CATALOG = "/data/foundation/catalog"
JOBS = "/data/core/ups/export/jobs"
Validate = Callable[[str, str, Any], None]


def test_create_dataset_answers_201_and_a_reference(
    api: httpx.Client, bodies: Any, spec_validate: Validate
) -> None:
    response = api.post(f"{CATALOG}/dataSets", json=bodies.dataset)
    assert response.status_code == 201
    [reference] = response.json()
    match = re.fullmatch(r"@/dataSets/([0-9a-f]{24})", reference)
    assert match, reference
    dataset_id = match.group(1)
    assert response.headers["location"].endswith(f"/dataSets/{dataset_id}")
    got = api.get(f"{CATALOG}/dataSets/{dataset_id}").json()
    assert list(got) == [dataset_id]
    dataset = got[dataset_id]
    spec_validate("catalog.yaml", "dataSetResponse", dataset)
    for field in (
        "name",
        "description",
        "imsOrg",
        "created",
        "updated",
        "createdClient",
        "createdUser",
        "tags",
        "schemaRef",
        "fileDescription",
        "aspect",
        "state",
        "version",
        "files",
        "lastBatchId",
        "lastBatchStatus",
        "classification",
    ):
        assert field in dataset, field
    assert dataset["name"] == "Profile Data Export"
    assert dataset["schemaRef"] == bodies.dataset["schemaRef"]
    assert dataset["fileDescription"] == bodies.dataset["fileDescription"]
    assert isinstance(dataset["tags"], dict) and isinstance(dataset["classification"], dict)


def test_seed_export_job_round_trip(
    api: httpx.Client, bodies: Any, make_dataset: Any, spec_validate: Validate
) -> None:
    api.platform.configure({"job_duration_s": 3600})  # keep it unfinished so DELETE cancels it
    dataset_id = make_dataset(api)
    body = bodies.seed_job(dataset_id)
    created = api.post(JOBS, json=body)
    assert created.status_code == 200, created.text
    job = created.json()
    spec_validate("segmentation.yaml", "ExportJobResponse", job)
    assert isinstance(job["id"], int)
    assert job["status"] == "NEW"
    assert job["jobType"] == "BATCH" and job["profileInstanceId"] == "ups"
    assert job["schema"] == {"name": "_xdm.context.profile"}
    assert job["mergePolicy"] == body["mergePolicy"]
    assert job["filter"]["segments"] == body["filter"]["segments"]
    assert job["computeGatewayJobId"] == {}
    assert job["metrics"] == {"totalTime": {"startTimeInMs": job["creationTime"]}}
    assert job["updateTime"] >= job["creationTime"] > 1_500_000_000_000  # epoch milliseconds
    assert re.fullmatch(r"[A-Za-z0-9]{32}", job["requestId"])
    destination = job["destination"]
    assert destination["dataSetId"] == dataset_id and destination["segmentPerBatch"] is True
    assert [(b["segmentId"], b["segmentNs"], b["status"]) for b in destination["batches"]] == [
        (s["segmentId"], s["segmentNs"], s["status"]) for s in body["filter"]["segments"]
    ]
    assert all(re.fullmatch(r"[0-9a-f]{32}", b["batchId"]) for b in destination["batches"])

    listed = api.get(JOBS, params={"limit": 4})
    assert listed.status_code == 200
    page = listed.json()
    spec_validate("segmentation.yaml", "GetExportJobsResponse", page)
    assert [r["id"] for r in page["records"]] == [job["id"]]
    assert page["page"] == {
        "sortField": "createdTime",
        "sort": "desc",
        "pageOffset": f"{job['creationTime']}_{job['id']}",
        "pageSize": 1,
    }
    assert page["link"] == {"next": ""}

    got = api.get(f"{JOBS}/{job['id']}")
    assert got.status_code == 200
    assert got.json()["id"] == job["id"]

    deleted = api.delete(f"{JOBS}/{job['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    after = api.get(f"{JOBS}/{job['id']}").json()
    spec_validate("segmentation.yaml", "ExportJobResponse", after)
    assert after["status"] == "CANCELLED"
    assert all(b["batchId"] == "" for b in after["destination"]["batches"])


def test_list_path_of_the_seed_with_trailing_slash(api: httpx.Client, bodies: Any, make_dataset: Any) -> None:
    dataset_id = make_dataset(api)
    ids = [api.post(JOBS, json=bodies.simple_job(dataset_id)).json()["id"] for _ in range(3)]
    page = api.get(f"{JOBS}/", params={"limit": 2}).json()
    assert [r["id"] for r in page["records"]] == ids[::-1][:2]
    last = page["records"][-1]
    assert page["link"]["next"] == f"/export/jobs/?limit=2&offset={last['creationTime']}_{last['id']}"
    rest = api.get(f"{JOBS}/", params={"limit": 2, "offset": page["page"]["pageOffset"]}).json()
    assert [r["id"] for r in rest["records"]] == ids[:1]
    assert rest["link"]["next"] == ""


def test_single_batch_job_spells_dataset_id_like_the_seed(
    api: httpx.Client, bodies: Any, make_dataset: Any
) -> None:
    dataset_id = make_dataset(api)
    job = api.post(JOBS, json=bodies.simple_job(dataset_id)).json()
    assert job["destination"]["datasetId"] == dataset_id
    assert job["destination"]["segmentPerBatch"] is False
    assert re.fullmatch(r"[0-9a-f]{32}", job["destination"]["batchId"])


def test_finished_job_carries_the_documented_fields(
    api: httpx.Client, bodies: Any, make_dataset: Any, spec_validate: Validate
) -> None:
    dataset_id = make_dataset(api)
    job_id = api.post(JOBS, json=bodies.simple_job(dataset_id)).json()["id"]
    job = _wait_finished(api, job_id)
    spec_validate("segmentation.yaml", "ExportJobResponse", job)
    assert job["status"] == "SUCCEEDED"
    assert set(job["computeGatewayJobId"]) == {"exportJob", "pushJob"}
    for name in ("totalTime", "profileExportTime", "aCPDatasetWriteTime"):
        span = job["metrics"][name]
        assert span["totalTimeInMs"] == span["endTimeInMs"] - span["startTimeInMs"] >= 0
    assert isinstance(job["metrics"]["totalExportedProfileCounter"], int)
    assert isinstance(job["metrics"]["exportedProfileByNamespaceCounter"], dict)
    assert job["updateTime"] == job["metrics"]["totalTime"]["endTimeInMs"]


def _wait_finished(api: httpx.Client, job_id: int) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 20
    while True:
        job: dict[str, Any] = api.get(f"{JOBS}/{job_id}").json()
        if job["status"] not in ("NEW", "PROCESSING") or time.monotonic() > deadline:
            return job
        time.sleep(0.02)
