"""Catalog: datasets and batches, per org and sandbox."""

from __future__ import annotations

from typing import Any

from aep_exports.platform import ids
from aep_exports.platform.backend.listing import Query, project, select
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.clock import Clock
from aep_exports.platform.errors import bad_request, not_found
from aep_exports.platform.persistence import Database, dumps, loads

PROFILE_UNION_SCHEMA = "https://ns.adobe.com/xdm/context/profile__union"
READ_ONLY = frozenset(
    {
        "id",
        "imsOrg",
        "created",
        "updated",
        "createdClient",
        "createdUser",
        "updatedUser",
        "version",
        "files",
        "lastBatchId",
        "lastBatchStatus",
        "viewId",
    }
)
DATASET_FILTERS = (
    "name",
    "description",
    "createdClient",
    "createdUser",
    "updatedUser",
    "version",
    "created",
    "updated",
    "state",
    "aspect",
)
BATCH_FILTERS = ("status", "createdClient", "createdUser", "created", "updated")
_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "description": str,
    "tags": dict,
    "schemaRef": dict,
    "fileDescription": dict,
    "aspect": str,
    "classification": dict,
    "state": str,
    "enableErrorDiagnostics": bool,
}


def dataset_ref(dataset_id: str) -> list[str]:
    """The ``["@/dataSets/<id>"]`` answer of create, update and delete."""
    return [f"@/dataSets/{dataset_id}"]


def _bump(version: str) -> str:
    major, minor, patch = ([*version.split("."), "0", "0"])[:3]
    try:
        return f"{int(major)}.{int(minor)}.{int(patch) + 1}"
    except ValueError:
        return "1.0.1"


