"""The plan_scale benchmark still runs (tiny sizes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[3] / "benchmarks" / "plan_scale.py"


def test_plan_scale_benchmark_runs_small():
    out = subprocess.run(
        [sys.executable, str(BENCH), "--exports", "50", "--runs", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "planning time:" in out and "peak memory" in out
