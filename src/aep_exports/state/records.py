"""The records of a state document and the operations that change them.

Callers say what happened (a run began, its job is known, the job finished); the records keep
their invariants: a run is finished once, the watermark moves only forward and only with a
SUCCEEDED run (:meth:`ExportRecord.finish_run` is the one place), unfinished runs and the last
success survive trimming. Nothing outside this package assigns to these fields.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from aep_exports.state.base import Record, UtcDatetime, request_digest, utc
from aep_exports.state.restatements import Restatement
from aep_exports.state.specs import AppliedDataset, AppliedExport
from aep_exports.state.status import UNFINISHED_STATUSES, JobReport, RunStatus

DEFAULT_RUN_HISTORY = 50
"""How many runs an export keeps by default (unfinished runs are never dropped)."""

IntentKind = Literal[
    "create_dataset", "update_dataset", "replace_dataset", "delete_dataset", "run_export", "cancel_job"
]
"""What a write-ahead intent is about to do (the plan action kinds that send a request)."""

_NOTE_LIMIT = 300
_GONE = "the platform no longer shows it"
ROWS_METRIC = "totalExportedProfileCounter"
"""The job metric that counts the profiles a run exported (public reference: job ``metrics``)."""


class RunRecord(Record):
    """One run of an export: the job it created (if any), its slot, window and outcome."""

    job_id: int | None = None
    slot: UtcDatetime
    window_from: UtcDatetime | None = None
    window_to: UtcDatetime | None = None
    status: RunStatus = RunStatus.INTENT
    created: UtcDatetime | None = None
    finished: UtcDatetime | None = None
    batches: list[str] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    errors: list[dict[str, Any]] = Field(default_factory=list)
    request_digest: str = Field(default="", description="Digest of the request body sent for this run.")
    intent_id: str = ""
    cancelled_by_tool: bool = False
    note: str = ""
    attempt: int = Field(default=1, ge=1, description="1: the slot's first run; 2: its first retry; ...")
    restated: bool = Field(default=False, description="Its window re-exports data exported before (restate).")
    breaches: list[str] = Field(default_factory=list, description="Expectations this run broke.")

    @property
    def unfinished(self) -> bool:
        """True while the run may still produce (or be) a job on the platform."""
        return self.status in UNFINISHED_STATUSES

    @property
    def succeeded(self) -> bool:
        """True when the job finished with ``SUCCEEDED``."""
        return self.status == RunStatus.SUCCEEDED

    @property
    def started(self) -> datetime:
        """When the run's job was created, else its slot."""
        return self.created or self.slot

    @property
    def rows(self) -> int | None:
        """Profiles the run exported (the job's ``totalExportedProfileCounter``), when known."""
        rows = self.metrics.get(ROWS_METRIC)
        return rows if isinstance(rows, int) and not isinstance(rows, bool) else None

    def duration(self, now: datetime | None = None) -> timedelta | None:
        """Creation to end (to ``now`` while unfinished), else the job's ``totalTime`` metric."""
        if self.created is not None:
            end = self.finished if self.finished is not None else (now if self.unfinished else None)
            if end is not None:
                return max(end - self.created, timedelta(0))
        total = self.metrics.get("totalTime")
        millis = total.get("totalTimeInMs") if isinstance(total, dict) else None
        if isinstance(millis, int) and not isinstance(millis, bool):
            return timedelta(milliseconds=millis)
        return None


