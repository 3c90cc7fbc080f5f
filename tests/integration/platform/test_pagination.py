"""Paging over 1,000 export jobs through a real server: newest first, no gap, no duplicate."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_ORG_ID

JOBS = "/data/core/ups/export/jobs"


def test_paging_over_a_thousand_jobs(platform_server: Any, bodies: Any, make_dataset: Any) -> None:
    platform = platform_server.platform
    with httpx.Client(base_url=platform_server.url, headers=platform_server.headers(), timeout=30) as client:
        dataset_id = make_dataset(client)
        caller = Caller(DEV_CLIENT_ID, DEV_ORG_ID, "prod")
        platform.configure({"job_duration_s": 3600})  # nothing for the worker to run meanwhile
        platform.clock.freeze(True)  # many jobs share a creation millisecond: the id breaks the tie
        created = []
        for index in range(1000):
            if index % 7 == 0:
                platform.clock.advance(1)
            created.append(platform.jobs.create(caller, bodies.simple_job(dataset_id))["id"])
        seen: list[int] = []
        path, params = JOBS, {"limit": 100}
        for _ in range(20):
            page = client.get(path, params=params).json()
            seen.extend(record["id"] for record in page["records"])
            assert page["page"]["pageSize"] == len(page["records"])
            next_link = page["link"]["next"]
            if not next_link:
                break
            assert next_link.startswith("/export/jobs/?limit=100&offset=")
            offset = parse_qs(urlsplit(next_link).query)["offset"][0]
            assert offset == page["page"]["pageOffset"]
            params = {"limit": 100, "offset": offset}
        assert seen == sorted(created, reverse=True)
        last = client.get(JOBS, params={"limit": 100, "offset": "1_1"}).json()
        assert last["records"] == [] and last["link"]["next"] == "" and last["page"]["pageOffset"] == ""


def test_limit_default_cap_numeric_offset_and_status_filter(
    api: httpx.Client, bodies: Any, make_dataset: Any
) -> None:
    api.platform.configure({"job_duration_s": 3600})  # they all stay NEW: nothing runs
    dataset_id = make_dataset(api)
    ids = [api.post(JOBS, json=bodies.simple_job(dataset_id)).json()["id"] for _ in range(25)]
    assert len(api.get(JOBS).json()["records"]) == 20
    assert len(api.get(JOBS, params={"limit": 500}).json()["records"]) == 25
    skipped = api.get(JOBS, params={"offset": 2, "limit": 3}).json()["records"]
    assert [r["id"] for r in skipped] == ids[::-1][2:5]
    for job_id in ids[:3]:
        assert api.delete(f"{JOBS}/{job_id}").status_code == 204
    cancelled = api.get(JOBS, params={"status": "CANCELLED", "limit": 2}).json()
    assert [r["id"] for r in cancelled["records"]] == ids[2:0:-1]
    assert {r["status"] for r in cancelled["records"]} == {"CANCELLED"}
    assert "status=CANCELLED" in cancelled["link"]["next"] and "offset=" in cancelled["link"]["next"]
    assert len(api.get(JOBS, params={"status": "NEW", "limit": 100}).json()["records"]) == 22
    assert api.get(JOBS, params={"status": "FAILED"}).json()["records"] == []
    for bad in ({"status": "DONE"}, {"offset": "abc_def"}, {"limit": 0}, {"limit": "x"}):
        response = api.get(JOBS, params=bad)
        assert response.status_code == 400, bad
        assert response.json()["status"] == 400 and response.json()["detail"]
