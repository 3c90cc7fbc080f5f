"""Export jobs: create, list (newest first, cursor paging), read, cancel, and the lifecycle
``NEW → PROCESSING → SUCCEEDED | FAILED`` (``CANCELLED`` after DELETE), timed by the platform clock.

A job is due to start at ``creation + duration/3`` and to finish at ``creation + duration``; whoever
calls :meth:`JobsBackend.advance` (the server's worker, or reads in-process) moves due jobs along and
runs the export when one finishes.
"""

from __future__ import annotations

import copy
import json
import logging
import shutil
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aep_exports.platform import ids
from aep_exports.platform.backend.catalog import PROFILE_UNION_SCHEMA, CatalogBackend
from aep_exports.platform.backend.exporter import RunFailed, RunResult, job_output_dir
from aep_exports.platform.backend.job_request import requested_segments, validate_job_request
from aep_exports.platform.backend.listing import Query, int_param
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.clock import Clock
from aep_exports.platform.errors import bad_request, not_found
from aep_exports.platform.faults import JOB_FAILS, JOB_HANGS, FaultInjector
from aep_exports.platform.persistence import Database, dumps, dumps_wire, loads

STATUSES = ("NEW", "PROCESSING", "SUCCEEDED", "FAILED", "CANCELLED")
UNFINISHED = ("NEW", "PROCESSING")
DEFAULT_PAGE, MAX_PAGE = 20, 100
INJECTED_FAILURE = [
    {
        "code": "0090000009",
        "msg": "Error writing profiles to output path '{path}'",
        "callStack": "com.adobe.aep.unifiedprofile.common.logging.Logger",
    },
    {"code": "unknown", "msg": "Job aborted.", "callStack": "org.apache.spark.SparkException: Job aborted."},
]

log = logging.getLogger(__name__)
Runner = Callable[[Caller, int, dict[str, Any], Path, datetime], RunResult]

# Each half walks one partial index (jobs_to_start, jobs_to_finish) over the due jobs only.
_DUE_JOBS = (
    "SELECT id, org, sandbox, status, fate, start_due_ms, end_due_ms FROM jobs "
    "WHERE status = 'NEW' AND start_due_ms <= ? "
    "UNION ALL SELECT id, org, sandbox, status, fate, start_due_ms, end_due_ms FROM jobs "
    "WHERE status = 'PROCESSING' AND end_due_ms <= ? AND fate != ?"
)
_ANY_DUE_JOB = (
    "SELECT 1 FROM jobs WHERE status = 'NEW' AND start_due_ms <= ? "
    "UNION ALL SELECT 1 FROM jobs WHERE status = 'PROCESSING' AND end_due_ms <= ? AND fate != ? LIMIT 1"
)


def _span(start: int, end: int) -> dict[str, int]:
    return {"startTimeInMs": start, "endTimeInMs": end, "totalTimeInMs": end - start}


