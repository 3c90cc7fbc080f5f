"""``aep-exports state``: inspect and edit the state (``list``, ``show``, ``mv``, ``rm``, ``push``, ``pull``,
``ack``).

Nothing here talks to the platform: ``state rm`` only makes aep-exports forget a resource, ``state mv``
only renames its entry.
A KEY is a dataset or export key, or an address ``dataset.KEY`` / ``export.KEY`` when a
dataset and an export share the key.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import ALL_KEYS, lock_seconds, lock_timeout_option
from aep_exports.cli.state_ack_cmd import ack
from aep_exports.cli.state_sync_cmd import pull, push
from aep_exports.cli.wiring import known_org
from aep_exports.errors import StateError, UsageError

if TYPE_CHECKING:
    from aep_exports.config.settings import Settings
    from aep_exports.state.backend import StateBackend
    from aep_exports.state.model import DatasetRecord, ExportRecord, Resource, RunRecord, StateDocument

_FORMAT = click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
                       show_default=True, help="Text for people, JSON for tools.")


def _backend(ctx: click.Context) -> tuple[StateBackend, Settings]:
    from aep_exports.state.backend import open_backend

    context: CliContext = ctx.obj
    settings = context.settings()
    return open_backend(settings, org=known_org(settings)), settings


def _iso(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value is not None else "-"


def _run_summary(run: RunRecord | None) -> str:
    if run is None:
        return "never ran"
    job = f"job {run.job_id}" if run.job_id is not None else "no job"
    return f"{run.status} ({job}, slot {_iso(run.slot)})"


def _find(doc: StateDocument, address: str) -> tuple[Resource, str, DatasetRecord | ExportRecord]:
    """(kind, key, record) for ``KEY``, ``dataset.KEY`` or ``export.KEY``."""
    kind, _, key = address.partition(".") if "." in address else ("", "", address)
    if kind not in ("", "dataset", "export"):
        raise UsageError(f"{address!r} is not a state address: use KEY, dataset.KEY or export.KEY")
    found: list[tuple[Resource, str, DatasetRecord | ExportRecord]] = []
    if kind in ("", "dataset") and key in doc.datasets:
        found.append(("dataset", key, doc.datasets[key]))
    if kind in ("", "export") and key in doc.exports:
        found.append(("export", key, doc.exports[key]))
    if not found:
        known = sorted([f"dataset.{k}" for k in doc.datasets] + [f"export.{k}" for k in doc.exports])
        hint = ("state holds: " + ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")) if known \
            else "the state is empty"
        raise StateError(f"{address!r} is not in the state", hint=hint)
    if len(found) > 1:
        raise UsageError(f"{key!r} is both a dataset and an export in the state: "
                         f"say dataset.{key} or export.{key}")
    return found[0]


@click.group(commands=[push, pull, ack])
def state() -> None:
    """Inspect or edit the state document (list, show, mv, rm, push, pull, ack).

    The state records what aep-exports created and ran: dataset ids, each export's
    watermark and run history, and write-ahead records of requests in flight.
    `push` and `pull` copy it between the local file and a PostgreSQL database.
    """


@state.command("list")
@_FORMAT
@click.pass_context
def list_(ctx: click.Context, output_format: str) -> None:
    """List the datasets and exports in the state, with ids, watermarks and last runs."""
    backend, _ = _backend(ctx)
    doc = backend.read()
    if output_format == "json":
        click.echo(json.dumps(_list_json(doc, backend), indent=2))
        return
    if doc.is_empty:
        click.echo(f"No state yet for org {doc.org}, sandbox {doc.sandbox} ({backend.describe()}).")
        return
    click.echo(f"{backend.describe()}: serial {doc.serial}, lineage {doc.lineage}")
    click.echo(f"org {doc.org}, sandbox {doc.sandbox}, last refresh {_iso(doc.last_refresh)}")
    click.echo(f"\nDatasets ({len(doc.datasets)}):")
    width = max((len(k) for k in [*doc.datasets, *doc.exports]), default=0)
    for key, dataset in sorted(doc.datasets.items()):
        flag = "  (orphaned)" if dataset.orphaned else ""
        click.echo(f"  {key:<{width}}  {dataset.id}{flag}")
    click.echo(f"\nExports ({len(doc.exports)}):")
    for key, export in sorted(doc.exports.items()):
        flag = "  (orphaned)" if export.orphaned else ""
        click.echo(f"  {key:<{width}}  watermark {_iso(export.watermark)}  "
                   f"last run {_run_summary(export.last_run())}{flag}")
    pending = doc.open_intents()
    if pending:
        click.echo(f"\n{len(pending)} request(s) in flight or interrupted; "
                   "the next apply or refresh checks them.")


def _list_json(doc: StateDocument, backend: StateBackend) -> dict[str, Any]:
    def run_json(run: RunRecord | None) -> dict[str, Any] | None:
        return None if run is None else run.model_dump(mode="json", include={"job_id", "slot", "status",
                                                                             "window_from", "window_to"})

    return {
        "backend": backend.describe(),
        "org": doc.org,
        "sandbox": doc.sandbox,
        "lineage": None if doc.is_empty else doc.lineage,
        "serial": doc.serial,
        "last_refresh": _iso(doc.last_refresh) if doc.last_refresh else None,
        "datasets": [{"key": key, "id": record.id, "orphaned": record.orphaned}
                     for key, record in sorted(doc.datasets.items())],
        "exports": [{"key": key, "watermark": _iso(record.watermark) if record.watermark else None,
                     "runs": len(record.runs), "last_run": run_json(record.last_run()),
                     "orphaned": record.orphaned}
                    for key, record in sorted(doc.exports.items())],
        "open_intents": len(doc.open_intents()),
    }


@state.command()
@click.argument("key", shell_complete=ALL_KEYS)
@_FORMAT
@click.pass_context
def show(ctx: click.Context, key: str, output_format: str) -> None:
    """Show everything the state holds about KEY (a dataset or an export)."""
    backend, _ = _backend(ctx)
    doc = backend.read()
    kind, key, record = _find(doc, key)
    data = record.model_dump(mode="json")
    intents = [i.model_dump(mode="json") for i in doc.intents.values() if i.key == key and i.resource == kind]
    if output_format == "json":
        from aep_exports.render.machine import versioned

        click.echo(json.dumps(versioned({"kind": kind, "key": key, **data, "intents": intents}), indent=2))
        return
    click.echo(f"{kind} {key}" + ("  (orphaned: no longer declared)" if data.get("orphaned") else ""))
    if kind == "dataset":
        click.echo(f"  id:         {data['id']}")
        click.echo(f"  created at: {data['created_at'] or '-'}")
    else:
        click.echo(f"  watermark:  {data['watermark'] or '-'}")
        runs = data["runs"]
        click.echo(f"  runs:       {len(runs)} (newest last)")
        for run in runs:
            window = f"{run['window_from'] or '-'} .. {run['window_to'] or '-'}"
            job = f"job {run['job_id']}" if run["job_id"] is not None else "no job"
            extra = " cancelled by aep-exports" if run["cancelled_by_tool"] else ""
            extra += f" attempt {run['attempt']}" if run["attempt"] > 1 else ""
            extra += " restated" if run["restated"] else ""
            click.echo(f"    {run['slot']}  {run['status']:<10}  {job:<12}  window {window}{extra}")
            for error in run["errors"]:
                click.echo(f"      error {error.get('code', '?')}: {error.get('msg', error)}")
            for breach in run["breaches"]:
                click.echo(f"      breach: {breach}")
            if run["note"]:
                click.echo(f"      note: {run['note']}")
        for item in data["restatements"]:
            done = f", completed by job {item['job_id']}" if item["completed_at"] else ", pending"
            click.echo(f"  restated:   watermark {item['previous_watermark'] or '-'} -> "
                       f"{item['window_from'] or '(the beginning)'} by {item['requested_by']} "
                       f"at {item['requested_at']}{done}")
    click.echo("  spec:")
    for line in json.dumps(data["spec"], indent=2, sort_keys=True).splitlines():
        click.echo(f"    {line}")
    for intent in intents:
        status = "resolved" if intent["resolved"] else "OPEN"
        click.echo(f"  intent {intent['id']}: {intent['kind']} started {intent['started_at']} ({status})")


@state.command()
@click.argument("old", metavar="OLD", shell_complete=ALL_KEYS)
@click.argument("new", metavar="NEW")
@lock_timeout_option
@click.pass_context
def mv(ctx: click.Context, old: str, new: str, lock_timeout: timedelta | None) -> None:
    """Rename OLD to NEW in the state; its history follows (as `terraform state mv`).

    \b
    An export keeps its watermark and runs, a dataset its id: declare the export or dataset
    under NEW and the next plan continues where OLD stopped, with no re-export and no new
    dataset. OLD and NEW are keys, or dataset.KEY / export.KEY. The platform is not touched.
    To rename in review instead, write `moved: [{from: OLD, to: NEW}]` in a file under exports/.
    """
    from aep_exports.config.values import check_key

    backend, settings = _backend(ctx)
    kind, _, new_key = new.rpartition(".")
    try:
        check_key(new_key)
    except ValueError:
        raise UsageError(f"{new!r} is not a key (lowercase letters and digits joined by - or _)") from None
    with backend.lock(timeout=lock_seconds(lock_timeout, settings.lock_timeout), command="state mv"):
        doc = backend.read()
        resource, key, _ = _find(doc, old)
        if kind and kind != resource:
            raise UsageError(f"{old!r} is {'an' if resource == 'export' else 'a'} {resource}; "
                             f"it cannot become {new!r}")
        table = doc.datasets if resource == "dataset" else doc.exports
        if new_key in table:
            raise StateError(f"{resource} {new_key!r} is already in the state",
                             hint=f"remove it first with `aep-exports state rm {resource}.{new_key}`")
        before = doc.serial
        doc.move(resource, key, new_key)
        backend.write(doc, expected_serial=before)
    click.echo(f"Moved {resource} {key} to {new_key} (serial {before} -> {doc.serial}); "
               "the platform was not changed.")


def _interactive() -> bool:
    return sys.stdin.isatty()


@state.command()
@click.argument("key", shell_complete=ALL_KEYS)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (required without a terminal).")
@lock_timeout_option
@click.pass_context
def rm(ctx: click.Context, key: str, yes: bool, lock_timeout: timedelta | None) -> None:
    """Remove KEY from the state without touching the platform.

    The dataset or the export's jobs stay on the platform; aep-exports simply forgets
    them (`import` adopts them again). Its write-ahead records go too.
    """
    backend, settings = _backend(ctx)
    with backend.lock(timeout=lock_seconds(lock_timeout, settings.lock_timeout), command="state rm"):
        doc = backend.read()
        kind, key, record = _find(doc, key)
        if not yes:
            if not _interactive():
                raise UsageError(f"refusing to remove {kind} {key!r} from the state without confirmation",
                                 hint="pass --yes")
            click.confirm(f"Remove {kind} {key!r} from the state? The platform is not changed.", abort=True)
        before = doc.serial
        doc.forget(kind, key)
        backend.write(doc, expected_serial=before)
    click.echo(f"Removed {kind} {key} from the state (serial {before} -> {doc.serial}); "
               "the platform was not changed.")
    _warn_after_rm(record)


def _warn_after_rm(record: DatasetRecord | ExportRecord) -> None:
    from aep_exports.state.model import DatasetRecord

    if isinstance(record, DatasetRecord):
        click.echo(f"Dataset {record.id} still exists on the platform; "
                   "a declaration with this key would create a new one (`import dataset` adopts it).",
                   err=True)
        return
    for run in record.unfinished_runs():
        job = f"job {run.job_id}" if run.job_id is not None else "a job that may have been created"
        click.echo(f"Warning: {job} of slot {_iso(run.slot)} was unfinished; it is no longer tracked.",
                   err=True)
