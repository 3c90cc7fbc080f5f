"""CI state that cannot go stale by design, and a stale saved plan told apart by its exit code.

- With ``CI=true``, writing commands refuse a file state (it would be a copy restored from a cache)
  unless the settings or ``AEP_ALLOW_FILE_STATE_IN_CI`` allow it; readers still read it; the
  embedded local platform (its data beside the state) is exempt; PostgreSQL state is what CI uses.
- ``apply PLAN_FILE`` on a stale plan exits 4 (``ExitCode.STALE_PLAN``) and does nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aep_exports.config.settings import in_ci
from aep_exports.errors import ExitCode
from support.platform import PlatformServer
from support.projects import Project, ProjectFactory


@pytest.fixture
def served(make_project: ProjectFactory, platform_server: PlatformServer) -> Project:
    return make_project(platform=platform_server)


def _state_files(project: Project) -> list[Path]:
    return sorted(p for p in (project.root / ".aep-exports").rglob("*.json")) \
        if (project.root / ".aep-exports").exists() else []


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("TRUE", True), ("yes", True),
                                                 ("", False), ("false", False), ("0", False)])
def test_ci_is_what_ci_services_set(value: str, expected: bool) -> None:
    assert in_ci({"CI": value}) is expected
    assert in_ci({}) is False


def test_in_ci_writers_refuse_a_file_state_and_say_why(served: Project) -> None:
    refused = served.cli("apply", "--auto-approve", env={"CI": "true"})
    assert refused.exit_code == ExitCode.ERROR, refused.output
    assert "refusing to write the state file" in refused.output and "in CI (CI=true)" in refused.output
    assert "goes stale between a pull request's plan and the apply on merge" in refused.output
    assert "Hint: Keep the state in PostgreSQL: set AEP_STATE_URL" in refused.output
    assert "Traceback" not in refused.output
    assert _state_files(served) == []  # nothing written, not even a lock file's document
    with served.client() as client:
        assert client.list_datasets() == []  # and nothing done on the platform

    # Other writers meet the same rule: they all take the lock first.
    for args in (["refresh"], ["state", "rm", "anything"]):
        result = served.cli(*args, env={"CI": "true"})
        assert result.exit_code == ExitCode.ERROR, (args, result.output)
        assert "refusing to write" in result.output, (args, result.output)

    # Readers still read it.
    status = served.cli("status", env={"CI": "true"})
    assert status.exit_code == 0, status.output


def test_the_refusal_can_be_lifted_by_the_environment_or_the_settings(served: Project) -> None:
    allowed = served.cli("apply", "--auto-approve", env={"CI": "true", "AEP_ALLOW_FILE_STATE_IN_CI": "1"})
    assert allowed.exit_code == 0, allowed.output
    assert served.state().serial > 0

    settings = served.root / "aep-exports.yaml"
    settings.write_text(settings.read_text() + "allow_file_state_in_ci: true\n")
    again = served.cli("apply", "--auto-approve", env={"CI": "true"})
    assert again.exit_code == 0, again.output

    outside_ci = served.cli("apply", "--auto-approve", env={"CI": "false"})
    assert outside_ci.exit_code == 0, outside_ci.output


def test_the_embedded_local_platform_keeps_its_file_state_in_ci(project: Project) -> None:
    result = project.cli("apply", "--auto-approve", env={"CI": "true"})
    assert result.exit_code == 0, result.output
    assert project.state().serial > 0


def test_in_ci_writers_use_the_postgresql_state(served: Project, pg_state_url: str) -> None:
    env = {"CI": "true", "AEP_STATE_URL": pg_state_url}
    result = served.cli("apply", "--auto-approve", env=env)
    assert result.exit_code == 0, result.output
    assert _state_files(served) == []
    status = served.cli("status", "--format", "json", env=env)
    assert status.exit_code == 0 and json.loads(status.output)["exports"][0]["key"] == "daily"


def test_a_stale_saved_plan_exits_4_and_does_nothing(served: Project) -> None:
    plan_file = served.root / "plan.json"
    planned = served.cli("plan", "-o", str(plan_file))
    assert planned.exit_code == 0, planned.output
    # Something writes the state between the plan and its apply (a scheduled apply, say).
    assert served.cli("apply", "--auto-approve").exit_code == 0
    serial = served.state().serial

    stale = served.cli("apply", str(plan_file))
    assert stale.exit_code == ExitCode.STALE_PLAN == 4, stale.output
    assert stale.output.startswith("Error: the saved plan is stale")
    assert served.state().serial == serial


def test_help_lists_the_stale_plan_exit_code() -> None:
    from click.testing import CliRunner

    from aep_exports.cli.main import cli

    assert "4 stale saved plan" in CliRunner().invoke(cli, ["--help"]).output
