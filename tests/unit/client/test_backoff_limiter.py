"""Retry arithmetic and the adaptive limiter, with fake clocks (no network)."""

from __future__ import annotations

import asyncio
import math

import pytest

from aep_exports.client.backoff import MAX_SERVER_WAIT, Backoff, retry_after_seconds
from aep_exports.client.limiter import AdaptiveLimiter, Permit


def test_full_jitter_stays_under_exponential_ceiling() -> None:
    backoff = Backoff(base=0.5, cap=4.0, rand=lambda: 0.999)
    assert [round(backoff.ceiling(n), 3) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff.delay(2) == pytest.approx(2.0 * 0.999)
    assert Backoff(base=0.5, cap=4.0, rand=lambda: 0.0).delay(3) == 0.0


def test_server_hint_is_a_floor_and_capped() -> None:
    backoff = Backoff(base=0.1, cap=1.0, rand=lambda: 0.5)
    assert 3.0 <= backoff.delay(0, server_hint=3.0) <= 3.1
    assert backoff.delay(0, server_hint=10_000) <= MAX_SERVER_WAIT + 0.1


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"retry-after": "2"}, None, 2.0),
        ({"Retry-After": "0.5"}, None, 0.5),
        ({}, {"retryAfterMs": 1500}, 1.5),
        ({}, {"error_code": "429050"}, None),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, None, 0.0),
        ({"retry-after": "garbage"}, {"retryAfterMs": 250}, 0.25),
    ],
)
def test_retry_after_parsing(headers: dict[str, str], body: object, expected: float | None) -> None:
    assert retry_after_seconds(headers, body) == expected


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_limiter_starts_unlimited_then_halves_observed_throughput() -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(4, clock=clock)
    assert limiter.reserve() == 0 and math.isinf(limiter.rate)
    limiter._recent.extend(
        [clock.now - 0.1 * i for i in reversed(range(40))]
    )  # 10 requests in the last second
    limiter.on_rate_limited(Permit(sent_at=clock.now), retry_after=None)
    assert 5.0 <= limiter.rate <= 5.5  # ~10-11 requests started in the last second


def test_limiter_cuts_once_per_round_and_pauses_on_retry_after() -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(4, clock=clock)
    limiter.rate = 20.0
    early = Permit(sent_at=clock.now)
    clock.now += 0.01
    limiter.on_rate_limited(Permit(sent_at=clock.now), retry_after=2.0)
    assert limiter.rate == 10.0
    limiter.on_rate_limited(early, retry_after=2.0)  # sent before the cut: no second halving
    assert limiter.rate == 10.0 and limiter.cuts == 1
    assert limiter.reserve() == pytest.approx(2.0)  # everyone waits for Retry-After
    assert limiter.reserve() == pytest.approx(2.1)  # then paced at 10/s


def test_limiter_additive_increase_and_floor() -> None:
    limiter = AdaptiveLimiter(2, increase=2.0, min_rate=0.5, clock=FakeClock())
    limiter.rate = 10.0
    for _ in range(10):  # about one second of traffic at 10/s
        limiter.on_success()
    assert 11.5 < limiter.rate < 12.1
    for _ in range(20):
        limiter._last_cut = -math.inf
        limiter.on_rate_limited(Permit(sent_at=0.0), None)
    assert limiter.rate == 0.5


def test_limiter_bounds_in_flight() -> None:
    async def scenario() -> int:
        limiter = AdaptiveLimiter(3)
        active = peak = 0

        async def one() -> None:
            nonlocal active, peak
            await limiter.acquire()
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.005)
            active -= 1
            limiter.release()

        await asyncio.gather(*(one() for _ in range(20)))
        return peak

    assert asyncio.run(scenario()) == 3
