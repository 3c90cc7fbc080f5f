"""The HTML report: one self-contained file (plotly.js, styles and scripts inline; no network).

Layout: a header (sandbox, clock, state serial, range, selection), a filter bar (label, health,
last outcome), a sortable summary table with one row per export, then one section per export
with its facts (schedule, watermark and lag, next slot, coverage problems, breaches) and its
figure (:mod:`aep_exports.render.report_figures`). Every text that comes from state or the
declarations is HTML-escaped; figure JSON is embedded so that it cannot close its script tag.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from aep_exports import __version__
from aep_exports.ops.report_data import CANCELLED, FAILED, OUTCOMES, ExportReport, ReportData
from aep_exports.ops.status import BREACHED, FAILING, HEALTH_WORDS, HEALTHY, LATE, RUNNING, format_span
from aep_exports.plan.windows import format_instant
from aep_exports.render.report_figures import OUTCOME_COLOURS, export_figure, plotly_bundle

HEALTH_COLOURS = {
    HEALTHY: "#2e7d32",
    RUNNING: "#1565c0",
    LATE: "#ef6c00",
    FAILING: "#c62828",
    BREACHED: "#6a1b9a",
}
_HEALTH_RANK = {FAILING: 0, BREACHED: 1, LATE: 2, RUNNING: 3, HEALTHY: 4}
_OTHER_COLOUR = "#616161"  # a health word this build does not know
_COLUMNS = (
    ("export", "text"),
    ("health", "num"),
    ("last run", "text"),
    ("last slot", "text"),
    ("rows (last)", "num"),
    ("duration (last)", "num"),
    ("runs", "num"),
    ("failed", "num"),
    ("cancelled", "num"),
    ("coverage", "num"),
    ("breaches", "num"),
    ("watermark lag", "num"),
    ("next slot", "text"),
    ("labels", "text"),
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _at(moment: datetime | None) -> str:
    return format_instant(moment.replace(microsecond=0)) if moment is not None else "—"


def _short(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%MZ") if moment is not None else "—"


def _span(delta: timedelta | None) -> str:
    return format_span(delta) if delta is not None else "—"


def _asset(name: str) -> str:
    return resources.files("aep_exports.render").joinpath("report_assets", name).read_text(encoding="utf-8")


def _script_json(value: Any) -> str:
    # `<` escaped as \u003c: no `</script>` or `<!--` can end the block early.
    return json.dumps(value, separators=(",", ":"), default=str).replace("<", "\\u003c")


def _label_texts(export: ExportReport) -> list[str]:
    return [f"{name}={value}" for name, value in sorted(export.labels.items())]


def _health_colour(word: str) -> str:
    return HEALTH_COLOURS.get(word, _OTHER_COLOUR)


def _health_rank(word: str) -> int:
    return _HEALTH_RANK.get(word, len(_HEALTH_RANK))


def _badge(word: str, colour: str) -> str:
    return f'<span class="badge" style="background:{colour}">{_e(word)}</span>'


def _cell(text: str, sort: object, *, raw: bool = False) -> str:
    return f'<td data-sort="{_e(sort)}">{text if raw else _e(text)}</td>'


def _row(export: ExportReport) -> str:
    status = export.status
    last = export.runs[-1] if export.runs else None
    last_rows = next((run.rows for run in reversed(export.runs) if run.rows is not None), None)
    duration = last.duration if last is not None else None
    problems = len(export.coverage)
    cells = [
        _cell(f'<a href="#export-{_e(export.key)}">{_e(export.key)}</a>', export.key, raw=True),
        _cell(_badge(status.health, _health_colour(status.health)), _health_rank(status.health), raw=True),
        _cell(last.status if last else "never ran", last.status if last else ""),
        _cell(_short(last.slot) if last else "—", _at(last.slot) if last else ""),
        _cell(f"{last_rows:,}" if last_rows is not None else "—", last_rows if last_rows is not None else -1),
        _cell(_span(duration), duration.total_seconds() if duration is not None else -1),
        _cell(str(len(export.runs)), len(export.runs)),
        _cell(str(export.count(FAILED)), export.count(FAILED)),
        _cell(str(export.count(CANCELLED)), export.count(CANCELLED)),
        _cell("ok" if not problems else f"{problems} problem{'s' if problems != 1 else ''}", problems),
        _cell(str(len(export.breaches)), len(export.breaches)),
        _cell(_span(status.lag), status.lag.total_seconds() if status.lag is not None else -1),
        _cell(_short(status.next_slot), _at(status.next_slot) if status.next_slot else "~"),
        _cell(", ".join(_label_texts(export)) or "—", ",".join(_label_texts(export))),
    ]
    return f"<tr {_filter_attributes(export)}>{''.join(cells)}</tr>"


def _filter_attributes(export: ExportReport) -> str:
    last = export.runs[-1].outcome if export.runs else "none"
    return (
        f'data-key="{_e(export.key)}" data-health="{_e(export.status.health)}" '
        f'data-last="{_e(last)}" data-labels="{_e(json.dumps(_label_texts(export)))}"'
    )


def _summary_table(data: ReportData) -> str:
    head = "".join(
        f'<th data-type="{kind}" tabindex="0" aria-sort="none">{_e(name)}</th>' for name, kind in _COLUMNS
    )
    rows = "\n".join(_row(export) for export in data.exports)
    return (
        f'<table id="summary" class="sortable"><thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody></table>"
    )


def _filters(data: ReportData) -> str:
    labels = sorted({text for export in data.exports for text in _label_texts(export)})
    label_options = "".join(f'<option value="{_e(t)}">{_e(t)}</option>' for t in labels)
    health = "".join(
        f'<label><input type="checkbox" name="health" value="{w}" checked> {_badge(w, _health_colour(w))} '
        f"({data.counts.get(w, 0)})</label>"
        for w in HEALTH_WORDS
    )
    outcomes = "".join(f'<option value="{o}">{o}</option>' for o in (*OUTCOMES, "none"))
    return (
        '<form id="filters" onsubmit="return false">'
        f'<label>label <select name="label"><option value="">any</option>{label_options}</select></label>'
        f'<span class="health">{health}</span>'
        f'<label>last run <select name="last"><option value="">any</option>{outcomes}</select></label>'
        f'<output id="shown">{len(data.exports)} of {len(data.exports)} exports</output>'
        "</form>"
    )


def _facts(export: ExportReport) -> str:
    status = export.status
    kind = "incremental" if status.incremental else "full"
    facts = [
        ("schedule", f"{status.schedule or 'manual'} ({kind}{'' if status.enabled else ', disabled'})"),
        ("time zone", export.timezone),
        ("dataset", status.dataset_id or "—"),
        ("watermark", f"{_at(status.watermark)} (lag {_span(status.lag)})"),
        (
            "next slot",
            _at(status.next_slot) + (f" · due now: {_at(status.due_slot)}" if status.due_slot else ""),
        ),
        ("labels", ", ".join(_label_texts(export)) or "—"),
    ]
    if export.older_runs:
        facts.append(("older runs", f"{export.older_runs} before the report's range (not drawn)"))
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl>"


def _problems(export: ExportReport) -> str:
    parts = []
    if export.status.incremental:
        if export.coverage:
            items = "".join(
                f'<li class="coverage-{_e(i.kind)}">{_e(i.describe())}</li>' for i in export.coverage
            )
            parts.append(f'<div class="problems"><b>Coverage problems</b><ul>{items}</ul></div>')
        else:
            parts.append('<p class="coverage-ok">Succeeded windows tile time: no gap, no overlap.</p>')
    if export.breaches:
        items = "".join(f'<li class="breach">{_e(b)}</li>' for b in export.breaches)
        parts.append(f'<div class="problems"><b>Expectation breaches</b><ul>{items}</ul></div>')
    return "".join(parts)


def _section(export: ExportReport, data: ReportData) -> str:
    status = export.status
    figure = _script_json(export_figure(export, data.now))
    return (
        f'<section class="export" id="export-{_e(export.key)}" {_filter_attributes(export)} '
        f'data-runs="{len(export.runs)}">'
        f"<h2>{_e(export.key)} {_badge(status.health, _health_colour(status.health))}</h2>"
        f'<p class="reason">{_e(status.reason)}</p>{_facts(export)}{_problems(export)}'
        f'<div class="figure"></div><script type="application/json" class="figure-spec">{figure}</script>'
        "</section>"
    )


def _legend() -> str:
    items = "".join(
        f'<span><i style="background:{colour}"></i>{_e(outcome)}</span>'
        for outcome, colour in OUTCOME_COLOURS.items()
    )
    return (
        f'<p class="legend">{items}<span>▨ hatched: cancelled (x outside, / by aep-exports)</span>'
        "<span>◆ a full export's run (all data up to its end)</span>"
        "<span>a bar from the left edge: an incremental export's first run (all data up to its end)</span>"
        '<span><i class="gap"></i>coverage gap</span><span><i class="overlap"></i>overlap</span>'
        '<span>dotted lines: <b style="color:#2e7d32">watermark</b> · <b style="color:#424242">now</b> · '
        '<b style="color:#1565c0">next slot</b></span></p>'
    )


def render_report_html(data: ReportData) -> str:
    """The whole page, plotly.js included."""
    plotly_js, plotly_version = plotly_bundle()
    since = f"since {_at(data.start)}" if data.start is not None else "whole history"
    selected = data.selection + (f" ({data.excluded} left out)" if data.excluded else "")
    body = (
        "\n".join(_section(export, data) for export in data.exports)
        if data.exports
        else '<p id="empty">No export is declared or recorded in state for this sandbox.</p>'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aep-exports report · {_e(data.sandbox)}</title>
<style>{_asset("report.css")}</style></head>
<body>
<header><h1>aep-exports · sandbox <code>{_e(data.sandbox)}</code></h1>
<p>Report for {_e(_at(data.now))} · {_e(since)} · state serial {data.serial} · last refresh
{_e(_at(data.last_refresh))} · selection: {_e(selected)} ·
{len(data.exports)} exports, {data.run_count} runs</p>
</header>
{_filters(data)}
{_summary_table(data)}
{_legend()}
<main>
{body}
</main>
<footer>Made by aep-exports {_e(__version__)} for org {_e(data.org)}.
Charts: plotly.js {_e(plotly_version)} (MIT), inline.</footer>
<script>{plotly_js}</script>
<script>{_asset("report.js")}</script>
</body></html>
"""
