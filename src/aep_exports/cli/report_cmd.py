"""``aep-exports report [-o report.html] [--select …] [--since 30d] [--now T]``: the HTML report."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aep_exports.cli.context import CliContext
from aep_exports.errors import AepExportsError, UsageError

if TYPE_CHECKING:
    from aep_exports.ops.report_data import ReportData

DEFAULT_OUT = Path("report.html")
DEFAULT_SINCE = "30d"


class ReportExtraMissing(AepExportsError):
    """plotly (the optional extra ``report``) is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "the report needs plotly, which is in an optional extra: pip install 'aep-exports[report]'"
        )


@dataclass(frozen=True)
class WrittenReport:
    """Where the report went and what it holds."""

    path: Path
    exports: int
    runs: int
    excluded: int
    size: int

    def describe(self) -> str:
        """``Report: PATH (3 exports, 12 runs; 4.9 MB)``."""
        left_out = f", {self.excluded} not selected" if self.excluded else ""
        return (
            f"Report: {self.path} ({self.exports} export{'s' if self.exports != 1 else ''}{left_out}, "
            f"{self.runs} run{'s' if self.runs != 1 else ''}; {self.size / 1_000_000:.1f} MB)"
        )


def parse_since(text: str) -> timedelta | None:
    """``30d``, ``12h``, ``1d12h`` … or ``all`` (None: the whole history in state)."""
    from aep_exports.config.values import parse_duration

    if text.strip().lower() == "all":
        return None
    try:
        return parse_duration(text)
    except ValueError:
        raise UsageError(f"--since {text!r}: expected a duration like 30d, 12h or 1d12h, or 'all'") from None


def _render(data: ReportData) -> str:
    try:
        from aep_exports.render.report_html import render_report_html
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "plotly":
            raise ReportExtraMissing from None
        raise
    return render_report_html(data)


def write_report(
    cli: CliContext,
    out: Path,
    *,
    selectors: tuple[str, ...] = (),
    since: str = DEFAULT_SINCE,
    now_text: str | None = None,
) -> WrittenReport:
    """Read state and declarations (never the platform; nothing is locked or written but ``out``)."""
    from aep_exports.cli.wiring import load_declared, now_from, open_state
    from aep_exports.config.selection import parse_selectors
    from aep_exports.ops.report_data import build_report_data

    selection = parse_selectors(selectors)
    window = parse_since(since)
    settings = cli.settings()
    _, desired = load_declared(settings)
    state = open_state(settings).read()
    now = now_from(now_text) or datetime.now(UTC).replace(microsecond=0)
    data = build_report_data(state, desired, now, since=window, selection=selection)
    page = _render(data).encode("utf-8")
    # Written next to the target, then renamed: a reader never sees half a report.
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        partial.write_bytes(page)
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise AepExportsError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    return WrittenReport(out.resolve(), len(data.exports), data.run_count, data.excluded, len(page))


@click.command("report")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="The HTML file to write (replaced atomically).",
)
@click.option(
    "--select",
    "selectors",
    multiple=True,
    metavar="SELECTOR",
    help="Only exports with this key (or glob: vip-*) or label (team=crm); repeatable: labels ANDed, "
    "keys ORed.",
)
@click.option(
    "--since",
    default=DEFAULT_SINCE,
    show_default=True,
    metavar="DURATION|all",
    help="Draw runs whose window ends within this span before now (e.g. 7d, 12h), or 'all'.",
)
@click.option(
    "--now", "now_text", metavar="RFC3339", help="Report as if it were this instant (also AEP_EXPORTS_NOW)."
)
@click.pass_obj
def report(cli: CliContext, out: Path, selectors: tuple[str, ...], since: str, now_text: str | None) -> None:
    """Write one self-contained HTML page of every export's runs.

    \b
    Per export: a timeline of run windows coloured by outcome (retries and cancellations
    marked, gaps in incremental coverage shaded), rows and minutes per run, watermark lag,
    next slot and health, with hover details; a sortable summary table and filters by
    label, health and last outcome on top. Opens offline: plotly.js is inlined.
    Reads the state file and declarations only (no platform call, no lock).
    Needs the optional extra: pip install 'aep-exports[report]'.
    """
    written = write_report(cli, out, selectors=selectors, since=since, now_text=now_text)
    click.echo(written.describe())
