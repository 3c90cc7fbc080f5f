"""While another process holds the state lock, every writing command waits `--lock-timeout` and then fails
naming the holder; the read-only ones run as if there were no lock (issue 13, items 1 and 8)."""

from __future__ import annotations

import time

import pytest

from support.locks import lock_held_elsewhere
from support.projects import Project

DAY1 = "2024-05-01T04:00:00Z"
WRITING = [
    ("apply", "--auto-approve", "--now", DAY1),
    ("refresh", "--now", DAY1),
    ("import", "dataset", "target", "0123456789abcdef01234567"),
    ("import", "export", "daily", "10001"),
    ("state", "rm", "daily", "--yes"),
    ("state", "mv", "daily", "nightly"),
    ("state", "ack", "job-10001", "--reason", "known"),
]
READ_ONLY = [("plan", "--now", DAY1), ("drift", "--now", DAY1), ("status",), ("status", "--refresh")]


@pytest.fixture
def applied(project: Project) -> Project:
    first = project.cli("apply", "--auto-approve", "--now", DAY1)
    assert first.exit_code == 0, first.output
    return project


def test_writing_commands_wait_for_the_lock_then_name_its_holder(applied: Project) -> None:
    with lock_held_elsewhere(applied) as holder:
        for args in WRITING:
            started = time.monotonic()
            result = applied.cli(*args, "--lock-timeout", "1s")
            waited = time.monotonic() - started
            assert result.exit_code != 0, (args, result.output)
            assert f"pid {holder}" in result.output and "waited 1s" in result.output, (args, result.output)
            assert waited >= 1.0, (args, waited)


def test_read_only_commands_run_while_the_lock_is_held(applied: Project) -> None:
    with lock_held_elsewhere(applied):
        for args in READ_ONLY:
            result = applied.cli(*args)
            assert result.exit_code in (0, 2), (args, result.output)
