"""Shared plumbing of the operation groups: one JSON call through the requester, in the bound sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from .records import RecordProblem, RecordProblems, salvage
from .requester import Call, Requester

CATALOG = "/data/foundation/catalog"
UPS = "/data/core/ups"
EXPORT = "/data/foundation/export"


def seg(value: str | int) -> str:
    """One path segment, escaped (ids come from users and from the server)."""
    return quote(str(value), safe="")


M = TypeVar("M", bound=BaseModel)


class OpsBase:
    _req: Requester
    _problems: RecordProblems
    sandbox: str

    def record_problems(self, *, clear: bool = False) -> tuple[RecordProblem, ...]:
        """Every record this client skipped or read only in part, oldest first (``clear``: forget them)."""
        return self._problems.snapshot(clear=clear)

    async def get_json(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        """GET any API ``path`` (in the bound sandbox) and answer its JSON as the platform sent it.

        Read-only; for looking at the shape of answers (``doctor``), never for records to act on.
        """
        return await self._json("GET", path, params=params)

    def _read_all(
        self, model: type[M], items: list[Any], *, kind: str, essential: tuple[str, ...] = ("id",)
    ) -> list[M]:
        """Parse records of a listing; one that cannot be read is reported and left out."""
        out: list[M] = []
        for item in items:
            parsed, problems = salvage(model, item, kind=kind, essential=essential)
            self._problems.add(problems)
            if parsed is not None:
                out.append(parsed)
        return out

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
