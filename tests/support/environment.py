"""One autouse fixture: tests never see the caller's settings in the environment."""

from __future__ import annotations

import pytest

from aep_exports.cli.wiring import NOW_ENV
from aep_exports.config.settings import ENV_VARS

# Read by the CLI besides the settings: the project directory, and what CI sets for a job summary.
OTHER_VARIABLES = (NOW_ENV, "AEP_EXPORTS_PROJECT", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every variable the settings read (AEP_*), the injected clock and CI's summary; no colour."""
    for variable in (*ENV_VARS.values(), *OTHER_VARIABLES):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
