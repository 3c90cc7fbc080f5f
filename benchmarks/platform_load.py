"""Load on the local platform: N concurrent clients on loopback listing and reading export jobs.

Runs ``aep-exports platform serve`` in a subprocess (so clients and server do not share a GIL), creates a
dataset and some export jobs, then measures for ``--duration`` seconds. Baseline of the same run: the same
clients on ``GET /local/clock`` (no gateway, no database), so the ratio shows what the API path costs.

    .venv/bin/python benchmarks/platform_load.py [--clients 50] [--duration 20] [--jobs 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from aep_exports.platform.seeddata.catalog import AAM_SEGMENT_ID

JOBS = "/data/core/ups/export/jobs"


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def report(self, label: str, seconds: float) -> float:
        count = len(self.latencies_ms)
        rate = count / seconds if seconds else 0.0
        ordered = sorted(self.latencies_ms) or [0.0]
        p50 = statistics.median(ordered)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"{label:<10} {count:>8} requests  {rate:>9.1f} req/s  p50 {p50:>7.2f} ms  p99 {p99:>7.2f} ms  "
            f"errors {self.errors}  statuses {dict(sorted(self.statuses.items()))}"
        )
        return rate


def start_server(data_dir: Path, extra: list[str]) -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable,
        "-m",
        "aep_exports",
        "platform",
        "serve",
        "--port",
        "0",
        "--data",
        str(data_dir),
        "--job-duration",
        "86400",
        *extra,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    if not first.startswith("Local platform listening on "):
        process.kill()
        raise SystemExit(f"the server did not start: {first!r}")
    url = first.rsplit(" ", 1)[-1]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/local/clock", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the server did not answer")


def prepare(url: str, jobs: int) -> tuple[dict[str, str], list[int]]:
    from aep_exports.platform.credentials import DEV_API_KEY, DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID

    token = httpx.post(
        f"{url}/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": DEV_CLIENT_ID,
            "client_secret": DEV_CLIENT_SECRET,
        },
    ).json()["access_token"]
    headers = {
        "Authorization": f"Bearer {token}",
        "x-api-key": DEV_API_KEY,
        "x-gw-ims-org-id": DEV_ORG_ID,
        "x-sandbox-name": "bench",
    }
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        created = client.post(
            "/data/foundation/catalog/dataSets",
            json={
                "name": "bench",
                "schemaRef": {"id": "https://ns.adobe.com/xdm/context/profile__union"},
                "fileDescription": {"persisted": True, "format": "parquet"},
            },
        )
        dataset_id = created.json()[0].rsplit("/", 1)[-1]
        body = {
            "fields": "identities.id,personalEmail.address",
            "destination": {"datasetId": dataset_id},
            "schema": {"name": "_xdm.context.profile"},
            "filter": {"segments": [{"segmentId": AAM_SEGMENT_ID}]},
        }
        ids = [client.post(JOBS, json=body).json()["id"] for _ in range(jobs)]
    return headers, ids


def hammer(
    url: str, headers: dict[str, str], clients: int, seconds: float, ids: list[int], baseline: bool
) -> tuple[Tally, float]:
    """``clients`` threads, each with its own keep-alive connection, for ``seconds``.

    Threads with sync clients, not asyncio: httpx's async pool collapses with many connections (measured:
    a trivial uvicorn app answers ~60 req/s to 50 async clients, ~850 req/s to 50 threads).
    """
    tally = Tally()
    lock = threading.Lock()
    # Clients (and their SSL contexts) are built before the clock starts: that is set-up, not load.
    sessions = [httpx.Client(base_url=url, headers=headers, timeout=30) for _ in range(clients)]
    ready = threading.Barrier(clients + 1)
    window: list[float] = []

    def one_client(seed: int, client: httpx.Client) -> None:
        rng = random.Random(seed)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        ready.wait()
        stop_at = window[0] + seconds
        while time.monotonic() < stop_at:
            if baseline:
                path, params = "/local/clock", None
            elif rng.random() < 0.5:
                path, params = JOBS, {"limit": 20}
            else:
                path, params = f"{JOBS}/{rng.choice(ids)}", None
            started = time.perf_counter()
            try:
                status = client.get(path, params=params).status_code
            except httpx.HTTPError:
                status = 0
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
        with lock:
            tally.latencies_ms.extend(latencies)
            for status, count in statuses.items():
                tally.statuses[status] = tally.statuses.get(status, 0) + count
                if not 200 <= status < 300:
                    tally.errors += count

    threads = [
        threading.Thread(target=one_client, args=(index, session)) for index, session in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    window.append(time.monotonic())
    ready.wait()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - window[0]
    for session in sessions:
        session.close()
    return tally, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load")
    parser.add_argument(
        "--baseline-duration", type=float, default=None, help="default: a quarter of --duration"
    )
    parser.add_argument("--jobs", type=int, default=200, help="export jobs to create before measuring")
    parser.add_argument("--serve-arg", action="append", default=[], help="extra flag for `platform serve`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="platform-load-") as tmp:
        process, url = start_server(Path(tmp), args.serve_arg)
        try:
            headers, ids = prepare(url, args.jobs)
            print(f"server {url}  clients {args.clients}  jobs {len(ids)}  duration {args.duration:g}s")
            hammer(url, headers, args.clients, min(1.0, args.duration / 4), ids, False)  # warm-up
            base_tally, base_s = hammer(
                url, headers, args.clients, args.baseline_duration or args.duration / 4, ids, True
            )
            tally, seconds = hammer(url, headers, args.clients, args.duration, ids, False)
            base_rate = base_tally.report("baseline", base_s)
            rate = tally.report("jobs API", seconds)
            print(f"ratio      jobs API / baseline throughput = {rate / base_rate if base_rate else 0:.2f}")
            stats: dict[str, Any] = httpx.get(f"{url}/local/stats").json()
            print(f"server-side counts by status: {stats['byStatus']}")
            return 1 if tally.errors and not args.serve_arg else 0
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
