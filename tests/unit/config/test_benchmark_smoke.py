"""benchmarks/validate.py still runs (tiny sizes) and its generated project is valid."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def test_validate_benchmark_runs_small(repo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_validate", repo_root / "benchmarks" / "validate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(["--exports", "40", "--files", "4", "--repeat", "1"])
    assert figures["ratio"] > 0
    assert "40 exports in 4 files" in capsys.readouterr().out
