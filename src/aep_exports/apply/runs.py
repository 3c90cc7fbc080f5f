"""Start an export run exactly once: write-ahead intent, POST, record; adopt the job after a lost answer.

The sequence for one :class:`RunExport`:

1. commit an :class:`Intent` and a run in status ``INTENT`` (nothing is sent before this is on disk);
2. POST the job;
3. commit the job id (run ``NEW``) and resolve the intent, in one write.

A POST whose answer is lost (``AmbiguousWriteError``) marks the run ``UNKNOWN``; apply then lists the
jobs created since the intent started and adopts the one with the same destination and body. Only
when none exists is the POST sent again. A POST the platform refused (400, or still 5xx/429 after the
client's retries) created nothing: the run is dropped and the intent resolved with the error, so the
export stays due and the next apply tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aep_exports.apply.ledger import Ledger
from aep_exports.apply.matching import list_jobs_since, matching_jobs
from aep_exports.errors import AmbiguousWriteError, ApiError
from aep_exports.state.model import Intent, RunRecord, RunStatus, StateDocument, request_digest, utc

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import ExportJob
    from aep_exports.plan.actions import RunExport

Clock = Callable[[], datetime]
# How many times one apply sends the POST of one run when answers keep getting lost.
MAX_CREATE_ATTEMPTS = 3


class RunNotStarted(ApiError):
    """The run's job could not be created (or its outcome is still unknown)."""


@dataclass
class RunStarted:
    """What starting a run did: the job it created or adopted, and duplicates it cancelled."""

    key: str
    job_id: int
    adopted: bool = False
    duplicates: list[int] = field(default_factory=list)

    def describe(self) -> str:
        """``job 42`` / ``adopted job 42 (its answer was lost)`` and duplicates, for the summary."""
        text = f"adopted job {self.job_id} (its answer was lost)" if self.adopted else f"job {self.job_id}"
        if self.duplicates:
            text += "; cancelled duplicate job(s) " + ", ".join(str(d) for d in self.duplicates)
        return text


def tracked_job_ids(doc: StateDocument) -> set[int]:
    """Every job id state already knows (those can never be adopted for another run)."""
    return {run.job_id for record in doc.exports.values() for run in record.runs if run.job_id is not None}


def _run_of(doc: StateDocument, key: str, intent_id: str) -> RunRecord | None:
    record = doc.exports.get(key)
    return record.find_run(intent_id=intent_id) if record is not None else None


def record_adoption(
    doc: StateDocument,
    intent: Intent,
    job: ExportJob,
    duplicates: list[ExportJob],
    now: datetime,
    *,
    spec: dict[str, Any] | None,
    adopted: bool,
) -> None:
    """Attach ``job`` to the intent's run, record cancelled duplicates beside it, resolve the intent."""
    record = doc.ensure_export(intent.key)
    run = record.find_run(intent_id=intent.id)
    if run is None:  # the run was dropped meanwhile (state rm); keep the job on record all the same
        run = record.add_run(
            RunRecord(slot=intent.slot or now, intent_id=intent.id, request_digest=intent.request_digest)
        )
    run.job_id = job.id
    run.status = job.status.upper() if not job.is_finished else RunStatus.PROCESSING
    run.created = job.created_at or now
    if adopted:
        run.note = "adopted after its create answer was lost"
    if spec is not None:
        record.spec = spec
    position = record.runs.index(run)
    for extra in duplicates:
        # cancel_duplicates can only stop an unfinished extra; one that already ended is recorded as it is.
        cancelled = not extra.is_finished
        record.runs.insert(
            position,
            RunRecord(
                job_id=extra.id,
                slot=run.slot,
                window_from=run.window_from,
                window_to=run.window_to,
                status=RunStatus.CANCELLED if cancelled else extra.status.upper(),
                created=extra.created_at or now,
                finished=now,
                request_digest=run.request_digest,
                intent_id=intent.id,
                cancelled_by_tool=cancelled,
                note=f"duplicate of job {job.id} for the same slot; "
                + ("cancelled by aep-exports" if cancelled else "had already finished when found"),
            ),
        )
    doc.resolve_intent(
        intent.id,
        at=now,
        result={"job_id": job.id, "adopted": adopted, "duplicates": [d.id for d in duplicates]},
    )


