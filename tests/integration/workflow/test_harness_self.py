"""The GitHub Actions harness must be able to fail: its expressions, artifacts and lock as GitHub's."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from aep_exports.platform.credentials import DEV_ORG_ID
from support.github_actions import (
    FakeGitHub,
    Pythons,
    Runner,
    condition_holds,
    evaluate,
    state_lock_held,
    substitute,
)

CONTEXT: dict[str, Any] = {
    "github": {"event_name": "pull_request", "repository": "team/exports",
               "event": {"pull_request": {"head": {"repo": {"full_name": "Team/Exports"}}}}},
    "vars": {"AEP_SANDBOX_NAME": ""},
    "env": {"AEP_STATE_URL": ""},
    "steps": {"plan": {"outcome": "success", "outputs": {"exit-code": "2"}},
              "install": {"outcome": "failure", "outputs": {}}},
}


@pytest.mark.parametrize(("expression", "expected"), [
    ("vars.AEP_SANDBOX_NAME || 'prod'", "prod"),
    ("github.event_name == 'pull_request'", True),
    ("github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'", False),
    ("github.event.pull_request.head.repo.full_name == github.repository", True),  # case-insensitive
    ("steps.plan.outputs.exit-code != '0' && steps.plan.outputs.exit-code != '2'", False),
    ("steps.plan.outputs.exit-code == 2", True),  # a string and a number compare as numbers
    ("env.AEP_STATE_URL == ''", True),
    ("!(steps.install.outcome == 'success')", True),
    ("steps.missing.outputs.x", None),
])
def test_expressions_evaluate_as_on_github(expression: str, expected: Any) -> None:
    assert evaluate(expression, CONTEXT) == expected


def test_conditions_imply_success_unless_a_status_function_is_named() -> None:
    assert condition_holds(None, CONTEXT, "success") and not condition_holds(None, CONTEXT, "failure")
    assert not condition_holds("steps.plan.outcome == 'success'", CONTEXT, "failure")
    assert condition_holds("always() && steps.plan.outcome == 'success'", CONTEXT, "failure")
    assert condition_holds("${{ failure() }}", CONTEXT, "failure")
    text = "group-${{ vars.AEP_SANDBOX_NAME || 'prod' }}-${{ vars.NONE }}"
    assert substitute(text, CONTEXT) == "group-prod-"
    with pytest.raises(ValueError, match="cannot parse"):
        evaluate("steps.plan.outputs['exit-code'] ~ 1", CONTEXT)


def test_an_artifact_name_is_uploaded_twice_only_with_overwrite(tmp_path: Path) -> None:
    github = FakeGitHub(tmp_path / "gh")
    runner = Runner(github, Pythons(tmp_path / "pythons"))
    run = github.new_run("pull_request", "0" * 40)
    (tmp_path / "w").mkdir()
    (tmp_path / "w/plan.json").write_text("{}")
    first = runner._upload("keep", {"name": "plan", "path": "plan.json"}, tmp_path / "w", run)
    assert first.outcome == "success" and (run.artifacts["plan"] / "plan.json").is_file()
    again = runner._upload("keep", {"name": "plan", "path": "plan.json"}, tmp_path / "w", run)
    assert again.outcome == "failure" and "already exists" in again.stderr
    overwritten = runner._upload("keep", {"name": "plan", "path": "plan.json", "overwrite": "true"},
                                 tmp_path / "w", run)
    assert overwritten.outcome == "success"


def test_the_held_state_lock_stops_a_writer_in_another_process(pg_state_url: str) -> None:
    """What the harness test of the pull request's plan relies on (the lock is re-entrant in-process)."""
    writer = [sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from aep_exports.errors import LockError
        from aep_exports.state.postgres import PostgresStateBackend
        try:
            with PostgresStateBackend({pg_state_url!r}, {DEV_ORG_ID!r}, "prod").lock(timeout=0, command="x"):
                sys.exit(0)
        except LockError:
            sys.exit(7)
    """)]
    with state_lock_held(pg_state_url, DEV_ORG_ID, "prod"):
        assert subprocess.run(writer, check=False).returncode == 7
    assert subprocess.run(writer, check=False).returncode == 0
