"""Fixtures of the plan integration tests (helpers live in plan_project.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from plan_project import write_project

from aep_exports.cli.wiring import local_data_dir
from aep_exports.config.settings import load_settings


@pytest.fixture
def local_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project on the embedded local platform, its profile store seeded for sandbox dev."""
    for name in (
        "AEP_PLATFORM",
        "AEP_SANDBOX_NAME",
        "AEP_ORG_ID",
        "AEP_EXPORTS_NOW",
        "GITHUB_STEP_SUMMARY",
        "NO_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    root = write_project(tmp_path / "project")
    from aep_exports.platform.app import create_app
    from aep_exports.platform.credentials import DEV_ORG_ID

    data_dir = local_data_dir(load_settings(root, {}))
    data_dir.mkdir(parents=True)
    app = create_app(data_dir, in_process=True)
    app.platform.seed(DEV_ORG_ID, "dev", 20, 7)
    app.platform.close()
    return root
