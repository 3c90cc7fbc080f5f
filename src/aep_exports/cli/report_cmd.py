"""``aep-exports report [-o report.html] [--select …] [--since 30d|all] [--now T]``: the HTML report."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import EXPORT_KEYS, POSITIVE_DURATION, now_option
from aep_exports.errors import AepExportsError

DEFAULT_OUT = Path("report.html")
DEFAULT_SINCE = "30d"


class SinceType(click.ParamType):  # type: ignore[type-arg]  # generic only since click 8.2
    """A positive duration (the project's grammar), or ``all`` for the whole history (None)."""

    name = "since"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta | None:
        if value is None or isinstance(value, timedelta):
            return value
        if str(value).strip().lower() == "all":
            return None
        try:
            converted: timedelta = POSITIVE_DURATION.convert(value, param, ctx)
        except click.BadParameter as exc:
            self.fail(f"{exc.message}, or 'all' for the whole history", param, ctx)
        return converted

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "DURATION|all"


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


def write_report(
    cli: CliContext,
    out: Path,
    *,
    selectors: tuple[str, ...] = (),
    since: timedelta | None = None,
    now: datetime | None = None,
) -> WrittenReport:
    """Read state and declarations (never the platform; nothing is locked or written but ``out``).

    ``since`` None draws the whole history; ``now`` None is ``AEP_EXPORTS_NOW``, else the
    local platform's clock (``platform: local``), else the real time.
    """
    from aep_exports.cli.wiring import load_declared, now_from, open_state, reading_now
    from aep_exports.config.selection import parse_selectors
    from aep_exports.extras import require_extra
    from aep_exports.ops.report_data import build_report_data

    selection = parse_selectors(selectors)
    require_extra("report", "the HTML report")
    from aep_exports.render.report_html import render_report_html

    settings = cli.settings()
    _, desired = load_declared(settings)
    state = open_state(settings).read()
    moment = reading_now(settings, now_from(now))  # as `plan`: the local platform's clock
    data = build_report_data(state, desired, moment, since=since, selection=selection)
    page = render_report_html(data).encode("utf-8")
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
    shell_complete=EXPORT_KEYS,
    help="Only exports with this key (or glob: vip-*) or label (team=crm); repeatable: labels ANDed, "
    "keys ORed.",
)
@click.option(
    "--since",
    type=SinceType(),
    default=DEFAULT_SINCE,
    show_default=True,
    help="Draw runs whose window ends within this span before now (e.g. 7d, 12h), or 'all'.",
)
@now_option("Report")
@click.pass_obj
def report(
    cli: CliContext, out: Path, selectors: tuple[str, ...], since: timedelta | None, now_text: datetime | None
) -> None:
    """Write one self-contained HTML page of every export's runs.

    \b
    Per export: a timeline of run windows coloured by outcome (retries and cancellations
    marked, gaps in incremental coverage shaded), rows and minutes per run, watermark lag,
    next slot and health, with hover details; a sortable summary table and filters by
    label, health and last outcome on top. Opens offline: plotly.js is inlined.
    Reads the state file and declarations only (no platform call, no lock).
    Needs the optional extra: pip install 'aep-exports[report]'.
    """
    written = write_report(cli, out, selectors=selectors, since=since, now=now_text)
    click.echo(written.describe())
