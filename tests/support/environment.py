"""One autouse fixture: tests never see the caller's settings in the environment."""

from __future__ import annotations

import os

import pytest

# Read by the CLI besides its AEP_* settings: what CI sets for a job summary, and colour.
OTHER_VARIABLES = ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "FORCE_COLOR")
KEPT = ("AEP_TEST_",)  # where the test suite itself finds its services (PostgreSQL)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every AEP_* variable (settings, AEP_EXPORTS_NOW, option defaults) and CI's; no colour."""
    for variable in list(os.environ):
        if variable.startswith("AEP_") and not variable.startswith(KEPT):
            monkeypatch.delenv(variable)
    for variable in OTHER_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
