"""``aep-exports state list | show | rm`` through the real command group."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from aep_exports.cli import state_cmd
from aep_exports.cli.main import cli
from aep_exports.platform.credentials import DEV_ORG_ID
from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.model import Intent, StateDocument

ORG = "TESTORG0000000000000000@AdobeOrg"


@pytest.fixture
def project(tmp_path: Path, backend: FileStateBackend, doc: StateDocument) -> Path:
    (tmp_path / "aep-exports.yaml").write_text(f"org: '{ORG}'\nstate: state\n")
    doc.add_intent(Intent(kind="run_export", resource="export", key="daily-customers",
                          started_at=doc.exports["daily-customers"].runs[-1].slot))
    backend.write(doc, expected_serial=0)
    return tmp_path


def run(project: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--project", str(project), "state", *args], input=input)


def test_list_text(project: Path) -> None:
    result = run(project, "list")
    assert result.exit_code == 0, result.output
    assert "serial 1" in result.output
    assert "customers" in result.output and "5b020a27e7040801dedba61b" in result.output
    assert "daily-customers  watermark 2024-03-01T00:00:00Z" in result.output
    assert "last run PROCESSING (job 102, slot 2024-03-02T00:00:00Z)" in result.output
    assert "1 request(s) in flight" in result.output


def test_list_json(project: Path) -> None:
    data = json.loads(run(project, "list", "--format", "json").output)
    assert data["serial"] == 1 and data["org"] == ORG
    assert data["datasets"] == [{"key": "customers", "id": "5b020a27e7040801dedba61b", "orphaned": False}]
    (export,) = data["exports"]
    assert export["key"] == "daily-customers" and export["runs"] == 2
    assert export["last_run"]["status"] == "PROCESSING" and export["last_run"]["job_id"] == 102
    assert data["open_intents"] == 1


def test_list_of_an_empty_local_sandbox_uses_the_dev_org(tmp_path: Path) -> None:
    result = run(tmp_path, "list")
    assert result.exit_code == 0
    assert f"No state yet for org {DEV_ORG_ID}, sandbox prod" in result.output
    data = json.loads(run(tmp_path, "list", "--format", "json").output)
    assert data["serial"] == 0 and data["lineage"] is None and data["exports"] == []


def test_show_export_json_and_text(project: Path) -> None:
    data = json.loads(run(project, "show", "daily-customers", "--format", "json").output)
    assert data["kind"] == "export" and data["watermark"] == "2024-03-01T00:00:00Z"
    assert [r["job_id"] for r in data["runs"]] == [101, 102] and len(data["intents"]) == 1
    text = run(project, "show", "export.daily-customers").output
    assert "export daily-customers" in text and "SUCCEEDED" in text and '"fields"' in text


def test_show_dataset(project: Path) -> None:
    result = run(project, "show", "dataset.customers")
    assert result.exit_code == 0 and "id:         5b020a27e7040801dedba61b" in result.output


def test_show_unknown_key(project: Path) -> None:
    result = run(project, "show", "nope")
    assert result.exit_code != 0
    assert "Error: 'nope' is not in the state" in result.output


def test_rm_requires_confirmation_without_a_terminal(project: Path, backend: FileStateBackend) -> None:
    result = run(project, "rm", "daily-customers")
    assert result.exit_code == 64 and "Hint: pass --yes" in result.output
    assert "daily-customers" in backend.read().exports


def test_rm_with_yes_forgets_the_export_and_its_intents(project: Path, backend: FileStateBackend) -> None:
    result = CliRunner().invoke(cli, ["--project", str(project), "state", "rm", "daily-customers", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Removed export daily-customers from the state (serial 1 -> 2)" in result.output
    assert "job 102" in result.output  # the warning about the unfinished run
    after = backend.read()
    assert after.exports == {} and after.intents == {} and "customers" in after.datasets
    assert backend.backup_path.exists()


def test_rm_asks_on_a_terminal(
    project: Path, backend: FileStateBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_cmd, "_interactive", lambda: True)
    declined = run(project, "rm", "customers", input="n\n")
    assert declined.exit_code != 0 and "customers" in backend.read().datasets
    accepted = run(project, "rm", "customers", input="y\n")
    assert accepted.exit_code == 0 and "customers" not in backend.read().datasets


def test_rm_via_the_entry_point_maps_errors_to_exit_codes(project: Path) -> None:
    import subprocess
    import sys

    base = [sys.executable, "-m", "aep_exports", "--project", str(project), "state", "rm"]
    usage = subprocess.run([*base, "daily-customers"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
    assert usage.returncode == 64 and "Hint: pass --yes" in usage.stderr
    missing = subprocess.run([*base, "nope", "--yes"], capture_output=True, text=True)
    assert missing.returncode == 1 and "Error: 'nope' is not in the state" in missing.stderr


def test_a_key_shared_by_a_dataset_and_an_export_needs_an_address(
    project: Path, backend: FileStateBackend
) -> None:
    doc = backend.read()
    doc.ensure_export("customers")
    backend.write(doc, expected_serial=doc.serial)
    ambiguous = run(project, "show", "customers")
    assert ambiguous.exit_code != 0
    assert "say dataset.customers or export.customers" in ambiguous.output
    assert json.loads(run(project, "show", "export.customers", "--format", "json").output)["kind"] == "export"


def test_rm_while_another_process_holds_the_lock_names_it(
    project: Path, backend: FileStateBackend, hold_lock: Callable[..., Any]
) -> None:
    holder = hold_lock(backend)
    result = run(project, "rm", "customers", "--yes", "--lock-timeout", "0.1")
    assert result.exit_code != 0
    message = result.output
    assert f"locked by pid {holder.pid}" in message and "running 'apply'" in message
    assert "customers" in backend.read().datasets
