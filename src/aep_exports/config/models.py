"""The declaration models, in one import place.

- ``DatasetSpec`` (``config/dataset_spec.py``): body of ``POST /dataSets`` + ``protect``;
  ``spec.request_body()`` is the exact JSON to send.
- ``ExportSpec`` (``config/export_spec.py``): body of ``POST /export/jobs`` + ``dataset``,
  ``schedule``, ``incremental``, ``timeout``, ``enabled``, ``description``;
  ``spec.request_body(dataset_id, from_ingest_timestamp)`` is the exact JSON to send,
  ``spec.cron_expression()`` the schedule as cron (None for manual).
- ``Declarations`` (``config/declarations.py``): ``datasets``/``exports`` by key with their
  ``source`` location, ``skipped_files``, ``digest()``.
All are frozen; build them with ``aep_exports.config.loader.load_declarations``.
"""

from __future__ import annotations

from aep_exports.config.dataset_spec import (
    PROFILE_UNION_SCHEMA,
    XED_CONTENT_TYPE,
    DatasetSpec,
    FileDescription,
    SchemaRef,
)
from aep_exports.config.declarations import (
    Declarations,
    DeclarationsFile,
    DeclaredDataset,
    DeclaredExport,
    SkippedFile,
    SourceLocation,
)
from aep_exports.config.durations import format_duration
from aep_exports.config.export_spec import (
    PROFILE_SCHEMA_NAME,
    SEGMENT_STATUSES,
    AdditionalFields,
    Destination,
    EventFilter,
    EventList,
    ExportFilter,
    ExportSchema,
    ExportSpec,
    MergePolicyRef,
    QualificationTime,
    SegmentFilter,
)
from aep_exports.config.values import MANUAL, SCHEDULE_KEYWORDS, format_timestamp

__all__ = [
    "MANUAL",
    "PROFILE_SCHEMA_NAME",
    "PROFILE_UNION_SCHEMA",
    "SCHEDULE_KEYWORDS",
    "SEGMENT_STATUSES",
    "XED_CONTENT_TYPE",
    "AdditionalFields",
    "DatasetSpec",
    "Declarations",
    "DeclarationsFile",
    "DeclaredDataset",
    "DeclaredExport",
    "Destination",
    "EventFilter",
    "EventList",
    "ExportFilter",
    "ExportSchema",
    "ExportSpec",
    "FileDescription",
    "MergePolicyRef",
    "QualificationTime",
    "SchemaRef",
    "SegmentFilter",
    "SkippedFile",
    "SourceLocation",
    "format_duration",
    "format_timestamp",
]
