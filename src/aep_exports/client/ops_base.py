"""Shared plumbing of the operation groups: one JSON call through the requester."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .requester import Call, Requester

CATALOG = "/data/foundation/catalog"
UPS = "/data/core/ups"
EXPORT = "/data/foundation/export"


def seg(value: str | int) -> str:
    """One path segment, escaped (ids come from users and from the server)."""
    return quote(str(value), safe="")


class OpsBase:
    _req: Requester

    async def _json(
        self,
        method: str,
        path: str,
        *,
        sandbox: str | None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Any:
        reply = await self._req.call(
            Call(method, path, sandbox=sandbox, params=params, json_body=body, content_type=content_type)
        )
        return reply.json()
