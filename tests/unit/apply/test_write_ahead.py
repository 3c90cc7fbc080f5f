"""The write-ahead protocol, one intent kind at a time, against the in-process local platform.

For every kind of request apply sends (create, update, replace and delete a dataset; run an
export; cancel a job) and every way its answer can go:

- ``ok``: the platform did it and said so: the result is recorded and the intent resolved;
- ``definite``: the platform refused (injected 5xx with no retry left, or a 400): nothing changed on
  the platform, the intent is resolved with the error and state keeps no trace of a change;
- ``ambiguous``: the request may have taken effect without an answer: a POST's lost answer (fault
  ``drop_rate``) leaves the intent open (dataset) or is settled on the spot (run); an idempotent
  request (PATCH, DELETE) is the client's to repeat, so its cell is the repeat finding it done;
- ``crash``: the process dies after the request, before the result is written (the state backend
  raises at that write): the intent is left open and recovery settles it from the platform.

Nothing is a stand-in for the platform; the only stand-in is the crash, on the state side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from aep_exports.apply import Ledger, recover_intents
from aep_exports.apply.handlers import (
    DatasetIds,
    cancel_job,
    create_dataset,
    delete_dataset,
    replace_dataset,
    update_dataset,
)
from aep_exports.apply.runs import start_run
from aep_exports.client import ClientConfig, ClientCredentials, PlatformClient, connect
from aep_exports.client.local_admin import LocalAdmin
from aep_exports.errors import AmbiguousWriteError, BadRequestError, ServerError
from aep_exports.plan.actions import (
    CancelJob,
    CreateDataset,
    DeleteDataset,
    ReplaceDataset,
    RunExport,
    UpdateDataset,
)
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID
from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.model import AppliedDataset, AppliedExport, Intent, RunRecord, RunStatus, StateDocument

SANDBOX = "dev"
BODY = {
    "name": "Write-ahead target",
    "schemaRef": {
        "id": "https://ns.adobe.com/xdm/context/profile__union",
        "contentType": "application/vnd.adobe.xed+json;version=1",
    },
    "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
}
SPEC = AppliedDataset(body=BODY)


class Crash(BaseException):
    """Stands for kill -9: nothing after it runs, no ``except Exception`` catches it."""


class CrashingBackend:
    """The real file backend, except that the process 'dies' at its ``crash_at``-th write."""

    def __init__(self, backend: FileStateBackend, crash_at: int) -> None:
        self._backend = backend
        self._crash_at = crash_at
        self._writes = 0

    def write(self, doc: StateDocument, *, expected_serial: int) -> StateDocument:
        self._writes += 1
        if self._writes == self._crash_at:
            raise Crash
        return self._backend.write(doc, expected_serial=expected_serial)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def now() -> datetime:
    return datetime.now(UTC)  # the in-process platform runs on real time too


@dataclass
class Bench:
    """A client on the in-process platform, its admin routes and a file state for sandbox dev."""

    client: PlatformClient
    admin: LocalAdmin
    backend: FileStateBackend

    def ledger(self, *, crash_at: int | None = None) -> Ledger:
        """The state as apply holds it; with ``crash_at``, the process dies at that write of it."""
        backend: Any = self.backend if crash_at is None else CrashingBackend(self.backend, crash_at)
        return Ledger(backend, self.backend.read())

    def state(self) -> StateDocument:
        return self.backend.read()

    def recover(self) -> list[str]:
        """What the next command does first: resolve the open intents against the platform."""
        return recover_intents(Ledger(self.backend), self.client, now).lines

    def managed_dataset(self, key: str = "target") -> str:
        """A dataset on the platform, recorded in state under ``key``."""
        dataset_id = self.client.create_dataset(BODY)
        ledger = self.ledger()
        ledger.commit(lambda doc: doc.record_dataset(key, dataset_id, SPEC, created_at=now()))
        return dataset_id

    def datasets(self) -> set[str]:
        return {dataset.id for dataset in self.client.list_datasets()}

    def jobs(self) -> dict[int, str]:
        return {job.id: job.status for job in self.client.list_export_jobs()}


@pytest.fixture
def bench(make_platform_app: Callable[..., Any], tmp_path: Path) -> Iterator[Bench]:
    """No retries (a 5xx is final), jobs that run an hour (so they can be cancelled), state locked."""
    app = make_platform_app(job_duration_s=3600)
    config = ClientConfig(
        base_url="http://local-platform",
        org_id=DEV_ORG_ID,
        sandbox=SANDBOX,
        ims_url="http://local-platform",
        credentials=ClientCredentials(DEV_CLIENT_ID, DEV_CLIENT_SECRET),
        retry_budget=1,
    )
    backend = FileStateBackend(tmp_path / "state", DEV_ORG_ID, SANDBOX)
    with connect(config, app=app) as client, backend.lock(timeout=0, command="test"):
        yield Bench(client, client.local_admin, backend)


def only_intent(doc: StateDocument) -> Intent:
    (intent,) = doc.intents.values()
    return intent


# ---------------------------------------------------------------------------- create_dataset

CREATE = CreateDataset(key="target", reason="test", body=BODY, spec=SPEC, spec_digest="d")


def test_create_dataset_ok(bench: Bench) -> None:
    ids = DatasetIds({})
    create_dataset(bench.ledger(), bench.client, CREATE, ids, now)
    state = bench.state()
    dataset_id = state.datasets["target"].id
    assert bench.datasets() == {dataset_id} and ids.snapshot() == {"target": dataset_id}
    assert state.datasets["target"].spec == SPEC
    assert only_intent(state).resolved and only_intent(state).result == {"dataset_id": dataset_id}


def test_create_dataset_definite_error(bench: Bench) -> None:
    bench.admin.set_faults(error_rate=1.0)
    with pytest.raises(ServerError):
        create_dataset(bench.ledger(), bench.client, CREATE, DatasetIds({}), now)
    bench.admin.set_faults()
    state = bench.state()
    assert state.datasets == {} and bench.datasets() == set()
    assert only_intent(state).resolved and "error" in only_intent(state).result


def test_create_dataset_ambiguous_answer(bench: Bench) -> None:
    bench.admin.set_faults(drop_rate=1.0)
    with pytest.raises(AmbiguousWriteError):
        create_dataset(bench.ledger(), bench.client, CREATE, DatasetIds({}), now)
    bench.admin.set_faults()
    assert bench.state().open_intents() and bench.state().datasets == {}
    (created,) = bench.datasets()
    assert bench.recover() == [f"dataset target: adopted dataset {created} (its create answer was lost)"]
    state = bench.state()
    assert state.datasets["target"].id == created and state.datasets["target"].spec == SPEC
    assert not state.open_intents()


def test_create_dataset_crash_before_the_result(bench: Bench) -> None:
    with pytest.raises(Crash):
        create_dataset(bench.ledger(crash_at=2), bench.client, CREATE, DatasetIds({}), now)
    assert only_intent(bench.state()).kind == "create_dataset" and bench.state().open_intents()
    (created,) = bench.datasets()
    bench.recover()
    state = bench.state()
    assert state.datasets["target"].id == created and not state.open_intents()


# ---------------------------------------------------------------------------- update_dataset


def update(dataset_id: str) -> UpdateDataset:
    patch = {"description": "updated"}
    return UpdateDataset(
        key="target",
        reason="test",
        dataset_id=dataset_id,
        patch=patch,
        changes=[],
        spec=AppliedDataset(body={**BODY, **patch}),
        spec_digest="d2",
    )


def test_update_dataset_ok(bench: Bench) -> None:
    dataset_id = bench.managed_dataset()
    update_dataset(bench.ledger(), bench.client, update(dataset_id), now)
    assert bench.client.get_dataset(dataset_id).description == "updated"
    state = bench.state()
    assert state.datasets["target"].spec.body["description"] == "updated"
    assert not state.open_intents()


def test_update_dataset_definite_error_resolves_its_intent(bench: Bench) -> None:
    dataset_id = bench.managed_dataset()
    bench.admin.set_faults(error_rate=1.0)
    with pytest.raises(ServerError):
        update_dataset(bench.ledger(), bench.client, update(dataset_id), now)
    bench.admin.set_faults()
    assert bench.client.get_dataset(dataset_id).description != "updated"
    state = bench.state()
    assert state.datasets["target"].spec == SPEC  # nothing changed, nothing recorded
    assert not state.open_intents() and "error" in only_intent(state).result


def test_update_dataset_ambiguous_answer_repeated_is_harmless(bench: Bench) -> None:
    dataset_id = bench.managed_dataset()
    bench.client.patch_dataset(dataset_id, {"description": "updated"})  # an earlier, unanswered attempt
    update_dataset(bench.ledger(), bench.client, update(dataset_id), now)
    assert bench.client.get_dataset(dataset_id).description == "updated"
    assert bench.state().datasets["target"].spec.body["description"] == "updated"
    assert not bench.state().open_intents()


def test_update_dataset_crash_before_the_result(bench: Bench) -> None:
    dataset_id = bench.managed_dataset()
    with pytest.raises(Crash):
        update_dataset(bench.ledger(crash_at=2), bench.client, update(dataset_id), now)
    assert bench.state().open_intents()
    assert bench.recover() == ["update_dataset target: interrupted; the next plan repeats it if still needed"]
    state = bench.state()
    # The spec stays the old one: the next plan compares with the platform and patches again if needed.
    assert state.datasets["target"].spec == SPEC and not state.open_intents()


# ---------------------------------------------------------------------------- replace_dataset


def replace(old: str, body: dict[str, Any] | None = None) -> ReplaceDataset:
    new_body = body or {**BODY, "name": "Write-ahead replacement"}
    return ReplaceDataset(
        key="target",
        reason="test",
        old_dataset_id=old,
        body=new_body,
        changes=[],
        spec=AppliedDataset(body=new_body),
        spec_digest="d3",
    )


def test_replace_dataset_ok(bench: Bench) -> None:
    old = bench.managed_dataset()
    replace_dataset(bench.ledger(), bench.client, replace(old), DatasetIds({}), now)
    (new,) = bench.datasets()
    state = bench.state()
    assert new != old and state.datasets["target"].id == new and not state.open_intents()


def test_replace_dataset_definite_error_resolves_its_intent(bench: Bench) -> None:
    old = bench.managed_dataset()
    bench.admin.set_faults(error_rate=1.0)
    with pytest.raises(ServerError):
        replace_dataset(bench.ledger(), bench.client, replace(old), DatasetIds({}), now)
    bench.admin.set_faults()
    state = bench.state()
    assert bench.datasets() == {old} and state.datasets["target"].id == old
    assert not state.open_intents() and "error" in only_intent(state).result


def test_replace_dataset_refused_after_the_delete_forgets_the_old_id(bench: Bench) -> None:
    old = bench.managed_dataset()
    with pytest.raises(BadRequestError):
        replace_dataset(bench.ledger(), bench.client, replace(old, {**BODY, "name": ""}), DatasetIds({}), now)
    state = bench.state()
    assert bench.datasets() == set()  # the old one was deleted, the new one refused
    assert "target" not in state.datasets  # so the next plan creates it, instead of "recreating" a ghost
    assert not state.open_intents() and "error" in only_intent(state).result


def test_replace_dataset_ambiguous_answer(bench: Bench) -> None:
    old = bench.managed_dataset()
    bench.admin.set_faults(drop_rate=1.0)
    with pytest.raises(AmbiguousWriteError):
        replace_dataset(bench.ledger(), bench.client, replace(old), DatasetIds({}), now)
    bench.admin.set_faults()
    assert bench.state().open_intents()
    (new,) = bench.datasets()
    bench.recover()
    state = bench.state()
    assert state.datasets["target"].id == new != old and not state.open_intents()


def test_replace_dataset_crash_before_the_result(bench: Bench) -> None:
    old = bench.managed_dataset()
    with pytest.raises(Crash):
        replace_dataset(bench.ledger(crash_at=2), bench.client, replace(old), DatasetIds({}), now)
    (new,) = bench.datasets()
    bench.recover()
    state = bench.state()
    assert state.datasets["target"].id == new != old and not state.open_intents()


# ---------------------------------------------------------------------------- delete_dataset


def delete(dataset_id: str) -> DeleteDataset:
    return DeleteDataset(key="target", reason="test", dataset_id=dataset_id)


def test_delete_dataset_ok(bench: Bench) -> None:
    dataset_id = bench.managed_dataset()
    assert delete_dataset(bench.ledger(), bench.client, delete(dataset_id), now).startswith("deleted")
    state = bench.state()
    assert bench.datasets() == set() and state.datasets == {} and not state.open_intents()


def test_delete_dataset_definite_error_resolves_its_intent(bench: Bench) -> None:
    dataset_id = bench.managed_dataset()
    bench.admin.set_faults(error_rate=1.0)
    with pytest.raises(ServerError):
        delete_dataset(bench.ledger(), bench.client, delete(dataset_id), now)
    bench.admin.set_faults()
    state = bench.state()
    assert bench.datasets() == {dataset_id} and state.datasets["target"].id == dataset_id
    assert not state.open_intents() and "error" in only_intent(state).result


def test_delete_dataset_ambiguous_answer_repeated_finds_it_gone(bench: Bench) -> None:
    dataset_id = bench.managed_dataset()
    bench.client.delete_dataset(dataset_id)  # an earlier, unanswered attempt did it
    how = delete_dataset(bench.ledger(), bench.client, delete(dataset_id), now)
    assert how == f"dataset {dataset_id} was already gone"
    assert bench.state().datasets == {} and not bench.state().open_intents()


def test_delete_dataset_crash_before_the_result(bench: Bench) -> None:
    dataset_id = bench.managed_dataset()
    with pytest.raises(Crash):
        delete_dataset(bench.ledger(crash_at=2), bench.client, delete(dataset_id), now)
    assert bench.state().datasets["target"].id == dataset_id and bench.state().open_intents()
    assert bench.recover() == ["dataset target: deleted"]
    assert bench.state().datasets == {} and not bench.state().open_intents()


# ---------------------------------------------------------------------------- run_export


def run_action(dataset_id: str, slot: datetime) -> RunExport:
    body = {
        "destination": {"datasetId": dataset_id},
        "schema": {"name": "_xdm.context.profile"},
        "fields": "identities.id",
    }
    return RunExport(
        key="daily",
        reason="test",
        slot=slot,
        window_from=None,
        window_to=slot,
        incremental=False,
        dataset_id=dataset_id,
        request_body=body,
        body_digest="b",
        spec=AppliedExport(declaration={"fields": ["identities.id"]}, request=body),
        spec_digest="s",
    )


def start(bench: Bench, ledger: Ledger, action: RunExport) -> Any:
    return start_run(ledger, bench.client, action, action.resolved_body(), now)


def test_run_export_ok(bench: Bench) -> None:
    action = run_action(bench.managed_dataset(), now())
    started = start(bench, bench.ledger(), action)
    (run,) = bench.state().exports["daily"].runs
    assert list(bench.jobs()) == [started.job_id] == [run.job_id] and not started.adopted
    assert run.status in (RunStatus.NEW, RunStatus.PROCESSING)
    intent = only_intent(bench.state())
    assert intent.resolved and run.request_digest == intent.request_digest  # one digest: the body sent
    assert bench.state().exports["daily"].spec == action.spec


def test_run_export_definite_error_leaves_the_slot_due(bench: Bench) -> None:
    action = run_action(bench.managed_dataset(), now())
    bench.admin.set_faults(error_rate=1.0)
    with pytest.raises(ServerError):
        start(bench, bench.ledger(), action)
    bench.admin.set_faults()
    state = bench.state()
    assert bench.jobs() == {} and state.exports["daily"].runs == []
    assert not state.open_intents() and "error" in only_intent(state).result


def test_run_export_ambiguous_answer_adopts_the_job_at_once(bench: Bench) -> None:
    action = run_action(bench.managed_dataset(), now())
    bench.admin.set_faults(drop_rate=1.0)
    started = start(bench, bench.ledger(), action)
    bench.admin.set_faults()
    (run,) = bench.state().exports["daily"].runs
    assert started.adopted and list(bench.jobs()) == [started.job_id] == [run.job_id]
    assert run.note == "adopted after its create answer was lost" and not bench.state().open_intents()


def test_run_export_crash_before_the_result(bench: Bench) -> None:
    action = run_action(bench.managed_dataset(), now())
    with pytest.raises(Crash):
        start(bench, bench.ledger(crash_at=2), action)
    (run,) = bench.state().exports["daily"].runs
    assert run.status == RunStatus.INTENT and run.job_id is None and bench.state().open_intents()
    (job_id,) = bench.jobs()
    assert bench.recover() == [f"export daily: adopted job {job_id} (its answer was lost)"]
    (run,) = bench.state().exports["daily"].runs
    assert run.job_id == job_id and not bench.state().open_intents()


# ---------------------------------------------------------------------------- cancel_job


def running_job(bench: Bench) -> int:
    """A job still PROCESSING on the platform, recorded as a run of export ``daily``."""
    dataset_id = bench.managed_dataset()
    job = bench.client.create_export_job(run_action(dataset_id, now()).request_body)
    slot = now()

    def record(doc: StateDocument) -> None:
        doc.ensure_export("daily").add_run(
            RunRecord(job_id=job.id, slot=slot, window_to=slot, status=RunStatus.PROCESSING, created=slot)
        )

    bench.ledger().commit(record)
    return job.id


def cancel(job_id: int) -> CancelJob:
    return CancelJob(key="daily", reason="test", job_id=job_id, cause="timeout")


def test_cancel_job_ok(bench: Bench) -> None:
    job_id = running_job(bench)
    cancel_job(bench.ledger(), bench.client, cancel(job_id), now)
    run = bench.state().exports["daily"].runs[-1]
    assert bench.jobs()[job_id] == "CANCELLED"
    assert (run.status, run.cancelled_by_tool) == (RunStatus.CANCELLED, True)
    assert not bench.state().open_intents()


def test_cancel_job_definite_error_resolves_its_intent(bench: Bench) -> None:
    job_id = running_job(bench)
    bench.admin.set_faults(error_rate=1.0)
    with pytest.raises(ServerError):
        cancel_job(bench.ledger(), bench.client, cancel(job_id), now)
    bench.admin.set_faults()
    run = bench.state().exports["daily"].runs[-1]
    assert bench.jobs()[job_id] in ("NEW", "PROCESSING")  # still running
    assert (run.status, run.cancelled_by_tool) == (RunStatus.PROCESSING, False)
    assert not bench.state().open_intents() and "error" in only_intent(bench.state()).result


def test_cancel_job_ambiguous_answer_repeated_finds_it_cancelled(bench: Bench) -> None:
    job_id = running_job(bench)
    bench.client.cancel_export_job(job_id)  # an earlier, unanswered attempt did it
    cancel_job(bench.ledger(), bench.client, cancel(job_id), now)
    run = bench.state().exports["daily"].runs[-1]
    assert (run.status, run.cancelled_by_tool) == (RunStatus.CANCELLED, True)
    assert not bench.state().open_intents()


def test_cancel_job_crash_before_the_result(bench: Bench) -> None:
    job_id = running_job(bench)
    with pytest.raises(Crash):
        cancel_job(bench.ledger(crash_at=2), bench.client, cancel(job_id), now)
    assert bench.state().open_intents() and bench.jobs()[job_id] == "CANCELLED"
    assert bench.recover() == [f"export daily: job {job_id} was cancelled (timeout); it reads back CANCELLED"]
    run = bench.state().exports["daily"].runs[-1]
    # Recorded as the tool's own cancel: drift will not call it a cancel made outside aep-exports.
    assert (run.status, run.cancelled_by_tool) == (RunStatus.CANCELLED, True)
    assert not bench.state().open_intents()
