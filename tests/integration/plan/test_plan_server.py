"""plan and drift through a real uvicorn server on 127.0.0.1 (platform: URL, env credentials)."""

from __future__ import annotations

import httpx
from click.testing import CliRunner
from plan_project import EXPORTS, write_project

from aep_exports.cli.main import cli
from aep_exports.plan.model import Plan
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID

T = "2024-05-01T04:00:00Z"


def test_plan_and_drift_over_http(platform_server, tmp_path, monkeypatch):
    project = write_project(tmp_path / "project", platform=platform_server.url)
    env = {
        "AEP_CLIENT_ID": DEV_CLIENT_ID,
        "AEP_CLIENT_SECRET": DEV_CLIENT_SECRET,
        "AEP_ORG_ID": DEV_ORG_ID,
        "AEP_IMS_URL": platform_server.url,
        "AEP_EXPORTS_NOW": T,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AEP_SANDBOX_NAME", raising=False)
    httpx.post(f"{platform_server}/local/seed", json={"sandbox": "dev", "profiles": 20}, timeout=30)
    httpx.post(f"{platform_server}/local/clock", json={"set": T}, timeout=10).raise_for_status()
    runner = CliRunner()

    planned = runner.invoke(
        cli, ["--project", str(project), "plan", "--format", "json", "--detailed-exitcode"]
    )
    assert planned.exit_code == 2, planned.output + repr(planned.exception)
    plan = Plan.model_validate_json(planned.output)
    assert [(a.kind, a.key) for a in plan.actions] == [("create_dataset", "target"), ("run_export", "daily")]

    applied = runner.invoke(cli, ["--project", str(project), "apply", "--auto-approve"])
    assert applied.exit_code == 0, applied.output + repr(applied.exception)
    httpx.post(f"{platform_server}/local/clock", json={"advance": 60}, timeout=10).raise_for_status()
    assert runner.invoke(cli, ["--project", str(project), "drift"]).exit_code == 0

    (project / "exports" / "main.yaml").write_text(EXPORTS.replace("Plan test target", "Renamed"))
    changed = runner.invoke(cli, ["--project", str(project), "drift"])
    assert changed.exit_code == 2, changed.output
    assert "~ dataset.target: declaration changed since it was applied" in changed.output
