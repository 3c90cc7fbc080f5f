"""A simulated month of hourly and daily incremental exports with random failures and stuck jobs.

Outcomes are simulated in pure code (no platform): each planned run becomes a job that, some time
later, succeeds, fails, or hangs until the planner's timeout cancels it. Both exports retry a
failed run (``retry: {attempts: 2, delay: 10m}``) within its slot. The SUCCEEDED windows of each
export must tile time exactly: the first starts at the beginning, each next one starts where the
previous ended, and there is never more than one unfinished run, nor two jobs for one slot and
attempt; a retry repeats its failed run's window.
"""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import pairwise

import pytest

from aep_exports.plan.desired import RetryPolicy
from aep_exports.plan.planner import make_plan
from aep_exports.plan.windows import Window, tiling_problems
from aep_exports.state.model import RunRecord
from support.plans import T0, applied_dataset, dataset, desired, export, live, state


def simulate(seed: int, days: int = 30):
    rng = random.Random(seed)
    ds = dataset()
    retry = RetryPolicy(attempts=2, delay=timedelta(minutes=10))
    exports = [
        export("hourly", "@hourly", timeout=timedelta(minutes=40), retry=retry),
        export("daily", "0 3 * * *", timeout=timedelta(hours=3), retry=retry),
    ]
    doc = state(datasets={"target": applied_dataset(ds)})
    want = desired(ds, *exports)
    finish_at: dict[int, tuple] = {}  # job id -> (when, outcome)
    next_job = 1
    tick = timedelta(minutes=10)
    now = T0
    end = T0 + timedelta(days=days)
    while now <= end:
        # "refresh": jobs whose time has come finish with their drawn outcome
        for record in doc.exports.values():
            for run_record in record.runs:
                if run_record.unfinished and run_record.job_id in finish_at:
                    when, outcome = finish_at[run_record.job_id]
                    if outcome != "hang" and when <= now:
                        run_record.status = outcome
                        run_record.finished = when
                        if outcome == "SUCCEEDED":
                            record.watermark = run_record.window_to
        plan = make_plan(want, doc, live(now), now)
        assert not plan.errors
        # "apply": carry out the plan in order
        for action in plan.actions:
            if action.kind == "cancel_job":
                for r in doc.exports[action.key].runs:
                    if r.job_id == action.job_id:
                        r.status, r.cancelled_by_tool, r.finished = "CANCELLED", True, now
            elif action.kind in ("run_export", "retry_export"):
                record = doc.ensure_export(action.key)
                assert not [r for r in record.runs if r.unfinished], "two unfinished runs"
                if action.kind == "retry_export":
                    failed = record.last_run()
                    assert failed is not None and failed.status == "FAILED" and failed.slot == action.slot
                    assert (failed.window_from, failed.window_to) == (action.window_from, action.window_to)
                    assert action.attempt == failed.attempt + 1 <= 3
                record.spec = action.spec
                record.add_run(
                    RunRecord(
                        job_id=next_job,
                        slot=action.slot,
                        window_from=action.window_from,
                        window_to=action.window_to,
                        status="PROCESSING",
                        created=now,
                        attempt=action.attempt,
                    ),
                    cap=10_000,
                )
                draw = rng.random()
                outcome = "FAILED" if draw < 0.15 else ("hang" if draw < 0.22 else "SUCCEEDED")
                finish_at[next_job] = (now + timedelta(minutes=rng.randint(1, 25)), outcome)
                next_job += 1
        now += tick
    return doc


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_succeeded_windows_tile_the_month(seed):
    doc = simulate(seed)
    for key, record in doc.exports.items():
        tries = [(r.slot, r.attempt) for r in record.runs]
        assert len(tries) == len(set(tries)), f"{key}: two jobs for one slot and attempt"
        assert any(r.attempt > 1 for r in record.runs), f"{key}: the simulation should retry"
        ok = [r for r in record.runs if r.status == "SUCCEEDED"]
        failed = [r for r in record.runs if r.status in ("FAILED", "CANCELLED")]
        assert failed, "the simulation should inject failures"
        assert ok[0].window_from is None
        windows = [Window(r.window_from, r.window_to) for r in ok]
        assert tiling_problems(windows) == [], key
        # every window's start is exactly the previous success's end
        for before, after in pairwise(ok):
            assert after.window_from == before.window_to
        # the union reaches (almost) the end of the month
        assert ok[-1].window_to >= T0 + timedelta(days=25)
        assert record.watermark == ok[-1].window_to


def test_tiling_problems_detects_gaps_and_overlaps():
    h = timedelta(hours=1)
    assert tiling_problems([Window(None, T0), Window(T0 + h, T0 + 2 * h)]) == [
        "gap between 2024-05-01T00:00:00Z and 2024-05-01T01:00:00Z"
    ]
    assert tiling_problems([Window(None, T0 + h), Window(T0, T0 + 2 * h)])[0].startswith("overlap")
