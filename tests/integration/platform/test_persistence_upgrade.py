"""``platform.db`` schema 2: a version-1 file is migrated at start-up; reads never wait for a write."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from aep_exports.platform.persistence import DB_FILE, SCHEMA_VERSION

JOBS = "/data/core/ups/export/jobs"
READ_WITHIN_S = 3.0
# The version-1 index on unfinished jobs that version 2 replaced with two partial due-time indexes.
V1_INDEX = (
    "CREATE INDEX jobs_unfinished ON jobs (status, start_due_ms, end_due_ms) "
    "WHERE status IN ('NEW', 'PROCESSING')"
)


def _client(app: Any, transport: Callable[[Any], httpx.BaseTransport]) -> httpx.Client:
    return httpx.Client(
        transport=transport(app), base_url="http://local-platform", headers=app.platform.dev_headers("prod")
    )


def _downgrade_to_v1(db_file: Path) -> None:
    """Rewrite a closed version-2 file as version 1 wrote it: no ``jobs.wire``, the old index, version 1."""
    conn = sqlite3.connect(db_file, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DROP INDEX jobs_to_start")
        conn.execute("DROP INDEX jobs_to_finish")
        conn.execute("ALTER TABLE jobs DROP COLUMN wire")
        conn.execute(V1_INDEX)
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        conn.execute("COMMIT")
    finally:
        conn.close()


def _schema(db_file: Path) -> tuple[str | None, set[str], set[str]]:
    """The file's schema version, its ``jobs`` columns and the names of its ``jobs`` indexes."""
    conn = sqlite3.connect(db_file)
    try:
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        columns = {str(row[1]) for row in conn.execute("PRAGMA table_info(jobs)")}
        indexes = {str(row[1]) for row in conn.execute("PRAGMA index_list(jobs)")}
    finally:
        conn.close()
    return (None if version is None else str(version[0])), columns, indexes


def test_a_version_1_file_is_migrated_and_serves_the_same_jobs(
    make_platform_app: Callable[..., Any],
    sync_asgi_transport: Callable[[Any], httpx.BaseTransport],
    platform_data: Path,
    make_dataset: Callable[..., str],
    bodies: Any,
) -> None:
    first = make_platform_app(job_duration_s=3600)
    client = _client(first, sync_asgi_transport)
    dataset_id = make_dataset(client)
    running = client.post(JOBS, json=bodies.seed_job(dataset_id)).json()
    client.post("/local/clock", json={"advance": "2h"})  # the first job finishes
    running_later = client.post(JOBS, json=bodies.simple_job(dataset_id)).json()
    finished_json = client.get(f"{JOBS}/{running['id']}").content
    assert json.loads(finished_json)["status"] in ("SUCCEEDED", "FAILED")
    listed = client.get(JOBS, params={"limit": 10}).json()["records"]
    assert [job["id"] for job in listed] == [running_later["id"], running["id"]]
    first.platform.close()

    db_file = platform_data / DB_FILE
    _downgrade_to_v1(db_file)
    version, columns, indexes = _schema(db_file)
    assert version == "1" and "wire" not in columns and "jobs_unfinished" in indexes

    second = make_platform_app(job_duration_s=3600)
    version, columns, indexes = _schema(db_file)
    assert version == str(SCHEMA_VERSION) == "2"
    assert "wire" in columns
    assert {"jobs_to_start", "jobs_to_finish"} <= indexes and "jobs_unfinished" not in indexes

    again = _client(second, sync_asgi_transport)
    assert again.get(f"{JOBS}/{running['id']}").content == finished_json  # the same bytes as before
    after = again.get(JOBS, params={"limit": 10}).json()["records"]
    assert after == listed
    # The unfinished job is still driven by the (new) due-time indexes.
    again.post("/local/clock", json={"advance": "2h"})
    assert again.get(f"{JOBS}/{running_later['id']}").json()["status"] == "SUCCEEDED"
    # A third start on the migrated file changes nothing.
    second.platform.close()
    third = make_platform_app(job_duration_s=3600)
    assert _client(third, sync_asgi_transport).get(f"{JOBS}/{running['id']}").content == finished_json


@contextmanager
def _open_write(db_file: Path) -> Iterator[sqlite3.Connection]:
    """Another connection's write transaction on the file, held open (uncommitted) while inside."""
    conn = sqlite3.connect(db_file, isolation_level=None, timeout=5)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def _read_soon(client: httpx.Client, path: str) -> httpx.Response:
    """GET ``path``, failing the test when it has not answered within :data:`READ_WITHIN_S`."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(client.get, path).result(timeout=READ_WITHIN_S)
    finally:
        pool.shutdown(wait=False)  # a blocked read finishes once the test lets the write go


def test_a_read_does_not_wait_for_an_open_write_transaction(
    platform_app: Any,
    sync_asgi_transport: Callable[[Any], httpx.BaseTransport],
    platform_data: Path,
    make_dataset: Callable[..., str],
    bodies: Any,
) -> None:
    client = _client(platform_app, sync_asgi_transport)
    dataset_id = make_dataset(client)
    job_id = client.post(JOBS, json=bodies.simple_job(dataset_id)).json()["id"]
    committed = client.get(f"{JOBS}/{job_id}")
    assert committed.json()["status"] == "SUCCEEDED"  # finished: reading it has nothing left to move

    # Another process writes (and has not committed): the read answers the last committed state.
    with _open_write(platform_data / DB_FILE) as writer:
        writer.execute("UPDATE jobs SET wire = '{\"uncommitted\":true}' WHERE id = ?", (job_id,))
        during = _read_soon(client, f"{JOBS}/{job_id}")
        listing = _read_soon(client, JOBS)
    assert during.status_code == 200 and during.content == committed.content
    assert [job["id"] for job in listing.json()["records"]] == [job_id]

    # The platform's own writer is inside a transaction (its lock held by this thread): reads still answer.
    with platform_app.platform.db.transaction() as conn:
        conn.execute("UPDATE jobs SET wire = '{\"uncommitted\":true}' WHERE id = ?", (job_id,))
        during = _read_soon(client, f"{JOBS}/{job_id}")
        conn.execute("UPDATE jobs SET wire = ? WHERE id = ?", (committed.text, job_id))
    assert during.status_code == 200 and during.content == committed.content
