"""One Plotly figure per export: its run windows on a time axis, rows and duration per run below.

Built with plotly's figure objects (which validate every property) and handed to the page as
JSON; plotly.js draws them in the browser. Three stacked plots share the time axis:

1. **windows**: one lane per outcome (succeeded on top); every run is exactly one mark - a bar over
   its window ``(from, to]`` (an incremental export's first run, unbounded, from the left edge), or a
   diamond at ``to`` for a full export's run (its window is everything). Cancelled runs are hatched
   (``x`` cancelled outside, ``/`` by the tool), and a retry carries its attempt number. Gaps (red)
   and overlaps (orange) in the coverage of the succeeded windows are shaded; dotted lines mark the
   watermark, now and the next slot.
2. **rows** exported per run (``totalExportedProfileCounter``), one bar per run that reports it;
3. **minutes** per run, one bar per run with a known duration.

Hover on any mark shows the job id, slot, window, batches, rows, duration and errors.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import plotly.graph_objects as go

from aep_exports.ops.report_data import (
    CANCELLED,
    FAILED,
    MISSING,
    OUTCOMES,
    RUNNING,
    SUCCEEDED,
    ExportReport,
    ReportRun,
)
from aep_exports.ops.status import format_span
from aep_exports.plan.windows import format_instant

OUTCOME_COLOURS = {
    SUCCEEDED: "#2e7d32",
    FAILED: "#c62828",
    CANCELLED: "#757575",
    RUNNING: "#1565c0",
    MISSING: "#ef6c00",
}
COVERAGE_FILLS = {"gap": "rgba(198,40,40,0.22)", "overlap": "rgba(239,108,0,0.25)", "restart": "#6a1b9a"}
COVERAGE_LINES = {"gap": "#c62828", "overlap": "#ef6c00", "restart": "#6a1b9a"}
MIN_SPAN = timedelta(hours=2)
_MAX_ERRORS_SHOWN = 3


def _at(moment: datetime | None) -> str:
    return format_instant(moment.replace(microsecond=0)) if moment is not None else "?"


def _iso(moment: datetime) -> str:
    # plotly reads naive ISO text in the axis' own (UTC) wall time; every instant here is UTC.
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _window_text(run: ReportRun) -> str:
    """``from → to``, ``(everything)`` for an unbounded start."""
    start = _at(run.window_from) if run.window_from is not None else "(everything)"
    return f"{start} → {_at(run.window_to)}"


def hover_text(run: ReportRun) -> str:
    """The hover box of one run (HTML-escaped; plotly reads ``<br>`` as a line break)."""
    job = f"job {run.job_id}" if run.job_id is not None else "no job yet"
    lines = [
        f"{job} · {run.status}",
        f"slot {_at(run.slot)}",
        f"window {_window_text(run)}",
    ]
    if run.attempt > 1:
        lines.append(f"attempt {run.attempt}")
    if run.cancelled_by is not None:
        lines.append(f"cancelled by {'aep-exports' if run.cancelled_by == 'tool' else 'someone else'}")
    lines.append(f"batches: {', '.join(run.batches) if run.batches else 'none'}")
    if run.rows is not None:
        lines.append(f"rows: {run.rows:,}")
    if run.duration is not None:
        lines.append(f"duration: {format_span(run.duration)}")
    lines += [f"error: {error}" for error in run.errors[:_MAX_ERRORS_SHOWN]]
    if len(run.errors) > _MAX_ERRORS_SHOWN:
        lines.append(f"… and {len(run.errors) - _MAX_ERRORS_SHOWN} more errors")
    lines += [f"breach: {breach}" for breach in run.breaches]
    if run.note:
        lines.append(f"note: {run.note}")
    escaped = [html.escape(line, quote=False) for line in lines]
    return "<b>" + escaped[0] + "</b><br>" + "<br>".join(escaped[1:])


def _pattern(run: ReportRun) -> str:
    return {"outside": "x", "tool": "/"}.get(run.cancelled_by or "", "")


def _mark_label(run: ReportRun) -> str:
    return f"attempt {run.attempt}" if run.attempt > 1 else ""


def _lane_traces(runs: tuple[ReportRun, ...], incremental: bool, left: datetime) -> list[go.Bar | go.Scatter]:
    """One bar per run over its window; an incremental export's unbounded window starts at ``left``
    (it covers everything before its end); a full export's runs are diamonds at their end."""
    traces: list[go.Bar | go.Scatter] = []
    for outcome in OUTCOMES:
        mine = [run for run in runs if run.outcome == outcome]
        bars = [run for run in mine if incremental or run.window_from is not None]
        points = [run for run in mine if not incremental and run.window_from is None]
        colour = OUTCOME_COLOURS[outcome]
        if bars:
            starts = [run.window_from or left for run in bars]
            patterns = [_pattern(run) for run in bars]
            labels = [_mark_label(run) for run in bars]
            # Patterns and in-bar text cost layout time per bar: only when some run needs them.
            extra: dict[str, Any] = {"text": labels, "textposition": "inside"} if any(labels) else {}
            traces.append(
                go.Bar(
                    name=outcome,
                    orientation="h",
                    y=[outcome] * len(bars),
                    base=[_iso(begin) for begin in starts],
                    x=[
                        (run.end - begin).total_seconds() * 1000
                        for run, begin in zip(bars, starts, strict=True)
                    ],
                    width=0.6,
                    marker={
                        "color": colour,
                        "line": {"color": "#212121", "width": 0.5},
                        **({"pattern": {"shape": patterns, "fgcolor": "#ffffff"}} if any(patterns) else {}),
                    },
                    hovertext=[hover_text(run) for run in bars],
                    hoverinfo="text",
                    xaxis="x",
                    yaxis="y",
                    **extra,
                )
            )
        if points:
            traces.append(
                go.Scatter(
                    name=f"{outcome} (all data)",
                    mode="markers",
                    x=[_iso(run.end) for run in points],
                    y=[outcome] * len(points),
                    marker={
                        "color": colour,
                        "size": 11,
                        "symbol": ["x" if run.cancelled_by else "diamond" for run in points],
                        "line": {"color": "#212121", "width": 0.5},
                    },
                    hovertext=[hover_text(run) for run in points],
                    hoverinfo="text",
                    xaxis="x",
                    yaxis="y",
                )
            )
    return traces


