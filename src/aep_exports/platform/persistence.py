"""SQLite persistence of everything the platform knows, under ``DATA_DIR/platform.db``.

One connection guarded by a lock (SQLite serialises writers anyway, and the platform's transactions are
short), WAL journal so readers of the file from outside never block it. Resources are JSON documents
keyed by (org, sandbox, id), with the few columns that queries filter or sort on. Nothing here knows
about HTTP or the API's rules.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DB_FILE = "platform.db"
SCHEMA_VERSION = 1
FIRST_JOB_ID = 10_000  # real export job ids are five-digit integers and more

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  token TEXT PRIMARY KEY, client_id TEXT NOT NULL, org_id TEXT NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (
  org TEXT NOT NULL, sandbox TEXT NOT NULL, id TEXT NOT NULL, created_ms INTEGER NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (org, sandbox, id));
CREATE TABLE IF NOT EXISTS batches (
  org TEXT NOT NULL, sandbox TEXT NOT NULL, id TEXT NOT NULL, dataset_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (org, sandbox, id));
CREATE INDEX IF NOT EXISTS batches_by_dataset ON batches (org, sandbox, dataset_id, created_ms);
CREATE TABLE IF NOT EXISTS batch_files (
  org TEXT NOT NULL, sandbox TEXT NOT NULL, id TEXT NOT NULL, batch_id TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (org, sandbox, id));
CREATE INDEX IF NOT EXISTS files_by_batch ON batch_files (org, sandbox, batch_id);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, org TEXT NOT NULL, sandbox TEXT NOT NULL,
  creation_ms INTEGER NOT NULL, status TEXT NOT NULL, fate TEXT NOT NULL,
  start_due_ms INTEGER NOT NULL, end_due_ms INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_by_time ON jobs (org, sandbox, creation_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs (status) WHERE status IN ('NEW', 'PROCESSING');
INSERT OR IGNORE INTO sqlite_sequence (name, seq) SELECT 'jobs', {FIRST_JOB_ID - 1}
  WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'jobs');
"""

_TABLES = ("datasets", "batches", "batch_files", "jobs")


def dumps(doc: Any) -> str:
    """Compact JSON for a stored document."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=False)


def loads(text: str) -> Any:
    """A stored document back from JSON."""
    return json.loads(text)


class Database:
    """The platform's SQLite file. Every public method is safe to call from any thread."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_FILE
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self.transaction():
            for statement in _split(_SCHEMA):
                self._conn.execute(statement)
            self._conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and an IMMEDIATE transaction; commit on success, roll back on error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of a read."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a read, or None."""
        with self._lock:
            row: tuple[Any, ...] | None = self._conn.execute(sql, params).fetchone()
            return row

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write in its own transaction; answers the number of rows changed."""
        with self.transaction() as conn:
            return conn.execute(sql, params).rowcount

    def get_meta(self, key: str) -> str | None:
        row = self.query_one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def wipe(self) -> None:
        """Forget every resource (``/local/reset``). Tokens stay; job ids keep growing."""
        with self.transaction() as conn:
            for table in _TABLES:
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM meta WHERE key NOT IN ('schema_version')")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _split(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]
