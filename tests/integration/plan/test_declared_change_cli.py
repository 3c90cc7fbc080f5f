"""Changing an export's fields on a project with history (issue 13's "done when"): ``plan
--detailed-exitcode`` exits 2 and shows the diff in text and Markdown, ``drift`` agrees, and applying the
plan records the change so that the next plan has none."""

from __future__ import annotations

import json
from pathlib import Path

from support.declarations import MERGE_POLICY, PLAN_EXPORTS, SEGMENT
from support.projects import ProjectFactory

FIRST = "2026-11-20T03:00:00Z"
LATER = "2026-11-20T10:00:00Z"  # no run due: the next is tomorrow 03:00
NEXT_DUE = "2026-11-21T03:30:00Z"
CHANGED = PLAN_EXPORTS.replace("personalEmail.address", "person.name.firstName")


def test_a_fields_change_is_a_change_in_plan_markdown_and_drift(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    project = make_project()
    applied = project.cli("apply", "--auto-approve", "--now", FIRST)
    assert applied.exit_code == 0, applied.output
    # the first run finishes on the platform (plan's --now is a what-if and moves no clock)
    assert project.cli("platform", "clock", "set", LATER).exit_code == 0
    project.write(CHANGED)

    plan = project.cli("plan", "--detailed-exitcode", "--now", LATER)
    assert plan.exit_code == 2, plan.output
    assert '~ change export "daily": from the run at 2026-11-21T03:00:00Z' in plan.output
    assert '~ fields[1]: "personalEmail.address" -> "person.name.firstName"' in plan.output
    assert "Plan: 1 export to change (from the run at 2026-11-21T03:00:00Z)." in plan.output
    assert "No changes" not in plan.output

    markdown = project.cli("plan", "--format", "markdown", "--detailed-exitcode", "--now", LATER)
    assert markdown.exit_code == 2, markdown.output
    assert "**Plan: 1 export to change (from the run at 2026-11-21T03:00:00Z).**" in markdown.output
    assert '```diff\n- fields[1] = "personalEmail.address"\n+ fields[1] = "person.name.firstName"\n```' in (
        markdown.output
    )

    drift = project.cli("drift", "--now", LATER)
    assert drift.exit_code == 2, drift.output
    assert (
        "export.daily: spec changed since the last run; from the run at 2026-11-21T03:00:00Z" in drift.output
    )

    # When the run is due, it carries the change; a dataset reference resolved to the same dataset is no
    # change (issue 14, item 21: no `destination.datasetId: "${dataset:target}" -> "<id>"` line).
    due = project.cli("plan", "--detailed-exitcode", "--now", NEXT_DUE)
    assert due.exit_code == 2, due.output
    assert "changes since the last run:" in due.output and "fields" in due.output
    assert "datasetId" not in due.output and "${dataset:" not in due.output

    saved = tmp_path / "plan.json"
    assert project.cli("plan", "-o", str(saved), "--now", LATER).exit_code == 0
    applied = project.cli("apply", str(saved), "--now", LATER)
    assert applied.exit_code == 0, applied.output
    assert "✓ record the new spec of export daily: recorded its declaration" in applied.output
    assert project.state().exports["daily"].spec.declaration["fields"][1] == "person.name.firstName"

    again = project.cli("plan", "--detailed-exitcode", "--now", LATER)
    assert again.exit_code == 0, again.output
    assert "No changes. The platform matches the declarations." in again.output
    assert project.cli("drift", "--now", LATER).exit_code == 0
    # the next run sends the new fields, as an ordinary scheduled run
    run = project.cli("plan", "--format", "json", "--now", NEXT_DUE)
    assert '"fields": "identities.id,person.name.firstName"' in run.output


def test_plan_json_prints_an_error_document_for_a_configuration_error(make_project: ProjectFactory) -> None:
    """Issue 14, item 21: ``plan --format json`` printed nothing on stdout when no plan could be made."""
    project = make_project(PLAN_EXPORTS + "  broken: [\n", profiles=None)
    result = project.cli("plan", "--format", "json", "--now", LATER)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["format_version"] == 1 and document["exit_code"] == 1 and document["actions"] == []
    assert document["status"] == "failed" and document["summary"].startswith("Plan failed: 1 error.")
    (error,) = document["errors"]
    assert "exports/main.yaml:" in error["message"] and "YAML syntax error" in error["message"]
    assert error["kind"] == "InvalidConfigError" and error["hint"]
    assert "Error: " in result.stderr  # and the usual one-line error for a person


def test_apply_refuses_a_hand_edited_plan_naming_the_action(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    """Issue 14, item 4: a changed window start and destination in plan.json went through."""
    project = make_project()
    saved = tmp_path / "plan.json"
    assert project.cli("plan", "-o", str(saved), "--now", FIRST).exit_code == 0
    data = json.loads(saved.read_text())
    run = next(a for a in data["actions"] if a["kind"] == "run_export")
    run["request_body"]["destination"]["datasetId"] = "0123456789abcdef01234567"
    run["request_body"].setdefault("filter", {})["fromIngestTimestamp"] = "2026-11-19T00:00:00Z"
    saved.write_text(json.dumps(data))
    before = project.state()
    result = project.cli("apply", str(saved), "--now", FIRST)
    assert result.exit_code == 1, result.output
    assert "was edited after it was made: action 2 (run export daily, run_export:daily)" in result.output
    assert project.state().serial == before.serial  # nothing applied
    with project.client() as client:
        assert client.list_export_jobs() == []


ADHOC = PLAN_EXPORTS + "\n".join(
    [
        "  adhoc:",
        "    dataset: target",
        "    schedule: manual",
        "    fields: [identities.id, person.name.lastName]",
        f"    mergePolicy: {{id: {MERGE_POLICY}}}",
        "    filter:",
        "      segments:",
        f"        - segmentId: {SEGMENT}",
        "",
    ]
)


def test_a_new_manual_export_is_a_change_with_its_first_request_recorded_without_a_platform_call(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    """A new export that runs only with --run used to be no change at all: a reviewer never saw its
    request. It is an add_export (state only); after apply, the next plan has no change."""
    project = make_project()
    assert project.cli("apply", "--auto-approve", "--now", FIRST).exit_code == 0
    assert project.cli("platform", "clock", "set", LATER).exit_code == 0
    project.write(ADHOC)

    plan = project.cli("plan", "--detailed-exitcode", "--now", LATER)
    assert plan.exit_code == 2, plan.output
    assert '+ add export "adhoc": manual: runs only with apply --run' in plan.output
    assert 'request.fields = "identities.id,person.name.lastName"' in plan.output
    assert f'request.mergePolicy.id = "{MERGE_POLICY}"' in plan.output
    assert "Plan: 1 export to add (manual: runs only with apply --run)." in plan.output
    drift = project.cli("drift", "--now", LATER)
    assert drift.exit_code == 2 and "export.adhoc: declared, never ran; manual" in drift.output

    with project.client() as client:
        jobs_before = len(client.list_export_jobs())
    saved = tmp_path / "plan.json"
    assert project.cli("plan", "-o", str(saved), "--now", LATER).exit_code == 0
    applied = project.cli("apply", str(saved), "--now", LATER)
    assert applied.exit_code == 0, applied.output
    recorded = "✓ add export adhoc: recorded its declaration; manual: runs only with apply --run"
    assert recorded in applied.output
    assert project.state().exports["adhoc"].runs == []
    with project.client() as client:
        assert len(client.list_export_jobs()) == jobs_before  # state only: no job started

    again = project.cli("plan", "--detailed-exitcode", "--now", LATER)
    assert again.exit_code == 0 and "No changes." in again.output, again.output
    assert project.cli("drift", "--now", LATER).exit_code == 0


def test_apply_and_show_refuse_a_plan_with_an_action_deleted(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    """Each action still matched its own digest: deleting the dataset's creation went through."""
    project = make_project()
    saved = tmp_path / "plan.json"
    assert project.cli("plan", "-o", str(saved), "--now", FIRST).exit_code == 0
    assert project.cli("show", str(saved)).exit_code == 0  # untouched, it shows
    data = json.loads(saved.read_text())
    assert [a["kind"] for a in data["actions"]] == ["create_dataset", "run_export"]
    del data["actions"][0]
    saved.write_text(json.dumps(data, indent=2))
    before = project.state()
    for command in (["apply", str(saved), "--now", FIRST], ["show", str(saved)]):
        result = project.cli(*command)
        assert result.exit_code == 1, result.output
        assert "its list of actions or its header was changed" in result.output
    assert project.state().serial == before.serial  # nothing applied
    with project.client() as client:
        assert client.list_export_jobs() == []


def test_text_plan_with_an_error_ends_saying_it_failed(make_project: ProjectFactory) -> None:
    project = make_project(PLAN_EXPORTS.replace(f"id: {MERGE_POLICY}", "id: no-such-policy"))
    result = project.cli("plan", "--detailed-exitcode", "--now", FIRST)
    assert result.exit_code == 1, result.output
    lines = result.stdout.rstrip("\n").splitlines()
    assert lines[0] == "The plan has 1 error:" and "merge policy 'no-such-policy'" in lines[1]
    assert lines[-1] == "Plan failed: 1 error. Nothing can be applied until it is fixed."
    assert not any(line.startswith("Plan: ") for line in lines)


EXTRA = "\n".join(
    [
        "exports:",
        "  extra:",
        "    dataset: target",
        '    schedule: "0 3 * * *"',
        "    fields: [identities.id, person.name.lastName]",
        f"    mergePolicy: {{id: {MERGE_POLICY}}}",
        "    filter:",
        "      segments:",
        f"        - segmentId: {SEGMENT}",
        "",
    ]
)
STOP_MANAGING = (
    '- stop managing export "extra": no longer declared; its history stays in state (--forget extra drops it)'
)


def test_removing_an_export_file_is_a_change_until_applied_and_a_redeclared_export_runs_again(
    make_project: ProjectFactory,
) -> None:
    """Removing an export's file used to plan "No changes" with only a warning: a reviewer of the plan
    never saw it. The first plan stops managing it (state only: recorded as orphaned); then no change."""
    project = make_project()
    extra = project.root / "exports" / "extra.yaml"
    extra.write_text(EXTRA)
    applied = project.cli("apply", "--auto-approve", "--now", FIRST)
    assert applied.exit_code == 0, applied.output
    assert project.cli("platform", "clock", "set", LATER).exit_code == 0
    extra.unlink()

    plan = project.cli("plan", "--detailed-exitcode", "--now", LATER)
    assert plan.exit_code == 2, plan.output
    assert STOP_MANAGING in plan.output and "Plan: 1 export to stop managing." in plan.output
    assert "No changes" not in plan.output and "Warning" not in plan.output
    drift = project.cli("drift", "--now", LATER)
    assert drift.exit_code == 2 and "export.extra: no longer declared" in drift.output, drift.output

    with project.client() as client:
        jobs_before = len(client.list_export_jobs())
    applied = project.cli("apply", "--auto-approve", "--now", LATER)
    assert applied.exit_code == 0, applied.output
    assert "✓ stop managing export extra: recorded as orphaned" in applied.output
    record = project.state().exports["extra"]
    assert record.orphaned and len(record.runs) == 1  # its history stays
    with project.client() as client:
        assert len(client.list_export_jobs()) == jobs_before  # state only

    again = project.cli("plan", "--detailed-exitcode", "--now", LATER)
    assert again.exit_code == 0 and "No changes." in again.output, again.output
    assert "is no longer declared" in again.output  # said as information
    assert project.cli("drift", "--now", LATER).exit_code == 0

    # declared again: planned as before; its next run clears the flag
    extra.write_text(EXTRA)
    assert project.cli("platform", "clock", "set", NEXT_DUE).exit_code == 0
    due = project.cli("plan", "--detailed-exitcode", "--now", NEXT_DUE)
    assert due.exit_code == 2 and 'run export "extra" for slot 2026-11-21T03:00:00Z' in due.output, due.output
    applied = project.cli("apply", "--auto-approve", "--now", NEXT_DUE)
    assert applied.exit_code == 0, applied.output
    record = project.state().exports["extra"]
    assert not record.orphaned and len(record.runs) == 2
