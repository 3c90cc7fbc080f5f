"""``aep-exports download KEY [--run JOB_ID] [-o DIR]``: the parquet files of an export run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import EXPORT_KEYS
from aep_exports.errors import AepExportsError

if TYPE_CHECKING:
    from aep_exports.ops.download import DownloadSummary

DEFAULT_DIR = Path("downloads")


def run_download(cli: CliContext, key: str, job_id: int | None, out_dir: Path | None) -> DownloadSummary:
    """Pick the run, list its files and fetch them with a progress display on stderr."""
    from aep_exports.cli.wiring import load_declared, open_client, open_state
    from aep_exports.config.problems import did_you_mean
    from aep_exports.ops.download import choose_job, download_run, list_run_files
    from aep_exports.ops.progress import progress_for

    settings = cli.settings()
    _, desired = load_declared(settings)
    state = open_state(settings).read()
    if key not in desired.exports and key not in state.exports:
        known = sorted(set(desired.exports) | set(state.exports))
        raise AepExportsError(
            f"unknown key {key!r}: no export of that name is declared or in state{did_you_mean(key, known)}",
            hint="exports: " + (", ".join(known) if known else "none"),
        )
    chosen = choose_job(state, key, job_id)
    target = out_dir if out_dir is not None else Path(settings.project_dir) / DEFAULT_DIR / key / str(chosen)
    with open_client(settings) as client:
        run = list_run_files(client, key, chosen, target)
        return download_run(client, run, progress_for())


@click.command("download")
@click.argument("key", shell_complete=EXPORT_KEYS)
@click.option(
    "--run", "job_id", type=int, metavar="JOB_ID", help="This run's job (default: the latest successful run)."
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write into [default: PROJECT/downloads/KEY/JOB_ID].",
)
@click.pass_obj
def download(cli: CliContext, key: str, job_id: int | None, out_dir: Path | None) -> None:
    """Download the parquet files of an export run.

    Files land in DIR/<batch id>/<file name>. Complete files are skipped and partial ones
    resumed, so running it again after an interruption fetches only what is missing.
    """
    summary = run_download(cli, key, job_id, out_dir)
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
