"""Merge policies and segment definitions, read from the profile store of the caller's org and sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aep_exports.platform.backend.exporter import slug
from aep_exports.platform.backend.listing import Query, int_param
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.errors import not_found

STORE_FILE = "store.duckdb"


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

    def list_merge_policies(self, caller: Caller, query: Query) -> dict[str, Any]:
        """``{"_page": {"count", "next"}, "children": [...]}`` as the Profile API answers."""
        policies = self._read(caller, "list_merge_policies") or []
        start, limit = int_param(query, "start", 0), int_param(query, "limit", 20, minimum=1)
        page = policies[start : start + limit]
        more = start + limit < len(policies)
        return {"_page": {"count": len(page), "next": str(start + limit) if more else ""}, "children": page}

    def get_merge_policy(self, caller: Caller, policy_id: str) -> dict[str, Any]:
        policy: dict[str, Any] | None = self._read(caller, "get_merge_policy", policy_id)
        if policy is None:
            raise not_found(f"Merge policy '{policy_id}' was not found in sandbox '{caller.sandbox}'.")
        return policy

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
