"""``status`` right after ``apply --wait`` names the refresh apply made, not "never"."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from support.declarations import exports_yaml
from support.projects import ProjectFactory


def test_status_after_apply_wait_shows_the_last_refresh(tmp_path: Path, make_project: ProjectFactory) -> None:
    project = make_project(exports_yaml(1))
    # A plan on the empty state records nothing: there is nothing to write yet.
    planned = project.cli("plan")
    assert planned.exit_code == 0, planned.output
    assert project.state().serial == 0

    applied = project.cli("apply", "--auto-approve", "--wait", "--wait-timeout", "30")
    assert applied.exit_code == 0, applied.output + repr(applied.exception)
    assert "Runs: 1 SUCCEEDED" in applied.output
    state = project.state()
    assert state.last_refresh is not None

    header = project.cli("status").output.splitlines()[0]
    assert "last refresh never" not in header and "last refresh " in header, header
    report = json.loads(project.cli("status", "--format", "json").output)
    assert datetime.fromisoformat(report["last_refresh"].replace("Z", "+00:00")) == state.last_refresh

    # A quiet plan afterwards writes nothing, so a plan saved before it is still fresh.
    saved = tmp_path / "plan.json"
    assert project.cli("plan", "-o", str(saved)).exit_code == 0
    assert project.cli("plan").exit_code == 0
    quiet = project.cli("refresh")
    assert "State unchanged." in quiet.output, quiet.output
    assert project.state().serial == state.serial
    fresh = project.cli("apply", str(saved))
    assert fresh.exit_code == 0, fresh.output + repr(fresh.exception)
