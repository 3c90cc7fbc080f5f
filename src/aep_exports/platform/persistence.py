"""SQLite persistence of everything the platform knows, under ``DATA_DIR/platform.db``.

WAL journal, one *writer* connection behind a lock (SQLite admits one writer at a time anyway, and the
platform's transactions are short) and a pool of read-only connections that take no lock: with WAL a read
sees the last committed state without waiting for a write in progress, for the job worker or for another
read, so the event loop, which answers reads itself, never blocks behind a lock. Resources are JSON
documents keyed by (org, sandbox, id), with the few columns that queries filter or sort on; a job also
keeps its wire document as rendered JSON (``jobs.wire``), so reading or listing jobs decodes nothing.
Nothing here knows about HTTP or the API's rules.
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
SCHEMA_VERSION = 2
FIRST_JOB_ID = 10_000  # real export job ids are five-digit integers and more

# ``jobs.doc`` is the whole record (the stored job, the request, batch ids, ...); ``jobs.wire`` is the job
# as the API answers it, rendered by the platform for the contract named by meta ``wire_contract`` (see
# :func:`dumps_wire`). The due-time indexes are partial, so the
# job worker's poll touches only the jobs that are due, however many jobs are waiting.
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
  start_due_ms INTEGER NOT NULL, end_due_ms INTEGER NOT NULL, doc TEXT NOT NULL, wire TEXT);
CREATE INDEX IF NOT EXISTS jobs_by_time ON jobs (org, sandbox, creation_ms DESC, id DESC);
INSERT OR IGNORE INTO sqlite_sequence (name, seq) SELECT 'jobs', {FIRST_JOB_ID - 1}
  WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'jobs');
"""
# After the migration, so that a version-1 file has its ``wire`` column by then.
_INDEXES = """
DROP INDEX IF EXISTS jobs_unfinished;
CREATE INDEX IF NOT EXISTS jobs_to_start ON jobs (start_due_ms) WHERE status = 'NEW';
CREATE INDEX IF NOT EXISTS jobs_to_finish ON jobs (end_due_ms) WHERE status = 'PROCESSING';
"""

_TABLES = ("datasets", "batches", "batch_files", "jobs")


def dumps(doc: Any) -> str:
    """Compact JSON for a stored document."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=False)


def dumps_wire(doc: Any) -> str:
    """JSON exactly as the HTTP layer renders an answer (compact, UTF-8 kept as is)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    """A stored document back from JSON."""
    return json.loads(text)


class Database:
    """The platform's SQLite file. Every public method is safe to call from any thread."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_FILE
        self._lock = threading.RLock()  # serialises the writer connection
        self._closed = False
        self._idle_readers: list[sqlite3.Connection] = []
        self._conn = self._connect()
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self.transaction() as conn:
            for statement in _split(_SCHEMA):
                conn.execute(statement)
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            _migrate(conn)
            for statement in _split(_INDEXES):
                conn.execute(statement)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30, cached_statements=256
        )
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the write lock and an IMMEDIATE transaction; commit on success, roll back on error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """An idle read-only connection of the pool (a new one when all are busy), for one statement."""
        try:
            conn = self._idle_readers.pop()  # atomic under the GIL: no lock needed
        except IndexError:
            conn = self._connect()
            conn.execute("PRAGMA query_only=ON")
        try:
            yield conn
        finally:
            if self._closed:
                conn.close()
            else:
                self._idle_readers.append(conn)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of a read (its own snapshot of the last committed state)."""
        with self._reader() as conn:
            return conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a read, or None."""
        with self._reader() as conn:
            cursor = conn.execute(sql, params)
            try:
                row: tuple[Any, ...] | None = cursor.fetchone()
            finally:
                cursor.close()  # ends the statement, and with it the read snapshot
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
            self._closed = True
            idle, self._idle_readers = self._idle_readers, []
            for conn in idle:
                conn.close()
            self._conn.close()


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a file written by an older version up to :data:`SCHEMA_VERSION` (inside the open transaction)."""
    columns = {str(row[1]) for row in conn.execute("PRAGMA table_info(jobs)")}
    if "wire" not in columns:
        conn.execute("ALTER TABLE jobs ADD COLUMN wire TEXT")
    if conn.execute("SELECT 1 FROM jobs WHERE wire IS NULL LIMIT 1").fetchone() is not None:
        # The platform renders the answers (it knows the contract): forget what they were rendered for.
        conn.execute("DELETE FROM meta WHERE key = 'wire_contract'")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))


def _split(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]
