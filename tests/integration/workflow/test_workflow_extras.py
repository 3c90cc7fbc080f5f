"""The workflow `init` writes runs with only what its aep-exports action installs.

A new project says `platform: local`: the action must install the `local` extra as well as `postgres`
(its default), or `plan`, `apply` and `drift` exit 1 "needs the 'local' extra". The harness's
setup-python gives the action a venv that sees only what `aep-exports[EXTRAS]` requires, so a
workflow asking for too few extras fails here as it would on GitHub.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aep_exports.cli.main import cli
from support.github_actions import REPOSITORY, WORKFLOW_FILE, FakeGitHub, Runner, WorkflowRun

pytestmark = pytest.mark.slow

ACTION = "acme/aep-exports@v9.9.9"
EXTRAS_INPUT = re.compile(r"\n( +)with:\n +extras: postgres,local[^\n]*")


def _pull_request(tmp_path: Path, pythons: Any, *, edit: Any = None) -> WorkflowRun:
    """The plan job of a pull request on a project fresh from `init --action` (platform: local)."""
    repo = tmp_path / "repo"
    result = CliRunner().invoke(cli, ["init", str(repo), "--action", ACTION])
    assert result.exit_code == 0, result.output
    if edit is not None:
        workflow = repo / WORKFLOW_FILE
        workflow.write_text(edit(workflow.read_text()))
    github = FakeGitHub(tmp_path / "github")
    head = github.commit(repo)
    payload = {"pull_request": {"number": 1, "head": {"sha": head, "repo": {"full_name": REPOSITORY}}}}
    return Runner(github, pythons).trigger("pull_request", head, payload)


def test_the_init_project_plans_its_pull_request_with_only_what_the_action_installs(
        tmp_path: Path, actions_python: Any) -> None:
    run = _pull_request(tmp_path, actions_python)
    plan = run.jobs["plan"]
    assert plan.conclusion == "success", plan.log
    assert plan.step("validate").outcome == "success", plan.log
    assert plan.step("plan").outputs["exit-code"] == "2", plan.log  # everything to create, on the emulator
    assert "example-daily" in (run.artifacts["aep-exports-plan"] / "plan.md").read_text()
    # The venv the job ran in has the local platform and the PostgreSQL driver, and nothing for `report`.
    venv = actions_python.bin("local,postgres").parent / "linked-site-packages"
    linked = {entry.name for entry in venv.iterdir()}
    assert {"fastapi", "duckdb", "psycopg"} <= linked and "plotly" not in linked


def test_without_the_local_extra_the_plan_fails_on_the_local_platform(
        tmp_path: Path, actions_python: Any) -> None:
    """What the harness must catch: the action's default extras (postgres) on `platform: local`."""
    def without_extras(text: str) -> str:
        edited, count = EXTRAS_INPUT.subn("", text)
        assert count == 3, "each job's install step names its extras"
        return edited

    plan = _pull_request(tmp_path, actions_python, edit=without_extras).jobs["plan"]
    assert plan.conclusion == "failure"
    assert plan.step("install").outcome == "success"  # the action installed what it was asked for
    assert plan.step("plan").outputs["exit-code"] == "1", plan.log
    assert plan.step("plan-failed").outcome == "failure"
    assert "the local platform (platform: local) needs the 'local' extra" in plan.log, plan.log
