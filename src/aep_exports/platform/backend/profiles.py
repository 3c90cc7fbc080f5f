"""Merge policies and segment definitions, read from the profile store of the caller's org and sandbox."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from aep_exports.platform.backend.exporter import slug
from aep_exports.platform.backend.listing import Query, int_param
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.errors import bad_request, not_found

STORE_FILE = "store.duckdb"
PROFILE_SCHEMA_NAME = "_xdm.context.profile"
_TOKEN_PREFIX = "start:"


def _token(offset: int) -> str:
    """An opaque ``start`` token for a page offset (clients must follow it, not compute it)."""
    return base64.urlsafe_b64encode(f"{_TOKEN_PREFIX}{offset}".encode()).decode().rstrip("=")


def _start(query: Query) -> int:
    """The offset named by ``start``: one of our tokens, or a plain number."""
    value = (query.get("start") or ["0"])[-1].strip() or "0"
    if value.isdigit():
        return int(value)
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        if text.startswith(_TOKEN_PREFIX):
            return int(text[len(_TOKEN_PREFIX) :])
    except (ValueError, UnicodeDecodeError):
        pass
    raise bad_request(f"Query parameter 'start' is not a page token of this listing: {value!r}.")


class ProfilesBackend:
    """Read-only views of the store; a sandbox without a store simply has none of either."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir

    def _read(self, caller: Caller, method: str, *args: Any) -> Any:
        if not (
            self._data_dir / "profiles" / slug(caller.org_id) / slug(caller.sandbox) / STORE_FILE
        ).exists():
            return None
        from aep_exports.platform.store import ProfileStore

        with ProfileStore.open(self._data_dir, caller.org_id, caller.sandbox) as store:
            return getattr(store, method)(*args)

    def counts(self, caller: Caller) -> dict[str, int]:
        """Rows per table of the caller's store (``profiles``, ``events``, ...); a sandbox without a store
        has ``{"profiles": 0}`` (none is created by asking)."""
        found: dict[str, int] | None = self._read(caller, "counts")
        return found if found is not None else {"profiles": 0}

    def list_merge_policies(self, caller: Caller, query: Query, *, paging: str = "links") -> dict[str, Any]:
        """A page of merge policies, ordered by name (the guide's default ``orderBy``).

        ``paging="links"``: the guide's answer, ``{"_page": {"totalCount", "pageSize"}, "children",
        "_links": {"next": {"href": "@/mergePolicies?start=...&orderBy=&limit=N"}}}`` (``href`` is ``""`` on
        the last page). ``paging="page"``: the spec's ``{"_page": {"count", "next"}, "children"}`` with
        ``next`` the ``start`` token of the next page. ``start`` is an opaque token in both (a number works).
        """
        policies = [self._policy_doc(caller, p) for p in self._read(caller, "list_merge_policies") or []]
        policies.sort(key=lambda p: (str(p.get("name") or ""), str(p["id"])))
        start, limit = _start(query), int_param(query, "limit", 20, minimum=1)
        page = policies[start : start + limit]
        following = _token(start + limit) if start + limit < len(policies) else ""
        if paging == "page":
            return {"_page": {"count": len(page), "next": following}, "children": page}
        href = f"@/mergePolicies?start={following}&orderBy=&limit={limit}" if following else ""
        return {
            "_page": {"totalCount": len(policies), "pageSize": len(page)},
            "children": page,
            "_links": {"next": {"href": href}},
        }

    def get_merge_policy(self, caller: Caller, policy_id: str) -> dict[str, Any]:
        policy: dict[str, Any] | None = self._read(caller, "get_merge_policy", policy_id)
        if policy is None:
            raise not_found(f"Merge policy '{policy_id}' was not found in sandbox '{caller.sandbox}'.")
        return self._policy_doc(caller, policy)

    @staticmethod
    def _policy_doc(caller: Caller, stored: dict[str, Any]) -> dict[str, Any]:
        """A stored policy with the keys of the guide's merge policy object, in its order.

        ``identityGraph`` is ``none`` unless the store says otherwise: the local store has no identity graph
        (each profile is one primary identity), which is what ``none`` means.
        """
        doc: dict[str, Any] = {"id": stored["id"]}
        if stored.get("name") is not None:
            doc["name"] = stored["name"]
        doc["imsOrgId"] = caller.org_id
        doc["schema"] = stored.get("schema") or {"name": PROFILE_SCHEMA_NAME}
        doc["version"] = stored.get("version", 1)
        doc["identityGraph"] = stored.get("identityGraph") or {"type": "none"}
        doc["attributeMerge"] = stored["attributeMerge"]
        doc["default"] = bool(stored.get("default", False))
        for optional in ("isActiveOnEdge", "updateEpoch"):
            if optional in stored:
                doc[optional] = stored[optional]
        return doc

    def list_segment_definitions(self, caller: Caller, query: Query) -> dict[str, Any]:
        """``{"segments": [...], "page": {...}, "link": {"next"}}`` as the Segmentation API answers."""
        definitions = self._read(caller, "list_segment_definitions") or []
        start, limit = int_param(query, "start", 0), int_param(query, "limit", 100, minimum=1)
        page = definitions[start : start + limit]
        more = start + limit < len(definitions)
        return {
            "segments": page,
            "page": {
                "totalCount": len(definitions),
                "totalPages": -(-len(definitions) // limit),
                "sortField": "creationTime",
                "sort": "desc",
                "pageSize": len(page),
                "limit": limit,
            },
            "link": {"next": f"/segment/definitions?start={start + limit}&limit={limit}" if more else ""},
        }

    def get_segment_definition(self, caller: Caller, segment_id: str) -> dict[str, Any]:
        definition: dict[str, Any] | None = self._read(caller, "get_segment_definition", segment_id)
        if definition is None:
            raise not_found(f"Segment definition '{segment_id}' was not found in sandbox '{caller.sandbox}'.")
        return definition
