"""Every broken file of tests/fixtures/bad gives exactly its expected one-line problem(s).

To add a case: drop ``<name>.yaml`` (copied to ``exports/<name>.yaml``; put the expected problem on a
``# expect:`` first line) or a project directory ``<name>/`` with ``expected.txt`` in tests/fixtures/bad.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

LINE = re.compile(r"^\S+:\d+:\d+: \S.*$")
SECRET_MARK = "S3CR3T"


def test_corpus_has_at_least_thirty_cases(corpus_cases: list[Any]) -> None:
    assert len(corpus_cases) >= 30
    assert all(case.expected for case in corpus_cases), "every case must state its expected problem"


def test_bad_case(bad_case: Any, tmp_path: Path, validate_project: Callable[[Path], list[str]]) -> None:
    project = bad_case.build(tmp_path / "project")
    problems = validate_project(project)
    assert problems == list(bad_case.expected)
    for problem in problems:
        assert LINE.match(problem), f"not file:line:col: ...: {problem}"
        assert SECRET_MARK not in problem


def test_all_problems_of_a_run_are_reported_together(
    corpus_cases: list[Any], tmp_path: Path, validate_project: Callable[[Path], list[str]]
) -> None:
    project = tmp_path / "project"
    (project / "exports").mkdir(parents=True)
    singles = [case for case in corpus_cases if case.source.is_file()]
    for case in singles:
        (project / "exports" / case.source.name).write_bytes(case.source.read_bytes())
    problems = validate_project(project)
    # The files share keys (so duplicates add problems), but no file's problems hide another's.
    for case in singles:
        assert any(problem.startswith(f"exports/{case.source.name}:") for problem in problems), case.name
    per_file_problems = [line for case in singles for line in case.expected if "already declared" not in line]
    missing = [line for line in per_file_problems if line not in problems and "names no declared" not in line]
    assert missing == []
