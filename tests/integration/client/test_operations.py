"""Every client operation against the local platform, in-process and over real HTTP."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from aep_exports.client import PlatformClient
from aep_exports.client.models import ExportJob
from aep_exports.errors import BadRequestError, NotFoundError

MAX_WAIT_S = 20


def wait_finished(client: PlatformClient, job_id: int) -> ExportJob:
    deadline = time.monotonic() + MAX_WAIT_S
    while True:
        job = client.get_export_job(job_id)
        if job.is_finished or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_dataset_lifecycle(target: Any, client: PlatformClient) -> None:
    ds_id = client.create_dataset(target.dataset_body("Lifecycle", description="first", tags={"team": ["a"]}))
    assert len(ds_id) == 24
    ds = client.get_dataset(ds_id)
    assert (ds.id, ds.name, ds.description, ds.tags) == (ds_id, "Lifecycle", "first", {"team": ["a"]})
    assert ds.schema_ref is not None and ds.schema_ref.id == target.dataset_body()["schemaRef"]["id"]
    assert ds.file_description["format"] == "parquet" and ds.created_at is not None

    client.create_dataset(target.dataset_body("Other"))
    assert [d.id for d in client.list_datasets(name="Lifecycle")] == [ds_id]

    client.patch_dataset(ds_id, {"description": "second", "tags": {"team": ["b"]}})
    assert (client.get_dataset(ds_id).description, client.get_dataset(ds_id).tags) == (
        "second",
        {"team": ["b"]},
    )
    operations = [{"op": "replace", "path": "/description", "value": "third"}]
    client.call(lambda c: c.patch_dataset_ops(ds_id, operations))
    assert client.get_dataset(ds_id).description == "third"

    with pytest.raises(NotFoundError) as elsewhere:
        client.for_sandbox("dev").get_dataset(ds_id)  # another sandbox: isolated
    assert elsewhere.value.status == 404 and elsewhere.value.path.endswith(ds_id)

    client.delete_dataset(ds_id)
    with pytest.raises(NotFoundError):
        client.get_dataset(ds_id)
    bulk = client.get_datasets([ds_id])
    assert isinstance(bulk[ds_id], NotFoundError)


def test_dataset_listing_uses_max_page_size(target: Any, client: PlatformClient) -> None:
    results = client.call(
        lambda c: c.gather_each(range(205), lambda i: c.create_dataset(target.dataset_body(f"ds-{i:03d}")))
    )
    ids = {r for r in results.values() if isinstance(r, str)}
    assert len(ids) == 205
    before = target.route_count("GET /data/foundation/catalog/dataSets")
    listed = client.list_datasets()
    assert {d.id for d in listed} == ids
    assert target.route_count("GET /data/foundation/catalog/dataSets") - before == 3  # 100 + 100 + 5
    assert len(client.list_datasets(limit=7)) == 7
    bulk = client.get_datasets(sorted(ids)[:20])
    assert all(not isinstance(v, Exception) and v.id == k for k, v in bulk.items())


def test_export_job_batches_files_and_download(target: Any, client: PlatformClient, tmp_path: Path) -> None:
    target.local.seed(profiles=60, seed=3)
    policies = client.list_merge_policies()
    assert policies and client.call(lambda c: c.get_merge_policy(policies[0].id)).id == policies[0].id
    segments = client.list_segment_definitions()
    first = client.call(lambda c: c.get_segment_definition(segments[0].id))
    assert segments and first.name == segments[0].name
    with pytest.raises(NotFoundError):
        client.call(lambda c: c.get_segment_definition("no-such-segment"))

    ds_id = client.create_dataset(target.dataset_body("Export target"))
    body = target.job_body(
        ds_id,
        fields=None,
        mergePolicy={"id": policies[0].id, "version": policies[0].version or 1},
        filter={"segments": [{"segmentId": segments[0].id, "status": ["realized", "existing"]}]},
    )
    body.pop("fields")
    created = client.create_export_job(body)
    assert created.status == "NEW" and created.dataset_id == ds_id and created.created_at is not None

    job = wait_finished(client, created.id)
    assert job.succeeded, job.errors
    assert job.batch_ids, "a job over seeded profiles writes a batch"
    batch = client.call(lambda c: c.get_batch(job.batch_ids[0]))
    assert batch.id == job.batch_ids[0] and batch.dataset_id == ds_id
    assert job.batch_ids[0] in {b.id for b in client.call(lambda c: c.list_batches(ds_id))}

    files = client.list_batch_files(job.batch_ids[0])
    assert files
    entries = client.list_file_entries(files[0].file_id)
    assert entries and entries[0].length
    entry = entries[0]
    dest = tmp_path / "out" / entry.name
    result = client.call(lambda c: c.download_file(files[0].file_id, entry.name, dest))
    assert result.size == entry.length == dest.stat().st_size and not result.resumed
    whole = dest.read_bytes()
    assert whole[:4] == b"PAR1"

    # An interrupted download resumes from its partial file with Range.
    dest.unlink()
    part = dest.with_name(dest.name + ".part")
    part.write_bytes(whole[:100])
    resumed = client.call(lambda c: c.download_file(files[0].file_id, entry.name, dest))
    assert resumed.resumed and resumed.bytes_written == len(whole) - 100 and dest.read_bytes() == whole
    assert not part.exists()
    assert (
        client.call(
            lambda c: c.download_file(files[0].file_id, entry.name, dest, expected_size=len(whole))
        ).bytes_written
        == 0
    )


def test_job_listing_cancel_and_bulk_reads(target: Any, client: PlatformClient) -> None:
    target.local.configure(job_duration_s=3600)
    ds_id = client.create_dataset(target.dataset_body())
    jobs = [client.create_export_job(target.job_body(ds_id)) for _ in range(3)]
    listed = client.list_export_jobs()
    assert [j.id for j in listed] == sorted((j.id for j in jobs), reverse=True)
    assert client.list_export_jobs(limit=2, page_size=1) == listed[:2]

    client.cancel_export_job(jobs[0].id)
    cancelled = wait_finished(client, jobs[0].id)
    assert cancelled.status == "CANCELLED" and cancelled.is_finished and not cancelled.succeeded
    client.cancel_export_job(jobs[0].id)  # cancelling a finished job changes nothing
    with pytest.raises(NotFoundError):
        client.cancel_export_job(987654321)

    reads = client.get_export_jobs([j.id for j in jobs] + [987654321])
    assert {k for k, v in reads.items() if isinstance(v, ExportJob)} == {j.id for j in jobs}
    assert isinstance(reads[987654321], NotFoundError)


def test_bad_request_carries_platform_detail(target: Any, client: PlatformClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client.create_export_job({"destination": {}, "schema": {"name": "_xdm.context.profile"}})
    err = info.value
    assert err.status == 400 and err.method == "POST" and err.path == "/data/core/ups/export/jobs"
    assert err.detail and "datasetId" in err.detail and err.request_id
    assert "answered 400" in str(err)
