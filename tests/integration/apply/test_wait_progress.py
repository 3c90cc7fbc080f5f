"""``apply --wait`` shows a run's real status while it runs: NEW, then PROCESSING, then how it ended."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from aep_exports.apply.console import CapturedConsole
from aep_exports.apply.ledger import Ledger
from aep_exports.apply.recording import record_and_plan
from aep_exports.apply.service import ApplyOptions, apply_plan, clock_from
from aep_exports.cli.wiring import load_declared
from aep_exports.client.local_admin import LocalAdmin
from aep_exports.plan.model import PlanOptions
from aep_exports.state.model import RunStatus
from support.declarations import exports_yaml
from support.projects import ProjectFactory

JOB_DURATION_S = 30  # NEW for its first third, then PROCESSING, on the platform's clock


class ClockStepConsole(CapturedConsole):
    """Keeps the progress reports; after each one, moves the (frozen) platform clock on by ``step``."""

    def __init__(self, admin: LocalAdmin, step: timedelta) -> None:
        super().__init__()
        self.admin, self.step = admin, step

    def waiting(self, counts: Mapping[str, int], elapsed: float) -> None:
        super().waiting(counts, elapsed)
        self.admin.advance_clock(self.step)


def test_wait_progress_follows_the_job_through_processing(make_project: ProjectFactory) -> None:
    project = make_project(exports_yaml(1))
    _, desired = load_declared(project.settings)
    backend = project.backend()
    with project.client(job_duration_s=JOB_DURATION_S) as client:
        admin = client.local_admin
        now = admin.freeze_clock(True)
        planned = record_and_plan(project.settings, client, backend, desired, now, PlanOptions())
        console = ClockStepConsole(admin, timedelta(seconds=JOB_DURATION_S / 3))
        outcome = apply_plan(
            planned.plan, Ledger(backend), client, clock_from(now), console, ApplyOptions(wait=True)
        )
        assert outcome.ok, outcome.summary_lines()
        shown = [next(iter(counts)) for counts in console.progress]
        assert shown[0] == RunStatus.NEW, console.progress
        assert RunStatus.PROCESSING in shown, console.progress
        assert shown[-1] == RunStatus.SUCCEEDED, console.progress
        assert shown.index(RunStatus.PROCESSING) < shown.index(RunStatus.SUCCEEDED)
        (run,) = project.state().exports["export000"].runs
        assert run.status == RunStatus.SUCCEEDED
