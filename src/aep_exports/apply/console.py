"""Where apply reports progress: the core never prints, it calls a :class:`Console`.

Three implementations: :class:`PlainConsole` (one line per event and a periodic summary while
waiting: CI logs), :class:`RichConsole` (a live status line on a terminal) and
:class:`CapturedConsole` (keeps the lines; tests). :func:`console_for` picks one for a stream.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Mapping
from typing import IO, Any, Protocol


class Console(Protocol):
    """What apply tells the user while it works."""

    def line(self, text: str) -> None:
        """One finished event (an action done, failed, skipped; a recovery step)."""
        ...

    def waiting(self, counts: Mapping[str, int], elapsed: float) -> None:
        """Progress of ``--wait``: runs per status so far, seconds waited."""
        ...

    def done_waiting(self) -> None:
        """``--wait`` finished (remove any live display)."""
        ...


def format_counts(counts: Mapping[str, int]) -> str:
    """``3 SUCCEEDED, 1 PROCESSING`` in a stable order."""
    order = ("SUCCEEDED", "FAILED", "CANCELLED", "MISSING", "PROCESSING", "NEW", "UNKNOWN")
    keys = sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    return ", ".join(f"{counts[k]} {k}" for k in keys if counts[k]) or "nothing to follow"


class PlainConsole:
    """Plain lines; while waiting, a summary at most every ``interval`` seconds (CI logs stay short)."""

    def __init__(self, stream: IO[str] | None = None, *, interval: float = 10.0) -> None:
        self._stream = stream
        self._interval = interval
        self._last = float("-inf")
        self._guard = threading.Lock()

    def _write(self, text: str) -> None:
        stream = self._stream or sys.stdout
        with self._guard:
            stream.write(text + "\n")
            stream.flush()

    def line(self, text: str) -> None:
        self._write(text)

    def waiting(self, counts: Mapping[str, int], elapsed: float) -> None:
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self._write(f"Waiting for runs ({elapsed:.0f}s): {format_counts(counts)}")

    def done_waiting(self) -> None:
        self._last = float("-inf")


class CapturedConsole:
    """Keeps every line (and every progress report) in memory, for tests."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.progress: list[dict[str, int]] = []
        self._guard = threading.Lock()

    def line(self, text: str) -> None:
        with self._guard:
            self.lines.append(text)

    def waiting(self, counts: Mapping[str, int], elapsed: float) -> None:
        with self._guard:
            self.progress.append(dict(counts))

    def done_waiting(self) -> None:
        return None

    @property
    def text(self) -> str:
        """Everything reported, one line each."""
        return "\n".join(self.lines)


class RichConsole:
    """A live status line on a terminal (rich), event lines printed above it."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        from rich.console import Console as RichOut

        self._out = RichOut(file=stream or sys.stdout, highlight=False)
        self._status: Any = None
        self._guard = threading.Lock()

    def line(self, text: str) -> None:
        with self._guard:
            self._out.print(text, markup=False)

    def waiting(self, counts: Mapping[str, int], elapsed: float) -> None:
        message = f"Waiting for runs ({elapsed:.0f}s): {format_counts(counts)}"
        with self._guard:
            if self._status is None:
                self._status = self._out.status(message)
                self._status.start()
            else:
                self._status.update(message)

    def done_waiting(self) -> None:
        with self._guard:
            if self._status is not None:
                self._status.stop()
                self._status = None


def console_for(stream: IO[str] | None = None) -> Console:
    """Rich on a terminal (not ``TERM=dumb``), plain lines otherwise (CI, pipes)."""
    from aep_exports.render.style import is_interactive

    target = stream or sys.stdout
    return RichConsole(target) if is_interactive(target) else PlainConsole(target)
