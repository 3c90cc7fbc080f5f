"""The load benchmark runs end to end with tiny sizes and reports no error with faults off."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).parents[3] / "benchmarks" / "platform_load.py"


def test_platform_load_benchmark_smoke() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCHMARK),
            "--clients",
            "3",
            "--duration",
            "0.5",
            "--baseline-duration",
            "0.2",
            "--jobs",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "req/s" in result.stdout and "errors 0" in result.stdout and "ratio" in result.stdout