def _metric_trace(
    runs: tuple[ReportRun, ...], values: list[float | None], name: str, axis: str, width_ms: float
) -> go.Bar:
    """One bar per run with a value; the hover is one short line (the windows plot has the details)."""
    digits = 0 if name == "rows" else 1
    kept = [(run, value) for run, value in zip(runs, values, strict=True) if value is not None]
    return go.Bar(
        name=name,
        showlegend=False,
        width=width_ms,
        x=[_iso(run.end) for run, _ in kept],
        y=[value for _, value in kept],
        marker={"color": [OUTCOME_COLOURS[run.outcome] for run, _ in kept]},
        hovertext=[f"job {run.job_id} · {run.status} · {value:,.{digits}f} {name}" for run, value in kept],
        hoverinfo="text",
        xaxis=f"x{axis}",
        yaxis=f"y{axis}",
    )


def _coverage_shapes(export: ExportReport) -> list[dict[str, Any]]:
    shapes: list[dict[str, Any]] = []
    for issue in export.coverage:
        start = issue.start if issue.start is not None else issue.end
        shapes.append(
            {
                "type": "rect" if issue.start is not None else "line",
                "name": f"coverage {issue.kind}",
                "xref": "x",
                "yref": "y domain",
                "x0": _iso(start),
                "x1": _iso(issue.end),
                "y0": 0,
                "y1": 1,
                "fillcolor": COVERAGE_FILLS[issue.kind],
                "line": {"color": COVERAGE_LINES[issue.kind], "width": 1.5, "dash": "dot"},
                "layer": "below",
                "label": {"text": issue.kind, "textposition": "top center", "font": {"size": 10}},
            }
        )
    return shapes


def _instant_lines(export: ExportReport, now: datetime) -> list[dict[str, Any]]:
    marks = [("now", now, "#424242")]
    if export.status.watermark is not None:
        marks.append(("watermark", export.status.watermark, OUTCOME_COLOURS[SUCCEEDED]))
    if export.status.next_slot is not None:
        marks.append(("next slot", export.status.next_slot, OUTCOME_COLOURS[RUNNING]))
    return [
        {
            "type": "line",
            "name": name,
            "xref": "x",
            "yref": "paper",
            "x0": _iso(moment),
            "x1": _iso(moment),
            "y0": 0,
            "y1": 1,
            "line": {"color": colour, "width": 1, "dash": "dot"},
            "layer": "above",
        }
        for name, moment, colour in marks
    ]


