"""End to end on the embedded local platform: expectations, renames, restatements, refused clocks,
OpenMetrics and time zones, through the CLI as a user runs it."""

from __future__ import annotations

import json
import textwrap

from prometheus_client.openmetrics.parser import text_string_to_metric_families

from aep_exports.plan.windows import Window, tiling_issues
from support.declarations import PLAN_EXPORTS
from support.projects import ProjectFactory

DAY1, DAY2, DAY3 = "2024-03-01T04:00:00Z", "2024-03-02T04:00:00Z", "2024-03-03T04:00:00Z"


def _with(extra: str) -> str:
    """PLAN_EXPORTS with lines added to the export ``daily``."""
    return PLAN_EXPORTS + textwrap.indent(textwrap.dedent(extra), "    ")


def test_a_run_below_min_rows_is_breached_and_status_check_fails(make_project: ProjectFactory) -> None:
    project = make_project(_with("expect: {min_rows: 1000, max_duration: 1h}\n"), profiles=20)
    applied = project.cli("apply", "--auto-approve", "--wait", "--wait-timeout", "30", "--now", DAY1)
    assert applied.exit_code == 0, applied.output
    [run] = project.state().exports["daily"].runs
    assert run.status == "SUCCEEDED" and run.rows is not None and run.rows < 1000
    assert run.breaches == [f"exported {run.rows:,} rows, fewer than min_rows 1,000"]

    checked = project.cli("status", "--check", "--now", DAY1)
    assert checked.exit_code == 1, checked.output
    assert "≠ breached" in checked.output and f"breach     exported {run.rows:,} rows" in checked.output
    assert "Error: 1 of 1 export(s) not healthy:\n  daily: breached: expectation breached" in checked.output
    report = json.loads(project.cli("status", "--format", "json", "--now", DAY1).output)
    assert report["exports"][0]["health"] == "breached" and report["exports"][0]["last_run"]["breaches"]

    planned = project.cli("plan", "--now", DAY1)
    assert "Warning: " in planned.output and "broke its expectations" in planned.output
    drift = project.cli("drift", "--now", DAY1)
    assert drift.exit_code == 0 and "expectation breached" in drift.output, drift.output
    metrics = project.cli("status", "--format", "openmetrics", "--now", DAY1)
    families = {f.name: f for f in text_string_to_metric_families(metrics.output)}
    assert families["aep_exports_expectation_breaches"].samples[0].value == 1


def test_a_declared_rename_keeps_the_history_and_exports_no_window_twice(
    make_project: ProjectFactory,
) -> None:
    project = make_project()
    assert project.cli("apply", "--auto-approve", "--wait", "--now", DAY1).exit_code == 0
    runs_before = project.state().exports["daily"].model_dump_json()
    renamed = PLAN_EXPORTS.replace("  daily:", "  vip-daily:") + "moved:\n  - {from: daily, to: vip-daily}\n"
    project.write(renamed)

    planned = project.cli("plan", "--now", DAY2)
    assert planned.exit_code == 0, planned.output
    assert "=> export.daily has moved to export.vip-daily (state only)" in planned.output
    assert "window      = 2024-03-01T03:00:00Z → 2024-03-02T03:00:00Z" in planned.output, "not a full export"
    assert "orphaned" not in planned.output
    applied = project.cli("apply", "--auto-approve", "--wait", "--now", DAY2)
    assert applied.exit_code == 0, applied.output
    state = project.state()
    assert "daily" not in state.exports
    record = state.exports["vip-daily"]
    assert [r.window_from for r in record.runs] == [None, record.runs[0].window_to]
    assert json.loads(runs_before)["runs"][0] == json.loads(record.model_dump_json())["runs"][0]
    assert tiling_issues([Window(r.window_from, r.window_to) for r in record.runs]) == []
    # The entry stays in the file: the next plan has nothing to move.
    again = project.cli("plan", "--now", DAY2)
    assert "has moved" not in again.output and "No changes" in again.output, again.output


def test_state_mv_renames_by_hand(make_project: ProjectFactory) -> None:
    project = make_project()
    assert project.cli("apply", "--auto-approve", "--wait", "--now", DAY1).exit_code == 0
    moved = project.cli("state", "mv", "export.daily", "vip-daily")
    assert moved.exit_code == 0 and "Moved export daily to vip-daily" in moved.output, moved.output
    project.write(PLAN_EXPORTS.replace("  daily:", "  vip-daily:"))
    planned = project.cli("plan", "--now", DAY2)
    assert "window      = 2024-03-01T03:00:00Z → 2024-03-02T03:00:00Z" in planned.output, planned.output
    refused = project.cli("state", "mv", "vip-daily", "dataset.other")
    assert refused.exit_code == 64 and "is an export; it cannot become" in refused.output
    taken = project.cli("state", "mv", "vip-daily", "vip-daily")
    assert taken.exit_code == 1 and "is already in the state" in taken.output


