"""``aep-exports status``: health words and figures from a fixed state and ``--now`` (no platform read)."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from aep_exports.cli.main import cli
from aep_exports.ops.status import format_span, late_grace
from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.model import DatasetRecord, ExportRecord, RunRecord, StateDocument

ORG = "TESTORG0000000000000000@AdobeOrg"
NOW = "2024-05-01T01:40:00Z"
DATASET_ID = "5b020a27e7040801dedba61b"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _export(key: str, schedule: str) -> str:
    return textwrap.dedent(f"""\
      {key}:
        dataset: target
        schedule: "{schedule}"
        incremental: true
        timeout: 2h
    """)


DECLARATIONS = (
    "datasets:\n  target:\n    name: Target\n  unused:\n    name: Not created yet\nexports:\n"
    + "".join(
        textwrap.indent(_export(key, schedule), "  ")
        for key, schedule in [
            ("ok", "@daily"),
            ("running", "@daily"),
            ("stuck", "@daily"),
            ("failed", "@daily"),
            ("behind", "@daily"),
            ("due-soon", "30 1 * * *"),
            ("manual-one", "manual"),
        ]
    )
)


def run_record(
    slot: str, status: str, *, created: str | None = None, finished: str | None = None, **extra: Any
) -> RunRecord:
    return RunRecord(
        job_id=extra.pop("job_id", 100),
        slot=at(slot),
        status=status,
        created=at(created) if created else at(slot) + timedelta(seconds=5),
        finished=at(finished) if finished else None,
        **extra,
    )


def succeeded(slot: str, job_id: int, window_from: str | None = None) -> RunRecord:
    return run_record(
        slot,
        "SUCCEEDED",
        job_id=job_id,
        finished=slot.replace(":00Z", ":35Z"),
        window_from=at(window_from) if window_from else None,
        window_to=at(slot),
        batches=["b-old", f"b-{job_id}"],
        metrics={"totalExportedProfileCounter": 42},
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "aep-exports.yaml").write_text(f"org: '{ORG}'\nsandbox: prod\nstate: state\n")
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "main.yaml").write_text(DECLARATIONS)
    doc = StateDocument.empty(ORG, "prod")
    doc.datasets["target"] = DatasetRecord(id=DATASET_ID)
    doc.datasets["gone"] = DatasetRecord(id="0000000000000000000000aa", orphaned=True)

    def export(key: str, *runs: RunRecord) -> None:
        record = doc.exports[key] = ExportRecord(runs=list(runs))
        last = record.last_succeeded()
        record.watermark = last.window_to if last else None

    export(
        "ok",
        succeeded("2024-04-30T00:00:00Z", 1),
        succeeded("2024-05-01T00:00:00Z", 2, "2024-04-30T00:00:00Z"),
    )
    export(
        "running",
        succeeded("2024-04-30T00:00:00Z", 3),
        run_record("2024-05-01T00:00:00Z", "PROCESSING", job_id=4, created="2024-05-01T00:10:00Z"),
    )
    export("stuck", run_record("2024-04-30T00:00:00Z", "PROCESSING", job_id=5))
    export(
        "failed",
        succeeded("2024-04-30T00:00:00Z", 6),
        run_record(
            "2024-05-01T00:00:00Z",
            "FAILED",
            job_id=7,
            finished="2024-05-01T00:01:00Z",
            errors=[{"code": "0090000009", "msg": "Error writing profiles to output path"}],
        ),
    )
    export("behind", succeeded("2024-04-30T00:00:00Z", 8))
    export("due-soon", succeeded("2024-04-30T01:30:00Z", 9))
    export("removed", succeeded("2024-04-29T00:00:00Z", 10))
    FileStateBackend(tmp_path / "state", ORG, "prod").write(doc, expected_serial=0)
    return tmp_path


def status(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--project", str(project), "status", "--now", NOW, *args])


def test_health_word_for_every_case(project: Path) -> None:
    result = status(project, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    health = {e["key"]: e["health"] for e in data["exports"]}
    assert health == {
        "ok": "healthy",  # the last run succeeded, the next slot is tomorrow
        "running": "running",  # unfinished for 1h30, timeout 2h
        "stuck": "late",  # unfinished for 25h, past its 2h timeout
        "failed": "failing",  # the newest run FAILED
        "behind": "late",  # the 00:00 slot waited 1h40 (> 1 h grace for a daily schedule)
        "due-soon": "healthy",  # the 01:30 slot waited 10 min (< grace)
        "manual-one": "healthy",  # manual and never ran
        "removed": "healthy",  # only in state (orphaned): its last run succeeded
    }
    assert data["summary"] == {"healthy": 4, "running": 1, "late": 2, "failing": 1, "breached": 0}
    reasons = {e["key"]: e["reason"] for e in data["exports"]}
    assert reasons["stuck"] == "job 5 is PROCESSING for 1d1h, longer than its timeout (2h)"
    assert reasons["failed"] == "job 7 FAILED: Error writing profiles to output path"
    assert reasons["behind"] == "slot 2024-05-01T00:00:00Z is due for 1h40m and has not run"
    assert reasons["removed"].startswith("no longer declared")


def test_figures_of_an_export(project: Path) -> None:
    data = json.loads(status(project, "ok", "--format", "json").output)
    (ok,) = data["exports"]
    assert data["now"] == NOW and data["datasets"] == []
    last = ok["last_run"]
    assert last["job_id"] == 2 and last["status"] == "SUCCEEDED" and last["rows"] == 42
    assert last["window"] == {"from": "2024-04-30T00:00:00Z", "to": "2024-05-01T00:00:00Z"}
    assert last["batches"] == ["b-old", "b-2"] and last["duration_s"] == 30.0
    assert ok["next_slot"] == "2024-05-02T00:00:00Z" and ok["due_slot"] is None
    assert ok["watermark"] == "2024-05-01T00:00:00Z" and ok["lag_s"] == 100 * 60
    assert ok["dataset_id"] == DATASET_ID and ok["schedule"] == "@daily"


def test_datasets_show_id_and_last_batch(project: Path) -> None:
    data = json.loads(status(project, "--format", "json").output)
    datasets = {d["key"]: d for d in data["datasets"]}
    assert datasets["target"]["id"] == DATASET_ID
    # The newest successful run writing into it: export ok's job 2 finished 2024-05-01T00:00:35Z.
    assert (datasets["target"]["last_batch"], datasets["target"]["last_batch_job"]) == ("b-2", 2)
    assert datasets["target"]["last_batch_export"] == "ok"
    assert datasets["unused"]["id"] is None and datasets["gone"]["declared"] is False


def test_text_view(project: Path) -> None:
    result = status(project)
    assert result.exit_code == 0
    text = result.output
    assert text.startswith(f"Status at {NOW} (state serial 1, last refresh never)")
    assert "  ok  ✓ healthy  (@daily incremental)" in text
    assert "    last run   job 2 SUCCEEDED, slot 2024-05-01T00:00:00Z" in text
    assert "2 batches, 42 rows, took 30s" in text
    assert "    watermark  2024-05-01T00:00:00Z (lag 1h40m)" in text
    assert "  failed  ✗ failing" in text and "error: Error writing profiles to output path" in text
    assert "    next slot  2024-05-01T00:00:00Z (due now)" in text
    assert "  unused  not created yet" in text
    assert text.rstrip().endswith("8 exports: 4 healthy, 1 running, 2 late, 1 failing, 0 breached.")


def test_unknown_key_is_an_error(project: Path) -> None:
    result = status(project, "nope")
    assert result.exit_code == 1 and "Error: no export or dataset named 'nope'" in result.output


@pytest.mark.parametrize(
    ("schedule", "grace"),
    [
        ("@hourly", timedelta(minutes=30)),
        ("@daily", timedelta(hours=1)),
        ("*/10 * * * *", timedelta(minutes=5)),
    ],
)
def test_late_grace(schedule: str, grace: timedelta) -> None:
    assert (
        late_grace(
            schedule.replace("@hourly", "0 * * * *").replace("@daily", "0 0 * * *"),
            at("2024-05-01T00:00:00Z"),
        )
        == grace
    )


def test_format_span() -> None:
    assert [format_span(timedelta(seconds=s)) for s in (0, 42, 3600 + 120 + 5, 90_000)] == [
        "0s",
        "42s",
        "1h2m",
        "1d1h",
    ]
