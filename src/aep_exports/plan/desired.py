"""The planner's view of the declarations: plain frozen records, independent of the YAML models.

:func:`desired_from_declarations` is the one place that reads :mod:`aep_exports.config`; tests and
the benchmark build these records directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from aep_exports.plan.actions import digest_of
from aep_exports.plan.expectations import Expectations
from aep_exports.plan.windows import format_instant
from aep_exports.state.model import AppliedDataset

if TYPE_CHECKING:
    from aep_exports.config.declarations import Declarations

# Where a key the template lacks goes, so that a built body reads like a declared one.
_BEFORE_FILTER = ("additionalFields", "destination", "schema")
_BEFORE_WINDOW = ("emptyProfiles",)


@dataclass(frozen=True)
class DesiredDataset:
    """A declared dataset: the POST /dataSets body and the reconciler's own flags."""

    key: str
    body: dict[str, Any]
    spec: AppliedDataset
    spec_digest: str
    protect: bool = False
    location: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RetryPolicy:
    """``retry:``: a FAILED run is tried again ``attempts`` times at most, ``delay`` after it ended."""

    attempts: int
    delay: timedelta


@dataclass(frozen=True)
class DesiredExport:
    """A declared recurring export job."""

    key: str
    schedule: str | None  # cron, @hourly/@daily/@weekly, or None/'manual'
    request_template: dict[str, Any]  # the POST /export/jobs body as declared (any destination id)
    spec: dict[str, Any]
    spec_digest: str
    dataset_key: str | None = None  # a declared dataset's key ...
    dataset_id: str | None = None  # ... or an existing dataset id
    incremental: bool = False
    enabled: bool = True
    timeout: timedelta | None = None
    merge_policy_id: str | None = None
    merge_policy_version: int | None = None  # None: the latest
    segment_ids: tuple[str, ...] = ()
    location: str | None = None
    locations: dict[str, str] = field(default_factory=dict)  # field path -> file:line
    timezone: str = "UTC"  # IANA name the schedule reads in
    retry: RetryPolicy | None = None
    expect: Expectations | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def build_body(self, dataset_id: str, since: datetime | None) -> dict[str, Any]:
        """The body of one run: the template writing into ``dataset_id``, from ``since`` when given.

        ``since`` (an incremental run's window start) replaces ``filter.fromIngestTimestamp``.
        """
        template = self.request_template
        destination = {**template.get("destination", {}), "datasetId": dataset_id}
        body = _with(template, "destination", destination, before=())
        if since is not None:
            window = _with(template.get("filter", {}), "fromIngestTimestamp", format_instant(since),
                           before=_BEFORE_WINDOW)
            body = _with(body, "filter", window, before=_BEFORE_FILTER)
        return body


def _with(mapping: dict[str, Any], key: str, value: Any, *, before: tuple[str, ...]) -> dict[str, Any]:
    """``mapping`` with ``key`` set: in its place if present, else before the first of ``before``."""
    if key in mapping:
        return {k: (value if k == key else v) for k, v in mapping.items()}
    out: dict[str, Any] = {}
    for k, v in mapping.items():
        if k in before and key not in out:
            out[key] = value
        out[k] = v
    out.setdefault(key, value)
    return out


@dataclass(frozen=True)
class DesiredMove:
    """A declared rename (``moved:``): the state of ``old`` becomes the state of ``new``."""

    resource: Literal["dataset", "export"]
    old: str
    new: str
    location: str | None = None


@dataclass(frozen=True)
class Desired:
    """Every declaration for one sandbox."""

    datasets: dict[str, DesiredDataset] = field(default_factory=dict)
    exports: dict[str, DesiredExport] = field(default_factory=dict)
    digest: str = ""
    skipped_files: tuple[str, ...] = ()
    moves: tuple[DesiredMove, ...] = ()


def desired_dataset(
    key: str,
    body: dict[str, Any],
    *,
    protect: bool = False,
    location: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> DesiredDataset:
    """A DesiredDataset whose recorded spec and digest follow from its body."""
    spec = AppliedDataset(body=body, protect=protect)
    return DesiredDataset(
        key=key,
        body=body,
        spec=spec,
        spec_digest=digest_of(spec.model_dump(mode="json")),
        protect=protect,
        location=location,
        labels=dict(labels or {}),
    )


def desired_from_declarations(declarations: Declarations) -> Desired:
    """The planner's view of loaded declarations (the one place that reads the config models)."""
    datasets = {
        key: desired_dataset(
            key,
            item.spec.request_body(),
            protect=item.spec.protect,
            location=str(item.source),
            labels=item.spec.labels,
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
            request_template=spec.request_body(""),
            spec=dumped,
            spec_digest=digest_of(dumped),
            dataset_key=item.dataset_key,
            dataset_id=item.dataset_id,
            incremental=spec.incremental,
            enabled=spec.enabled,
            timeout=spec.run_timeout(),
            merge_policy_id=spec.mergePolicy.id if spec.mergePolicy else None,
            merge_policy_version=spec.mergePolicy.version if spec.mergePolicy else None,
            segment_ids=segments,
            location=str(item.source),
            locations={path: str(where) for path, where in item.locations.items()},
            timezone=spec.timezone,
            retry=RetryPolicy(spec.retry.attempts, spec.retry.delay) if spec.retry else None,
            expect=Expectations.from_declaration(dumped),
            labels=dict(spec.labels),
        )
    skipped = tuple(f"{s.file} (pinned to sandbox {s.sandbox})" for s in declarations.skipped_files)
    moves = tuple(DesiredMove(m.kind, m.old, m.new, m.source) for m in declarations.moved)
    return Desired(
        datasets=datasets, exports=exports, digest=declarations.digest(), skipped_files=skipped, moves=moves
    )
