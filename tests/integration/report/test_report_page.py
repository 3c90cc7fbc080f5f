"""The HTML report in a real headless Chromium: everything in state is drawn, offline, without errors.

The state comes from real runs: four days of applies on a real platform server (uvicorn on 127.0.0.1)
with the platform's clock and the CLI's ``--now`` moved together. Day 2's jobs fail (fault
``job_failure_rate``), day 3's hang (``job_hang_rate``): the daily export's stuck job is cancelled by
aep-exports (timeout 6h), the six-hourly export's is cancelled outside the tool (a DELETE on the
API), and the full export's stays PROCESSING to the end. Then ``aep-exports report`` writes the
page, and the test reads what Chromium drew against the state file (the oracle).
"""

from __future__ import annotations

import textwrap
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from aep_exports.client.local_admin import LocalAdmin
from aep_exports.platform.seeddata.catalog import AAM_SEGMENT_ID, SEED_POLICY_ID
from aep_exports.state.model import RunRecord, RunStatus, StateDocument
from support.projects import Project

DAY1 = datetime(2024, 3, 1, tzinfo=UTC)
DAYS = 4
FAIL_DAY, HANG_DAY = 2, 3
OUTCOME = {
    RunStatus.SUCCEEDED: "succeeded",
    RunStatus.FAILED: "failed",
    RunStatus.CANCELLED: "cancelled",
    RunStatus.MISSING: "missing",
}

EXPORTS = textwrap.dedent(f"""\
    datasets:
      target:
        name: Report test target
    exports:
      crm-daily:
        dataset: target
        schedule: "0 3 * * *"
        incremental: true
        timeout: 6h
        mergePolicy: {{id: {SEED_POLICY_ID}}}
        filter:
          segments:
            - segmentId: {AAM_SEGMENT_ID}
              segmentNs: AAM
      vip_6h:
        dataset: target
        schedule: "0 */6 * * *"
        incremental: true
        fields: [identities.id, personalEmail.address]
      full-snapshot:
        dataset: target
        schedule: "30 3 * * *"
        filter:
          emptyProfiles: true
    """)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Loop:
    """The CLI in-process against a platform server whose clock follows ``--now``."""

    def __init__(self, project: Project, admin: LocalAdmin) -> None:
        self.project, self.admin = project, admin

    def cli(self, *args: str, at: datetime) -> str:
        self.admin.set_clock(at)
        result = self.project.cli(*args, "--now", _stamp(at))
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result.output


def run_four_days(project: Project) -> datetime:
    """Apply every six hours for four days (refreshing 10 minutes later); returns the last instant."""
    with project.admin() as admin, project.client() as outsider:
        loop = Loop(project, admin)
        admin.configure(job_duration_s=300)
        moment = DAY1
        for day in range(1, DAYS + 1):
            for hour in (4, 10, 16, 22):
                moment = DAY1 + timedelta(days=day - 1, hours=hour, minutes=30 if hour == 10 else 0)
                if hour == 4:
                    admin.set_faults(
                        **{FAIL_DAY: {"job_failure_rate": 1.0}, HANG_DAY: {"job_hang_rate": 1.0}}.get(day, {})
                    )
                if day == HANG_DAY and hour == 10:
                    # Someone cancels the six-hourly export's stuck job by hand, before aep-exports looks.
                    stuck = project.state().exports["vip_6h"].runs[-1]
                    assert stuck.status == RunStatus.PROCESSING and stuck.job_id is not None
                    outsider.cancel_export_job(stuck.job_id)
                output = loop.cli("apply", "--auto-approve", at=moment)
                if day == HANG_DAY and hour == 10:
                    assert "cancelled job" in output and "(timeout)" in output, output
                admin.set_faults()
                moment += timedelta(minutes=10)
                loop.cli("refresh", at=moment)
    return moment


def expected_marks(state: StateDocument) -> dict[str, dict[str, Any]]:
    """What the report must draw, from the state file alone (every run: --since all)."""

    def has_duration(run: RunRecord) -> bool:
        total = run.metrics.get("totalTime")
        millis = total.get("totalTimeInMs") if isinstance(total, dict) else None
        return isinstance(millis, int) or (
            run.created is not None and (run.finished is not None or run.unfinished)
        )

    return {
        key: {
            "lane": len(record.runs),
            "lanes": dict(Counter(OUTCOME.get(run.status, "running") for run in record.runs)),
            "rows": sum(
                isinstance(run.metrics.get("totalExportedProfileCounter"), int) for run in record.runs
            ),
            "minutes": sum(has_duration(run) for run in record.runs),
        }
        for key, record in state.exports.items()
    }


def test_report_of_four_real_days_draws_every_run_offline(platform_server, make_project, browser, tmp_path):
    project = make_project(EXPORTS, platform=platform_server.url, profiles=40)

    end = run_four_days(project)
    state = project.state()
    statuses = Counter(run.status for record in state.exports.values() for run in record.runs)
    assert statuses[RunStatus.FAILED] >= 3 and statuses[RunStatus.CANCELLED] == 2, statuses
    assert statuses[RunStatus.PROCESSING] == 1, statuses  # full-snapshot's hung job
    crm = state.exports["crm-daily"].runs
    assert [r.cancelled_by_tool for r in crm if r.status == RunStatus.CANCELLED] == [True]
    vip = state.exports["vip_6h"].runs
    assert [r.cancelled_by_tool for r in vip if r.status == RunStatus.CANCELLED] == [False]

    out = tmp_path / "report.html"
    result = project.cli("report", "-o", str(out), "--since", "all", "--now", _stamp(end))
    assert result.exit_code == 0, result.output
    assert f"Report: {out.resolve()} (3 exports, {sum(statuses.values())} runs;" in result.output
    assert "<script src" not in out.read_text(encoding="utf-8")

    page = browser
    page.open_report(out)
    page.page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    drawn = page.marks()
    assert page.errors == [] and page.requests == []
    assert {
        key: {k: v for k, v in marks.items() if k in ("lane", "lanes", "rows", "minutes")}
        for key, marks in drawn.items()
    } == expected_marks(state)
    # Incremental windows tile: nothing listed, nothing shaded.
    assert all(marks["coverage"] == 0 and marks["shapes"] == 0 for marks in drawn.values())

    # The summary table sorts by health (failing first) and the filter hides what it should.
    page.page.click("#summary th:nth-child(2)")
    healths = page.page.locator("#summary tbody tr").evaluate_all("rows => rows.map(r => r.dataset.health)")
    rank = {"failing": 0, "late": 1, "running": 2, "healthy": 3}
    assert len(healths) == 3 and healths == sorted(healths, key=rank.__getitem__)
    page.page.select_option("#filters select[name=last]", "running")
    assert [k for k, m in page.marks().items() if m["visible"]] == ["full-snapshot"]
    assert page.page.locator("#shown").text_content() == "1 of 3 exports"

    # Hovering over a failed run's bar shows its job, status and window.
    page.page.select_option("#filters select[name=last]", "")
    failed = next(r for r in crm if r.status == RunStatus.FAILED)
    bars = page.page.locator('section[data-key="crm-daily"] .subplot.xy .trace.bars')
    bar = bars.filter(has=page.page.locator(".point")).nth(1).locator(".point path").first
    bar.scroll_into_view_if_needed()
    bar.hover(force=True)
    tip = page.page.locator('section[data-key="crm-daily"] .hoverlayer .hovertext')
    tip.wait_for(timeout=10_000)
    text = tip.text_content() or ""
    assert f"job {failed.job_id}" in text and "FAILED" in text and "window" in text, text
    assert (tmp_path / "report.png").stat().st_size > 10_000
