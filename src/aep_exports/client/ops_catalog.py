"""Catalog: datasets (create/get/list/patch/delete) and batches."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aep_exports.errors import ApiError

from .models import Batch, Dataset, parse_dataset_refs, parse_keyed
from .ops_base import CATALOG, OpsBase, seg

DATASET_PAGE_MAX = 100
# Bound on pages read by one listing, so a server that ignores `start` cannot loop us forever.
MAX_PAGES = 10_000


def _malformed(method: str, path: str, what: str) -> ApiError:
    return ApiError(f"{method} {path}: unexpected answer ({what})", method=method, path=path)


class CatalogOps(OpsBase):
    async def create_dataset(self, body: Mapping[str, Any]) -> str:
        """POST /dataSets; returns the new dataset id (from ``["@/dataSets/<id>"]``)."""
        path = f"{CATALOG}/dataSets"
        answer = await self._json("POST", path, body=dict(body))
        ids = parse_dataset_refs(answer)
        if not ids:
            raise _malformed("POST", path, "no dataset reference")
        return ids[0]

    async def get_dataset(self, dataset_id: str) -> Dataset:
        path = f"{CATALOG}/dataSets/{seg(dataset_id)}"
        answer = await self._json("GET", path)
        pairs = parse_keyed(answer)
        for key, obj in pairs:
            if key == dataset_id:
                return Dataset.model_validate({**obj, "id": key})
        if pairs:
            key, obj = pairs[0]
            return Dataset.model_validate({**obj, "id": key})
        raise _malformed("GET", path, "no dataset object")

    async def list_datasets(
        self,
        *,
        name: str | None = None,
        filters: Mapping[str, str] | None = None,
        properties: list[str] | None = None,
        order_by: str | None = None,
        page_size: int = DATASET_PAGE_MAX,
        limit: int | None = None,
    ) -> list[Dataset]:
        """Every dataset matching the filters, paging with start/limit (page size ≤ 100)."""
        size = max(1, min(page_size, DATASET_PAGE_MAX))
        base: dict[str, Any] = dict(filters or {})
        if name is not None:
            base["name"] = name
        if properties:
            base["properties"] = ",".join(properties)
        if order_by:
            base["orderBy"] = order_by
        out: list[Dataset] = []
        seen: set[str] = set()
        start = 0
        for _ in range(MAX_PAGES):
            answer = await self._json(
                "GET", f"{CATALOG}/dataSets", params={**base, "start": start, "limit": size}
            )
            pairs = parse_keyed(answer)
            fresh = [(k, v) for k, v in pairs if k not in seen]
            seen.update(key for key, _ in fresh)
            out.extend(self._read_all(Dataset, [{**obj, "id": key} for key, obj in fresh], kind="dataset"))
            if limit is not None and len(out) >= limit:
                return out[:limit]
            if len(pairs) < size or not fresh:
                break
            start += len(pairs)
        return out

    async def patch_dataset(
        self, dataset_id: str, changes: Mapping[str, Any]
    ) -> None:
        """PATCH /dataSets/{id} with partial JSON (top-level fields replaced)."""
        await self._json(
            "PATCH", f"{CATALOG}/dataSets/{seg(dataset_id)}", body=dict(changes)
        )

    async def patch_dataset_ops(
        self, dataset_id: str, operations: list[dict[str, Any]]
    ) -> None:
        """PATCH /dataSets/{id} with RFC 6902 JSON-Patch operations."""
        await self._json(
            "PATCH",
            f"{CATALOG}/dataSets/{seg(dataset_id)}",
            body=list(operations),
            content_type="application/json-patch+json",
        )

    async def delete_dataset(self, dataset_id: str) -> None:
        await self._json("DELETE", f"{CATALOG}/dataSets/{seg(dataset_id)}")

    async def list_batches(
        self, dataset_id: str | None = None, *, limit: int = 100
    ) -> list[Batch]:
        """GET /batches?dataSet=<id> (one page of up to ``limit``)."""
        params: dict[str, Any] = {"limit": limit}
        if dataset_id is not None:
            params["dataSet"] = dataset_id
        answer = await self._json("GET", f"{CATALOG}/batches", params=params)
        items = [{**obj, "id": obj.get("id", key)} for key, obj in parse_keyed(answer)]
        return self._read_all(Batch, items, kind="batch")

    async def get_batch(self, batch_id: str) -> Batch:
        path = f"{CATALOG}/batches/{seg(batch_id)}"
        answer = await self._json("GET", path)
        if isinstance(answer, dict) and answer.get("id") == batch_id:
            return Batch.model_validate(answer)
        for key, obj in parse_keyed(answer):
            if key == batch_id:
                return Batch.model_validate({**obj, "id": key})
        raise _malformed("GET", path, "no batch object")
