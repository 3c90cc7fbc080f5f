"""Refresh: read what matters on the platform and record the outcomes of finished runs in state.

Reads (concurrently, through the client's limiter): the managed datasets by id, the tracked
unfinished jobs by id, the jobs created since the last refresh (one listing that stops at the
last refresh, so a warm state never pages through old history), and the merge policies and
segments the declarations name. The only write is to state: finished runs get their status,
batches, metrics and errors, and a SUCCEEDED run advances the watermark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aep_exports.errors import ApiError, NotFoundError
from aep_exports.plan.expectations import Expectations
from aep_exports.plan.live import CLOCK_SKEW, LiveDataset, LiveJob, LiveSnapshot
from aep_exports.plan.model import RefreshOutcome
from aep_exports.state.model import ExportRecord, RunRecord, StateDocument

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import Dataset, ExportJob
    from aep_exports.plan.desired import Desired
    from aep_exports.state.backend import StateBackend

# Without a last refresh, new jobs are listed back to the oldest managed dataset, at most this far.
COLD_LISTING_LIMIT = timedelta(days=7)
# A refresh that changed nothing still records itself when the last one is older than this,
# so the next listing stays short.
RECORD_REFRESH_AFTER = timedelta(hours=1)
_SERVER_FIELDS = frozenset(
    {
        "id",
        "created",
        "updated",
        "imsOrg",
        "createdClient",
        "createdUser",
        "version",
        "state",
        "files",
        "lastBatchId",
        "lastBatchStatus",
        "classification",
    }
)


@dataclass(frozen=True)
class RefreshResult:
    """The refreshed state (in memory; written when ``written``), what was read, what was recorded."""

    state: StateDocument
    snapshot: LiveSnapshot
    outcomes: tuple[RefreshOutcome, ...]
    written: bool


def live_dataset(dataset: Dataset) -> LiveDataset:
    """A wire dataset as the planner sees it: its declared-side fields only."""
    wire = dataset.to_wire()
    return LiveDataset(id=dataset.id, body={k: v for k, v in wire.items() if k not in _SERVER_FIELDS})


def live_job(job: ExportJob) -> LiveJob:
    """A wire job as the planner and state see it (the one translation of a client job)."""
    return LiveJob(
        id=job.id,
        status=job.status.upper(),
        dataset_id=job.dataset_id,
        created=job.created_at,
        updated=job.updated_at,
        batches=tuple(job.batch_ids),
        errors=tuple(e.to_wire() for e in job.errors),
        metrics=dict(job.metrics),
    )


def _listing_since(state: StateDocument, now: datetime) -> datetime | None:
    if not state.datasets:
        return None  # no managed dataset: no job can write into one
    if state.last_refresh is not None:
        return state.last_refresh - CLOCK_SKEW
    created = [r.created_at for r in state.datasets.values() if r.created_at is not None]
    oldest = min(created) if created else now - COLD_LISTING_LIMIT
    return max(oldest, now - COLD_LISTING_LIMIT) - CLOCK_SKEW


def read_live(
    client: PlatformClient,
    state: StateDocument,
    desired: Desired | None,
    now: datetime,
) -> LiveSnapshot:
    """Read the platform for a plan: managed datasets and the dataset ids exports name, tracked unfinished
    jobs, new jobs, references."""
    named = {e.dataset_id for e in desired.exports.values() if e.dataset_id} if desired is not None else set()
    dataset_ids = sorted({r.id for r in state.datasets.values()} | named)
    # Jobs of remembered out-of-band findings too: a finding lasts only while its job exists.
    remembered = {f.job_id for f in state.findings.values() if f.job_id is not None}
    tracked = set(state.unfinished_job_ids()) | remembered
    jobs: dict[int, LiveJob] = {}
    new_jobs: list[int] = []
    since = _listing_since(state, now)
    if since is not None:
        for job in client.list_export_jobs(since=since):
            jobs[job.id] = live_job(job)
            new_jobs.append(job.id)
    datasets: dict[str, LiveDataset] = {}
    missing_datasets: set[str] = set()
    for dataset_id, found in client.get_datasets(dataset_ids).items():
        if isinstance(found, NotFoundError):
            missing_datasets.add(dataset_id)
        elif isinstance(found, ApiError):
            raise found
        else:
            datasets[dataset_id] = live_dataset(found)
    missing_jobs: set[int] = set()
    to_read = sorted(tracked - set(jobs))
    for job_id, got in client.get_export_jobs(to_read).items():
        if isinstance(got, NotFoundError):
            missing_jobs.add(job_id)
        elif isinstance(got, ApiError):
            raise got
        else:
            jobs[job_id] = live_job(got)
    merge_policies, versions, segments = _references(client, desired)
    problems = tuple(dict.fromkeys(problem.describe() for problem in client.record_problems()))
    return LiveSnapshot(
        read_at=now,
        datasets=datasets,
        missing_datasets=frozenset(missing_datasets),
        jobs=jobs,
        missing_jobs=frozenset(missing_jobs),
        new_jobs=tuple(new_jobs),
        merge_policies=merge_policies,
        merge_policy_versions=versions,
        segments=segments,
        record_problems=problems,
    )


def _references(
    client: PlatformClient, desired: Desired | None
) -> tuple[frozenset[str] | None, dict[str, float], frozenset[str] | None]:
    """The merge policy ids (with their latest versions) and segment ids the declarations may name."""
    if desired is None:
        return None, {}, None
    exports = desired.exports.values()
    policies = segments = None
    versions: dict[str, float] = {}
    if any(e.merge_policy_id for e in exports):
        listed = client.list_merge_policies()
        policies = frozenset(p.id for p in listed)
        versions = {p.id: p.version for p in listed if p.version is not None}
    if any(e.segment_ids for e in exports):
        segments = frozenset(s.id for s in client.list_segment_definitions())
    return policies, versions, segments


KeyFilter = Callable[[str], bool]
"""Which export keys a selected command records outcomes for (None: every key)."""


def _judge(record: ExportRecord, run: RunRecord) -> None:
    """A SUCCEEDED run against the expectations declared when it started (state keeps that declaration)."""
    expectations = Expectations.from_declaration(record.spec.declared())
    breaches = expectations.run_breaches(run) if expectations is not None else []
    if breaches:
        record.record_breaches(run, breaches)


def record_outcomes(
    state: StateDocument, snapshot: LiveSnapshot, now: datetime, *, only: KeyFilter | None = None
) -> tuple[list[RefreshOutcome], bool]:
    """Update ``state`` in place from the snapshot; returns the finished runs recorded and whether
    anything changed (statuses of still-running jobs included). A SUCCEEDED run is judged against its
    export's expectations; ``only`` leaves the other exports untouched."""
    outcomes: list[RefreshOutcome] = []
    changed = False
    for key, record in sorted(state.exports.items()):
        if only is not None and not only(key):
            continue
        for run in record.runs:
            if not run.unfinished or run.job_id is None:
                continue
            if run.job_id in snapshot.missing_jobs:
                record.mark_missing(run, now)
            else:
                job = snapshot.jobs.get(run.job_id)
                if job is None:
                    continue
                if not job.finished:
                    changed = record.observe(run, job) or changed
                    continue
                record.finish_run(run, job, now)
                _judge(record, run)
            changed = True
            outcomes.append(
                RefreshOutcome(
                    key=key,
                    job_id=run.job_id,
                    status=run.status,
                    slot=run.slot,
                    window_from=run.window_from,
                    window_to=run.window_to,
                    note=run.note,
                    breaches=tuple(run.breaches),
                )
            )
    return outcomes, changed


