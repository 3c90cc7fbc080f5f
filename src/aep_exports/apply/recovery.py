"""Resolve write-ahead intents left without a result (a crash, a lost answer) before planning again.

For every open intent:

- ``run_export``: the jobs created since the intent started are listed once (newest first, paging
  stops at the oldest open intent) and ``apply.matching.choose_jobs`` decides which is the intent's job
  (adopted), which are extras it made (cancelled and recorded) and which look-alikes are someone
  else's (left alone). No job: the request never arrived, the run is dropped and the export is due again.
- ``create_dataset``/``replace_dataset``: a dataset with the body's name created since the intent
  started, not managed yet, is adopted; none: nothing was created.
- ``delete_dataset``: if the dataset is gone, it leaves state.
- ``cancel_job``: a job that reads as stopped (CANCELLED, FAILED or gone: what a cancelled job reads as
  depends on the platform) is recorded as cancelled by aep-exports, so its end is not taken for an
  outside change; one still running is left to the next plan.
- ``update_dataset``: repeating it is harmless; the next plan decides.

Call :func:`recover_intents` at the start of every command that plans or writes (apply, plan,
refresh).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, assert_never

from aep_exports.apply.console import Console
from aep_exports.apply.handlers import read_back
from aep_exports.apply.ledger import Ledger
from aep_exports.apply.matching import list_jobs_since
from aep_exports.apply.runs import adopt_existing, drop_unsent
from aep_exports.errors import NotFoundError
from aep_exports.plan.live import CLOCK_SKEW
from aep_exports.state.model import AppliedDataset, Intent, RunStatus, StateDocument

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import ExportJob
    from aep_exports.state.backend import StateBackend

Clock = Callable[[], datetime]


@dataclass
class RecoveryReport:
    """What recovery found: one line per resolved intent."""

    lines: list[str] = field(default_factory=list)

    @property
    def resolved(self) -> int:
        """How many intents were resolved."""
        return len(self.lines)


def recover_intents(
    state: StateBackend | Ledger,
    client: PlatformClient,
    now: datetime | Clock,
    *,
    lock_timeout: float = 0.0,
    console: Console | None = None,
    only: Callable[[str, str], bool] | None = None,
) -> RecoveryReport:
    """Resolve every open intent of ``state`` against the platform; writes state only if there were some.

    ``state``: a backend (its lock is taken for the duration) or apply's :class:`Ledger` (already locked).
    ``only(resource, key)``: the intents a selected command may resolve (None: all of them).
    """
    clock: Clock = now if callable(now) else (lambda: now)
    if isinstance(state, Ledger):
        return _recover(state, client, clock, console, only)
    if not state.read().open_intents():
        return RecoveryReport()
    with state.lock(timeout=lock_timeout, command="recover"):
        return _recover(Ledger(state), client, clock, console, only)


def _recover(
    ledger: Ledger,
    client: PlatformClient,
    clock: Clock,
    console: Console | None,
    only: Callable[[str, str], bool] | None = None,
) -> RecoveryReport:
    report = RecoveryReport()
    intents = ledger.read(
        lambda doc: [
            i.model_copy(deep=True)
            for i in doc.open_intents()
            if only is None or only(i.resource, i.key)
        ]
    )
    if not intents:
        return report
    runs = [i for i in intents if i.kind == "run_export"]
    jobs = list_jobs_since(client, min(i.started_at for i in runs)) if runs else []
    for intent in intents:
        line = _recover_one(ledger, client, intent, clock, jobs)
        report.lines.append(line)
        if console is not None:
            console.line(f"Recovered: {line}")
    return report


def _recover_one(
    ledger: Ledger, client: PlatformClient, intent: Intent, clock: Clock, jobs: list[ExportJob]
) -> str:
    kind = intent.kind
    match kind:
        case "run_export":
            return _recover_run(ledger, client, intent, clock, jobs)
        case "create_dataset" | "replace_dataset":
            return _recover_dataset(ledger, client, intent, clock)
        case "delete_dataset":
            return _recover_delete(ledger, client, intent, clock)
        case "cancel_job":
            return _recover_cancel(ledger, client, intent, clock)
        case "update_dataset":
            left = {"outcome": "left to the next plan"}
            ledger.commit(lambda doc: doc.resolve_intent(intent.id, at=clock(), result=left))
            return f"{kind} {intent.key}: interrupted; the next plan repeats it if still needed"
        case _:
            assert_never(kind)


def _recover_run(
    ledger: Ledger, client: PlatformClient, intent: Intent, clock: Clock, jobs: list[ExportJob]
) -> str:
    known = ledger.read(lambda doc: _known_job(doc, intent))
    if known is not None:
        ledger.commit(lambda doc: doc.resolve_intent(intent.id, at=clock(), result={"job_id": known}))
        return f"export {intent.key}: job {known} was already recorded"
    adopted = adopt_existing(ledger, client, intent, clock, spec=None, jobs=jobs)
    if adopted is not None:
        return f"export {intent.key}: {adopted.describe()}"
    ledger.commit(lambda doc: drop_unsent(doc, intent=intent, now=clock(), why="no job was created"))
    return f"export {intent.key}: its job was never created; the run is due again"


def _known_job(doc: StateDocument, intent: Intent) -> int | None:
    record = doc.exports.get(intent.key)
    run = record.find_run(intent_id=intent.id) if record is not None else None
    return run.job_id if run is not None else None


def _recover_dataset(ledger: Ledger, client: PlatformClient, intent: Intent, clock: Clock) -> str:
    name = intent.request_body.get("name")
    managed = ledger.read(lambda doc: {r.id for r in doc.datasets.values()})
    cutoff = intent.started_at - CLOCK_SKEW
    candidates = [
        d
        for d in client.list_datasets(name=name)
        if isinstance(name, str) and d.id not in managed and (d.created_at is None or d.created_at >= cutoff)
    ]
    candidates.sort(key=lambda d: (d.created or 0, d.id))
    spec = AppliedDataset.model_validate(intent.result.get("spec") or {})
    if candidates:
        found = candidates[0]

        def adopt(doc: StateDocument) -> None:
            doc.record_dataset(intent.key, found.id, spec, created_at=found.created_at or clock())
            doc.resolve_intent(intent.id, at=clock(), result={"dataset_id": found.id, "adopted": True})

        ledger.commit(adopt)
        return f"dataset {intent.key}: adopted dataset {found.id} (its create answer was lost)"
    ledger.commit(lambda doc: doc.resolve_intent(intent.id, at=clock(), result={"dataset_id": None}))
    return f"dataset {intent.key}: it was never created; the next plan creates it"


def _recover_delete(ledger: Ledger, client: PlatformClient, intent: Intent, clock: Clock) -> str:
    dataset_id = str(intent.result.get("dataset_id") or "")
    gone = False
    if dataset_id:
        try:
            client.get_dataset(dataset_id)
        except NotFoundError:
            gone = True

    def resolve(doc: StateDocument) -> None:
        if gone:
            doc.drop_dataset(intent.key, dataset_id)
        doc.resolve_intent(intent.id, at=clock(), result={"dataset_id": dataset_id, "deleted": gone})

    ledger.commit(resolve)
    return f"dataset {intent.key}: " + ("deleted" if gone else "still there; the next plan decides")


def _recover_cancel(ledger: Ledger, client: PlatformClient, intent: Intent, clock: Clock) -> str:
    job_id = int(intent.result.get("job_id") or 0)
    cause = str(intent.result.get("cause") or "interrupted")
    status = read_back(client, job_id)

    stopped = status in (RunStatus.CANCELLED, RunStatus.FAILED, RunStatus.MISSING)

    def resolve(doc: StateDocument) -> None:
        now = clock()
        export = doc.exports.get(intent.key)
        if export is not None and stopped:
            export.record_cancel(job_id, cause=cause, read_back=status, now=now)
        word = status.value if status is not None else None
        doc.resolve_intent(intent.id, at=now, result={"job_id": job_id, "status": word})

    ledger.commit(resolve)
    if stopped:
        return f"export {intent.key}: job {job_id} was cancelled ({cause}); it reads back {status}"
    return f"export {intent.key}: cancelling job {job_id} was interrupted; the next plan decides"
