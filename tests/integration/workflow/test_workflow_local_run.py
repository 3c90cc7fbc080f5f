"""The scaffolded workflow's steps, run locally as the GitHub runner would run them.

From an empty directory: `aep-exports init`, then the pull-request job's validate and plan steps
(comment body, job summary, plan.json), then the push job's apply and outcome steps against the
reviewed plan (and the stale-plan fallback), then the scheduled job's drift/apply steps — all on
the local platform (`platform: local`), with the env block evaluated as on GitHub (secrets unset,
so empty). Only the steps that need GitHub itself (checkout, install, cache, artifacts, the
github-script comment) are not run; what they would consume (comment.md, plan.json) is checked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aep_exports.cli.main import cli

MARKER = "<!-- aep-exports-plan -->"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "team-exports"
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    return target


def test_pull_request_steps_produce_the_comment_the_summary_and_the_plan(
        project: Path, step_runner: Any) -> None:
    runner = step_runner(project)
    runner.context.update({"vars": {}, "secrets": {},
                           "github": {"event": {"pull_request": {"head": {"sha": "abc1234"}}}}})

    validate = runner.run("plan", "validate")
    assert validate.returncode == 0, validate.stderr
    plan = runner.run("plan", "plan")
    assert plan.returncode == 0, plan.stderr
    assert plan.outputs["exit-code"] == "2"  # a new project: everything is to be created and run

    comment = (project / "comment.md").read_text()
    assert comment.startswith(MARKER + "\n")
    assert "example-profiles" in comment and "example-daily" in comment
    assert "Plan of abc1234 for sandbox prod" in comment
    assert len(comment) < 65_536
    assert "example-daily" in plan.summary and plan.summary.count("example-daily") == \
        (project / "plan.md").read_text().count("example-daily")  # written once, by `plan` itself
    saved = json.loads((project / "plan.json").read_text())
    assert isinstance(saved, dict) and saved

    # A broken declaration: the step still succeeds (so the comment is posted), the comment shows
    # the problem, and the job's last step fails it.
    (project / "exports/example.yaml").write_text("exports:\n  broken:\n    schedule: sometimes\n")
    broken = runner.run("plan", "plan")
    assert broken.returncode == 0 and broken.outputs["exit-code"] == "1"
    comment = (project / "comment.md").read_text()
    assert comment.startswith(MARKER) and "### aep-exports plan failed" in comment
    assert "exports/example.yaml" in comment
    failed = runner.run("plan", "plan-failed")  # its `if:` holds: exit-code is neither 0 nor 2
    assert failed.returncode == 1 and "::error title=aep-exports::plan failed (exit code 1)" in failed.stdout


def _apply_env(runner: Any) -> None:
    runner.context.update({"vars": {}, "secrets": {}, "github": {"event": {}}})


def test_push_steps_apply_the_reviewed_plan_and_record_outcomes(project: Path, step_runner: Any) -> None:
    runner = step_runner(project)
    _apply_env(runner)
    runner.context["github"]["event"] = {"pull_request": {"head": {"sha": "abc1234"}}}
    assert runner.run("plan", "plan").outputs["exit-code"] == "2"
    (project / "reviewed").mkdir()
    shutil.copy(project / "plan.json", project / "reviewed/plan.json")  # what the artifact download does

    apply = runner.run("apply", "apply", timeout=300)
    assert apply.returncode == 0, apply.stdout + apply.stderr
    assert "stale" not in apply.stdout.lower() and apply.outputs["applied"] == "reviewed"
    outcomes = runner.run("apply", "outcomes")
    assert outcomes.returncode == 0, outcomes.stderr
    assert outcomes.summary.startswith("### aep-exports status\n")
    status = json.loads((project / "status.json").read_text())
    text = json.dumps(status)
    assert "example-daily" in text and "SUCCEEDED" in text  # --wait followed the run to its end


def test_push_steps_plan_again_when_the_reviewed_plan_is_stale(project: Path, step_runner: Any) -> None:
    runner = step_runner(project)
    _apply_env(runner)
    assert runner.run("plan", "plan").outputs["exit-code"] == "2"
    (project / "reviewed").mkdir()
    shutil.copy(project / "plan.json", project / "reviewed/plan.json")
    example = project / "exports/example.yaml"
    example.write_text(example.read_text().replace("Example profile export", "Example profile export v2"))

    apply = runner.run("apply", "apply", timeout=300)
    assert apply.returncode == 0, apply.stdout + apply.stderr
    assert "::notice title=aep-exports::the plan reviewed in the pull request is stale" in apply.stdout
    assert apply.outputs["applied"] == "re-planned"
    # The summary says why and shows the plan that was applied instead (written by `plan` itself).
    assert apply.summary.startswith("### aep-exports: planned again at merge\n")
    assert "example-daily" in apply.summary
    assert (project / "replan.json").is_file()
    assert runner.run("apply", "outcomes").returncode == 0
    assert "example-daily" in (project / "status.json").read_text()


def test_scheduled_steps_report_drift_then_apply(project: Path, step_runner: Any) -> None:
    runner = step_runner(project)
    _apply_env(runner)
    drift = runner.run("scheduled", "drift")
    assert drift.returncode == 0, drift.stderr
    assert drift.outputs["exit-code"] == "2"  # nothing applied yet: declared changes are pending
    assert "::notice title=aep-exports::declared changes were pending" in drift.stdout
    assert drift.summary.strip()
    apply = runner.run("scheduled", "apply", timeout=300)
    assert apply.returncode == 0, apply.stdout + apply.stderr
    again = runner.run("scheduled", "drift")
    assert again.returncode == 0 and again.outputs["exit-code"] == "0", again.stdout + again.stderr
    assert runner.run("scheduled", "outcomes").returncode == 0
    assert "example-daily" in (project / "status.json").read_text()
    # The job's last step, as it runs when drift said 3: the job fails with drift's exit code.
    failed = runner.run("scheduled", "drift-failed")
    assert failed.returncode == 3 and "::error title=aep-exports drift::" in failed.stdout
