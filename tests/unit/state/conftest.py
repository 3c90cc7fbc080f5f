"""Fixtures for the state tests: a file backend in a temporary directory and a fixed clock."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.model import AppliedExport, DatasetRecord, RunRecord, StateDocument

ORG = "TESTORG0000000000000000@AdobeOrg"
SANDBOX = "prod"
T0 = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture
def backend(tmp_path: Path) -> FileStateBackend:
    return FileStateBackend(tmp_path / "state", ORG, SANDBOX)


@pytest.fixture
def doc() -> StateDocument:
    """A document with one dataset and one export with two runs (one succeeded, one running)."""
    doc = StateDocument.empty(ORG, SANDBOX)
    doc.datasets["customers"] = DatasetRecord(id="5b020a27e7040801dedba61b", spec={"name": "Customers"},
                                              created_at=T0)
    export = doc.ensure_export("daily-customers")
    export.spec = AppliedExport(
        declaration={"fields": "identities,person.name", "destination": {"datasetKey": "customers"}}
    )
    export.add_run(RunRecord(job_id=101, slot=T0, window_from=None, window_to=T0, status="SUCCEEDED",
                             created=T0, finished=T0 + timedelta(minutes=5), batches=["b1"],
                             metrics={"totalExportedProfileCounter": 42}))
    export.watermark = T0
    export.add_run(RunRecord(job_id=102, slot=T0 + timedelta(days=1), window_from=T0,
                             window_to=T0 + timedelta(days=1), status="PROCESSING",
                             created=T0 + timedelta(days=1)))
    return doc


HOLDER = """
import sys
from pathlib import Path
from aep_exports.state.file_backend import FileStateBackend
backend = FileStateBackend(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
with backend.lock(timeout=float(sys.argv[4]), command="apply"):
    print("locked", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


class Holder:
    """Another process holding the state lock until told to let go."""

    def __init__(self, backend: FileStateBackend, timeout: float = 0.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(backend.directory), backend.org, backend.sandbox,
             str(timeout)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.pid = self.proc.pid

    def wait_locked(self) -> None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.strip() == "locked", self.proc.stderr.read() if self.proc.stderr else line

    def release(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "released"
        self.proc.wait(10)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def hold_lock() -> Iterator[Callable[..., Holder]]:
    """Start processes that hold a backend's lock (``command='apply'``); killed at teardown."""
    started: list[Holder] = []

    def start(backend: FileStateBackend, timeout: float = 0.0, wait: bool = True) -> Holder:
        held = Holder(backend, timeout)
        started.append(held)
        if wait:
            held.wait_locked()
        return held

    yield start
    for held in started:
        held.kill()
