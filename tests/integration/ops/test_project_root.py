"""Commands run below the project (in ``exports/``, deeper) work on the project found upward, as git does;
``--project`` wins; file names in messages are relative to the project root wherever the user stands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from aep_exports.cli.main import cli
from support.projects import Project, ProjectFactory

T = "2024-05-01T04:00:00Z"


def _here(*args: str) -> Result:
    """``aep-exports ARGS`` in this process, without --project (from the current directory)."""
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def project(make_project: ProjectFactory) -> Project:
    """The plan tests' declarations: one dataset, one daily export (this directory's conftest has others)."""
    return make_project()


@pytest.fixture
def deep(project: Project) -> Path:
    below = project.root / "exports" / "team" / "notes"
    below.mkdir(parents=True)
    return below


@pytest.mark.parametrize("where", ["exports", "deep"])
def test_the_loop_works_from_below_the_project(
    project: Project, deep: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.chdir(project.root / "exports" if where == "exports" else deep)
    validated = _here("validate")
    assert validated.exit_code == 0, validated.output
    assert "OK: 1 dataset, 1 export in 1 file (sandbox dev)" in validated.output
    planned = _here("plan", "--now", T)
    assert planned.exit_code == 0, planned.output
    assert '+ create dataset "target"' in planned.output
    applied = _here("apply", "--auto-approve", "--now", T)
    assert applied.exit_code == 0, applied.output
    assert project.state().exports["daily"].runs, "apply from below wrote the project's state"
    assert not (Path.cwd() / ".aep-exports").exists()  # nothing was written where the user stands
    status = _here("status", "--now", T)
    assert status.exit_code == 0 and "daily" in status.output, status.output


def test_paths_in_messages_are_relative_to_the_project_root(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = project.root / "exports" / "main.yaml"
    main.write_text(main.read_text().replace('schedule: "0 3 * * *"', 'schedule: "0 3 * *"'))
    from_root = project.cli("validate")
    monkeypatch.chdir(project.root / "exports")
    from_below = _here("validate")
    assert from_below.exit_code == from_root.exit_code == 1
    assert "exports/main.yaml:8:" in from_below.output, from_below.output
    assert from_below.output == from_root.output


def test_project_option_wins_over_the_project_found_upward(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = make_project(name="here")
    other = make_project(name="other")
    (other.root / "exports" / "main.yaml").write_text("datasets:\n  lonely:\n    name: Lonely\n")
    monkeypatch.chdir(here.root / "exports")
    chosen = _here("--project", str(other.root), "validate")
    assert "OK: 1 dataset, 0 exports" in chosen.output, chosen.output
    assert "OK: 1 dataset, 1 export " in _here("validate").output


def test_platform_seed_from_below_fills_the_project_store(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(profiles=None)
    monkeypatch.chdir(project.root / "exports")
    seeded = _here("platform", "seed", "--sandbox", "dev", "--profiles", "5")
    assert seeded.exit_code == 0, seeded.output
    assert not (project.root / "exports" / ".aep-exports").exists()
    with project.client() as client:
        assert client.list_segment_definitions(), "the project's own platform was seeded"


def test_init_in_a_subdirectory_starts_a_project_there(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = project.root / "elsewhere"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert _here("init").exit_code == 0
    assert (sub / "aep-exports.yaml").is_file() and (sub / "exports" / "example.yaml").is_file()


def test_the_installed_command_from_exports(project: Project) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "aep_exports", "validate"],
        cwd=project.root / "exports",
        env=project.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert "OK: 1 dataset, 1 export in 1 file (sandbox dev)" in ran.stdout