class JobsBackend:
    """Export jobs stored as JSON documents: ``{"job": <wire doc>, "request": <body>, "batchIds": [...]}``."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalog: CatalogBackend,
        faults: FaultInjector,
        data_dir: Path,
        runner: Runner,
        *,
        duration_ms: int,
    ) -> None:
        self._db, self._clock, self._catalog, self._faults = db, clock, catalog, faults
        self._data_dir, self._runner = data_dir, runner
        self.duration_ms = duration_ms
        self._advance_lock = threading.Lock()

    # ---------------------------------------------------------------- API

    def create(self, caller: Caller, body: Any, profile_instance_id: str | None = None) -> dict[str, Any]:
        """Validate and store a new job; answers it with status NEW."""
        dataset_id, per_batch = validate_job_request(body)
        dataset = self._catalog.find_dataset(caller, dataset_id)
        if dataset is None:
            raise bad_request(
                f"Invalid export job request: dataset '{dataset_id}' (destination.datasetId) "
                f"does not exist in sandbox '{caller.sandbox}'.",
                field="destination.datasetId",
            )
        schema_id = (dataset.get("schemaRef") or {}).get("id")
        if schema_id != PROFILE_UNION_SCHEMA:
            raise bad_request(
                f"Invalid export job request: dataset '{dataset_id}' is based on schema "
                f"{schema_id!r}; an export target must use '{PROFILE_UNION_SCHEMA}'.",
                field="destination.datasetId",
            )
        description = dataset.get("fileDescription") or {}
        if "parquet" not in (description.get("format"), description.get("containerFormat")):
            raise bad_request(
                f"Invalid export job request: dataset '{dataset_id}' is not persisted as "
                "parquet (fileDescription.format).",
                field="destination.datasetId",
            )
        created = self._clock.now_ms()
        segments = requested_segments(body)
        batch_ids = [ids.batch_id() for _ in (segments if per_batch and segments else [None])]
        destination: dict[str, Any]
        if per_batch and segments:
            # The seed's answer spells it dataSetId here and datasetId for single-batch jobs; so do we.
            destination = {
                "dataSetId": dataset_id,
                "segmentPerBatch": True,
                "batches": [
                    {**segment, "batchId": bid} for segment, bid in zip(segments, batch_ids, strict=True)
                ],
            }
        else:
            destination = {"datasetId": dataset_id, "segmentPerBatch": per_batch, "batchId": batch_ids[0]}
        job: dict[str, Any] = {
            "profileInstanceId": profile_instance_id or "ups",
            "jobType": "BATCH",
            "id": 0,
            "status": "NEW",
        }
        for key in ("fields", "filter", "additionalFields", "mergePolicy"):
            if body.get(key) is not None:
                job[key] = copy.deepcopy(body[key])
        job.update(
            {
                "schema": {"name": body["schema"]["name"]},
                "requestId": ids.request_id(),
                "computeGatewayJobId": {},
                "metrics": {"totalTime": {"startTimeInMs": created}},
                "destination": destination,
                "updateTime": created,
                "imsOrgId": caller.org_id,
                "creationTime": created,
            }
        )
        fate = self._faults.job_fate()
        start_due, end_due = created + self.duration_ms // 3, created + self.duration_ms
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO jobs (org, sandbox, creation_ms, status, fate, start_due_ms, end_due_ms, doc) "
                "VALUES (?, ?, ?, 'NEW', ?, ?, ?, '{}')",
                (caller.org_id, caller.sandbox, created, fate, start_due, end_due),
            )
            job["id"] = int(cursor.lastrowid or 0)
            record = {"job": job, "request": body, "batchIds": batch_ids, "client": caller.client_id}
            _store(conn, job["id"], record, "NEW")
        return job

    def get(self, caller: Caller, job_id: str) -> dict[str, Any]:
        """One job of this org and sandbox; 404 otherwise."""
        job: dict[str, Any] = json.loads(self.get_json(caller, job_id))
        return job

    def get_json(self, caller: Caller, job_id: str) -> bytes:
        """:meth:`get`, already rendered as the answer's JSON body."""
        key = _job_key(job_id)
        row = (
            None
            if key is None
            else self._db.query_one(
                "SELECT wire FROM jobs WHERE org = ? AND sandbox = ? AND id = ?",
                (caller.org_id, caller.sandbox, key),
            )
        )
        if row is None:
            raise not_found(f"Export job '{job_id}' was not found in sandbox '{caller.sandbox}'.")
        return str(row[0]).encode()

    def list_jobs(self, caller: Caller, query: Query) -> dict[str, Any]:
        """A page of jobs, newest first, with ``page`` and ``link.next`` as the reference shows them."""
        page: dict[str, Any] = json.loads(self.list_json(caller, query))
        return page

    def list_json(self, caller: Caller, query: Query) -> bytes:
        """:meth:`list_jobs`, already rendered as the answer's JSON body (the stored jobs are spliced in)."""
        limit = min(int_param(query, "limit", DEFAULT_PAGE, minimum=1), MAX_PAGE)
        sql = "SELECT creation_ms, id, wire FROM jobs WHERE org = ? AND sandbox = ?"
        params: list[Any] = [caller.org_id, caller.sandbox]
        wanted = [
            s.strip().upper() for value in query.get("status", []) for s in value.split(",") if s.strip()
        ]
        unknown = [s for s in wanted if s not in STATUSES]
        if unknown:
            raise bad_request(f"Invalid status filter {unknown[0]!r}; use one of {', '.join(STATUSES)}.")
        if wanted:
            sql += f" AND status IN ({','.join('?' * len(wanted))})"
            params.extend(wanted)
        skip = 0
        offset = (query.get("offset") or [""])[-1].strip()
        if offset:
            created, sep, last_id = offset.partition("_")
            try:
                if sep:
                    # A row value, so that SQLite seeks the index to the cursor instead of walking to it.
                    sql += " AND (creation_ms, id) < (?, ?)"
                    params.extend([int(created), int(last_id)])
                else:
                    skip = int(created)
                    if skip < 0:
                        raise ValueError
            except ValueError:
                raise bad_request(
                    f"Invalid offset {offset!r}: use the page cursor '<creationTimeMs>_<jobId>' "
                    "from link.next, or a number of records to skip."
                ) from None
        sql += " ORDER BY creation_ms DESC, id DESC LIMIT ? OFFSET ?"
        rows = self._db.query(sql, [*params, limit + 1, skip])
        records = rows[:limit]
        last = f"{records[-1][0]}_{records[-1][1]}" if records else ""
        more = len(rows) > limit
        status_part = f"&status={','.join(wanted)}" if wanted else ""
        rest = {
            "page": {
                "sortField": "createdTime",
                "sort": "desc",
                "pageOffset": last,
                "pageSize": len(records),
            },
            "link": {"next": f"/export/jobs/?limit={limit}{status_part}&offset={last}" if more else ""},
        }
        # {"records": [...], "page": ..., "link": ...}, the same bytes as rendering the decoded jobs.
        body = '{"records":[' + ",".join(str(row[2]) for row in records) + "]," + dumps_wire(rest)[1:]
        return body.encode()

    def cancel(self, caller: Caller, job_id: str) -> None:
        """Stop an unfinished job (it reads back CANCELLED); a finished one is left as it is."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT doc FROM jobs WHERE org = ? AND sandbox = ? AND id = ?",
                (caller.org_id, caller.sandbox, _job_key(job_id)),
            ).fetchone()
            if row is None:
                raise not_found(f"Export job '{job_id}' was not found in sandbox '{caller.sandbox}'.")
            record = loads(row[0])
            job = record["job"]
            if job["status"] not in UNFINISHED:
                return
            now = self._clock.now_ms()
            job["status"] = "CANCELLED"
            job["updateTime"] = now
            job["metrics"]["totalTime"] = _span(job["creationTime"], max(now, job["creationTime"]))
            _clear_batch_ids(job["destination"])
            _store(conn, job["id"], record, "CANCELLED")

    # ---------------------------------------------------------------- lifecycle

    def advance(self) -> int:
        """Move every job that is due (by the platform clock) one or two steps; answers how many moved."""
        with self._advance_lock:
            now = self._clock.now_ms()
            rows = sorted(self._db.query(_DUE_JOBS, (now, now, JOB_HANGS)))  # by job id
            for job_id, org, sandbox, status, fate, start_due, end_due in rows:
                if status == "NEW":
                    self._start(int(job_id), int(start_due))
                if end_due <= now and fate != JOB_HANGS:
                    self._finish(int(job_id), str(org), str(sandbox), str(fate), int(start_due), int(end_due))
            return len(rows)

    def has_due_work(self) -> bool:
        """Whether :meth:`advance` would move anything now."""
        now = self._clock.now_ms()
        return self._db.query_one(_ANY_DUE_JOB, (now, now, JOB_HANGS)) is not None

    def _start(self, job_id: int, start_ms: int) -> None:
        def change(job: dict[str, Any]) -> None:
            job["status"] = "PROCESSING"
            job["computeGatewayJobId"] = {"exportJob": ids.gateway_job_id()}
            job["metrics"]["profileExportTime"] = {"startTimeInMs": start_ms}
            job["updateTime"] = start_ms

        self._update(job_id, "NEW", "PROCESSING", change)

    def _finish(self, job_id: int, org: str, sandbox: str, fate: str, start_ms: int, end_due: int) -> None:
        row = self._db.query_one("SELECT doc FROM jobs WHERE id = ?", (job_id,))
        if row is None:
            return
        record = loads(row[0])
        if record["job"]["status"] != "PROCESSING":
            return
        caller = Caller(record.get("client", ""), org, sandbox)
        out_dir = job_output_dir(self._data_dir, org, sandbox, job_id)
        result: RunResult | None = None
        errors: list[dict[str, str]] = []
        if fate == JOB_FAILS:
            errors = [{**e, "msg": e["msg"].format(path=out_dir)} for e in INJECTED_FAILURE]
        else:
            try:
                result = self._runner(
                    caller, job_id, record["request"], out_dir, datetime.fromtimestamp(end_due / 1000, tz=UTC)
                )
            except RunFailed as exc:
                errors = [exc.as_error()]
            except Exception as exc:  # a bug must fail the job, not leave it PROCESSING forever
                log.exception("export job %s crashed", job_id)
                errors = [
                    {
                        "code": "unknown",
                        "msg": f"Internal error of the local platform: {exc}",
                        "callStack": type(exc).__qualname__,
                    }
                ]
        now = self._clock.now_ms()
        export_ms = result.profile_export_ms if result else 0
        write_ms = result.dataset_write_ms if result else 0
        end_ms = max(end_due, min(now, start_ms + export_ms + write_ms))
        export_end = min(start_ms + export_ms, end_ms)
        written = self._written_batches(record, result)

        def change(job: dict[str, Any]) -> None:
            metrics = job["metrics"]
            metrics["totalTime"] = _span(job["creationTime"], end_ms)
            metrics["profileExportTime"] = _span(start_ms, export_end)
            job["computeGatewayJobId"].setdefault("exportJob", ids.gateway_job_id())
            job["updateTime"] = end_ms
            if errors:
                job["status"] = "FAILED"
                job["errors"] = errors
                _clear_batch_ids(job["destination"])
                return
            assert result is not None
            job["status"] = "SUCCEEDED"
            job["computeGatewayJobId"]["pushJob"] = ids.gateway_job_id()
            metrics["aCPDatasetWriteTime"] = _span(export_end, min(export_end + write_ms, end_ms))
            metrics["totalExportedProfileCounter"] = result.total_exported_profiles
            metrics["exportedProfileByNamespaceCounter"] = result.exported_by_namespace
            if "mergePolicy" not in job and result.merge_policy:
                job["mergePolicy"] = {
                    k: result.merge_policy[k] for k in ("id", "version") if k in result.merge_policy
                }
            _set_batch_ids(job["destination"], [bid if bid in written else "" for bid in record["batchIds"]])

        if not self._update(job_id, "PROCESSING", None, change):
            shutil.rmtree(out_dir, ignore_errors=True)  # cancelled while it ran
            return
        dataset_id = (
            record["job"]["destination"].get("datasetId") or record["job"]["destination"]["dataSetId"]
        )
        for batch_id, (count, files) in written.items():
            self._catalog.register_batch(
                caller,
                batch_id,
                dataset_id,
                record_count=count,
                size=sum(p.stat().st_size for p in files),
                started_ms=start_ms,
                completed_ms=end_ms,
                job_id=job_id,
            )
            self._register_files(caller, batch_id, files, end_ms, count)

    @staticmethod
    def _written_batches(
        record: dict[str, Any], result: RunResult | None
    ) -> dict[str, tuple[int, list[Path]]]:
        """Batch id → (records, files) for the batches the engine actually wrote."""
        if result is None:
            return {}
        written: dict[str, tuple[int, list[Path]]] = {}
        for batch_id, output in zip(record["batchIds"], result.batches, strict=False):
            if output.record_count > 0 and output.files:
                written[batch_id] = (output.record_count, list(output.files))
        return written

    def _register_files(
        self, caller: Caller, batch_id: str, files: list[Path], when_ms: int, records: int
    ) -> None:
        parts = [
            {"name": path.name, "path": str(path.relative_to(self._data_dir)), "length": path.stat().st_size}
            for path in files
        ]
        doc = {
            "created": when_ms,
            "updated": when_ms,
            "records": records,
            "parts": parts,
            "viewId": ids.dataset_id(),
        }
        self._db.execute(
            "INSERT INTO batch_files (org, sandbox, id, batch_id, doc) VALUES (?, ?, ?, ?, ?)",
            (caller.org_id, caller.sandbox, ids.file_id(), batch_id, dumps(doc)),
        )

    def _update(
        self, job_id: int, expected: str, new_status: str | None, change: Callable[[dict[str, Any]], None]
    ) -> bool:
        """Apply ``change`` to a job still in status ``expected``; False when it moved on meanwhile."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT doc FROM jobs WHERE id = ? AND status = ?", (job_id, expected)
            ).fetchone()
            if row is None:
                return False
            record = loads(row[0])
            change(record["job"])
            _store(conn, job_id, record, new_status or record["job"]["status"])
            return True


def _store(conn: sqlite3.Connection, job_id: int, record: dict[str, Any], status: str) -> None:
    """Write a job's status, record and rendered wire document."""
    conn.execute(
        "UPDATE jobs SET status = ?, doc = ?, wire = ? WHERE id = ?",
        (status, dumps(record), dumps_wire(record["job"]), job_id),
    )


def _job_key(job_id: str) -> int | None:
    try:
        value = int(job_id)
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None


def _clear_batch_ids(destination: dict[str, Any]) -> None:
    _set_batch_ids(destination, None)


def _set_batch_ids(destination: dict[str, Any], batch_ids: list[str] | None) -> None:
    if "batches" in destination:
        for index, batch in enumerate(destination["batches"]):
            batch["batchId"] = "" if batch_ids is None else batch_ids[index]
    else:
        destination["batchId"] = "" if batch_ids is None else batch_ids[0]
