"""``aep-exports import dataset KEY ID`` and ``import export KEY JOB_ID``: adopt platform resources."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import DATASET_KEYS, EXPORT_KEYS, lock_seconds, lock_timeout_option
from aep_exports.errors import AepExportsError

if TYPE_CHECKING:
    from aep_exports.ops.importing import ImportResult

_force = click.option(
    "--force",
    is_flag=True,
    help="Adopt it even if it differs from the declaration (the next plan shows the difference).",
)


@click.group("import")
def import_() -> None:
    """Adopt an existing dataset or export job into state.

    The resource must match its declaration (only the fields the declaration sets are
    compared); the differences are shown and nothing is recorded unless --force.
    """


def _run(
    cli: CliContext, resource: str, key: str, ident: str, force: bool, lock_timeout: timedelta | None
) -> None:
    from datetime import UTC, datetime

    from aep_exports.cli.wiring import load_declared, open_client, open_state
    from aep_exports.ops.importing import import_dataset, import_export

    settings = cli.settings()
    _, desired = load_declared(settings)
    backend = open_state(settings)
    timeout = lock_seconds(lock_timeout, settings.lock_timeout)
    now = datetime.now(UTC)
    with open_client(settings) as client:
        if resource == "dataset":
            result = import_dataset(
                client, backend, desired, key, ident, now=now, force=force, lock_timeout=timeout
            )
        else:
            if not ident.isdigit():
                raise AepExportsError(f"JOB_ID must be a number, not {ident!r}")
            result = import_export(
                client, backend, desired, key, int(ident), now=now, force=force, lock_timeout=timeout
            )
    _report(result)


def _report(result: ImportResult) -> None:
    from aep_exports.render.describe import change_lines
    from aep_exports.render.style import Painter, use_colour

    paint = Painter(use_colour())
    colours = {"+": "green", "-": "red", "~": "yellow"}
    what = (
        f"{result.resource} {result.platform_id}"
        if result.resource == "dataset"
        else f"job {result.platform_id}"
    )
    if result.changes:
        click.echo(
            f"{what} differs from the declaration of {result.resource} {result.key!r} "
            "(platform -> declaration):"
        )
        for symbol, text in change_lines(result.changes):
            click.echo("  " + paint(f"{symbol} {text}", colours.get(symbol)))
    if not result.adopted:
        raise AepExportsError(
            f"{what} does not match its declaration; nothing was imported",
            hint="change the declaration to match, or pass --force to adopt it anyway",
        )
    if result.forced:
        click.echo("Imported anyway (--force): the next plan shows these differences.")
    click.echo(f"Imported: {result.detail}.")


@import_.command("dataset")
@click.argument("key", shell_complete=DATASET_KEYS)
@click.argument("dataset_id", metavar="ID")
@_force
@lock_timeout_option
@click.pass_obj
def dataset(
    cli: CliContext, key: str, dataset_id: str, force: bool, lock_timeout: timedelta | None
) -> None:
    """Adopt dataset ID as the dataset declared under KEY."""
    _run(cli, "dataset", key, dataset_id, force, lock_timeout)


@import_.command("export")
@click.argument("key", shell_complete=EXPORT_KEYS)
@click.argument("job_id", metavar="JOB_ID")
@_force
@lock_timeout_option
@click.pass_obj
def export(cli: CliContext, key: str, job_id: str, force: bool, lock_timeout: timedelta | None) -> None:
    """Adopt export job JOB_ID as a run of the export declared under KEY (its dataset must be in state)."""
    _run(cli, "export", key, job_id, force, lock_timeout)
