"""Shared plumbing of the operation groups: one JSON call through the requester, in the bound sandbox."""

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
    sandbox: str

    async def _json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Any:
        reply = await self._req.call(
            Call(method, path, sandbox=self.sandbox, params=params, json_body=body, content_type=content_type)
        )
        return reply.json()
