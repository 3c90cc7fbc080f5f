"""The several list envelopes of the Adobe services, read tolerantly."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

_LIST_KEYS = ("children", "segments", "records", "data", "items", "results")


def items_of(answer: Any) -> list[dict[str, Any]]:
    """Items of ``{children: [...]}``, ``{segments: [...]}``, ``{data: [...]}``, a bare list, ..."""
    if isinstance(answer, list):
        return [item for item in answer if isinstance(item, dict)]
    if not isinstance(answer, dict):
        return []
    for key in _LIST_KEYS:
        value = answer.get(key)
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
    return []


def _next_href(answer: dict[str, Any]) -> str | None:
    for links_key in ("_links", "link", "links"):
        links = answer.get(links_key)
        if not isinstance(links, dict):
            continue
        nxt = links.get("next")
        if isinstance(nxt, dict):
            nxt = nxt.get("href")
        if isinstance(nxt, str) and nxt:
            return nxt
    return None


def query_param(href: Any, name: str) -> str | None:
    """The first value of query parameter ``name`` in the link ``href`` (decoded), or None."""
    if not isinstance(href, str):
        return None
    values = parse_qs(urlsplit(href).query).get(name)
    return values[0] if values and values[0] else None


def next_page_params(answer: Any) -> dict[str, str] | None:
    """``start``/``offset``/``page`` of the next page, from the answer's next link; None on the last page."""
    if not isinstance(answer, dict):
        return None
    href = _next_href(answer)
    if not href:
        return None
    query = parse_qs(urlsplit(href).query)
    found = {key: query[key][0] for key in ("start", "offset", "page") if query.get(key)}
    return found or None
