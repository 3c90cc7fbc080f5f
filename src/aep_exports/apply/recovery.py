"""Resolve write-ahead intents left without a result (a crash, a lost answer) before planning again.

For every open intent:

- ``run_export``: the jobs created since the intent started are listed once (newest first, paging
  stops at the oldest open intent) and the job with the same destination and body is adopted; extra
  matches are cancelled and recorded. No match: the request never arrived, the run is dropped and the
  export is due again.
- ``create_dataset``/``replace_dataset``: a dataset with the body's name created since the intent
  started, not managed yet, is adopted; none: nothing was created.
- ``delete_dataset``: if the dataset is gone, it leaves state.
- ``update_dataset``, ``cancel_job``: repeating them is harmless; the next plan decides.

Call :func:`recover_intents` at the start of every command that plans or writes (apply, plan,
refresh).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from aep_exports.apply.console import Console
from aep_exports.apply.ledger import Ledger
from aep_exports.apply.matching import LOOKBACK_MARGIN, list_jobs_since
from aep_exports.apply.runs import adopt_existing, drop_unsent
from aep_exports.errors import NotFoundError
from aep_exports.state.model import DatasetRecord, Intent, StateDocument

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import ExportJob
    from aep_exports.state.backend import StateBackend


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
    now: datetime | Callable[[], datetime],
    *,
    lock_timeout: float = 0.0,
    console: Console | None = None,
    sandbox: str | None = None,
) -> RecoveryReport:
    """Resolve every open intent of ``state`` against the platform; writes state only if there were some.

    ``state``: a backend (its lock is taken for the duration) or apply's :class:`Ledger` (already locked).
    """
    clock: Callable[[], datetime] = now if callable(now) else (lambda: now)
    if isinstance(state, Ledger):
        return _recover(state, client, clock, console, sandbox)
    if not state.read().open_intents():
        return RecoveryReport()
    with state.lock(timeout=lock_timeout, command="recover"):
        return _recover(Ledger(state), client, clock, console, sandbox)


def _recover(
    ledger: Ledger,
    client: PlatformClient,
    clock: Callable[[], datetime],
    console: Console | None,
    sandbox: str | None,
) -> RecoveryReport:
    report = RecoveryReport()
    intents = ledger.read(lambda doc: [i.model_copy(deep=True) for i in doc.open_intents()])
    if not intents:
        return report
    runs = [i for i in intents if i.kind == "run_export"]
    jobs = list_jobs_since(client, min(i.started_at for i in runs), sandbox=sandbox) if runs else []
    for intent in intents:
        if intent.kind == "run_export":
            line = _recover_run(ledger, client, intent, clock, sandbox, jobs)
        elif intent.kind in ("create_dataset", "replace_dataset"):
            line = _recover_dataset(ledger, client, intent, clock, sandbox)
        elif intent.kind == "delete_dataset":
            line = _recover_delete(ledger, client, intent, clock, sandbox)
        else:
            ledger.commit(
                lambda doc, i=intent: doc.resolve_intent(  # type: ignore[misc]
                    i.id, at=clock(), result={"outcome": "left to the next plan"}
                )
            )
            line = f"{intent.kind} {intent.key}: interrupted; the next plan repeats it if still needed"
        report.lines.append(line)
        if console is not None:
            console.line(f"Recovered: {line}")
    return report


def _recover_run(
    ledger: Ledger,
    client: PlatformClient,
    intent: Intent,
    clock: Callable[[], datetime],
    sandbox: str | None,
    jobs: list[ExportJob],
) -> str:
    known = ledger.read(lambda doc: _known_job(doc, intent))
    if known is not None:
        ledger.commit(lambda doc: doc.resolve_intent(intent.id, at=clock(), result={"job_id": known}))
        return f"export {intent.key}: job {known} was already recorded"
    adopted = adopt_existing(ledger, client, intent, clock, spec=None, sandbox=sandbox, jobs=jobs)
    if adopted is not None:
        return f"export {intent.key}: {adopted.describe()}"
    ledger.commit(lambda doc: drop_unsent(doc, intent=intent, now=clock(), why="no job was created"))
    return f"export {intent.key}: its job was never created; the run is due again"


def _known_job(doc: StateDocument, intent: Intent) -> int | None:
    record = doc.exports.get(intent.key)
    run = record.find_run(intent_id=intent.id) if record is not None else None
    return run.job_id if run is not None else None


def _recover_dataset(
    ledger: Ledger, client: PlatformClient, intent: Intent, clock: Callable[[], datetime], sandbox: str | None
) -> str:
    name = intent.request_body.get("name")
    managed = ledger.read(lambda doc: {r.id for r in doc.datasets.values()})
    cutoff = intent.started_at - LOOKBACK_MARGIN
    candidates = [
        d
        for d in client.list_datasets(name=name, sandbox=sandbox)
        if isinstance(name, str) and d.id not in managed and (d.created_at is None or d.created_at >= cutoff)
    ]
    candidates.sort(key=lambda d: (d.created or 0, d.id))
    spec = intent.result.get("spec") if isinstance(intent.result.get("spec"), dict) else {}
    if candidates:
        found = candidates[0]

        def adopt(doc: StateDocument) -> None:
            doc.datasets[intent.key] = DatasetRecord(
                id=found.id, spec=dict(spec or {}), created_at=found.created_at or clock()
            )
            doc.resolve_intent(intent.id, at=clock(), result={"dataset_id": found.id, "adopted": True})

        ledger.commit(adopt)
        return f"dataset {intent.key}: adopted dataset {found.id} (its create answer was lost)"
    ledger.commit(lambda doc: doc.resolve_intent(intent.id, at=clock(), result={"dataset_id": None}))
    return f"dataset {intent.key}: it was never created; the next plan creates it"


def _recover_delete(
    ledger: Ledger, client: PlatformClient, intent: Intent, clock: Callable[[], datetime], sandbox: str | None
) -> str:
    dataset_id = str(intent.result.get("dataset_id") or "")
    gone = False
    if dataset_id:
        try:
            client.get_dataset(dataset_id, sandbox=sandbox)
        except NotFoundError:
            gone = True

    def resolve(doc: StateDocument) -> None:
        record = doc.datasets.get(intent.key)
        if gone and record is not None and record.id == dataset_id:
            del doc.datasets[intent.key]
        doc.resolve_intent(intent.id, at=clock(), result={"dataset_id": dataset_id, "deleted": gone})

    ledger.commit(resolve)
    return f"dataset {intent.key}: " + ("deleted" if gone else "still there; the next plan decides")
