"""``aep-exports status [KEY]... [--select S]... [--format text|json|openmetrics] [--check] [--refresh]``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import ALL_KEYS, now_option, select_option, selection_of
from aep_exports.errors import AepExportsError, CheckFailed

if TYPE_CHECKING:
    from aep_exports.ops.status import StatusReport


def status_report(
    cli: CliContext,
    keys: tuple[str, ...],
    now_text: datetime | None,
    *,
    live: bool,
    selectors: tuple[str, ...] = (),
) -> StatusReport:
    """Status from state (and, with ``live``, from the platform read now; state is never written)."""
    from aep_exports.cli.wiring import (
        load_declared,
        now_from,
        open_client,
        open_state,
        read_only_now,
        reading_now,
    )
    from aep_exports.ops.status import compute_status
    from aep_exports.plan.scope import select_scope

    settings = cli.settings()
    _, desired = load_declared(settings)
    backend = open_state(settings)
    scope = select_scope(selectors, desired)
    now = now_from(now_text)
    if live:
        from aep_exports.reconcile.refresh import refresh

        with open_client(settings) as client:
            now = read_only_now(settings, client, now)
            only = None if scope.everything else scope.has_export
            state = refresh(client, backend, desired, now, write=False, command="status", only=only).state
    else:
        state = backend.read()
        now = reading_now(settings, now)  # the instant `plan` would use: the local platform's clock
    known = set(desired.exports) | set(desired.datasets) | set(state.exports) | set(state.datasets)
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise AepExportsError(
            f"no export or dataset named {', '.join(map(repr, unknown))}",
            hint="known keys: " + (", ".join(sorted(known)) or "none"),
        )
    return compute_status(state, desired, now, keys=keys, scope=scope)


def check_health(report: StatusReport) -> None:
    """``--check``: CheckFailed (exit 1) naming every export that is failing, breached or late."""
    from aep_exports.ops.status import UNHEALTHY

    bad = [item for item in report.exports if item.health in UNHEALTHY]
    if bad:
        raise CheckFailed(
            f"{len(bad)} of {len(report.exports)} export(s) not healthy:\n"
            + "\n".join(f"  {item.key}: {item.health}: {item.reason}" for item in bad),
            hint="`aep-exports status KEY` shows one export; fix the cause, or adjust its expect: bounds.",
        )


@click.command("status")
@click.argument("keys", nargs=-1, metavar="[KEY]...", shell_complete=ALL_KEYS)
@select_option("Report")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "openmetrics"]),
    default="text",
    show_default=True,
    help="openmetrics: Prometheus/OpenMetrics text, for a textfile collector or a Pushgateway.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 when an export is failing, breached (expect:) or late, after printing the status.",
)
@now_option("Report")
@click.option(
    "--refresh",
    "live",
    is_flag=True,
    help="Read the platform first (unfinished jobs' current status); state is not written.",
)
@click.pass_obj
def status(
    cli: CliContext,
    keys: tuple[str, ...],
    selectors: tuple[str, ...],
    fmt: str,
    check: bool,
    now_text: datetime | None,
    live: bool,
) -> None:
    """Show each export's last run, next slot, watermark lag and health.

    \b
    Health: late (a run is past its timeout), running, failing (the newest run did not
    succeed), breached (it broke its expect: bounds, or the watermark is older than
    max_lag), late (a due slot waited longer than half its interval, at most 1 h), healthy.
    Slots are shown in UTC and, for a schedule in another timezone, in local time too.
    Reads the state file only, unless --refresh. With --check, CI fails on bad health.
    """
    from aep_exports.render.status import render_status_json, render_status_text
    from aep_exports.render.style import use_colour

    report = status_report(cli, keys, now_text, live=live, selectors=selection_of(selectors))
    if fmt == "json":
        click.echo(render_status_json(report), nl=False)
    elif fmt == "openmetrics":
        from aep_exports.render.openmetrics import render_status_openmetrics

        click.echo(render_status_openmetrics(report), nl=False)
    else:
        click.echo(render_status_text(report, colour=use_colour()), nl=False)
    if check:
        check_health(report)
