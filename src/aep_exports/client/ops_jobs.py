"""Profile export jobs: create, get, list (cursor, newest first, with a stop condition), cancel.

A job record the client cannot parse never fails a listing: it is left out and reported (see
``records``); a job read by id that cannot be parsed raises :class:`UnreadableRecordError`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from aep_exports.errors import ApiError

from .jsonshapes import query_param
from .models import ExportJob
from .ops_base import UPS, OpsBase, seg
from .records import UnreadableRecordError, salvage
from .requester import Call

JOBS = f"{UPS}/export/jobs"
DEFAULT_JOB_PAGE = 100
MAX_PAGES = 100_000
JOB = "export job"
# Without these a job record means nothing: the client skips it rather than guess.
ESSENTIAL_JOB_KEYS = ("id", "status")


def next_offset(link_next: Any) -> str | None:
    """The cursor of ``link.next`` (``.../export/jobs/?limit=2&offset=<cursor>``); None on the last page."""
    return query_param(link_next, "offset")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _stop_condition(
    since: datetime | None, stop_when: Callable[[ExportJob], bool] | None
) -> Callable[[ExportJob], bool] | None:
    if since is None:
        return stop_when
    cutoff = _aware(since)

    def stop(job: ExportJob) -> bool:
        created = job.created_at
        if created is not None and created < cutoff:
            return True
        return stop_when is not None and stop_when(job)

    return stop


class JobOps(OpsBase):
    async def create_export_job(
        self,
        body: Mapping[str, Any],
        *,
        profile_instance_id: str | None = None,
        request_id: str | None = None,
    ) -> ExportJob:
        """POST /export/jobs. Never re-sent when its outcome is unknown (AmbiguousWriteError).

        Every attempt carries the same ``x-request-id`` (``request_id``, or a new one): the answer's
        ``sent_request_id`` and an ``AmbiguousWriteError``'s ``request_id`` give it back, and a platform
        that echoes it as the job's ``requestId`` lets recovery find the job exactly.
        """
        sent = request_id or uuid4().hex
        call = Call("POST", JOBS, sandbox=self.sandbox, json_body=dict(body), request_id=sent)
        if profile_instance_id:
            call.headers_hook = lambda: {"x-profile-instance-id": profile_instance_id}
        reply = await self._req.call(call)
        answer = reply.json()
        if not isinstance(answer, dict) or "id" not in answer:
            raise ApiError(
                f"POST {JOBS}: unexpected answer (no job id)", method="POST", path=JOBS, request_id=sent
            )
        job = self._read_job(answer, f"POST {JOBS}", sent)
        job._sent_request_id = sent
        return job

    async def get_export_job(self, job_id: int) -> ExportJob:
        """GET /export/jobs/{id}; a record that cannot be parsed raises ``UnreadableRecordError``."""
        path = f"{JOBS}/{seg(job_id)}"
        answer = await self._json("GET", path)
        if isinstance(answer, dict) and isinstance(answer.get("records"), list) and answer["records"]:
            answer = answer["records"][0]
        return self._read_job(answer, f"GET {path}")

    def _read_job(self, answer: Any, call: str, request_id: str | None = None) -> ExportJob:
        job, problems = salvage(ExportJob, answer, kind=JOB, essential=ESSENTIAL_JOB_KEYS)
        self._problems.add(problems)
        if job is None:
            method, _, path = call.partition(" ")
            reason = "; ".join(p.problem for p in problems)
            raise UnreadableRecordError(
                f"{call}: the export job in the answer cannot be read ({reason})",
                problems,
                method=method,
                path=path,
                request_id=request_id,
            )
        return job

    async def cancel_export_job(self, job_id: int) -> None:
        """DELETE /export/jobs/{id}; 200 or 204, with or without a body, all mean accepted."""
        await self._req.call(Call("DELETE", f"{JOBS}/{seg(job_id)}", sandbox=self.sandbox))

    async def iter_export_job_pages(
        self,
        *,
        status: str | None = None,
        page_size: int = DEFAULT_JOB_PAGE,
        since: datetime | None = None,
        stop_when: Callable[[ExportJob], bool] | None = None,
    ) -> AsyncGenerator[list[ExportJob], None]:
        """Pages newest first. With ``since`` (or ``stop_when``), the page that reaches an older job
        (or a job matching ``stop_when``) is the last one read, and those jobs are left out."""
        stop = _stop_condition(since, stop_when)
        offset: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": page_size, "offset": offset, "status": status}
            answer = await self._json("GET", JOBS, params=params)
            answer = answer if isinstance(answer, dict) else {}
            records = answer.get("records") or []
            jobs = self._read_all(
                ExportJob,
                records if isinstance(records, list) else [],
                kind=JOB,
                essential=ESSENTIAL_JOB_KEYS,
            )
            if stop is not None:
                kept = [job for job in jobs if not stop(job)]
                if len(kept) < len(jobs):
                    if kept:
                        yield kept
                    return
            if jobs:
                yield jobs
            link = answer.get("link")
            cursor = next_offset(link.get("next") if isinstance(link, dict) else None)
            if not records or cursor is None or cursor == offset:
                return
            offset = cursor

    async def list_export_jobs(
        self,
        *,
        status: str | None = None,
        page_size: int = DEFAULT_JOB_PAGE,
        since: datetime | None = None,
        stop_when: Callable[[ExportJob], bool] | None = None,
        limit: int | None = None,
    ) -> list[ExportJob]:
        """Export jobs newest first; see ``iter_export_job_pages`` for ``since``/``stop_when``."""
        out: list[ExportJob] = []
        pages = self.iter_export_job_pages(
            status=status, page_size=page_size, since=since, stop_when=stop_when
        )
        async with aclosing(pages):
            async for page in pages:
                out.extend(page)
                if limit is not None and len(out) >= limit:
                    return out[:limit]
        return out
