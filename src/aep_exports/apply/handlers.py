"""One function per plan action kind that changes a dataset or a job (runs are in :mod:`apply.runs`).

Each writes its intent, sends its request(s), then records the result and resolves the intent in one
commit, and returns a short description for the summary. A request the platform refused (a definite
error: it changed nothing) resolves the intent with the error and raises; a request whose answer was
lost (``AmbiguousWriteError``) leaves the intent open for recovery to settle, and raises.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aep_exports.apply.ledger import Ledger
from aep_exports.errors import AmbiguousWriteError, ApiError, NotFoundError
from aep_exports.reconcile.adoption import read_back
from aep_exports.state.model import Intent, RunStatus, StateDocument

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
    action: CreateDataset | UpdateDataset | ReplaceDataset | DeleteDataset | CancelJob,
    body: dict[str, Any],
    result: dict[str, Any] | None = None,
) -> Intent:
    intent = Intent(
        kind=action.kind,
        resource=action.resource,
        key=action.key,
        request_body=body,
        started_at=clock(),
        result=dict(result or {}),
    )
    ledger.commit(lambda doc: doc.add_intent(intent))
    return intent


@contextlib.contextmanager
def _refusal_resolves(
    ledger: Ledger, intent: Intent, clock: Clock, on_refusal: Callable[[StateDocument], None] | None = None
) -> Iterator[None]:
    """A definite error resolves ``intent`` with it (after ``on_refusal``); a lost answer keeps it open."""
    try:
        yield
    except AmbiguousWriteError:
        raise  # recovery settles it: it looks on the platform for what the request may have done
    except ApiError as exc:
        why = str(exc)

        def refused(doc: StateDocument) -> None:
            if on_refusal is not None:
                on_refusal(doc)
            doc.resolve_intent(intent.id, at=clock(), result={"error": why})

        ledger.commit(refused)
        raise


def create_dataset(
    ledger: Ledger, client: PlatformClient, action: CreateDataset, ids: DatasetIds, clock: Clock
) -> str:
    """POST the dataset, record its id under the key."""
    intent = _intent(ledger, clock, action, action.body, {"spec": action.spec.model_dump(mode="json")})
    with _refusal_resolves(ledger, intent, clock):
        dataset_id = client.create_dataset(action.body)
    _record_dataset(ledger, intent, action, dataset_id, clock)
    ids.set(action.key, dataset_id)
    return f"created dataset {dataset_id}"


def _record_dataset(
    ledger: Ledger, intent: Intent, action: CreateDataset | ReplaceDataset, dataset_id: str, clock: Clock
) -> None:
    def record(doc: StateDocument) -> None:
        now = clock()
        doc.record_dataset(action.key, dataset_id, action.spec, created_at=now)
        doc.resolve_intent(intent.id, at=now, result={"dataset_id": dataset_id})

    ledger.commit(record)


def update_dataset(ledger: Ledger, client: PlatformClient, action: UpdateDataset, clock: Clock) -> str:
    """PATCH name/description/tags, record the spec applied (state only when the patch is empty)."""
    if not action.patch:
        ledger.commit(lambda doc: doc.record_dataset_spec(action.key, action.spec))
        return "recorded the new declaration (the platform already had it)"
    intent = _intent(ledger, clock, action, action.patch, {"dataset_id": action.dataset_id})
    with _refusal_resolves(ledger, intent, clock):
        client.patch_dataset(action.dataset_id, action.patch)

    def record(doc: StateDocument) -> None:
        doc.record_dataset_spec(action.key, action.spec)
        doc.resolve_intent(intent.id, at=clock(), result={"dataset_id": action.dataset_id})

    ledger.commit(record)
    return f"updated {', '.join(sorted(action.patch))}"


def replace_dataset(
    ledger: Ledger, client: PlatformClient, action: ReplaceDataset, ids: DatasetIds, clock: Clock
) -> str:
    """DELETE the old dataset (already gone is fine), POST the new one, record the new id."""
    old = action.old_dataset_id
    intent = _intent(
        ledger,
        clock,
        action,
        action.body,
        {"spec": action.spec.model_dump(mode="json"), "old_dataset_id": old},
    )
    with _refusal_resolves(ledger, intent, clock), contextlib.suppress(NotFoundError):
        client.delete_dataset(old)  # already gone is fine: the replacement is still wanted

    def old_is_gone(doc: StateDocument) -> None:
        doc.drop_dataset(action.key, old)

    # The old dataset is deleted now: if the new one is refused, state must not keep the old id.
    with _refusal_resolves(ledger, intent, clock, on_refusal=old_is_gone):
        dataset_id = client.create_dataset(action.body)
    _record_dataset(ledger, intent, action, dataset_id, clock)
    ids.set(action.key, dataset_id)
    return f"replaced dataset {old} with {dataset_id}"


def delete_dataset(ledger: Ledger, client: PlatformClient, action: DeleteDataset, clock: Clock) -> str:
    """DELETE the dataset (already gone is fine) and drop it from state."""
    intent = _intent(ledger, clock, action, {}, {"dataset_id": action.dataset_id})
    with _refusal_resolves(ledger, intent, clock):
        try:
            client.delete_dataset(action.dataset_id)
            how = f"deleted dataset {action.dataset_id}"
        except NotFoundError:
            how = f"dataset {action.dataset_id} was already gone"

    def record(doc: StateDocument) -> None:
        doc.drop_dataset(action.key, action.dataset_id)
        doc.resolve_intent(intent.id, at=clock(), result={"dataset_id": action.dataset_id, "deleted": True})

    ledger.commit(record)
    return how


def cancel_job(ledger: Ledger, client: PlatformClient, action: CancelJob, clock: Clock) -> str:
    """DELETE the job, then record what it reads back as (cancelling is asynchronous on the platform)."""
    intent = _intent(ledger, clock, action, {}, {"job_id": action.job_id, "cause": action.cause})
    gone = False
    with _refusal_resolves(ledger, intent, clock):
        try:
            client.cancel_export_job(action.job_id)
        except NotFoundError:
            gone = True
    status = RunStatus.MISSING if gone else read_back(client, action.job_id)

    def record(doc: StateDocument) -> None:
        now = clock()
        export = doc.exports.get(action.key)
        if export is not None:
            export.record_cancel(action.job_id, cause=action.cause, read_back=status, now=now)
        word = status.value if status is not None else None
        doc.resolve_intent(intent.id, at=now, result={"job_id": action.job_id, "status": word})

    ledger.commit(record)
    reads = f"it reads back {status}" if status is not None else "reading it back failed"
    return f"cancelled job {action.job_id} ({action.cause}); {reads}"


def forget(ledger: Ledger, action: Forget) -> str:
    """Drop the key from state (and its open intents); the platform is not touched."""
    ledger.commit(lambda doc: doc.forget(action.resource, action.key))
    return f"forgot {action.resource} {action.key} (the platform keeps it)"
