"""SQL text for one export run (DuckDB). Values go in as ``?`` parameters; names are quoted."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aep_exports.platform.engine.outcome import SegmentKey
from aep_exports.platform.engine.paths import Path, Structure, leaves

# Temporary tables of one run (per connection; dropped before and after).
SELECTION, KEYS, MERGED, EVENTS = "export_selection", "export_keys", "export_merged", "export_events"
TEMP_TABLES = (SELECTION, KEYS, MERGED, EVENTS)


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def extract(expr: str, path: Path) -> str:
    """Nested struct field access, safe for any key name."""
    for key in path:
        expr = f"struct_extract({expr}, {literal(key)})"
    return expr


def selection(
    batch: int,
    segments: list[SegmentKey],
    *,
    qual_start: datetime | None,
    qual_end: datetime | None,
    from_ingest: datetime | None,
    empty_profiles: bool,
) -> tuple[str, list[Any]]:
    """``SELECT batch, pkey`` of the profiles one batch holds."""
    conditions: list[str] = []
    params: list[Any] = []
    if not empty_profiles:
        conditions.append("p.has_fragment")
    if from_ingest is not None:
        conditions.append("p.updated_ts > ?")
        params.append(from_ingest)
    if segments:
        alternatives = []
        for segment in segments:
            parts = ["segment_id = ?", f"status IN ({', '.join('?' for _ in segment.status)})"]
            params.append(segment.segmentId)
            params.extend(segment.status)
            if segment.segmentNs is not None:
                parts.append("lower(segment_ns) = lower(?)")
                params.append(segment.segmentNs)
            if qual_start is not None:
                parts.append("qual_ts >= ?")
                params.append(qual_start)
            if qual_end is not None:
                parts.append("qual_ts < ?")
                params.append(qual_end)
            alternatives.append("(" + " AND ".join(parts) + ")")
        conditions.append(f"p.pkey IN (SELECT pkey FROM memberships WHERE {' OR '.join(alternatives)})")
    where = " AND ".join(conditions) or "true"
    return f"SELECT {batch}::INTEGER AS batch, p.pkey FROM profiles p WHERE {where}", params


def order_key(policy: dict[str, Any] | None) -> tuple[str, list[Any]]:
    """An expression ordering fragments so that ``arg_max`` picks the winner of the merge."""
    merge = (policy or {}).get("attributeMerge") or {}
    if merge.get("type") == "dataSetPrecedence":
        order = [d for d in merge.get("order") or [] if isinstance(d, str)]
        if order:
            cases = " ".join("WHEN ? THEN ?" for _ in order)
            params: list[Any] = []
            for rank, dataset in enumerate(order):
                params.extend([dataset, -rank])
            rank_expr = f"CASE dataset_id {cases} ELSE ? END"
            params.append(-len(order))
            return f"struct_pack(r := {rank_expr}, t := ingest_ts, s := seq)", params
    return "struct_pack(r := 0, t := ingest_ts, s := seq)", []


def merged(
    structure: Structure, policy: dict[str, Any] | None
) -> tuple[str, list[Any], list[tuple[Path, Any]]]:
    """``CREATE TEMP TABLE`` of the merged attributes (one column ``c<i>`` per leaf) of the keys."""
    attributes = leaves(structure)
    ordering, params = order_key(policy)
    columns = ", ".join(
        f"arg_max({extract('d', path)}, ord) FILTER (WHERE {extract('d', path)} IS NOT NULL) AS c{index}"
        for index, (path, _) in enumerate(attributes)
    )
    sql = f"""
        CREATE TEMP TABLE {MERGED} AS
        SELECT pkey, {columns}
        FROM (SELECT f.pkey, {ordering} AS ord, from_json(f.data, {literal(json.dumps(structure))}) AS d
              FROM fragments f WHERE f.pkey IN (SELECT pkey FROM {KEYS}))
        GROUP BY pkey"""
    return sql, params, attributes


def event_list(
    structure: Structure, from_ingest: datetime | None, to_ingest: datetime | None
) -> tuple[str, list[Any]]:
    """``CREATE TEMP TABLE`` of each exported profile's ordered event list."""
    fields = "".join(f", {ident(key)} := {extract('d', (key,))}" for key in structure)
    conditions, params = ["e.pkey IN (SELECT pkey FROM " + KEYS + ")"], []
    if from_ingest is not None:
        conditions.append("e.ingest_ts > ?")
        params.append(from_ingest)
    if to_ingest is not None:
        conditions.append("e.ingest_ts <= ?")
        params.append(to_ingest)
    document = f"from_json(e.data, {literal(json.dumps(structure))})" if structure else "NULL"
    sql = f"""
        CREATE TEMP TABLE {EVENTS} AS
        SELECT pkey, list(struct_pack("timestamp" := ts{fields}) ORDER BY ts, seq) AS events
        FROM (SELECT e.pkey, e.ts, e.seq, {document} AS d FROM events e WHERE {" AND ".join(conditions)})
        GROUP BY pkey"""
    return sql, params


def _nested(tree: dict[str, Any]) -> tuple[str, list[str]]:
    """A struct expression over merged columns, NULL when every leaf below is NULL."""
    parts, columns = [], []
    for key, node in tree.items():
        if isinstance(node, dict):
            expr, below = _nested(node)
        else:
            expr, below = f"m.c{node}", [f"m.c{node}"]
        parts.append(f"{ident(key)} := {expr}")
        columns.extend(below)
    all_null = " AND ".join(f"{column} IS NULL" for column in columns)
    return f"CASE WHEN {all_null} THEN NULL ELSE struct_pack({', '.join(parts)}) END", columns


def output(attributes: list[tuple[Path, Any]], with_events: bool, batch: int, low: int, high: int) -> str:
    """The rows of one batch whose profile key is in [low, high], in profile order."""
    tree: dict[str, Any] = {}
    for index, (path, _) in enumerate(attributes):
        node = tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = index
    columns = ['map([p.ns], [[struct_pack(id := p.id, "primary" := true)]]) AS "identityMap"']
    for key, node in tree.items():
        expr = _nested(node)[0] if isinstance(node, dict) else f"m.c{node}"
        columns.append(f"{expr} AS {ident(key)}")
    joins = f"JOIN profiles p ON p.pkey = s.pkey LEFT JOIN {MERGED} m ON m.pkey = s.pkey"
    if with_events:
        columns.append('coalesce(ev.events, []) AS "eventList"')
        joins += f" LEFT JOIN {EVENTS} ev ON ev.pkey = s.pkey"
    where = f"s.batch = {int(batch)} AND s.pkey BETWEEN {int(low)} AND {int(high)}"
    return f"SELECT {', '.join(columns)} FROM {SELECTION} s {joins} WHERE {where} ORDER BY s.pkey"
