"""Commands that only read the state report at the instant `plan` plans for.

On the embedded local platform that is the platform's clock (`platform clock set` moves it), not the
machine's: `status` and `report` said "Status at <real now>", "late", "job NEW for 10d15h" while `plan`
used the platform clock. Reading the clock must not move it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.declarations import exports_yaml
from support.projects import Project, ProjectFactory

CLOCK = "2026-11-21T05:00:00Z"


@pytest.fixture
def clocked(make_project: ProjectFactory) -> Project:
    """A project with one daily export, applied on the clock's day, the clock then frozen at CLOCK."""
    project = make_project(exports_yaml(1))
    applied = project.cli("apply", "--auto-approve", "--now", "2026-11-21T04:30:00Z")
    assert applied.exit_code == 0, applied.output
    with project.admin() as admin:
        admin.freeze_clock(True)
    moved = project.cli("platform", "clock", "set", CLOCK)
    assert moved.exit_code == 0, moved.output
    return project


def test_status_reports_at_the_local_platform_clock(clocked: Project,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AEP_EXPORTS_NOW", raising=False)
    shown = clocked.cli("status")
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith(f"Status at {CLOCK} "), shown.output
    as_json = clocked.cli("status", "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["now"].startswith("2026-11-21T05:00:00"), as_json.output
    # The same instant as plan's, and the clock did not move.
    planned = clocked.cli("plan", "--format", "json")
    assert planned.exit_code in (0, 2), planned.output
    assert json.loads(planned.output)["now"].startswith("2026-11-21T05:00:00"), planned.output
    clock = clocked.cli("platform", "clock")
    assert f"Local platform clock: {CLOCK[:-1]}" in clock.output, clock.output


def test_report_is_drawn_at_the_local_platform_clock(clocked: Project, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("plotly")
    monkeypatch.delenv("AEP_EXPORTS_NOW", raising=False)
    out = tmp_path / "report.html"
    written = clocked.cli("report", "-o", str(out))
    assert written.exit_code == 0, written.output
    assert f"Report for {CLOCK}" in out.read_text(), out.read_text()[:2000]


def test_now_still_wins_over_the_clock(clocked: Project) -> None:
    shown = clocked.cli("status", "--now", "2030-01-01T00:00:00Z")
    assert shown.exit_code == 0 and shown.output.startswith("Status at 2030-01-01T00:00:00Z"), shown.output
