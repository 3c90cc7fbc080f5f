"""Catalog list queries and byte ranges, as pure functions."""

from __future__ import annotations

from typing import Any

import pytest

from aep_exports.platform.backend.data_access import parse_range
from aep_exports.platform.backend.listing import select
from aep_exports.platform.errors import PlatformError

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


@pytest.mark.parametrize(
    ("header", "expected"),
    [("bytes=0-3", (0, 3)), ("bytes=5-", (5, 9)), ("bytes=-4", (6, 9)), ("bytes=2-100", (2, 9))],
)
def test_ranges(header: str, expected: tuple[int, int]) -> None:
    assert parse_range(header, 10) == expected


@pytest.mark.parametrize(
    "header", ["bytes=10-", "bytes=5-2", "items=0-1", "bytes=0-1,3-4", "bytes=-0", "bytes=a-b"]
)
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(PlatformError) as caught:
        parse_range(header, 10)
    assert caught.value.status == 416 and caught.value.headers["Content-Range"] == "bytes */10"
