"""State operations of issue 16: a rename keeps a record's history, a restatement moves the watermark
back with who and when, breaches and attempts are recorded on runs, and version-1 documents read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from aep_exports.state.migrations import migrate
from aep_exports.state.model import (
    STATE_VERSION,
    AppliedExport,
    DatasetRecord,
    ExportRecord,
    Intent,
    JobReport,
    RunRecord,
    StateDocument,
)

T0 = datetime(2024, 5, 1, 3, tzinfo=UTC)
DAY = timedelta(days=1)


def _export(days: int = 3) -> ExportRecord:
    record = ExportRecord(spec=AppliedExport(declaration={"dataset": "target", "schedule": "@daily"}))
    for day in range(days):
        run = RunRecord(
            job_id=day + 1,
            slot=T0 + day * DAY,
            window_from=T0 + (day - 1) * DAY if day else None,
            window_to=T0 + day * DAY,
            status="PROCESSING",
        )
        record.add_run(run)
        record.finish_run(
            run, JobReport(id=day + 1, status="SUCCEEDED", updated=T0 + day * DAY), T0 + day * DAY
        )
    return record


def _doc() -> StateDocument:
    doc = StateDocument.empty("ORG@AdobeOrg", "dev")
    doc.datasets["target"] = DatasetRecord(id="ds-1")
    doc.exports["daily"] = _export()
    doc.add_intent(Intent(kind="run_export", resource="export", key="daily", started_at=T0, slot=T0))
    return doc


def test_move_renames_an_export_with_its_watermark_runs_and_intents() -> None:
    doc = _doc()
    before = doc.exports["daily"].model_dump()
    doc.move("export", "daily", "vip-daily")
    assert "daily" not in doc.exports and doc.exports["vip-daily"].model_dump() == before
    assert [i.key for i in doc.intents.values()] == ["vip-daily"]
    with pytest.raises(KeyError):
        doc.move("export", "daily", "other")
    doc.exports["other"] = ExportRecord()
    with pytest.raises(ValueError, match="already in the state"):
        doc.move("export", "vip-daily", "other")


def test_moving_a_dataset_keeps_its_id_and_the_exports_declaring_it_follow() -> None:
    doc = _doc()
    doc.move("dataset", "target", "crm-target")
    assert doc.datasets["crm-target"].id == "ds-1" and "target" not in doc.datasets
    assert doc.exports["daily"].spec.declared()["dataset"] == "crm-target"


def test_restate_moves_the_watermark_back_records_who_and_when_and_a_success_completes_it() -> None:
    record = _export()
    assert record.watermark == T0 + 2 * DAY
    restated = record.restate(T0, by="ana@laptop", at=T0 + 3 * DAY, reason="--restate")
    assert record.watermark == T0 and record.pending_restatement is restated
    assert (restated.previous_watermark, restated.requested_by, restated.requested_at) == (
        T0 + 2 * DAY,
        "ana@laptop",
        T0 + 3 * DAY,
    )
    run = RunRecord(
        job_id=9,
        slot=T0 + 3 * DAY,
        window_from=T0,
        window_to=T0 + 3 * DAY,
        restated=True,
        status="PROCESSING",
    )
    record.add_run(run)
    record.finish_run(run, JobReport(id=9, status="FAILED"), T0 + 3 * DAY)
    assert record.pending_restatement is restated and record.watermark == T0
    retry = RunRecord(
        job_id=10,
        slot=T0 + 3 * DAY,
        window_from=T0,
        window_to=T0 + 3 * DAY,
        restated=True,
        attempt=2,
        status="PROCESSING",
    )
    record.add_run(retry)
    record.finish_run(retry, JobReport(id=10, status="SUCCEEDED", updated=T0 + 3 * DAY), T0 + 3 * DAY)
    assert record.pending_restatement is None and record.watermark == T0 + 3 * DAY
    assert (restated.job_id, restated.window_to) == (10, T0 + 3 * DAY)
    with pytest.raises(ValueError, match="at or before the watermark"):
        record.restate(T0 + 4 * DAY, by="x@y", at=T0 + 4 * DAY)


def test_restating_from_the_beginning_leaves_no_watermark() -> None:
    record = _export()
    record.restate(None, by="ci@runner", at=T0 + 3 * DAY)
    assert record.watermark is None and record.pending_restatement is not None
    assert record.pending_restatement.window_from is None


def test_breaches_and_attempts_are_recorded_and_round_trip() -> None:
    doc = _doc()
    record = doc.exports["daily"]
    run = record.runs[-1]
    record.record_breaches(run, ["exported 0 rows, fewer than min_rows 1"])
    intent = Intent(kind="run_export", resource="export", key="daily", started_at=T0, slot=T0 + 3 * DAY)
    record.begin_run(intent, window_from=T0 + 2 * DAY, window_to=T0 + 3 * DAY, attempt=3, restated=True)
    again = StateDocument.model_validate_json(doc.to_json())
    runs = again.exports["daily"].runs
    assert runs[2].breaches == ["exported 0 rows, fewer than min_rows 1"]
    assert (runs[-1].attempt, runs[-1].restated) == (3, True)


def test_a_version_1_document_reads_unchanged_and_a_newer_one_is_refused() -> None:
    doc = json.loads(_doc().to_json())
    for record in doc["exports"].values():
        record.pop("restatements")
        for run in record["runs"]:
            for name in ("attempt", "restated", "breaches"):
                run.pop(name)
    doc["version"] = 1
    read = StateDocument.model_validate(migrate(doc))
    assert read.version == STATE_VERSION == 3 and read.findings == {}
    assert [r.attempt for r in read.exports["daily"].runs] == [1, 1, 1]
    from aep_exports.errors import StateError

    with pytest.raises(StateError, match="newer aep-exports"):
        migrate({**doc, "version": STATE_VERSION + 1})


def test_duration_and_rows_of_a_run() -> None:
    run = RunRecord(
        slot=T0,
        created=T0,
        finished=T0 + timedelta(minutes=7),
        status="SUCCEEDED",
        metrics={"totalExportedProfileCounter": 12, "totalTime": {"totalTimeInMs": 1000}},
    )
    assert (run.rows, run.duration()) == (12, timedelta(minutes=7))
    bare = RunRecord(
        slot=T0,
        status="SUCCEEDED",
        metrics={"totalExportedProfileCounter": True, "totalTime": {"totalTimeInMs": 1500}},
    )
    assert (bare.rows, bare.duration()) == (None, timedelta(milliseconds=1500))
