"""``aep-exports download [KEY] [--select S]... [--run JOB_ID] [-o DIR]``: parquet files of export runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import EXPORT_KEYS, select_option, selection_of
from aep_exports.errors import AepExportsError, UsageError

if TYPE_CHECKING:
    from aep_exports.ops.download import DownloadSummary

DEFAULT_DIR = Path("downloads")


def run_download(cli: CliContext, key: str, job_id: int | None, out_dir: Path | None) -> DownloadSummary:
    """Pick the run, list its files and fetch them with a progress display on stderr."""
    [summary] = run_downloads(cli, (key,), (), job_id, out_dir)
    return summary


def _keys(known: set[str], keys: tuple[str, ...], selected: list[str]) -> list[str]:
    from aep_exports.config.problems import did_you_mean

    for key in keys:
        if key not in known:
            raise AepExportsError(
                f"unknown key {key!r}: no export of that name is declared or in state"
                f"{did_you_mean(key, sorted(known))}",
                hint="exports: " + (", ".join(sorted(known)) if known else "none"),
            )
    return list(keys) or selected


def run_downloads(
    cli: CliContext,
    keys: tuple[str, ...],
    selectors: tuple[str, ...],
    job_id: int | None,
    out_dir: Path | None,
) -> list[DownloadSummary]:
    """Each named (or selected) export's run: ``job_id``, else its latest successful one."""
    from aep_exports.cli.wiring import load_declared, open_client, open_state
    from aep_exports.ops.download import choose_job, download_run, list_run_files
    from aep_exports.ops.progress import progress_for
    from aep_exports.plan.scope import select_scope

    settings = cli.settings()
    _, desired = load_declared(settings)
    state = open_state(settings).read()
    known = set(desired.exports) | set(state.exports)
    scope = select_scope(selectors, desired)
    selected = sorted(key for key in known if scope.has_export(key)) if selectors else []
    chosen = [key for key in _keys(known, keys, selected) if scope.has_export(key)]
    if not chosen:
        raise AepExportsError(f"--select {scope.selection.describe()} selects no export")
    if selectors and not keys:  # several exports: each one's latest success, skipping those without
        chosen = [key for key in chosen if (r := state.exports.get(key)) is not None and r.last_succeeded()]
        if not chosen:
            raise AepExportsError("no selected export has a successful run to download")
    runs = [(key, choose_job(state, key, job_id)) for key in chosen]
    summaries: list[DownloadSummary] = []
    with open_client(settings) as client:
        for key, job in runs:
            base = out_dir if out_dir is not None else Path(settings.project_dir) / DEFAULT_DIR
            target = base / key / str(job) if out_dir is None or len(runs) > 1 else base
            files = list_run_files(client, key, job, target)
            summaries.append(download_run(client, files, progress_for()))
    return summaries


@click.command("download")
@click.argument("key", required=False, shell_complete=EXPORT_KEYS)
@select_option("Download")
@click.option(
    "--run", "job_id", type=int, metavar="JOB_ID", help="This run's job (default: the latest successful run)."
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write into [default: PROJECT/downloads/KEY/JOB_ID; several exports: DIR/KEY/JOB_ID].",
)
@click.pass_obj
def download(
    cli: CliContext, key: str | None, selectors: tuple[str, ...], job_id: int | None, out_dir: Path | None
) -> None:
    """Download the parquet files of an export run (or of every selected export's latest success).

    Files land in DIR/<batch id>/<file name>. Complete files are skipped and partial ones
    resumed, so running it again after an interruption fetches only what is missing.
    """
    if key is None and not selectors:
        raise UsageError(
            "name an export (KEY) or select some with --select", hint="aep-exports download --help"
        )
    if job_id is not None and key is None:
        raise UsageError("--run JOB_ID needs the export's KEY")
    for summary in run_downloads(cli, (key,) if key else (), selection_of(selectors), job_id, out_dir):
        click.echo(describe(summary))


def describe(summary: DownloadSummary) -> str:
    """``Downloaded 2 files (...) of job 7 (export daily) into DIR.``"""
    run = summary.run
    total = len(run.files)
    facts = [f"{summary.downloaded} downloaded"]
    if summary.resumed:
        facts.append(f"{summary.resumed} resumed")
    if summary.skipped:
        facts.append(f"{summary.skipped} already complete")
    size = f", {run.total_bytes:,} bytes" if run.total_bytes is not None else ""
    if total == 0:
        return f"Job {run.job_id} of export {run.key} wrote no files (nothing to download)."
    return (
        f"{total} file{'s' if total != 1 else ''} of job {run.job_id} (export {run.key}{size}; "
        + ", ".join(facts)
        + f") in {run.out_dir}"
    )
