"""Conventions a Terraform/dbt user looks for: version pinning, colour variables, environment
variables for options, shell completion of keys."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aep_exports import __version__
from aep_exports.cli.main import cli
from aep_exports.render.style import is_interactive, use_colour
from aep_exports.scaffold.project import pinned_version

SCRIPT = Path(sys.executable).with_name("aep-exports")
EXPORTS = """\
datasets:
  target:
    name: Target
  archive:
    name: Archive
exports:
  daily:
    dataset: target
    schedule: "@daily"
  weekly:
    dataset: archive
    schedule: "@weekly"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "main.yaml").write_text(EXPORTS, encoding="utf-8")
    return tmp_path


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "tty", "colour", "live"),
    [
        ({}, True, True, True),
        ({}, False, False, False),
        ({"NO_COLOR": "1"}, True, False, True),
        ({"FORCE_COLOR": "1"}, False, True, False),
        ({"FORCE_COLOR": "0"}, False, False, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False, True),
        ({"TERM": "dumb"}, True, False, False),
        ({"TERM": "dumb", "FORCE_COLOR": "1"}, True, True, False),
    ],
)
def test_colour_and_live_display_follow_the_environment(
    env: dict[str, str], tty: bool, colour: bool, live: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = Tty() if tty else io.StringIO()
    assert (use_colour(stream), is_interactive(stream)) == (colour, live)


def test_init_pins_its_version_and_every_command_checks_it(tmp_path: Path) -> None:
    target = tmp_path / "new"
    assert CliRunner().invoke(cli, ["init", str(target)]).exit_code == 0
    settings = (target / "aep-exports.yaml").read_text(encoding="utf-8")
    assert f'required_version: "{pinned_version(__version__)}"' in settings
    assert CliRunner().invoke(cli, ["--project", str(target), "validate"]).exit_code == 0

    (target / "aep-exports.yaml").write_text(settings.replace(pinned_version(__version__), ">=99"), "utf-8")
    for args in (["validate"], ["plan"], ["status"], ["state", "list"], ["drift"]):
        result = CliRunner().invoke(cli, ["--project", str(target), *args])
        assert result.exit_code == 1, (args, result.output)
        assert f"requires aep-exports >=99, but this is aep-exports {__version__}" in result.output


def test_pinned_version_allows_patches_only_before_1_0() -> None:
    assert pinned_version("0.1.0") == ">=0.1.0,<0.2"
    assert pinned_version("0.4.2") == ">=0.4.2,<0.5"
    assert pinned_version("1.3.0") == ">=1.3.0,<2"
    assert pinned_version("2.0.1rc1") == ">=2.0.1,<3"


def test_every_option_reads_its_environment_variable(project: Path) -> None:
    runner = CliRunner(env={"AEP_EXPORTS_VALIDATE_FORMAT": "json"})
    data = json.loads(runner.invoke(cli, ["--project", str(project), "validate"]).output)
    assert data["valid"] is True and data["format_version"] == 1
    status = CliRunner(env={"AEP_EXPORTS_NOW": "2026-01-02T00:00:00Z", "AEP_EXPORTS_STATUS_FORMAT": "json"})
    assert json.loads(status.invoke(cli, ["--project", str(project), "status"]).output)["now"] == (
        "2026-01-02T00:00:00Z"
    )


def _complete(project: Path, line: str) -> list[str]:
    words = line.split(" ")
    env = {
        **os.environ,
        "_AEP_EXPORTS_COMPLETE": "bash_complete",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
    }
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, env=env, cwd=project, timeout=60)
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if line.startswith("plain,")]


def test_shell_completion_offers_declared_keys(project: Path) -> None:
    assert _complete(project, "aep-exports status ") == ["archive", "daily", "target", "weekly"]
    assert _complete(project, "aep-exports download w") == ["weekly"]
    assert _complete(project, "aep-exports import dataset ") == ["archive", "target"]
    assert _complete(project, "aep-exports plan --run d") == ["daily"]
    assert _complete(project, f"aep-exports --project {project} state show a") == ["archive"]
    (project / "exports" / "main.yaml").write_text("exports: [broken", encoding="utf-8")
    assert _complete(project, "aep-exports status ") == []  # never a traceback in the shell
