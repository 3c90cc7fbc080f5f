"""Data Access routes under ``/data/foundation/export``: batch files, file listings, bytes with ranges.

File bytes are served by Starlette's ``FileResponse``, which implements HTTP ranges (206, suffix
ranges, ``If-Range``, 416 with ``Content-Range: bytes */size``) rather than code of our own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from aep_exports.platform.http.deps import CallerDep, PlatformDep, QueryDep, json_response

router = APIRouter(prefix="/data/foundation/export", tags=["Data Access"])


@router.get("/batches/{batch_id}/files")
def batch_files(
    batch_id: str,
    request: Request,
    platform: PlatformDep,
    caller: CallerDep,
    query: QueryDep,
    start: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> JSONResponse:
    return json_response(platform.data_access.batch_files(caller, batch_id, str(request.base_url), query))


@router.get("/files/{file_id}", response_model=None)
def get_file(
    file_id: str,
    request: Request,
    platform: PlatformDep,
    caller: CallerDep,
    path: Annotated[str | None, Query(description="A file name from the listing: download it")] = None,
) -> JSONResponse | FileResponse:
    if path is None:
        return json_response(platform.data_access.file_listing(caller, file_id, str(request.base_url)))
    part = platform.data_access.file_part(caller, file_id, path)
    return FileResponse(part.path, media_type="application/octet-stream", filename=Path(path).name)
