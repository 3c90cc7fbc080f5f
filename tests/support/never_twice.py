"""Apply, again and again, under faults, on one local platform reached either way; then count violations.

``Bench`` holds one platform for many projects (each example of a property test, each day of a soak):

- ``kind="server"``: a real uvicorn server (``platform_server``), the CLI reaching it over HTTP;
- ``kind="asgi"``: one in-process app, which the CLI's embedded platform is pointed at (the app must
  outlive each command, so that faults and contract variants set on it hold).

``apply`` runs ``aep-exports apply`` in this process; with ``kill_at=n`` the process "dies" (``Crash``, a
BaseException nothing catches) at the state write that would record its n-th new job: that job exists
on the platform, state never learns of it, exactly as a ``kill -9`` right after the POST took effect.
``check`` counts what the promise forbids (``support.invariants.never_twice``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from aep_exports.cli import wiring
from aep_exports.client.local_admin import LocalAdmin
from aep_exports.platform.credentials import DEV_ORG_ID
from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.model import StateDocument
from support.declarations import SANDBOX
from support.invariants import NeverTwice, never_twice, platform_records
from support.projects import LOCAL_SEED, Project, server_credentials

JOB_DURATION_S = 3600  # jobs stay unfinished an hour of platform clock: "two unfinished at once" can show


class Crash(BaseException):
    """Stands for kill -9: nothing after it runs, no ``except Exception`` catches it."""


@contextmanager
def crash_at_recorded_job(monkeypatch: pytest.MonkeyPatch, n: int) -> Iterator[list[bool]]:
    """The state write that would record the n-th new job (and every write after) crashes the "process"."""
    original = FileStateBackend.write
    known: list[set[int]] = []
    recorded = [0]
    dead = [False]

    def write(backend: FileStateBackend, doc: StateDocument, **kwargs: Any) -> StateDocument:
        jobs = doc.tracked_job_ids()
        if known:
            recorded[0] += len(jobs - known[-1])
        if dead[0] or recorded[0] >= n:
            dead[0] = True
            raise Crash
        stored = original(backend, doc, **kwargs)
        known.append(jobs)
        return stored

    with monkeypatch.context() as patch:
        patch.setattr(FileStateBackend, "write", write)
        yield dead


@dataclass
class Bench:
    """One platform (see the module docstring) and the projects applied on it."""

    kind: str
    platform: Any  # the platform backend: its records are the oracle
    root: Path
    monkeypatch: pytest.MonkeyPatch
    url: str = "local"
    app: Any = None
    applies: int = 0
    _names: Iterator[int] = field(default_factory=itertools.count)

    @classmethod
    def open(cls, kind: str, request: pytest.FixtureRequest, root: Path) -> Bench:
        """The bench for ``kind``, its sandbox seeded with profiles."""
        monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        if kind == "server":
            server = request.getfixturevalue("platform_server")
            for name, value in server_credentials(server.url).items():
                monkeypatch.setenv(name, value)
            bench = cls(kind, server.platform, root, monkeypatch, url=server.url)
        else:
            app = request.getfixturevalue("make_platform_app")(job_duration_s=JOB_DURATION_S)
            # The CLI's embedded platform is this app: it outlives each command.
            monkeypatch.setattr(wiring, "open_client", partial(wiring.open_client, app=app))
            bench = cls(kind, app.platform, root, monkeypatch, app=app)
        bench.platform.seed(DEV_ORG_ID, SANDBOX, 20, LOCAL_SEED)
        return bench

    def project(self, exports: str) -> Project:
        """A new project declaring ``exports``, on a platform reset to its start (profiles kept)."""
        self.platform.reset()
        project = Project(self.root / f"p{next(self._names)}", platform=self.url).write(exports)
        with self.admin(project) as admin:
            admin.configure(job_duration_s=JOB_DURATION_S)
        return project

    @contextmanager
    def admin(self, project: Project) -> Iterator[LocalAdmin]:
        with wiring.open_client(project.settings, app=self.app) as client:
            yield client.local_admin

    def apply(
        self, project: Project, now: datetime, *, kill_at: int | None = None, parallelism: int = 4
    ) -> str:
        """``apply --auto-approve --now``; the output, or ``"killed"`` when the crash struck."""
        self.applies += 1
        args = ("apply", "--auto-approve", "--parallelism", str(parallelism))
        if kill_at is None:
            return str(self.run(project, now, *args).output)
        with crash_at_recorded_job(self.monkeypatch, kill_at) as dead:
            try:
                result = self.run(project, now, *args)
            except Crash:
                return "killed"
        return "killed" if dead[0] else str(result.output)

    def run(self, project: Project, now: datetime, *args: str) -> Result:
        """``aep-exports ARGS --now NOW`` in this process, the platform's clock set to ``now`` first (the
        CLI sets it itself only for ``platform: local``)."""
        with self.admin(project) as admin:
            admin.set_clock(now)
        return project.cli(*args, "--now", _stamp(now))

    def converge(self, project: Project, now: datetime, *, limit: int = 3) -> int:
        """Apply until there is nothing to do; how many applies it took (AssertionError past ``limit``)."""
        outputs = []
        for count in range(1, limit + 1):
            output = self.apply(project, now)
            outputs.append(output)
            if "Nothing to do" in output:
                return count
        raise AssertionError(f"not converged after {limit} applies:\n" + "\n---\n".join(outputs))

    def check(self, project: Project) -> NeverTwice:
        """The violations now (the platform first moves its jobs along, as any API call makes it)."""
        with wiring.open_client(project.settings, app=self.app) as client:
            client.list_export_jobs(limit=1)
        return never_twice(project.state(), platform_records(self.platform, SANDBOX))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
