"""The state document model: serialisation, datetimes, helpers, bounded history, intents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from aep_exports.state.model import (
    DEFAULT_RUN_HISTORY,
    STATE_VERSION,
    ExportRecord,
    Intent,
    RunRecord,
    RunStatus,
    StateDocument,
    request_digest,
)

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def test_round_trip_through_json_keeps_everything(doc: StateDocument) -> None:
    doc.add_intent(Intent(kind="run_export", resource="export", key="daily-customers", slot=T0,
                          request_digest=request_digest({"a": 1}), request_body={"a": 1}, started_at=T0))
    again = StateDocument.model_validate_json(doc.to_json())
    assert again == doc
    assert again.version == STATE_VERSION


def test_datetimes_are_stored_as_utc_rfc3339() -> None:
    paris = timezone(timedelta(hours=1))
    run = RunRecord(slot=datetime(2024, 3, 1, 1, 0, tzinfo=paris))
    assert run.slot == T0 and run.slot.tzinfo is UTC
    assert json.loads(run.model_dump_json())["slot"] == "2024-03-01T00:00:00Z"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        RunRecord(slot=datetime(2024, 3, 1))


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        RunRecord.model_validate({"slot": "2024-03-01T00:00:00Z", "colour": "red"})


def test_empty_document_has_a_lineage_and_serial_zero() -> None:
    a, b = StateDocument.empty("o", "s"), StateDocument.empty("o", "s")
    assert a.serial == 0 and a.is_empty and a.lineage != b.lineage
    assert a.datasets == {} and a.exports == {} and a.intents == {} and a.last_refresh is None


def test_run_helpers(doc: StateDocument) -> None:
    export = doc.exports["daily-customers"]
    last, running = export.runs
    assert export.last_run() is running
    assert export.last_succeeded() is last
    assert export.unfinished_runs() == [running]
    assert export.find_run(job_id=101) is last
    assert ExportRecord().last_run() is None and ExportRecord().last_succeeded() is None


@pytest.mark.parametrize("status,unfinished", [
    (RunStatus.NEW, True), (RunStatus.PROCESSING, True), (RunStatus.INTENT, True), (RunStatus.UNKNOWN, True),
    (RunStatus.SUCCEEDED, False), (RunStatus.FAILED, False), (RunStatus.CANCELLED, False),
    (RunStatus.MISSING, False),
])
def test_which_statuses_are_unfinished(status: str, unfinished: bool) -> None:
    assert RunRecord(slot=T0, status=status).unfinished is unfinished


def test_run_history_is_bounded_newest_last() -> None:
    export = ExportRecord()
    for i in range(DEFAULT_RUN_HISTORY + 10):
        export.add_run(RunRecord(job_id=i, slot=T0 + timedelta(hours=i), status="FAILED"))
    assert len(export.runs) == DEFAULT_RUN_HISTORY
    assert [r.job_id for r in export.runs] == list(range(10, DEFAULT_RUN_HISTORY + 10))


def test_trimming_keeps_unfinished_runs_and_the_last_success() -> None:
    export = ExportRecord()
    export.add_run(RunRecord(job_id=0, slot=T0, status="PROCESSING"), cap=3)
    export.add_run(RunRecord(job_id=1, slot=T0, status="SUCCEEDED"), cap=3)
    for i in range(2, 8):
        export.add_run(RunRecord(job_id=i, slot=T0, status="FAILED"), cap=3)
    assert [r.job_id for r in export.runs] == [0, 1, 7]


def test_history_cap_is_configurable_and_must_be_positive() -> None:
    export = ExportRecord()
    for i in range(5):
        export.add_run(RunRecord(job_id=i, slot=T0, status="FAILED"), cap=2)
    assert [r.job_id for r in export.runs] == [3, 4]
    with pytest.raises(ValueError):
        export.trim_runs(0)


def test_intents_open_resolve_prune() -> None:
    doc = StateDocument.empty("o", "s")
    late = doc.add_intent(Intent(kind="run_export", resource="export", key="b", started_at=T0 + timedelta(1)))
    early = doc.add_intent(Intent(kind="create_dataset", resource="dataset", key="a", started_at=T0))
    assert doc.open_intents() == [early, late]
    doc.resolve_intent(early.id, at=T0, result={"dataset_id": "x"})
    assert doc.open_intents() == [late]
    assert doc.intents[early.id].result == {"dataset_id": "x"} and doc.intents[early.id].resolved_at == T0
    assert doc.prune_resolved_intents() == 1
    assert list(doc.intents) == [late.id]


def test_request_digest_ignores_key_order() -> None:
    assert request_digest({"a": 1, "b": [1, 2]}) == request_digest({"b": [1, 2], "a": 1})
    assert request_digest({"a": 1}) != request_digest({"a": 2})
    assert request_digest({}).startswith("sha256:")
