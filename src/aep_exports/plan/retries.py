"""Retries (``retry: {attempts, delay}``): a FAILED run is tried again within its slot.

The newest run of an export FAILED and its slot is still the latest (the schedule has not moved
on: a new slot starts a fresh run, whose window covers the failed one anyway). Then, ``delay``
after the failure ended, the slot runs again with the same window — up to ``attempts`` times.
Each try is a run in state with its number (``attempt`` 1 is the scheduled run, 2 the first
retry); the watermark does not move until one succeeds, so windows tile as before. Only FAILED
runs are retried: a run cancelled (by its timeout, or outside aep-exports) is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aep_exports.plan.desired import RetryPolicy
from aep_exports.plan.windows import format_instant
from aep_exports.state.model import ExportRecord, RunRecord, RunStatus


@dataclass(frozen=True)
class RetryState:
    """What happens to a failed run: retry ``number`` of ``attempts`` at ``at`` (None: none left)."""

    failed: RunRecord
    attempts: int
    number: int | None  # 1 for the first retry; None when every retry is used
    at: datetime | None

    def due(self, now: datetime) -> bool:
        """A retry is due at ``now``."""
        return self.at is not None and now >= self.at

    def describe(self) -> str:
        """``retry 2 of 3 at 2024-05-01T03:40:00Z`` or ``no retries left (3 of 3 used)``."""
        if self.number is None or self.at is None:
            return f"no retries left ({self.attempts} of {self.attempts} used)"
        return f"retry {self.number} of {self.attempts} at {format_instant(self.at)}"


def retry_state(policy: RetryPolicy | None, record: ExportRecord | None) -> RetryState | None:
    """The retry of the newest run when it FAILED and the export retries; None otherwise.

    The caller decides whether its slot is still current (a due schedule slot supersedes it).
    """
    if policy is None or record is None:
        return None
    last = record.last_run()
    if last is None or last.status != RunStatus.FAILED:
        return None
    used = last.attempt - 1
    if used >= policy.attempts:
        return RetryState(last, policy.attempts, None, None)
    ended = last.finished or last.started
    return RetryState(last, policy.attempts, used + 1, ended + policy.delay)
