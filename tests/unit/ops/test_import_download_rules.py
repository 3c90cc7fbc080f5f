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


def test_only_what_a_job_record_shows_counts() -> None:
    # The seed's records: destination (dataSetId spelling, segmentPerBatch filled in), segments with their
    # defaults, no fields, no window. Neither the window nor fields can differ on such a record.
    record = {
        "destination": {"dataSetId": "d1", "segmentPerBatch": False, "batchId": ""},
        "filter": {"segments": [{"segmentId": "s1", "segmentNs": "UPS", "status": ["existing", "realized"]}]},
        "schema": {"name": "_xdm.context.profile"},
        "mergePolicy": {"id": "resolved-by-the-platform", "version": 1},
    }
    assert request_changes(DECLARED, record) == []
    assert request_changes(DECLARED, {**record, "filter": {"segments": [{"segmentId": "s1"}]}}) == []


def test_shown_differences_count() -> None:
    record = {
        "destination": {"datasetId": "other", "segmentPerBatch": True},
        "filter": {"segments": [{"segmentId": "s1", "segmentNs": "AAM"}]},
        "schema": {"name": "_xdm.context.profile"},
    }
    changes = request_changes(DECLARED, record)
    assert [(c.path, c.before, c.after) for c in changes] == [
        ("destination.datasetId", "other", "d1"),
        ("destination.segmentPerBatch", True, False),
        ("filter.segments[0].segmentNs", "aam", "ups"),
    ]
    versioned = {**DECLARED, "mergePolicy": {"id": "p", "version": 1}}
    shown = {
        **record,
        "destination": {"datasetId": "d1"},
        "filter": {},
        "mergePolicy": {"id": "p", "version": 2.0},
    }
    assert [(c.path, c.before, c.after) for c in request_changes(versioned, shown)] == [
        ("filter", None, {"segments": [{"segmentId": "s1"}]}),
        ("mergePolicy.version", 2, 1),
    ]


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
