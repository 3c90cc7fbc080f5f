"""The workflow `init` writes and the repository's action.yml validate against GitHub's published
schemas (check-jsonschema's built-in, offline copies of SchemaStore's github-workflow/-action)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aep_exports.cli.main import cli
from support.github_actions import ACTION_FILE

CHECK = Path(sys.executable).parent / "check-jsonschema"


def _check(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    if not CHECK.exists():
        pytest.fail("check-jsonschema is not installed: it is in the dev extra (pip install -e '.[dev]')")
    return subprocess.run([str(CHECK), "--builtin-schema", schema, *map(str, files)],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("action", [None, "acme/aep-exports@v1.2.3"])
def test_the_workflow_init_writes_validates(tmp_path: Path, action: str | None) -> None:
    args = ["init", str(tmp_path / "p")] + (["--action", action] if action else [])
    assert CliRunner().invoke(cli, args).exit_code == 0
    result = _check("vendor.github-workflows", tmp_path / "p/.github/workflows/aep-exports.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_action_validates() -> None:
    result = _check("vendor.github-actions", ACTION_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schemas_do_refuse_a_broken_file(tmp_path: Path) -> None:
    workflow = tmp_path / "broken.yml"
    workflow.write_text("on: push\njobs:\n  x:\n    timeout-minutes: soon\n    steps:\n      - run: true\n")
    assert _check("vendor.github-workflows", workflow).returncode == 1
    action = tmp_path / "action.yml"
    action.write_text(ACTION_FILE.read_text().replace("using: composite", "using: docker-compose"))
    assert _check("vendor.github-actions", action).returncode == 1
