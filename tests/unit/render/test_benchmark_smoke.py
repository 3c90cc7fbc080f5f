"""The report_scale benchmark still runs (tiny sizes, no browser)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[3] / "benchmarks" / "report_scale.py"


def test_report_scale_benchmark_runs_small():
    out = subprocess.run(
        [sys.executable, str(BENCH), "--exports", "4", "--runs", "3", "--no-browser"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "full: 4 exports x 3 runs = 12 runs drawn" in out and "report size:" in out
