"""The workflow `aep-exports init` writes: its triggers, permissions, secrets, and that it only runs
commands and options that exist (checked against the real click command tree)."""

from __future__ import annotations

import re
from typing import Any

from croniter import croniter

from aep_exports.scaffold import template_text

SANDBOX_GROUP = "aep-exports-${{ vars.AEP_SANDBOX_NAME || 'prod' }}"
MARKER = "<!-- aep-exports-plan -->"


def all_steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in workflow["jobs"].items() for step in job["steps"]]


def test_triggers_are_pull_request_push_to_main_and_a_schedule(workflow: dict[str, Any]) -> None:
    on = workflow["on"]
    assert set(on) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    assert "exports/**" in on["pull_request"]["paths"] and "aep-exports.yaml" in on["push"]["paths"]
    (entry,) = on["schedule"]
    assert croniter.is_valid(entry["cron"])
    jobs = workflow["jobs"]
    assert jobs["plan"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["apply"]["if"] == "github.event_name == 'push'"
    assert "github.event_name == 'schedule'" in jobs["scheduled"]["if"]


def test_writers_of_one_sandbox_are_serialised_and_never_cancelled(workflow: dict[str, Any]) -> None:
    for job in ("apply", "scheduled"):
        concurrency = workflow["jobs"][job]["concurrency"]
        assert concurrency == {"group": SANDBOX_GROUP, "cancel-in-progress": False}
    # Plans only read: they must not sit in the writers' queue, where a pending plan would
    # replace (cancel) a pending apply.
    assert workflow["jobs"]["plan"]["concurrency"]["group"] != SANDBOX_GROUP


def test_permissions_are_least_privilege(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    assert jobs["plan"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert jobs["apply"]["permissions"]["actions"] == "read"
    assert "pull-requests" not in jobs["scheduled"]["permissions"]
    assert all(v in ("read", "none") for v in jobs["apply"]["permissions"].values())


def test_secrets_reach_the_tool_only_as_environment_variables(workflow: dict[str, Any]) -> None:
    env = workflow["env"]
    for name in ("AEP_CLIENT_ID", "AEP_CLIENT_SECRET", "AEP_ORG_ID", "AEP_STATE_URL"):
        assert env[name] == f"${{{{ secrets.{name} }}}}"
    assert env["AEP_SANDBOX_NAME"] == "${{ vars.AEP_SANDBOX_NAME || 'prod' }}"
    for job, step in all_steps(workflow):
        if "run" in step:
            # No ${{ }} in scripts at all: values come in through env (no script injection).
            assert "${{" not in step["run"], f"{job}: {step.get('name')}"
    text = template_text("workflow.yml")
    assert len(re.findall(r"secrets\.", text)) == 4  # each secret named once, in the env block


def test_steps_are_well_formed_and_actions_pinned(workflow: dict[str, Any]) -> None:
    for name, job in workflow["jobs"].items():
        assert job["runs-on"] == "ubuntu-latest", name
        ids = [s["id"] for s in job["steps"] if "id" in s]
        assert len(ids) == len(set(ids)), name
        for step in job["steps"]:
            assert ("run" in step) != ("uses" in step), step
            if "uses" in step and step.get("id") != "install":
                assert re.fullmatch(r"actions/[a-z-]+(/[a-z]+)?@v\d+", step["uses"]), step["uses"]
            for ref in re.findall(r"steps\.([a-z-]+)\.", str(step.get("if", "")) + str(step.get("env", ""))):
                assert ref in ids, f"{name}: step {ref!r} referenced but not defined"


def test_every_command_it_runs_exists_with_those_options(
        workflow: dict[str, Any], command_checker: Any) -> None:
    invocations, check_invocation = command_checker

    seen = set()
    for job, step in all_steps(workflow):
        for argv in invocations(step.get("run", "")):
            assert check_invocation(argv) == [], f"{job}: aep-exports {' '.join(argv)}"
            seen.add(" ".join(a for a in argv if not a.endswith((".json", ".md")) or a.startswith("-")))
    assert {"validate", "plan --detailed-exitcode -o --format markdown", "apply --auto-approve --wait",
            "apply --auto-approve", "drift --format markdown", "status --format json", "status"} <= seen


def test_the_pull_request_comment_is_found_by_its_marker_and_updated(workflow: dict[str, Any]) -> None:
    steps = {s.get("name"): s for s in workflow["jobs"]["plan"]["steps"]}
    comment = steps["Post the plan as one pull-request comment"]
    assert comment["uses"] == "actions/github-script@v7"
    script = comment["with"]["script"]
    assert MARKER in script and "updateComment" in script and "createComment" in script
    assert script.index("updateComment") < script.index("createComment")
    plan = next(s for s in workflow["jobs"]["plan"]["steps"] if s.get("id") == "plan")
    assert f"echo '{MARKER}'" in plan["run"] and "> comment.md" in plan["run"]
    upload = steps["Keep the plan"]
    assert upload["uses"] == "actions/upload-artifact@v4" and "plan.json" in upload["with"]["path"]
    assert upload["with"]["name"] == "aep-exports-plan"


def test_apply_uses_the_reviewed_plan_and_falls_back_only_when_it_is_stale(workflow: dict[str, Any]) -> None:
    apply = next(s for s in workflow["jobs"]["apply"]["steps"] if s.get("id") == "apply")["run"]
    assert "aep-exports apply reviewed/plan.json --auto-approve --wait" in apply
    # A stale plan is told by its exit code (ExitCode.STALE_PLAN), never by the words of the message.
    assert "4)" in apply and "grep" not in apply and "stale" not in apply.split("case")[0].replace(
        "exits 4 when the plan is stale", "")
    # The re-plan is saved, shown (plan writes the summary) and applied exactly.
    assert "aep-exports plan -o replan.json --format markdown" in apply
    assert "aep-exports apply replan.json --auto-approve --wait" in apply
    fetch = next(s for s in workflow["jobs"]["apply"]["steps"] if s.get("id") == "reviewed")["run"]
    assert "--name aep-exports-plan" in fetch


def test_the_command_checker_catches_what_click_would_refuse(command_checker: Any) -> None:
    """The checker above must be able to fail: wrong commands, options, choices and arguments."""
    invocations, check_invocation = command_checker
    assert invocations("rc=0\naep-exports plan -o p.json > p.md 2> e || rc=$?  # aep-exports x\n"
                       "echo 'aep-exports nope'\naep-exports apply p.json 2>&1 | tee log") == [
        ["plan", "-o", "p.json"], ["apply", "p.json"]]
    assert check_invocation(["--sandbox", "dev", "plan", "--detailed-exitcode", "-o", "plan.json",
                             "--format", "markdown"]) == []
    assert check_invocation(["drift", "--format", "markdown"]) == []
    assert check_invocation(["state", "push", "--force"]) == []
    assert check_invocation(["plan", "--detailed-exit-code"]) == [
        "aep-exports plan: no option --detailed-exit-code"]
    assert check_invocation(["plan", "--format", "yaml"])[0].startswith(
        "aep-exports plan --format: 'yaml' not in")
    assert check_invocation(["deploy"]) == ["aep-exports: no command 'deploy'"]
    assert check_invocation(["validate", "extra"])[0].startswith("aep-exports validate: 1 argument(s)")
    assert check_invocation(["--nope", "validate"]) == ["aep-exports: no option --nope"]
    assert check_invocation(["state"]) == ["aep-exports state: no subcommand"]


def test_every_job_installs_with_the_aep_exports_action_never_an_unpublished_package(
        workflow: dict[str, Any]) -> None:
    from aep_exports.scaffold import placeholder_action

    text = template_text("workflow.yml")
    assert "pip install" not in text and "AEP_EXPORTS_PACKAGE" not in text
    for name, job in workflow["jobs"].items():
        (install,) = [s for s in job["steps"] if s.get("id") == "install"]
        assert install["uses"] == placeholder_action(), name
        assert job["steps"].index(install) == 1, name  # right after the checkout
        assert not any(str(s.get("uses", "")).startswith(("actions/setup-python", "actions/cache"))
                       for s in job["steps"]), name  # Python comes with the action; no cached state


def test_the_default_action_is_a_placeholder_that_says_so(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from aep_exports.cli.main import cli

    result = CliRunner().invoke(cli, ["init", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "p/.github/workflows/aep-exports.yml").read_text()
    assert written.count("uses: YOUR-ORG/aep-exports@v") == 1 + 3  # the header explains it; 3 jobs
    assert "# >>> Replace YOUR-ORG/aep-exports@v" in written and "every job fails" in written
    assert "__AEP_EXPORTS_ACTION__" not in written and "__PLACEHOLDER_NOTE__" not in written
    assert "placeholder action YOUR-ORG/aep-exports@v" in result.output


def test_init_action_pins_the_action_in_every_job(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from aep_exports.cli.main import cli
    from support.github_actions import load_yaml

    result = CliRunner().invoke(cli, ["init", str(tmp_path / "p"), "--action", "acme/aep-exports@v1.2.3"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "p/.github/workflows/aep-exports.yml").read_text()
    assert "YOUR-ORG" not in written and ">>>" not in written and "placeholder" not in result.output
    assert "__AEP_EXPORTS_ACTION__" not in written and "__PLACEHOLDER_NOTE__" not in written
    jobs = load_yaml(written)["jobs"]
    assert [s["uses"] for job in jobs.values() for s in job["steps"] if s.get("id") == "install"] == \
        ["acme/aep-exports@v1.2.3"] * 3

    for bad in ("aep-exports", "acme/aep-exports", "acme/aep-exports@", "a b/c@v1", "acme/x@v1; rm -rf /"):
        refused = CliRunner().invoke(cli, ["init", str(tmp_path / "q"), "--action", bad])
        assert refused.exit_code == 64, (bad, refused.output)
        assert "is not OWNER/REPO@REF" in refused.output
    assert not (tmp_path / "q").exists()


def test_every_job_has_a_timeout_and_artifacts_can_be_uploaded_again(workflow: dict[str, Any]) -> None:
    for name, job in workflow["jobs"].items():
        assert 0 < job["timeout-minutes"] <= 360, name
    uploads = [s for _, s in all_steps(workflow)
               if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert len(uploads) == 3
    for step in uploads:
        assert step["uses"] == "actions/upload-artifact@v4" and step["with"]["overwrite"] is True, step
