"""Catalog list queries: ``limit``/``start``, ``orderBy``, ``properties``, ``name=``/``property=`` filters."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aep_exports.platform.errors import bad_request

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_EXPRESSION = re.compile(r"^(?P<field>[A-Za-z0-9_.@/-]+?)\s*(?P<op>==|!=|<=|>=|<|>|~)\s*(?P<value>.*)$")

Query = Mapping[str, Sequence[str]]
Record = tuple[str, dict[str, Any]]  # (id, document)


def int_param(query: Query, name: str, default: int, *, minimum: int = 0) -> int:
    """An integer query parameter, or a 400 naming it."""
    values = query.get(name)
    if not values:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        raise bad_request(f"Query parameter '{name}' must be an integer, got {values[-1]!r}.") from None
    if value < minimum:
        raise bad_request(f"Query parameter '{name}' must be at least {minimum}, got {value}.")
    return value


def lookup(doc: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted path, or None."""
    value: Any = doc
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _compare(op: str, actual: Any, expected: str) -> bool:
    if op == "~":
        try:
            return actual is not None and re.search(expected, _as_text(actual)) is not None
        except re.error:
            raise bad_request(f"Invalid regular expression in property filter: {expected!r}.") from None
    if op in ("==", "!="):
        if isinstance(actual, list):
            hit = expected in [_as_text(item) for item in actual]
        else:
            hit = _as_text(actual) == expected
        return hit if op == "==" else not hit
    if actual is None:
        return False
    try:
        left: Any = float(actual)
        right: Any = float(expected)
    except (TypeError, ValueError):
        left, right = _as_text(actual), expected
    result: bool = {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
    return result


def property_filter(expression: str) -> Callable[[dict[str, Any]], bool]:
    """``property=name==x`` (also ``!=``, ``<``, ``>``, ``<=``, ``>=``, ``~`` regex; bare field: exists)."""
    match = _EXPRESSION.match(expression.strip())
    if match is None:
        field = expression.strip()
        if not field:
            raise bad_request("Empty 'property' filter.")
        return lambda doc: lookup(doc, field) is not None
    field, op, value = match["field"], match["op"], match["value"]
    return lambda doc: _compare(op, lookup(doc, field), value)


def _equals(field: str, wanted: str) -> Callable[[dict[str, Any]], bool]:
    return lambda doc: _compare("==", lookup(doc, field), wanted)


def _has_tag(tag: str) -> Callable[[dict[str, Any]], bool]:
    key, _, value = tag.partition(":")

    def check(doc: dict[str, Any]) -> bool:
        tags = doc.get("tags") or {}
        return key in tags and (not value or value in tags[key])

    return check


def select(
    records: list[Record], query: Query, *, simple_filters: Sequence[str], default_order: str = "asc:created"
) -> list[Record]:
    """Filter, sort and page ``records`` as Catalog does; answers the page."""
    predicates: list[Callable[[dict[str, Any]], bool]] = []
    for name in simple_filters:
        predicates.extend(_equals(name, wanted) for wanted in query.get(name, []))
    predicates.extend(property_filter(expression) for expression in query.get("property", []))
    predicates.extend(_has_tag(tag) for tag in query.get("tags", []))
    chosen = [(rid, doc) for rid, doc in records if all(p(doc) for p in predicates)]
    order = (query.get("orderBy") or query.get("sort") or [default_order])[-1]
    for key in reversed([part.strip() for part in order.split(",") if part.strip()]):
        direction, _, field = key.rpartition(":")
        if direction not in ("", "asc", "desc"):
            raise bad_request(f"Invalid orderBy {order!r}: use e.g. 'desc:created' or 'asc:name'.")
        chosen.sort(key=functools.partial(_sort_key, field=field), reverse=direction == "desc")
    start = int_param(query, "start", 0)
    limit = min(int_param(query, "limit", DEFAULT_LIMIT, minimum=1), MAX_LIMIT)
    return chosen[start : start + limit]


def _sort_key(record: Record, field: str) -> tuple[int, Any, str]:
    value = record[0] if field == "id" else lookup(record[1], field)
    if value is None:
        return (0, 0, record[0])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value, record[0])
    return (2, _as_text(value), record[0])


def project(doc: dict[str, Any], query: Query) -> dict[str, Any]:
    """Keep only the top-level ``properties`` asked for (all when absent)."""
    wanted = [p.strip() for value in query.get("properties", []) for p in value.split(",") if p.strip()]
    return {k: v for k, v in doc.items() if k in wanted} if wanted else doc
