"""Catalog service routes, under ``/data/foundation/catalog``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from aep_exports.platform.http import docs
from aep_exports.platform.http.deps import BodyDep, CallerDep, PlatformDep, QueryDep, json_response

router = APIRouter(prefix="/data/foundation/catalog", tags=["Catalog"])

Limit = Annotated[int | None, Query(ge=1, description="Page size (default 20, at most 100)")]
Start = Annotated[int | None, Query(ge=0, description="Zero-based offset")]
Text = Annotated[str | None, Query()]


@router.post("/dataSets", status_code=201, openapi_extra=docs.body(docs.DATASET_BODY))
@router.post("/dataSets/", include_in_schema=False)
def create_dataset(
    platform: PlatformDep,
    caller: CallerDep,
    body: BodyDep,
    requestDataSource: Annotated[bool | None, Query()] = None,
) -> JSONResponse:
    dataset_id = platform.catalog.create_dataset(caller, body)
    return json_response(
        [f"@/dataSets/{dataset_id}"], 201, {"Location": f"/data/foundation/catalog/dataSets/{dataset_id}"}
    )


@router.get("/dataSets")
@router.get("/dataSets/", include_in_schema=False)
async def list_datasets(
    platform: PlatformDep,
    caller: CallerDep,
    query: QueryDep,
    limit: Limit = None,
    start: Start = None,
    orderBy: Text = None,
    properties: Text = None,
    name: Text = None,
    property: Text = None,
) -> JSONResponse:
    return json_response(platform.catalog.list_datasets(caller, query))


@router.get("/dataSets/{dataset_id}")
async def get_dataset(
    dataset_id: str, platform: PlatformDep, caller: CallerDep, query: QueryDep, properties: Text = None
) -> JSONResponse:
    return json_response(platform.catalog.get_dataset(caller, dataset_id, query))


@router.patch("/dataSets/{dataset_id}", openapi_extra=docs.body(docs.DATASET_BODY, patch=True))
def patch_dataset(
    dataset_id: str, request: Request, platform: PlatformDep, caller: CallerDep, body: BodyDep
) -> JSONResponse:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    mode = "json-patch" if content_type == "application/json-patch+json" else "merge"
    return json_response(platform.catalog.update_dataset(caller, dataset_id, body, mode=mode))


@router.put("/dataSets/{dataset_id}", openapi_extra=docs.body(docs.DATASET_BODY))
def replace_dataset(dataset_id: str, platform: PlatformDep, caller: CallerDep, body: BodyDep) -> JSONResponse:
    return json_response(platform.catalog.update_dataset(caller, dataset_id, body, mode="replace"))


@router.delete("/dataSets/{dataset_id}")
def delete_dataset(dataset_id: str, platform: PlatformDep, caller: CallerDep) -> JSONResponse:
    return json_response(platform.catalog.delete_dataset(caller, dataset_id))


@router.get("/batches")
@router.get("/batches/", include_in_schema=False)
async def list_batches(
    platform: PlatformDep,
    caller: CallerDep,
    query: QueryDep,
    limit: Limit = None,
    start: Start = None,
    dataSet: Text = None,
    orderBy: Text = None,
) -> JSONResponse:
    return json_response(platform.catalog.list_batches(caller, query))


@router.get("/batches/{batch_id}")
async def get_batch(batch_id: str, platform: PlatformDep, caller: CallerDep) -> JSONResponse:
    return json_response(platform.catalog.get_batch(caller, batch_id))
