"""Adopt an existing platform dataset or export job into state, after checking it matches its declaration.

Only what both the declaration and the job's record show is compared (job identity, as recovery uses
it: destination, segments, merge policy, schema; server-filled fields never count). A mismatch is
refused (nothing written) unless ``force``; a forced import records what the platform really
has, so the next plan shows the difference as pending (an update, or the next run's new body).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aep_exports.errors import ImportRefusedError, NotFoundError
from aep_exports.plan.actions import FieldChange
from aep_exports.plan.changes import field_changes
from aep_exports.plan.datasets import declared_changes
from aep_exports.plan.schedule import is_manual, latest_slot
from aep_exports.plan.windows import format_instant
from aep_exports.reconcile.matching import JobIdentity, identity_matches, request_identity, shown_identity
from aep_exports.reconcile.refresh import live_dataset, live_job
from aep_exports.state.model import AppliedExport, StateDocument

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import ExportJob
    from aep_exports.plan.desired import Desired, DesiredExport
    from aep_exports.state.backend import StateBackend

# Request keys the platform copies from the body as sent; it fills none of them itself.
_COPIED_KEYS = ("fields", "mergePolicy", "filter", "additionalFields")


@dataclass(frozen=True)
class ImportResult:
    """What an import compared and whether it adopted the resource (``changes``: platform → declaration)."""

    resource: str  # "dataset" | "export"
    key: str
    platform_id: str
    changes: tuple[FieldChange, ...]
    adopted: bool
    forced: bool = False
    detail: str = ""


def _declared_export(desired: Desired, key: str) -> DesiredExport:
    want = desired.exports.get(key)
    if want is None:
        raise ImportRefusedError(
            f"no export named {key!r} is declared",
            hint="declared exports: " + (", ".join(sorted(desired.exports)) or "none"),
        )
    return want


def import_dataset(
    client: PlatformClient,
    backend: StateBackend,
    desired: Desired,
    key: str,
    dataset_id: str,
    *,
    now: datetime,
    force: bool = False,
    lock_timeout: float = 0.0,
) -> ImportResult:
    """Record ``dataset_id`` as the dataset declared as ``key`` (refused on a mismatch unless ``force``)."""
    want = desired.datasets.get(key)
    if want is None:
        raise ImportRefusedError(
            f"no dataset named {key!r} is declared",
            hint="declared datasets: " + (", ".join(sorted(desired.datasets)) or "none"),
        )
    with backend.lock(timeout=lock_timeout, command="import"):
        doc = backend.read()
        _check_dataset_free(doc, key, dataset_id)
        try:
            dataset = client.get_dataset(dataset_id)
        except NotFoundError:
            raise ImportRefusedError(
                f"dataset {dataset_id} was not found in sandbox {doc.sandbox!r}",
                hint="list datasets in the platform's UI or API and check the id",
            ) from None
        live_body = live_dataset(dataset).body
        changes = declared_changes(want.body, live_body)
        if changes and not force:
            return ImportResult("dataset", key, dataset_id, tuple(changes), adopted=False)
        spec = (
            want.spec
            if not changes
            else want.spec.model_copy(update={"body": _applied_body(want.body, live_body, changes)})
        )
        doc.record_dataset(key, dataset_id, spec, created_at=dataset.created_at or now)
        backend.write(doc, expected_serial=doc.serial)
    detail = f"dataset {key} is now managed as {dataset_id}"
    return ImportResult(
        "dataset", key, dataset_id, tuple(changes), adopted=True, forced=bool(changes), detail=detail
    )


def _check_dataset_free(doc: StateDocument, key: str, dataset_id: str) -> None:
    existing = doc.datasets.get(key)
    if existing is not None:
        what = "this dataset" if existing.id == dataset_id else f"dataset {existing.id}"
        raise ImportRefusedError(
            f"dataset {key!r} is already managed: state holds {what} under that key",
            hint=f"to adopt another one, first run: aep-exports state rm dataset.{key}",
        )
    for other, record in doc.datasets.items():
        if record.id == dataset_id:
            raise ImportRefusedError(f"dataset {dataset_id} is already managed under key {other!r}")


def _applied_body(
    declared: dict[str, Any], live: dict[str, Any], changes: list[FieldChange]
) -> dict[str, Any]:
    """The declared body with every differing top-level field as the platform has it (what was 'applied')."""
    body = dict(declared)
    for top in {change.path.split(".", 1)[0].split("[", 1)[0] for change in changes}:
        if top == "tags":
            live_tags = live.get("tags") if isinstance(live.get("tags"), dict) else {}
            body["tags"] = {
                name: values
                for name, values in (live_tags or {}).items()
                if name in (declared.get("tags") or {})
            }
        elif top in live:
            body[top] = live[top]
        else:
            body.pop(top, None)
    return body


def job_request(job: ExportJob) -> dict[str, Any]:
    """The request body a job was created with, as far as the job shows it (server fields left out)."""
    wire = job.to_wire()
    body = {key: wire[key] for key in _COPIED_KEYS if key in wire}
    destination: dict[str, Any] = {"datasetId": job.dataset_id}
    if job.destination.segment_per_batch is not None:
        destination["segmentPerBatch"] = job.destination.segment_per_batch
    body["destination"] = destination
    if job.schema_name is not None:
        body["schema"] = {"name": job.schema_name}
    return body


def request_changes(
    declared: dict[str, Any], actual: dict[str, Any], *, incremental: bool = False
) -> list[FieldChange]:
    """Differences platform → declaration over what a job record shows (``reconcile.matching``'s identity).

    ``actual`` is the job's record (or what :func:`job_request` keeps of it). Job records echo only the
    destination, ``filter.segments``, ``mergePolicy`` and ``schema`` (never ``fields`` or the other
    filters), so only those count, normalised as job identity normalises them, and each only where the
    record shows it. The window of an incremental export is never shown, so ``incremental`` changes
    nothing any more (kept for callers).
    """
    del incremental
    wanted, seen = request_identity(declared), shown_identity(actual)
    if identity_matches(wanted, seen):  # the very test recovery uses to recognise a job as a request's
        return []
    shown = replace(
        seen,
        merge_policy_id=seen.merge_policy_id if wanted.merge_policy_id is not None else None,
        merge_policy_version=seen.merge_policy_version if wanted.merge_policy_version is not None else None,
    ).as_request()
    expected = _as_shown(wanted, seen).as_request()
    changes = field_changes(_sorted_segments(shown), _sorted_segments(expected))
    if not changes:  # the difference hides in the pairing of segment entries: show them all
        before = shown.get("filter", {}).get("segments", [])
        after = expected.get("filter", {}).get("segments", [])
        changes = [FieldChange(path="filter.segments", change="changed", before=before, after=after)]
    return changes


def _as_shown(wanted: JobIdentity, seen: JobIdentity) -> JobIdentity:
    """The declaration's identity with only the parts the record shows (what can be compared)."""
    shows_ns = any(key.namespace is not None for key in seen.segments)
    shows_status = any(key.status is not None for key in seen.segments)
    compare_policy = wanted.merge_policy_id is not None and seen.merge_policy_id is not None
    return replace(
        wanted,
        segment_per_batch=wanted.segment_per_batch if seen.segment_per_batch is not None else None,
        segments=tuple(
            replace(
                key,
                namespace=key.namespace if shows_ns else None,
                status=key.status if shows_status else None,
            )
            for key in wanted.segments
        ),
        merge_policy_id=wanted.merge_policy_id if compare_policy else None,
        merge_policy_version=(
            wanted.merge_policy_version if compare_policy and seen.merge_policy_version is not None else None
        ),
        schema_name=wanted.schema_name if seen.schema_name is not None else None,
    )


def _sorted_segments(body: dict[str, Any]) -> dict[str, Any]:
    segments = body.get("filter", {}).get("segments")
    if not segments:
        return body
    ordered = sorted(segments, key=lambda s: (s["segmentId"], s.get("segmentNs", ""), s.get("status", [])))
    return {**body, "filter": {"segments": ordered}}


def _parse_instant(text: Any) -> datetime | None:
    """The job's RFC 3339 ``fromIngestTimestamp`` in UTC (the project's one parser), else None."""
    from aep_exports.config.values import parse_rfc3339

    try:
        return parse_rfc3339(text).astimezone(UTC) if isinstance(text, str) else None
    except ValueError:
        return None


def import_export(
    client: PlatformClient,
    backend: StateBackend,
    desired: Desired,
    key: str,
    job_id: int,
    *,
    now: datetime,
    force: bool = False,
    lock_timeout: float = 0.0,
) -> ImportResult:
    """Record job ``job_id`` as a run of export ``key`` (refused on a mismatch unless ``force``)."""
    want = _declared_export(desired, key)
    with backend.lock(timeout=lock_timeout, command="import"):
        doc = backend.read()
        for other, record in doc.exports.items():
            if record.find_run(job_id=job_id) is not None:
                raise ImportRefusedError(f"job {job_id} is already recorded as a run of export {other!r}")
        try:
            job = client.get_export_job(job_id)
        except NotFoundError:
            raise ImportRefusedError(
                f"export job {job_id} was not found in sandbox {doc.sandbox!r}"
            ) from None
        dataset_id = _target_dataset(doc, want, job)
        actual = job_request(job)
        since = (
            _parse_instant((actual.get("filter") or {}).get("fromIngestTimestamp"))
            if want.incremental
            else None
        )
        declared = want.build_body(dataset_id, since)
        changes = request_changes(declared, actual, incremental=want.incremental)
        if changes and not force:
            return ImportResult("export", key, str(job_id), tuple(changes), adopted=False)
        record = doc.ensure_export(key)
        seen = live_job(job)
        blocking = [r for r in record.unfinished_runs() if r.job_id != job_id]
        if not seen.finished and blocking:
            raise ImportRefusedError(
                f"export {key!r} already has an unfinished run "
                f"({'job ' + str(blocking[-1].job_id) if blocking[-1].job_id else 'no job yet'})",
                hint="wait for it to finish (aep-exports refresh), then import again",
            )
        slot = _slot_of(want, seen.created or now)
        run = record.import_run(
            seen,
            slot=slot,
            window_from=since,
            window_to=max(slot, since) if since is not None else slot,
            spec=AppliedExport(declaration=None if changes else want.spec, request=actual),
            now=now,
        )
        backend.write(doc, expected_serial=doc.serial)
    detail = f"job {job_id} ({run.status}, slot {format_instant(run.slot)}) is now a run of {key}"
    return ImportResult(
        "export", key, str(job_id), tuple(changes), adopted=True, forced=bool(changes), detail=detail
    )


def _target_dataset(doc: StateDocument, want: DesiredExport, job: ExportJob) -> str:
    if want.dataset_id:
        return want.dataset_id
    dataset_key = want.dataset_key or ""
    record = doc.datasets.get(dataset_key)
    if record is None:
        raise ImportRefusedError(
            f"export {want.key!r} writes into dataset {dataset_key!r}, which is not in state yet",
            hint=f"import it first: aep-exports import dataset {dataset_key} {job.dataset_id or 'ID'}",
        )
    return record.id


def _slot_of(want: DesiredExport, created: datetime) -> datetime:
    """The slot an imported job covers: the scheduled slot at or before its creation (manual: creation)."""
    return created if is_manual(want.schedule) else (latest_slot(want.schedule, created) or created)
