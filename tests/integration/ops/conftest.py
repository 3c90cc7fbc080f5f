"""Fixtures of the ops integration tests (helpers live in ops_project.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ops_project import seed_embedded, write_project

from aep_exports.config.settings import ENV_VARS


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (*ENV_VARS.values(), "AEP_EXPORTS_NOW", "GITHUB_STEP_SUMMARY", "AEP_EXPORTS_PROJECT"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def local_project(tmp_path: Path) -> Path:
    """A project on the embedded local platform, its profile store seeded for sandbox dev."""
    root = write_project(tmp_path / "project")
    seed_embedded(root)
    return root
