"""A Mermaid ``gantt`` of the runs a plan starts, for the pull-request comment.

GitHub renders Mermaid blocks in comments and job summaries. One section per export the plan runs:
its few most recent runs from state, then the planned run, each a bar over its window ``(from, to]``
coloured by outcome (Mermaid's task tags: ``active`` = planned, ``done`` = succeeded, ``crit`` =
failed, cancelled or missing; unfinished runs untagged). Small on purpose: at most ``max_exports``
sections and ``recent`` past runs each, then a line saying how many exports were left out, so the
comment stays readable and far below GitHub's 65,536-character limit (a full chart is ~3 KB).

Times are UTC wall-clock text. Unbounded windows (a full export, the first incremental run) all
start at the chart's left edge - the earliest bounded start, and at least an hour before any
unbounded window's end - and say "all data".
Names are reduced to characters Mermaid's gantt grammar reads literally (no ``:``, ``;``, ``#``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aep_exports.plan.actions import RunExport
from aep_exports.plan.model import Plan
from aep_exports.plan.schedule import as_utc
from aep_exports.state.model import ExportRecord, RunRecord, RunStatus

MAX_EXPORTS = 8
RECENT_RUNS = 3
UNBOUNDED_SPAN = timedelta(hours=1)
_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # matches `dateFormat YYYY-MM-DD HH:mm:ss` below
_UNSAFE = re.compile(r"[^A-Za-z0-9 _.()/+\-]")
_TAGS = {
    RunStatus.SUCCEEDED: "done",
    RunStatus.FAILED: "crit",
    RunStatus.CANCELLED: "crit",
    RunStatus.MISSING: "crit",
}
LEGEND = (
    "<sub>Times in UTC. Blue: runs this plan starts · grey: succeeded · red: failed, cancelled "
    "or missing · plain: still running. A bar is the run's window (from → to).</sub>"
)


@dataclass(frozen=True)
class _Bar:
    name: str
    tag: str
    start: datetime | None
    end: datetime


def mermaid_text(text: str) -> str:
    """``text`` with every character the gantt grammar could read as syntax replaced by ``_``."""
    cleaned = _UNSAFE.sub("_", text.replace("\n", " ")).strip()
    return cleaned or "_"


def _past_bar(run: RunRecord) -> _Bar:
    job = f"job {run.job_id}" if run.job_id is not None else "run"
    end = run.window_to or run.slot
    name = f"{job} {run.status}" + (" (all data)" if run.window_from is None else "")
    return _Bar(name, _TAGS.get(run.status, ""), run.window_from, end)


def _planned_bar(action: RunExport) -> _Bar:
    name = "planned run" + (" (all data)" if action.window_from is None else "")
    return _Bar(name, "active", action.window_from, action.window_to)


def _sections(
    runs: Sequence[RunExport], history: Mapping[str, ExportRecord], recent: int
) -> list[tuple[str, list[_Bar]]]:
    sections: list[tuple[str, list[_Bar]]] = []
    for action in runs:
        record = history.get(action.key)
        past = sorted(record.runs, key=lambda r: r.slot)[-recent:] if record is not None and recent else []
        sections.append((action.key, [*(_past_bar(run) for run in past), _planned_bar(action)]))
    return sections


def _stamp(moment: datetime) -> str:
    return as_utc(moment).strftime(_DATE_FORMAT)


def _task(bar: _Bar, index: int, floor: datetime) -> str:
    start = bar.start if bar.start is not None else floor
    tags = f"{bar.tag}, " if bar.tag else ""
    return f"    {mermaid_text(bar.name)} :{tags}t{index}, {_stamp(start)}, {_stamp(bar.end)}"


def plan_gantt(
    plan: Plan,
    history: Mapping[str, ExportRecord] | None = None,
    *,
    max_exports: int = MAX_EXPORTS,
    recent: int = RECENT_RUNS,
) -> str:
    """Markdown: a ``mermaid`` gantt block and its legend; ``""`` when the plan starts no run."""
    runs = [action for action in plan.actions if isinstance(action, RunExport)]
    if not runs:
        return ""
    sections = _sections(runs[:max_exports], history or {}, recent)
    bars = [bar for _, group in sections for bar in group]
    # Every unbounded window starts at one left edge: before every bounded start, an hour before its end.
    floor = min(bar.start if bar.start is not None else bar.end - UNBOUNDED_SPAN for bar in bars)
    lines = [
        "```mermaid",
        "gantt",
        "    title Runs this plan starts, after their recent runs (UTC)",
        "    dateFormat YYYY-MM-DD HH:mm:ss",
        "    axisFormat %m-%d %H:%M",
        "    todayMarker off",
    ]
    index = 0
    for key, group in sections:
        lines.append(f"    section {mermaid_text(key)}")
        for bar in group:
            lines.append(_task(bar, index, floor))
            index += 1
    lines.append("```")
    lines.append(LEGEND)
    left_out = len(runs) - len(sections)
    if left_out:
        lines.append(f"\n…and {left_out} more export{'s' if left_out != 1 else ''} to run (see the actions).")
    return "\n".join(lines)