def plotly_bundle() -> tuple[str, str]:
    """The minified plotly.js that the plotly package ships, and its version (inlined in the page)."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    return get_plotlyjs(), get_plotlyjs_version()


def x_range(export: ExportReport, now: datetime) -> tuple[datetime, datetime]:
    """The span drawn: from the first window (with room for unbounded ones) to past the next slot."""
    instants = [now, *(run.end for run in export.runs)]
    instants += [run.window_from for run in export.runs if run.window_from is not None]
    if export.status.next_slot is not None:
        instants.append(export.status.next_slot)
    first, last = min(instants), max(instants)
    span = max(last - first, MIN_SPAN)
    room = span / 8 if any(run.window_from is None for run in export.runs) else timedelta(0)
    return first - span / 40 - room, last + span / 40


def _bar_width_ms(export: ExportReport, low: datetime, high: datetime) -> float:
    ends = sorted({run.end for run in export.runs})
    steps = [later - earlier for earlier, later in pairwise(ends)]
    step = min(steps) if steps else (high - low) / 30
    return max(min(step * 0.7, (high - low) / 30), timedelta(seconds=1)).total_seconds() * 1000


def export_figure(export: ExportReport, now: datetime) -> dict[str, Any]:
    """The figure of one export as plotly JSON data (``data``, ``layout``)."""
    runs = export.runs
    lanes = [outcome for outcome in OUTCOMES if export.count(outcome)] or [SUCCEEDED]
    rows = [float(run.rows) if run.rows is not None else None for run in runs]
    minutes = [run.duration.total_seconds() / 60 if run.duration is not None else None for run in runs]
    low, high = x_range(export, now)
    width = _bar_width_ms(export, low, high)
    # Heights in pixels: a lane per outcome present, two small metric plots, gaps between.
    lane_px, metric_px, gap_px = 30 * len(lanes) + 12, 48, 16
    total = lane_px + 2 * metric_px + 2 * gap_px
    minutes_top = metric_px / total
    rows_bottom, rows_top = (metric_px + gap_px) / total, (2 * metric_px + gap_px) / total
    axis = {"type": "date", "range": [_iso(low), _iso(high)], "showgrid": True, "gridcolor": "#eeeeee"}
    metric_axis = {"rangemode": "tozero", "fixedrange": True, "nticks": 3}
    figure = go.Figure(
        data=[
            *_lane_traces(runs, export.status.incremental, low),
            _metric_trace(runs, rows, "rows", "2", width),
            _metric_trace(runs, minutes, "minutes", "3", width),
        ],
        layout={
            "height": total + 44,
            "margin": {"l": 90, "r": 20, "t": 10, "b": 34},
            "showlegend": False,
            "barmode": "overlay",
            "hovermode": "closest",
            "font": {"family": "system-ui, sans-serif", "size": 11},
            "plot_bgcolor": "#ffffff",
            "xaxis": {**axis, "anchor": "y", "matches": "x3", "showticklabels": False},
            "xaxis2": {**axis, "anchor": "y2", "matches": "x3", "showticklabels": False},
            "xaxis3": {**axis, "anchor": "y3"},
            "yaxis": {
                "domain": [(total - lane_px) / total, 1],
                "type": "category",
                "categoryorder": "array",
                "categoryarray": lanes[::-1],
                "range": [-0.5, len(lanes) - 0.5],
                "fixedrange": True,
            },
            "yaxis2": {
                **metric_axis,
                "domain": [rows_bottom, rows_top],
                "title": {"text": "rows", "font": {"size": 10}},
            },
            "yaxis3": {
                **metric_axis,
                "domain": [0, minutes_top],
                "title": {"text": "min", "font": {"size": 10}},
            },
            "shapes": [*_coverage_shapes(export), *_instant_lines(export, now)],
            "annotations": []
            if runs
            else [
                {
                    "text": "no run in this range",
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "showarrow": False,
                    "font": {"color": "#757575", "size": 13},
                }
            ],
        },
    )
    spec: dict[str, Any] = figure.to_plotly_json()
    return spec
