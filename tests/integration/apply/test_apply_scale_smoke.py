"""benchmarks/apply_scale.py still runs end to end (tiny sizes) and reports what it promises."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "apply_scale.py"


def test_apply_scale_benchmark_runs_with_small_sizes(monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("apply_scale_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, "argv", ["apply_scale.py", "--exports", "10", "--history", "300"])
    module.main()
    out = capsys.readouterr().out
    assert "apply of 10 due exports" in out and "jobs 10, duplicates 0" in out, out
    assert "time split: start-up" in out, out
    assert "request growth 30 -> 300 jobs of history" in out and "(constant)" in out, out
