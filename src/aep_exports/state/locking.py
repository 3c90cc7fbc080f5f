"""An exclusive, re-entrant, cross-process writer lock on a file, that names its holder.

The lock is ``fcntl.flock`` on a sibling ``.lock`` file, so the kernel releases it when the
holding process dies (``kill -9`` included): a stale lock cannot block anyone. The holder
writes ``{pid, host, since, command}`` into the file so a waiting process's
:class:`LockError` can say who holds it; stale info left by a dead holder is harmless
because only the flock counts.

Within one process the lock is re-entrant and shared by all threads: flock locks belong to
an open file, so a second ``open`` + ``flock`` by the same process would wait for itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aep_exports.errors import LockError

POLL_INTERVAL = 0.05
"""Seconds between attempts while waiting for a lock held by another process."""


@dataclass
class _Held:
    fd: int
    depth: int
    info: dict[str, Any]


_registry_guard = threading.Lock()
_held: dict[str, _Held] = {}


def holder_info(command: str) -> dict[str, Any]:
    """What this process writes into the lock file while it holds it."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "command": command,
    }


def operator_identity() -> str:
    """``user@host`` of this process, as state records who did something on request (a restatement)."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"{user}@{socket.gethostname()}"


def describe_holder(info: dict[str, Any]) -> str:
    """``pid 123 on host x since <time> running 'apply'`` (or what is known of the holder)."""
    if not info.get("pid"):
        if info.get("backend_pid"):  # a PostgreSQL lock whose holder has not recorded itself (yet)
            return f"database session {info['backend_pid']} (holder details not recorded)"
        return "another process (holder unknown)"
    text = f"pid {info['pid']}"
    if info.get("host"):
        text += f" on host {info['host']}"
    if info.get("since"):
        text += f" since {info['since']}"
    if info.get("command"):
        text += f" running {info['command']!r}"
    return text


def read_holder(lock_path: Path) -> dict[str, Any]:
    """The holder info last written into ``lock_path`` ({} when absent or unreadable)."""
    try:
        data = json.loads(lock_path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _settled_holder(lock_path: Path, patience: float = 1.0) -> dict[str, Any]:
    """The holder info, waiting briefly for a holder that has the flock but has not written it yet."""
    deadline = time.monotonic() + patience
    while True:
        holder = read_holder(lock_path)
        if holder.get("pid") or time.monotonic() >= deadline:
            return holder
        time.sleep(0.02)


def held_by_this_process(lock_path: Path) -> bool:
    """True when some code in this process holds the lock on ``lock_path``."""
    with _registry_guard:
        return str(lock_path.absolute()) in _held


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _write_info(fd: int, info: dict[str, Any]) -> None:
    try:
        payload = json.dumps(info).encode("utf-8")
        # Write first, then cut: truncating first would show a waiting process an empty file.
        os.pwrite(fd, payload, 0)
        os.ftruncate(fd, len(payload))
    except OSError:
        pass  # the info is a courtesy to other processes; the flock is what counts


def _enter(lock_path: Path, timeout: float, command: str, what: str) -> _Held:
    key = str(lock_path.absolute())
    deadline = time.monotonic() + max(timeout, 0.0)
    fd: int | None = None
    try:
        while True:
            with _registry_guard:
                entry = _held.get(key)
                if entry is not None:  # this process already holds it: re-enter
                    entry.depth += 1
                    return entry
                if fd is None:
                    lock_path.parent.mkdir(parents=True, exist_ok=True)
                    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
                if _try_flock(fd):
                    entry = _held[key] = _Held(fd=fd, depth=1, info=holder_info(command))
                    fd = None
                    _write_info(entry.fd, entry.info)
                    return entry
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                holder = _settled_holder(lock_path)
                raise LockError(
                    f"{what} is locked by {describe_holder(holder)}"
                    f" (waited {timeout:g}s for lock file {lock_path})",
                    holder=holder,
                    hint="wait for that command to finish, or give a longer --lock-timeout; "
                    "a lock whose process has died is released automatically",
                )
            time.sleep(min(POLL_INTERVAL, remaining))
    finally:
        if fd is not None:
            os.close(fd)


def _leave(lock_path: Path, entry: _Held) -> None:
    with _registry_guard:
        entry.depth -= 1
        if entry.depth > 0:
            return
        del _held[str(lock_path.absolute())]
        with contextlib.suppress(OSError):  # before unlocking, so a new holder's info is never erased
            os.ftruncate(entry.fd, 0)
        fcntl.flock(entry.fd, fcntl.LOCK_UN)
        os.close(entry.fd)


@contextmanager
def exclusive_lock(lock_path: Path, *, timeout: float, command: str, what: str = "state") -> Iterator[None]:
    """Hold the exclusive lock on ``lock_path`` for the ``with`` body; LockError after ``timeout`` s."""
    entry = _enter(lock_path, timeout, command, what)
    try:
        yield
    finally:
        _leave(lock_path, entry)
