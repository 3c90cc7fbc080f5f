"""A job record holds exactly the keys of the seed's samples: create, get and list, new, finished and failed.

The seed's requests are sent as written (only the target dataset id is ours), in-process and through
uvicorn; the expected keys are read from the seed document itself (``seed_samples``). The public
reference adds two metrics to finished jobs (``totalExportedProfileCounter``,
``exportedProfileByNamespaceCounter``); nothing else may appear, in particular nothing of the request
that the seed's answers do not echo.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from support.seed_samples import create_answer, get_answer, list_answer, paths, single_batch_destination

JOBS = "/data/core/ups/export/jobs"
Validate = Callable[[str, str, Any], None]
FINISHED_METRICS = {"metrics.totalExportedProfileCounter", "metrics.exportedProfileByNamespaceCounter"}
NEVER = {
    "fields",
    "additionalFields",
    "filter.fromIngestTimestamp",
    "filter.segmentQualificationTime",
    "filter.emptyProfiles",
}


def wait_finished(api: httpx.Client, job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        job: dict[str, Any] = api.get(f"{JOBS}/{job_id}").json()
        if job["status"] not in ("NEW", "PROCESSING") or time.monotonic() > deadline:
            return job
        time.sleep(0.02)


def listed(api: httpx.Client, job_id: int) -> dict[str, Any]:
    (record,) = [r for r in api.get(JOBS, params={"limit": 100}).json()["records"] if r["id"] == job_id]
    return record


def test_the_seed_request_is_answered_with_the_seed_keys(
    api: httpx.Client, bodies: Any, make_dataset: Any, spec_validate: Validate
) -> None:
    api.platform.configure({"job_duration_s": 3600})
    body = bodies.seed_job(make_dataset(api))
    created = api.post(JOBS, json=body)
    assert created.status_code == 200, created.text
    expected = paths(create_answer())
    job = created.json()
    assert paths(job) == expected
    assert paths(api.get(f"{JOBS}/{job['id']}").json()) == expected
    assert paths(listed(api, job["id"])) == expected
    assert not NEVER & paths(job)
    assert job["filter"]["segments"] == body["filter"]["segments"]  # echoed as the request gave them
    spec_validate("segmentation.yaml", "ExportJobResponse", job)


def test_a_finished_seed_job_reads_like_the_seed_get_sample(
    api: httpx.Client, bodies: Any, make_dataset: Any, spec_validate: Validate
) -> None:
    api.post("/local/seed", json={"profiles": 30, "seed": 5}).raise_for_status()
    job_id = api.post(JOBS, json=bodies.seed_job(make_dataset(api))).json()["id"]
    job = wait_finished(api, job_id)
    assert job["status"] == "SUCCEEDED", job
    expected = paths(get_answer()) | FINISHED_METRICS
    assert paths(job) == expected
    assert paths(listed(api, job_id)) == expected
    spec_validate("segmentation.yaml", "ExportJobResponse", job)


@pytest.mark.parametrize("outcome", ["SUCCEEDED", "FAILED"])
def test_single_batch_jobs_read_like_the_seed_list_sample(
    api: httpx.Client, bodies: Any, make_dataset: Any, spec_validate: Validate, outcome: str
) -> None:
    api.post("/local/seed", json={"profiles": 30, "seed": 5}).raise_for_status()
    if outcome == "FAILED":
        api.put("/local/faults", json={"job_failure_rate": 1.0}).raise_for_status()
    succeeded, failed = list_answer()["records"]
    sample = succeeded if outcome == "SUCCEEDED" else failed
    body = bodies.simple_job(
        make_dataset(api),
        mergePolicy={"id": "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", "version": 1},
        filter={"segments": [{"segmentId": "4edc8488-2c35-4f6d-b4c6-9075c68d2df4"}]},
    )
    job_id = api.post(JOBS, json=body).json()["id"]
    job = wait_finished(api, job_id)
    assert job["status"] == outcome, job
    # The list sample's destinations leave segmentPerBatch out; the seed's single-batch snippet has it.
    assert "segmentPerBatch" in single_batch_destination()
    expected = paths(sample) | {"destination.segmentPerBatch"}
    if outcome == "SUCCEEDED":
        expected |= FINISHED_METRICS
    assert paths(job) == expected
    assert paths(listed(api, job_id)) == expected
    assert set(job["destination"]) == set(single_batch_destination())
    spec_validate("segmentation.yaml", "ExportJobResponse", job)
