"""Plans and drift as GitHub Markdown: the summary visible, a collapsible section per resource.

Kept under GitHub's comment limit (65,536 characters): when the full text would not fit, resource
sections are dropped from the end and a note points to the saved plan artifact.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby

from aep_exports.plan.actions import RunExport
from aep_exports.plan.drift import drift_report
from aep_exports.plan.model import DriftFinding, Plan
from aep_exports.plan.windows import format_instant
from aep_exports.render.describe import (
    change_lines,
    detail_lines,
    headline,
    resource_name,
    window_text,
)
from aep_exports.render.mermaid import plan_gantt
from aep_exports.state.model import ExportRecord

MARKDOWN_LIMIT = 65_000
_TRUNCATED = (
    "\n> **Output truncated** to stay under GitHub's comment limit: {hidden} more resource "
    "section(s) not shown. The full plan is in the `plan.json` artifact of this run.\n"
)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _diff_block(lines: list[tuple[str, str]]) -> str:
    """A ```diff block: GitHub colours ``+`` lines green and ``-`` lines red; others are context."""
    marks = {"+": "+", "-": "-", "-/+": "!", "~": "!"}
    body = "\n".join(f"{marks.get(sym, ' ')} {text}" for sym, text in lines)
    return f"```diff\n{body}\n```"


def _finding_rows(findings: tuple[DriftFinding, ...]) -> list[str]:
    rows = ["| | resource | finding |", "|---|---|---|"]
    for finding in findings:
        mark = {"out_of_band": "🔴", "pending": "🟡", "info": "ℹ️"}[finding.kind]  # noqa: RUF001
        ident = f" (`{finding.id}`)" if finding.id else ""  # for `state ack ID`
        rows.append(f"| {mark} | `{finding.resource}.{finding.key}`{ident} | {_escape(finding.message)} |")
    return rows


def _finding_details(findings: tuple[DriftFinding, ...]) -> list[str]:
    parts: list[str] = []
    for finding in findings:
        if finding.changes:
            parts += [
                f"<details><summary><code>{finding.resource}.{finding.key}</code> field changes</summary>",
                "",
                _diff_block(list(change_lines(finding.changes, diff=True))),
                "",
                "</details>",
            ]
    return parts


def _resource_sections(plan: Plan) -> list[str]:
    sections: list[str] = []
    for resource, actions in groupby(plan.actions, key=resource_name):
        group = list(actions)
        symbols = " ".join(dict.fromkeys(a.symbol for a in group))
        summary = "; ".join(headline(a) for a in group)
        lines = [f"<details><summary><code>{symbols} {resource}</code> — {_escape(summary)}</summary>", ""]
        for action in group:
            lines.append(f"- **{_escape(headline(action))}** — {_escape(action.reason)}")
            if isinstance(action, RunExport):
                lines.append(f"  - window: `{window_text(action)}`")
            details = [(s, t) for s, t in detail_lines(action, diff=True) if not t.startswith("window")]
            if details:
                lines += ["", _diff_block(details), ""]
        lines += ["", "</details>"]
        sections.append("\n".join(lines))
    return sections


def _fit(head: str, sections: list[str], tail: str, limit: int) -> str:
    text = "\n\n".join([head, *sections, tail])
    if len(text) <= limit:
        return text
    kept: list[str] = []
    budget = limit - len(head) - len(tail) - len(_TRUNCATED) - 64
    for section in sections:
        if budget - len(section) - 2 < 0:
            break
        kept.append(section)
        budget -= len(section) + 2
    note = _TRUNCATED.format(hidden=len(sections) - len(kept))
    return "\n\n".join([head, *kept, note, tail])[:limit]


def _error_count(plan: Plan) -> str:
    count = len(plan.errors)
    return f"{count} error{'s' if count != 1 else ''}"


def render_plan_markdown(
    plan: Plan, *, limit: int = MARKDOWN_LIMIT, history: Mapping[str, ExportRecord] | None = None
) -> str:
    """The plan as a pull-request comment; ``history`` (state's exports) adds recent runs to the timeline.

    A plan with errors is headed as failed and lists its errors first: it cannot be applied, so what
    it would otherwise do comes after, under a heading that says so.
    """
    where = f"sandbox `{plan.sandbox}`" if plan.sandbox else "this sandbox"
    made = f"<sub>made for {format_instant(plan.now)} · state serial {plan.state_serial}</sub>"
    if plan.errors:
        head = [
            f"### ❌ aep-exports plan failed for {where}: {_error_count(plan)}",
            "",
            "**The plan cannot be applied until these are fixed:**",
            "",
            *[f"- ❌ {_escape(e.text())}" for e in plan.errors],
            "",
            made,
        ]
    else:
        head = [f"### aep-exports plan for {where}", "", f"**{_escape(plan.summary_line())}**", "", made]
    if plan.warnings:
        head += ["", "**Warnings:**", *[f"- ⚠️ {_escape(w.text())}" for w in plan.warnings]]
    if plan.out_of_band:
        head += [
            "",
            "#### Changed outside aep-exports",
            "",
            *_finding_rows(plan.out_of_band),
            "",
            *_finding_details(plan.out_of_band),
        ]
    if plan.refresh_pending and (plan.recovery or plan.refreshed):
        head += ["", "**The next apply will record:**"]
        head += [f"- {_escape(line)}" for line in plan.recovery]
        head += [f"- export `{r.key}`: job {r.job_id} {r.status}" for r in plan.refreshed]
    tail_lines = []
    if plan.skipped_files:
        tail_lines.append("<sub>Skipped: " + ", ".join(_escape(s) for s in plan.skipped_files) + "</sub>")
    timeline = plan_gantt(plan, history)
    if timeline:
        head += ["", "#### Timeline", "", timeline]
    if plan.actions:
        if plan.errors:
            head += ["", f"#### Actions once the errors are fixed ({_escape(plan.actions_summary())})"]
        else:
            head += ["", "#### Actions"]
    return _fit("\n".join(head), _resource_sections(plan), "\n".join(tail_lines), limit).rstrip() + "\n"


def render_drift_markdown(plan: Plan, *, limit: int = MARKDOWN_LIMIT) -> str:
    """The drift report for a job summary."""
    report = drift_report(plan)
    where = f"sandbox `{plan.sandbox}`" if plan.sandbox else "this sandbox"
    head = [f"### aep-exports drift check for {where}", "", f"**{report.headline()}**"]
    findings = report.out_of_band + report.pending + report.info
    if findings:
        head += ["", *_finding_rows(findings), "", *_finding_details(findings)]
    if plan.warnings:
        head += ["", "**Warnings:**", *[f"- ⚠️ {_escape(w.text())}" for w in plan.warnings]]
    return _fit("\n".join(head), [], "", limit).rstrip() + "\n"
