"""The planner's view of the declarations: plain frozen records, independent of the YAML models.

:func:`desired_from_declarations` is the one place that reads :mod:`aep_exports.config`; tests and
the benchmark build these records directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aep_exports.plan.actions import digest_of

if TYPE_CHECKING:
    from aep_exports.config.declarations import Declarations

BodyBuilder = Callable[[str, datetime | None], dict[str, Any]]
"""``(destination dataset id, fromIngestTimestamp or None) -> POST /export/jobs body``."""


@dataclass(frozen=True)
class DesiredDataset:
    """A declared dataset: the POST /dataSets body and the reconciler's own flags."""

    key: str
    body: dict[str, Any]
    spec: dict[str, Any]
    spec_digest: str
    protect: bool = False
    location: str | None = None


@dataclass(frozen=True)
class DesiredExport:
    """A declared recurring export job."""

    key: str
    schedule: str | None  # cron, @hourly/@daily/@weekly, or None/'manual'
    build_body: BodyBuilder
    spec: dict[str, Any]
    spec_digest: str
    dataset_key: str | None = None  # a declared dataset's key ...
    dataset_id: str | None = None  # ... or an existing dataset id
    incremental: bool = False
    enabled: bool = True
    timeout: timedelta | None = None
    merge_policy_id: str | None = None
    segment_ids: tuple[str, ...] = ()
    location: str | None = None
    locations: dict[str, str] = field(default_factory=dict)  # field path -> file:line


@dataclass(frozen=True)
class Desired:
    """Every declaration for one sandbox."""

    datasets: dict[str, DesiredDataset] = field(default_factory=dict)
    exports: dict[str, DesiredExport] = field(default_factory=dict)
    digest: str = ""
    skipped_files: tuple[str, ...] = ()


def _dataset_spec(body: dict[str, Any], protect: bool) -> dict[str, Any]:
    return {"body": body, "protect": protect}


def desired_dataset(
    key: str, body: dict[str, Any], *, protect: bool = False, location: str | None = None
) -> DesiredDataset:
    """A DesiredDataset whose recorded spec and digest follow from its body."""
    spec = _dataset_spec(body, protect)
    return DesiredDataset(
        key=key, body=body, spec=spec, spec_digest=digest_of(spec), protect=protect, location=location
    )


def desired_from_declarations(declarations: Declarations) -> Desired:
    """The planner's view of loaded declarations (the one place that reads the config models)."""
    datasets = {
        key: desired_dataset(
            key, item.spec.request_body(), protect=item.spec.protect, location=str(item.source)
        )
        for key, item in declarations.datasets.items()
    }
    exports: dict[str, DesiredExport] = {}
    for key, item in declarations.exports.items():
        spec = item.spec
        dumped = spec.model_dump(mode="json", by_alias=True)
        segments = tuple(s.segmentId for s in (spec.filter.segments or ())) if spec.filter else ()
        exports[key] = DesiredExport(
            key=key,
            schedule=spec.cron_expression(),
            build_body=spec.request_body,
            spec=dumped,
            spec_digest=digest_of(dumped),
            dataset_key=item.dataset_key,
            dataset_id=item.dataset_id,
            incremental=spec.incremental,
            enabled=spec.enabled,
            timeout=spec.run_timeout(),
            merge_policy_id=spec.mergePolicy.id if spec.mergePolicy else None,
            segment_ids=segments,
            location=str(item.source),
        )
    skipped = tuple(f"{s.file} (pinned to sandbox {s.sandbox})" for s in declarations.skipped_files)
    return Desired(datasets=datasets, exports=exports, digest=declarations.digest(), skipped_files=skipped)
