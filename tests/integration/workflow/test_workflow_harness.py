"""The generated workflow as GitHub runs it, for a pull request, the merge to main and a schedule.

Through ``support.github_actions``: a repository made by ``aep-exports init --action …`` and pointed
at a served local platform (uvicorn) with its state in PostgreSQL (the secrets), every job on a
fresh checkout, the aep-exports action installing this working tree, artifacts and the ``gh`` calls
of the apply job answered from the recorded runs. The platform's clock is frozen and every job
sees the same instant (``AEP_EXPORTS_NOW``), so that a schedule can fall between review and merge.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aep_exports.cli.main import cli
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID
from aep_exports.state.postgres import PostgresStateBackend
from support.github_actions import REPOSITORY, FakeGitHub, JobResult, Runner, WorkflowRun, state_lock_held
from support.platform import PlatformServer
from support.projects import Project, server_credentials

pytestmark = pytest.mark.slow

ACTION = "acme/aep-exports@v9.9.9"
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # an hour after example-daily's 02:00 slot
PR = 7
WEEKLY = """\
exports:
  example-weekly:
    description: Every profile, every Monday.
    dataset: example-profiles
    schedule: "0 4 * * 1"
    incremental: false
    fields: [identities.id, person.name.firstName]
    filter:
      emptyProfiles: false
    schema:
      name: _xdm.context.profile
