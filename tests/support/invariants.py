"""What must hold after any sequence of applies, crashes and faults: read from state and the platform."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from aep_exports.state.model import RunRecord, StateDocument
from support.projects import Project

JOBS = "/data/core/ups/export/jobs"


def platform_jobs(url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every export job of the sandbox, newest first, read over plain HTTP (not through our client)."""
    jobs: list[dict[str, Any]] = []
    offset = ""
    for _ in range(10_000):
        answer = httpx.get(f"{url}{JOBS}", params={"limit": 100, "offset": offset}, headers=headers,
                           timeout=30).json()
        jobs.extend(answer["records"])
        nxt = answer["link"]["next"]
        if not nxt:
            return jobs
        offset = nxt.split("offset=", 1)[1]
    raise AssertionError("too many pages")


def check_invariants(project: Project, headers: dict[str, str]) -> dict[str, int]:
    """At most one job per export per slot and attempt (a retry is a further attempt of its slot), every
    platform job in state, watermark = last success's ``to``. ``slots`` counts slots, ``jobs`` jobs."""
    state = project.state()
    assert not state.open_intents(), [i.key for i in state.open_intents()]
    tracked: dict[int, tuple[str, Any]] = {}
    per_slot: dict[tuple[str, Any, int], list[int]] = {}
    for key, record in state.exports.items():
        for run in record.runs:
            if run.job_id is None:
                continue
            assert run.job_id not in tracked, f"job {run.job_id} recorded twice"
            tracked[run.job_id] = (key, run.slot)
            per_slot.setdefault((key, run.slot, run.attempt), []).append(run.job_id)
        last = record.last_succeeded()
        assert record.watermark == (last.window_to if last else None), key
    duplicates = {slot: ids for slot, ids in per_slot.items() if len(ids) > 1}
    assert not duplicates, f"more than one job for one slot and attempt: {duplicates}"
    jobs = platform_jobs(project.platform, headers)
    untracked = [job["id"] for job in jobs if job["id"] not in tracked]
    assert not untracked, f"jobs on the platform missing from state: {untracked}"
    return {"jobs": len(jobs), "slots": len({(key, slot) for key, slot, _ in per_slot})}


@dataclass
class NeverTwice:
    """What "never twice, never lost" forbids, counted from state and the platform's own job records.

    The platform's records keep each job's internal status (a job cancelled by DELETE is CANCELLED there
    whatever it reads as) and the ``x-request-id`` of the request that created it: the id of the intent
    that sent it. That is the oracle of which intent made which job, whatever the contract variant.
    """

    jobs: int = 0
    slots: int = 0
    duplicates: int = 0  # jobs beyond the first, not cancelled, for one export and slot
    untracked: int = 0  # platform jobs no run tracks
    tracked_twice: int = 0  # jobs two runs claim
    wrongly_cancelled: int = 0  # cancelled jobs that were not made by the run (intent) recording them
    unfinished_together: int = 0  # unfinished jobs beyond the first of one export, at the moment of the check
    open_intents: int = 0
    details: list[str] = field(default_factory=list)

    def add(self, other: NeverTwice) -> None:
        for name in ("jobs", "slots", "duplicates", "untracked", "tracked_twice", "wrongly_cancelled",
                     "unfinished_together", "open_intents"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.details += other.details

    @property
    def violations(self) -> int:
        return (self.duplicates + self.untracked + self.tracked_twice + self.wrongly_cancelled
                + self.unfinished_together + self.open_intents)


def platform_records(platform: Any, sandbox: str) -> list[dict[str, Any]]:
    """Every job of ``sandbox`` as the platform stores it: id, internal status, the creating x-request-id."""
    rows = platform.db.query("SELECT id, status, doc FROM jobs WHERE sandbox = ? ORDER BY id", (sandbox,))
    return [
        {"id": job_id, "status": status, "request_id": json.loads(doc).get("xRequestId")}
        for job_id, status, doc in rows
    ]


def never_twice(state: StateDocument, records: list[dict[str, Any]]) -> NeverTwice:
    """Count the violations of the promise (see :class:`NeverTwice`); all zero when it holds."""
    found = NeverTwice(jobs=len(records), open_intents=len(state.open_intents()))
    runs: dict[int, list[tuple[str, RunRecord]]] = {}
    export_of_intent: dict[str, str] = {}
    for key, record in state.exports.items():
        for run in record.runs:
            export_of_intent.setdefault(run.intent_id, key)
            if run.job_id is not None:
                runs.setdefault(run.job_id, []).append((key, run))
    per_slot: dict[tuple[str, Any, int], int] = {}  # a retry is a further attempt of its slot
    unfinished: dict[str, int] = {}
    for job in records:
        claimed = runs.get(job["id"], [])
        if not claimed:
            found.untracked += 1
            found.details.append(f"job {job['id']} ({job['status']}) is in no run")
        if len(claimed) > 1:
            found.tracked_twice += 1
            found.details.append(f"job {job['id']} is claimed by {[k for k, _ in claimed]}")
        maker = export_of_intent.get(job["request_id"] or "")
        if job["status"] in ("NEW", "PROCESSING") and maker is not None:
            unfinished[maker] = unfinished.get(maker, 0) + 1
        if not claimed:
            continue
        key, run = claimed[0]
        if job["status"] == "CANCELLED":
            if job["request_id"] != run.intent_id:
                found.wrongly_cancelled += 1
                found.details.append(f"job {job['id']} of {key} was cancelled but not made by its run")
            continue
        per_slot[(key, run.slot, run.attempt)] = per_slot.get((key, run.slot, run.attempt), 0) + 1
    found.slots = len({(key, slot) for key, slot, _ in per_slot})
    for (key, slot, attempt), count in per_slot.items():
        if count > 1:
            found.duplicates += count - 1
            found.details.append(f"{count} jobs for {key} slot {slot} attempt {attempt}")
    for key, count in unfinished.items():
        if count > 1:
            found.unfinished_together += count - 1
            found.details.append(f"{count} unfinished jobs of {key} at once")
    return found
