"""benchmarks/never_twice_soak.py still runs end to end (tiny sizes) and its figures say what they promise."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "never_twice_soak.py"


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    spec = importlib.util.spec_from_file_location("never_twice_soak", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, "argv", ["never_twice_soak.py", *argv])
    module.main()
    return capsys.readouterr().out


def test_kill_trials(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(monkeypatch, capsys, "kills", "--kills", "2", "--variants", "failed")
    assert re.search(r"cancelled_job=failed: \d+ rounds, [23] kills landed", out), out
    assert "duplicates 0, untracked 0, wrongly cancelled 0, claimed twice 0, open intents 0" in out, out
    assert "drift exit 0" in out, out


def test_simulated_days(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(monkeypatch, capsys, "days", "--days", "2", "--exports", "5")
    assert "2 simulated days, 5 exports of mixed shapes" in out, out
    assert "duplicates 0, untracked 0, wrongly cancelled 0, open intents 0" in out, out
    assert re.search(r"\(max [12], target <= 2\)", out), out


def test_doctor_per_variant(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(monkeypatch, capsys, "doctor", "--variants", "request_id")
    assert "request_id=generated: doctor names 'generated' (right)" in out, out
    assert "request_id=echo: doctor names 'echo' (right)" in out, out
    assert "doctor named 2 of 2 served variant values as expected" in out, out
