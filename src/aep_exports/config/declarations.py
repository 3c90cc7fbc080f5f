"""What all files under ``exports/`` declare for one sandbox, with where each thing was declared."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from aep_exports.config.dataset_spec import DatasetSpec
from aep_exports.config.export_spec import ExportSpec
from aep_exports.config.moved import DeclaredMove, MovedEntry
from aep_exports.config.strict import StrictModel
from aep_exports.config.values import Key


class DeclarationsFile(StrictModel):
    """One file under ``exports/`` (the JSON Schema of ``schemas/exports.schema.json``)."""

    sandbox: str | None = Field(
        default=None,
        min_length=1,
        description="Pin this file to one sandbox; it is skipped when working on another.",
    )
    datasets: dict[Key, DatasetSpec] = Field(default_factory=dict)
    exports: dict[Key, ExportSpec] = Field(default_factory=dict)
    moved: tuple[MovedEntry, ...] = Field(
        default=(), description="Renamed keys whose state (watermark, runs, dataset id) follows them."
    )


@dataclass(frozen=True)
class SourceLocation:
    """Where a declaration starts: project-relative file (posix) and 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class DeclaredDataset:
    key: str
    spec: DatasetSpec
    source: SourceLocation


@dataclass(frozen=True)
class DeclaredExport:
    """An export; exactly one of ``dataset_key`` / ``dataset_id`` says where it writes.

    ``locations``: where the values the platform must know are written (``dataset``, ``mergePolicy.id``,
    ``filter.segments[0].segmentId``), so that an error about one points at its own line.
    """

    key: str
    spec: ExportSpec
    source: SourceLocation
    locations: Mapping[str, SourceLocation] = field(default_factory=dict)

    @property
    def dataset_key(self) -> str | None:
        """Key of the declared target dataset, or None when the export names a dataset id."""
        return None if self.spec.is_dataset_id else self.spec.dataset

    @property
    def dataset_id(self) -> str | None:
        """Platform id of an existing (undeclared) target dataset, or None."""
        return self.spec.dataset if self.spec.is_dataset_id else None


@dataclass(frozen=True)
class SkippedFile:
    """A file pinned to another sandbox."""

    file: str
    sandbox: str


@dataclass(frozen=True)
class Declarations:
    """The desired state for one sandbox: datasets and exports by key, in file order."""

    sandbox: str
    datasets: dict[str, DeclaredDataset] = field(default_factory=dict)
    exports: dict[str, DeclaredExport] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    skipped_files: tuple[SkippedFile, ...] = ()
    moved: tuple[DeclaredMove, ...] = ()

    def canonical(self) -> dict[str, Any]:
        """Every spec (and rename) as JSON-ready data, keys sorted: what ``digest`` hashes."""
        canonical: dict[str, Any] = {
            "datasets": {key: _dump(item.spec) for key, item in sorted(self.datasets.items())},
            "exports": {key: _dump(item.spec) for key, item in sorted(self.exports.items())},
        }
        if self.moved:  # only when used, so that digests of projects without renames stay as they were
            canonical["moved"] = sorted([m.kind, m.old, m.new] for m in self.moved)
        return canonical

    def digest(self) -> str:
        """sha256 of the canonical JSON of all specs; moving a declaration between files keeps it."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _dump(spec: DatasetSpec | ExportSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json", by_alias=True)
