"""Incremental windows: each run exports what was ingested in ``(from, to]``.

``from`` is the watermark — the ``to`` of the last SUCCEEDED run — and ``to`` is the run's slot.
The watermark moves only on success, so a failed or cancelled run's window is folded into the
next run (same ``from``): the succeeded windows tile time with no gap and no overlap. The first
run of an incremental export has no ``from`` and exports everything up to its slot.

A restatement (``--restate KEY[:FROM]``) moves the watermark back on purpose: its window starts at
or before the end of the previous one and is marked ``restated``, so the overlap (or the new start
from the beginning) is what was asked for and not a tiling issue; a gap still is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from aep_exports.plan.schedule import as_utc
from aep_exports.state.model import ExportRecord


@dataclass(frozen=True)
class Window:
    """``(start, end]``; ``start`` None means from the beginning of time."""

    start: datetime | None
    end: datetime
    restated: bool = False

    def describe(self) -> str:
        """``2024-05-01T03:00:00Z → 2024-05-02T03:00:00Z`` (``full`` start when unbounded)."""
        start = format_instant(self.start) if self.start else "(everything)"
        return f"{start} → {format_instant(self.end)}"


def format_instant(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` (seconds precision unless finer is needed)."""
    moment = as_utc(moment)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


def watermark_of(record: ExportRecord | None) -> datetime | None:
    """The export's watermark: state's, else the ``to`` of its last SUCCEEDED run in history."""
    if record is None:
        return None
    pending = record.pending_restatement
    if pending is not None:  # moved back on request; None: from the beginning
        return pending.window_from
    if record.watermark is not None:
        return record.watermark
    last = record.last_succeeded()
    return last.window_to if last is not None else None


def next_window(*, incremental: bool, watermark: datetime | None, slot: datetime) -> Window:
    """The window of the run for ``slot``: from the watermark when incremental, else unbounded."""
    return Window(start=watermark if incremental else None, end=slot)


@dataclass(frozen=True)
class TilingIssue:
    """Where consecutive windows fail to tile: a ``gap`` or ``overlap`` over ``(start, end]``, or a
    ``restart`` (a window with no start after earlier ones: ``start`` None, ``end`` its end)."""

    kind: str
    start: datetime | None
    end: datetime
    restated: bool = False

    def describe(self) -> str:
        """One line, as :func:`tiling_problems` reports it."""
        if self.start is None:
            return f"window ending {format_instant(self.end)} has no start after an earlier window"
        return f"{self.kind} between {format_instant(self.start)} and {format_instant(self.end)}"


def tiling_issues(windows: Iterable[Window]) -> list[TilingIssue]:
    """Gaps, overlaps and restarts between consecutive windows (sorted by end); empty when they tile.

    A ``restated`` window may overlap (or restart before) the ones it follows.
    """
    ordered: Sequence[Window] = sorted(windows, key=lambda w: w.end)
    issues: list[TilingIssue] = []
    for before, after in pairwise(ordered):
        if after.restated and (after.start is None or after.start <= before.end):
            continue
        if after.start is None:
            issues.append(TilingIssue("restart", None, after.end))
        elif after.start > before.end:
            issues.append(TilingIssue("gap", before.end, after.start))
        elif after.start < before.end:
            issues.append(TilingIssue("overlap", after.start, before.end))
    return issues


def tiling_problems(windows: Iterable[Window]) -> list[str]:
    """Gaps and overlaps between consecutive windows (sorted by end); empty when they tile exactly."""
    return [issue.describe() for issue in tiling_issues(windows)]
