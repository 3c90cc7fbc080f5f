"""``aep-exports state push`` / ``state pull``: copy state between the local file and PostgreSQL.

``push`` moves a team onto a shared database (or restores it from a local copy); ``pull`` takes a
local copy of the shared state. Both refuse to replace a different state (another lineage) or
one written after the copy's source, unless ``--force``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import lock_seconds, lock_timeout_option
from aep_exports.errors import StateError, UsageError

if TYPE_CHECKING:
    from aep_exports.config.settings import Settings
    from aep_exports.state.backend import StateBackend
    from aep_exports.state.sync import Transfer

_URL = click.option("--url", metavar="postgresql://...", envvar=None,
                    help="The database (default: AEP_STATE_URL or 'state' in aep-exports.yaml).")
_DIR = click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
                    help="The local state directory (default: 'state' in aep-exports.yaml when it is a "
                         "directory, else .aep-exports/state).")
_FORCE = click.option("--force", is_flag=True,
                      help="Replace the destination even if it holds another state or newer changes.")


def _backends(cli: CliContext, url: str | None,
              directory: Path | None) -> tuple[StateBackend, StateBackend, Settings]:
    """(file backend, database backend, settings) for the project's org and sandbox."""
    from aep_exports.cli.wiring import known_org
    from aep_exports.config.settings import DEFAULT_STATE
    from aep_exports.state.file_backend import FileStateBackend
    from aep_exports.state.postgres import PostgresStateBackend

    settings = cli.settings()
    org = known_org(settings)
    if not org:
        raise StateError("no org id is configured, so state cannot be located",
                         hint="set 'org' in aep-exports.yaml or AEP_ORG_ID")
    database = url or (settings.state if settings.state_is_url else None)
    if not database:
        raise UsageError("no database to copy state to or from",
                         hint="set AEP_STATE_URL=postgresql://... or pass --url")
    if directory is None:
        directory = settings.state_dir or (settings.project_dir / DEFAULT_STATE)
    elif not directory.is_absolute():
        directory = settings.project_dir / directory
    return (FileStateBackend(directory, org, settings.sandbox),
            PostgresStateBackend(database, org, settings.sandbox), settings)


def _report(verb: str, result: Transfer, source: StateBackend, destination: StateBackend) -> None:
    if not result.written:
        click.echo(f"{destination.describe()} already holds this state (lineage {result.lineage}); "
                   "nothing to do.")
        return
    click.echo(f"{verb} the state (lineage {result.lineage}, serial {result.source_serial})\n"
               f"  from {source.describe()}\n  to   {destination.describe()} (now serial "
               f"{result.destination_serial}).")
    if result.replaced_lineage:
        click.echo(f"It replaced a state of lineage {result.replaced_lineage}"
                   + (f", kept as {result.set_aside}." if result.set_aside else "."))


def _run(ctx: click.Context, push: bool, url: str | None, directory: Path | None, force: bool,
         lock_timeout: timedelta | None) -> None:
    from aep_exports.state.sync import transfer_state

    local, remote, settings = _backends(ctx.obj, url, directory)
    source, destination = (local, remote) if push else (remote, local)
    timeout = lock_seconds(lock_timeout, settings.lock_timeout)
    result = transfer_state(source, destination, force=force, lock_timeout=timeout,
                            command="state push" if push else "state pull")
    _report("Pushed" if push else "Pulled", result, source, destination)


@click.command("push")
@_URL
@_DIR
@_FORCE
@lock_timeout_option
@click.pass_context
def push(ctx: click.Context, url: str | None, directory: Path | None, force: bool,
         lock_timeout: timedelta | None) -> None:
    """Copy the local state file into the PostgreSQL database."""
    _run(ctx, True, url, directory, force, lock_timeout)


@click.command("pull")
@_URL
@_DIR
@_FORCE
@lock_timeout_option
@click.pass_context
def pull(ctx: click.Context, url: str | None, directory: Path | None, force: bool,
         lock_timeout: timedelta | None) -> None:
    """Copy the state in the PostgreSQL database into the local state file."""
    _run(ctx, False, url, directory, force, lock_timeout)
