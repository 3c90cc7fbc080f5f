"""Pure rules of import (what counts as a difference) and download (which run, which file names)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from aep_exports.errors import AepExportsError
from aep_exports.ops.download import _safe_name, choose_job
from aep_exports.ops.importing import request_changes
from aep_exports.state.model import ExportRecord, RunRecord, StateDocument

SLOT = datetime(2024, 5, 1, 3, tzinfo=UTC)
DECLARED = {
    "fields": "identities.id",
    "filter": {"fromIngestTimestamp": "2024-04-30T03:00:00Z", "segments": [{"segmentId": "s1"}]},
    "destination": {"datasetId": "d1"},
    "schema": {"name": "_xdm.context.profile"},
}


def test_window_start_and_server_filled_segment_per_batch_never_count() -> None:
    actual = {
        **DECLARED,
        "filter": {"fromIngestTimestamp": "2024-04-29T03:00:00.000Z", "segments": [{"segmentId": "s1"}]},
        "destination": {"datasetId": "d1", "segmentPerBatch": False},
    }
    assert request_changes(DECLARED, actual, incremental=True) == []
    # Not incremental: a fixed window start is part of the declaration.
    assert [c.path for c in request_changes(DECLARED, actual, incremental=False)] == [
        "filter.fromIngestTimestamp"
    ]


def test_declared_fields_and_destination_count() -> None:
    actual = {**DECLARED, "fields": "identities.id,person", "destination": {"datasetId": "other"}}
    changes = request_changes(DECLARED, actual, incremental=True)
    assert [(c.path, c.before, c.after) for c in changes] == [
        ("destination.datasetId", "other", "d1"),
        ("fields", "identities.id,person", "identities.id"),
    ]
    # A key the job has and the declaration leaves out is a difference too (it narrows the export).
    extra = {**DECLARED, "additionalFields": {"eventList": {"fields": "x"}}}
    assert [c.change for c in request_changes(DECLARED, extra, incremental=True)] == ["removed"]


def _state(*runs: RunRecord) -> StateDocument:
    doc = StateDocument.empty("org", "prod")
    doc.exports["daily"] = ExportRecord(runs=list(runs))
    return doc


def test_choose_job() -> None:
    ok = RunRecord(job_id=1, slot=SLOT, status="SUCCEEDED")
    failed = RunRecord(job_id=2, slot=SLOT, status="FAILED")
    assert choose_job(_state(ok, failed), "daily", None) == 1
    assert choose_job(_state(ok, failed), "daily", 2) == 2  # the platform check comes later
    with pytest.raises(AepExportsError, match="no successful run to download \\(last run: FAILED\\)"):
        choose_job(_state(failed), "daily", None)
    with pytest.raises(AepExportsError, match="job 9 is not a run of export 'daily'"):
        choose_job(_state(ok), "daily", 9)
    with pytest.raises(AepExportsError, match="export 'weekly' has no runs in state"):
        choose_job(_state(ok), "weekly", None)


def test_file_names_stay_inside_the_output_directory() -> None:
    assert _safe_name("part-00000.parquet") == Path("part-00000.parquet")
    assert _safe_name("../../etc/passwd") == Path("etc/passwd")
    assert _safe_name("/abs/x.parquet") == Path("abs/x.parquet")
    with pytest.raises(AepExportsError):
        _safe_name("..")
