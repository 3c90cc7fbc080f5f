"""SQL text for one export run (DuckDB). Values go in as ``?`` parameters; names are quoted."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aep_exports.platform.engine.outcome import SegmentKey
from aep_exports.platform.engine.paths import Path, Structure, leaves
from aep_exports.platform.engine.request import DEFAULT_SEGMENT_NS

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
    datasets: list[str] | None = None,
) -> tuple[str, list[Any]]:
    """``SELECT batch, pkey`` of the profiles one batch holds.

    ``datasets``: the datasets the merge policy merges (None: all). A profile's record is its fragments
    in those datasets; one without any is exported only as an empty profile (events, ``emptyProfiles``),
    and its update time is its newest event's ingest time.
    """
    conditions: list[str] = []
    params: list[Any] = []
    if datasets is None:
        source = "profiles p"
        has_record, has_events, updated = "p.has_fragment", "p.updated_ts IS NOT NULL", "p.updated_ts"
    else:
        listed = f"dataset_id IN ({', '.join('?' for _ in datasets)})" if datasets else "false"
        source = f"""profiles p
            LEFT JOIN (SELECT pkey, max(ingest_ts) AS newest FROM fragments WHERE {listed} GROUP BY pkey) lf
                   ON lf.pkey = p.pkey
            LEFT JOIN (SELECT pkey, max(ingest_ts) AS newest FROM events GROUP BY pkey) ev
                   ON ev.pkey = p.pkey"""
        params.extend(datasets)
        has_record, has_events = "lf.newest IS NOT NULL", "ev.newest IS NOT NULL"
        updated = "coalesce(lf.newest, ev.newest)"
    # Profiles with no record and no event (memberships only) are no profile at all: never exported.
    conditions.append(f"({has_record} OR {has_events})" if empty_profiles else has_record)
    if from_ingest is not None:
        conditions.append(f"{updated} > ?")
        params.append(from_ingest)
    if segments:
        alternatives = []
        for segment in segments:
            parts = [
                "segment_id = ?",
                f"status IN ({', '.join('?' for _ in segment.status)})",
                "lower(segment_ns) = lower(?)",
            ]
            params.append(segment.segmentId)
            params.extend(segment.status)
            params.append(segment.segmentNs or DEFAULT_SEGMENT_NS)
            if qual_start is not None:
                parts.append("qual_ts >= ?")
                params.append(qual_start)
            if qual_end is not None:
                parts.append("qual_ts < ?")
                params.append(qual_end)
            alternatives.append("(" + " AND ".join(parts) + ")")
        conditions.append(f"p.pkey IN (SELECT pkey FROM memberships WHERE {' OR '.join(alternatives)})")
    where = " AND ".join(conditions)
    return f"SELECT {batch}::INTEGER AS batch, p.pkey FROM {source} WHERE {where}", params


def merged_datasets(policy: dict[str, Any] | None) -> list[str] | None:
    """The datasets a policy merges: ``dataSetPrecedence`` lists them in ``order`` (only those are
    merged, the merge policies guide says); any other policy merges every dataset (None)."""
    merge = (policy or {}).get("attributeMerge") or {}
    if merge.get("type") != "dataSetPrecedence":
        return None
    return [d for d in merge.get("order") or [] if isinstance(d, str)]


def order_key(policy: dict[str, Any] | None) -> tuple[str, list[Any]]:
    """An expression ordering fragments so that ``arg_max`` picks the winner of the merge."""
    order = merged_datasets(policy)
    if order:
        # Only listed datasets reach the merge (see ``merged``): the earliest listed wins, then the newest.
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
    datasets = merged_datasets(policy)
    scope = ""
    if datasets is not None:
        scope = f" AND f.dataset_id IN ({', '.join('?' for _ in datasets)})" if datasets else " AND false"
        params = [*params, *datasets]
    columns = ", ".join(
        f"arg_max({extract('d', path)}, ord) FILTER (WHERE {extract('d', path)} IS NOT NULL) AS c{index}"
        for index, (path, _) in enumerate(attributes)
    )
    sql = f"""
        CREATE TEMP TABLE {MERGED} AS
        SELECT pkey, {columns}
        FROM (SELECT f.pkey, {ordering} AS ord, from_json(f.data, {literal(json.dumps(structure))}) AS d
              FROM fragments f WHERE f.pkey IN (SELECT pkey FROM {KEYS}){scope})
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
