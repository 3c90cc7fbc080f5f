"""The client limiter as a large apply sees it: after a 429 it regains the accepted rate fast."""

from __future__ import annotations

from aep_exports.client.limiter import AdaptiveLimiter, Permit


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _accepted_at(limiter: AdaptiveLimiter, clock: FakeClock, count: int, per_second: float) -> None:
    for _ in range(count):
        clock.now += 1.0 / per_second
        limiter._recent.append(clock.now)  # sent (what acquire() records) ...
        limiter.on_success()  # ... and accepted


def test_after_a_cut_the_rate_returns_near_what_was_accepted_within_about_a_second():
    clock = FakeClock()
    limiter = AdaptiveLimiter(16, clock=clock)
    _accepted_at(limiter, clock, 50, per_second=60)  # a burst: 50 accepted in the last second
    limiter.on_rate_limited(Permit(sent_at=clock.now), retry_after=1.0)
    assert limiter.ceiling == 50 and limiter.rate == 25.0  # halved, as plain AIMD does
    clock.now += 1.0  # everyone paused for Retry-After
    _accepted_at(limiter, clock, 25, per_second=30)
    assert 0.95 * 50 <= limiter.rate < 0.95 * 50 + 0.1  # plain AIMD (+2/s each second) would be at 27
    _accepted_at(limiter, clock, 475, per_second=47.5)  # ten seconds at that rate
    assert 0.95 * 50 < limiter.rate < 50  # probing above it slowly: no new 429 within ten seconds


def test_a_cut_with_nothing_accepted_lately_falls_back_to_plain_aimd():
    clock = FakeClock()
    limiter = AdaptiveLimiter(4, clock=clock)
    limiter.rate = 20.0
    limiter.on_rate_limited(Permit(sent_at=clock.now), retry_after=None)
    assert limiter.ceiling is None and limiter.rate == 10.0
    _accepted_at(limiter, clock, 10, per_second=10)
    assert 11.5 < limiter.rate < 12.1
