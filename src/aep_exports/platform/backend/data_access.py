"""Data Access: the files of a written batch, their listing, and their bytes (with byte ranges)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aep_exports.platform.backend.listing import Query, int_param
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.errors import not_found
from aep_exports.platform.persistence import Database, loads

EXPORT_BASE = "data/foundation/export"


@dataclass(frozen=True)
class FilePart:
    """One downloadable file: its absolute path and size."""

    path: Path
    length: int


class DataAccessBackend:
    """Reads the ``batch_files`` table the job lifecycle fills, and the files under the data directory."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self._db = db
        self._data_dir = data_dir.resolve()

    def batch_files(self, caller: Caller, batch_id: str, base_url: str, query: Query) -> dict[str, Any]:
        """``GET /batches/{id}/files``: the dataSetFiles of a batch."""
        exists = self._db.query_one(
            "SELECT 1 FROM batches WHERE org = ? AND sandbox = ? AND id = ?",
            (caller.org_id, caller.sandbox, batch_id),
        )
        if exists is None:
            raise not_found(f"Batch '{batch_id}' was not found in sandbox '{caller.sandbox}'.")
        rows = self._db.query(
            "SELECT id, doc FROM batch_files WHERE org = ? AND sandbox = ? AND batch_id = ? ORDER BY id",
            (caller.org_id, caller.sandbox, batch_id),
        )
        start = int_param(query, "start", 0)
        limit = min(int_param(query, "limit", 100, minimum=1), 100)
        data = []
        for file_id, text in rows[start : start + limit]:
            doc = loads(text)
            data.append(
                {
                    "dataSetFileId": file_id,
                    "dataSetViewId": doc["viewId"],
                    "version": "1.0.0",
                    "created": str(doc["created"]),
                    "updated": str(doc["updated"]),
                    "isValid": True,
                    "records": str(doc["records"]),
                    "size": str(sum(p["length"] for p in doc["parts"])),
                    "_links": {"self": {"href": f"{base_url}{EXPORT_BASE}/files/{file_id}"}},
                }
            )
        return {"data": data, "_page": {"limit": limit, "count": len(data)}}

    def file_listing(self, caller: Caller, file_id: str, base_url: str) -> dict[str, Any]:
        """``GET /files/{id}``: the parts of one dataSetFile, each with its download link."""
        doc = self._file_doc(caller, file_id)
        data = [
            {
                "name": part["name"],
                "length": str(part["length"]),
                "_links": {"self": {"href": f"{base_url}{EXPORT_BASE}/files/{file_id}?path={part['name']}"}},
            }
            for part in doc["parts"]
        ]
        return {"data": data, "_page": {"limit": 100, "count": len(data)}}

    def file_part(self, caller: Caller, file_id: str, name: str) -> FilePart:
        """``GET /files/{id}?path=NAME``: where the bytes are."""
        doc = self._file_doc(caller, file_id)
        for part in doc["parts"]:
            if part["name"] == name:
                path = (self._data_dir / part["path"]).resolve()
                if not path.is_relative_to(self._data_dir) or not path.is_file():
                    break
                return FilePart(path, path.stat().st_size)
        raise not_found(f"File '{name}' was not found in dataSetFile '{file_id}'.")

    def _file_doc(self, caller: Caller, file_id: str) -> dict[str, Any]:
        row = self._db.query_one(
            "SELECT doc FROM batch_files WHERE org = ? AND sandbox = ? AND id = ?",
            (caller.org_id, caller.sandbox, file_id),
        )
        if row is None:
            raise not_found(f"dataSetFile '{file_id}' was not found in sandbox '{caller.sandbox}'.")
        doc: dict[str, Any] = loads(row[0])
        return doc
