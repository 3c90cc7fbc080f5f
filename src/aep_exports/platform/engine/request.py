"""The export job body (camelCase wire JSON) parsed into what the engine needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aep_exports.platform.engine.outcome import (
    INVALID_REQUEST,
    SCHEMA_NOT_SUPPORTED,
    ExportFailed,
    SegmentKey,
)

PROFILE_SCHEMA = "_xdm.context.profile"
DEFAULT_STATUS = ["realized", "existing"]
# ``filter.segments[].segmentNs`` when omitted (segmentation.yaml, Filter: 'By default, the value is "ups"').
DEFAULT_SEGMENT_NS = "ups"
STATUSES = ("realized", "existing", "exited")

Path = tuple[str, ...]


@dataclass(frozen=True)
class EventListSpec:
    """``additionalFields.eventList``: which event fields, and the ingest-time window (from, to]."""

    fields: list[Path] | None
    from_ingest: datetime | None
    to_ingest: datetime | None


@dataclass(frozen=True)
class ExportSpec:
    """A validated export request."""

    fields: list[Path] | None
    policy_id: str | None
    policy_version: int | None
    segments: list[SegmentKey]
    qual_start: datetime | None
    qual_end: datetime | None
    from_ingest: datetime | None
    empty_profiles: bool
    event_list: EventListSpec | None
    segment_per_batch: bool


def is_version(value: Any) -> bool:
    """Whether ``value`` names a merge policy version: a whole JSON number (``1`` and ``1.0`` alike).

    The spec types ``mergePolicy.version`` as a number; versions count updates of a policy, so only whole
    numbers can name one. Request validation and the engine both use this rule.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return float(value).is_integer() and value >= 0


def fail(msg: str) -> ExportFailed:
    """An ``INVALID_REQUEST`` failure."""
    return ExportFailed(INVALID_REQUEST, msg)


def parse_time(value: Any, what: str) -> datetime | None:
    """An optional RFC 3339 string as a naive UTC datetime."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(f"{what} must be an RFC 3339 timestamp string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{what} is not an RFC 3339 timestamp: {value!r}") from None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def parse_fields(value: Any, what: str) -> list[Path] | None:
    """Comma-separated dotted paths (a list of strings is accepted too); None or "" = every field."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise fail(f"{what} must be a comma-separated string of dotted paths")
    paths: list[Path] = []
    for item in items:
        parts = tuple(part.strip() for part in item.strip().split("."))
        if parts == ("",):
            continue
        if any(not part for part in parts):
            raise fail(f"{what}: {item.strip()!r} is not a dotted path")
        paths.append(parts)
    return paths or None


def _object(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(f"{what} must be an object")
    return value


def _segments(raw: Any) -> list[SegmentKey]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise fail("filter.segments must be an array")
    keys = []
    for index, entry in enumerate(raw):
        where = f"filter.segments[{index}]"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("segmentId"), str)
            or not entry["segmentId"]
        ):
            raise fail(f"{where}.segmentId is required")
        namespace = entry.get("segmentNs")
        if namespace is not None and not isinstance(namespace, str):
            raise fail(f"{where}.segmentNs must be a string")
        status = entry.get("status", list(DEFAULT_STATUS))
        # An empty array selects nobody and is not the documented default: the service refuses it.
        if not isinstance(status, list) or not status or any(s not in STATUSES for s in status):
            raise fail(f"{where}.status must be a non-empty array of {', '.join(STATUSES)}")
        keys.append(SegmentKey(entry["segmentId"], namespace or None, list(dict.fromkeys(status))))
    return keys


def _policy(raw: Any) -> tuple[str | None, int | None]:
    policy = _object(raw, "mergePolicy")
    if not policy:
        return None, None
    policy_id, version = policy.get("id"), policy.get("version")
    if not isinstance(policy_id, str) or not policy_id:
        raise fail("mergePolicy.id is required when mergePolicy is given")
    if version is None:
        return policy_id, None
    if not is_version(version):
        raise fail("mergePolicy.version must be a whole number")
    return policy_id, int(version)


def _event_list(additional: dict[str, Any]) -> EventListSpec | None:
    if "eventList" not in additional:
        return None
    event_list = _object(additional["eventList"], "additionalFields.eventList")
    event_filter = _object(event_list.get("filter"), "additionalFields.eventList.filter")
    return EventListSpec(
        fields=parse_fields(event_list.get("fields"), "additionalFields.eventList.fields"),
        from_ingest=parse_time(
            event_filter.get("fromIngestTimestamp"), "additionalFields.eventList.filter.fromIngestTimestamp"
        ),
        to_ingest=parse_time(
            event_filter.get("toIngestTimestamp"), "additionalFields.eventList.filter.toIngestTimestamp"
        ),
    )


def parse_request(request: Any) -> ExportSpec:
    """Validate the POSTed job body; raise ``ExportFailed`` naming the first problem."""
    if not isinstance(request, dict):
        raise fail("the export request must be a JSON object")
    schema_name = _object(request.get("schema"), "schema").get("name", PROFILE_SCHEMA)
    if schema_name != PROFILE_SCHEMA:
        raise ExportFailed(
            SCHEMA_NOT_SUPPORTED, f"schema.name {schema_name!r} is not supported; use {PROFILE_SCHEMA!r}"
        )
    filters = _object(request.get("filter"), "filter")
    window = _object(filters.get("segmentQualificationTime"), "filter.segmentQualificationTime")
    empty = filters.get("emptyProfiles", False)
    if not isinstance(empty, bool):
        raise fail("filter.emptyProfiles must be true or false")
    per_batch = _object(request.get("destination"), "destination").get("segmentPerBatch", False)
    if not isinstance(per_batch, bool):
        raise fail("destination.segmentPerBatch must be true or false")
    policy_id, policy_version = _policy(request.get("mergePolicy"))
    return ExportSpec(
        fields=parse_fields(request.get("fields"), "fields"),
        policy_id=policy_id,
        policy_version=policy_version,
        segments=_segments(filters.get("segments")),
        qual_start=parse_time(window.get("startTime"), "filter.segmentQualificationTime.startTime"),
        qual_end=parse_time(window.get("endTime"), "filter.segmentQualificationTime.endTime"),
        from_ingest=parse_time(filters.get("fromIngestTimestamp"), "filter.fromIngestTimestamp"),
        empty_profiles=empty,
        event_list=_event_list(_object(request.get("additionalFields"), "additionalFields")),
        segment_per_batch=per_batch,
    )
