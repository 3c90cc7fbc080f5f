"""Profile references a plan checks: merge policies and segment definitions."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from .jsonshapes import items_of, next_page_params
from .models import MergePolicy, SegmentDefinition
from .ops_base import UPS, OpsBase, seg

M = TypeVar("M", bound=BaseModel)
MAX_PAGES = 1_000


class ReferenceOps(OpsBase):
    async def _list_all(self, path: str, model: type[M], page_size: int, kind: str) -> list[M]:
        """Every page, following ``_links.next.href``, ``link.next`` or ``_page.next``."""
        out: list[M] = []
        seen: set[str] = set()
        params: dict[str, Any] = {"limit": page_size}
        for _ in range(MAX_PAGES):
            answer = await self._json("GET", path, params=params)
            fresh = [item for item in items_of(answer) if str(item.get("id")) not in seen]
            seen.update(str(item.get("id")) for item in fresh)
            out.extend(self._read_all(model, fresh, kind=kind))
            following = next_page_params(answer)
            if not fresh or following is None:
                break
            params = {"limit": page_size, **following}
        return out

    async def list_merge_policies(
        self, *, page_size: int = 100
    ) -> list[MergePolicy]:
        return await self._list_all(f"{UPS}/config/mergePolicies", MergePolicy, page_size, "merge policy")

    async def get_merge_policy(self, policy_id: str) -> MergePolicy:
        answer = await self._json("GET", f"{UPS}/config/mergePolicies/{seg(policy_id)}")
        return MergePolicy.model_validate(answer)

    async def list_segment_definitions(
        self, *, page_size: int = 100
    ) -> list[SegmentDefinition]:
        return await self._list_all(
            f"{UPS}/segment/definitions", SegmentDefinition, page_size, "segment definition"
        )

    async def get_segment_definition(
        self, segment_id: str
    ) -> SegmentDefinition:
        answer = await self._json("GET", f"{UPS}/segment/definitions/{seg(segment_id)}")
        return SegmentDefinition.model_validate(answer)
