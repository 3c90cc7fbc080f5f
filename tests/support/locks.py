"""Hold the project's state lock from another process, as a running apply would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from support.projects import Project

HOLD_LOCK = """
import sys
from aep_exports.cli.wiring import open_state
from aep_exports.config.settings import load_settings
backend = open_state(load_settings(sys.argv[1], {}))
with backend.lock(timeout=10, command="apply (held by the test)"):
    print("held", flush=True)
    sys.stdin.read()
"""


@contextmanager
def lock_held_elsewhere(project: Project) -> Iterator[int]:
    """Another process holds the state lock (file or ``AEP_STATE_URL``) meanwhile; yields its pid."""
    env = project.env()
    if os.environ.get("AEP_STATE_URL"):
        env["AEP_STATE_URL"] = os.environ["AEP_STATE_URL"]
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(project.root)],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "held", (line, proc.stderr.read() if proc.stderr else "")
        yield proc.pid
    finally:
        proc.communicate(input="", timeout=30)