"""


class Scenario:
    """A repository on GitHub (faked), its runner, the platform and the state, at a moving instant."""

    def __init__(self, root: Path, server: PlatformServer, state_url: str, python: Any,
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.repo = root / "repo"
        result = CliRunner().invoke(cli, ["init", str(self.repo), "--action", ACTION])
        assert result.exit_code == 0, result.output
        settings = self.repo / "aep-exports.yaml"
        settings.write_text(settings.read_text().replace("platform: local", f"platform: {server.url}"))
        for variable, value in server_credentials(server.url).items():
            monkeypatch.setenv(variable, value)
        self.project = Project(self.repo, platform=server.url, sandbox="prod").seed(20)
        self.state_url = state_url
        self.github = FakeGitHub(root / "github")
        self.runner = Runner(
            self.github, python,
            secrets={"AEP_CLIENT_ID": DEV_CLIENT_ID, "AEP_CLIENT_SECRET": DEV_CLIENT_SECRET,
                     "AEP_ORG_ID": DEV_ORG_ID, "AEP_STATE_URL": state_url},
            vars={"AEP_IMS_URL": server.url},
        )
        self.main = self.github.commit(self.repo)
        self.at(T0)

    def at(self, instant: datetime) -> None:
        """Move the platform's clock (frozen) and the jobs' clock to ``instant``."""
        with self.project.admin() as admin:
            admin.set_clock(instant)
            admin.freeze_clock(True)
        self.runner.machine_env["AEP_EXPORTS_NOW"] = instant.isoformat().replace("+00:00", "Z")

    def state_serial(self) -> int:
        return PostgresStateBackend(self.state_url, DEV_ORG_ID, "prod").read().serial

    def schedule(self, sha: str | None = None) -> JobResult:
        run = self.runner.trigger("schedule", sha or self.main)
        assert [n for n, j in run.jobs.items() if j.conclusion != "skipped"] == ["scheduled"]
        return run.jobs["scheduled"]

    def open_pull_request(self) -> tuple[str, WorkflowRun]:
        (self.repo / "exports/weekly.yaml").write_text(WEEKLY)
        head = self.github.commit(self.repo)
        payload = {"pull_request": {"number": PR, "head": {"sha": head, "repo": {"full_name": REPOSITORY}}}}
        return head, self.runner.trigger("pull_request", head, payload)

    def merge(self, head: str) -> JobResult:
        self.main = self.github.merge(PR, head)
        run = self.runner.trigger("push", self.main, {"ref": "refs/heads/main"})
        assert [n for n, j in run.jobs.items() if j.conclusion != "skipped"] == ["apply"]
        return run.jobs["apply"]


@pytest.fixture
def scenario(tmp_path: Path, platform_server: PlatformServer, pg_state_url: str, actions_python: Any,
             monkeypatch: pytest.MonkeyPatch) -> Scenario:
    scenario = Scenario(tmp_path, platform_server, pg_state_url, actions_python, monkeypatch)
    bootstrap = scenario.schedule()  # main as it was before the pull request: applied on a schedule
    assert bootstrap.conclusion == "success", bootstrap.log
    assert bootstrap.step("drift").outputs["exit-code"] == "2"  # nothing applied yet
    assert bootstrap.step("install").outputs["version"]  # the action's own step installed it
    return scenario


def _pull_request_plan(scenario: Scenario) -> tuple[str, WorkflowRun]:
    serial = scenario.state_serial()
    head, run = scenario.open_pull_request()
    plan = run.jobs["plan"]
    assert plan.conclusion == "success", plan.log
    assert [n for n, j in run.jobs.items() if j.conclusion != "skipped"] == ["plan"]
    assert plan.step("plan").outputs["exit-code"] == "2"
    comment = scenario.github.comments[PR]
    assert comment.startswith("<!-- aep-exports-plan -->") and "example-weekly" in comment
    assert "example-weekly" in plan.summary
    saved = json.loads((run.artifacts["aep-exports-plan"] / "plan.json").read_text())
    assert saved["state_serial"] == scenario.state_serial() == serial  # the PR plan wrote nothing
    return head, run


def test_the_plan_reviewed_in_the_pull_request_is_applied_unchanged_on_merge(scenario: Scenario) -> None:
    scenario.at(T0 + timedelta(minutes=10))
    # The pull request's plan needs no lock: it runs while a writer (a long apply) holds it.
    with state_lock_held(scenario.state_url, DEV_ORG_ID, "prod"):
        head, pr_run = _pull_request_plan(scenario)

    scenario.at(T0 + timedelta(minutes=20))
    apply = scenario.merge(head)
    assert apply.conclusion == "success", apply.log
    assert apply.step("reviewed").outputs["run-id"] == str(pr_run.run_id)
    assert apply.step("apply").outputs["applied"] == "reviewed"
    assert "planned again" not in apply.summary and "::notice" not in apply.step("apply").stdout
    status = json.loads((apply.workspace / "status.json").read_text())
    assert {e["key"] for e in status["exports"]} == {"example-daily", "example-weekly"}
    assert apply.summary.startswith("### aep-exports status")


def test_a_schedule_between_review_and_merge_leads_to_a_re_plan_the_summary_shows(scenario: Scenario) -> None:
    scenario.at(T0 + timedelta(minutes=10))
    head, pr_run = _pull_request_plan(scenario)
    reviewed_serial = scenario.state_serial()

    # The next day's schedule runs on main (the pull request not merged yet): a slot is due.
    scenario.at(T0 + timedelta(days=1))
    scheduled = scenario.schedule()
    assert scheduled.conclusion == "success", scheduled.log
    assert scenario.state_serial() > reviewed_serial

    scenario.at(T0 + timedelta(days=1, minutes=10))
    apply = scenario.merge(head)
    assert apply.conclusion == "success", apply.log
    assert apply.step("reviewed").outputs["run-id"] == str(pr_run.run_id)  # found, but stale
    step = apply.step("apply")
    assert step.outputs["applied"] == "re-planned"
    assert "Error: the saved plan is stale" in step.stderr + step.stdout
    assert "::notice title=aep-exports::the plan reviewed in the pull request is stale" in step.stdout
    assert apply.summary.startswith("### aep-exports: planned again at merge\n")
    replan = apply.summary.split("### aep-exports status")[0]
    assert "example-weekly" in replan  # the plan that was applied instead, as `plan` rendered it
    status = json.loads((apply.workspace / "status.json").read_text())
    assert {e["key"] for e in status["exports"]} == {"example-daily", "example-weekly"}


def test_a_re_run_uploads_its_artifacts_again(scenario: Scenario) -> None:
    head, run = _pull_request_plan(scenario)
    again = scenario.runner.trigger("pull_request", head, {"pull_request": {
        "number": PR, "head": {"sha": head, "repo": {"full_name": REPOSITORY}}}}, rerun=run)
    assert again.run_id == run.run_id and again.attempt == 2
    assert again.jobs["plan"].conclusion == "success", again.jobs["plan"].log
