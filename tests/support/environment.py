"""One autouse fixture: tests never see the caller's settings in the environment."""

from __future__ import annotations

import os

import pytest

# Read by the CLI besides its AEP_* settings: CI (file state is read-only there), what GitHub
# Actions sets for a job (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, ...), and colour. The suite runs
# under `CI=true bash .ci/run`; a test that wants CI's behaviour sets these itself.
OTHER_VARIABLES = ("CI", "FORCE_COLOR")
OTHER_PREFIXES = ("GITHUB_", "RUNNER_")
KEPT = ("AEP_TEST_",)  # where the test suite itself finds its services (PostgreSQL)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every AEP_* variable (settings, AEP_EXPORTS_NOW, option defaults), CI and GITHUB_*/RUNNER_*;
    no colour."""
    for variable in list(os.environ):
        if variable.startswith("AEP_") and not variable.startswith(KEPT):
            monkeypatch.delenv(variable)
    for variable in OTHER_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    for variable in list(os.environ):
        if variable.startswith(OTHER_PREFIXES):
            monkeypatch.delenv(variable)
    monkeypatch.setenv("NO_COLOR", "1")
