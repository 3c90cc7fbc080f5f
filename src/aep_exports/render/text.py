"""Plans and drift as text for a terminal: Terraform-like symbols, grouped by resource."""

from __future__ import annotations

from itertools import groupby

from aep_exports.plan.drift import drift_report
from aep_exports.plan.model import DriftFinding, Plan, PlanMessage
from aep_exports.plan.windows import format_instant
from aep_exports.render.describe import COLOURS, change_lines, detail_lines, headline, resource_name
from aep_exports.render.style import Painter

_FINDING_SYMBOL = {"out_of_band": "!", "pending": "~", "info": "·"}


def _messages(paint: Painter, title: str, items: tuple[PlanMessage, ...], fg: str) -> list[str]:
    return [paint(f"{title}: ", fg, bold=True) + item.text() for item in items]


def _refreshed(plan: Plan) -> list[str]:
    lines: list[str] = []
    if plan.recovery:  # only in a read-only plan: apply's own recovery prints "Recovered: ..." as it goes
        count = len(plan.recovery)
        intents = f"{count} intent{'s' if count != 1 else ''}"
        lines.append(f"The next apply resolves {intents} an interrupted apply left open:")
        lines += [f"  ~ {line}" for line in plan.recovery]
        lines.append("")
    if not plan.refreshed:
        return lines
    runs = f"{len(plan.refreshed)} finished run{'s' if len(plan.refreshed) != 1 else ''}"
    pending = plan.refresh_pending
    lines.append(f"The next apply will record {runs}:" if pending else f"Refresh recorded {runs}:")
    for item in plan.refreshed:
        window = ""
        if item.window_to is not None:
            start = format_instant(item.window_from) if item.window_from else "(everything)"
            window = f", window {start} → {format_instant(item.window_to)}"
        note = f" ({item.note})" if item.note else ""
        prefix = "~ will record " if pending else ""
        lines.append(f"  {prefix}export.{item.key}: job {item.job_id} {item.status}{window}{note}")
    return [*lines, ""]


def _finding_lines(paint: Painter, findings: tuple[DriftFinding, ...]) -> list[str]:
    lines: list[str] = []
    for finding in findings:
        symbol = _FINDING_SYMBOL[finding.kind]
        fg = {"!": "red", "~": "yellow"}.get(symbol)
        # The id of an out-of-band finding is what `state ack ID` takes.
        name = f"{finding.resource}.{finding.key}" + (f" [{finding.id}]" if finding.id else "")
        lines.append(f"  {paint(symbol, fg, bold=True)} {name}: {finding.message}")
        for sym, text in change_lines(finding.changes):
            lines.append(f"      {paint(sym, COLOURS.get(sym))} {text}")
    return lines


def render_plan_text(plan: Plan, *, colour: bool = False, show_infos: bool = True) -> str:
    """The whole plan as the terminal shows it."""
    paint = Painter(colour)
    out: list[str] = []
    if plan.errors:  # first: nothing below can be applied until they are fixed
        count = len(plan.errors)
        out += [
            paint(f"The plan has {count} error{'s' if count != 1 else ''}:", "red", bold=True),
            *_messages(paint, "Error", plan.errors, "red"),
            "",
        ]
    out += _refreshed(plan)
    for skipped in plan.skipped_files:
        out.append(paint(f"Skipped {skipped}", dim=True))
    if plan.out_of_band:
        out += [
            paint("Changes made outside aep-exports since the last apply:", bold=True),
            *_finding_lines(paint, plan.out_of_band),
            "",
        ]
    if plan.options.refresh_only:
        out.append("Refresh only: no actions planned.")
        return "\n".join(out) + "\n"
    if plan.actions:
        if plan.errors:
            intro = "Once the errors are fixed, aep-exports would perform the following actions"
        else:
            intro = "aep-exports will perform the following actions"
        out += [f"{intro} (now {format_instant(plan.now)}):", ""]
        for resource, actions in groupby(plan.actions, key=resource_name):
            group = list(actions)
            out.append(paint(f"  # {resource}: {group[0].reason}", bold=True))
            for action in group:
                symbol = action.symbol
                if action is not group[0]:
                    out.append(paint(f"  # {action.reason}", dim=True))
                out.append(f"  {paint(symbol, COLOURS.get(symbol), bold=True)} {headline(action)}")
                for sym, text in detail_lines(action):
                    mark = paint(sym, COLOURS.get(sym)) if sym else " "
                    out.append(f"      {mark} {text}")
            out.append("")
    out += _messages(paint, "Warning", plan.warnings, "yellow")
    if show_infos:
        out += [paint(f"Info: {item.text()}", dim=True) for item in plan.infos]
    if plan.warnings or (show_infos and plan.infos):
        out.append("")
    out.append(paint(plan.summary_line(), "red" if plan.errors else None, bold=True))
    return "\n".join(out) + "\n"


def render_drift_text(plan: Plan, *, colour: bool = False) -> str:
    """The drift report: out-of-band changes, pending declared changes, information."""
    paint = Painter(colour)
    report = drift_report(plan)
    out = [paint(report.headline(), "red" if report.out_of_band else None, bold=True)]
    sections = (
        ("Changed outside aep-exports", report.out_of_band),
        ("Declared but not applied", report.pending),
        ("Information (normal operation)", report.info),
    )
    for title, findings in sections:
        if findings:
            out += ["", f"{title}:", *_finding_lines(paint, findings)]
    if plan.warnings:  # a failed last run, records the client did not recognise: worth a look, not drift
        out += ["", *_messages(paint, "Warning", plan.warnings, "yellow")]
    return "\n".join(out) + "\n"
