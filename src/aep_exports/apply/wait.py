"""``apply --wait``: follow unfinished runs to the end, recording each outcome as it arrives.

Polls the unfinished jobs by id (one concurrent bulk read per round, through the limiter), with a
growing interval, and records what it sees with the refresh's own :func:`record_outcomes` (a running job's
status; a finished one's status, batches, metrics, errors, watermark), so a waited run and a refreshed run
are recorded identically, and the progress line (read from state) shows each status as it happens.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from aep_exports.apply.console import Console
from aep_exports.apply.ledger import Ledger
from aep_exports.errors import ApiError, NotFoundError
from aep_exports.plan.live import LiveJob, LiveSnapshot
from aep_exports.plan.model import RefreshOutcome
from aep_exports.reconcile.refresh import live_job, record_outcomes
from aep_exports.state.model import StateDocument

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient


@dataclass
class WaitResult:
    """The outcomes recorded while waiting and the runs still unfinished when it stopped."""

    outcomes: list[RefreshOutcome] = field(default_factory=list)
    unfinished: list[int] = field(default_factory=list)
    timed_out: bool = False


def _status_counts(doc: StateDocument, job_ids: set[int]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for record in doc.exports.values():
        for run in record.runs:
            if run.job_id in job_ids:
                counts[run.status] += 1
    return dict(counts)


def wait_for_runs(
    ledger: Ledger,
    client: PlatformClient,
    clock: Callable[[], datetime],
    console: Console,
    *,
    job_ids: list[int] | None = None,
    timeout: float | None = None,
    first_poll: float = 0.2,
    max_poll: float = 5.0,
) -> WaitResult:
    """Poll until every followed run finished (or ``timeout`` seconds passed); record outcomes on arrival."""
    followed = set(job_ids if job_ids is not None else ledger.read(StateDocument.unfinished_job_ids))
    result = WaitResult()
    started = time.monotonic()
    interval = first_poll
    pending = set(followed)
    while pending:
        answers = client.get_export_jobs(sorted(pending))
        jobs: dict[int, LiveJob] = {}
        missing: set[int] = set()
        for job_id, got in answers.items():
            if isinstance(got, NotFoundError):
                missing.add(job_id)
            elif isinstance(got, ApiError):
                continue  # a transient failure: ask again next round
            else:
                jobs[job_id] = live_job(got)
        seen = LiveSnapshot(read_at=clock(), jobs=jobs, missing_jobs=frozenset(missing))
        # Every change is recorded, a run that went PROCESSING too: the progress line reads state.
        outcomes = ledger.commit_changes(lambda doc: record_outcomes(doc, seen, clock()))  # noqa: B023
        result.outcomes.extend(o for o in outcomes if o.job_id in followed)
        pending = {j for j in pending if j not in missing and not (j in jobs and jobs[j].finished)}
        elapsed = time.monotonic() - started
        console.waiting(ledger.read(lambda doc: _status_counts(doc, followed)), elapsed)
        if not pending:
            break
        if timeout is not None and elapsed >= timeout:
            result.timed_out = True
            break
        time.sleep(interval)
        interval = min(max_poll, interval * 1.5)
    console.done_waiting()
    result.unfinished = sorted(pending)
    return result
