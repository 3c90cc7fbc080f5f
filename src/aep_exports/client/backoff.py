"""Retry arithmetic: exponential backoff with full jitter, and the server's own retry hints."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# For a POST these mean a gateway gave up waiting: the write may have happened upstream.
AMBIGUOUS_WRITE_STATUSES = frozenset({502, 504})
# Cap on a server-requested wait, so a bogus header cannot park a call for hours.
MAX_SERVER_WAIT = 120.0


@dataclass(frozen=True)
class Backoff:
    """Full jitter (AWS architecture blog): sleep ~ U(0, min(cap, base * 2**retry))."""

    base: float = 0.25
    cap: float = 20.0
    rand: Callable[[], float] = random.random

    def ceiling(self, retry: int) -> float:
        """Upper bound of the sleep before retry number ``retry`` (0 = first retry)."""
        return float(min(self.cap, self.base * (2.0 ** max(0, retry))))

    def delay(self, retry: int, server_hint: float | None = None) -> float:
        """Seconds to wait before retry ``retry``; a server hint is a floor (plus a little jitter)."""
        jittered = self.rand() * self.ceiling(retry)
        if server_hint is None:
            return jittered
        # Honour the server's wait, spreading callers a bit so they do not all return at once.
        return min(MAX_SERVER_WAIT, server_hint) + self.rand() * min(self.base, server_hint * 0.1 + 0.01)


def retry_after_seconds(headers: Mapping[str, str], body: Any) -> float | None:
    """``Retry-After`` (seconds or HTTP date) or ``retryAfterMs`` in the body; None if absent."""
    raw = headers.get("retry-after") or headers.get("Retry-After")
    if raw:
        raw = raw.strip()
        try:
            return max(0.0, float(raw))
        except ValueError:
            try:
                when = parsedate_to_datetime(raw)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                from datetime import UTC, datetime

                return max(0.0, (when - datetime.now(UTC)).total_seconds())
    if isinstance(body, dict):
        for key in ("retryAfterMs", "retry_after_ms"):
            value = body.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return max(0.0, float(value) / 1000.0)
    return None
