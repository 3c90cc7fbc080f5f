"""What an export run returns, and the one error a job reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Error codes carried into the job's ``errors[].code``.
INVALID_REQUEST = "INVALID_REQUEST"
MERGE_POLICY_NOT_FOUND = "MERGE_POLICY_NOT_FOUND"
SCHEMA_NOT_SUPPORTED = "SCHEMA_NOT_SUPPORTED"
WRITE_FAILED = "0090000009"  # the reference's "Error writing profiles to output path"


class ExportFailed(Exception):
    """The job fails with ``errors: [{"code": code, "msg": msg}]``."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg


@dataclass(frozen=True)
class SegmentKey:
    """The requested segment a batch holds (``status`` as requested or defaulted)."""

    segmentId: str
    segmentNs: str | None
    status: list[str]


@dataclass
class BatchOutput:
    """One batch: its segment (None when the job writes a single batch), files and record count."""

    segment: SegmentKey | None
    directory: Path
    files: list[Path] = field(default_factory=list)
    record_count: int = 0


@dataclass
class ExportOutcome:
    """Everything the backend needs to finish the job: batches, timings and counters."""

    batches: list[BatchOutput]
    profile_export_ms: int
    dataset_write_ms: int
    total_exported_profiles: int
    exported_by_namespace: dict[str, int]
    merge_policy: dict[str, object] | None = None
