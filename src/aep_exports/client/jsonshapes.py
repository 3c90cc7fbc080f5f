"""The several list envelopes of the Adobe services, read tolerantly."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

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
    """The next link of ``_links``/``link``/``links``: None when there is none, ``""`` on the last page."""
    for links_key in ("_links", "link", "links"):
        links = answer.get(links_key)
        if not isinstance(links, dict) or "next" not in links:
            continue
        nxt = links["next"]
        if isinstance(nxt, dict):
            nxt = nxt.get("href")
        return nxt if isinstance(nxt, str) else ""
    return None


def _query(href: str) -> dict[str, str]:
    """The query of a link, values decoded; ``+`` stays ``+`` (page tokens are often base64)."""
    found: dict[str, str] = {}
    for part in urlsplit(href).query.split("&"):
        key, _, value = part.partition("=")
        if key and unquote(key) not in found:
            found[unquote(key)] = unquote(value)
    return found


def query_param(href: Any, name: str) -> str | None:
    """The first value of query parameter ``name`` in the link ``href`` (decoded), or None."""
    if not isinstance(href, str):
        return None
    return _query(href).get(name) or None


def next_page_params(answer: Any) -> dict[str, str] | None:
    """The query parameters of the next page; None on the last page.

    From the answer's next link (``_links.next.href``, ``link.next``: its ``start``, ``offset`` or
    ``page``; an empty link ends the listing) or, without any, from the spec's ``_page.next`` (the
    ``start`` token of the next page).
    """
    if not isinstance(answer, dict):
        return None
    href = _next_href(answer)
    if href is not None:
        query = _query(href)
        found = {key: query[key] for key in ("start", "offset", "page") if query.get(key)}
        return found or None
    page = answer.get("_page")
    token = page.get("next") if isinstance(page, dict) else None
    if isinstance(token, str | int) and not isinstance(token, bool) and str(token):
        return {"start": str(token)}
    return None
