"""``status`` right after ``apply --wait`` names the refresh apply made, not "never"."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from apply_project import read_state
from click.testing import CliRunner, Result
from local_project import seeded_local_project

from aep_exports.config.settings import ENV_VARS


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (*ENV_VARS.values(), "AEP_EXPORTS_NOW", "GITHUB_STEP_SUMMARY", "AEP_EXPORTS_PROJECT"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def run(project: Path, *args: str) -> Result:
    from aep_exports.cli.main import cli

    return CliRunner().invoke(cli, ["--project", str(project), *args])


def test_status_after_apply_wait_shows_the_last_refresh(tmp_path: Path) -> None:
    project = seeded_local_project(tmp_path / "project")
    # A plan on the empty state records nothing: there is nothing to write yet.
    planned = run(project, "plan")
    assert planned.exit_code == 0, planned.output
    assert read_state(project).serial == 0

    applied = run(project, "apply", "--auto-approve", "--wait", "--wait-timeout", "30")
    assert applied.exit_code == 0, applied.output + repr(applied.exception)
    assert "Runs: 1 SUCCEEDED" in applied.output
    state = read_state(project)
    assert state.last_refresh is not None

    header = run(project, "status").output.splitlines()[0]
    assert "last refresh never" not in header and "last refresh " in header, header
    report = json.loads(run(project, "status", "--format", "json").output)
    assert datetime.fromisoformat(report["last_refresh"].replace("Z", "+00:00")) == state.last_refresh

    # A quiet plan afterwards writes nothing, so a plan saved before it is still fresh.
    saved = tmp_path / "plan.json"
    assert run(project, "plan", "-o", str(saved)).exit_code == 0
    assert run(project, "plan").exit_code == 0
    quiet = run(project, "refresh")
    assert "State unchanged." in quiet.output, quiet.output
    assert read_state(project).serial == state.serial
    fresh = run(project, "apply", str(saved))
    assert fresh.exit_code == 0, fresh.output + repr(fresh.exception)
