"""What the HTML report shows: the one place that reads state and declarations for it.

A pure function of the state document, the declarations, a clock, a time range and a selection:
per export its runs (window, outcome, attempt, cancellation, batches, rows, duration, errors,
expectation breaches), the gaps and overlaps of its succeeded incremental windows (a restated
window may overlap on purpose), and the health, watermark lag and next slot that ``status``
computes (:func:`aep_exports.ops.status.compute_status`, reused, never re-derived). ``labels`` and
``timezone`` are the declaration's; ``attempt`` is the run's as state records it (1, then 2 for its
first retry); ``breaches`` are the expectations state recorded as broken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aep_exports.config.selection import Selection
from aep_exports.ops.status import HEALTH_WORDS, ExportStatus, compute_status, run_view
from aep_exports.plan.windows import TilingIssue, Window, tiling_issues
from aep_exports.state.model import ExportRecord, RunRecord, RunStatus, StateDocument

if TYPE_CHECKING:
    from aep_exports.plan.desired import Desired, DesiredExport

SUCCEEDED, FAILED, CANCELLED, RUNNING, MISSING = "succeeded", "failed", "cancelled", "running", "missing"
OUTCOMES = (SUCCEEDED, FAILED, CANCELLED, RUNNING, MISSING)
"""Run outcomes as the report colours them (the unfinished statuses are all ``running``)."""

_OUTCOME_OF: dict[str, str] = {
    RunStatus.SUCCEEDED: SUCCEEDED,
    RunStatus.FAILED: FAILED,
    RunStatus.CANCELLED: CANCELLED,
    RunStatus.MISSING: MISSING,
}
DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class ReportRun:
    """One run of an export as the report draws it."""

    job_id: int | None
    slot: datetime
    status: str
    window_from: datetime | None
    window_to: datetime | None
    created: datetime | None = None
    finished: datetime | None = None
    attempt: int = 1
    cancelled_by: str | None = None  # "tool" (timeout, removed export) or "outside"; None if not cancelled
    batches: tuple[str, ...] = ()
    rows: int | None = None  # metrics.totalExportedProfileCounter
    duration: timedelta | None = None  # metrics.totalTime.totalTimeInMs, else created → finished
    errors: tuple[str, ...] = ()
    note: str = ""
    breaches: tuple[str, ...] = ()  # expectation breaches recorded in state
    restated: bool = False  # the window re-exports data exported before (--restate)

    @property
    def outcome(self) -> str:
        """``succeeded``, ``failed``, ``cancelled``, ``running`` or ``missing``."""
        return _OUTCOME_OF.get(self.status, RUNNING)

    @property
    def end(self) -> datetime:
        """Where the run sits on a time axis: the end of its window, else its slot."""
        return self.window_to or self.slot


@dataclass(frozen=True)
class ExportReport:
    """One export: its status (as ``status`` computes it), its runs in range and its coverage."""

    key: str
    status: ExportStatus
    runs: tuple[ReportRun, ...]
    older_runs: int = 0  # runs in state before the report's range
    coverage: tuple[TilingIssue, ...] = ()  # gaps/overlaps of succeeded incremental windows in range
    labels: Mapping[str, str] = field(default_factory=dict)
    timezone: str = DEFAULT_TIMEZONE
    breaches: tuple[str, ...] = ()  # every breach of the runs in range, newest last

    def count(self, outcome: str) -> int:
        """How many runs in range ended with ``outcome``."""
        return sum(1 for run in self.runs if run.outcome == outcome)


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows."""

    now: datetime
    start: datetime | None  # the earliest slot shown (now - since), None for the whole history
    sandbox: str
    org: str
    serial: int
    last_refresh: datetime | None
    exports: tuple[ExportReport, ...]
    selection: str = "everything"
    excluded: int = 0  # exports the selection left out
    counts: dict[str, int] = field(default_factory=dict)  # health word -> exports

    @property
    def run_count(self) -> int:
        """Runs shown, over every export."""
        return sum(len(e.runs) for e in self.exports)


def _labels(want: DesiredExport | None) -> dict[str, str]:
    return dict(want.labels) if want is not None else {}


def _timezone(want: DesiredExport | None) -> str:
    return want.timezone if want is not None else DEFAULT_TIMEZONE


def _duration(run: RunRecord, now: datetime) -> timedelta | None:
    total = run.metrics.get("totalTime")
    millis = total.get("totalTimeInMs") if isinstance(total, dict) else None
    if isinstance(millis, int) and not isinstance(millis, bool):
        return timedelta(milliseconds=millis)
    return run_view(run, now).duration


def _cancelled_by(run: RunRecord) -> str | None:
    if run.status != RunStatus.CANCELLED:
        return None
    return "tool" if run.cancelled_by_tool else "outside"


def report_runs(record: ExportRecord, now: datetime) -> list[ReportRun]:
    """Every run of ``record`` in slot order (a slot's attempts in order)."""
    runs: list[ReportRun] = []
    for run in sorted(record.runs, key=lambda r: (r.slot, r.attempt, r.created or r.slot)):
        view = run_view(run, now)
        runs.append(
            ReportRun(
                job_id=run.job_id,
                slot=run.slot,
                status=run.status,
                window_from=run.window_from,
                window_to=run.window_to,
                created=run.created,
                finished=run.finished,
                attempt=run.attempt,
                cancelled_by=_cancelled_by(run),
                batches=view.batches,
                rows=view.rows,
                duration=_duration(run, now),
                errors=view.errors,
                note=run.note,
                breaches=tuple(run.breaches),
                restated=run.restated,
            )
        )
    return runs


def coverage_issues(runs: list[ReportRun]) -> list[TilingIssue]:
    """Gaps and overlaps between the succeeded windows of an incremental export."""
    windows = [
        Window(run.window_from, run.window_to, restated=run.restated)
        for run in runs
        if run.outcome == SUCCEEDED and run.window_to is not None
    ]
    return tiling_issues(windows)


def _export_report(
    status: ExportStatus,
    record: ExportRecord | None,
    want: DesiredExport | None,
    now: datetime,
    start: datetime | None,
) -> ExportReport:
    every = report_runs(record, now) if record is not None else []
    shown = [run for run in every if start is None or run.end >= start or run.outcome == RUNNING]
    coverage = coverage_issues(every) if status.incremental else []
    return ExportReport(
        key=status.key,
        status=status,
        runs=tuple(shown),
        older_runs=len(every) - len(shown),
        coverage=tuple(issue for issue in coverage if start is None or issue.end >= start),
        labels=_labels(want),
        timezone=_timezone(want),
        breaches=tuple(breach for run in shown for breach in run.breaches),
    )


def build_report_data(
    state: StateDocument,
    desired: Desired,
    now: datetime,
    *,
    since: timedelta | None = None,
    selection: Selection | None = None,
) -> ReportData:
    """The report of every declared export and every export left in state, selected and cut to range."""
    chosen = selection or Selection()
    start = now - since if since is not None else None
    statuses = compute_status(state, desired, now).exports
    exports: list[ExportReport] = []
    for status in statuses:
        want = desired.exports.get(status.key)
        if not chosen.selects(status.key, _labels(want)):
            continue
        exports.append(_export_report(status, state.exports.get(status.key), want, now, start))
    counts = {word: sum(1 for e in exports if e.status.health == word) for word in HEALTH_WORDS}
    return ReportData(
        now=now,
        start=start,
        sandbox=state.sandbox,
        org=state.org,
        serial=state.serial,
        last_refresh=state.last_refresh,
        exports=tuple(exports),
        selection=chosen.describe(),
        excluded=len(statuses) - len(exports),
        counts=counts,
    )
