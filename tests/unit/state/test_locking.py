"""The writer lock between real processes: contention names the holder, timeouts, death releases it."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from aep_exports.errors import LockError
from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.locking import read_holder
from aep_exports.state.model import StateDocument

Holder = Any  # conftest's Holder: a process holding the lock


@pytest.fixture
def holder(backend: FileStateBackend, hold_lock: Callable[..., Holder]) -> Holder:
    return hold_lock(backend)



def test_contention_names_the_holder(backend: FileStateBackend, holder: Holder) -> None:
    with pytest.raises(LockError) as info, backend.lock(timeout=0, command="plan"):
        pass
    message = info.value.message
    assert f"locked by pid {holder.pid} on host {socket.gethostname()} since " in message
    assert "running 'apply'" in message
    assert info.value.holder["pid"] == holder.pid and info.value.holder["command"] == "apply"
    assert info.value.hint and "--lock-timeout" in info.value.hint


def test_waiting_gives_up_after_the_timeout(backend: FileStateBackend, holder: Holder) -> None:
    started = time.monotonic()
    with pytest.raises(LockError, match=r"waited 0\.4s"), backend.lock(timeout=0.4, command="plan"):
        pass
    assert 0.35 <= time.monotonic() - started < 3


def test_waiting_succeeds_when_the_holder_finishes_in_time(backend: FileStateBackend, holder: Holder) -> None:
    import threading

    threading.Timer(0.3, holder.release).start()
    with backend.lock(timeout=10, command="apply"):
        assert read_holder(backend.lock_path)["pid"] == os.getpid()
    assert read_holder(backend.lock_path) == {}  # the holder info is cleared on release


def test_a_killed_holder_leaves_no_stale_lock(backend: FileStateBackend, holder: Holder) -> None:
    os.kill(holder.pid, signal.SIGKILL)
    holder.proc.wait(10)
    assert read_holder(backend.lock_path)["pid"] == holder.pid  # stale info stays, harmlessly
    with backend.lock(timeout=2, command="apply"):
        assert read_holder(backend.lock_path)["pid"] == os.getpid()


def test_a_write_without_the_lock_waits_for_the_holder(holder: Holder,
                                                       backend: FileStateBackend) -> None:
    impatient = FileStateBackend(backend.directory, backend.org, backend.sandbox, write_lock_timeout=0.2)
    with pytest.raises(LockError, match=f"pid {holder.pid}"):
        impatient.write(StateDocument.empty(backend.org, backend.sandbox), expected_serial=0)
    assert not backend.path.exists()


def test_the_other_process_waits_for_us(backend: FileStateBackend, hold_lock: Callable[..., Holder]) -> None:
    with backend.lock(timeout=0, command="apply"):
        other = hold_lock(backend, timeout=0.2, wait=False)
        assert other.proc.wait(10) != 0
        assert other.proc.stderr is not None
        error = other.proc.stderr.read()
        assert f"locked by pid {os.getpid()}" in error and "running 'apply'" in error


def test_the_lock_is_reentrant_within_a_process(backend: FileStateBackend, doc: StateDocument) -> None:
    with backend.lock(timeout=0, command="apply"), backend.lock(timeout=0, command="refresh"):
        backend.write(doc, expected_serial=0)
        assert read_holder(backend.lock_path)["command"] == "apply"
    assert read_holder(backend.lock_path) == {}
    with backend.lock(timeout=0, command="again"):
        pass
