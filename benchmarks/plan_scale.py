"""Benchmark: the pure planner on 10,000 declared exports with 50 runs of history each.

Prints planning time and peak memory (target: < 1 s and < 500 MiB), and the ratio to a baseline
measured in the same run: one plain loop over the same state that looks at every export's runs.

    .venv/bin/python benchmarks/plan_scale.py [--exports N] [--runs R]
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

from aep_exports.plan.actions import digest_of
from aep_exports.plan.desired import Desired, DesiredExport, desired_dataset
from aep_exports.plan.live import LiveSnapshot
from aep_exports.plan.planner import make_plan
from aep_exports.plan.schedule import latest_slot
from aep_exports.state.model import AppliedExport, DatasetRecord, ExportRecord, RunRecord, StateDocument

SCHEDULES = ("@hourly", "0 3 * * *", "0 */6 * * *", "15 * * * *")
STEP = {
    "@hourly": timedelta(hours=1),
    "0 3 * * *": timedelta(days=1),
    "0 */6 * * *": timedelta(hours=6),
    "15 * * * *": timedelta(hours=1),
}
NOW = datetime(2024, 6, 1, 3, 30, tzinfo=UTC)


def _request(key: str) -> dict[str, Any]:
    return {
        "fields": "identities.id,personalEmail.address",
        "filter": {"segments": [{"segmentId": f"seg-{key}"}]},
        "destination": {"datasetId": ""},
        "schema": {"name": "_xdm.context.profile"},
    }


def build_inputs(
    n_exports: int, n_runs: int, due_every: int = 5
) -> tuple[Desired, StateDocument, LiveSnapshot]:
    datasets = {f"ds-{i}": desired_dataset(f"ds-{i}", {"name": f"Dataset {i}"}) for i in range(20)}
    doc = StateDocument.empty("ORG@AdobeOrg", "prod")
    for key, want in datasets.items():
        doc.datasets[key] = DatasetRecord.model_construct(
            id=f"id-{key}", spec=want.spec, orphaned=False, created_at=None
        )
    exports: dict[str, DesiredExport] = {}
    job_id = 1
    for i in range(n_exports):
        key = f"export-{i:05d}"
        schedule = SCHEDULES[i % len(SCHEDULES)]
        spec = {"dataset": f"ds-{i % 20}", "schedule": schedule, "incremental": True, "n": i % 7}
        want = DesiredExport(
            key=key,
            schedule=schedule,
            request_template=_request(key),
            spec=spec,
            spec_digest=digest_of(spec),
            dataset_key=f"ds-{i % 20}",
            incremental=True,
            timeout=timedelta(hours=2),
            merge_policy_id="mp",
            segment_ids=(f"seg-{key}",),
        )
        exports[key] = want
        # history: n_runs slots up to the current one; every `due_every`-th export is a slot behind (due)
        current = latest_slot(schedule, NOW)
        assert current is not None
        last = current - STEP[schedule] * (1 if i % due_every == 0 else 0)
        runs = []
        for r in range(n_runs, 0, -1):
            slot = last - STEP[schedule] * (r - 1)
            status = "FAILED" if r % 11 == 0 else "SUCCEEDED"
            runs.append(
                RunRecord.model_construct(
                    job_id=job_id,
                    slot=slot,
                    window_from=slot - STEP[schedule],
                    window_to=slot,
                    status=status,
                    created=NOW - timedelta(minutes=10) if r == 1 else slot,
                    finished=slot + timedelta(minutes=5),
                    batches=[],
                    metrics={},
                    errors=[],
                    request_digest="",
                    intent_id="",
                    cancelled_by_tool=False,
                    note="",
                    attempt=1,
                    restated=False,
                    breaches=[],
                )
            )
            job_id += 1
        # every 50th export has a run still in progress; every 97th a changed spec
        if i % 50 == 0:
            runs[-1] = runs[-1].model_copy(update={"status": "PROCESSING"})
        recorded = spec if i % 97 else {**spec, "n": -1}
        doc.exports[key] = ExportRecord.model_construct(
            spec=AppliedExport(declaration=recorded, request=want.build_body(f"id-ds-{i % 20}", None)),
            watermark=runs[-1].window_to,
            runs=runs,
            orphaned=False,
            restatements=[],
        )
    desired = Desired(datasets=datasets, exports=exports, digest="bench")
    live = LiveSnapshot(
        read_at=NOW, merge_policies=frozenset({"mp"}), segments=frozenset(f"seg-{k}" for k in exports)
    )
    return desired, doc, live


def baseline(doc: StateDocument) -> int:
    """The least any planner must do: look at every export's runs once."""
    count = 0
    for record in doc.exports.values():
        for run in record.runs:
            if run.status == "SUCCEEDED":
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--due-every", type=int, default=5, help="1 = every export is due (worst case)")
    args = parser.parse_args()
    started = time.perf_counter()
    desired, doc, live = build_inputs(args.exports, args.runs, args.due_every)
    print(f"inputs: {args.exports} exports x {args.runs} runs built in {time.perf_counter() - started:.1f} s")

    gc.collect()
    t0 = time.perf_counter()
    baseline(doc)
    base = time.perf_counter() - t0

    t0 = time.perf_counter()
    plan = make_plan(desired, doc, live, NOW)
    elapsed = time.perf_counter() - t0

    gc.collect()
    tracemalloc.start()
    make_plan(desired, doc, live, NOW)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    counts = plan.counts()
    print(f"plan: {plan.summary_line()}  ({len(plan.drift)} findings, {len(plan.infos)} info lines)")
    print(
        f"planning time: {elapsed:.3f} s   (target < 1 s)   baseline loop: {base * 1000:.1f} ms   "
        f"ratio: {elapsed / base:.0f}x"
    )
    print(
        f"peak memory allocated by planning: {peak / 2**20:.1f} MiB (target < 500 MiB); "
        f"process peak RSS incl. inputs: {rss:.0f} MiB"
    )
    print(f"runs due: {counts.get('run_export', 0)}, cancels: {counts.get('cancel_job', 0)}")


if __name__ == "__main__":
    main()
