"""A fresh project on the local platform has an empty profile store: the plan says so and how to seed it,
before a first run exports nothing and moves the watermark on; ``init`` ignores downloaded customer data."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from aep_exports.cli.main import cli
from support.projects import Project, ProjectFactory

T = "2024-05-01T04:00:00Z"
# As `init` writes it: no segment or merge policy, which an empty sandbox would not have.
EXPORTS = """\
datasets:
  target:
    name: Empty store target
exports:
  daily:
    dataset: target
    schedule: "0 3 * * *"
    incremental: true
    fields: [identities.id]
"""
SEED_HINT = "aep-exports platform seed --sandbox dev"


@pytest.fixture
def empty(make_project: ProjectFactory) -> Project:
    return make_project(EXPORTS, profiles=None)


def _warning(output: str) -> str:
    return next((line for line in output.splitlines() if "profile store" in line), "")


def test_plan_and_apply_say_the_store_is_empty_and_how_to_seed_it(empty: Project) -> None:
    planned = empty.cli("plan", "--now", T)
    assert planned.exit_code == 0, planned.output
    warning = _warning(planned.output)
    assert warning.startswith("Warning:") and "sandbox 'dev' is empty" in warning, planned.output
    assert "0 rows" in warning and SEED_HINT in warning, warning
    applied = empty.cli("apply", "--auto-approve", "--now", T)
    assert applied.exit_code == 0 and _warning(applied.output) == warning, applied.output


def test_after_seeding_from_the_hint_there_is_no_warning(empty: Project) -> None:
    seeded = empty.cli(*SEED_HINT.split()[1:], "--profiles", "10")
    assert seeded.exit_code == 0, seeded.output
    planned = empty.cli("plan", "--now", T)
    assert planned.exit_code == 0 and _warning(planned.output) == "", planned.output


def test_nothing_to_run_is_no_reason_to_warn(empty: Project) -> None:
    assert empty.cli("apply", "--auto-approve", "--now", T).exit_code == 0
    quiet = empty.cli("plan", "--now", T)  # the run of this slot is recorded: nothing runs
    assert quiet.exit_code == 0 and _warning(quiet.output) == "", quiet.output


def test_init_ignores_downloaded_data(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    ignored = (tmp_path / ".gitignore").read_text().splitlines()
    assert "downloads/" in ignored
    git = shutil.which("git")
    if git is None:
        return
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    check = subprocess.run(
        [git, "-C", str(tmp_path), "check-ignore", "downloads/daily/7/part-0.parquet", ".aep-exports/x"],
        capture_output=True, text=True, check=False,
    )
    assert check.stdout.split() == ["downloads/daily/7/part-0.parquet", ".aep-exports/x"], check
