"""The platform's controllable clock: every timestamp and every job duration is read from it.

It runs with real time plus an offset (``advance``/``set`` move the offset), or stands still when frozen,
so a month of daily schedules can be tested in seconds. The offset survives restarts (see persistence).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)d)?\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?"
    r"\s*(?:(\d+(?:\.\d+)?)s)?\s*(?:(\d+)ms)?\s*$"
)


def parse_duration_ms(value: float | int | str) -> int:
    """Seconds (a number) or a duration like ``1d2h``, ``90m``, ``15s``, ``250ms`` → milliseconds."""
    if isinstance(value, bool):
        raise ValueError("a duration cannot be a boolean")
    if isinstance(value, int | float):
        return round(value * 1000)
    text = value.strip()
    try:
        return round(float(text) * 1000)
    except ValueError:
        pass
    match = _DURATION.match(text)
    if not text or match is None or not any(match.groups()):
        raise ValueError(f"not a duration: {value!r} (use seconds, or e.g. '1d', '2h30m', '90s', '250ms')")
    days, hours, minutes, seconds, millis = (float(g) if g else 0.0 for g in match.groups())
    return round((((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000 + millis)


def parse_instant_ms(value: float | int | str) -> int:
    """Epoch milliseconds (number) or an RFC 3339 timestamp → epoch milliseconds."""
    if isinstance(value, bool):
        raise ValueError("an instant cannot be a boolean")
    if isinstance(value, int | float):
        return int(value)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def ms_to_iso(ms: int) -> str:
    """Epoch milliseconds → RFC 3339 UTC with milliseconds."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Clock:
    """Real time shifted by an offset, or frozen at an instant. Thread-safe."""

    def __init__(
        self,
        offset_ms: int = 0,
        frozen_at_ms: int | None = None,
        on_change: Callable[[int, int | None], None] | None = None,
        real_ms: Callable[[], int] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._offset_ms = offset_ms
        self._frozen_at_ms = frozen_at_ms
        self._on_change = on_change
        self._real_ms = real_ms or (lambda: time.time_ns() // 1_000_000)

    def now_ms(self) -> int:
        """The platform's current time in epoch milliseconds."""
        with self._lock:
            if self._frozen_at_ms is not None:
                return self._frozen_at_ms
            return self._real_ms() + self._offset_ms

    def now(self) -> datetime:
        """The platform's current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now_ms() / 1000, tz=UTC)

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen_at_ms is not None

    @property
    def offset_ms(self) -> int:
        with self._lock:
            return self._offset_ms

    def set(self, instant_ms: int) -> None:
        """Jump to ``instant_ms`` (keeps running unless frozen). Going back in time is allowed."""
        with self._lock:
            if self._frozen_at_ms is not None:
                self._frozen_at_ms = instant_ms
            else:
                self._offset_ms = instant_ms - self._real_ms()
        self._changed()

    def advance(self, delta_ms: int) -> None:
        """Move forward by ``delta_ms``."""
        with self._lock:
            if self._frozen_at_ms is not None:
                self._frozen_at_ms += delta_ms
            else:
                self._offset_ms += delta_ms
        self._changed()

    def freeze(self, frozen: bool) -> None:
        """Stop the clock at the current instant, or let it run again from where it stands."""
        with self._lock:
            if frozen and self._frozen_at_ms is None:
                self._frozen_at_ms = self._real_ms() + self._offset_ms
            elif not frozen and self._frozen_at_ms is not None:
                self._offset_ms = self._frozen_at_ms - self._real_ms()
                self._frozen_at_ms = None
        self._changed()

    def reset(self) -> None:
        """Back to real time, running."""
        with self._lock:
            self._offset_ms, self._frozen_at_ms = 0, None
        self._changed()

    def describe(self) -> dict[str, object]:
        """The clock as ``GET /local/clock`` shows it."""
        now = self.now_ms()
        with self._lock:
            return {
                "now": ms_to_iso(now),
                "nowMs": now,
                "frozen": self._frozen_at_ms is not None,
                "offsetMs": self._offset_ms if self._frozen_at_ms is None else now - self._real_ms(),
            }

    def _changed(self) -> None:
        if self._on_change is not None:
            with self._lock:
                offset, frozen = self._offset_ms, self._frozen_at_ms
            self._on_change(offset, frozen)
