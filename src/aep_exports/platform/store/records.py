"""The JSON-lines load format: one record per line, validated into plain tuples.

Every line is a JSON object with a ``type``:

* ``fragment``: ``identity {id, namespace}``, ``datasetId``, ``ingestTime`` (RFC 3339, optional:
  load time), ``data`` (the XDM attributes, a JSON object);
* ``event``: ``identity``, ``timestamp`` (event time), ``ingestTime`` (optional), ``data``;
* ``membership``: ``identity``, ``segmentId``, ``segmentNs`` (optional, ``ups``), ``status``
  (``realized|existing|exited``), ``lastQualificationTime`` (optional);
* ``segment``: a segment definition (``id``, ``name`` required; ``namespace``, ``mergePolicyId``,
  ``expression``, ... kept as given);
* ``mergePolicy``: ``id``, ``attributeMerge {type: timestampOrdered|dataSetPrecedence, order?}``
  required; ``name``, ``version`` (default 1), ``schema``, ``default`` optional.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

STATUSES = ("realized", "existing", "exited")
MERGE_TYPES = ("timestampOrdered", "dataSetPrecedence")
RESERVED_FIELDS = ("identityMap", "eventList")  # output columns the engine derives itself
PROFILE_SCHEMA = "_xdm.context.profile"


class BadRecord(ValueError):
    """One line is invalid; the message names the problem (the caller adds the line number)."""


class Identity(NamedTuple):
    id: str
    namespace: str


class Fragment(NamedTuple):
    identity: Identity
    dataset_id: str
    ingest_ts: datetime
    data: dict[str, Any]


class Event(NamedTuple):
    identity: Identity
    ts: datetime
    ingest_ts: datetime
    data: dict[str, Any]


class Membership(NamedTuple):
    identity: Identity
    segment_id: str
    segment_ns: str
    status: str
    qual_ts: datetime | None


Record = Fragment | Event | Membership | dict[str, Any]
KEYS = {
    "fragment": {"type", "identity", "datasetId", "ingestTime", "data"},
    "event": {"type", "identity", "timestamp", "ingestTime", "data"},
    "membership": {"type", "identity", "segmentId", "segmentNs", "status", "lastQualificationTime"},
}


def parse_time(value: Any, what: str) -> datetime:
    """An RFC 3339 string as a naive UTC datetime."""
    if not isinstance(value, str):
        raise BadRecord(f"{what} must be an RFC 3339 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRecord(f"{what} is not an RFC 3339 timestamp: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def normalise(value: Any) -> Any:
    """Drop null values and empty objects: an absent attribute and a null one mean the same."""
    if isinstance(value, dict):
        cleaned = {key: normalise(child) for key, child in value.items()}
        return {key: child for key, child in cleaned.items() if child is not None and child != {}}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    return value


def _text(record: dict[str, Any], key: str, *, default: str | None = None) -> str:
    value = record.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise BadRecord(f"{key} must be a non-empty string")
    return value


def _identity(record: dict[str, Any]) -> Identity:
    identity = record.get("identity")
    if not isinstance(identity, dict):
        raise BadRecord("identity must be an object {id, namespace}")
    namespace = identity.get("namespace")
    if isinstance(namespace, dict):  # XDM style {"code": "Email"}
        namespace = namespace.get("code")
    if not isinstance(identity.get("id"), str) or not identity["id"]:
        raise BadRecord("identity.id must be a non-empty string")
    if not isinstance(namespace, str) or not namespace:
        raise BadRecord("identity.namespace must be a non-empty string")
    return Identity(identity["id"], namespace)


def _data(record: dict[str, Any]) -> dict[str, Any]:
    data = record.get("data", {})
    if not isinstance(data, dict):
        raise BadRecord("data must be a JSON object")
    reserved = [key for key in RESERVED_FIELDS if key in data]
    if reserved:
        raise BadRecord(f"data.{reserved[0]} is reserved (the export derives it)")
    result: dict[str, Any] = normalise(data)
    return result


def _check_keys(record: dict[str, Any], kind: str) -> None:
    unknown = sorted(set(record) - KEYS[kind])
    if unknown:
        raise BadRecord(
            f"unknown key {unknown[0]!r} in a {kind} record (allowed: {', '.join(sorted(KEYS[kind]))})"
        )


def parse_record(record: Any, now: datetime) -> Record:
    """Validate one decoded line; ``now`` is the default ingest time."""
    if not isinstance(record, dict):
        raise BadRecord("a line must be a JSON object")
    kind = record.get("type")
    if kind == "fragment":
        _check_keys(record, kind)
        ingest = parse_time(record["ingestTime"], "ingestTime") if "ingestTime" in record else now
        return Fragment(_identity(record), _text(record, "datasetId"), ingest, _data(record))
    if kind == "event":
        _check_keys(record, kind)
        if "timestamp" not in record:
            raise BadRecord("an event needs a timestamp")
        ts = parse_time(record["timestamp"], "timestamp")
        ingest = parse_time(record["ingestTime"], "ingestTime") if "ingestTime" in record else now
        return Event(_identity(record), ts, ingest, _data(record))
    if kind == "membership":
        _check_keys(record, kind)
        status = record.get("status")
        if status not in STATUSES:
            raise BadRecord(f"status must be one of {', '.join(STATUSES)}")
        qual = record.get("lastQualificationTime")
        return Membership(
            _identity(record),
            _text(record, "segmentId"),
            _text(record, "segmentNs", default="ups"),
            str(status),
            None if qual is None else parse_time(qual, "lastQualificationTime"),
        )
    if kind == "segment":
        return _segment(record)
    if kind == "mergePolicy":
        return _merge_policy(record)
    raise BadRecord("type must be one of fragment, event, membership, segment, mergePolicy")


def _segment(record: dict[str, Any]) -> dict[str, Any]:
    doc = {key: value for key, value in record.items() if key != "type"}
    _text(doc, "id")
    _text(doc, "name")
    doc.setdefault("namespace", "ups")
    doc.setdefault("mergePolicyId", None)
    doc.setdefault("expression", {"type": "PQL", "format": "pql/text", "value": "true"})
    doc.setdefault("schema", {"name": PROFILE_SCHEMA})
    if doc["mergePolicyId"] is not None and not isinstance(doc["mergePolicyId"], str):
        raise BadRecord("mergePolicyId must be a string")
    return {"type": "segment", **doc}


def _merge_policy(record: dict[str, Any]) -> dict[str, Any]:
    doc = {key: value for key, value in record.items() if key != "type"}
    _text(doc, "id")
    merge = doc.get("attributeMerge")
    if not isinstance(merge, dict) or merge.get("type") not in MERGE_TYPES:
        raise BadRecord(f"attributeMerge.type must be one of {', '.join(MERGE_TYPES)}")
    if merge["type"] == "dataSetPrecedence":
        order = merge.get("order")
        if not isinstance(order, list) or not all(isinstance(item, str) for item in order):
            raise BadRecord("attributeMerge.order must be a list of dataset ids for dataSetPrecedence")
    version = doc.setdefault("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BadRecord("version must be a positive integer")
    doc.setdefault("name", doc["id"])
    doc.setdefault("schema", {"name": PROFILE_SCHEMA})
    doc.setdefault("default", False)
    if not isinstance(doc["default"], bool):
        raise BadRecord("default must be true or false")
    return {"type": "mergePolicy", **doc}
