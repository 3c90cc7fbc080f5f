"""The clock's arithmetic and the fault injector's decisions."""

from __future__ import annotations

from pathlib import Path

import pytest

from aep_exports.platform.clock import Clock, ms_to_iso, parse_duration_ms, parse_instant_ms
from aep_exports.platform.faults import JOB_FAILS, JOB_HANGS, JOB_SUCCEEDS, FaultConfig, FaultInjector


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        (1.5, 1500),
        ("90", 90_000),
        ("1d", 86_400_000),
        ("2h30m", 9_000_000),
        ("15s", 15_000),
        ("250ms", 250),
        ("1d1h1m1s", 90_061_000),
    ],
)
def test_durations(text: float | str, ms: int) -> None:
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize("bad", ["", "soon", "1x", True])
def test_bad_durations(bad: str | bool) -> None:
    with pytest.raises(ValueError):
        parse_duration_ms(bad)


def test_instants_round_trip() -> None:
    ms = parse_instant_ms("2018-10-25T13:22:04-07:00")
    assert ms_to_iso(ms) == "2018-10-25T20:22:04.000Z"
    assert parse_instant_ms(ms) == ms


def test_clock_offsets_freezes_and_reports_changes() -> None:
    real = [1_000_000]
    changes: list[tuple[int, int | None]] = []
    clock = Clock(real_ms=lambda: real[0], on_change=lambda offset, frozen: changes.append((offset, frozen)))
    clock.advance(500)
    real[0] += 100
    assert clock.now_ms() == 1_000_600
    clock.freeze(True)
    real[0] += 10_000
    assert clock.now_ms() == 1_000_600
    clock.set(5)
    assert clock.now_ms() == 5
    clock.freeze(False)
    real[0] += 7
    assert clock.now_ms() == 12
    clock.reset()
    assert clock.now_ms() == real[0] and not clock.frozen
    assert len(changes) == 5 and changes[-1] == (0, None)


def test_fault_config_validation_and_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown fault setting"):
        FaultConfig.from_mapping({"eror_rate": 0.1})
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultConfig.from_mapping({"drop_rate": 1.5})
    with pytest.raises(ValueError, match="must be a number"):
        FaultConfig.from_mapping({"latency_ms": True})
    path = tmp_path / "faults.yaml"
    path.write_text("latencyMs: 20\njob_hang_rate: 0.25\nseed: 4\n")
    config = FaultConfig.from_file(path)
    assert (config.latency_ms, config.job_hang_rate, config.seed) == (20.0, 0.25, 4)
    assert FaultConfig.from_mapping({"error_rate": 0.5}, base=config).latency_ms == 20.0


def test_injector_decisions_follow_the_rates() -> None:
    injector = FaultInjector(
        FaultConfig(job_failure_rate=0.3, job_hang_rate=0.2, drop_rate=0.5, error_rate=0.1, seed=1)
    )
    fates = [injector.job_fate() for _ in range(2000)]
    assert 0.25 < fates.count(JOB_FAILS) / 2000 < 0.35
    assert 0.15 < fates.count(JOB_HANGS) / 2000 < 0.25
    assert fates.count(JOB_SUCCEEDS) > 800
    assert not any(injector.drop_response("GET") for _ in range(100))
    assert 30 < sum(injector.drop_response("POST") for _ in range(100)) < 70
    errors = [injector.injected_error() for _ in range(1000)]
    assert {e for e in errors if e} == {500, 503} and 50 < sum(1 for e in errors if e) < 150
    assert FaultInjector().job_fate() == JOB_SUCCEEDS and FaultInjector().delay_s() == 0


def test_rate_limit_is_per_client() -> None:
    injector = FaultInjector(FaultConfig(rate_limit=2, retry_after_s=3))
    assert [injector.throttle("a") for _ in range(3)] == [None, None, 3]
    assert injector.throttle("b") is None
