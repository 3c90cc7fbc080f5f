"""``choose_jobs``: which listed jobs are an intent's own, which are extras, which are someone else's.

A property over listings built from what the intent made (as many jobs as it sent requests, or
fewer), look-alikes made elsewhere in its window, jobs other runs track, jobs older than the intent and
jobs of another shape; with and without a platform that echoes the ``x-request-id``; records shown in
full or with segment ids alone. The oracle is who made each job, which the function never sees.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from aep_exports.client.models import ExportJob
from aep_exports.plan.live import CLOCK_SKEW
from aep_exports.reconcile.matching import Choice, choose_jobs
from aep_exports.state.model import Intent

START = datetime(2024, 3, 1, 4, tzinfo=UTC)
BODY = {
    "fields": "identities.id",
    "filter": {"segments": [{"segmentId": "seg-a", "segmentNs": "AAM", "status": ["realized"]}]},
    "destination": {"datasetId": "d1"},
    "schema": {"name": "_xdm.context.profile"},
}
OTHER = {**BODY, "destination": {"datasetId": "d2"}}


def _record(
    job_id: int, body: dict[str, Any], created: datetime, request_id: str, id_only: bool
) -> ExportJob:
    segments = body["filter"]["segments"]
    shown = [{"segmentId": s["segmentId"]} for s in segments] if id_only else segments
    return ExportJob.model_validate(
        {
            "id": job_id,
            "status": "NEW",
            "filter": {"segments": shown},
            "schema": body["schema"],
            "destination": {"datasetId": body["destination"]["datasetId"], "segmentPerBatch": False},
            "requestId": request_id,
            "creationTime": int(created.timestamp() * 1000),
        }
    )


@given(
    attempts=st.integers(1, 3),
    made=st.integers(0, 3),
    foreign=st.integers(0, 2),
    tracked=st.integers(0, 2),
    old=st.integers(0, 1),
    others=st.integers(0, 1),
    echo=st.booleans(),
    id_only=st.booleans(),
    order=st.randoms(use_true_random=False),
)
def test_only_the_intents_own_jobs_are_kept_or_cancelled(
    attempts: int, made: int, foreign: int, tracked: int, old: int, others: int, echo: bool, id_only: bool,
    order: Any,
) -> None:
    made = min(made, attempts)  # an intent cannot make more jobs than it sent requests
    intent = Intent(
        kind="run_export", resource="export", key="daily", request_body=BODY, started_at=START,
        attempts=attempts,
    )
    ids = iter(range(100, 200))
    jobs: list[ExportJob] = []
    whose: dict[int, str] = {}
    tracked_by: dict[int, str] = {}

    def add(kind: str, body: dict[str, Any], minutes: int, request_id: str) -> int:
        job = _record(next(ids), body, START + timedelta(minutes=minutes), request_id, id_only)
        jobs.append(job)
        whose[job.id] = kind
        return job.id

    def platform_id(own: str) -> str:
        return own if echo else f"generated-{len(jobs)}"

    for n in range(made):
        add("own", BODY, n + 1, platform_id(intent.request_id))
    for n in range(foreign):
        add("foreign", BODY, n + 2, platform_id(f"someone-{n}"))
    for n in range(tracked):
        other_intent = f"other-intent-{n}"
        tracked_by[add("tracked", BODY, n + 1, platform_id(other_intent))] = other_intent
    for _ in range(old):
        add("old", BODY, -int(CLOCK_SKEW.total_seconds() // 60) - 5, platform_id("earlier"))
    for _ in range(others):
        add("other-shape", OTHER, 1, platform_id(intent.request_id if not echo else "x"))
    order.shuffle(jobs)

    choice: Choice = choose_jobs(intent, jobs, tracked_by)

    chosen = ([choice.keep] if choice.keep else []) + list(choice.extras)
    kinds = [whose[job.id] for job in chosen]
    assert "tracked" not in kinds and "old" not in kinds and "other-shape" not in kinds
    assert len(chosen) <= attempts
    assert all(whose[job.id] in ("foreign", "own") for job in choice.foreign)
    if echo and (made or tracked):
        # The echo tells them apart exactly: every own job is chosen, nothing else is.
        assert sorted(kinds) == ["own"] * made
        assert {job.id for job in choice.foreign} == {j for j, k in whose.items() if k == "foreign"}
    if not foreign:
        assert sorted(kinds) == ["own"] * made  # nothing of the intent's is left running unseen
    if made and (echo or not foreign):
        oldest_own = min((job for job in jobs if whose[job.id] == "own"), key=lambda j: j.creation_time or 0)
        assert choice.keep is not None and choice.keep.id == oldest_own.id
    assert not (set(j.id for j in chosen) & set(j.id for j in choice.foreign))
