"""Small builders for planner inputs: declarations, state and live snapshots, by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aep_exports.plan.actions import digest_of
from aep_exports.plan.desired import (
    Desired,
    DesiredDataset,
    DesiredExport,
    DesiredMove,
    RetryPolicy,
    desired_dataset,
)
from aep_exports.plan.expectations import Expectations
from aep_exports.plan.live import LiveDataset, LiveJob, LiveSnapshot
from aep_exports.state.model import AppliedExport, DatasetRecord, ExportRecord, RunRecord, StateDocument

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def at(hours: float = 0, days: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours, minutes=minutes)


def dataset(
    key: str = "target",
    name: str = "Target",
    protect: bool = False,
    labels: dict[str, str] | None = None,
    **body: Any,
) -> DesiredDataset:
    full = {
        "name": name,
        "schemaRef": {
            "id": "https://ns.adobe.com/xdm/context/profile__union",
            "contentType": "application/vnd.adobe.xed+json;version=1",
        },
        "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
        "aspect": "production",
        **body,
    }
    return desired_dataset(key, full, protect=protect, location=f"exports/{key}.yaml:2", labels=labels)


def export(
    key: str = "daily",
    schedule: str | None = "0 3 * * *",
    *,
    incremental: bool = True,
    dataset_key: str | None = "target",
    dataset_id: str | None = None,
    enabled: bool = True,
    timeout: timedelta | None = None,
    fields: str = "identities.id",
    segments: tuple[str, ...] = ("seg-a",),
    merge_policy: str | None = "mp-1",
    timezone: str = "UTC",
    retry: RetryPolicy | None = None,
    expect: Expectations | None = None,
    labels: dict[str, str] | None = None,
) -> DesiredExport:
    spec: dict[str, Any] = {
        "dataset": dataset_key or dataset_id,
        "schedule": schedule or "manual",
        "incremental": incremental,
        "fields": fields.split(","),
        "filter": {"segments": [{"segmentId": s} for s in segments]},
    }
    # As the declaration's stored form: the operating keys only when they are not at their default.
    if timezone != "UTC":
        spec["timezone"] = timezone
    if retry is not None:
        spec["retry"] = {"attempts": retry.attempts, "delay": retry.delay.total_seconds()}
    if expect is not None:
        spec["expect"] = {
            "min_rows": expect.min_rows,
            "max_rows": expect.max_rows,
            "max_duration": expect.max_duration.total_seconds() if expect.max_duration else None,
            "max_lag": expect.max_lag.total_seconds() if expect.max_lag else None,
        }
    if labels:
        spec["labels"] = dict(labels)
    if merge_policy:
        spec["mergePolicy"] = {"id": merge_policy}
    template: dict[str, Any] = {
        "fields": fields,
        "filter": {"segments": [{"segmentId": s} for s in segments]},
    }
    if merge_policy:
        template["mergePolicy"] = {"id": merge_policy}
    template["destination"] = {"datasetId": ""}
    template["schema"] = {"name": "_xdm.context.profile"}

    return DesiredExport(
        key=key,
        schedule=schedule,
        request_template=template,
        spec=spec,
        spec_digest=digest_of(spec),
        dataset_key=dataset_key,
        dataset_id=dataset_id,
        incremental=incremental,
        enabled=enabled,
        timeout=timeout,
        merge_policy_id=merge_policy,
        segment_ids=segments,
        location=f"exports/{key}.yaml:10",
        timezone=timezone,
        retry=retry,
        expect=expect,
        labels=dict(labels or {}),
    )


def desired(*items: DesiredDataset | DesiredExport, moves: tuple[DesiredMove, ...] = ()) -> Desired:
    return Desired(
        datasets={i.key: i for i in items if isinstance(i, DesiredDataset)},
        exports={i.key: i for i in items if isinstance(i, DesiredExport)},
        digest="d1",
        moves=moves,
    )


def run(
    slot: datetime,
    status: str = "SUCCEEDED",
    job_id: int | None = 1,
    *,
    window_from: datetime | None = None,
    created: datetime | None = None,
    cancelled_by_tool: bool = False,
    **kw: Any,
) -> RunRecord:
    return RunRecord(
        job_id=job_id,
        slot=slot,
        window_from=window_from,
        window_to=slot,
        status=status,
        created=created or slot,
        cancelled_by_tool=cancelled_by_tool,
        **kw,
    )


def applied_export(want: DesiredExport, runs: list[RunRecord], dataset_id: str = "ds-1") -> ExportRecord:
    """State as apply leaves it: the spec last used (declaration + request) and the watermark."""
    last_ok = next((r for r in reversed(runs) if r.status == "SUCCEEDED"), None)
    body = want.build_body(dataset_id, last_ok.window_from if last_ok else None)
    return ExportRecord(
        spec=AppliedExport(declaration=want.spec, request=body),
        runs=runs,
        watermark=last_ok.window_to if last_ok else None,
    )


def applied_dataset(want: DesiredDataset, dataset_id: str = "ds-1") -> DatasetRecord:
    return DatasetRecord(id=dataset_id, spec=want.spec)


def state(
    datasets: dict[str, DatasetRecord] | None = None, exports: dict[str, ExportRecord] | None = None
) -> StateDocument:
    doc = StateDocument.empty("ORG@AdobeOrg", "dev")
    doc.serial = 3
    doc.datasets.update(datasets or {})
    doc.exports.update(exports or {})
    return doc


def live(
    now: datetime,
    datasets: dict[str, dict[str, Any]] | None = None,
    missing: tuple[str, ...] = (),
    jobs: list[LiveJob] | None = None,
    new_jobs: tuple[int, ...] = (),
    merge_policies: frozenset[str] | None = None,
    segments: frozenset[str] | None = None,
) -> LiveSnapshot:
    return LiveSnapshot(
        read_at=now,
        datasets={k: LiveDataset(k, v) for k, v in (datasets or {}).items()},
        missing_datasets=frozenset(missing),
        jobs={j.id: j for j in jobs or []},
        new_jobs=new_jobs,
        merge_policies=merge_policies,
        segments=segments,
    )


def live_body(want: DesiredDataset, **changes: Any) -> dict[str, Any]:
    """The dataset as the platform would answer it: the body plus server-filled fields."""
    body = {
        **want.body,
        "created": 1,
        "updated": 2,
        "imsOrg": "ORG",
        "state": "ENABLED",
        "classification": {"dataBehavior": "record"},
        "tags": want.body.get("tags", {}),
    }
    body["fileDescription"] = {**want.body["fileDescription"], "extra": "server"}
    body.update(changes)
    return body
