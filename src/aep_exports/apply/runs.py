"""Start an export run exactly once: write-ahead intent, POST, record; adopt the job after a lost answer.

The sequence for one :class:`RunExport`:

1. commit an :class:`Intent` (one create request counted) and a run in status ``INTENT``: nothing is
   sent before this is on disk;
2. POST the job, carrying the intent's id as ``x-request-id``;
3. commit the job id (run ``NEW``) and resolve the intent, in one write.

A POST whose answer is lost (``AmbiguousWriteError``) marks the run ``UNKNOWN``; apply then lists the
jobs created since the intent started and lets :func:`~aep_exports.reconcile.matching.choose_jobs` decide
which one is the intent's (extras it made are cancelled: their DELETEs are noted in the intent first;
look-alikes made by someone else are left alone). Only when none is found is the POST sent again, after
counting it in the intent. A POST the platform refused (400, or still 5xx/429 after the client's
retries) created nothing: the run is dropped and the intent resolved with the error, so the export stays
due and the next apply tries again.

The executor never has two unresolved creates of look-alike jobs at once (``plan.lookalike``), so the
jobs a lookup finds can only be this intent's, or someone else's.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aep_exports.apply.ledger import Ledger
from aep_exports.errors import AmbiguousWriteError, ApiError, NotFoundError, RunNotStarted
from aep_exports.reconcile.adoption import drop_unsent, record_adoption
from aep_exports.reconcile.matching import Choice, choose_jobs, list_jobs_since
from aep_exports.state.model import AppliedExport, Intent, StateDocument, request_digest, utc

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import ExportJob
    from aep_exports.plan.actions import RunExport

Clock = Callable[[], datetime]
# How many times one apply sends the POST of one run when answers keep getting lost.
MAX_CREATE_ATTEMPTS = 3


@dataclass
class RunStarted:
    """What starting a run did: the job it created or adopted, extras it cancelled, look-alikes it left."""

    key: str
    job_id: int
    adopted: bool = False
    duplicates: list[int] = field(default_factory=list)
    foreign: list[int] = field(default_factory=list)

    def describe(self) -> str:
        """``job 42`` / ``adopted job 42 (its answer was lost)`` and duplicates, for the summary."""
        text = f"adopted job {self.job_id} (its answer was lost)" if self.adopted else f"job {self.job_id}"
        if self.duplicates:
            text += "; cancelled duplicate job(s) " + ", ".join(str(d) for d in self.duplicates)
        if self.foreign:
            text += (
                "; left job(s) " + ", ".join(str(f) for f in self.foreign)
                + " alone: they look the same but were not started by this run"
            )
        return text


def _mark_unknown(doc: StateDocument, *, intent: Intent, why: str) -> None:
    doc.ensure_export(intent.key).mark_unknown(intent.id, why)


def cancel_extras(
    ledger: Ledger, client: PlatformClient, intent: Intent, extras: tuple[ExportJob, ...]
) -> set[int]:
    """Cancel the unfinished extras of ``intent`` (noted in the intent first); returns the ids DELETEd."""
    running = [extra.id for extra in extras if not extra.is_finished]
    if not running:
        return set()
    ledger.commit(lambda doc: doc.note_cancelling(intent.id, running))
    for job_id in running:
        with suppress(NotFoundError):  # already gone: a platform may drop a job it stopped
            client.cancel_export_job(job_id)
    return set(running)


def settle(
    ledger: Ledger,
    client: PlatformClient,
    intent: Intent,
    choice: Choice,
    clock: Clock,
    *,
    spec: AppliedExport | None,
) -> RunStarted | None:
    """Carry out ``choice`` for ``intent``: adopt its job, cancel its extras (None: no job was found)."""
    if choice.keep is None:
        return None
    keep, extras = choice.keep, list(choice.extras)
    cancelled = cancel_extras(ledger, client, intent, choice.extras)
    ledger.commit(
        lambda doc: record_adoption(
            doc, intent, keep, extras, clock(), spec=spec, adopted=True, cancelled=cancelled
        )
    )
    return RunStarted(
        intent.key,
        keep.id,
        adopted=True,
        duplicates=[e.id for e in extras],
        foreign=[f.id for f in choice.foreign],
    )


def adopt_existing(
    ledger: Ledger,
    client: PlatformClient,
    intent: Intent,
    clock: Clock,
    *,
    spec: AppliedExport | None,
    jobs: list[ExportJob] | None = None,
) -> RunStarted | None:
    """Look for the intent's job on the platform (:func:`choose_jobs`); adopt it when found."""
    listed = jobs if jobs is not None else list_jobs_since(client, intent.started_at)
    tracked = ledger.read(StateDocument.job_requests)
    outside = ledger.read(StateDocument.outside_job_ids)
    return settle(ledger, client, intent, choose_jobs(intent, listed, tracked, outside), clock, spec=spec)


def start_run(
    ledger: Ledger, client: PlatformClient, action: RunExport, body: dict[str, Any], clock: Clock
) -> RunStarted:
    """Create the job of ``action`` (``body`` with the dataset id resolved) exactly once."""
    intent = Intent(
        kind="run_export",
        resource="export",
        key=action.key,
        slot=utc(action.slot),
        request_digest=request_digest(body),
        request_body=body,
        started_at=clock(),
        attempts=1,
    )

    def write_ahead(doc: StateDocument) -> None:
        doc.add_intent(intent)
        doc.ensure_export(action.key).begin_run(
            intent,
            window_from=action.window_from,
            window_to=action.window_to,
            attempt=action.attempt,
            restated=action.restated,
        )

    ledger.commit(write_ahead)
    sent = action.spec.model_copy(update={"request": body})
    for attempt in range(1, MAX_CREATE_ATTEMPTS + 1):
        if attempt > 1:
            counted = ledger.commit(partial(StateDocument.count_attempt, intent_id=intent.id))
            intent = intent.model_copy(update={"attempts": counted})
        try:
            job = client.create_export_job(body, request_id=intent.request_id)
        except AmbiguousWriteError as exc:
            ledger.commit(partial(_mark_unknown, intent=intent, why=str(exc)))
            adopted = adopt_existing(ledger, client, intent, clock, spec=sent)
            if adopted is not None:
                return adopted
            continue  # nothing was created: sending again cannot duplicate
        except ApiError as exc:
            ledger.commit(partial(drop_unsent, intent=intent, now=clock(), why=str(exc)))
            raise
        ledger.commit(partial(record_adoption, intent=intent, job=job, duplicates=[], now=clock(), spec=sent,
                              adopted=False))
        return RunStarted(action.key, job.id)
    raise RunNotStarted(
        f"export {action.key}: the platform's answer to creating its job was lost "
        f"{MAX_CREATE_ATTEMPTS} times; the next apply will look for the job before creating one",
        method="POST",
        path="/data/core/ups/export/jobs",
    )
