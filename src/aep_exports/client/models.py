"""Typed wire models of the platform's answers.

Models accept whatever the server adds (``extra="allow"``), leave out what it omits, and read every
documented inconsistency: ``datasetId``/``dataSetId``; ``batchId``, ``batches`` as the seed's array or
the spec's object; a batch ``status`` as an array or a string; merge policy versions as ``1`` or ``1.0``;
epoch seconds vs milliseconds. Python names are snake_case; ``model_dump(by_alias=True)`` gives the wire
spelling back. A record that cannot be parsed at all is handled by ``records.salvage``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PrivateAttr, field_validator

# Epoch values below this are seconds (one spec sentence says seconds; the examples are milliseconds).
_SECONDS_CUTOFF = 100_000_000_000

ACTIVE_STATUSES = frozenset({"NEW", "PROCESSING"})
SUCCEEDED = "SUCCEEDED"


def version_number(value: Any) -> Any:
    """A merge policy version as the spec's number: ``1.0`` reads as ``1`` (other values pass through)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def status_list(value: Any) -> Any:
    """A segment status filter: an array, or one status as a bare string (a guide's sample has one)."""
    return [value] if isinstance(value, str) else value


def epoch_to_datetime(value: int | float | None) -> datetime | None:
    """Epoch milliseconds (or seconds, if the number is too small to be ms) → aware UTC datetime."""
    if value is None:
        return None
    seconds = value if abs(value) < _SECONDS_CUTOFF else value / 1000.0
    return datetime.fromtimestamp(seconds, tz=UTC)


class WireModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object as the platform spells it."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


# ---------------------------------------------------------------- datasets and batches


class SchemaRef(WireModel):
    id: str | None = None
    content_type: str | None = Field(None, alias="contentType")


