"""Writers in separate processes against one PostgreSQL state: one winner, no lost write, a named holder."""

from __future__ import annotations

import os
import signal
import socket
import time
from typing import Any

import pytest

from aep_exports.errors import LockError, StateError
from aep_exports.state.model import DatasetRecord
from aep_exports.state.postgres import PostgresStateBackend

ORG, SANDBOX = "ORG@AdobeOrg", "prod"
ROUNDS = 20


def test_two_writers_race_twenty_times_one_wins_each_round_and_the_loser_names_it(
        pg_url: str, start_worker: Any) -> None:
    """Each round both processes go for the lock at once; the winner holds it until the loser has given up."""
    a, b = start_worker("a"), start_worker("b")
    assert a.receive() == ["ready"] and b.receive() == ["ready"]
    started = time.monotonic()
    winners = []
    for round_id in range(1, ROUNDS + 1):
        a.send(f"go {round_id} 0.15")
        b.send(f"go {round_id} 0.15")
        answers = {a: a.receive(), b: b.receive()}
        won = [w for w, ans in answers.items() if ans[0] == "won"]
        lost = [w for w, ans in answers.items() if ans[0] == "lost"]
        assert len(won) == 1 and len(lost) == 1, f"round {round_id}: {answers}"
        winner, loser = won[0], lost[0]
        assert answers[winner][1] == str(round_id)  # serial: exactly one write per round
        message = answers[loser][1]
        assert f"pid {winner.pid} on host {socket.gethostname()}" in message, message
        assert f"running 'writer {winner.name}'" in message and "waited 0.15s" in message
        winner.send("release")
        assert winner.receive() == ["released"]
        winners.append(winner.name)
    assert time.monotonic() - started < 15

    doc = PostgresStateBackend(pg_url, ORG, SANDBOX).read()
    assert doc.serial == ROUNDS
    assert sorted(doc.datasets) == sorted(f"{r}-{name}" for r, name in zip(range(1, ROUNDS + 1), winners,
                                                                           strict=True))


def test_writers_that_wait_for_the_lock_lose_no_write(pg_url: str, start_worker: Any) -> None:
    """With a long enough lock timeout the second writer waits, re-reads, and both writes land."""
    a, b = start_worker("a"), start_worker("b")
    assert a.receive() == ["ready"] and b.receive() == ["ready"]
    for round_id in range(1, 4):
        a.send(f"go {round_id} 10")
        b.send(f"go {round_id} 10")
        deadline = time.monotonic() + 10
        while not (a.ready(0.01) or b.ready(0.01)):
            assert time.monotonic() < deadline, "neither writer got the lock"
        first = a if a.ready(0) else b
        second = b if first is a else a
        assert first.receive()[0] == "won"
        assert not second.ready(0.2), "the second writer got the lock while the first held it"
        first.send("release")
        assert first.receive() == ["released"]
        assert second.receive()[0] == "won"
        second.send("release")
        assert second.receive() == ["released"]
    doc = PostgresStateBackend(pg_url, ORG, SANDBOX).read()
    assert doc.serial == 6
    assert sorted(doc.datasets) == sorted(f"{r}-{n}" for r in range(1, 4) for n in "ab")


def test_a_writer_that_read_before_another_wrote_cannot_overwrite_it(pg_url: str, start_worker: Any) -> None:
    """The lock is not the only guard: a stale writer (lock lost or never taken) hits the compare-and-swap."""
    backend = PostgresStateBackend(pg_url, ORG, SANDBOX)
    seed = backend.read()
    backend.write(seed, expected_serial=0)
    stale = start_worker("stale")
    assert stale.receive() == ["ready"]
    stale.send("stale 7")
    assert stale.receive() == ["read", "1"]
    with backend.lock(timeout=2, command="apply"):
        doc = backend.read()
        doc.datasets["newer"] = DatasetRecord(id="c" * 24)
        backend.write(doc, expected_serial=doc.serial)
    stale.send("write")
    answer = stale.receive()
    assert answer[0] == "refused" and "serial 2 stored, 1 expected" in answer[1]
    assert set(backend.read().datasets) == {"newer"}


def test_the_holder_is_named_and_a_killed_holder_releases_the_lock(pg_url: str, start_worker: Any) -> None:
    holder = start_worker("h")
    assert holder.receive() == ["ready"]
    holder.send("hold")
    assert holder.receive() == ["holding"]
    backend = PostgresStateBackend(pg_url, ORG, SANDBOX)
    with pytest.raises(LockError) as caught, backend.lock(timeout=0.2, command="apply"):
        pass
    error = caught.value
    assert error.holder["pid"] == holder.pid and error.holder["command"] == "holder h"
    assert error.holder["host"] == socket.gethostname() and error.holder["since"].endswith("Z")
    assert error.message.startswith("PostgreSQL state user=postgres dbname=test host=127.0.0.1 port=5432")
    assert "is locked by pid" in error.message and error.hint and "--lock-timeout" in error.hint
    assert isinstance(error, StateError)

    os.kill(holder.pid, signal.SIGKILL)
    holder.proc.wait()
    with backend.lock(timeout=5, command="apply after crash"):  # the server dropped the dead session's lock
        with backend._session() as conn:
            row = conn.execute("SELECT pid, command FROM aep_exports_locks").fetchone()
        assert row == (os.getpid(), "apply after crash")
