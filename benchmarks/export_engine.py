"""Export engine benchmark: a seeded store of N profiles, one export with every kind of filter.

Prints the seed time, the export's wall time, profiles/s, peak RSS, and the speed ratio of
the engine against the plain-Python reference implementation (tests/support/engine_reference.py)
on a smaller store measured in the same run.

    .venv/bin/python benchmarks/export_engine.py                      # 1,000,000 profiles, ref on 50,000
    .venv/bin/python benchmarks/export_engine.py --profiles 20000 --reference-profiles 2000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the reference lives with the tests

from aep_exports.platform.engine import run_export  # noqa: E402
from aep_exports.platform.seeddata.catalog import AAM_SEGMENT_ID, SEED_POLICY_ID, UPS_SEGMENT_ID  # noqa: E402
from aep_exports.platform.seeddata.generator import generate  # noqa: E402
from aep_exports.platform.store import ProfileStore  # noqa: E402
from support.engine_reference import ReferenceStore, reference_export  # noqa: E402

REQUEST: dict[str, Any] = {
    "fields": "personalEmail.address,person.name.firstName,loyalty.tier",
    "mergePolicy": {"id": SEED_POLICY_ID, "version": 1},
    "filter": {
        "segments": [
            {"segmentId": AAM_SEGMENT_ID, "segmentNs": "AAM"},
            {
                "segmentId": UPS_SEGMENT_ID,
                "segmentNs": "ups",
                "status": ["realized", "existing", "exited"],
            },
        ],
        "segmentQualificationTime": {"startTime": "2019-07-15T00:00:00Z", "endTime": "2019-09-15T00:00:00Z"},
        "fromIngestTimestamp": "2019-03-01T00:00:00Z",
        "emptyProfiles": False,
    },
    "additionalFields": {
        "eventList": {
            "fields": "environment.browserDetails.name,eventType",
            "filter": {"fromIngestTimestamp": "2019-09-15T00:00:00Z"},
        }
    },
    "destination": {"datasetId": "bench", "segmentPerBatch": False},
    "schema": {"name": "_xdm.context.profile"},
}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def engine_run(store: ProfileStore, out: Path) -> tuple[float, int]:
    started = time.perf_counter()
    outcome = run_export(store, REQUEST, out, now=datetime(2019, 10, 1))
    return time.perf_counter() - started, outcome.total_exported_profiles


def reference_records(store: ProfileStore) -> list[dict[str, Any]]:
    """The store's contents as load-format records, for the reference implementation."""
    con = store.connection
    iso = "strftime(%s, '%%Y-%%m-%%dT%%H:%%M:%%S.%%f') || 'Z'"
    records: list[dict[str, Any]] = []
    for pid, ns, dataset, ingest, data in con.execute(f"""
            SELECT p.id, p.ns, f.dataset_id, {iso % "f.ingest_ts"}, f.data::VARCHAR
            FROM fragments f JOIN profiles p USING (pkey) ORDER BY f.seq""").fetchall():
        records.append(
            {
                "type": "fragment",
                "identity": {"id": pid, "namespace": ns},
                "datasetId": dataset,
                "ingestTime": ingest,
                "data": json.loads(data),
            }
        )
    for pid, ns, ts, ingest, data in con.execute(f"""
            SELECT p.id, p.ns, {iso % "e.ts"}, {iso % "e.ingest_ts"}, e.data::VARCHAR
            FROM events e JOIN profiles p USING (pkey) ORDER BY e.seq""").fetchall():
        records.append(
            {
                "type": "event",
                "identity": {"id": pid, "namespace": ns},
                "timestamp": ts,
                "ingestTime": ingest,
                "data": json.loads(data),
            }
        )
    for pid, ns, segment, segment_ns, status, qual in con.execute(f"""
            SELECT p.id, p.ns, m.segment_id, m.segment_ns, m.status, {iso % "m.qual_ts"}
            FROM memberships m JOIN profiles p USING (pkey)""").fetchall():
        records.append(
            {
                "type": "membership",
                "identity": {"id": pid, "namespace": ns},
                "segmentId": segment,
                "segmentNs": segment_ns,
                "status": status,
                "lastQualificationTime": qual,
            }
        )
    records += [{"type": "segment", **doc} for doc in store.list_segment_definitions()]
    records += [{"type": "mergePolicy", **doc} for doc in store.list_merge_policies()]
    return records


def seed_phase(data: Path, profiles: int, seed: int) -> dict[str, Any]:
    """Seed the large store (in its own process, so its memory peak is measured alone)."""
    with ProfileStore.open(data, "BENCH@AdobeOrg", "large") as store:
        started = time.perf_counter()
        report = generate(store, profiles=profiles, seed=seed)
        return {
            "seconds": time.perf_counter() - started,
            "rss": peak_rss_mib(),
            "profiles": report.profiles,
            "fragments": report.fragments,
            "events": report.events,
            "memberships": report.memberships,
        }


def export_phase(data: Path, out: Path) -> dict[str, Any]:
    """Export from the large store in a fresh process: the peak RSS is the export's own."""
    with ProfileStore.open(data, "BENCH@AdobeOrg", "large") as store:
        wall, exported = engine_run(store, out)
    return {"seconds": wall, "exported": exported, "rss": peak_rss_mib()}


def in_child(function: Any, *args: Any) -> dict[str, Any]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        result: dict[str, Any] = pool.submit(function, *args).result()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--reference-profiles", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aep-bench-") as tmp:
        work = Path(tmp)
        seeded = in_child(seed_phase, work / "data", args.profiles, args.seed)
        large = in_child(export_phase, work / "data", work / "out-large")
        print(
            f"seed: {seeded['profiles']:,} profiles, {seeded['fragments']:,} fragments, "
            f"{seeded['events']:,} events, {seeded['memberships']:,} memberships "
            f"in {seeded['seconds']:.1f} s "
            f"(peak RSS {seeded['rss']:,.0f} MiB)"
        )
        wall, exported = large["seconds"], large["exported"]
        print(
            f"export: {args.profiles:,} profiles in the store, {exported:,} exported, wall {wall:.2f} s, "
            f"{args.profiles / wall:,.0f} store profiles/s ({exported / wall:,.0f} exported profiles/s), "
            f"peak RSS {large['rss']:,.0f} MiB"
        )

        with ProfileStore.open(work / "data", "BENCH@AdobeOrg", "small") as small:
            generate(small, profiles=args.reference_profiles, seed=args.seed)
            engine_small, exported_small = engine_run(small, work / "out-small")
            records = reference_records(small)
        started = time.perf_counter()
        batches, _ = reference_export(ReferenceStore.from_records(records), REQUEST)
        reference_small = time.perf_counter() - started
        assert sum(len(rows) for _, rows in batches) == exported_small, "engine and reference disagree"
        print(
            f"reference on {args.reference_profiles:,} profiles: {reference_small:.2f} s vs engine "
            f"{engine_small:.2f} s -> engine is {reference_small / engine_small:.1f}x faster "
            f"({exported_small:,} profiles exported by both)"
        )


if __name__ == "__main__":
    main()
