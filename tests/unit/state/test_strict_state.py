"""State is strict: a hand-edited run status or serial is refused, and no platform word reaches state.

The platform may answer a job status this build does not know; it is normalised where a job enters state
(``JobReport``): any status other than NEW, PROCESSING and SUCCEEDED ends the run without success, with a
note naming the platform's word. So every document the state operations produce reads back strictly.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from aep_exports.cli.main import cli
from aep_exports.errors import StateError
from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.model import Intent, JobReport, RunStatus, StateDocument

ORG = "TESTORG0000000000000000@AdobeOrg"  # the backend fixture's (tests/unit/state/conftest.py)
SANDBOX = "prod"
T0 = datetime(2024, 3, 1, tzinfo=UTC)
FIXTURE_V0 = Path(__file__).parent / "fixtures" / "state_v0.json"
RUNS = ("exports", "daily-customers", "runs")


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return edit


HAND_EDITS = {
    "status BOGUS": (_set((*RUNS, 0, "status"), "BOGUS"), "exports.daily-customers.runs.0.status", "'BOGUS'"),
    "status lower case": (_set((*RUNS, 1, "status"), "processing"), "runs.1.status", "'processing'"),
    "negative serial": (_set(("serial",), -1), "serial", "-1"),
    "serial 10^30": (_set(("serial",), 10**30), "serial", "1000000000000000000000000000000"),
}


@pytest.mark.parametrize("name", sorted(HAND_EDITS))
def test_a_hand_edited_state_is_refused_naming_the_file_the_field_and_the_value(
    backend: FileStateBackend, doc: StateDocument, name: str
) -> None:
    edit, field, shown = HAND_EDITS[name]
    backend.write(doc, expected_serial=0)
    data = json.loads(backend.path.read_text())
    edit(data)
    backend.path.write_text(json.dumps(data))
    before = backend.path.read_bytes()
    with pytest.raises(StateError) as caught:
        backend.read()
    message = caught.value.format_message()
    assert str(backend.path) in message and field in message and shown in message, message
    assert backend.path.read_bytes() == before


def test_the_cli_refuses_it_in_one_error_without_a_traceback(
    tmp_path: Path, backend: FileStateBackend, doc: StateDocument
) -> None:
    (tmp_path / "aep-exports.yaml").write_text(f"org: '{ORG}'\nsandbox: {SANDBOX}\nstate: state\n")
    backend.write(doc, expected_serial=0)
    data = json.loads(backend.path.read_text())
    data["exports"]["daily-customers"]["runs"][0]["status"] = "BOGUS"
    backend.path.write_text(json.dumps(data))
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "state", "list"])
    assert result.exit_code == 1
    assert not isinstance(result.exception, ValueError | TypeError | KeyError), repr(result.exception)
    assert "Error: state file" in result.output and "runs.0.status" in result.output, result.output
    assert "Traceback" not in result.output


def test_an_old_document_with_a_status_outside_the_set_is_refused_clearly(backend: FileStateBackend) -> None:
    data = json.loads(FIXTURE_V0.read_text())
    data["exports"]["daily-customers"]["runs"][0]["status"] = "QUEUED"
    backend.path.parent.mkdir(parents=True)
    backend.path.write_text(json.dumps(data))
    with pytest.raises(StateError) as caught:
        backend.read()
    message = caught.value.format_message()
    assert "runs.0.status" in message and "'QUEUED'" in message and str(backend.path) in message, message
    assert caught.value.hint and "untouched" in caught.value.hint


def test_an_old_document_with_known_statuses_still_reads(backend: FileStateBackend) -> None:
    backend.path.parent.mkdir(parents=True)
    shutil.copy(FIXTURE_V0, backend.path)
    assert {run.status for run in backend.read().exports["daily-customers"].runs} == {RunStatus.SUCCEEDED}


def test_run_status_itself_knows_only_its_words() -> None:
    with pytest.raises(ValueError):
        RunStatus("BOGUS")


# -- the platform's words are normalised before they reach state ----------------------------------------

PLATFORM_WORDS = st.one_of(
    st.sampled_from(
        ["NEW", "PROCESSING", "SUCCEEDED", "FAILED", "CANCELLED", "QUEUED", "bogus", "", "Succeeded"]
    ),
    st.text(max_size=12),
)


def _intent(doc: StateDocument) -> Intent:
    slot = T0 + timedelta(days=2)
    return doc.add_intent(Intent(kind="run_export", resource="export", key="daily-customers", slot=slot,
                                 request_digest="sha256:x", started_at=slot))


def _job(job_id: int, word: str) -> JobReport:
    return JobReport(id=job_id, status=word.upper(), created=T0, updated=T0 + timedelta(minutes=3))


def _reads_back(doc: StateDocument) -> StateDocument:
    return StateDocument.model_validate_json(doc.to_json())


def _running_export() -> StateDocument:
    doc = StateDocument.empty(ORG, SANDBOX)
    record = doc.ensure_export("daily-customers")
    intent = _intent(doc)
    record.begin_run(intent, window_from=None, window_to=intent.slot)
    record.attach_job(intent, _job(102, "NEW"), T0, adopted=False, spec=None)
    return doc


@given(word=PLATFORM_WORDS, duplicate=PLATFORM_WORDS)
def test_every_run_operation_records_only_known_statuses(word: str, duplicate: str) -> None:
    doc = _running_export()
    record = doc.exports["daily-customers"]
    running, job = record.runs[-1], _job(102, word)
    if job.finished:
        record.finish_run(running, job, T0)
    else:
        record.observe(running, job)
    intent = _intent(doc)
    record.begin_run(intent, window_from=T0, window_to=intent.slot)
    record.attach_job(
        intent, _job(200, word), T0, adopted=False, spec=None, duplicates=[_job(201, duplicate)]
    )
    imported = record.import_run(_job(300, word), slot=T0, window_from=None, window_to=T0,
                                 spec=record.spec, now=T0)
    assert all(run.status in set(RunStatus) for run in _reads_back(doc).exports["daily-customers"].runs)
    if job.finished and word.upper() not in {"SUCCEEDED", "FAILED", "CANCELLED"}:
        assert running.status == imported.status == RunStatus.FAILED
        assert f"platform status {word.upper()}" in imported.note


@pytest.mark.parametrize("word", ["QUEUED", "TIMEOUT", "BOGUS"])
def test_an_unknown_platform_status_ends_the_run_without_success_with_a_note(
    doc: StateDocument, word: str
) -> None:
    record = doc.exports["daily-customers"]
    running = record.runs[-1]
    job = _job(102, word)
    assert job.finished and job.final_status() == RunStatus.FAILED
    record.finish_run(running, job, T0)
    assert running.status == RunStatus.FAILED and running.note == f"platform status {word}"
    assert record.watermark == T0  # only a SUCCEEDED run moves it
    assert _reads_back(doc).exports["daily-customers"].runs[-1].status == RunStatus.FAILED
