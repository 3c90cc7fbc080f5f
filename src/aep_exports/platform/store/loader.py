"""Loading JSON-lines records into a store: validate everything first, then one transaction."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aep_exports.platform.store.errors import LoadError, StoreError
from aep_exports.platform.store.profile_store import LoadReport, ProfileStore
from aep_exports.platform.store.records import (
    BadRecord,
    Event,
    Fragment,
    Identity,
    Membership,
    Record,
    parse_record,
)
from aep_exports.platform.store.schema import get_meta, set_meta, transaction
from aep_exports.platform.store.structure import refresh_structures

MAX_PROBLEMS = 1000


def load_file(store: ProfileStore, path: Path) -> LoadReport:
    """Read, validate and load ``path``; raise ``LoadError`` listing every bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoreError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: cannot read: {exc}") from None
    numbered: list[tuple[int, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            numbered.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: invalid JSON: {exc.msg} (column {exc.colno})")
    return load_parsed(store, numbered, source=str(path), problems=problems)


def load_parsed(
    store: ProfileStore, numbered: list[tuple[int, Any]], *, source: str, problems: list[str] | None = None
) -> LoadReport:
    """Validate decoded records (with their line numbers) and load them in one transaction."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None)
    problems = list(problems or [])
    records: list[Record] = []
    for number, raw in numbered:
        try:
            records.append(parse_record(raw, now))
        except BadRecord as exc:
            problems.append(f"line {number}: {exc}")
    if problems:
        problems.sort(key=lambda p: int(p.split(":", 1)[0].removeprefix("line ")))
        raise LoadError(source, problems[:MAX_PROBLEMS])
    counts = _write(store, records)
    return LoadReport(
        source=source,
        lines=len(numbered),
        counts=counts,
        elapsed_ms=int((time.perf_counter() - started) * 1000),
    )


def _write(store: ProfileStore, records: list[Record]) -> dict[str, int]:
    fragments = [r for r in records if isinstance(r, Fragment)]
    events = [r for r in records if isinstance(r, Event)]
    memberships = [r for r in records if isinstance(r, Membership)]
    segments = [r for r in records if isinstance(r, dict) and r["type"] == "segment"]
    policies = [r for r in records if isinstance(r, dict) and r["type"] == "mergePolicy"]
    con = store.connection
    with transaction(con):
        identities = (
            [f.identity for f in fragments] + [e.identity for e in events] + [m.identity for m in memberships]
        )
        if identities:
            _register_identities(con, identities)
        seq = int(get_meta(con, "next_seq") or "0")
        seq = _insert_fragments(con, fragments, seq)
        seq = _insert_events(con, events, seq)
        set_meta(con, "next_seq", str(seq))
        _upsert_memberships(con, memberships)
        if identities:
            _refresh_profiles(con)
        for doc in segments:
            con.execute("DELETE FROM segment_definitions WHERE id = ?", [doc["id"]])
            con.execute("INSERT INTO segment_definitions VALUES (?, ?)", [doc["id"], _doc_json(doc)])
        for doc in policies:
            _upsert_policy(con, doc)
        if fragments or events:
            refresh_structures(con)
        con.execute("DROP TABLE IF EXISTS load_ids")
    return {
        "fragment": len(fragments),
        "event": len(events),
        "membership": len(memberships),
        "segment": len(segments),
        "mergePolicy": len(policies),
    }


def _doc_json(doc: dict[str, Any]) -> str:
    return json.dumps({key: value for key, value in doc.items() if key != "type"})


def _arrow_table(columns: dict[str, list[Any]], types: dict[str, Any]) -> Any:
    import pyarrow as pa

    return pa.table({name: pa.array(values, type=types[name]) for name, values in columns.items()})


def _register_identities(con: Any, identities: list[Identity]) -> None:
    import pyarrow as pa

    unique = sorted(set(identities))
    load_ids = _arrow_table(
        {"id": [i.id for i in unique], "ns": [i.namespace for i in unique]},
        {"id": pa.string(), "ns": pa.string()},
    )
    con.register("load_ids_arrow", load_ids)
    con.execute("CREATE OR REPLACE TEMP TABLE load_ids AS SELECT * FROM load_ids_arrow")
    con.unregister("load_ids_arrow")
    con.execute("""
        INSERT INTO profiles
        SELECT (SELECT coalesce(max(pkey), 0) FROM profiles) + row_number() OVER (ORDER BY l.ns, l.id),
               l.id, l.ns, false, NULL
        FROM load_ids l
        WHERE NOT EXISTS (SELECT 1 FROM profiles p WHERE p.id = l.id AND p.ns = l.ns)""")


def _insert_fragments(con: Any, fragments: list[Fragment], seq: int) -> int:
    import pyarrow as pa

    return _insert_ingested(
        con, "fragments", fragments, seq, "dataset_id", [f.dataset_id for f in fragments], pa.string()
    )


def _insert_events(con: Any, events: list[Event], seq: int) -> int:
    import pyarrow as pa

    return _insert_ingested(con, "events", events, seq, "ts", [e.ts for e in events], pa.timestamp("us"))


def _insert_ingested(
    con: Any,
    table: str,
    items: Sequence[Fragment | Event],
    seq: int,
    column: str,
    values: list[Any],
    column_type: Any,
) -> int:
    """Append ``items`` to ``table`` as (profile key, ``column``, ingest time, seq, data); the next seq."""
    import pyarrow as pa

    if not items:
        return seq
    columns: dict[str, list[Any]] = {
        "id": [item.identity.id for item in items],
        "ns": [item.identity.namespace for item in items],
        column: values,
        "ingest_ts": [item.ingest_ts for item in items],
        "seq": list(range(seq, seq + len(items))),
        "data": [json.dumps(item.data) for item in items],
    }
    types = {
        "id": pa.string(),
        "ns": pa.string(),
        column: column_type,
        "ingest_ts": pa.timestamp("us"),
        "seq": pa.int64(),
        "data": pa.string(),
    }
    con.register("load_rows", _arrow_table(columns, types))
    try:
        con.execute(f"""
            INSERT INTO {table}
            SELECT p.pkey, r.{column}, r.ingest_ts, r.seq, r.data::JSON
            FROM load_rows r JOIN profiles p ON p.id = r.id AND p.ns = r.ns""")
    finally:
        con.unregister("load_rows")
    return seq + len(items)


def _upsert_memberships(con: Any, memberships: list[Membership]) -> None:
    import pyarrow as pa

    if not memberships:
        return
    columns: dict[str, list[Any]] = {
        "id": [m.identity.id for m in memberships],
        "ns": [m.identity.namespace for m in memberships],
        "segment_id": [m.segment_id for m in memberships],
        "segment_ns": [m.segment_ns for m in memberships],
        "status": [m.status for m in memberships],
        "qual_ts": [m.qual_ts for m in memberships],
        "line": list(range(len(memberships))),
    }
    types = {
        "id": pa.string(),
        "ns": pa.string(),
        "segment_id": pa.string(),
        "segment_ns": pa.string(),
        "status": pa.string(),
        "qual_ts": pa.timestamp("us"),
        "line": pa.int64(),
    }
    con.register("load_rows", _arrow_table(columns, types))
    try:
        # One membership per (profile, segment, namespace): the last line of the file wins.
        con.execute("""
            CREATE OR REPLACE TEMP TABLE load_memberships AS
            SELECT p.pkey, r.segment_id, r.segment_ns, r.status, r.qual_ts
            FROM load_rows r JOIN profiles p ON p.id = r.id AND p.ns = r.ns
            QUALIFY row_number() OVER (PARTITION BY p.pkey, r.segment_id, lower(r.segment_ns)
                                       ORDER BY r.line DESC) = 1""")
    finally:
        con.unregister("load_rows")
    con.execute("""
        DELETE FROM memberships m WHERE EXISTS (
            SELECT 1 FROM load_memberships l WHERE l.pkey = m.pkey AND l.segment_id = m.segment_id
              AND lower(l.segment_ns) = lower(m.segment_ns))""")
    con.execute("INSERT INTO memberships SELECT * FROM load_memberships")
    con.execute("DROP TABLE load_memberships")


def _refresh_profiles(con: Any) -> None:
    # "Updated" = newest fragment ingest time; profiles holding only events use their newest event.
    con.execute("""
        UPDATE profiles SET has_fragment = x.has_fragment, updated_ts = x.updated_ts FROM (
            SELECT p.pkey, f.newest IS NOT NULL AS has_fragment, coalesce(f.newest, e.newest) AS updated_ts
            FROM profiles p JOIN load_ids l ON l.id = p.id AND l.ns = p.ns
            LEFT JOIN (SELECT pkey, max(ingest_ts) AS newest FROM fragments GROUP BY pkey) f
                   ON f.pkey = p.pkey
            LEFT JOIN (SELECT pkey, max(ingest_ts) AS newest FROM events GROUP BY pkey) e
                   ON e.pkey = p.pkey
        ) x WHERE profiles.pkey = x.pkey""")


def _upsert_policy(con: Any, doc: dict[str, Any]) -> None:
    con.execute("DELETE FROM merge_policies WHERE id = ? AND version = ?", [doc["id"], doc["version"]])
    if doc.get("default") is True:
        # One default policy per sandbox, as on the platform.
        con.execute(
            """UPDATE merge_policies SET doc = json_merge_patch(doc, '{"default": false}')
                       WHERE id <> ?""",
            [doc["id"]],
        )
    con.execute("INSERT INTO merge_policies VALUES (?, ?, ?)", [doc["id"], doc["version"], _doc_json(doc)])
