"""Is this platform job the one an intent asked for? (same destination dataset, same request body)

The platform echoes the request's ``fields``, ``filter``, ``additionalFields``, ``mergePolicy`` and
``schema`` in the job it answers; only the keys the request set are compared (the platform may add
its own), with absent and ``null`` treated alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aep_exports.plan.live import CLOCK_SKEW

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import ExportJob


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def body_dataset_id(body: dict[str, Any]) -> str | None:
    """``destination.datasetId`` of a request body."""
    destination = body.get("destination")
    value = destination.get("datasetId") if isinstance(destination, dict) else None
    return value if isinstance(value, str) else None


def job_matches(job: ExportJob, body: dict[str, Any]) -> bool:
    """True when ``job`` writes into the body's dataset with the body's selection."""
    if job.dataset_id != body_dataset_id(body):
        return False
    wire = job.to_wire()
    for key, wanted in body.items():
        if key == "destination" or wanted is None:
            continue
        if _pruned(wire.get(key)) != _pruned(wanted):
            return False
    return True


def list_jobs_since(client: PlatformClient, since: datetime) -> list[ExportJob]:
    """Jobs created at or after ``since`` (minus the clock skew), newest first; stops paging there."""
    return client.list_export_jobs(since=since - CLOCK_SKEW)


def matching_jobs(jobs: Iterable[ExportJob], body: dict[str, Any], *, exclude: set[int]) -> list[ExportJob]:
    """The jobs matching ``body`` not already claimed, oldest first."""
    found = [job for job in jobs if job.id not in exclude and job_matches(job, body)]
    return sorted(found, key=lambda job: (job.creation_time or 0, job.id))
