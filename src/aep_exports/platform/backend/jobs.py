"""Export jobs: create, list (newest first, cursor paging), read, cancel.

A job is stored as a record ``{"job": <stored job>, "request": <body as POSTed>, "batchIds": [...],
"client": ..., "xRequestId": ..., "resolvedMergePolicy": ...}``: the full request stays server-side for
the export engine. Answers are rendered from the record by ``job_wire`` (only what the references show,
shaped by the contract) and kept rendered in ``jobs.wire``, so reads decode nothing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aep_exports.platform import ids
from aep_exports.platform.backend.catalog import PROFILE_UNION_SCHEMA, CatalogBackend
from aep_exports.platform.backend.job_lifecycle import JobLifecycle, Runner, set_batch_ids, span
from aep_exports.platform.backend.job_request import requested_segments, validate_job_request
from aep_exports.platform.backend.job_wire import as_listed, echoed_segments, render_job
from aep_exports.platform.backend.listing import Query, int_param
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.clock import Clock
from aep_exports.platform.contract import Contract
from aep_exports.platform.errors import bad_request, not_found
from aep_exports.platform.faults import FaultInjector
from aep_exports.platform.persistence import Database, dumps_wire, loads

STATUSES = ("NEW", "PROCESSING", "SUCCEEDED", "FAILED", "CANCELLED")
UNFINISHED = ("NEW", "PROCESSING")
DEFAULT_PAGE, MAX_PAGE = 20, 100
# Resolves the merge policy a request would use: ``(caller, request) -> {id, version} | None``.
PolicyResolver = Callable[[Caller, dict[str, Any]], dict[str, Any] | None]


class JobsBackend(JobLifecycle):
    """The export job API over the stored records (see the module docstring)."""

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
        contract: Contract,
        resolve_policy: PolicyResolver,
    ) -> None:
        super().__init__()
        self._db, self._clock, self._catalog, self._faults = db, clock, catalog, faults
        self._data_dir, self._runner, self._resolve_policy = data_dir, runner, resolve_policy
        self.duration_ms = duration_ms
        self.contract = contract

    # ---------------------------------------------------------------- create

    def create(
        self,
        caller: Caller,
        body: Any,
        profile_instance_id: str | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Validate and store a new job; answers it with status NEW (``request_id``: the x-request-id)."""
        dataset_id, per_batch = validate_job_request(body)
        self._check_target(caller, dataset_id)
        created = self._clock.now_ms()
        segments = requested_segments(body)
        batch_ids = [ids.batch_id() for _ in (segments if per_batch and segments else [None])]
        destination: dict[str, Any]
        if per_batch and segments:
            destination = {
                "dataSetId": dataset_id,
                "segmentPerBatch": True,
                "batches": [{**s, "batchId": b} for s, b in zip(segments, batch_ids, strict=True)],
            }
        else:
            destination = {"datasetId": dataset_id, "segmentPerBatch": per_batch, "batchId": batch_ids[0]}
        job: dict[str, Any] = {"profileInstanceId": profile_instance_id or "ups", "jobType": "BATCH", "id": 0}
        echoed = echoed_segments(body)
        if echoed:
            job["filter"] = {"segments": echoed}
        job["schema"] = {"name": body["schema"]["name"]}
        if isinstance(body.get("mergePolicy"), dict):
            job["mergePolicy"] = {
                k: body["mergePolicy"][k] for k in ("id", "version") if k in body["mergePolicy"]
            }
        job.update(
            {
                "status": "NEW",
                "requestId": ids.request_id(),
                "computeGatewayJobId": {},
                "metrics": {"totalTime": {"startTimeInMs": created}},
                "destination": destination,
                "updateTime": created,
                "imsOrgId": caller.org_id,
                "creationTime": created,
            }
        )
        record: dict[str, Any] = {
            "job": job,
            "request": copy.deepcopy(body),
            "batchIds": batch_ids,
            "client": caller.client_id,
            "xRequestId": request_id or None,
        }
        if self.contract.merge_policy_echo == "resolved" and "version" not in job.get("mergePolicy", {}):
            record["resolvedMergePolicy"] = self._resolve_policy(caller, body)
        fate = self._faults.job_fate()
        start_due, end_due = created + self.duration_ms // 3, created + self.duration_ms
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO jobs (org, sandbox, creation_ms, status, fate, start_due_ms, end_due_ms, doc) "
                "VALUES (?, ?, ?, 'NEW', ?, ?, ?, '{}')",
                (caller.org_id, caller.sandbox, created, fate, start_due, end_due),
            )
            job["id"] = int(cursor.lastrowid or 0)
            self._store(conn, job["id"], record, "NEW")
        return render_job(record, self.contract)

    def _check_target(self, caller: Caller, dataset_id: str) -> None:
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

    # ---------------------------------------------------------------- read

    def _visible(self) -> str:
        """SQL condition hiding cancelled jobs when they are gone in this contract."""
        return " AND status != 'CANCELLED'" if self.contract.cancelled_job == "gone" else ""

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
                "SELECT wire FROM jobs WHERE org = ? AND sandbox = ? AND id = ?" + self._visible(),
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

    def _status_filter(self, query: Query) -> tuple[list[str], list[str]]:
        """(statuses as asked, stored statuses they select) of the ``status`` query parameter."""
        shown = [s for s in STATUSES if s != "CANCELLED" or self.contract.cancelled_job == "cancelled"]
        wanted = [
            s.strip().upper() for value in query.get("status", []) for s in value.split(",") if s.strip()
        ]
        unknown = [s for s in wanted if s not in shown]
        if unknown:
            raise bad_request(f"Invalid status filter {unknown[0]!r}; use one of {', '.join(shown)}.")
        stored = list(wanted)
        if "FAILED" in wanted and self.contract.cancelled_job == "failed":
            stored.append("CANCELLED")  # they read back as FAILED
        return wanted, stored

    def list_json(self, caller: Caller, query: Query) -> bytes:
        """:meth:`list_jobs`, already rendered as the answer's JSON body (the stored jobs are spliced in)."""
        limit = min(int_param(query, "limit", DEFAULT_PAGE, minimum=1), MAX_PAGE)
        sql = "SELECT creation_ms, id, wire FROM jobs WHERE org = ? AND sandbox = ?" + self._visible()
        params: list[Any] = [caller.org_id, caller.sandbox]
        wanted, stored = self._status_filter(query)
        if stored:
            sql += f" AND status IN ({','.join('?' * len(stored))})"
            params.extend(stored)
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
        if self.contract.listed_segments == "as-requested":
            jobs = [str(row[2]) for row in records]
        else:
            jobs = [dumps_wire(as_listed(json.loads(row[2]), self.contract)) for row in records]
        # {"records": [...], "page": ..., "link": ...}, the same bytes as rendering the decoded jobs.
        return ('{"records":[' + ",".join(jobs) + "]," + dumps_wire(rest)[1:]).encode()

    # ---------------------------------------------------------------- cancel

    def cancel(self, caller: Caller, job_id: str) -> None:
        """Stop an unfinished job (stored as CANCELLED); a finished one is left as it is."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT doc FROM jobs WHERE org = ? AND sandbox = ? AND id = ?" + self._visible(),
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
            job["metrics"]["totalTime"] = span(job["creationTime"], max(now, job["creationTime"]))
            set_batch_ids(job["destination"], None)
            self._store(conn, job["id"], record, "CANCELLED")


def _job_key(job_id: str) -> int | None:
    try:
        value = int(job_id)
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None
