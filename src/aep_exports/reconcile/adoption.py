"""State changes that record what a lost answer left on the platform: an adopted job, an unsent run,
how a cancelled job reads back. Pure changes to a state document (and one read), shared by apply's
execution and the read-only preview of recovery (``plan``, ``drift``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING

from aep_exports.errors import ApiError, NotFoundError
from aep_exports.reconcile.refresh import live_job
from aep_exports.state.model import AppliedExport, Intent, RunStatus, StateDocument

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import ExportJob


def record_adoption(
    doc: StateDocument,
    intent: Intent,
    job: ExportJob,
    duplicates: list[ExportJob],
    now: datetime,
    *,
    spec: AppliedExport | None,
    adopted: bool,
    cancelled: Collection[int] = (),
) -> None:
    """Attach ``job`` to the intent's run, record the duplicates beside it, resolve the intent.

    ``cancelled``: the duplicates aep-exports sent a DELETE for (the others had already ended).
    """
    doc.ensure_export(intent.key).attach_job(
        intent,
        live_job(job),
        now,
        adopted=adopted,
        spec=spec,
        duplicates=[live_job(d) for d in duplicates],
        cancelled=set(cancelled) | intent.cancelling,
    )
    doc.resolve_intent(
        intent.id,
        at=now,
        result={"job_id": job.id, "adopted": adopted, "duplicates": [d.id for d in duplicates]},
    )


def drop_unsent(doc: StateDocument, *, intent: Intent, now: datetime, why: str) -> None:
    """The request created nothing: forget the run (the export stays due) and resolve the intent."""
    record = doc.exports.get(intent.key)
    if record is not None:
        record.drop_unsent(intent.id)
    doc.resolve_intent(intent.id, at=now, result={"job_id": None, "error": why})



def read_back(client: PlatformClient, job_id: int) -> RunStatus | None:
    """How a job reads after a cancel (None when the read failed: the next refresh reads it again)."""
    try:
        return live_job(client.get_export_job(job_id)).run_status
    except NotFoundError:
        return RunStatus.MISSING
    except ApiError:
        return None
