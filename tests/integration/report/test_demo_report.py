"""``aep-exports demo`` ends with a report that Chromium draws: the demo's exports, windows, outcomes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from aep_exports.cli.wiring import load_declared
from aep_exports.config.settings import load_settings
from aep_exports.platform.credentials import DEV_ORG_ID
from aep_exports.state.backend import open_backend

REPO = Path(__file__).resolve().parents[3]


def test_the_demo_report_shows_every_export_and_run(browser, tmp_path):
    project = tmp_path / "clone"
    project.mkdir()
    shutil.copytree(REPO / "exports", project / "exports")
    shutil.copy(REPO / "aep-exports.yaml", project / "aep-exports.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "GITHUB_STEP"))}
    done = subprocess.run(
        [sys.executable, "-m", "aep_exports", "demo", "--project", str(project), "--profiles", "2000"],
        env={**env, "NO_COLOR": "1"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = project / ".aep-exports" / "report.html"
    assert done.stdout.rstrip().endswith(report.resolve().as_uri())

    browser.open_report(report)
    browser.page.screenshot(path=str(tmp_path / "demo-report.png"), full_page=True)
    assert browser.errors == [] and browser.requests == []
    settings = load_settings(project, {})
    state = open_backend(settings, org=DEV_ORG_ID).read()
    drawn = browser.marks()
    assert sorted(drawn) == sorted(load_declared(settings)[1].exports)
    runs = {
        key: dict(Counter(r.status.lower() for r in state.exports[key].runs)) if key in state.exports else {}
        for key in drawn
    }
    assert {key: marks["lanes"] for key, marks in drawn.items()} == runs
    assert sum(r.get("succeeded", 0) for r in runs.values()) >= 2  # the scheduled exports ran
