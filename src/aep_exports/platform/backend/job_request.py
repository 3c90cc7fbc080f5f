"""Validation of an export job request, the way the Profile service refuses bad ones (400, RFC 7807)."""

from __future__ import annotations

from typing import Any

from aep_exports.platform.clock import parse_instant_ms
from aep_exports.platform.engine.request import is_version
from aep_exports.platform.errors import PlatformError, bad_request

PROFILE_SCHEMA_NAME = "_xdm.context.profile"
SEGMENT_STATUSES = ("realized", "existing", "exited")
DEFAULT_STATUS = ["realized", "existing"]


def _object(body: dict[str, Any], path: str) -> dict[str, Any] | None:
    value: Any = body
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid(path, "must be an object")
    return value


def _invalid(path: str, problem: str) -> PlatformError:
    return bad_request(f"Invalid export job request: '{path}' {problem}.", field=path)


def _timestamp(container: dict[str, Any] | None, key: str, path: str) -> None:
    if container is None or container.get(key) is None:
        return
    value = container[key]
    try:
        if not isinstance(value, str):
            raise ValueError
        parse_instant_ms(value)
    except ValueError:
        raise _invalid(f"{path}.{key}", f"must be an RFC 3339 timestamp, got {value!r}") from None


def _segments(filter_: dict[str, Any] | None) -> None:
    segments = None if filter_ is None else filter_.get("segments")
    if segments is None:
        return
    if not isinstance(segments, list):
        raise _invalid("filter.segments", "must be an array")
    for index, segment in enumerate(segments):
        where = f"filter.segments[{index}]"
        if not isinstance(segment, dict):
            raise _invalid(where, "must be an object")
        if not isinstance(segment.get("segmentId"), str) or not segment["segmentId"]:
            raise _invalid(f"{where}.segmentId", "is required when filtering by segments")
        if segment.get("segmentNs") is not None and not isinstance(segment["segmentNs"], str):
            raise _invalid(f"{where}.segmentNs", "must be a string")
        status = segment.get("status")
        if status is not None and (
            not isinstance(status, list) or not status or any(s not in SEGMENT_STATUSES for s in status)
        ):
            raise _invalid(f"{where}.status", f"must be a non-empty array of {', '.join(SEGMENT_STATUSES)}")


def validate_job_request(body: Any) -> tuple[str, bool]:
    """Check the shape of a ``POST /export/jobs`` body; answer (target dataset id, segmentPerBatch)."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object describing the export job.")
    destination = _object(body, "destination")
    dataset_id = None if destination is None else destination.get("datasetId")
    if not isinstance(dataset_id, str) or not dataset_id.strip():
        raise _invalid("destination.datasetId", "is required")
    per_batch = destination.get("segmentPerBatch", False) if destination else False
    if not isinstance(per_batch, bool):
        raise _invalid("destination.segmentPerBatch", "must be a boolean")
    schema = _object(body, "schema")
    name = None if schema is None else schema.get("name")
    if not isinstance(name, str) or not name:
        raise _invalid("schema.name", "is required")
    if name != PROFILE_SCHEMA_NAME:
        raise _invalid("schema.name", f"must be '{PROFILE_SCHEMA_NAME}' for a profile export, got {name!r}")
    fields = body.get("fields")
    if fields is not None and not isinstance(fields, str):
        raise _invalid("fields", "must be a comma-separated string of dotted paths")
    policy = _object(body, "mergePolicy")
    if policy is not None:
        if not isinstance(policy.get("id"), str) or not policy["id"]:
            raise _invalid("mergePolicy.id", "is required when mergePolicy is given")
        version = policy.get("version")
        if version is not None and not is_version(version):
            # The spec types it as a number; versions count updates, so only whole numbers name one.
            raise _invalid("mergePolicy.version", f"must be a whole number (1, or 1.0), got {version!r}")
    filter_ = _object(body, "filter")
    _segments(filter_)
    _timestamp(filter_, "fromIngestTimestamp", "filter")
    window = _object(body, "filter.segmentQualificationTime")
    _timestamp(window, "startTime", "filter.segmentQualificationTime")
    _timestamp(window, "endTime", "filter.segmentQualificationTime")
    if (
        filter_ is not None
        and filter_.get("emptyProfiles") is not None
        and not isinstance(filter_["emptyProfiles"], bool)
    ):
        raise _invalid("filter.emptyProfiles", "must be a boolean")
    events = _object(body, "additionalFields.eventList")
    if events is not None:
        if events.get("fields") is not None and not isinstance(events["fields"], str):
            raise _invalid("additionalFields.eventList.fields", "must be a comma-separated string")
        event_filter = _object(body, "additionalFields.eventList.filter")
        _timestamp(event_filter, "fromIngestTimestamp", "additionalFields.eventList.filter")
        _timestamp(event_filter, "toIngestTimestamp", "additionalFields.eventList.filter")
    return dataset_id, per_batch


def requested_segments(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's segments with ``status`` defaulted, as ``destination.batches[]`` echoes them."""
    segments = (body.get("filter") or {}).get("segments") or []
    result = []
    for segment in segments:
        entry: dict[str, Any] = {"segmentId": segment["segmentId"]}
        if segment.get("segmentNs") is not None:
            entry["segmentNs"] = segment["segmentNs"]
        entry["status"] = list(segment.get("status") or DEFAULT_STATUS)
        result.append(entry)
    return result
