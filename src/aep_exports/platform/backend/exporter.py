"""The seam between the job lifecycle and the export engine (``platform.engine`` over ``platform.store``).

The backend owns batch ids, Catalog registration and files; the engine only writes parquet parts into
``out_dir/<batch index>/`` and reports counts and timings.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_ROWS_PER_FILE = 100_000
WRITE_FAILED = "0090000009"


def slug(value: str) -> str:
    """A directory name for an org or sandbox."""
    cleaned = re.sub(r"[^a-z0-9._-]+", "-", value.strip().lower()).strip("-.")
    return cleaned or "_"


@dataclass
class WrittenBatch:
    """One batch of an export: the segment it holds (None: all), its parquet parts and record count."""

    segment: dict[str, Any] | None
    files: list[Path] = field(default_factory=list)
    record_count: int = 0

    @property
    def size(self) -> int:
        return sum(path.stat().st_size for path in self.files if path.exists())


@dataclass
class RunResult:
    batches: list[WrittenBatch]
    profile_export_ms: int = 0
    dataset_write_ms: int = 0
    total_exported_profiles: int = 0
    exported_by_namespace: dict[str, int] = field(default_factory=dict)
    merge_policy: dict[str, Any] | None = None


class RunFailed(Exception):
    """The export failed: the job ends FAILED with this entry in ``errors``."""

    def __init__(self, code: str, msg: str, call_stack: str = "") -> None:
        super().__init__(f"{code}: {msg}")
        self.code, self.msg, self.call_stack = code, msg, call_stack

    def as_error(self) -> dict[str, str]:
        return {
            "code": self.code,
            "msg": self.msg,
            "callStack": self.call_stack or "com.adobe.aep.unifiedprofile.export.ExportJob",
        }


def job_output_dir(data_dir: Path, org: str, sandbox: str, job_id: int) -> Path:
    """Where the engine writes the parquet parts of one job."""
    return data_dir / "exports" / slug(org) / slug(sandbox) / str(job_id)


def run_job(
    data_dir: Path,
    org: str,
    sandbox: str,
    request: dict[str, Any],
    out_dir: Path,
    *,
    now: datetime,
    rows_per_file: int,
) -> RunResult:
    """Run one export through the engine; raise :class:`RunFailed` for a failure the job reports."""
    from aep_exports.platform.engine import ExportFailed, run_export
    from aep_exports.platform.store import ProfileStore, StoreError

    if out_dir.exists():
        shutil.rmtree(out_dir)  # a previous, interrupted attempt
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with ProfileStore.open(data_dir, org, sandbox) as store:
            outcome = run_export(store, request, out_dir, now=now, rows_per_file=rows_per_file)
    except ExportFailed as exc:
        raise RunFailed(exc.code, exc.msg) from exc
    except StoreError as exc:
        raise RunFailed(WRITE_FAILED, exc.message, "aep_exports.platform.store") from exc
    except OSError as exc:
        raise RunFailed(WRITE_FAILED, f"Error writing profiles to output path '{out_dir}': {exc}") from exc
    batches = []
    for output in outcome.batches:
        segment = None
        if output.segment is not None:
            segment = {"segmentId": output.segment.segmentId, "status": list(output.segment.status)}
            if output.segment.segmentNs is not None:
                segment["segmentNs"] = output.segment.segmentNs
        batches.append(WrittenBatch(segment, sorted(output.files), output.record_count))
    return RunResult(
        batches,
        outcome.profile_export_ms,
        outcome.dataset_write_ms,
        outcome.total_exported_profiles,
        dict(outcome.exported_by_namespace),
        dict(outcome.merge_policy) if outcome.merge_policy else None,
    )


def resolve_policy_ref(
    data_dir: Path, org: str, sandbox: str, request: dict[str, Any]
) -> dict[str, Any] | None:
    """``{id, version}`` of the merge policy an export of ``request`` would use now; None when unknown."""
    from aep_exports.platform.engine import ExportFailed
    from aep_exports.platform.engine.request import parse_request
    from aep_exports.platform.engine.runner import resolve_policy
    from aep_exports.platform.store import ProfileStore, StoreError

    if not (data_dir / "profiles" / slug(org) / slug(sandbox)).is_dir():
        return None
    try:
        with ProfileStore.open(data_dir, org, sandbox) as store:
            policy = resolve_policy(store, parse_request(request))
    except (ExportFailed, StoreError, OSError):
        return None
    return None if policy is None else {"id": policy["id"], "version": policy["version"]}
