"""plan / drift / refresh through the CLI on the embedded local platform (in-process, via wiring)."""

from __future__ import annotations

import json

from aep_exports.plan.saved import load_saved_plan
from aep_exports.render.text import render_plan_text
from support.declarations import PLAN_EXPORTS as EXPORTS
from support.declarations import SEGMENT

T = "2024-05-01T04:00:00Z"
LATER = "2024-05-01T05:00:00Z"


def test_plan_on_an_empty_sandbox_shows_the_creates(project, tmp_path):
    summary = tmp_path / "summary.md"
    result = project.cli("plan",
        "--now",
        T,
        "--detailed-exitcode",
        "-o",
        str(tmp_path / "plan.json"),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.exit_code == 2, result.output + repr(result.exception)
    assert '+ create dataset "target"' in result.output
    assert '+ run export "daily" for slot 2024-05-01T03:00:00Z' in result.output
    assert "window      = (everything) → 2024-05-01T03:00:00Z" in result.output
    assert result.output.rstrip().endswith(f"aep-exports apply {tmp_path / 'plan.json'}")
    assert "Plan: 1 dataset to create, 1 export to run." in result.output
    saved = load_saved_plan(tmp_path / "plan.json")
    assert [a.kind for a in saved.actions] == ["create_dataset", "run_export"]
    assert saved.sandbox == "dev" and saved.declarations_digest
    assert render_plan_text(saved) in result.output
    assert summary.read_text().startswith("### aep-exports plan for sandbox `dev`")


def test_plan_json_and_markdown_formats(project):
    as_json = project.cli("plan", "--now", T, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["format_version"] == 1 and len(data["actions"]) == 2
    as_md = project.cli("plan", "--now", T, "--format", "markdown")
    assert "**Plan: 1 dataset to create, 1 export to run.**" in as_md.output
    assert "<details><summary><code>+ export.daily</code>" in as_md.output


def test_missing_segment_is_a_plan_error_naming_file_and_line(project):
    (project.root / "exports" / "main.yaml").write_text(EXPORTS.replace(SEGMENT, "00000000" + SEGMENT[8:]))
    result = project.cli("plan", "--now", T)
    assert result.exit_code == 1
    assert (
        "exports/main.yaml:14: export daily: segment '00000000-2c35-4f6d-b4c6-9075c68d2df4' does not exist"
        in result.output
    )


def test_drift_exit_codes_follow_the_platform_and_the_declarations(project):
    applied = project.cli("apply", "--auto-approve", "--now", T)
    assert applied.exit_code == 0, applied.output + repr(applied.exception)

    in_sync = project.cli("drift", "--now", LATER)
    assert in_sync.exit_code == 0, in_sync.output
    assert "In sync" in in_sync.output

    # refresh records the finished run: the watermark moves to the window's end
    refreshed = project.cli("refresh", "--now", LATER)
    assert refreshed.exit_code == 0, refreshed.output
    assert "export.daily: job" in refreshed.output and "SUCCEEDED" in refreshed.output
    quiet = project.cli("plan", "--now", LATER, "--detailed-exitcode")
    assert quiet.exit_code == 0, quiet.output
    assert "No changes." in quiet.output

    # a declared change is pending: exit 2
    (project.root / "exports" / "main.yaml").write_text(
        EXPORTS.replace("Plan test target", "Renamed target")
    )
    pending = project.cli("drift", "--now", LATER)
    assert pending.exit_code == 2, pending.output
    assert "Declared but not applied" in pending.output

    # the dataset deleted out of band: exit 3, whatever else is pending
    with project.client() as client:
        dataset_id = next(iter(client.list_datasets()), None).id
        client.delete_dataset(dataset_id)
    drifted = project.cli("drift", "--now", LATER, "--format", "json")
    assert drifted.exit_code == 3, drifted.output
    report = json.loads(drifted.output)
    assert report["status"] == "drift"
    assert [f["key"] for f in report["out_of_band"]] == ["target"]
    assert "deleted outside aep-exports" in report["out_of_band"][0]["message"]
