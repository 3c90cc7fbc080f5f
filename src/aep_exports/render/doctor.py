"""``aep-exports doctor`` as text (a line per check, the contract variants, what to do) and as JSON."""

from __future__ import annotations

import json

from aep_exports.ops.doctor import DoctorReport
from aep_exports.ops.doctor_contract import UNKNOWN
from aep_exports.render.machine import versioned
from aep_exports.render.style import Painter

_MARK = {"ok": ("✓", "green"), "warning": ("!", "yellow"), "error": ("✗", "red")}


def render_doctor_text(report: DoctorReport, *, colour: bool = False) -> str:
    """The report for a person: checks, contract variants seen, unrecognised records, next step."""
    paint = Painter(colour)
    visited = report.visited
    sandbox = f"sandbox {visited.sandbox}" if visited.sandbox else ""
    where = ", ".join(part for part in (visited.platform, visited.org, sandbox) if part)
    lines = [paint("aep-exports doctor" + (f": {where}" if where else ""), bold=True), ""]
    width = max((len(check.name) for check in report.checks), default=0)
    for check in report.checks:
        mark, fg = _MARK[check.status]
        lines.append(f"  {paint(mark, fg, bold=True)} {check.name:<{width}}  {check.summary}")
        lines += [f"    {'':<{width}}  - {detail}" for detail in check.details]
        if check.hint and check.status != "ok":
            lines.append(f"    {'':<{width}}  → {check.hint}")
    if report.contract:
        lines += ["", paint("Contract variants this platform shows", bold=True)
                  + " (see docs/local-platform.md, 'Contract variants'):"]
        width = max(len(seen.variant) for seen in report.contract)
        for seen in report.contract:
            value = seen.value
            if value == UNKNOWN and seen.candidates:
                value += f" ({' | '.join(seen.candidates)})"
            shown = paint(value, dim=True) if seen.value == UNKNOWN else paint(value, bold=True)
            lines.append(f"  {seen.variant:<{width}}  {shown}: {seen.evidence}")
    lines.append("")
    if report.ok:
        lines.append(paint("No problem found.", "green", bold=True)
                     + " Next: `aep-exports plan` shows what apply would do.")
    else:
        failed = [check.name for check in report.checks if check.status == "error"]
        lines.append(paint(f"Doctor found a problem: {', '.join(failed)}.", "red", bold=True)
                     + " Fix it as shown (→), then run `aep-exports doctor` again.")
    return "\n".join(lines) + "\n"


def render_doctor_json(report: DoctorReport) -> str:
    """``schemas/doctor.schema.json``."""
    return json.dumps(versioned(report.as_json()), indent=2) + "\n"
