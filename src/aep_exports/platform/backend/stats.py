"""Request counts per route template and status, for tests and benchmarks (``GET /local/stats``)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class RequestStats:
    """Thread-safe counters; ``route`` is ``"METHOD /path/{template}"``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, int]] = Counter()
        self._dropped: Counter[str] = Counter()

    def record(self, route: str, status: int, *, dropped: bool = False) -> None:
        with self._lock:
            self._counts[(route, status)] += 1
            if dropped:
                self._dropped[route] += 1

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._dropped.clear()

    def snapshot(self) -> dict[str, Any]:
        """``{"total", "routes": {route: {status: n}}, "byStatus": {status: n}, "dropped": {route: n}}``."""
        with self._lock:
            items = list(self._counts.items())
            dropped = dict(self._dropped)
        routes: dict[str, dict[str, int]] = {}
        by_status: Counter[str] = Counter()
        for (route, status), count in sorted(items):
            routes.setdefault(route, {})[str(status)] = count
            by_status[str(status)] += count
        return {
            "total": sum(by_status.values()),
            "routes": routes,
            "byStatus": dict(sorted(by_status.items())),
            "dropped": dropped,
        }
