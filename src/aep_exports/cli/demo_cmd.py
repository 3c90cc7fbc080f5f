"""``aep-exports demo``: the whole loop on the local platform in one command.

Validate → seed the profile store (when empty) → plan and apply with ``--auto-approve --wait``
(apply shows the plan first) → status → download one export's files and peek at them → write the
HTML report (``.aep-exports/report.html``) and print its path.
Re-running is safe: the store is not seeded again, apply does only what is due, and complete
files are not downloaded again. Manual exports are left alone (``apply --run KEY`` runs one).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import lock_timeout_option
from aep_exports.errors import AepExportsError, UsageError
from aep_exports.extras import require_extra

if TYPE_CHECKING:
    from aep_exports.config.settings import Settings
    from aep_exports.state.model import StateDocument

DEMO_PROFILES = 20_000
DEMO_SEED = 42
STEPS = 6
REPORT_PATH = Path(".aep-exports") / "report.html"


def _step(number: int, title: str) -> None:
    from aep_exports.render.style import use_colour

    text = f"==> [{number}/{STEPS}] {title}"
    click.echo("\n" + (click.style(text, bold=True) if use_colour() else text))


def ensure_seeded(settings: Settings, profiles: int) -> str:
    """Seed the local platform's profile store for the settings' sandbox when it holds no profile."""
    from datetime import UTC, datetime

    from aep_exports.cli.wiring import local_data_dir, resolve_org
    from aep_exports.platform.seeddata import generate
    from aep_exports.platform.store import ProfileStore, StoreError

    org, sandbox = resolve_org(settings), settings.sandbox
    data_dir = local_data_dir(settings)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        with ProfileStore.open(data_dir, org, sandbox) as store:
            if not store.is_empty():
                count = store.counts()["profiles"]
                return f"The profile store of sandbox {sandbox} already holds {count:,} profiles."
            report = generate(store, profiles=profiles, seed=DEMO_SEED, base_time=datetime.now(UTC))
    except StoreError as exc:
        raise AepExportsError(
            f"cannot seed the local platform: {getattr(exc, 'message', exc)}",
            hint="is `aep-exports platform serve` running on this project? Stop it first.",
        ) from None
    return (
        f"Seeded sandbox {sandbox}: {report.profiles:,} profiles, {report.events:,} events, "
        f"{report.memberships:,} segment memberships ({report.elapsed_ms} ms)."
    )


def pick_export(state: StateDocument, wanted: str | None) -> str | None:
    """The export to download: ``wanted``, else the one whose latest successful run exported the most rows."""
    if wanted is not None:
        return wanted
    best: tuple[int, str] | None = None
    for key, record in sorted(state.exports.items()):
        run = record.last_succeeded()
        if run is None or not run.batches:
            continue
        rows = run.metrics.get("totalExportedProfileCounter")
        score = rows if isinstance(rows, int) else 0
        if best is None or score > best[0]:
            best = (score, key)
    return best[1] if best else None


@click.command("demo")
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project to run on [default: the root --project, i.e. the current directory].",
)
@click.option(
    "--profiles",
    type=click.IntRange(min=1),
    default=DEMO_PROFILES,
    show_default=True,
    help="Profiles to generate when the local profile store is empty.",
)
@click.option(
    "--download",
    "download_key",
    metavar="KEY",
    help="Export whose files to download [default: the one with the most rows].",
)
@lock_timeout_option
@click.pass_context
def demo(
    ctx: click.Context,
    project_dir: Path | None,
    profiles: int,
    download_key: str | None,
    lock_timeout: timedelta | None,
) -> None:
    """Run the whole loop on the local platform: seed, plan, apply --wait, status, download, report.

    \b
    1. validate the declarations under exports/
    2. seed the local platform's profile store (only when it is empty)
    3. plan and apply (--auto-approve --wait): create datasets, run due exports, record outcomes
    4. status of every export and dataset
    5. download one export's parquet files and show their rows and columns
    6. write the HTML report of every export's runs (.aep-exports/report.html)
    Safe to run again: only what is due runs, and complete files are not fetched twice.
    Manual exports (schedule: manual) are not run; `aep-exports apply --run KEY` runs one.
    """
    from aep_exports.cli.apply_cmd import apply
    from aep_exports.cli.status_cmd import status
    from aep_exports.cli.validate_cmd import validate

    require_extra("local", "the demo (it runs on the local platform)")
    parent: CliContext = ctx.obj
    if project_dir is not None:
        ctx.obj = CliContext(
            project_dir=project_dir, sandbox=parent.sandbox, platform=parent.platform, debug=parent.debug
        )
    cli: CliContext = ctx.obj
    settings = cli.settings()
    if not settings.is_local:
        raise UsageError(
            "the demo runs on the local platform only",
            hint="set `platform: local` in aep-exports.yaml (or pass --platform local)",
        )

    _step(1, "Validate the declarations")
    ctx.invoke(validate, output_format="text")
    _step(2, "Seed the local platform")
    click.echo(ensure_seeded(settings, profiles))
    _step(3, "Plan and apply (--auto-approve --wait)")
    ctx.invoke(apply, auto_approve=True, wait=True, lock_timeout=lock_timeout)
    _step(4, "Status")
    ctx.invoke(status, keys=(), fmt="text", now_text=None, live=False)
    _step(5, "Download")
    _download(cli, settings, download_key)
    _step(6, "Report")
    report = _report(cli, settings)
    click.echo(
        "\nNext: edit exports/*.yaml and run `aep-exports plan`; "
        "`aep-exports apply --run KEY --auto-approve --wait` runs a manual export now."
    )
    if report is not None:
        click.echo(f"Open the report in a browser: {report.as_uri()}")


def _download(cli: CliContext, settings: Settings, wanted: str | None) -> None:
    from aep_exports.cli.download_cmd import describe, run_download
    from aep_exports.cli.wiring import open_state
    from aep_exports.ops.peek import peek_parquet

    key = pick_export(open_state(settings).read(), wanted)
    if key is None:
        click.echo("No export has a successful run with files yet; nothing to download.")
        return
    summary = run_download(cli, key, None, None)
    click.echo(describe(summary))
    peek = peek_parquet(summary.paths)
    click.echo(
        f"Peek: {peek.rows:,} rows in {peek.files} parquet file{'s' if peek.files != 1 else ''}; "
        f"columns: {', '.join(peek.columns) or '(none)'}"
    )


def _report(cli: CliContext, settings: Settings) -> Path | None:
    """Write the report of everything in state; without the ``report`` extra, say how to get it."""
    from aep_exports.cli.report_cmd import write_report
    from aep_exports.errors import MissingExtraError

    try:
        written = write_report(cli, Path(settings.project_dir) / REPORT_PATH)
    except MissingExtraError as exc:
        if exc.extra != "report":
            raise
        click.echo(f"Report skipped: {exc.message}; {exc.hint}")
        return None
    click.echo(written.describe())
    return written.path
