"""Download progress: a rich bar on a terminal, plain periodic lines elsewhere (CI logs)."""

from __future__ import annotations

import sys
import time
from typing import IO, Any, Protocol

PLAIN_EVERY_S = 2.0


class Progress(Protocol):
    """What a download reports as it goes."""

    def start(self, total_bytes: int | None, files: int) -> None: ...

    def update(self, done_bytes: int, *, current: str) -> None: ...

    def file_done(self, name: str, *, skipped: bool, resumed: bool) -> None: ...

    def finish(self) -> None: ...


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"


class PlainProgress:
    """A line when a file completes, and at most every ``every`` seconds while bytes arrive."""

    def __init__(self, stream: IO[str] | None = None, *, every: float = PLAIN_EVERY_S) -> None:
        self._stream = stream or sys.stderr
        self._every = every
        self._total: int | None = None
        self._files = 0
        self._finished_files = 0
        self._last = 0.0
        self._done = 0

    def _line(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def start(self, total_bytes: int | None, files: int) -> None:
        self._total, self._files, self._last = total_bytes, files, time.monotonic()
        self._line(
            f"Downloading {files} file{'s' if files != 1 else ''}"
            + (f" ({_size(total_bytes)})" if total_bytes is not None else "")
        )

    def _of_total(self) -> str:
        if not self._total:
            return _size(self._done)
        return f"{_size(self._done)} of {_size(self._total)} ({100 * self._done // self._total}%)"

    def update(self, done_bytes: int, *, current: str) -> None:
        self._done = done_bytes
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            self._line(f"  {self._of_total()}, receiving {current}")

    def file_done(self, name: str, *, skipped: bool, resumed: bool) -> None:
        self._finished_files += 1
        how = "already complete" if skipped else ("resumed" if resumed else "done")
        self._line(f"  [{self._finished_files}/{self._files}] {name} {how}")

    def finish(self) -> None:
        pass


class RichProgress:
    """A rich progress bar (bytes, speed, time left) on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._task: Any = None
        self._files = 0
        self._finished = 0

    def start(self, total_bytes: int | None, files: int) -> None:
        self._files = files
        self._bar.start()
        self._task = self._bar.add_task(f"0/{files} files", total=total_bytes)

    def update(self, done_bytes: int, *, current: str) -> None:
        self._bar.update(self._task, completed=done_bytes)

    def file_done(self, name: str, *, skipped: bool, resumed: bool) -> None:
        self._finished += 1
        self._bar.update(self._task, description=f"{self._finished}/{self._files} files")

    def finish(self) -> None:
        self._bar.stop()


class NoProgress:
    """Reports nothing (tests, ``--quiet``)."""

    def start(self, total_bytes: int | None, files: int) -> None:
        pass

    def update(self, done_bytes: int, *, current: str) -> None:
        pass

    def file_done(self, name: str, *, skipped: bool, resumed: bool) -> None:
        pass

    def finish(self) -> None:
        pass


def progress_for(stream: IO[str] | None = None) -> Progress:
    """Rich on a terminal (and not ``TERM=dumb``), plain lines otherwise."""
    from aep_exports.render.style import is_interactive

    stream = stream or sys.stderr
    return RichProgress() if is_interactive(stream) else PlainProgress(stream)
