"""Expiring tokens, injected 5xx/429, lost POST answers: the client copes or says exactly what happened."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from aep_exports.client import ClientConfig, PlatformClient, StaticToken, connect
from aep_exports.client.models import ExportJob
from aep_exports.errors import AmbiguousWriteError, AuthError
from aep_exports.platform.credentials import DEV_API_KEY, DEV_ORG_ID


def test_token_expiring_mid_run_is_renewed(target: Any) -> None:
    target.local.configure(token_lifetime_s=1)
    client = target.connect()
    ds_id = client.create_dataset(target.dataset_body())
    deadline = time.monotonic() + 2.5
    rounds = 0
    while time.monotonic() < deadline:
        reads = client.get_datasets([ds_id])
        assert not isinstance(reads[ds_id], Exception), reads[ds_id]
        rounds += 1
        time.sleep(0.1)
    assert rounds > 10 and client.stats().token_fetches >= 3


def test_401_on_an_expired_cached_token_fetches_once_more(target: Any) -> None:
    target.local.configure(token_lifetime_s=1)
    # A negative margin: the client believes its token good for a minute after it expired (a slow
    # clock); the platform expires it after a second.
    client = target.connect(token_refresh_margin=-60.0)
    ds_id = client.create_dataset(target.dataset_body())
    assert client.stats().token_fetches == 1
    time.sleep(1.2)
    assert client.get_dataset(ds_id).id == ds_id
    stats = client.stats()
    assert stats.reauthentications == 1 and stats.token_fetches == 2


def test_static_token_expired_is_an_auth_error(target: Any) -> None:
    target.local.configure(token_lifetime_s=1)
    token = target.http.post(
        "/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": DEV_API_KEY,
            "client_secret": "local-dev-secret",
            "scope": "openid",
        },
    ).json()["access_token"]
    config = ClientConfig(target.base_url, DEV_ORG_ID, "prod", StaticToken(token, DEV_API_KEY))
    with connect(config, app=target.app) as client:
        assert client.list_datasets() == []
        time.sleep(1.2)
        with pytest.raises(AuthError) as info:
            client.list_datasets()
    assert info.value.status == 401 and info.value.code == "401013" and token not in str(info.value)


def every_operation(target: Any, client: PlatformClient, tmp_path: Path) -> None:
    ds_id = client.create_dataset(target.dataset_body("faulty"))
    assert client.get_dataset(ds_id).name == "faulty"
    assert [d.id for d in client.list_datasets(name="faulty")] == [ds_id]
    client.patch_dataset(ds_id, {"description": "patched"})
    policies = client.list_merge_policies()
    segments = client.list_segment_definitions()
    client.call(lambda c: c.get_merge_policy(policies[0].id))
    client.call(lambda c: c.get_segment_definition(segments[0].id))
    body = target.job_body(ds_id, mergePolicy={"id": policies[0].id})
    body.pop("fields")
    job = client.create_export_job(body)
    for _ in range(400):
        job = client.get_export_job(job.id)
        if job.is_finished:
            break
        time.sleep(0.05)
    assert job.succeeded and job.batch_ids
    assert any(j.id == job.id for j in client.list_export_jobs(page_size=5))
    client.call(lambda c: c.get_batch(job.batch_ids[0]))
    client.call(lambda c: c.list_batches(ds_id))
    files = client.list_batch_files(job.batch_ids[0])
    entry = client.list_file_entries(files[0].file_id)[0]
    result = client.call(lambda c: c.download_file(files[0].file_id, entry.name, tmp_path / entry.name))
    assert result.size == entry.length
    reads = client.get_export_jobs([job.id] * 3 + [job.id + 0])
    assert isinstance(reads[job.id], ExportJob)
    victim = client.create_export_job(target.job_body(ds_id))
    client.cancel_export_job(victim.id)
    ds2 = client.create_dataset(target.dataset_body("to delete"))
    client.delete_dataset(ds2)


def test_every_operation_succeeds_with_30_percent_injected_errors(target: Any, tmp_path: Path) -> None:
    target.local.seed(profiles=30, seed=5)
    client = target.connect(retry_budget=12)
    target.faults(error_rate=0.3, seed=11)
    every_operation(target, client, tmp_path)
    target.faults()
    stats = client.stats()
    injected = target.stats()["byStatus"]
    assert stats.retries >= 5 and stats.server_errors == injected.get("500", 0) + injected.get("503", 0)


def test_rate_limit_is_honoured_and_limiter_adapts(target: Any) -> None:
    client = target.connect(parallelism=16, retry_budget=12)
    ds_id = client.create_dataset(target.dataset_body())
    job_ids = [client.create_export_job(target.job_body(ds_id)).id for _ in range(5)]
    target.faults(rate_limit=30)
    started = time.monotonic()
    reads = client.call(lambda c: c.gather_each(range(70), lambda i: c.get_export_job(job_ids[i % 5])))
    elapsed = time.monotonic() - started
    target.faults()
    assert all(isinstance(r, ExportJob) for r in reads.values())
    stats = client.stats()
    assert stats.rate_limited >= 1 and client.aio.limiter.cuts >= 1
    # The shared pause + AIMD keep 429s to a small share of the traffic instead of one per request.
    assert stats.rate_limited < 40, stats
    assert elapsed < 15


def test_dropped_post_answer_is_an_ambiguous_write_and_is_not_resent(target: Any) -> None:
    client = target.connect()
    ds_id = client.create_dataset(target.dataset_body())
    target.faults(drop_rate=1.0)
    body = target.job_body(ds_id)
    with pytest.raises(AmbiguousWriteError) as info:
        client.create_export_job(body)
    with pytest.raises(AmbiguousWriteError):
        client.create_dataset(target.dataset_body("maybe"))
    target.faults()
    err = info.value
    assert err.request_body == body and err.method == "POST" and err.path == "/data/core/ups/export/jobs"
    assert "not re-sent" in str(err) and err.hint
    # The write took effect exactly once: the caller can find it.
    assert [j.dataset_id for j in client.list_export_jobs()] == [ds_id]
    assert len(client.list_datasets(name="maybe")) == 1
    assert target.route_count("POST /data/core/ups/export/jobs") == 1