def refresh_in_memory(
    client: PlatformClient,
    doc: StateDocument,
    desired: Desired | None,
    now: datetime,
    *,
    only: KeyFilter | None = None,
) -> RefreshResult:
    """Refresh ``doc`` in memory only (``plan``, ``drift``): no lock, nothing written anywhere."""
    snapshot = read_live(client, doc, desired, now)
    outcomes, _ = record_outcomes(doc, snapshot, now, only=only)
    return RefreshResult(doc, snapshot, tuple(outcomes), written=False)


def refresh(
    client: PlatformClient,
    backend: StateBackend,
    desired: Desired | None,
    now: datetime,
    *,
    write: bool = True,
    lock_timeout: float = 0.0,
    command: str = "refresh",
    only: KeyFilter | None = None,
) -> RefreshResult:
    """Read the platform and record outcomes; with ``write=False`` (drift) state is only updated in memory.

    ``only``: the export keys whose outcomes are recorded (a selected command leaves the others as
    they are)."""
    if not write:
        return refresh_in_memory(client, backend.read(), desired, now, only=only)
    with backend.lock(timeout=lock_timeout, command=command):
        doc = backend.read()
        snapshot = read_live(client, doc, desired, now)
        outcomes, changed = record_outcomes(doc, snapshot, now, only=only)
        stale = doc.last_refresh is None or now - doc.last_refresh > RECORD_REFRESH_AFTER
        written = False
        if changed or (stale and not doc.is_empty):
            doc.mark_refreshed(now)
            backend.write(doc, expected_serial=doc.serial)
            written = True
        elif doc.last_refresh is None or now > doc.last_refresh:
            # Not worth a write (and a new serial, which would stale saved plans) of its own, but the
            # refresh did happen: the next write of this document (apply's first intent) records it.
            doc.mark_refreshed(now)
        return RefreshResult(doc, snapshot, tuple(outcomes), written=written)
