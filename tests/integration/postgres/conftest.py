"""Fixtures for the PostgreSQL state backend tests: a real server, one throw-away schema per test.

The server is the one this machine runs at 127.0.0.1:5432 (``.ci/run`` starts it); override with
``AEP_TEST_POSTGRES_URL``. Tests are skipped, with the reason, only when it cannot be reached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg",
                              reason="psycopg is not installed (pip install 'aep-exports[postgres]')")

SERVER_URL = os.environ.get("AEP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
WORKER = Path(__file__).with_name("pg_worker.py")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The server URL; skips the test when no server answers there."""
    try:
        with psycopg.connect(SERVER_URL, connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {SERVER_URL} ({str(exc).strip().splitlines()[0]}); "
                    "start it (.ci/run does) or set AEP_TEST_POSTGRES_URL")
    return SERVER_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A state URL whose tables live in a fresh schema, dropped after the test."""
    schema = f"aep_test_{uuid.uuid4().hex[:12]}"
    yield f"{pg_server}?schema={schema}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class Worker:
    """A ``pg_worker.py`` process: one state writer driven over its stdin/stdout."""

    def __init__(self, url: str, org: str, sandbox: str, name: str) -> None:
        self.name = name
        self.errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (lives as long as the worker)
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), url, org, sandbox, name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, text=True, bufsize=1,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def receive(self) -> list[Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=5)
            self.errors.seek(0)
            raise AssertionError(f"worker {self.name} exited (code {self.proc.returncode}):\n"
                                 + self.errors.read()[-2000:])
        answer: list[Any] = json.loads(line)
        return answer

    def ready(self, timeout: float) -> bool:
        """True when an answer can be read without waiting (up to ``timeout`` s)."""
        import select

        assert self.proc.stdout is not None
        return bool(select.select([self.proc.stdout], [], [], timeout)[0])

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.errors.close()


@pytest.fixture
def start_worker(pg_url: str) -> Iterator[Any]:
    """Start writer processes against ``pg_url``: ``start_worker(name, org=..., sandbox=...)``."""
    workers: list[Worker] = []

    def start(name: str, *, org: str = "ORG@AdobeOrg", sandbox: str = "prod") -> Worker:
        worker = Worker(pg_url, org, sandbox, name)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.close()
