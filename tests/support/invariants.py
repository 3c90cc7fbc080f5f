"""What must hold after any sequence of applies, crashes and faults: read from state and the platform."""

from __future__ import annotations

from typing import Any

import httpx

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
