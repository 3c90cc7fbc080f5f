"""Apply as one call: execute a plan, optionally wait for its runs, and say how it went."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aep_exports.apply.console import Console
from aep_exports.apply.executor import ApplyReport, execute_plan
from aep_exports.apply.ledger import Ledger
from aep_exports.apply.wait import WaitResult, wait_for_runs
from aep_exports.errors import ApplyError
from aep_exports.state.model import RunStatus

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.plan.model import Plan


@dataclass(frozen=True)
class ApplyOptions:
    """How to apply: parallel actions, whether to follow the runs to the end."""

    parallelism: int = 8
    wait: bool = False
    wait_timeout: float | None = None


@dataclass
class ApplyOutcome:
    """What the actions did and, with ``--wait``, how the runs ended."""

    report: ApplyReport
    waited: WaitResult | None = None
    failed_runs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every action succeeded and no followed run failed."""
        return self.report.ok and not self.failed_runs

    def summary_lines(self) -> list[str]:
        """The closing lines: the runs that did not succeed, then the counts (each action was reported
        as it ended, and is not repeated)."""
        lines = list(self.failed_runs)
        if self.waited is not None and self.waited.unfinished:
            lines.append(
                f"Still running when the wait ended: jobs {', '.join(map(str, self.waited.unfinished))}"
            )
        summary = self.report.summary_line()
        if self.waited is not None:
            counts: dict[str, int] = {}
            for outcome in self.waited.outcomes:
                counts[outcome.status] = counts.get(outcome.status, 0) + 1
            if counts:
                summary += " Runs: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + "."
        lines.append(summary)
        return lines

    def raise_for_failures(self) -> None:
        """ApplyError (exit 1) listing what failed, when anything did."""
        if self.ok:
            return
        counts = [
            (len(self.report.of("failed")), "action", "failed"),
            (len(self.report.of("skipped")), "action", "skipped"),
            (len(self.failed_runs), "run", "ended without success"),
        ]
        what = ", ".join(f"{n} {noun}{'s' if n != 1 else ''} {verb}" for n, noun, verb in counts if n)
        raise ApplyError(
            f"apply did not fully succeed: {what} (each reported above)",
            hint="Fix the cause and run `aep-exports apply` again: what succeeded is recorded "
            "and will not run twice.",
        )


def clock_from(now: datetime) -> Callable[[], datetime]:
    """A clock starting at ``now`` (the planned instant) and moving with real time."""
    origin = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - origin)


def apply_plan(
    plan: Plan,
    ledger: Ledger,
    client: PlatformClient,
    clock: Callable[[], datetime],
    console: Console,
    options: ApplyOptions | None = None,
) -> ApplyOutcome:
    """Execute ``plan`` (state written before and after every request); with ``wait``, follow its runs."""
    options = options or ApplyOptions()
    report = execute_plan(plan, ledger, client, clock, console, parallelism=options.parallelism)
    outcome = ApplyOutcome(report)
    if options.wait and report.started_jobs:
        waited = wait_for_runs(
            ledger,
            client,
            clock,
            console,
            job_ids=report.started_jobs,
            timeout=options.wait_timeout,
        )
        outcome.waited = waited
        for done in waited.outcomes:
            if done.status != RunStatus.SUCCEEDED:
                note = f" ({done.note})" if done.note else ""
                outcome.failed_runs.append(
                    f"✗ export {done.key}: job {done.job_id} ended {done.status}{note}"
                )
    return outcome
