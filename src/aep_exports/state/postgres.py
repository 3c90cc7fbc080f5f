"""State kept in PostgreSQL, shared by a team and its CI: one row per org and sandbox.

Selected by ``state: postgresql://user@host:5432/db`` in the settings (or ``AEP_STATE_URL``), or any
other connection string libpq reads (``host=db dbname=exports``, several hosts, socket directories);
an optional ``schema`` parameter (``?schema=NAME``, or ``schema=NAME``) puts the tables in that
schema (created if missing). The password comes from AEP_STATE_URL, PGPASSWORD or a password file.

- ``aep_exports_state`` holds one row per (org, sandbox): lineage, serial, format version and
  the document as ``jsonb``. Every write is a compare-and-swap on the serial (``UPDATE ... WHERE
  serial = expected``; ``INSERT ... ON CONFLICT DO NOTHING`` for the first), so a writer that lost
  its lock (a dropped connection, a timeout) can never overwrite a newer state.
- The writer lock is a session-level advisory lock per (org, sandbox), held by a dedicated
  connection for the whole command; PostgreSQL releases it when that connection dies, so a
  killed apply cannot leave a stale lock. The holder (pid, host, since, command) is recorded in
  ``aep_exports_locks`` so a waiting process's :class:`LockError` can name it.
- The tables are created and upgraded by versioned migrations (``aep_exports_schema_migrations``),
  applied in one transaction under an advisory lock, so concurrent first runs are safe; a
  database migrated by a newer aep-exports is refused rather than misread.

psycopg is imported lazily: it is an optional dependency (``aep-exports[postgres]``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from pydantic import ValidationError

from aep_exports import __version__
from aep_exports.errors import LockError, StateError
from aep_exports.extras import require_extra
from aep_exports.redact import redact_url_credentials
from aep_exports.state.base import validation_summary
from aep_exports.state.locking import describe_holder
from aep_exports.state.migrations import migrate
from aep_exports.state.model import STATE_VERSION, StateDocument

POLL_INTERVAL = 0.05
"""Seconds between attempts while waiting for the advisory lock held by another session."""

CONNECT_TIMEOUT = 10
"""Seconds to wait for the database server to answer a connection."""

_MIGRATION_LOCK_KEY = 0x6165_7065_7870_6F72  # "aepexpor": serialises schema migrations
_T_STATE, _T_LOCKS, _T_MIGRATIONS = "aep_exports_state", "aep_exports_locks", "aep_exports_schema_migrations"

SCHEMA_MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, [
        """CREATE TABLE IF NOT EXISTS {state} (
             org text NOT NULL,
             sandbox text NOT NULL,
             lineage text NOT NULL,
             serial bigint NOT NULL CHECK (serial > 0),
             version integer NOT NULL,
             document jsonb NOT NULL,
             updated_at timestamptz NOT NULL DEFAULT now(),
             PRIMARY KEY (org, sandbox))""",
        """CREATE TABLE IF NOT EXISTS {locks} (
             org text NOT NULL,
             sandbox text NOT NULL,
             backend_pid integer NOT NULL,
             pid integer,
             host text,
             since timestamptz NOT NULL,
             command text,
             PRIMARY KEY (org, sandbox))""",
    ]),
]
"""Versioned DDL of this backend's tables: (version, statements). Append; never edit a released step."""

SCHEMA_VERSION = SCHEMA_MIGRATIONS[-1][0]

_CREATE_MIGRATIONS = """CREATE TABLE IF NOT EXISTS {migrations} (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text)"""
_INSERT_FIRST = """INSERT INTO {state} (org, sandbox, lineage, serial, version, document, updated_at)
    VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s) ON CONFLICT (org, sandbox) DO NOTHING"""
_UPDATE_CAS = """UPDATE {state}
    SET lineage = %s, serial = %s, version = %s, document = %s::jsonb, updated_at = %s
    WHERE org = %s AND sandbox = %s AND serial = %s AND lineage = coalesce(%s, lineage)"""


