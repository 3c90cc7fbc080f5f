"""The report in Chromium for an empty project, a coverage gap, and 200 exports x 50 runs.

States here are synthetic documents (the benchmark's builder): the real loop never leaves a gap, and
10,000 runs would take too long to make for real. Every mark is checked against the state file.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from aep_exports.cli.main import cli
from aep_exports.config.settings import load_settings
from aep_exports.state.backend import open_backend
from aep_exports.state.model import RunStatus, StateDocument
from benchmarks.report_scale import NOW, ORG, synthetic_project

OUTCOME = {RunStatus.SUCCEEDED: "succeeded", RunStatus.FAILED: "failed", RunStatus.CANCELLED: "cancelled"}


def write_report(project: Path, out: Path) -> str:
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(project),
            "report",
            "-o",
            str(out),
            "--since",
            "all",
            "--now",
            NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        ],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def state_of(project: Path) -> StateDocument:
    return open_backend(load_settings(project, {}), org=ORG).read()


def lanes_in_state(state: StateDocument) -> dict[str, dict[str, int]]:
    return {
        key: dict(Counter(OUTCOME.get(run.status, "running") for run in record.runs))
        for key, record in state.exports.items()
    }


def test_report_of_an_empty_project_renders_without_errors(browser, tmp_path):
    project = tmp_path / "empty"
    synthetic_project(project, 0, 0)
    out = tmp_path / "report.html"
    assert "(0 exports, 0 runs;" in write_report(project, out)
    browser.open_report(out)
    browser.page.screenshot(path=str(tmp_path / "empty.png"))
    assert browser.errors == [] and browser.requests == []
    assert browser.marks() == {}
    assert browser.page.locator("#summary tbody tr").count() == 0
    assert "No export is declared" in (browser.page.locator("#empty").text_content() or "")


def test_a_gap_in_incremental_coverage_is_listed_and_shaded(browser, tmp_path):
    project = tmp_path / "gap"
    synthetic_project(project, 3, 8, gap_in=1)
    out = tmp_path / "report.html"
    write_report(project, out)
    browser.open_report(out)
    browser.page.locator('section[data-key="export-001"]').screenshot(path=str(tmp_path / "gap.png"))
    drawn = browser.marks()
    assert browser.errors == [] and browser.requests == []
    assert {key: (m["coverage"], m["shapes"]) for key, m in drawn.items()} == {
        "export-000": (0, 0),
        "export-001": (1, 1),
        "export-002": (0, 0),
    }
    assert {key: m["lanes"] for key, m in drawn.items()} == lanes_in_state(state_of(project))
    text = browser.page.locator('section[data-key="export-001"] .problems').text_content() or ""
    assert text.startswith("Coverage problems") and "gap between" in text
    row = browser.page.locator('#summary tr[data-key="export-001"]').text_content() or ""
    assert "1 problem" in row


def test_report_of_200_exports_by_50_runs_draws_every_run(browser, tmp_path):
    project = tmp_path / "large"
    state = synthetic_project(project, 200, 50)
    out = tmp_path / "report.html"
    assert "(200 exports, 10000 runs;" in write_report(project, out)
    seconds = browser.open_report(out)
    browser.page.screenshot(path=str(tmp_path / "large.png"))
    drawn = browser.marks()
    assert browser.errors == [] and browser.requests == []
    assert {key: m["lanes"] for key, m in drawn.items()} == lanes_in_state(state)
    assert sum(m["lane"] for m in drawn.values()) == 10_000
    rows = {
        key: sum("totalExportedProfileCounter" in r.metrics for r in rec.runs)
        for key, rec in state.exports.items()
    }
    assert {key: m["rows"] for key, m in drawn.items()} == rows
    print(f"200 x 50 report: {out.stat().st_size / 1e6:.1f} MB, drawn in {seconds:.1f} s")