def test_restate_exports_a_past_window_again_and_records_who_and_when(make_project: ProjectFactory) -> None:
    project = make_project()
    for day in (DAY1, DAY2):
        assert project.cli("apply", "--auto-approve", "--wait", "--now", day).exit_code == 0
    planned = project.cli("plan", "--restate", "daily:2024-03-01T03:00:00Z", "--now", DAY3)
    assert planned.exit_code == 0, planned.output
    assert 'restate export "daily": its watermark moves back to 2024-03-01T03:00:00Z' in planned.output
    assert "window      = 2024-03-01T03:00:00Z → 2024-03-03T03:00:00Z (restated)" in planned.output
    assert "Plan: 1 export to restate, 1 export to run." in planned.output

    applied = project.cli(
        "apply", "--auto-approve", "--wait", "--restate", "daily:2024-03-01T03:00:00Z", "--now", DAY3
    )
    assert applied.exit_code == 0, applied.output
    record = project.state().exports["daily"]
    [restatement] = record.restatements
    assert "@" in restatement.requested_by and restatement.requested_at is not None
    assert restatement.previous_watermark is not None and restatement.completed_at is not None
    last = record.runs[-1]
    assert last.restated and (last.window_from, last.window_to) == (restatement.window_from, record.watermark)
    windows = [Window(r.window_from, r.window_to, restated=r.restated) for r in record.runs]
    assert tiling_issues(windows) == []
    shown = json.loads(project.cli("state", "show", "daily", "--format", "json").output)
    assert shown["restatements"][0]["requested_by"] == restatement.requested_by


def test_a_forced_run_with_a_clock_before_the_watermark_is_refused(make_project: ProjectFactory) -> None:
    project = make_project()
    assert project.cli("apply", "--auto-approve", "--wait", "--now", DAY2).exit_code == 0
    before = project.state().model_dump_json()
    refused = project.cli("apply", "--auto-approve", "--run", "daily", "--now", DAY1)
    assert refused.exit_code == 1, refused.output
    assert (
        "--run daily: the clock (2024-03-01T04:00:00Z) is not after its last run's slot "
        "(2024-03-02T03:00:00Z)" in refused.output
    )
    assert project.state().model_dump_json() == before


def test_a_schedule_in_a_time_zone_shows_local_time_beside_utc(make_project: ProjectFactory) -> None:
    project = make_project(PLAN_EXPORTS.replace('"0 3 * * *"', '"0 2 * * *"\n    timezone: Europe/Paris'))
    planned = project.cli("plan", "--now", "2024-03-31T04:00:00Z")
    assert "slot 2024-03-31T01:00:00Z = 2024-03-31 03:00 CEST in Europe/Paris" in planned.output, (
        planned.output
    )
    assert project.cli("apply", "--auto-approve", "--wait", "--now", "2024-03-31T04:00:00Z").exit_code == 0
    status = project.cli("status", "--now", "2024-03-31T04:00:00Z")
    assert "next slot  2024-04-01T00:00:00Z (2024-04-01 02:00 CEST, Europe/Paris)" in status.output, (
        status.output
    )


def test_a_new_or_recreated_dataset_of_an_incremental_export_is_said_and_a_restate_offered(
    make_project: ProjectFactory,
) -> None:
    project = make_project()
    assert project.cli("apply", "--auto-approve", "--wait", "--now", DAY1).exit_code == 0
    dataset_id = project.state().datasets["target"].id
    with project.client() as client:
        client.delete_dataset(dataset_id)  # deleted outside aep-exports
    planned = project.cli("plan", "--now", DAY2)
    assert planned.exit_code == 0, planned.output
    assert f"dataset {dataset_id} was deleted outside aep-exports; recreate it" in planned.output
    assert (
        "its dataset target is created anew (empty) in this plan while its watermark "
        "2024-03-01T03:00:00Z carries on" in planned.output
    )
    assert "aep-exports apply --restate daily" in planned.output
    restated = project.cli("plan", "--restate", "daily", "--now", DAY2)
    assert "created anew" not in restated.output
    assert "window      = (everything) → 2024-03-02T03:00:00Z (restated)" in restated.output, restated.output

    other = PLAN_EXPORTS.replace("exports:\n", "  other:\n    name: Other target\nexports:\n").replace(
        "dataset: target", "dataset: other"
    )
    project.write(other)
    repointed = project.cli("plan", "--now", DAY2)
    assert "export daily now writes into dataset other instead of target" in repointed.output, (
        repointed.output
    )
    assert "gets none of the earlier history" in repointed.output
