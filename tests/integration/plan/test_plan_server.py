"""plan and drift through a real uvicorn server on 127.0.0.1 (platform: URL, env credentials)."""

from __future__ import annotations

from datetime import timedelta

from aep_exports.cli.wiring import parse_now
from aep_exports.plan.model import Plan
from support.declarations import PLAN_EXPORTS as EXPORTS

T = "2024-05-01T04:00:00Z"


def test_plan_and_drift_over_http(platform_server, make_project, monkeypatch):
    project = make_project(platform=platform_server.url)
    monkeypatch.setenv("AEP_EXPORTS_NOW", T)
    with project.admin() as admin:
        admin.set_clock(parse_now(T))

    planned = project.cli("plan", "--format", "json", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output + repr(planned.exception)
    plan = Plan.model_validate_json(planned.output)
    assert [(a.kind, a.key) for a in plan.actions] == [("create_dataset", "target"), ("run_export", "daily")]

    applied = project.cli("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output + repr(applied.exception)
    with project.admin() as admin:
        admin.advance_clock(timedelta(seconds=60))
    assert project.cli("drift").exit_code == 0

    project.write(EXPORTS.replace("Plan test target", "Renamed"))
    changed = project.cli("drift")
    assert changed.exit_code == 2, changed.output
    assert "~ dataset.target: declaration changed since it was applied" in changed.output
