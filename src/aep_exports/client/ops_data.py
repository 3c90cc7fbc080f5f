"""Data Access: the files of an exported batch, and resumable downloads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .jsonshapes import items_of, next_page_params
from .models import BatchFile, FileEntry
from .ops_base import EXPORT, OpsBase, seg
from .requester import Call, Reply

PART_SUFFIX = ".part"
MAX_PAGES = 1_000
_CONTENT_RANGE_TOTAL = re.compile(r"/\s*(\d+)\s*$")


@dataclass(frozen=True)
class DownloadResult:
    """Where the file landed, how many bytes this call transferred, and whether it resumed a partial one."""

    path: Path
    bytes_written: int
    size: int
    resumed: bool


class DataAccessOps(OpsBase):
    async def _list_data(self, path: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 100}
        for _ in range(MAX_PAGES):
            answer = await self._json("GET", path, params=params)
            items = items_of(answer)
            out.extend(items)
            following = next_page_params(answer)
            if not items or following is None:
                break
            params = {"limit": 100, **following}
        return out

    async def list_batch_files(self, batch_id: str) -> list[BatchFile]:
        """GET /export/batches/{id}/files: the dataset files of a batch."""
        items = await self._list_data(f"{EXPORT}/batches/{seg(batch_id)}/files")
        return self._read_all(BatchFile, items, kind="batch file", essential=("dataSetFileId",))

    async def list_file_entries(self, file_id: str) -> list[FileEntry]:
        """GET /export/files/{id}: the physical files (name, length) of one dataset file."""
        items = await self._list_data(f"{EXPORT}/files/{seg(file_id)}")
        return self._read_all(FileEntry, items, kind="file", essential=("name",))

    async def download_file(
        self,
        file_id: str,
        name: str,
        dest: Path,
        *,
        expected_size: int | None = None,
    ) -> DownloadResult:
        """Stream ``?path=<name>`` of a dataset file to ``dest``.

        Bytes go to ``dest.part`` first; a leftover ``.part`` (an earlier interrupted run, or a connection
        that broke mid-transfer) is resumed with ``Range``. ``dest`` appears only once complete.
        """
        dest = Path(dest)
        part = dest.with_name(dest.name + PART_SUFFIX)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if expected_size is not None and dest.exists() and dest.stat().st_size == expected_size:
            return DownloadResult(dest, 0, expected_size, resumed=False)
        initial = part.stat().st_size if part.exists() else 0
        state = {"written": 0}

        def range_header() -> dict[str, str]:
            have = part.stat().st_size if part.exists() else 0
            return {"range": f"bytes={have}-", "accept": "*/*"} if have else {"accept": "*/*"}

        async def stream(request: httpx.Request) -> Reply:
            return await self._stream_into(request, part, state)

        call = Call(
            "GET",
            f"{EXPORT}/files/{seg(file_id)}",
            sandbox=self.sandbox,
            params={"path": name},
            headers_hook=range_header,
            ok_statuses=frozenset({200, 206, 416}),
        )
        reply = await self._req.call(call, stream)
        if reply.status == 416:
            total = _total_from_content_range(reply.headers.get("content-range"))
            have = part.stat().st_size if part.exists() else 0
            if total is None or have != total:
                # The partial file does not fit the remote one: start over once, from byte 0.
                part.unlink(missing_ok=True)
                reply = await self._req.call(call, stream)
        part.replace(dest)
        size = dest.stat().st_size
        return DownloadResult(dest, state["written"], size, resumed=initial > 0)

    async def _stream_into(self, request: httpx.Request, part: Path, state: dict[str, int]) -> Reply:
        http = self._req.http
        response = await http.send(request, stream=True)
        try:
            status = response.status_code
            if status not in (200, 206):
                content = await response.aread()
                self._req.counters.add("bytes_in", len(content))
                return Reply(status, dict(response.headers), content)
            mode = "ab" if status == 206 else "wb"
            with part.open(mode) as handle:
                async for chunk in response.aiter_bytes():
                    handle.write(chunk)
                    state["written"] += len(chunk)
                    self._req.counters.add("bytes_in", len(chunk))
            return Reply(status, dict(response.headers), b"")
        finally:
            await response.aclose()


def _total_from_content_range(value: str | None) -> int | None:
    match = _CONTENT_RANGE_TOTAL.search(value or "")
    return int(match.group(1)) if match else None
