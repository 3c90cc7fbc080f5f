"""The refresh benchmark runs end to end with tiny sizes (real server subprocess)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "client_refresh.py"


def test_client_refresh_benchmark_smoke(capsys: object) -> None:
    spec = importlib.util.spec_from_file_location("client_refresh_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    figures = module.main(["--jobs", "150", "--reads", "20", "--latency-ms", "5", "--parallelism", "4"])
    assert figures.jobs_listed == 150 and figures.pages == 2
    assert figures.requests == 2 + 20 and figures.ratio > 0.5
