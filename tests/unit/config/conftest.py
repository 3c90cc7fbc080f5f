"""Fixtures of the config tests, and the broken-file corpus under tests/fixtures/bad.

A ``*.yaml`` case is copied to ``exports/<name>.yaml`` of an empty project; its ``# expect:`` header
lines are the expected problems. A directory case is a whole project; ``expected.txt`` holds them.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from aep_exports.config.loader import load_declarations
from aep_exports.config.settings import load_settings
from aep_exports.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "tests" / "fixtures" / "bad"
EXPECT = "# expect: "


@dataclass(frozen=True)
class Case:
    name: str
    source: Path
    expected: tuple[str, ...]

    def build(self, project: Path) -> Path:
        """Lay the case out as a project under ``project``."""
        if self.source.is_dir():
            shutil.copytree(self.source, project, ignore=shutil.ignore_patterns("expected.txt"))
        else:
            (project / "exports").mkdir(parents=True)
            shutil.copy(self.source, project / "exports" / self.source.name)
        (project / "exports").mkdir(exist_ok=True)
        return project


def cases() -> list[Case]:
    """Every case of the corpus, sorted by name."""
    found = []
    for path in sorted(CORPUS.iterdir()):
        if path.is_dir():
            lines = (path / "expected.txt").read_text(encoding="utf-8").splitlines()
        elif path.suffix == ".yaml":
            lines = [
                line[len(EXPECT) :]
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith(EXPECT)
            ]
        else:
            continue
        found.append(
            Case(path.stem if path.is_file() else path.name, path, tuple(line for line in lines if line))
        )
    return found


def problems_of(project: Path) -> list[str]:
    """What `aep-exports validate` reports for ``project`` (settings first, then declarations)."""
    try:
        settings = load_settings(project, {}, environ={})
        load_declarations(project, settings.sandbox)
    except ConfigError as error:
        return list(error.problems)
    return []


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "bad_case" in metafunc.fixturenames:
        found = cases()
        metafunc.parametrize("bad_case", found, ids=[case.name for case in found])


@pytest.fixture
def repo_root() -> Path:
    """The repository (holds exports/, schemas/, aep-exports.yaml)."""
    return REPO


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project: an exports/ directory and no settings file."""
    (tmp_path / "exports").mkdir()
    return tmp_path


WriteFile = Callable[[str, str], Path]


@pytest.fixture
def write(project: Path) -> WriteFile:
    """``write("exports/a.yaml", text)``: a dedented file in the project."""

    def _write(relative: str, text: str) -> Path:
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def corpus_cases() -> list[Case]:
    """All cases of the broken-file corpus."""
    return cases()


@pytest.fixture
def validate_project() -> Callable[[Path], list[str]]:
    """What `aep-exports validate` reports for a project directory."""
    return problems_of