class Intent(Record):
    """A write-ahead record: saved before a request, resolved once its outcome is recorded."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    kind: IntentKind
    resource: Literal["dataset", "export"]
    key: str
    slot: UtcDatetime | None = None
    request_digest: str = Field(default="", description="Digest of ``request_body``.")
    request_body: dict[str, Any] = Field(default_factory=dict)
    started_at: UtcDatetime
    attempts: int = Field(
        default=0,
        ge=0,
        description="run_export: how many create requests were sent (or may have been) for this intent; "
        "0 in records written before it was counted.",
    )
    resolved: bool = False
    resolved_at: UtcDatetime | None = None
    result: dict[str, Any] = Field(default_factory=dict)

    @property
    def request_id(self) -> str:
        """The correlation id every create request of this intent carries as ``x-request-id``.

        The intent's own id: runs keep it (``RunRecord.intent_id``), so a job whose ``requestId`` echoes
        it is known to be this intent's without storing anything more.
        """
        return self.id

    @property
    def cancelling(self) -> frozenset[int]:
        """Jobs this run intent is cancelling as extras of its own (noted before their DELETE is sent)."""
        return frozenset(int(job_id) for job_id in self.result.get("cancelling", ()))


class ExportRecord(Record):
    """What state knows about one declared export: its spec, watermark and run history."""

    spec: AppliedExport = Field(default_factory=AppliedExport)
    watermark: UtcDatetime | None = None
    runs: list[RunRecord] = Field(default_factory=list)
    orphaned: bool = False
    restatements: list[Restatement] = Field(
        default_factory=list, description="Watermark resets asked for with --restate, oldest first."
    )

    # -- reading ---------------------------------------------------------------------------

    def last_run(self) -> RunRecord | None:
        """The newest run, or None when the export never ran."""
        return self.runs[-1] if self.runs else None

    def last_succeeded(self) -> RunRecord | None:
        """The newest run that finished with ``SUCCEEDED``."""
        for run in reversed(self.runs):
            if run.succeeded:
                return run
        return None

    def unfinished_runs(self) -> list[RunRecord]:
        """Runs that may still produce (or be) a job, oldest first."""
        return [run for run in self.runs if run.unfinished]

    @property
    def pending_restatement(self) -> Restatement | None:
        """The latest restatement while no run of it has succeeded yet."""
        last = self.restatements[-1] if self.restatements else None
        return last if last is not None and last.completed_at is None else None

    def find_run(self, *, job_id: int | None = None, intent_id: str | None = None) -> RunRecord | None:
        """The newest run with this job id or intent id."""
        for run in reversed(self.runs):
            if job_id is not None and run.job_id == job_id:
                return run
            if intent_id and run.intent_id == intent_id:
                return run
        return None

    # -- history ---------------------------------------------------------------------------

    def add_run(self, run: RunRecord, *, cap: int = DEFAULT_RUN_HISTORY) -> RunRecord:
        """Append ``run`` (newest last) and trim the history to ``cap`` runs."""
        self.runs.append(run)
        self.trim_runs(cap)
        return run

    def trim_runs(self, cap: int = DEFAULT_RUN_HISTORY) -> None:
        """Drop the oldest finished runs beyond ``cap``; unfinished runs and the last success stay."""
        if cap < 1:
            raise ValueError("run history cap must be at least 1")
        excess = len(self.runs) - cap
        if excess <= 0:
            return
        keep_success = self.last_succeeded()
        kept: list[RunRecord] = []
        for run in self.runs:
            droppable = not run.unfinished and run is not keep_success
            if excess > 0 and droppable:
                excess -= 1
                continue
            kept.append(run)
        self.runs = kept

    # -- the life of a run -----------------------------------------------------------------

    def begin_run(
        self,
        intent: Intent,
        *,
        window_from: datetime | None,
        window_to: datetime | None,
        cap: int = DEFAULT_RUN_HISTORY,
        attempt: int = 1,
        restated: bool = False,
    ) -> RunRecord:
        """The run ``intent`` is about to create, in status ``INTENT`` (stored before its request is sent).

        ``attempt``: 1 for a slot's first run, n + 1 for its n-th retry; ``restated``: the window
        starts before data already exported (a restatement).
        """
        if intent.slot is None:
            raise ValueError("a run's intent names its slot")
        self.orphaned = False  # a run is only planned for a declared export
        return self.add_run(
            RunRecord(
                slot=intent.slot,
                window_from=window_from,
                window_to=window_to,
                status=RunStatus.INTENT,
                request_digest=intent.request_digest,
                intent_id=intent.id,
                attempt=attempt,
                restated=restated,
            ),
            cap=cap,
        )

    def mark_unknown(self, intent_id: str, why: str) -> None:
        """The create request was sent but its answer was lost: the run's job may or may not exist."""
        run = self.find_run(intent_id=intent_id)
        if run is not None and run.job_id is None:
            run.status = RunStatus.UNKNOWN
            run.note = f"create answer lost: {why}"[:_NOTE_LIMIT]

    def drop_unsent(self, intent_id: str) -> None:
        """The request created nothing: forget the intent's run, so its slot stays due."""
        self.runs = [r for r in self.runs if not (r.intent_id == intent_id and r.job_id is None)]

    def attach_job(
        self,
        intent: Intent,
        job: JobReport,
        now: datetime,
        *,
        adopted: bool,
        spec: AppliedExport | None,
        duplicates: Sequence[JobReport] = (),
        cancelled: Collection[int] = (),
    ) -> RunRecord:
        """The intent's run is ``job`` (created, or found after a lost answer); ``duplicates`` were
        made for the same intent: those in ``cancelled`` were stopped by aep-exports (a DELETE was
        sent), the others had already ended. They are recorded beside it, finished.

        ``spec``: what was declared and sent, recorded as the export's (None keeps the current one).
        """
        run = self.find_run(intent_id=intent.id)
        if run is None:  # the run was dropped meanwhile (state rm); keep the job on record all the same
            run = self.add_run(
                RunRecord(slot=intent.slot or now, intent_id=intent.id, request_digest=intent.request_digest)
            )
        run.job_id = job.id
        # A job that already ended is recorded as running: the next refresh records its outcome.
        run.status = RunStatus.PROCESSING if job.finished else job.run_status
        run.created = job.created or now
        if adopted:
            run.note = "adopted after its create answer was lost"
        if spec is not None:
            self.spec = spec
        position = self.runs.index(run)
        for extra in duplicates:
            by_us = extra.id in cancelled
            self.runs.insert(
                position,
                RunRecord(
                    job_id=extra.id,
                    slot=run.slot,
                    window_from=run.window_from,
                    window_to=run.window_to,
                    attempt=run.attempt,
                    restated=run.restated,
                    status=RunStatus.CANCELLED if by_us else extra.final_status(),
                    created=extra.created or now,
                    finished=now,
                    request_digest=run.request_digest,
                    intent_id=intent.id,
                    cancelled_by_tool=by_us,
                    note=f"duplicate of job {job.id} for the same slot; "
                    + ("cancelled by aep-exports" if by_us else "had already finished when found")
                    + ("" if by_us or not extra.status_note else f" ({extra.status_note})"),
                ),
            )
        return run

    def observe(self, run: RunRecord, job: JobReport) -> bool:
        """A still-running job's current status; True when it differs from the recorded one."""
        status = job.run_status
        if status == run.status:
            return False
        run.status = status
        return True

    def finish_run(self, run: RunRecord, job: JobReport, now: datetime) -> None:
        """Record how ``run``'s job ended; a SUCCEEDED run moves the watermark to its window's end.

        This is the only place the watermark moves, and it only moves forward.
        """
        status = job.final_status()
        if job.status_note:
            run.note = job.status_note
        if run.cancelled_by_tool and status == RunStatus.FAILED:
            # Our DELETE was sent: a platform that shows cancelled jobs as FAILED (with an error) means
            # this cancel, not a failure of the export.
            status = RunStatus.CANCELLED
            run.note = f"cancelled by aep-exports; platform status {job.status.upper()}"
        run.status = status
        run.finished = job.updated or now
        run.batches = list(job.batches)
        run.metrics = dict(job.metrics)
        run.errors = [dict(error) for error in job.errors]
        if status == RunStatus.CANCELLED and not run.cancelled_by_tool:
            run.note = "cancelled outside aep-exports"
        if status == RunStatus.SUCCEEDED and run.window_to is not None and (
            self.watermark is None or run.window_to > self.watermark
        ):
            self.watermark = run.window_to
        pending = self.pending_restatement
        if status == RunStatus.SUCCEEDED and run.restated and pending is not None:
            pending.complete(job_id=run.job_id, at=run.finished, window_to=run.window_to)

    def record_breaches(self, run: RunRecord, breaches: Sequence[str]) -> None:
        """The expectations ``run`` broke (its outcome is recorded first; [] clears them)."""
        run.breaches = list(breaches)

    def restate(
        self, window_from: datetime | None, *, by: str, at: datetime, reason: str = ""
    ) -> Restatement:
        """Reset the watermark to ``window_from`` (None: the beginning) so the next run exports again.

        The one way the watermark moves back; recorded with who asked and when. The runs that follow
        are marked ``restated`` until one succeeds (:meth:`finish_run` completes the restatement).
        """
        if window_from is not None and self.watermark is not None and window_from > self.watermark:
            raise ValueError("a restatement starts at or before the watermark")
        restatement = Restatement(
            window_from=window_from,
            previous_watermark=self.watermark,
            requested_by=by,
            requested_at=utc(at),
            reason=reason,
        )
        self.restatements.append(restatement)
        self.watermark = window_from
        return restatement

    def mark_missing(self, run: RunRecord, now: datetime) -> None:
        """The platform no longer knows the run's job (404): gone outside aep-exports, unless aep-exports
        cancelled it (a platform may delete a cancelled job)."""
        run.finished = now
        if run.cancelled_by_tool:
            run.status, run.note = RunStatus.CANCELLED, f"cancelled by aep-exports; {_GONE}"
        else:
            run.status, run.note = RunStatus.MISSING, "job not found on the platform"

    def record_cancel(self, job_id: int, *, cause: str, read_back: RunStatus | None, now: datetime) -> None:
        """aep-exports sent (or may have sent) a DELETE for ``job_id``; ``read_back`` is how the job reads
        now (None: it could not be read).

        What a cancelled job reads as is not documented: CANCELLED, FAILED (with an error) or gone (404,
        ``MISSING``). Each ends the run as CANCELLED by aep-exports, so it is never taken for an outside
        change. Cancelling may be asynchronous: a job still running stays unfinished, marked as ours, and
        refresh records how it ends.
        """
        run = self.find_run(job_id=job_id)
        if run is None:
            return
        run.cancelled_by_tool = True
        run.note = f"cancelled by aep-exports ({cause})"
        if read_back in (RunStatus.CANCELLED, RunStatus.FAILED, RunStatus.MISSING):
            run.status, run.finished = RunStatus.CANCELLED, now
            if read_back != RunStatus.CANCELLED:
                run.note += "; it reads FAILED" if read_back == RunStatus.FAILED else f"; {_GONE}"

    def import_run(
        self,
        job: JobReport,
        *,
        slot: datetime,
        window_from: datetime | None,
        window_to: datetime,
        spec: AppliedExport,
        now: datetime,
    ) -> RunRecord:
        """Record an existing platform job as a run (``import``), keeping the history in creation order.

        A finished job is recorded as :meth:`finish_run` records one. When it is the newest run,
        ``spec`` (what was declared, and the request the job shows) becomes the export's spec.
        """
        newest = self.last_run()
        run = RunRecord(
            job_id=job.id,
            slot=slot,
            window_from=window_from,
            window_to=window_to,
            status=job.run_status,
            created=job.created or now,
            batches=list(job.batches),
            metrics=dict(job.metrics),
            errors=[dict(error) for error in job.errors],
            request_digest=request_digest(spec.request),
        )
        self.add_run(run)
        if job.finished:
            self.finish_run(run, job, now)
        run.note = f"imported; {job.status_note}" if job.status_note else "imported"
        self.runs.sort(key=lambda r: r.started)
        if newest is None or self.last_run() is run:
            self.spec = spec
        return run


class DatasetRecord(Record):
    """A managed dataset: its platform id and the declared spec last applied."""

    id: str
    spec: AppliedDataset = Field(default_factory=AppliedDataset)
    created_at: UtcDatetime | None = None
    orphaned: bool = False


__all__ = [
    "DEFAULT_RUN_HISTORY",
    "DatasetRecord",
    "ExportRecord",
    "Intent",
    "IntentKind",
    "RunRecord",
    "utc",
]
