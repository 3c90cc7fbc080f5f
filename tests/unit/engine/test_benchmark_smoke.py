"""The export benchmark still runs (tiny sizes) and its engine/reference cross-check holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_benchmark_runs_with_small_sizes() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "export_engine.py"),
            "--profiles",
            "3000",
            "--reference-profiles",
            "500",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "store profiles/s" in result.stdout and "peak RSS" in result.stdout
    assert "faster" in result.stdout
