"""The inferred XDM structure of stored fragments and events (DuckDB JSON structure notation).

A structure is a nested ``dict`` whose leaves are DuckDB type names (``"VARCHAR"``,
``"BIGINT"``, ``"DOUBLE"``, ``"BOOLEAN"``, ``"JSON"`` when values of one path disagree) and
whose arrays are one-element lists holding the element's structure. The engine restricts it
to the requested paths and hands it to ``from_json`` to read typed, nested values.
"""

from __future__ import annotations

import json
from typing import Any

from aep_exports.platform.store.schema import get_meta, set_meta

Structure = dict[str, Any]


def clean_structure(node: Any) -> Any:
    """Drop always-null paths and empty objects; prefer signed integers; None if nothing remains."""
    if isinstance(node, dict):
        cleaned = {key: clean_structure(child) for key, child in node.items()}
        kept = {key: child for key, child in cleaned.items() if child is not None}
        return kept or None
    if isinstance(node, list):
        element = clean_structure(node[0]) if node else None
        return [element if element is not None else "VARCHAR"]
    if node == "NULL":
        return None
    if node == "UBIGINT":
        return "BIGINT"
    return node


NUMERIC = ("UBIGINT", "BIGINT", "DOUBLE")


def merge_structures(left: Any, right: Any) -> Any:
    """The structure that holds values of both (as DuckDB's ``json_group_structure`` combines them)."""
    if left == "NULL" or left is None:
        return right
    if right == "NULL" or right is None:
        return left
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, child in right.items():
            merged[key] = merge_structures(merged[key], child) if key in merged else child
        return merged
    if isinstance(left, list) and isinstance(right, list):
        return [merge_structures(left[0] if left else None, right[0] if right else None) or "NULL"]
    if left == right:
        return left
    if left in NUMERIC and right in NUMERIC:
        return "DOUBLE" if "DOUBLE" in (left, right) else "BIGINT"
    return "JSON"


def refresh_structures(con: Any) -> None:
    """Recompute both structures from every stored document (inside the caller's transaction).

    Distinct per-document structures are few and ``json_structure`` streams, so this runs in
    bounded memory where ``json_group_structure`` over millions of documents does not.
    """
    for table, key in (("fragments", "fragment_structure"), ("events", "event_structure")):
        # An empty document's structure is "JSON"; it adds nothing, so leave it out.
        rows = con.execute(f"""SELECT DISTINCT json_structure(data)::VARCHAR FROM {table}
                               WHERE data::VARCHAR <> '{{}}'""").fetchall()
        combined: Any = None
        for (raw,) in rows:
            combined = merge_structures(combined, json.loads(raw))
        structure = clean_structure(combined) if combined is not None else None
        set_meta(con, key, json.dumps(structure if isinstance(structure, dict) else {}))


def read_structure(con: Any, key: str) -> Structure:
    """The stored structure of ``fragment_structure`` or ``event_structure`` ({} when empty)."""
    raw = get_meta(con, key)
    value = json.loads(raw) if raw else {}
    return value if isinstance(value, dict) else {}
