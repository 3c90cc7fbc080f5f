"""The DuckDB tables of a profile store and how a connection is configured.

Times are naive ``TIMESTAMP`` values in UTC. ``pkey`` is a surrogate integer per primary
identity (``profiles.id`` + ``profiles.ns``) so joins run on one integer column.
``seq`` numbers fragments and events in load order; it breaks ties between equal ingest times
(the later-loaded record wins).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

FORMAT_VERSION = "1"

DDL = """
CREATE TABLE IF NOT EXISTS profiles (
    pkey BIGINT NOT NULL, id VARCHAR NOT NULL, ns VARCHAR NOT NULL,
    has_fragment BOOLEAN NOT NULL, updated_ts TIMESTAMP);
CREATE TABLE IF NOT EXISTS fragments (
    pkey BIGINT NOT NULL, dataset_id VARCHAR NOT NULL, ingest_ts TIMESTAMP NOT NULL,
    seq BIGINT NOT NULL, data JSON NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    pkey BIGINT NOT NULL, ts TIMESTAMP NOT NULL, ingest_ts TIMESTAMP NOT NULL,
    seq BIGINT NOT NULL, data JSON NOT NULL);
CREATE TABLE IF NOT EXISTS memberships (
    pkey BIGINT NOT NULL, segment_id VARCHAR NOT NULL, segment_ns VARCHAR NOT NULL,
    status VARCHAR NOT NULL, qual_ts TIMESTAMP);
CREATE TABLE IF NOT EXISTS segment_definitions (id VARCHAR NOT NULL, doc JSON NOT NULL);
CREATE TABLE IF NOT EXISTS merge_policies (id VARCHAR NOT NULL, version BIGINT NOT NULL, doc JSON NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL);
"""

DATA_TABLES = ("profiles", "fragments", "events", "memberships", "segment_definitions", "merge_policies")

DEFAULT_MEMORY_LIMIT = "768MB"
DEFAULT_THREADS = 2


def connect(db_path: Path | None, *, memory_limit: str, threads: int) -> Any:
    """Open (creating if needed) the DuckDB file (None: in memory) with bounded memory and threads."""
    import duckdb

    config: dict[str, Any] = {
        "memory_limit": memory_limit,
        "threads": threads,
        # Rows are ordered explicitly where order matters; this lets DuckDB stream more freely.
        "preserve_insertion_order": False,
    }
    if db_path is not None:
        config["temp_directory"] = str(db_path.parent / "duckdb-tmp")
    con = duckdb.connect(":memory:" if db_path is None else str(db_path), config=config)
    con.execute(DDL)
    if con.execute("SELECT count(*) FROM meta WHERE key = 'format_version'").fetchall()[0][0] == 0:
        con.execute("INSERT INTO meta VALUES ('format_version', ?)", [FORMAT_VERSION])
    return con


def get_meta(con: Any, key: str) -> str | None:
    """One value of the ``meta`` table, or None."""
    # Fetch everything: some DuckDB builds refuse other work while a result is partly read.
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return str(rows[0][0]) if rows else None


def set_meta(con: Any, key: str, value: str) -> None:
    """Replace one value of the ``meta`` table (inside the caller's transaction)."""
    con.execute("DELETE FROM meta WHERE key = ?", [key])
    con.execute("INSERT INTO meta VALUES (?, ?)", [key, value])


@contextmanager
def transaction(con: Any) -> Iterator[None]:
    """BEGIN ... COMMIT, or ROLLBACK on any error (keeping the original error if rollback fails too)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        # Keep the first error: it is the one worth reporting, not a failed rollback.
        with suppress(Exception):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