def check_dataset_fields(body: Any, *, require_name: bool) -> dict[str, Any]:
    """The writable fields of a dataset body, with types checked; 400 naming the first bad one."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object describing the dataset.")
    if require_name and not (isinstance(body.get("name"), str) and body["name"].strip()):
        raise bad_request("'name' is required and must be a non-empty string.")
    for key, expected in _TYPES.items():
        if key in body and body[key] is not None and not isinstance(body[key], expected):
            raise bad_request(f"'{key}' has the wrong type.", field=key)
    tags = body.get("tags") or {}
    for name, values in tags.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise bad_request(f"'tags.{name}' must be an array of strings.", field=f"tags.{name}")
    return {k: v for k, v in body.items() if k not in READ_ONLY}


class CatalogBackend:
    """Datasets and batches as JSON documents in SQLite."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # ---------------------------------------------------------------- datasets

    def create_dataset(self, caller: Caller, body: Any) -> str:
        """Create a dataset and answer its id."""
        fields = check_dataset_fields(body, require_name=True)
        dataset_id, now = ids.dataset_id(), self._clock.now_ms()
        schema_id = str((fields.get("schemaRef") or {}).get("id", ""))
        doc: dict[str, Any] = {
            "name": fields["name"],
            "description": "",
            "imsOrg": caller.org_id,
            "created": now,
            "updated": now,
            "createdClient": caller.client_id,
            "createdUser": caller.user,
            "updatedUser": caller.user,
            "tags": {},
            "state": "DRAFT",
            "version": "1.0.0",
            "viewId": ids.dataset_id(),
            "files": f"@/dataSetFiles?dataSetId={dataset_id}",
            "lastBatchId": "",
            "lastBatchStatus": "inactive",
            "classification": {"dataBehavior": "time-series" if "experienceevent" in schema_id else "record"},
            "fileDescription": {},
            "aspect": "production",
            "observableSchema": {},
        }
        doc.update(fields)
        self._db.execute(
            "INSERT INTO datasets (org, sandbox, id, created_ms, doc) VALUES (?, ?, ?, ?, ?)",
            (caller.org_id, caller.sandbox, dataset_id, now, dumps(doc)),
        )
        return dataset_id

    def find_dataset(self, caller: Caller, dataset_id: str) -> dict[str, Any] | None:
        """The dataset document, or None when it is not in this org and sandbox."""
        row = self._db.query_one(
            "SELECT doc FROM datasets WHERE org = ? AND sandbox = ? AND id = ?",
            (caller.org_id, caller.sandbox, dataset_id),
        )
        return None if row is None else dict(loads(row[0]))

    def get_dataset(self, caller: Caller, dataset_id: str, query: Query | None = None) -> dict[str, Any]:
        """``{id: dataset}``; 404 when unknown here."""
        doc = self.find_dataset(caller, dataset_id)
        if doc is None:
            raise not_found(f"Dataset '{dataset_id}' was not found in sandbox '{caller.sandbox}'.")
        return {dataset_id: project(doc, query or {})}

    def list_datasets(self, caller: Caller, query: Query) -> dict[str, Any]:
        """Datasets keyed by id, filtered, ordered and paged."""
        rows = self._db.query(
            "SELECT id, doc FROM datasets WHERE org = ? AND sandbox = ? ORDER BY created_ms, id",
            (caller.org_id, caller.sandbox),
        )
        page = select([(str(rid), loads(doc)) for rid, doc in rows], query, simple_filters=DATASET_FILTERS)
        return {rid: project(doc, query) for rid, doc in page}

    def update_dataset(self, caller: Caller, dataset_id: str, body: Any, *, mode: str) -> list[str]:
        """PATCH (``merge`` JSON or ``json-patch``) or PUT (``replace``) a dataset."""
        doc = self.find_dataset(caller, dataset_id)
        if doc is None:
            raise not_found(f"Dataset '{dataset_id}' was not found in sandbox '{caller.sandbox}'.")
        if mode == "json-patch":
            changed = self._apply_json_patch(doc, body)
        else:
            fields = check_dataset_fields(body, require_name=mode == "replace")
            changed = (
                {k: v for k, v in doc.items() if k in READ_ONLY or k == "imsOrg"}
                if mode == "replace"
                else dict(doc)
            )
            changed.update(fields)
        changed.update({k: doc[k] for k in READ_ONLY if k in doc})
        changed.update(
            {
                "updated": self._clock.now_ms(),
                "updatedUser": caller.user,
                "version": _bump(str(doc.get("version", "1.0.0"))),
            }
        )
        self._db.execute(
            "UPDATE datasets SET doc = ? WHERE org = ? AND sandbox = ? AND id = ?",
            (dumps(changed), caller.org_id, caller.sandbox, dataset_id),
        )
        return dataset_ref(dataset_id)

    @staticmethod
    def _apply_json_patch(doc: dict[str, Any], body: Any) -> dict[str, Any]:
        import jsonpatch

        if not isinstance(body, list):
            raise bad_request("A JSON Patch body must be an array of operations (RFC 6902).")
        try:
            patched = jsonpatch.apply_patch(doc, body)
        except (
            jsonpatch.JsonPatchException,
            jsonpatch.JsonPointerException,
            TypeError,
            KeyError,
            ValueError,
        ) as exc:
            raise bad_request(f"The JSON Patch cannot be applied: {exc}.") from None
        check_dataset_fields(patched, require_name=True)
        return dict(patched)

    def delete_dataset(self, caller: Caller, dataset_id: str) -> list[str]:
        """Delete a dataset (its batches stay readable, as on the real platform)."""
        count = self._db.execute(
            "DELETE FROM datasets WHERE org = ? AND sandbox = ? AND id = ?",
            (caller.org_id, caller.sandbox, dataset_id),
        )
        if not count:
            raise not_found(f"Dataset '{dataset_id}' was not found in sandbox '{caller.sandbox}'.")
        return dataset_ref(dataset_id)

    # ---------------------------------------------------------------- batches

    def register_batch(
        self,
        caller: Caller,
        batch_id: str,
        dataset_id: str,
        *,
        record_count: int,
        size: int,
        started_ms: int,
        completed_ms: int,
    ) -> None:
        """Record a written batch of ``dataset_id`` and make it the dataset's last batch."""
        doc = {
            "imsOrg": caller.org_id,
            "created": started_ms,
            "updated": completed_ms,
            "createdClient": caller.client_id,
            "createdUser": caller.user,
            "updatedUser": caller.user,
            "status": "success",
            "started": started_ms,
            "completed": completed_ms,
            "relatedObjects": [{"type": "dataSet", "id": dataset_id}],
            "recordCount": record_count,
            "failedRecordCount": 0,
            "size": size,
            "version": "1.0.0",
            "errors": [],
            "inputFormat": {"format": "parquet"},
        }
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO batches (org, sandbox, id, dataset_id, created_ms, doc) VALUES (?,?,?,?,?,?)",
                (caller.org_id, caller.sandbox, batch_id, dataset_id, started_ms, dumps(doc)),
            )
            row = conn.execute(
                "SELECT doc FROM datasets WHERE org = ? AND sandbox = ? AND id = ?",
                (caller.org_id, caller.sandbox, dataset_id),
            ).fetchone()
            if row is not None:
                dataset = loads(row[0])
                dataset.update(
                    {"lastBatchId": batch_id, "lastBatchStatus": "success", "lastSuccessfulBatch": batch_id}
                )
                conn.execute(
                    "UPDATE datasets SET doc = ? WHERE org = ? AND sandbox = ? AND id = ?",
                    (dumps(dataset), caller.org_id, caller.sandbox, dataset_id),
                )

    def get_batch(self, caller: Caller, batch_id: str) -> dict[str, Any]:
        """``{id: batch}``; 404 when unknown here."""
        row = self._db.query_one(
            "SELECT doc FROM batches WHERE org = ? AND sandbox = ? AND id = ?",
            (caller.org_id, caller.sandbox, batch_id),
        )
        if row is None:
            raise not_found(f"Batch '{batch_id}' was not found in sandbox '{caller.sandbox}'.")
        return {batch_id: loads(row[0])}

    def list_batches(self, caller: Caller, query: Query) -> dict[str, Any]:
        """Batches keyed by id; ``dataSet=`` restricts them to one dataset."""
        sql = "SELECT id, doc FROM batches WHERE org = ? AND sandbox = ?"
        params: list[Any] = [caller.org_id, caller.sandbox]
        datasets = [value for value in query.get("dataSet", []) if value]
        if datasets:
            sql += f" AND dataset_id IN ({','.join('?' * len(datasets))})"
            params.extend(datasets)
        rows = self._db.query(sql + " ORDER BY created_ms, id", params)
        page = select([(str(rid), loads(doc)) for rid, doc in rows], query, simple_filters=BATCH_FILTERS)
        return {rid: project(doc, query) for rid, doc in page}
