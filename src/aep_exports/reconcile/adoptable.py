"""Platform resources that match declarations state does not know: what to ``import`` before applying.

When state is lost (or was never shared), the plan would create every declared dataset again and run every
incremental export from the beginning, while the platform still has the datasets and their jobs. This
finds them, reading only:

- a declared dataset state does not know: the datasets of its declared name (the Catalog ``name`` filter);
- a declared export state does not know, whose target dataset id is known (in state, named by id in the
  declaration, or the one dataset of its name): the jobs of the last :data:`LOOK_BACK` that write into it
  and match its declaration by job identity (:mod:`aep_exports.reconcile.matching`), the newest successful one
  first (importing it restores the watermark).

Each finding is a plan warning with the exact ``aep-exports import`` command. Nothing is adopted here: the
plan stays what it is, and ``import`` checks the resource again before recording it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aep_exports.plan.model import PlanMessage
from aep_exports.plan.windows import format_instant
from aep_exports.reconcile.matching import job_matches, list_jobs_since
from aep_exports.state.status import RunStatus

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import ExportJob
    from aep_exports.plan.desired import Desired, DesiredExport
    from aep_exports.state.model import StateDocument

LOOK_BACK = timedelta(days=7)
"""How far back jobs are looked at for an export state does not know (its newest run is what counts)."""


@dataclass(frozen=True)
class _Target:
    """Where an unknown export writes: the dataset id, and the dataset key to import first (if any)."""

    dataset_id: str
    import_first: str | None = None


def adoptable_resources(
    client: PlatformClient, desired: Desired, state: StateDocument, now: datetime
) -> list[PlanMessage]:
    """Warnings naming the platform resources that match declarations state does not know, with the
    ``import`` commands that adopt them (datasets first). Reads the platform; changes nothing."""
    warnings: list[PlanMessage] = []
    managed = {record.id for record in state.datasets.values()}
    found: dict[str, list[str]] = {}
    for key, want in sorted(desired.datasets.items()):
        name = want.body.get("name")
        if key in state.datasets or not isinstance(name, str):
            continue
        ids = sorted(d.id for d in client.list_datasets(name=name) if d.id not in managed)
        if ids:
            found[key] = ids
            warnings.append(_dataset_warning(key, name, ids))
    targets = {
        key: target
        for key, want in sorted(desired.exports.items())
        if key not in state.exports and (target := _target(want, state, found)) is not None
    }
    if targets:
        jobs = [j for j in list_jobs_since(client, now - LOOK_BACK) if j.id not in state.tracked_job_ids()]
        for key, target in targets.items():
            job = _newest(desired.exports[key], target.dataset_id, jobs)
            if job is not None:
                warnings.append(_export_warning(desired.exports[key], job, target))
    return warnings


def _target(want: DesiredExport, state: StateDocument, found: dict[str, list[str]]) -> _Target | None:
    if want.dataset_id:
        return _Target(want.dataset_id)
    key = want.dataset_key or ""
    if key in state.datasets:
        return _Target(state.datasets[key].id)
    ids = found.get(key, [])
    return _Target(ids[0], import_first=key) if len(ids) == 1 else None


def _newest(want: DesiredExport, dataset_id: str, jobs: Iterable[ExportJob]) -> ExportJob | None:
    """The job to import: the newest successful match (it carries the watermark), else the newest match."""
    body = want.build_body(dataset_id, None)
    matches = [job for job in jobs if job.dataset_id == dataset_id and job_matches(job, body)]
    matches.sort(key=lambda job: (job.status.upper() == RunStatus.SUCCEEDED, job.creation_time or 0, job.id))
    return matches[-1] if matches else None


def _dataset_warning(key: str, name: str, ids: list[str]) -> PlanMessage:
    if len(ids) == 1:
        which, command = f"a dataset named {name!r} ({ids[0]})", f"aep-exports import dataset {key} {ids[0]}"
    else:
        which = f"{len(ids)} datasets named {name!r} ({', '.join(ids)})"
        command = f"aep-exports import dataset {key} ID (the one to keep)"
    return PlanMessage(
        key=key,
        message=f"dataset {key}: the platform already has {which}, which state does not know (was the state "
        f"lost?); apply would create another. To manage it instead, first run: {command}",
    )


def _export_warning(want: DesiredExport, job: ExportJob, target: _Target) -> PlanMessage:
    created = job.created_at
    when = f", created {format_instant(created.replace(microsecond=0))}" if created is not None else ""
    again = "again from the beginning" if want.incremental else "again"
    after = f" (after importing dataset {target.import_first})" if target.import_first else ""
    return PlanMessage(
        key=want.key,
        message=f"export {want.key}: job {job.id} ({job.status.upper()}{when}) matches this declaration but "
        f"state does not know it; apply would export {again}. To keep it as this export's last run, "
        f"first run{after}: aep-exports import export {want.key} {job.id}",
    )