def drop_unsent(doc: StateDocument, *, intent: Intent, now: datetime, why: str) -> None:
    """The request created nothing: forget the run (the export stays due) and resolve the intent."""
    record = doc.exports.get(intent.key)
    if record is not None:
        record.runs = [r for r in record.runs if not (r.intent_id == intent.id and r.job_id is None)]
    doc.resolve_intent(intent.id, at=now, result={"job_id": None, "error": why})


def cancel_duplicates(client: PlatformClient, duplicates: list[ExportJob], *, sandbox: str | None) -> None:
    """Cancel extra jobs made for one intent (a finished one cannot be cancelled and is left)."""
    for extra in duplicates:
        if not extra.is_finished:
            client.cancel_export_job(extra.id, sandbox=sandbox)


def adopt_existing(
    ledger: Ledger,
    client: PlatformClient,
    intent: Intent,
    clock: Clock,
    *,
    spec: dict[str, Any] | None,
    sandbox: str | None,
    jobs: list[ExportJob] | None = None,
) -> RunStarted | None:
    """Look for the intent's job on the platform; adopt it (cancelling extras) when found."""
    listed = jobs if jobs is not None else list_jobs_since(client, intent.started_at, sandbox=sandbox)
    claimed = ledger.read(tracked_job_ids)
    found = matching_jobs(listed, intent.request_body, exclude=claimed)
    if not found:
        return None
    keep, extras = found[0], found[1:]
    cancel_duplicates(client, extras, sandbox=sandbox)
    ledger.commit(lambda doc: record_adoption(doc, intent, keep, extras, clock(), spec=spec, adopted=True))
    return RunStarted(intent.key, keep.id, adopted=True, duplicates=[e.id for e in extras])


def start_run(
    ledger: Ledger,
    client: PlatformClient,
    action: RunExport,
    body: dict[str, Any],
    clock: Clock,
    *,
    sandbox: str | None = None,
) -> RunStarted:
    """Create the job of ``action`` (``body`` with the dataset id resolved) exactly once."""
    intent = Intent(
        kind="run_export",
        resource="export",
        key=action.key,
        slot=utc(action.slot),
        request_digest=request_digest(body),
        request_body=body,
        started_at=clock(),
    )

    def write_ahead(doc: StateDocument) -> None:
        doc.add_intent(intent)
        doc.ensure_export(action.key).add_run(
            RunRecord(
                slot=action.slot,
                window_from=action.window_from,
                window_to=action.window_to,
                status=RunStatus.INTENT,
                request_digest=action.body_digest,
                intent_id=intent.id,
            )
        )

    ledger.commit(write_ahead)
    for _attempt in range(MAX_CREATE_ATTEMPTS):
        try:
            job = client.create_export_job(body, sandbox=sandbox)
        except AmbiguousWriteError as exc:
            lost = str(exc)
            ledger.commit(partial(_mark_unknown, intent=intent, why=lost))
            adopted = adopt_existing(ledger, client, intent, clock, spec=action.spec, sandbox=sandbox)
            if adopted is not None:
                return adopted
            continue  # nothing was created: sending again cannot duplicate
        except ApiError as exc:
            refused = str(exc)
            ledger.commit(partial(drop_unsent, intent=intent, now=clock(), why=refused))
            raise
        ledger.commit(partial(_record_created, intent=intent, job=job, now=clock(), spec=action.spec))
        return RunStarted(action.key, job.id)
    raise RunNotStarted(
        f"export {action.key}: the platform's answer to creating its job was lost "
        f"{MAX_CREATE_ATTEMPTS} times; the next apply will look for the job before creating one",
        method="POST",
        path="/data/core/ups/export/jobs",
    )


def _record_created(
    doc: StateDocument, *, intent: Intent, job: ExportJob, now: datetime, spec: dict[str, Any]
) -> None:
    record_adoption(doc, intent, job, [], now, spec=spec, adopted=False)


def _mark_unknown(doc: StateDocument, *, intent: Intent, why: str) -> None:
    run = _run_of(doc, intent.key, intent.id)
    if run is not None and run.job_id is None:
        run.status = RunStatus.UNKNOWN
        run.note = f"create answer lost: {why}"[:300]
