"""A declared export: the body of ``POST /data/core/ups/export/jobs`` plus the reconciler's keys.

The API's own camelCase names are kept so a user can paste a body from the API docs; only
``destination.datasetId`` is replaced by ``dataset`` (a declared dataset key or an existing id).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StrictInt,
    WithJsonSchema,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from aep_exports.config.policies import (
    DEFAULT_TIMEZONE,
    ExpectSpec,
    Labels,
    RetrySpec,
    TimeZoneName,
    without_default_policies,
)
from aep_exports.config.problems import did_you_mean, short_repr
from aep_exports.config.strict import StrictModel
from aep_exports.config.values import (
    DATASET_ID_PATTERN,
    KEY_PATTERN,
    MANUAL,
    SCHEDULE_KEYWORDS,
    Duration,
    FieldList,
    FreeText,
    Identifier,
    NonEmptyText,
    Schedule,
    Timestamp,
    format_timestamp,
)

PROFILE_SCHEMA_NAME = "_xdm.context.profile"
SEGMENT_STATUSES = ("realized", "existing", "exited")
SegmentStatus = Literal["realized", "existing", "exited"]


def _status_list(value: Any) -> Any:
    # The API takes an array; a lone string is accepted and checked here so its error has no index.
    if isinstance(value, str):
        if value not in SEGMENT_STATUSES:
            raise PydanticCustomError(
                "status",
                "{value} is not one of {choices}{hint}",
                {
                    "value": short_repr(value),
                    "choices": ", ".join(SEGMENT_STATUSES),
                    "hint": did_you_mean(value, SEGMENT_STATUSES),
                },
            )
        return [value]
    return value


StatusList = Annotated[
    tuple[SegmentStatus, ...],
    BeforeValidator(_status_list),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": list(SEGMENT_STATUSES)},
                {"type": "array", "items": {"type": "string", "enum": list(SEGMENT_STATUSES)}, "minItems": 1},
            ]
        }
    ),
]


def _at(kind: str, message: str, at: str) -> PydanticCustomError:
    """An error of a whole model that belongs to one of its fields (``at``: dotted sub-path)."""
    return PydanticCustomError(kind, message, {"at": at})


class MergePolicyRef(StrictModel):
    id: Identifier
    version: StrictInt | None = Field(default=None, ge=1, description="Omitted: the latest version.")


class SegmentFilter(StrictModel):
    segmentId: Identifier
    segmentNs: Identifier | None = Field(default=None, description="Namespace, e.g. ups or AAM.")
    status: StatusList | None = Field(
        default=None, description="Omitted: realized and existing (everyone in the segment)."
    )

    @model_validator(mode="after")
    def _unique_statuses(self) -> SegmentFilter:
        if self.status is not None and not self.status:
            raise _at("status", "give at least one status, or leave the key out", "status")
        if self.status is not None and len(set(self.status)) != len(self.status):
            raise _at("status", "a status is listed twice", "status")
        return self


class QualificationTime(StrictModel):
    startTime: Timestamp | None = None
    endTime: Timestamp | None = None

    @model_validator(mode="after")
    def _ordered(self) -> QualificationTime:
        if self.startTime is None and self.endTime is None:
            raise PydanticCustomError("time_range", "give startTime, endTime or both")
        if self.startTime is not None and self.endTime is not None and self.startTime >= self.endTime:
            raise _at("time_range", "startTime must be before endTime", "startTime")
        return self


class ExportFilter(StrictModel):
    segments: tuple[SegmentFilter, ...] | None = Field(default=None, description="Omitted: every profile.")
    segmentQualificationTime: QualificationTime | None = None
    fromIngestTimestamp: Timestamp | None = None
    emptyProfiles: StrictBool | None = None

    @model_validator(mode="after")
    def _unique_segments(self) -> ExportFilter:
        if self.segments is not None and not self.segments:
            raise _at(
                "segments", "give at least one segment, or leave the key out to export everyone", "segments"
            )
        seen: set[tuple[str, str | None]] = set()
        for index, segment in enumerate(self.segments or ()):
            key = (segment.segmentId, segment.segmentNs)
            if key in seen:
                raise _at("segments", f"segment '{segment.segmentId}' is listed twice", f"segments.{index}")
            seen.add(key)
        return self


class EventFilter(StrictModel):
    fromIngestTimestamp: Timestamp | None = None
    toIngestTimestamp: Timestamp | None = None

    @model_validator(mode="after")
    def _ordered(self) -> EventFilter:
        start, end = self.fromIngestTimestamp, self.toIngestTimestamp
        if start is not None and end is not None and start >= end:
            raise _at(
                "time_range", "fromIngestTimestamp must be before toIngestTimestamp", "fromIngestTimestamp"
            )
        return self


class EventList(StrictModel):
    fields: FieldList | None = None
    filter: EventFilter | None = None


class AdditionalFields(StrictModel):
    eventList: EventList


class Destination(StrictModel):
    segmentPerBatch: StrictBool | None = Field(default=None, description="true: one batch per segment.")

    @model_validator(mode="before")
    @classmethod
    def _no_dataset_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("datasetId" in data or "dataSetId" in data):
            raise _at(
                "dataset_id",
                "set the export's `dataset:` key instead of destination.datasetId "
                "(a declared dataset key or an existing dataset id)",
                "datasetId",
            )
        return data


class ExportSchema(StrictModel):
    name: NonEmptyText = PROFILE_SCHEMA_NAME


def check_dataset_ref(value: str) -> str:
    """A declared dataset key, or something shaped like a platform dataset id."""
    if re.match(KEY_PATTERN, value) or re.match(DATASET_ID_PATTERN, value):
        return value
    raise PydanticCustomError(
        "dataset_ref",
        "{value} is neither a dataset key (lowercase, e.g. 'vip-target') "
        "nor a dataset id (24 hexadecimal characters)",
        {"value": short_repr(value)},
    )


DatasetRef = Annotated[
    str,
    AfterValidator(check_dataset_ref),
    WithJsonSchema({"type": "string", "anyOf": [{"pattern": KEY_PATTERN}, {"pattern": DATASET_ID_PATTERN}]}),
]


class ExportSpec(StrictModel):
    """One recurring (or manual) profile export into a dataset."""

    description: FreeText | None = None
    dataset: DatasetRef = Field(description="Key of a declared dataset, or the id of an existing one.")
    schedule: Schedule
    incremental: StrictBool = Field(
        default=False, description="Export only profiles updated since the last successful run."
    )
    timeout: Duration | None = Field(default=None, description="Cancel a run still unfinished after this.")
    enabled: StrictBool = True
    timezone: TimeZoneName = Field(
        default=DEFAULT_TIMEZONE, description="IANA time zone the schedule's wall-clock times are in."
    )
    retry: RetrySpec | None = Field(default=None, description="Retry a FAILED run within its slot.")
    expect: ExpectSpec | None = Field(default=None, description="Rows, duration and lag of a healthy run.")
    labels: Labels = Field(default_factory=dict, description="{name: value}, for --select name=value.")
    fields: FieldList | None = Field(default=None, description="Omitted: all fields.")
    mergePolicy: MergePolicyRef | None = None
    filter: ExportFilter | None = None
    additionalFields: AdditionalFields | None = None
    destination: Destination | None = None
    schema_: ExportSchema = Field(default_factory=ExportSchema, alias="schema")

    @model_validator(mode="after")
    def _checks(self) -> ExportSpec:
        if self.incremental and self.filter is not None and self.filter.fromIngestTimestamp is not None:
            raise _at(
                "incremental",
                "incremental exports compute fromIngestTimestamp from the last successful "
                "run; remove the fixed value or set incremental: false",
                "filter.fromIngestTimestamp",
            )
        return self

    @model_serializer(mode="wrap")
    def _stored_form(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The operating keys at their default are left out, so state recorded before they existed
        # (and declarations that do not use them) compare equal to what is declared now.
        dumped: dict[str, Any] = handler(self)
        return without_default_policies(dumped)

    @property
    def is_dataset_id(self) -> bool:
        """True when ``dataset`` is shaped like a platform id (24 hexadecimal characters, which may also
        read as a key: ``e33591c204b5e7b03672a84b``) rather than a declaration key."""
        return re.match(DATASET_ID_PATTERN, self.dataset) is not None

    def cron_expression(self) -> str | None:
        """The schedule as 5 cron fields (read in ``timezone``), or None for ``manual``."""
        if self.schedule == MANUAL:
            return None
        return SCHEDULE_KEYWORDS.get(self.schedule, self.schedule)

    def run_timeout(self) -> timedelta | None:
        """How long a run may take before it is cancelled (None: no limit)."""
        return self.timeout

    def request_body(self, dataset_id: str, from_ingest_timestamp: datetime | None = None) -> dict[str, Any]:
        """The exact JSON body of ``POST /data/core/ups/export/jobs``.

        ``from_ingest_timestamp`` (an incremental run's watermark) replaces ``filter.fromIngestTimestamp``.
        Only keys the user set are sent, plus the required ``destination.datasetId`` and ``schema``.
        """
        body: dict[str, Any] = {}
        if self.fields is not None:
            body["fields"] = ",".join(self.fields)
        if self.mergePolicy is not None:
            body["mergePolicy"] = self.mergePolicy.model_dump(exclude_none=True)
        filter_body = self._filter_body(from_ingest_timestamp)
        if filter_body:
            body["filter"] = filter_body
        if self.additionalFields is not None:
            body["additionalFields"] = {"eventList": _event_list_body(self.additionalFields.eventList)}
        destination: dict[str, Any] = {"datasetId": dataset_id}
        if self.destination is not None and self.destination.segmentPerBatch is not None:
            destination["segmentPerBatch"] = self.destination.segmentPerBatch
        body["destination"] = destination
        body["schema"] = {"name": self.schema_.name}
        return body

    def _filter_body(self, from_ingest_timestamp: datetime | None) -> dict[str, Any]:
        spec = self.filter
        body: dict[str, Any] = {}
        if spec is not None and spec.segments is not None:
            body["segments"] = [
                segment.model_dump(exclude_none=True, mode="json") for segment in spec.segments
            ]
        if spec is not None and spec.segmentQualificationTime is not None:
            window = spec.segmentQualificationTime
            body["segmentQualificationTime"] = {
                name: format_timestamp(value)
                for name, value in (("startTime", window.startTime), ("endTime", window.endTime))
                if value is not None
            }
        since = from_ingest_timestamp or (spec.fromIngestTimestamp if spec is not None else None)
        if since is not None:
            body["fromIngestTimestamp"] = format_timestamp(since)
        if spec is not None and spec.emptyProfiles is not None:
            body["emptyProfiles"] = spec.emptyProfiles
        return body


def _event_list_body(events: EventList) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if events.fields is not None:
        body["fields"] = ",".join(events.fields)
    if events.filter is not None:
        window = {
            name: format_timestamp(value)
            for name, value in (
                ("fromIngestTimestamp", events.filter.fromIngestTimestamp),
                ("toIngestTimestamp", events.filter.toIngestTimestamp),
            )
            if value is not None
        }
        if window:
            body["filter"] = window
    return body
