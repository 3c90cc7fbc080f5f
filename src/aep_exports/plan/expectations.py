"""Expectations on outcomes (``expect:``): what a SUCCEEDED run and a fresh watermark look like.

As dbt's tests on a model's output and its source freshness checks: a run that succeeded on the
platform can still be wrong for its users (no rows, ten times the usual rows, three hours instead
of ten minutes), and an export can fall behind (its watermark older than ``max_lag``). A breach is
recorded on the run in state when its outcome is recorded (refresh, ``apply --wait``), shown by
``status`` (health ``breached``; ``status --check`` exits 1), and by the next ``plan`` and ``drift``.

Rows are the job's ``totalExportedProfileCounter`` metric; a run whose record lacks it is not
judged on rows (nothing is known to be wrong). Duration is creation to end of the job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aep_exports.config.durations import format_duration
from aep_exports.state.model import ExportRecord, RunRecord


def _span(value: timedelta) -> str:
    return format_duration(timedelta(seconds=int(value.total_seconds())), parts=2)


def _duration(value: Any) -> timedelta | None:
    """A duration as stored in a declaration (ISO 8601 ``PT1H``, or seconds), None when absent."""
    if value is None:
        return None
    from pydantic import TypeAdapter

    parsed: timedelta = TypeAdapter(timedelta).validate_python(value)
    return parsed


@dataclass(frozen=True)
class Expectations:
    """``expect:`` of one export (every bound optional)."""

    min_rows: int | None = None
    max_rows: int | None = None
    max_duration: timedelta | None = None
    max_lag: timedelta | None = None

    @classmethod
    def from_declaration(cls, declaration: Mapping[str, Any]) -> Expectations | None:
        """The ``expect`` of a declaration as state stores it (None when it has none)."""
        raw = declaration.get("expect")
        if not isinstance(raw, Mapping):
            return None
        rows = {name: raw.get(name) for name in ("min_rows", "max_rows")}
        return cls(
            min_rows=rows["min_rows"] if isinstance(rows["min_rows"], int) else None,
            max_rows=rows["max_rows"] if isinstance(rows["max_rows"], int) else None,
            max_duration=_duration(raw.get("max_duration")),
            max_lag=_duration(raw.get("max_lag")),
        )

    def run_breaches(self, run: RunRecord) -> list[str]:
        """What a finished SUCCEEDED run broke ([] when nothing, or when it did not succeed)."""
        if not run.succeeded:
            return []
        found: list[str] = []
        rows = run.rows
        if rows is not None and self.min_rows is not None and rows < self.min_rows:
            found.append(f"exported {rows:,} rows, fewer than min_rows {self.min_rows:,}")
        if rows is not None and self.max_rows is not None and rows > self.max_rows:
            found.append(f"exported {rows:,} rows, more than max_rows {self.max_rows:,}")
        took = run.duration()
        if took is not None and self.max_duration is not None and took > self.max_duration:
            found.append(f"took {_span(took)}, longer than max_duration {_span(self.max_duration)}")
        return found

    def lag_breach(self, lag: timedelta | None) -> str | None:
        """The freshness breach when the watermark is older than ``max_lag``, else None."""
        if lag is None or self.max_lag is None or lag <= self.max_lag:
            return None
        return f"watermark lag {_span(lag)} is more than max_lag {_span(self.max_lag)}"


def freshness(record: ExportRecord | None) -> datetime | None:
    """How far exported data reaches: the watermark (else the last success's window end); while a
    restatement is pending, the watermark it replaced (the data before it is still there)."""
    if record is None:
        return None
    pending = record.pending_restatement
    if pending is not None:
        return pending.previous_watermark
    if record.watermark is not None:
        return record.watermark
    last = record.last_succeeded()
    return last.window_to if last is not None else None


def watermark_lag(record: ExportRecord | None, now: datetime) -> timedelta | None:
    """``now`` minus :func:`freshness` (never negative), None when nothing was exported."""
    reached = freshness(record)
    return max(now - reached, timedelta(0)) if reached is not None else None


def expectation_notices(expect: Expectations | None, record: ExportRecord | None, now: datetime) -> list[str]:
    """What ``plan`` and ``drift`` say about expectations: the newest run's breaches, then freshness."""
    notices: list[str] = []
    last = record.last_run() if record is not None else None
    if last is not None and last.succeeded and last.breaches:
        job = f"job {last.job_id}" if last.job_id is not None else "the last run"
        notices.append(f"the last run ({job}) broke its expectations: " + "; ".join(last.breaches))
    lag = expect.lag_breach(watermark_lag(record, now)) if expect is not None else None
    if lag is not None:
        notices.append(lag)
    return notices
