"""One function per plan action kind (runs are in :mod:`aep_exports.apply.runs`).

Each writes its intent, sends its request(s), then records the result and resolves the intent in one
commit; each returns a short description for the summary and raises ``ApiError`` when it failed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aep_exports.apply.ledger import Ledger
from aep_exports.errors import AmbiguousWriteError, ApiError, NotFoundError
from aep_exports.state.model import DatasetRecord, Intent, RunStatus, StateDocument

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.plan.actions import (
        CancelJob,
        CreateDataset,
        DeleteDataset,
        Forget,
        ReplaceDataset,
        UpdateDataset,
    )

Clock = Callable[[], datetime]


class DatasetIds:
    """Dataset key → platform id, filled in as datasets are created (thread-safe)."""

    def __init__(self, initial: dict[str, str]) -> None:
        self._ids = dict(initial)
        self._guard = threading.Lock()

    def set(self, key: str, dataset_id: str) -> None:
        with self._guard:
            self._ids[key] = dataset_id

    def snapshot(self) -> dict[str, str]:
        with self._guard:
            return dict(self._ids)


def _intent(
    ledger: Ledger,
    clock: Clock,
    kind: str,
    key: str,
    body: dict[str, Any],
    result: dict[str, Any] | None = None,
) -> Intent:
    intent = Intent(
        kind=kind,
        resource="dataset" if kind.endswith("dataset") else "export",
        key=key,
        request_body=body,
        started_at=clock(),
        result=dict(result or {}),
    )
    ledger.commit(lambda doc: doc.add_intent(intent))
    return intent


def create_dataset(
    ledger: Ledger,
    client: PlatformClient,
    action: CreateDataset,
    ids: DatasetIds,
    clock: Clock,
    *,
    sandbox: str | None = None,
) -> str:
    """POST the dataset, record its id under the key."""
    intent = _intent(ledger, clock, "create_dataset", action.key, action.body, {"spec": action.spec})
    try:
        dataset_id = client.create_dataset(action.body, sandbox=sandbox)
    except AmbiguousWriteError:
        raise  # the intent stays open: recovery looks for the dataset by name before creating another
    except ApiError as exc:
        why = str(exc)
        ledger.commit(lambda doc: doc.resolve_intent(intent.id, at=clock(), result={"error": why}))
        raise
    _record_dataset(ledger, intent, action.key, dataset_id, action.spec, clock)
    ids.set(action.key, dataset_id)
    return f"created dataset {dataset_id}"


def _record_dataset(
    ledger: Ledger, intent: Intent, key: str, dataset_id: str, spec: dict[str, Any], clock: Clock
) -> None:
    def record(doc: StateDocument) -> None:
        now = clock()
        doc.datasets[key] = DatasetRecord(id=dataset_id, spec=spec, created_at=now)
        doc.resolve_intent(intent.id, at=now, result={"dataset_id": dataset_id})

    ledger.commit(record)


def update_dataset(
    ledger: Ledger, client: PlatformClient, action: UpdateDataset, clock: Clock, *, sandbox: str | None = None
) -> str:
    """PATCH name/description/tags, record the spec applied."""
    intent = _intent(ledger, clock, "update_dataset", action.key, action.patch)
    client.patch_dataset(action.dataset_id, action.patch, sandbox=sandbox)

    def record(doc: StateDocument) -> None:
        current = doc.datasets.get(action.key)
        if current is not None:
            current.spec = dict(action.spec)
        doc.resolve_intent(intent.id, at=clock(), result={"dataset_id": action.dataset_id})

    ledger.commit(record)
    return f"updated {', '.join(sorted(action.patch))}"


def replace_dataset(
    ledger: Ledger,
    client: PlatformClient,
    action: ReplaceDataset,
    ids: DatasetIds,
    clock: Clock,
    *,
    sandbox: str | None = None,
) -> str:
    """DELETE the old dataset (already gone is fine), POST the new one, record the new id."""
    intent = _intent(
        ledger,
        clock,
        "replace_dataset",
        action.key,
        action.body,
        {"spec": action.spec, "old_dataset_id": action.old_dataset_id},
    )
    with contextlib.suppress(NotFoundError):
        client.delete_dataset(action.old_dataset_id, sandbox=sandbox)
    dataset_id = client.create_dataset(action.body, sandbox=sandbox)
    _record_dataset(ledger, intent, action.key, dataset_id, action.spec, clock)
    ids.set(action.key, dataset_id)
    return f"replaced dataset {action.old_dataset_id} with {dataset_id}"


def delete_dataset(
    ledger: Ledger, client: PlatformClient, action: DeleteDataset, clock: Clock, *, sandbox: str | None = None
) -> str:
    """DELETE the dataset (already gone is fine) and drop it from state."""
    intent = _intent(ledger, clock, "delete_dataset", action.key, {}, {"dataset_id": action.dataset_id})
    try:
        client.delete_dataset(action.dataset_id, sandbox=sandbox)
        how = f"deleted dataset {action.dataset_id}"
    except NotFoundError:
        how = f"dataset {action.dataset_id} was already gone"

    def record(doc: StateDocument) -> None:
        current = doc.datasets.get(action.key)
        if current is not None and current.id == action.dataset_id:
            del doc.datasets[action.key]
        doc.resolve_intent(intent.id, at=clock(), result={"dataset_id": action.dataset_id, "deleted": True})

    ledger.commit(record)
    return how


def cancel_job(
    ledger: Ledger, client: PlatformClient, action: CancelJob, clock: Clock, *, sandbox: str | None = None
) -> str:
    """DELETE the job, then record what it reads back as (cancelling is asynchronous on the platform)."""
    intent = _intent(ledger, clock, "cancel_job", action.key, {}, {"job_id": action.job_id})
    status: str | None = None
    try:
        client.cancel_export_job(action.job_id, sandbox=sandbox)
        job = client.get_export_job(action.job_id, sandbox=sandbox)
        status = job.status.upper()
    except NotFoundError:
        status = RunStatus.MISSING

    def record(doc: StateDocument) -> None:
        now = clock()
        export = doc.exports.get(action.key)
        run = export.find_run(job_id=action.job_id) if export is not None else None
        if run is not None:
            run.cancelled_by_tool = True
            run.note = f"cancelled by aep-exports ({action.cause})"
            if status in (RunStatus.CANCELLED, RunStatus.MISSING):
                run.status, run.finished = status, now
        doc.resolve_intent(intent.id, at=now, result={"job_id": action.job_id, "status": status})

    ledger.commit(record)
    return f"cancelled job {action.job_id} ({action.cause}); it reads back {status}"


def forget(ledger: Ledger, action: Forget, clock: Clock) -> str:
    """Drop the key from state (and its open intents); the platform is not touched."""

    def record(doc: StateDocument) -> None:
        table: dict[str, Any] = doc.exports if action.resource == "export" else doc.datasets
        table.pop(action.key, None)
        for intent in list(doc.intents.values()):
            if intent.key == action.key and intent.resource == action.resource:
                del doc.intents[intent.id]

    ledger.commit(record)
    return f"forgot {action.resource} {action.key} (the platform keeps it)"
