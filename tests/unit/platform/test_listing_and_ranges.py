"""Catalog list queries as pure functions (byte ranges: Starlette's FileResponse, end-to-end tests)."""

from __future__ import annotations

from typing import Any

from aep_exports.platform.backend.listing import select

RECORDS: list[tuple[str, dict[str, Any]]] = [
    (
        f"id{i}",
        {
            "name": f"n{i}",
            "created": 100 - i,
            "tags": {"t": ["x"] if i % 2 else []},
            "schemaRef": {"id": "s1" if i < 3 else "s2"},
        },
    )
    for i in range(6)
]


def _ids(**query: str) -> list[str]:
    return [rid for rid, _ in select(RECORDS, {k: [v] for k, v in query.items()}, simple_filters=("name",))]


def test_default_order_is_oldest_first_and_order_by_works() -> None:
    assert _ids() == ["id5", "id4", "id3", "id2", "id1", "id0"]
    assert _ids(orderBy="desc:name") == ["id5", "id4", "id3", "id2", "id1", "id0"]
    assert _ids(orderBy="asc:name", limit="2", start="1") == ["id1", "id2"]


def test_filters() -> None:
    assert _ids(name="n2") == ["id2"]
    assert _ids(property="schemaRef.id==s1", orderBy="asc:name") == ["id0", "id1", "id2"]
    assert _ids(property="created>=98", orderBy="asc:name") == ["id0", "id1", "id2"]
    assert _ids(property="name!=n0", limit="100") == ["id5", "id4", "id3", "id2", "id1"]
    assert _ids(tags="t:x", orderBy="asc:name") == ["id1", "id3", "id5"]