def _psycopg() -> Any:
    require_extra("postgres", "PostgreSQL state")
    import psycopg

    return psycopg


def lock_key(org: str, sandbox: str, schema: str | None = None) -> int:
    """The advisory-lock key of (schema, org, sandbox): a stable 64-bit hash, as a signed bigint.

    Advisory locks are per database, so the schema is part of the key: two state stores in two
    schemas of one database must not contend for each other's lock.
    """
    digest = hashlib.sha256(f"aep-exports\0{schema or ''}\0{org}\0{sandbox}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_KEYWORD_VALUE = re.compile(r"\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|(?:[^\s'\\]|\\.)*)")
_NOT_SHOWN = {"password", "sslpassword"}


def _split_schema(conninfo: str) -> tuple[str, str | None]:
    """``(connection string without our own schema parameter, schema)``; libpq refuses the parameter."""
    text = conninfo.strip()
    if text.lower().startswith(("postgresql://", "postgres://")):
        base, mark, query = text.partition("?")
        if not mark:
            return text, None
        pairs = [pair for pair in query.split("&") if pair]
        schema = next((unquote(p.partition("=")[2]) for p in pairs if p.partition("=")[0] == "schema"), None)
        rest = "&".join(p for p in pairs if p.partition("=")[0] != "schema")
        return (f"{base}?{rest}" if rest else base), schema or None
    # key=value: walk the pairs as libpq does; anything it would not parse is left for it to report.
    kept, schema, position = [], None, 0
    while position < len(text):
        match = _KEYWORD_VALUE.match(text, position)
        if match is None or match.end() == position:
            return text, None
        if match.group(1) == "schema":
            value = match.group(2)
            schema = value[1:-1].replace("\\'", "'") if value.startswith("'") else value
        else:
            kept.append(match.group(0).strip())
        position = match.end()
    return " ".join(kept), schema or None


@dataclass(frozen=True)
class DatabaseLocation:
    """A state database as libpq reads it: the connection string, the optional schema, a safe description.

    Every form libpq accepts works — URLs (``postgresql://u@h1:5432,h2:5433/db``, ``?host=/run/postgresql``
    socket directories, ``[::1]``) and ``key=value`` strings — because libpq itself parses them
    (``psycopg.conninfo``); ``schema`` is our one addition, taken off before libpq sees it.
    """

    conninfo: str = field(repr=False)
    schema: str | None
    display: str
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, location: str) -> DatabaseLocation:
        """Parse ``location``; StateError (never showing a password) when libpq cannot read it."""
        _psycopg()
        from psycopg import ProgrammingError
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        text, schema = _split_schema(location)
        try:
            params = conninfo_to_dict(text)
        except ProgrammingError as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
            # libpq quotes the whole string back (password included): keep only what it says is wrong.
            detail = redact_url_credentials(re.sub(r'\s*in URI:\s*".*"\s*$', "", detail))
            raise StateError(
                f"the state location {redact_url_credentials(location)!r} is not a PostgreSQL connection "
                f"string libpq can read: {detail}",
                hint="use postgresql://USER@HOST:PORT/DB (hosts may be a list, or ?host=/socket/dir) or "
                "'host=HOST dbname=DB user=USER'; set it in AEP_STATE_URL or 'state' in aep-exports.yaml",
            ) from None
        password = params.get("password")
        shown = make_conninfo("", **{k: v for k, v in params.items() if k not in _NOT_SHOWN})
        display = " ".join(part for part in (shown, f"schema={schema}" if schema else "") if part)
        return cls(conninfo=make_conninfo("", **params), schema=schema, display=display or "(libpq defaults)",
                   password=str(password) if password else None)


@dataclass
class _HeldLock:
    conn: Any
    depth: int


_held_guard = threading.Lock()
_acquire_guard = threading.Lock()
_held: dict[tuple[str, str | None, str, str], _HeldLock] = {}


class PostgresStateBackend:
    """A :class:`~aep_exports.state.backend.StateBackend` in a PostgreSQL database."""

    def __init__(self, url: str, org: str, sandbox: str, *, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        if not org or not sandbox:
            raise StateError("org and sandbox must not be empty to locate state in the database")
        self.location = DatabaseLocation.parse(url)
        self.org = org
        self.sandbox = sandbox
        self.connect_timeout = connect_timeout
        self._conn: Any = None
        self._conn_guard = threading.RLock()
        self._migrated = False
        self._key = lock_key(org, sandbox, self.location.schema)

    def describe(self) -> str:
        """Where this state lives, for messages (no password)."""
        return f"PostgreSQL state {self.location.display} (org {self.org}, sandbox {self.sandbox})"

    # -- connections -----------------------------------------------------------------------

    def _connect(self) -> Any:
        psycopg = _psycopg()
        try:
            conn = psycopg.connect(self.location.conninfo, autocommit=True,
                                   connect_timeout=max(1, int(self.connect_timeout)),
                                   application_name=f"aep-exports {__version__}")
        except psycopg.Error as exc:
            raise StateError(f"cannot connect to {self.describe()}: {self._safe(exc)}",
                             hint="check AEP_STATE_URL (or 'state' in aep-exports.yaml) and that "
                                  "the server is reachable") from exc
        if self.location.schema:
            try:
                # A schema that does not exist yet is fine on the search_path: readers then find no
                # tables (an empty state) and writers create it first (_ensure_schema).
                conn.execute(self._sql("SET search_path TO {schema}"))
            except psycopg.Error as exc:
                conn.close()
                raise StateError(f"cannot use schema {self.location.schema!r} in {self.describe()}: "
                                 f"{self._safe(exc)}") from exc
        return conn

    def _ensure_schema(self, conn: Any) -> None:
        """Create the URL's schema if missing, for a writer (needs no CREATE privilege when a DBA made it)."""
        if not self.location.schema:
            return
        psycopg = _psycopg()
        exists = "SELECT 1 FROM pg_namespace WHERE nspname = %s"
        try:
            if conn.execute(exists, (self.location.schema,)).fetchone():
                return
            # CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent twin: serialise it.
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_KEY,))
                if not conn.execute(exists, (self.location.schema,)).fetchone():
                    conn.execute(self._sql("CREATE SCHEMA {schema}"))
        except psycopg.Error as exc:
            raise StateError(f"cannot use schema {self.location.schema!r} in {self.describe()}: "
                             f"{self._safe(exc)}") from exc

    def _safe(self, exc: BaseException) -> str:
        """The driver's message without any password that might appear in it."""
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        password = self.location.password
        text = text.replace(password, "***") if password else text
        return redact_url_credentials(text)

    def _sql(self, template: str) -> Any:
        from psycopg import sql

        names = {"state": _T_STATE, "locks": _T_LOCKS, "migrations": _T_MIGRATIONS}
        idents: dict[str, Any] = {key: sql.Identifier(value) for key, value in names.items()}
        if self.location.schema:
            idents["schema"] = sql.Identifier(self.location.schema)
        return sql.SQL(template).format(**idents)

    @contextmanager
    def _session(self, *, write: bool = True) -> Iterator[Any]:
        """The data connection (one per backend, serialised between threads).

        ``write``: the schema and tables are created or migrated first. A reader (``write=False``)
        creates nothing, so that ``plan``, ``drift``, ``status`` and ``state show`` work with a role
        that may only SELECT; it gets None when the tables do not exist yet (an empty state).
        """
        psycopg = _psycopg()
        with self._conn_guard:
            if self._conn is None or self._conn.closed:
                self._conn = self._connect()
                self._migrated = False
            try:
                if self._migrated:
                    yield self._conn
                elif write:
                    self._ensure_schema(self._conn)
                    self._migrate(self._conn)
                    self._migrated = True
                    yield self._conn
                else:
                    yield self._conn if self._readable(self._conn) else None
            except psycopg.OperationalError as exc:
                self.close()
                raise StateError(f"lost the connection to {self.describe()}: {self._safe(exc)}") from exc
            except psycopg.Error as exc:
                raise StateError(f"{self.describe()}: {self._safe(exc)}") from exc

    def close(self) -> None:
        """Close the data connection (the lock connection closes when the lock is released)."""
        with self._conn_guard:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- migrations ------------------------------------------------------------------------

    def _migrate(self, conn: Any) -> None:
        """Bring this backend's tables to ``SCHEMA_VERSION``; refuse a database from a newer version.

        Tables already at this version cost one SELECT and no DDL or lock, so that read-only commands
        (``plan``, ``drift``) write nothing and work with a role that may only SELECT.
        """
        if self._current_schema(conn) == SCHEMA_VERSION:
            return
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_KEY,))
            conn.execute(self._sql(_CREATE_MIGRATIONS))
            row = conn.execute(self._sql("SELECT coalesce(max(version), 0) FROM {migrations}")).fetchone()
            current = int(row[0])
            if current > SCHEMA_VERSION:
                raise StateError(
                    f"{self.describe()} uses table format {current}, created by a newer aep-exports "
                    f"(this one knows up to {SCHEMA_VERSION}); upgrade aep-exports",
                    hint="nothing was changed in the database",
                )
            for version, statements in SCHEMA_MIGRATIONS:
                if version <= current:
                    continue
                for statement in statements:
                    conn.execute(self._sql(statement))
                conn.execute(self._sql("INSERT INTO {migrations} (version, applied_by) VALUES (%s, %s)"),
                             (version, f"aep-exports {__version__}"))

    def _readable(self, conn: Any) -> bool:
        """Whether the tables exist, checked without writing; StateError when a newer version made them."""
        current = self._current_schema(conn)
        if current is None:
            return False
        if current > SCHEMA_VERSION:
            raise StateError(
                f"{self.describe()} uses table format {current}, created by a newer aep-exports "
                f"(this one knows up to {SCHEMA_VERSION}); upgrade aep-exports",
                hint="nothing was changed in the database",
            )
        # An older format is read as it is: only a writer migrates it (under the migration lock).
        self._migrated = current == SCHEMA_VERSION
        return True

    def _current_schema(self, conn: Any) -> int | None:
        """The table format version, read without writing (None: no migrations table yet)."""
        found = conn.execute("SELECT to_regclass(%s)", (_T_MIGRATIONS,)).fetchone()  # on the search_path
        if found is None or found[0] is None:
            return None
        row = conn.execute(self._sql("SELECT max(version) FROM {migrations}")).fetchone()
        return int(row[0]) if row is not None and row[0] is not None else None

    def schema_version(self) -> int:
        """The table format version the database is at (after migrating it)."""
        with self._session() as conn:
            row = conn.execute(self._sql("SELECT max(version) FROM {migrations}")).fetchone()
        return int(row[0])

    # -- reading ---------------------------------------------------------------------------

    def read(self) -> StateDocument:
        """The stored document (migrated to this version), or an empty one when the row is missing.

        Creates nothing: a database without this backend's schema or tables holds an empty state.
        """
        with self._session(write=False) as conn:
            row = None if conn is None else conn.execute(
                self._sql("SELECT document, serial, lineage FROM {state} WHERE org = %s AND sandbox = %s"),
                (self.org, self.sandbox),
            ).fetchone()
        if row is None:
            return StateDocument.empty(self.org, self.sandbox)
        return self._parse(row[0], serial=int(row[1]), lineage=str(row[2]))

    def _parse(self, data: Any, *, serial: int, lineage: str) -> StateDocument:
        where = self.describe()
        if isinstance(data, str):  # a server or driver that hands jsonb back as text
            data = json.loads(data)
        if not isinstance(data, dict):
            raise StateError(f"{where} holds a document that is not a JSON object")
        data = migrate(data, source=where)
        # The row's columns are authoritative: they are what the compare-and-swap checks.
        data["serial"], data["lineage"] = serial, lineage
        try:
            doc = StateDocument.model_validate(data)
        except ValidationError as exc:
            raise StateError(f"{where} does not match the state format (version {STATE_VERSION}):\n"
                             + validation_summary(exc), hint="the row was left untouched") from exc
        if (doc.org, doc.sandbox) != (self.org, self.sandbox):
            raise StateError(f"{where} holds the state of org {doc.org!r} sandbox {doc.sandbox!r}")
        return doc

    def _stored(self, conn: Any) -> tuple[int, str] | None:
        row = conn.execute(self._sql("SELECT serial, lineage FROM {state} WHERE org = %s AND sandbox = %s"),
                           (self.org, self.sandbox)).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    # -- writing ---------------------------------------------------------------------------

    def write(self, doc: StateDocument, *, expected_serial: int) -> StateDocument:
        """Compare-and-swap: store ``doc`` only if the stored serial is ``expected_serial``; bumps it."""
        return self._store(doc, expected_serial=expected_serial, new_serial=expected_serial + 1,
                           check_lineage=True)

    def replace(self, doc: StateDocument, *, expected_serial: int,
                new_serial: int | None = None) -> str | None:
        """Like :meth:`write`, but may replace a document of another lineage (``state push --force``);
        the row is overwritten, so nothing is kept (returns None)."""
        self._store(doc, expected_serial=expected_serial,
                    new_serial=max(expected_serial + 1, new_serial or 0), check_lineage=False)
        return None

    def _store(self, doc: StateDocument, *, expected_serial: int, new_serial: int,
               check_lineage: bool) -> StateDocument:
        if (doc.org, doc.sandbox) != (self.org, self.sandbox):
            raise StateError(f"refusing to write the state of org {doc.org!r} sandbox {doc.sandbox!r} "
                             f"to {self.describe()}")
        updated = doc.model_copy(update={
            "version": STATE_VERSION,
            "serial": new_serial,
            "written_by": f"aep-exports {__version__}",
            "updated_at": datetime.now(UTC),
        })
        payload = updated.to_json()
        with self._session() as conn:
            values = (updated.lineage, new_serial, STATE_VERSION, payload, updated.updated_at)
            if expected_serial == 0:
                cursor = conn.execute(self._sql(_INSERT_FIRST), (self.org, self.sandbox, *values))
            else:
                # The lineage check is in the statement too, so it is atomic with the serial check.
                where_lineage = updated.lineage if check_lineage else None
                cursor = conn.execute(self._sql(_UPDATE_CAS),
                                      (*values, self.org, self.sandbox, expected_serial, where_lineage))
            if cursor.rowcount != 1:
                raise self._conflict(self._stored(conn), expected_serial, updated.lineage, check_lineage)
        doc.version, doc.serial = updated.version, updated.serial
        doc.written_by, doc.updated_at = updated.written_by, updated.updated_at
        return doc

    def _conflict(self, stored: tuple[int, str] | None, expected: int, lineage: str,
                  check_lineage: bool) -> StateError:
        where = self.describe()
        if stored is None:
            return StateError(f"{where} was deleted since it was read (serial {expected} expected); "
                              "nothing was written", hint="run the command again")
        serial, stored_lineage = stored
        if check_lineage and serial == expected and stored_lineage != lineage:
            return StateError(f"{where} has lineage {stored_lineage}, the document written has {lineage}; "
                              "refusing to overwrite a different state")
        return StateError(
            f"{where} changed since it was read (serial {serial} stored, {expected} expected); "
            "nothing was written",
            hint="another command wrote the state meanwhile; run the command again",
        )

    def delete(self) -> bool:
        """Remove this org and sandbox's row; True if there was one."""
        with self._session() as conn:
            cursor = conn.execute(self._sql("DELETE FROM {state} WHERE org = %s AND sandbox = %s"),
                                  (self.org, self.sandbox))
            return bool(cursor.rowcount)

    # -- locking ---------------------------------------------------------------------------

    def lock(self, *, timeout: float, command: str) -> AbstractContextManager[None]:
        """The exclusive writer lock; LockError naming the holder after ``timeout`` seconds."""
        return self._locked(timeout, command)

    @contextmanager
    def _locked(self, timeout: float, command: str) -> Iterator[None]:
        registry_key = (self.location.conninfo, self.location.schema, self.org, self.sandbox)
        # Threads of one process share the lock (re-entrant, like the file lock): a second session
        # of this process would otherwise wait for the first one.
        with _acquire_guard:
            with _held_guard:
                entry = _held.get(registry_key)
                if entry is not None:
                    entry.depth += 1
            if entry is None:
                entry = _HeldLock(conn=self._acquire(timeout, command), depth=1)
                with _held_guard:
                    _held[registry_key] = entry
        try:
            yield
        finally:
            with _held_guard:
                entry.depth -= 1
                last = entry.depth == 0
                if last:
                    del _held[registry_key]
            if last:
                self._release(entry.conn)

    def _acquire(self, timeout: float, command: str) -> Any:
        psycopg = _psycopg()
        with self._session():  # make sure the tables exist before the lock connection uses them
            pass
        conn = self._connect()
        deadline = time.monotonic() + max(timeout, 0.0)
        try:
            while True:
                if conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()[0]:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    holder = self._holder(conn)
                    raise LockError(
                        f"{self.describe()} is locked by {describe_holder(holder)} (waited {timeout:g}s)",
                        holder=holder,
                        hint="wait for that command to finish, or give a longer --lock-timeout; the lock "
                             "of a process that died is released when its database connection closes",
                    )
                time.sleep(min(POLL_INTERVAL, remaining))
            conn.execute(
                self._sql("INSERT INTO {locks} (org, sandbox, backend_pid, pid, host, since, command) "
                          "VALUES (%s, %s, pg_backend_pid(), %s, %s, now(), %s) "
                          "ON CONFLICT (org, sandbox) DO UPDATE SET backend_pid = excluded.backend_pid, "
                          "pid = excluded.pid, host = excluded.host, since = excluded.since, "
                          "command = excluded.command"),
                (self.org, self.sandbox, os.getpid(), socket.gethostname(), command),
            )
        except psycopg.Error as exc:
            conn.close()
            raise StateError(f"cannot take the lock of {self.describe()}: {self._safe(exc)}") from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _holder(self, conn: Any) -> dict[str, Any]:
        """Who holds the advisory lock: its recorded info when the record belongs to the live holder."""
        # A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits).
        unsigned = self._key & 0xFFFF_FFFF_FFFF_FFFF
        high, low = unsigned >> 32, unsigned & 0xFFFF_FFFF
        info: dict[str, Any] = {}
        for _ in range(10):  # the holder records itself just after taking the lock: allow it a moment
            row = conn.execute(
                self._sql("SELECT l.pid, r.backend_pid, r.pid, r.host, r.since, r.command FROM pg_locks l "
                          "LEFT JOIN {locks} r ON r.org = %s AND r.sandbox = %s AND r.backend_pid = l.pid "
                          "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                          "AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.database = "
                          "(SELECT oid FROM pg_database WHERE datname = current_database())"),
                (self.org, self.sandbox, high, low),
            ).fetchone()
            if row is None:
                return info
            info = {"backend_pid": row[0]}
            if row[1] is not None:
                since = row[4].astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
                return {"pid": row[2], "host": row[3], "since": since, "command": row[5],
                        "backend_pid": row[0]}
            time.sleep(POLL_INTERVAL)
        return info

    def _release(self, conn: Any) -> None:
        psycopg = _psycopg()
        try:
            conn.execute(self._sql("DELETE FROM {locks} WHERE org = %s AND sandbox = %s "
                                   "AND backend_pid = pg_backend_pid()"), (self.org, self.sandbox))
            conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
        except psycopg.Error:
            pass  # closing the connection below releases the session lock anyway
        finally:
            conn.close()
