"""Data Access routes under ``/data/foundation/export``: batch files, file listings, bytes with ranges."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from aep_exports.platform.backend.data_access import parse_range
from aep_exports.platform.http.deps import CallerDep, PlatformDep, QueryDep, json_response

router = APIRouter(prefix="/data/foundation/export", tags=["Data Access"])
CHUNK = 256 * 1024


def _read(path: Path, first: int, last: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


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
    range_: Annotated[str | None, Header(alias="Range")] = None,
) -> JSONResponse | StreamingResponse:
    if path is None:
        return json_response(platform.data_access.file_listing(caller, file_id, str(request.base_url)))
    part = platform.data_access.file_part(caller, file_id, path)
    headers = {"Accept-Ranges": "bytes", "Content-Disposition": f'attachment; filename="{Path(path).name}"'}
    if range_ and part.length:
        first, last = parse_range(range_, part.length)
        headers.update(
            {"Content-Range": f"bytes {first}-{last}/{part.length}", "Content-Length": str(last - first + 1)}
        )
        return StreamingResponse(_read(part.path, first, last), 206, headers, "application/octet-stream")
    headers["Content-Length"] = str(part.length)
    return StreamingResponse(_read(part.path, 0, part.length - 1), 200, headers, "application/octet-stream")
