"""Cursor pagination of export jobs, and a stop condition that reads only the pages it needs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aep_exports.client import PlatformClient

JOBS_ROUTE = "GET /data/core/ups/export/jobs"


def test_pagination_over_1000_jobs(target: Any) -> None:
    client = target.connect(parallelism=16)
    target.local.configure(job_duration_s=3600)  # no export work while listing
    ds_id = client.create_dataset(target.dataset_body())
    ids = target.seed_jobs(ds_id, 1000)

    before = target.route_count(JOBS_ROUTE)
    jobs = client.list_export_jobs(page_size=30)
    assert target.route_count(JOBS_ROUTE) - before == 34  # ceil(1000 / 30)
    assert sorted(j.id for j in jobs) == sorted(ids) and len({j.id for j in jobs}) == 1000
    keys = [(j.creation_time, j.id) for j in jobs]
    assert keys == sorted(keys, reverse=True)  # newest first across page boundaries


def test_since_reads_only_the_pages_it_needs(target: Any, client: PlatformClient) -> None:
    target.local.configure(job_duration_s=3600)
    ds_id = client.create_dataset(target.dataset_body())
    target.seed_jobs(ds_id, 40)  # old history
    target.local.advance_clock(timedelta(days=1))
    recent_ids = target.seed_jobs(ds_id, 20)
    recent = client.get_export_jobs(recent_ids)
    since = min(j.created_at for j in recent.values() if not isinstance(j, Exception) and j.created_at)

    before = target.route_count(JOBS_ROUTE)
    jobs = client.list_export_jobs(page_size=10, since=since)
    assert sorted(j.id for j in jobs) == sorted(recent_ids)
    # Pages 1-2 hold the 20 recent jobs; page 3 reaches older ones, so paging stops there (not 6 pages).
    assert target.route_count(JOBS_ROUTE) - before == 3

    top = {j.id for j in jobs[:5]}
    before = target.route_count(JOBS_ROUTE)
    newest = client.list_export_jobs(page_size=10, stop_when=lambda j: j.id not in top)
    assert newest == jobs[:5]
    assert target.route_count(JOBS_ROUTE) - before == 1
