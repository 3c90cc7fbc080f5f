"""One adaptive limiter shared by every call of a client.

Two controls: at most ``parallelism`` requests in flight, and a request rate adjusted by AIMD.
The rate starts unlimited; the first 429 sets it to half the throughput just observed, each later
429 halves it again (once per round: 429s for requests sent before the last cut do not cut again),
and every success adds ``increase`` requests/second spread over about a second of traffic. A 429
carrying ``Retry-After`` also pauses every caller until then, so one rate-limit answer does not
become one per in-flight request.

A cut also remembers the *ceiling*: how many requests the platform accepted during the last second
(raised while the answers of requests sent before the cut keep arriving). Below ``recover_to`` of
the ceiling each success adds a whole request/second, so the rate is back near the limit after
about a second instead of climbing ``increase`` per second for tens of seconds; above it the rate
probes upward ``probe`` times as fast as plain AIMD. Every 429 costs a shared ``Retry-After`` pause
(a whole second on a platform that answers ``Retry-After: 1``), so settling just under the limit
and staying there is what makes a long apply fast.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Permit:
    """What a caller holds while its request is in flight."""

    sent_at: float


class AdaptiveLimiter:
    def __init__(
        self,
        parallelism: int,
        *,
        increase: float = 2.0,
        min_rate: float = 0.5,
        recover_to: float = 0.95,
        probe: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.parallelism = parallelism
        self.increase = increase
        self.min_rate = min_rate
        self.recover_to = recover_to
        self.probe = probe
        self.rate: float = math.inf
        self.ceiling: float | None = None  # requests/second accepted when last rate-limited
        self._accepted: deque[float] = deque()  # when recent successes arrived (last second)
        self._clock = clock
        self._semaphore: asyncio.Semaphore | None = None
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._last_cut = -math.inf
        self._recent: deque[float] = deque()
        self.cuts = 0

    def _sem(self) -> asyncio.Semaphore:
        # Created lazily so the limiter binds to the loop that uses it.
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.parallelism)
        return self._semaphore

    def reserve(self) -> float:
        """Claim the next send slot; returns how long the caller must wait before sending."""
        now = self._clock()
        start = max(now, self._paused_until, self._next_slot)
        if math.isfinite(self.rate):
            self._next_slot = start + 1.0 / self.rate
        return start - now

    async def acquire(self) -> Permit:
        await self._sem().acquire()
        try:
            wait = self.reserve()
            if wait > 0:
                await asyncio.sleep(wait)
        except BaseException:
            self._sem().release()
            raise
        sent = self._clock()
        self._recent.append(sent)
        return Permit(sent_at=sent)

    def release(self) -> None:
        self._sem().release()

    def throughput(self) -> float:
        """Requests started during the last second."""
        now = self._clock()
        while self._recent and self._recent[0] < now - 1.0:
            self._recent.popleft()
        return float(len(self._recent))

    def _accepted_last_second(self, now: float) -> int:
        while self._accepted and self._accepted[0] < now - 1.0:
            self._accepted.popleft()
        return len(self._accepted)

    def on_success(self) -> None:
        now = self._clock()
        self._accepted.append(now)
        accepted = self._accepted_last_second(now)
        if not math.isfinite(self.rate):
            return
        if self.ceiling is None:
            self.rate += self.increase / max(self.rate, 1.0)
            return
        # Answers to requests sent before the cut still arrive: what was accepted is the better estimate.
        self.ceiling = max(self.ceiling, float(accepted))
        target = self.recover_to * self.ceiling
        if self.rate < target:
            self.rate = min(target, self.rate + 1.0)
        else:
            self.rate += self.probe * self.increase / max(self.rate, 1.0)

    def on_rate_limited(self, permit: Permit, retry_after: float | None) -> None:
        now = self._clock()
        if retry_after is not None and retry_after > 0:
            self._paused_until = max(self._paused_until, now + retry_after)
        if permit.sent_at < self._last_cut:
            return  # sent before the last cut: its 429 is old news
        current = self.rate if math.isfinite(self.rate) else max(self.throughput(), 1.0)
        accepted = self._accepted_last_second(now)
        self.ceiling = float(accepted) if accepted else None
        self.rate = max(self.min_rate, current / 2.0)
        self._last_cut = now
        self._next_slot = max(self._next_slot, now)
        self.cuts += 1