class Dataset(WireModel):
    """A Catalog dataset. ``id`` comes from the key of the ``{id: {...}}`` answer."""

    id: str
    name: str | None = None
    description: str | None = None
    tags: dict[str, list[str]] = Field(default_factory=dict)
    schema_ref: SchemaRef | None = Field(None, alias="schemaRef")
    file_description: dict[str, Any] = Field(default_factory=dict, alias="fileDescription")
    aspect: str | None = None
    state: str | None = None
    version: str | None = None
    ims_org: str | None = Field(None, alias="imsOrg")
    classification: dict[str, Any] = Field(default_factory=dict)
    created: int | None = None
    updated: int | None = None
    last_batch_id: str | None = Field(None, alias="lastBatchId")
    last_batch_status: str | None = Field(None, alias="lastBatchStatus")

    @field_validator("tags", "classification", "file_description", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def created_at(self) -> datetime | None:
        return epoch_to_datetime(self.created)

    @property
    def updated_at(self) -> datetime | None:
        return epoch_to_datetime(self.updated)


class RelatedObject(WireModel):
    type: str | None = None
    id: str | None = None


class Batch(WireModel):
    """A Catalog batch (``GET /batches/{id}`` or one entry of ``GET /batches?dataSet=``)."""

    id: str
    status: str | None = None
    related_objects: list[RelatedObject] = Field(default_factory=list, alias="relatedObjects")
    created: int | None = None
    updated: int | None = None
    record_count: int | None = Field(None, alias="recordCount")

    @property
    def dataset_id(self) -> str | None:
        for obj in self.related_objects:
            if (obj.type or "").lower() == "dataset":
                return obj.id
        return None

    @property
    def created_at(self) -> datetime | None:
        return epoch_to_datetime(self.created)


# ---------------------------------------------------------------- data access


def _href(links: dict[str, Any]) -> str | None:
    self_link = links.get("self")
    if isinstance(self_link, dict):
        href = self_link.get("href")
        return href if isinstance(href, str) else None
    return None


class BatchFile(WireModel):
    """One dataset file of a batch (``GET /export/batches/{id}/files``)."""

    data_set_file_id: str = Field(alias="dataSetFileId")
    data_set_view_id: str | None = Field(None, alias="dataSetViewId")
    version: str | None = None
    created: str | int | None = None
    updated: str | int | None = None
    is_valid: bool | None = Field(None, alias="isValid")
    links: dict[str, Any] = Field(default_factory=dict, alias="_links")

    @property
    def file_id(self) -> str:
        return self.data_set_file_id

    @property
    def href(self) -> str | None:
        return _href(self.links)


class FileEntry(WireModel):
    """One physical file inside a dataset file (``GET /export/files/{id}``)."""

    name: str
    length: int | None = None
    links: dict[str, Any] = Field(default_factory=dict, alias="_links")

    @field_validator("length", mode="before")
    @classmethod
    def _length_as_int(cls, value: Any) -> Any:
        if isinstance(value, str):
            return int(value) if value.strip().isdigit() else None
        return value

    @property
    def href(self) -> str | None:
        return _href(self.links)


# ---------------------------------------------------------------- references


class MergePolicy(WireModel):
    id: str
    name: str | None = None
    version: int | float | None = None
    xdm_schema: dict[str, Any] | None = Field(None, alias="schema")
    attribute_merge: dict[str, Any] = Field(default_factory=dict, alias="attributeMerge")
    is_default: bool | None = Field(None, alias="default")

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        return version_number(value)

    @field_validator("attribute_merge", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def schema_name(self) -> str | None:
        name = (self.xdm_schema or {}).get("name")
        return name if isinstance(name, str) else None


class SegmentDefinition(WireModel):
    id: str
    name: str | None = None
    description: str | None = None
    namespace: str | None = None
    merge_policy_id: str | None = Field(None, alias="mergePolicyId")
    expression: Any = None


# ---------------------------------------------------------------- export jobs


class MergePolicyRef(WireModel):
    id: str | None = None
    version: int | float | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        return version_number(value)


class SegmentSelector(WireModel):
    segment_id: str = Field(alias="segmentId")
    segment_ns: str | None = Field(None, alias="segmentNs")
    status: list[str] | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return status_list(value)


class TimeWindow(WireModel):
    start_time: str | None = Field(None, alias="startTime")
    end_time: str | None = Field(None, alias="endTime")


class JobFilter(WireModel):
    segments: list[SegmentSelector] = Field(default_factory=list)

    @field_validator("segments", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    segment_qualification_time: TimeWindow | None = Field(None, alias="segmentQualificationTime")
    from_ingest_timestamp: str | None = Field(None, alias="fromIngestTimestamp")
    empty_profiles: bool | None = Field(None, alias="emptyProfiles")


class DestinationBatch(WireModel):
    segment_id: str | None = Field(None, alias="segmentId")
    segment_ns: str | None = Field(None, alias="segmentNs")
    status: list[str] | None = None
    batch_id: str | None = Field(None, alias="batchId")

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return status_list(value)


class Destination(WireModel):
    dataset_id: str | None = Field(
        None,
        validation_alias=AliasChoices("datasetId", "dataSetId", "dataset_id"),
        serialization_alias="datasetId",
    )
    segment_per_batch: bool | None = Field(None, alias="segmentPerBatch")
    batch_id: str | None = Field(None, alias="batchId")
    batches: list[DestinationBatch] = Field(default_factory=list)

    @field_validator("batches", mode="before")
    @classmethod
    def _batches_list(cls, value: Any) -> Any:
        """The seed's array; the spec's object (one batch); or an object of such objects."""
        if value is None:
            return []
        if isinstance(value, dict):
            if any(key in value for key in ("batchId", "segmentId")):
                return [value]
            return list(value.values())
        return value


class JobError(WireModel):
    code: str | None = None
    msg: str | None = None
    call_stack: str | None = Field(None, alias="callStack")


class ExportJob(WireModel):
    """An export job as read back. Any status other than NEW/PROCESSING means finished."""

    id: int
    status: str = "NEW"
    job_type: str | None = Field(None, alias="jobType")
    fields: str | None = None
    filter: JobFilter | None = None
    additional_fields: dict[str, Any] | None = Field(None, alias="additionalFields")
    merge_policy: MergePolicyRef | None = Field(None, alias="mergePolicy")
    xdm_schema: dict[str, Any] | None = Field(None, alias="schema")
    destination: Destination = Field(default_factory=Destination)
    errors: list[JobError] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    compute_gateway_job_id: dict[str, Any] | None = Field(None, alias="computeGatewayJobId")
    request_id: str | None = Field(None, alias="requestId")
    ims_org_id: str | None = Field(None, alias="imsOrgId")
    profile_instance_id: str | None = Field(None, alias="profileInstanceId")
    creation_time: int | None = Field(None, alias="creationTime")
    update_time: int | None = Field(None, alias="updateTime")
    # The x-request-id the client sent with the create call that answered this job (not on the wire).
    _sent_request_id: str | None = PrivateAttr(default=None)

    @field_validator("id", mode="before")
    @classmethod
    def _id_number(cls, value: Any) -> Any:
        if isinstance(value, bool):  # JSON true/false is no job id (pydantic would read it as 1/0)
            raise ValueError("a job id is a number")
        return value

    @field_validator("errors", mode="before")
    @classmethod
    def _errors_list(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("metrics", mode="before")
    @classmethod
    def _metrics_dict(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("destination", mode="before")
    @classmethod
    def _destination_obj(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def dataset_id(self) -> str | None:
        return self.destination.dataset_id

    @property
    def sent_request_id(self) -> str | None:
        """The ``x-request-id`` of the create call this job answered (None for a job read back)."""
        return self._sent_request_id

    def echoes(self, request_id: str | None) -> bool:
        """Whether the platform's ``requestId`` is ``request_id`` (only platforms that echo it say so)."""
        return request_id is not None and self.request_id == request_id

    @property
    def batch_ids(self) -> list[str]:
        """Every non-empty batch id written (``batchId`` or ``batches[].batchId``)."""
        ids = [self.destination.batch_id] if self.destination.batch_id else []
        ids.extend(b.batch_id for b in self.destination.batches if b.batch_id)
        return ids

    @property
    def schema_name(self) -> str | None:
        name = (self.xdm_schema or {}).get("name")
        return name if isinstance(name, str) else None

    @property
    def created_at(self) -> datetime | None:
        return epoch_to_datetime(self.creation_time)

    @property
    def updated_at(self) -> datetime | None:
        return epoch_to_datetime(self.update_time)

    @property
    def is_finished(self) -> bool:
        return self.status.upper() not in ACTIVE_STATUSES

    @property
    def succeeded(self) -> bool:
        return self.status.upper() == SUCCEEDED


def dataset_id_from_ref(ref: str) -> str:
    """``@/dataSets/<id>`` or ``@/datasets/<id>`` → ``<id>``."""
    return ref.rstrip("/").rsplit("/", 1)[-1]


def parse_dataset_refs(body: Any) -> list[str]:
    """The ``["@/dataSets/<id>"]`` answer of create/patch/delete → ids (tolerates a bare string)."""
    if isinstance(body, str):
        body = [body]
    if not isinstance(body, list):
        return []
    return [dataset_id_from_ref(item) for item in body if isinstance(item, str) and item]


def parse_keyed(body: Any) -> list[tuple[str, dict[str, Any]]]:
    """Catalog answers ``{id: {...}}``; return ``(id, object)`` pairs in order."""
    if not isinstance(body, dict):
        return []
    return [(key, value) for key, value in body.items() if isinstance(value, dict)]
