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


def refresh_structures(con: Any) -> None:
    """Recompute both structures from every stored document (inside the caller's transaction)."""
    for table, key in (("fragments", "fragment_structure"), ("events", "event_structure")):
        raw = con.execute(f"SELECT json_group_structure(data) FROM {table}").fetchall()[0][0]
        structure = clean_structure(json.loads(raw)) if raw is not None else None
        set_meta(con, key, json.dumps(structure if isinstance(structure, dict) else {}))


def read_structure(con: Any, key: str) -> Structure:
    """The stored structure of ``fragment_structure`` or ``event_structure`` ({} when empty)."""
    raw = get_meta(con, key)
    value = json.loads(raw) if raw else {}
    return value if isinstance(value, dict) else {}
