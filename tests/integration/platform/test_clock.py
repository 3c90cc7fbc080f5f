"""The platform clock drives every timestamp and job duration; ``/local/clock`` sets, advances, freezes it."""

from __future__ import annotations

from typing import Any

import httpx

JOBS = "/data/core/ups/export/jobs"
CATALOG = "/data/foundation/catalog"


def test_set_advance_freeze(api: httpx.Client) -> None:
    frozen = api.post("/local/clock", json={"freeze": True, "set": "2024-03-01T00:00:00Z"}).json()
    assert frozen["now"] == "2024-03-01T00:00:00.000Z" and frozen["frozen"] is True
    moved = api.post("/local/clock", json={"advance": "1d2h"}).json()
    assert moved["now"] == "2024-03-02T02:00:00.000Z"
    assert api.post("/local/clock", json={"advance": 30}).json()["nowMs"] == moved["nowMs"] + 30_000
    for bad in ({"advance": "soon"}, {"set": "yesterday"}, {"advance": -5}, {"jump": 1}, {}):
        assert api.post("/local/clock", json=bad).status_code == 400, bad
    running = api.post("/local/clock", json={"freeze": False}).json()
    assert running["frozen"] is False
    assert api.post("/local/clock", json={"reset": True}).json()["offsetMs"] == 0


def test_timestamps_and_job_durations_follow_the_clock(
    api: httpx.Client, make_dataset: Any, bodies: Any
) -> None:
    api.put("/local/settings", json={"job_duration_s": 3600})
    api.post("/local/clock", json={"freeze": True, "set": "2024-03-01T00:00:00Z"})
    start = 1_709_251_200_000
    dataset_id = make_dataset(api)
    assert api.get(f"{CATALOG}/dataSets/{dataset_id}").json()[dataset_id]["created"] == start
    job = api.post(JOBS, json=bodies.simple_job(dataset_id)).json()
    assert job["creationTime"] == start and job["status"] == "NEW"
    api.post("/local/clock", json={"advance": "20m"})
    processing = api.get(f"{JOBS}/{job['id']}").json()
    assert processing["status"] == "PROCESSING"
    assert processing["updateTime"] == start + 1_200_000
    api.post("/local/clock", json={"advance": "40m"})
    done = api.get(f"{JOBS}/{job['id']}").json()
    assert done["status"] == "SUCCEEDED"
    assert done["metrics"]["totalTime"] == {
        "startTimeInMs": start,
        "endTimeInMs": start + 3_600_000,
        "totalTimeInMs": 3_600_000,
    }
    batches = api.get(f"{CATALOG}/batches", params={"dataSet": dataset_id}).json()
    assert all(batch["completed"] == start + 3_600_000 for batch in batches.values())
