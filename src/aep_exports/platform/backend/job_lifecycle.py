"""The export job lifecycle ``NEW → PROCESSING → SUCCEEDED | FAILED``, timed by the platform clock.

A job is due to start at ``creation + duration/3`` and to finish at ``creation + duration``; whoever calls
:meth:`JobLifecycle.advance` (the server's worker, or reads in-process) moves due jobs along and runs the
export when one finishes. ``CANCELLED`` (set by DELETE) is the stored status of a stopped job; how it reads
back is the contract's choice (see ``job_wire``).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aep_exports.platform import ids
from aep_exports.platform.backend.catalog import CatalogBackend
from aep_exports.platform.backend.exporter import RunFailed, RunResult, job_output_dir
from aep_exports.platform.backend.job_wire import render_job
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.clock import Clock
from aep_exports.platform.contract import Contract
from aep_exports.platform.faults import JOB_FAILS, JOB_HANGS
from aep_exports.platform.persistence import Database, dumps, dumps_wire, loads

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


def span(start: int, end: int) -> dict[str, int]:
    """A metrics entry ``{startTimeInMs, endTimeInMs, totalTimeInMs}``."""
    return {"startTimeInMs": start, "endTimeInMs": end, "totalTimeInMs": end - start}


def set_batch_ids(destination: dict[str, Any], batch_ids: list[str] | None) -> None:
    """Fill the stored destination's batch ids (None: all ``""``, nothing was written)."""
    if "batches" in destination:
        for index, batch in enumerate(destination["batches"]):
            batch["batchId"] = "" if batch_ids is None else batch_ids[index]
    else:
        destination["batchId"] = "" if batch_ids is None else batch_ids[0]


class JobLifecycle:
    """Storage of job records and their progress; :class:`JobsBackend` adds the API on top."""

    _db: Database
    _clock: Clock
    _catalog: CatalogBackend
    _data_dir: Path
    _runner: Runner
    contract: Contract

    def __init__(self) -> None:
        self._advance_lock = threading.Lock()

    # ---------------------------------------------------------------- storage

    def _store(self, conn: sqlite3.Connection, job_id: int, record: dict[str, Any], status: str) -> None:
        """Write a job's status, record and wire document (rendered for the current contract)."""
        conn.execute(
            "UPDATE jobs SET status = ?, doc = ?, wire = ? WHERE id = ?",
            (status, dumps(record), dumps_wire(render_job(record, self.contract)), job_id),
        )

    def rerender(self) -> int:
        """Render every stored job again (the contract changed); answers how many."""
        with self._db.transaction() as conn:
            rows = conn.execute("SELECT id, doc FROM jobs").fetchall()
            for job_id, doc in rows:
                conn.execute(
                    "UPDATE jobs SET wire = ? WHERE id = ?",
                    (dumps_wire(render_job(loads(doc), self.contract)), job_id),
                )
        return len(rows)

    def _update(
        self, job_id: int, expected: str, new_status: str | None, change: Callable[[dict[str, Any]], None]
    ) -> bool:
        """Apply ``change`` to a job record still in status ``expected``; False when it moved on meanwhile."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT doc FROM jobs WHERE id = ? AND status = ?", (job_id, expected)
            ).fetchone()
            if row is None:
                return False
            record = loads(row[0])
            change(record)
            self._store(conn, job_id, record, new_status or record["job"]["status"])
            return True

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
        def change(record: dict[str, Any]) -> None:
            job = record["job"]
            job["status"] = "PROCESSING"
            job["computeGatewayJobId"] = {"exportJob": ids.gateway_job_id()}
            job["metrics"]["profileExportTime"] = {"startTimeInMs": start_ms}
            job["updateTime"] = start_ms

        self._update(job_id, "NEW", "PROCESSING", change)

    def _run(
        self, fate: str, caller: Caller, job_id: int, record: dict[str, Any], out_dir: Path, end_due: int
    ) -> tuple[RunResult | None, list[dict[str, str]]]:
        if fate == JOB_FAILS:
            return None, [{**e, "msg": e["msg"].format(path=out_dir)} for e in INJECTED_FAILURE]
        try:
            when = datetime.fromtimestamp(end_due / 1000, tz=UTC)
            return self._runner(caller, job_id, record["request"], out_dir, when), []
        except RunFailed as exc:
            return None, [exc.as_error()]
        except Exception as exc:  # a bug must fail the job, not leave it PROCESSING forever
            log.exception("export job %s crashed", job_id)
            error = {
                "code": "unknown",
                "msg": f"Internal error of the local platform: {exc}",
                "callStack": type(exc).__qualname__,
            }
            return None, [error]

    def _finish(self, job_id: int, org: str, sandbox: str, fate: str, start_ms: int, end_due: int) -> None:
        row = self._db.query_one("SELECT doc FROM jobs WHERE id = ?", (job_id,))
        if row is None:
            return
        record = loads(row[0])
        if record["job"]["status"] != "PROCESSING":
            return
        caller = Caller(record.get("client", ""), org, sandbox)
        out_dir = job_output_dir(self._data_dir, org, sandbox, job_id)
        result, errors = self._run(fate, caller, job_id, record, out_dir, end_due)
        now = self._clock.now_ms()
        export_ms = result.profile_export_ms if result else 0
        write_ms = result.dataset_write_ms if result else 0
        end_ms = max(end_due, min(now, start_ms + export_ms + write_ms))
        export_end = min(start_ms + export_ms, end_ms)
        written = self._written_batches(record, result)

        def change(stored: dict[str, Any]) -> None:
            job = stored["job"]
            metrics = job["metrics"]
            metrics["totalTime"] = span(job["creationTime"], end_ms)
            metrics["profileExportTime"] = span(start_ms, export_end)
            job["computeGatewayJobId"].setdefault("exportJob", ids.gateway_job_id())
            job["updateTime"] = end_ms
            if errors:
                job["status"] = "FAILED"
                job["errors"] = errors
                set_batch_ids(job["destination"], None)
                return
            assert result is not None
            job["status"] = "SUCCEEDED"
            job["computeGatewayJobId"]["pushJob"] = ids.gateway_job_id()
            metrics["aCPDatasetWriteTime"] = span(export_end, min(export_end + write_ms, end_ms))
            metrics["totalExportedProfileCounter"] = result.total_exported_profiles
            metrics["exportedProfileByNamespaceCounter"] = result.exported_by_namespace
            if result.merge_policy:
                stored["resolvedMergePolicy"] = {
                    k: result.merge_policy[k] for k in ("id", "version") if k in result.merge_policy
                }
            set_batch_ids(job["destination"], [bid if bid in written else "" for bid in stored["batchIds"]])

        if not self._update(job_id, "PROCESSING", None, change):
            shutil.rmtree(out_dir, ignore_errors=True)  # cancelled while it ran
            return
        destination = record["job"]["destination"]
        dataset_id = destination.get("datasetId") or destination["dataSetId"]
        for batch_id, (count, files) in written.items():
            self._catalog.register_batch(
                caller,
                batch_id,
                dataset_id,
                record_count=count,
                size=sum(p.stat().st_size for p in files),
                started_ms=start_ms,
                completed_ms=end_ms,
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
