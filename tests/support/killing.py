"""``kill -9`` of a real ``aep-exports apply`` process at a random moment anchored on what it is doing.

The moment is measured from something the apply does, not from when the process was started
(interpreter start-up varies with the machine's load and is of no interest):

- ``locked``: a random delay after the apply took the state lock: anywhere in recovery, refresh,
  planning, the requests or the state writes;
- ``intent``: a short random delay after this apply's first write-ahead intent reached the state file:
  while requests are in flight (injected platform latency keeps each intent open that long).
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aep_exports.state.locking import read_holder
from support.projects import Project

POLL_S = 0.005


def open_intents(state_path: Path) -> set[str]:
    """Ids of the open intents in the state file (cheap enough to poll every few milliseconds)."""
    try:
        doc = json.loads(state_path.read_bytes())
    except (OSError, ValueError):
        return set()
    return {key for key, intent in (doc.get("intents") or {}).items() if not intent.get("resolved")}


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[bytes], limit: float = 60.0) -> bool:
    """Poll ``condition`` until true (True) or the process ended (False)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(POLL_S)
    return False


@dataclass
class Killer:
    """Starts applies of one project and kills them; counts what landed."""

    project: Project
    rng: random.Random
    locked_span: float = 1.0  # how long an uninterrupted apply holds the lock (``calibrate``)
    killed: dict[str, int] = field(default_factory=lambda: {"locked": 0, "intent": 0})
    interrupted: int = 0  # kills that left an open intent for the next apply to resolve

    @property
    def kills(self) -> int:
        return sum(self.killed.values())

    def _paths(self) -> tuple[Path, Path]:
        backend = self.project.backend()
        return Path(backend.path), Path(backend.lock_path)  # type: ignore[attr-defined]

    def _start(self, now: str, *extra: str) -> subprocess.Popen[bytes]:
        args = self.project.command("apply", "--auto-approve", "--parallelism", "2", "--now", now, *extra)
        return subprocess.Popen(args, env=self.project.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def calibrate(self, now: str) -> None:
        """Apply once without a kill (it must succeed) and measure how long it holds the lock."""
        _, lock_path = self._paths()
        proc = self._start(now)
        assert wait_for(lambda: read_holder(lock_path).get("pid") == proc.pid, proc)
        locked_at = time.monotonic()
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, (out + err).decode()
        self.locked_span = time.monotonic() - locked_at

    def round(self, now: str) -> bool:
        """One apply at ``now``, killed at a random moment; True when the kill landed before it ended."""
        state_path, lock_path = self._paths()
        left_open = open_intents(state_path)  # by the previous round's kill: not this apply's doing
        proc = self._start(now)
        mode = self.rng.choice(("locked", "intent"))
        if mode == "locked":
            delay = self.rng.uniform(0.0, 0.9 * self.locked_span)
            reached = wait_for(lambda: read_holder(lock_path).get("pid") == proc.pid, proc)
        else:
            delay = self.rng.uniform(0.0, 0.1)
            reached = wait_for(lambda: bool(open_intents(state_path) - left_open), proc)
        time.sleep(delay)
        landed = reached and proc.poll() is None
        if landed:
            proc.kill()  # SIGKILL: no cleanup, no finally blocks
            self.killed[mode] += 1
        proc.communicate(timeout=120)
        if open_intents(state_path) - left_open:
            self.interrupted += 1  # killed between an intent and its result: the next apply resolves it
        return landed
