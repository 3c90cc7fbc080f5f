"""A restatement: an export's watermark moved back on request (``--restate``), with who and when.

Like SQLMesh's restate or dbt's full refresh, it re-exports a past window on purpose. State keeps
every one: the window's new start, the watermark it replaced, who asked (user@host) and when, and,
once a run of it succeeded, that run's job and window end.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from aep_exports.state.base import Record, UtcDatetime, utc


class Restatement(Record):
    """The watermark reset to ``window_from`` (None: the beginning) instead of ``previous_watermark``."""

    window_from: UtcDatetime | None = None
    previous_watermark: UtcDatetime | None = None
    requested_by: str = Field(default="", description="user@host of the apply that reset the watermark.")
    requested_at: UtcDatetime
    reason: str = ""
    completed_at: UtcDatetime | None = Field(default=None, description="When its first run succeeded.")
    job_id: int | None = None
    window_to: UtcDatetime | None = None

    def complete(self, *, job_id: int | None, at: datetime | None, window_to: datetime | None) -> None:
        """Its run ``job_id`` succeeded: the restated window ``(window_from, window_to]`` is exported."""
        self.completed_at = utc(at) if at is not None else self.requested_at
        self.job_id = job_id
        self.window_to = utc(window_to) if window_to is not None else None
