"""What each write-ahead intent left open (a crash, a lost answer) resolves to: the *decision* half of
recovery, from reads only. ``plan`` and ``drift`` apply it to their in-memory state
(:func:`preview_recovery`); ``apply`` and ``refresh`` carry it out (``apply.recovery``). Per intent kind:

- ``run_export``: the jobs created since the intent started are listed once (newest first, paging
  stops at the oldest open intent) and ``reconcile.matching.choose_jobs`` decides which is the intent's
  job (adopted; never one another run tracks or one state recorded as an out-of-band finding), which
  are extras it made (to cancel, then recorded) and which look-alikes are someone else's (left alone).
  No job: the request never arrived, the run is dropped and the export is due again.
- ``create_dataset``/``replace_dataset``: a dataset with the body's name created since the intent
  started, not managed yet, is adopted; none: nothing was created.
- ``delete_dataset``: if the dataset is gone, it leaves state.
- ``cancel_job``: a job that reads as stopped (CANCELLED, FAILED or gone: what a cancelled job reads as
  depends on the platform) is recorded as cancelled by aep-exports, so its end is not taken for an
  outside change; one still running is left to the next plan.
- ``update_dataset``: repeating it is harmless; the next plan decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, assert_never

from aep_exports.errors import NotFoundError
from aep_exports.plan.live import CLOCK_SKEW
from aep_exports.reconcile.adoption import drop_unsent, read_back, record_adoption
from aep_exports.reconcile.matching import choose_jobs, list_jobs_since
from aep_exports.state.model import AppliedDataset, Intent, RunStatus, StateDocument

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import Dataset, ExportJob

IntentFilter = Callable[[str, str], bool]
Outcome = Literal[
    "known", "adopt", "drop", "adopt_dataset", "not_created", "deleted", "still_there", "cancelled",
    "cancel_unsure", "left",
]
_STOPPED = (RunStatus.CANCELLED, RunStatus.FAILED, RunStatus.MISSING)


@dataclass(frozen=True)
class Resolution:
    """What one open intent resolves to, decided from reads only (see the module docstring)."""

    intent: Intent
    outcome: Outcome
    job: ExportJob | None = None
    known_job: int | None = None
    extras: tuple[ExportJob, ...] = ()
    foreign: tuple[ExportJob, ...] = ()
    dataset: Dataset | None = None
    status: RunStatus | None = None

    @property
    def to_cancel(self) -> tuple[int, ...]:
        """The extras still running: executing this resolution sends them a DELETE."""
        return tuple(extra.id for extra in self.extras if not extra.is_finished)

    def record(self, doc: StateDocument, now: datetime, cancelled: set[int]) -> None:
        """The state change this resolution makes (``cancelled``: the extras a DELETE was sent to)."""
        intent = self.intent
        match self.outcome:
            case "known":
                doc.resolve_intent(intent.id, at=now, result={"job_id": self.known_job})
            case "adopt":
                assert self.job is not None
                record_adoption(
                    doc, intent, self.job, list(self.extras), now,
                    spec=None, adopted=True, cancelled=cancelled,
                )
            case "drop":
                drop_unsent(doc, intent=intent, now=now, why="no job was created")
            case "adopt_dataset":
                found = self.dataset
                assert found is not None
                spec = AppliedDataset.model_validate(intent.result.get("spec") or {})
                doc.record_dataset(intent.key, found.id, spec, created_at=found.created_at or now)
                doc.resolve_intent(intent.id, at=now, result={"dataset_id": found.id, "adopted": True})
            case "not_created":
                doc.resolve_intent(intent.id, at=now, result={"dataset_id": None})
            case "deleted" | "still_there":
                dataset_id = self._dataset_id
                if self.outcome == "deleted":
                    doc.drop_dataset(intent.key, dataset_id)
                result = {"dataset_id": dataset_id, "deleted": self.outcome == "deleted"}
                doc.resolve_intent(intent.id, at=now, result=result)
            case "cancelled" | "cancel_unsure":
                export = doc.exports.get(intent.key)
                if export is not None and self.outcome == "cancelled":
                    export.record_cancel(self._job_id, cause=self._cause, read_back=self.status, now=now)
                word = self.status.value if self.status is not None else None
                doc.resolve_intent(intent.id, at=now, result={"job_id": self._job_id, "status": word})
            case "left":
                doc.resolve_intent(intent.id, at=now, result={"outcome": "left to the next plan"})
            case _:
                assert_never(self.outcome)

    def describe(self, *, done: bool = True) -> str:
        """One line: what was done (``done``) or what the next apply or refresh will do."""
        intent, key = self.intent, self.intent.key
        match self.outcome:
            case "known":
                return f"export {key}: job {self.known_job} " + (
                    "was already recorded" if done else "is already recorded; its intent will be closed"
                )
            case "adopt":
                assert self.job is not None
                text = (
                    f"adopted job {self.job.id} (its answer was lost)"
                    if done
                    else f"will adopt job {self.job.id} (its create answer was lost)"
                )
                if self.extras:
                    ids = ", ".join(str(e.id) for e in self.extras)
                    text += (f"; cancelled duplicate job(s) {ids}" if done
                             else f"; will cancel extra job(s) {ids}")
                if self.foreign:
                    ids = ", ".join(str(f.id) for f in self.foreign)
                    text += f"; left job(s) {ids} alone: they look the same but were not started by this run"
                return f"export {key}: {text}"
            case "drop":
                return f"export {key}: its job was never created; the run " + (
                    "is due again" if done else "will be dropped and is due again"
                )
            case "adopt_dataset":
                assert self.dataset is not None
                verb = "adopted" if done else "will adopt"
                return f"dataset {key}: {verb} dataset {self.dataset.id} (its create answer was lost)"
            case "not_created":
                return f"dataset {key}: it was never created; the next plan creates it"
            case "deleted":
                return f"dataset {key}: " + ("deleted" if done else "deleted; will leave state")
            case "still_there":
                return f"dataset {key}: still there; the next plan decides"
            case "cancelled":
                verb = "was cancelled" if done else "will be recorded as cancelled"
                return f"export {key}: job {self._job_id} {verb} ({self._cause}); it reads back {self.status}"
            case "cancel_unsure":
                return f"export {key}: cancelling job {self._job_id} was interrupted; the next plan decides"
            case "left":
                return f"{intent.kind} {key}: interrupted; the next plan repeats it if still needed"
            case _:
                assert_never(self.outcome)

    @property
    def _dataset_id(self) -> str:
        return str(self.intent.result.get("dataset_id") or "")

    @property
    def _job_id(self) -> int:
        return int(self.intent.result.get("job_id") or 0)

    @property
    def _cause(self) -> str:
        return str(self.intent.result.get("cause") or "interrupted")


def decide_recovery(
    doc: StateDocument, client: PlatformClient, *, only: IntentFilter | None = None
) -> list[Resolution]:
    """What each open intent of ``doc`` resolves to; reads the platform, writes nothing anywhere.

    ``only(resource, key)``: the intents a selected command may resolve (None: all of them).
    """
    intents = [
        i.model_copy(deep=True) for i in doc.open_intents() if only is None or only(i.resource, i.key)
    ]
    if not intents:
        return []
    runs = [i for i in intents if i.kind == "run_export"]
    jobs = list_jobs_since(client, min(i.started_at for i in runs)) if runs else []
    tracked = doc.job_requests()  # grows as intents adopt jobs: a job is never adopted twice
    claimed: set[str] = {r.id for r in doc.datasets.values()}
    decisions: list[Resolution] = []
    for intent in intents:
        decision = _decide_one(doc, client, intent, jobs, tracked, claimed)
        if decision.job is not None:
            tracked[decision.job.id] = intent.id
            for extra in decision.extras:
                tracked[extra.id] = intent.id
        if decision.dataset is not None:
            claimed.add(decision.dataset.id)
        decisions.append(decision)
    return decisions


def _decide_one(
    doc: StateDocument,
    client: PlatformClient,
    intent: Intent,
    jobs: list[ExportJob],
    tracked: dict[int, str],
    claimed: set[str],
) -> Resolution:
    kind = intent.kind
    match kind:
        case "run_export":
            known = _known_job(doc, intent)
            if known is not None:
                return Resolution(intent, "known", known_job=known)
            choice = choose_jobs(intent, jobs, tracked, doc.outside_job_ids())
            if choice.keep is None:
                return Resolution(intent, "drop")
            return Resolution(intent, "adopt", job=choice.keep, extras=choice.extras, foreign=choice.foreign)
        case "create_dataset" | "replace_dataset":
            name = intent.request_body.get("name")
            cutoff = intent.started_at - CLOCK_SKEW
            candidates = [
                d
                for d in (client.list_datasets(name=name) if isinstance(name, str) else [])
                if d.id not in claimed and (d.created_at is None or d.created_at >= cutoff)
            ]
            candidates.sort(key=lambda d: (d.created or 0, d.id))
            if candidates:
                return Resolution(intent, "adopt_dataset", dataset=candidates[0])
            return Resolution(intent, "not_created")
        case "delete_dataset":
            dataset_id = str(intent.result.get("dataset_id") or "")
            gone = False
            if dataset_id:
                try:
                    client.get_dataset(dataset_id)
                except NotFoundError:
                    gone = True
            return Resolution(intent, "deleted" if gone else "still_there")
        case "cancel_job":
            status = read_back(client, int(intent.result.get("job_id") or 0))
            return Resolution(intent, "cancelled" if status in _STOPPED else "cancel_unsure", status=status)
        case "update_dataset":
            return Resolution(intent, "left")
        case _:
            assert_never(kind)


def _known_job(doc: StateDocument, intent: Intent) -> int | None:
    record = doc.exports.get(intent.key)
    run = record.find_run(intent_id=intent.id) if record is not None else None
    return run.job_id if run is not None else None


def preview_recovery(doc: StateDocument, decisions: list[Resolution], now: datetime) -> list[str]:
    """Apply ``decisions`` to ``doc`` in memory, as executing them would (extras counted as cancelled);
    returns what the next apply or refresh will do, one line each. Nothing is sent or written."""
    for decision in decisions:
        decision.record(doc, now, set(decision.to_cancel))
    return [decision.describe(done=False) for decision in decisions]


