"""Download the parquet files of an export run through Data Access, resuming partial files.

Layout: ``<out_dir>/<batch id>/<file name>``. A complete file (its size equals the listed
length) is skipped; a shorter one, or a ``.part`` left by an interrupted download, is resumed
with a ``Range`` request; a file appears under its name only once complete.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from aep_exports.errors import AepExportsError, NotFoundError
from aep_exports.state.model import ACTIVE_JOB_STATUSES, RunStatus, StateDocument

if TYPE_CHECKING:
    from aep_exports.client import AsyncPlatformClient, DownloadResult, PlatformClient
    from aep_exports.ops.progress import Progress

PART_SUFFIX = ".part"  # the client's name for a file being received
POLL_S = 0.1


@dataclass(frozen=True)
class RemoteFile:
    """One physical file of a run: where it is on the platform and where it goes."""

    batch_id: str
    file_id: str
    name: str
    length: int | None
    dest: Path


@dataclass(frozen=True)
class RunFiles:
    """The files of one SUCCEEDED job of an export."""

    key: str
    job_id: int
    out_dir: Path
    files: tuple[RemoteFile, ...]

    @property
    def total_bytes(self) -> int | None:
        """Sum of the listed lengths (None when the platform did not give them all)."""
        lengths = [f.length for f in self.files]
        return None if any(length is None for length in lengths) else sum(length or 0 for length in lengths)


@dataclass(frozen=True)
class DownloadSummary:
    """What a download did."""

    run: RunFiles
    downloaded: int
    skipped: int
    resumed: int
    bytes_received: int

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file of the run, on disk."""
        return tuple(f.dest for f in self.run.files)


def choose_job(state: StateDocument, key: str, job_id: int | None) -> int:
    """The job to download: ``job_id`` if it is a run of ``key`` in state, else the latest SUCCEEDED one."""
    record = state.exports.get(key)
    if record is None or not record.runs:
        raise AepExportsError(
            f"export {key!r} has no runs in state",
            hint="run it first: aep-exports apply --wait (or import its job)",
        )
    if job_id is not None:
        if record.find_run(job_id=job_id) is None:
            recent = [str(r.job_id) for r in reversed(record.runs) if r.job_id is not None][:10]
            raise AepExportsError(
                f"job {job_id} is not a run of export {key!r} in state",
                hint="its runs: "
                + (", ".join(recent) or "none with a job")
                + f"; a job started elsewhere can be adopted with "
                f"aep-exports import export {key} {job_id}",
            )
        return job_id
    success = record.last_succeeded()
    if success is None or success.job_id is None:
        last = record.last_run()
        status = last.status if last is not None else "none"
        raise AepExportsError(
            f"export {key!r} has no successful run to download (last run: {status})",
            hint="if a run finished since, record it with aep-exports refresh",
        )
    return success.job_id


def _safe_name(name: str) -> Path:
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    if not parts:
        raise AepExportsError(f"the platform listed a file with an unusable name: {name!r}")
    return Path(*parts)


def list_run_files(client: PlatformClient, key: str, job_id: int, out_dir: Path) -> RunFiles:
    """Check on the platform that the job SUCCEEDED, and list its files (batch → dataset file → entries)."""
    try:
        job = client.get_export_job(job_id)
    except NotFoundError:
        raise AepExportsError(f"export job {job_id} was not found on the platform") from None
    status = job.status.upper()
    if status != RunStatus.SUCCEEDED:
        detail = "; ".join(e.msg or e.code or "" for e in job.errors if e.msg or e.code)
        raise AepExportsError(
            f"job {job_id} of export {key!r} is {status}"
            + (f" ({detail})" if detail else "")
            + ": only a SUCCEEDED run has files to download",
            hint="wait for it (aep-exports apply --wait) or pick another run with --run JOB_ID"
            if status in ACTIVE_JOB_STATUSES
            else "pick a successful run with --run JOB_ID",
        )
    files: list[RemoteFile] = []
    for batch_id in job.batch_ids:
        for dataset_file in client.list_batch_files(batch_id):
            for entry in client.list_file_entries(dataset_file.file_id):
                files.append(
                    RemoteFile(
                        batch_id=batch_id,
                        file_id=dataset_file.file_id,
                        name=entry.name,
                        length=entry.length,
                        dest=out_dir / batch_id / _safe_name(entry.name),
                    )
                )
    return RunFiles(key=key, job_id=job_id, out_dir=out_dir, files=tuple(files))


def _prepare(item: RemoteFile) -> bool:
    """Make a truncated file resumable; True when the file is already complete."""
    dest = item.dest
    part = dest.with_name(dest.name + PART_SUFFIX)
    if not dest.exists():
        return False
    size = dest.stat().st_size
    if item.length is not None and size == item.length:
        return True
    if item.length is not None and size < item.length and not part.exists():
        dest.replace(part)  # a truncated file: keep its bytes and fetch only the rest
    else:
        dest.unlink()
    return False


async def _fetch(item: RemoteFile, aio: AsyncPlatformClient) -> DownloadResult:
    return await aio.download_file(item.file_id, item.name, item.dest, expected_size=item.length)


def download_run(client: PlatformClient, run: RunFiles, progress: Progress) -> DownloadSummary:
    """Fetch every file of ``run`` not yet complete, reporting bytes as they arrive."""
    progress.start(run.total_bytes, len(run.files))
    done_bytes = 0
    downloaded = skipped = resumed = received = 0
    try:
        for item in run.files:
            label = f"{item.batch_id}/{item.name}"
            if _prepare(item):
                skipped += 1
                done_bytes += item.length or 0
                progress.update(done_bytes, current=label)
                progress.file_done(label, skipped=True, resumed=False)
                continue
            part = item.dest.with_name(item.dest.name + PART_SUFFIX)
            future = client.submit(partial(_fetch, item))
            while True:
                try:
                    result = future.result(timeout=POLL_S)
                    break
                except concurrent.futures.TimeoutError:
                    have = part.stat().st_size if part.exists() else 0
                    progress.update(done_bytes + have, current=label)
            if item.length is not None and result.size != item.length:
                raise AepExportsError(
                    f"{label}: received {result.size} bytes, the platform listed {item.length}",
                    hint="run the download again; it resumes",
                )
            done_bytes += result.size
            received += result.bytes_written
            downloaded += 1
            resumed += int(result.resumed)
            progress.update(done_bytes, current=label)
            progress.file_done(label, skipped=False, resumed=result.resumed)
    finally:
        progress.finish()
    return DownloadSummary(
        run=run, downloaded=downloaded, skipped=skipped, resumed=resumed, bytes_received=received
    )
