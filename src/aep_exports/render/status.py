"""``aep-exports status`` as text (one block per export, a line per dataset) and as JSON."""

from __future__ import annotations

import json
from datetime import datetime

from aep_exports.ops.status import (
    BREACHED,
    FAILING,
    HEALTH_WORDS,
    HEALTHY,
    LATE,
    RUNNING,
    ExportStatus,
    RunView,
    StatusReport,
    as_json,
    format_span,
)
from aep_exports.plan.schedule import local_time
from aep_exports.plan.windows import format_instant
from aep_exports.render.style import Painter


def _at(moment: datetime) -> str:
    # Seconds are precise enough to read; JSON keeps the full precision.
    return format_instant(moment.replace(microsecond=0))


def _slot(moment: datetime, timezone: str) -> str:
    """``2024-05-02T00:00:00Z (2024-05-02 02:00 CEST, Europe/Paris)``: UTC, and the schedule's wall clock."""
    local = local_time(moment, timezone)
    return _at(moment) + (f" ({local}, {timezone})" if local else "")


_HEALTH_COLOUR = {HEALTHY: "green", RUNNING: "cyan", LATE: "yellow", FAILING: "red", BREACHED: "magenta"}
_SYMBOL = {HEALTHY: "✓", RUNNING: "…", LATE: "!", FAILING: "✗", BREACHED: "≠"}


def _window(run: RunView) -> str:
    start = _at(run.window_from) if run.window_from else "(everything)"
    end = _at(run.window_to) if run.window_to else "?"
    return f"{start} → {end}"


def _run_lines(label: str, run: RunView, timezone: str) -> list[str]:
    job = f"job {run.job_id}" if run.job_id is not None else "no job yet"
    attempt = f", attempt {run.attempt}" if run.attempt > 1 else ""
    restated = " (restated)" if run.restated else ""
    lines = [
        f"    {label:<11}{job} {run.status}{attempt}, slot {_slot(run.slot, timezone)}",
        f"    {'':<11}window {_window(run)}{restated}",
    ]
    facts = [f"{len(run.batches)} batch{'es' if len(run.batches) != 1 else ''}"]
    if run.rows is not None:
        facts.append(f"{run.rows:,} rows")
    if run.duration is not None:
        facts.append(("running for " if run.unfinished else "took ") + format_span(run.duration))
    lines.append(f"    {'':<11}" + ", ".join(facts))
    for error in run.errors[:3]:
        lines.append(f"    {'':<11}error: {error}")
    return lines


def _export_block(item: ExportStatus, paint: Painter) -> list[str]:
    word = paint(f"{_SYMBOL[item.health]} {item.health}", _HEALTH_COLOUR[item.health], bold=True)
    kind = [item.schedule or "manual"]
    if item.timezone != "UTC" and item.schedule not in (None, "manual"):
        kind.append(f"in {item.timezone}")
    if item.incremental:
        kind.append("incremental")
    if not item.enabled and item.declared:
        kind.append("disabled")
    labels = "  " + ", ".join(f"{k}={v}" for k, v in sorted(item.labels.items())) if item.labels else ""
    lines = [f"  {paint(item.key, bold=True)}  {word}  ({' '.join(kind)}){paint(labels, dim=True)}"]
    if item.last_run is None:
        lines.append(f"    {'last run':<11}never ran")
    else:
        lines.extend(_run_lines("last run", item.last_run, item.timezone))
        success = item.last_success
        if success is not None and success.job_id != item.last_run.job_id:
            lines.append(f"    {'last success':<11} job {success.job_id}, window {_window(success)}")
    if item.retry is not None:
        lines.append(f"    {'retry':<11}{item.retry}")
    if item.due_slot is not None:
        lines.append(f"    {'next slot':<11}{_slot(item.due_slot, item.timezone)} (due now)")
    elif item.next_slot is not None:
        lines.append(f"    {'next slot':<11}{_slot(item.next_slot, item.timezone)}")
    if item.watermark is not None or item.lag is not None:
        mark = _at(item.watermark) if item.watermark else "-"
        lag = f" (lag {format_span(item.lag)})" if item.lag is not None else ""
        lines.append(f"    {'watermark':<11}{mark}{lag}")
    for breach in item.breaches:
        lines.append(f"    {'breach':<11}{paint(breach, _HEALTH_COLOUR[BREACHED])}")
    lines.append(f"    {paint(item.reason, dim=True)}")
    return lines


def render_status_text(report: StatusReport, *, colour: bool = False) -> str:
    """Exports (health and last run), then datasets (id, last batch), then a summary line."""
    paint = Painter(colour)
    refreshed = _at(report.last_refresh) if report.last_refresh else "never"
    lines = [f"Status at {_at(report.now)} (state serial {report.serial}, last refresh {refreshed})"]
    if report.exports:
        lines += ["", paint("Exports", bold=True)]
        for item in report.exports:
            lines.extend(_export_block(item, paint))
    if report.datasets:
        lines += ["", paint("Datasets", bold=True)]
        width = max(len(d.key) for d in report.datasets)
        for dataset in report.datasets:
            ident = dataset.id or "not created yet"
            if not dataset.declared:
                ident += " (orphaned)"
            batch = ""
            if dataset.last_batch:
                when = _at(dataset.last_batch_at) if dataset.last_batch_at else "?"
                batch = (
                    f"  last batch {dataset.last_batch} at {when} "
                    f"(export {dataset.last_batch_export}, job {dataset.last_batch_job})"
                )
            lines.append(f"  {dataset.key:<{width}}  {ident}{batch}")
    if not report.exports and not report.datasets:
        lines += ["", "Nothing is declared or in state."]
    total = len(report.exports)
    parts = [f"{report.counts.get(word, 0)} {word}" for word in HEALTH_WORDS]
    lines += ["", f"{total} export{'s' if total != 1 else ''}: " + ", ".join(parts) + "."]
    return "\n".join(lines) + "\n"


def render_status_json(report: StatusReport) -> str:
    """The report as indented JSON."""
    from aep_exports.render.machine import versioned

    return json.dumps(versioned(as_json(report)), indent=2) + "\n"
