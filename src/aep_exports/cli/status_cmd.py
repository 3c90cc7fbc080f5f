"""``aep-exports status [KEY] [--format text|json] [--now] [--refresh]``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import ALL_KEYS, now_option
from aep_exports.errors import AepExportsError

if TYPE_CHECKING:
    from aep_exports.ops.status import StatusReport


def status_report(
    cli: CliContext, keys: tuple[str, ...], now_text: datetime | None, *, live: bool
) -> StatusReport:
    """Status from state (and, with ``live``, from the platform read now; state is never written)."""
    from datetime import UTC

    from aep_exports.cli.wiring import agree_on_now, load_declared, now_from, open_client, open_state
    from aep_exports.ops.status import compute_status

    settings = cli.settings()
    _, desired = load_declared(settings)
    backend = open_state(settings)
    now = now_from(now_text)
    if live:
        from aep_exports.reconcile.refresh import refresh

        with open_client(settings) as client:
            now = agree_on_now(settings, client, now)
            state = refresh(client, backend, desired, now, write=False, command="status").state
    else:
        state = backend.read()
        now = now or datetime.now(UTC).replace(microsecond=0)
    known = set(desired.exports) | set(desired.datasets) | set(state.exports) | set(state.datasets)
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise AepExportsError(
            f"no export or dataset named {', '.join(map(repr, unknown))}",
            hint="known keys: " + (", ".join(sorted(known)) or "none"),
        )
    return compute_status(state, desired, now, keys=keys)


@click.command("status")
@click.argument("keys", nargs=-1, metavar="[KEY]...", shell_complete=ALL_KEYS)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@now_option("Report")
@click.option(
    "--refresh",
    "live",
    is_flag=True,
    help="Read the platform first (unfinished jobs' current status); state is not written.",
)
@click.pass_obj
def status(cli: CliContext, keys: tuple[str, ...], fmt: str, now_text: datetime | None, live: bool) -> None:
    """Show each export's last run, next slot, watermark lag and health.

    \b
    Health: late (a run is past its timeout), running, failing (the newest run did not
    succeed), late (a due slot waited longer than half its interval, at most 1 h), healthy.
    Reads the state file only, unless --refresh.
    """
    from aep_exports.render.status import render_status_json, render_status_text
    from aep_exports.render.style import use_colour

    report = status_report(cli, keys, now_text, live=live)
    if fmt == "json":
        click.echo(render_status_json(report), nl=False)
    else:
        click.echo(render_status_text(report, colour=use_colour()), nl=False)
