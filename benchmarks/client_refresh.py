"""Client refresh benchmark: list export jobs and read many by id, against a real local server.

Runs the local platform under uvicorn on 127.0.0.1 (a subprocess) with a fixed injected latency, seeds
export jobs straight into its backend, then times, through the client:

1. listing every job (cursor pages of 100, necessarily one after the other), then
2. reading ``--reads`` jobs by id concurrently (``get_export_jobs``, bounded by ``--parallelism``),
3. the same reads one by one.

Lower bound of 1+2: pages * latency + reads * latency / parallelism. Target: ratio <= 1.3.

    .venv/bin/python benchmarks/client_refresh.py [--jobs 5000 --reads 500 --latency-ms 50 --parallelism 16]
"""

from __future__ import annotations

import argparse
import json
import math
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aep_exports.client import ClientConfig, ClientCredentials, connect
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID

PAGE_SIZE = 100
PROFILE_UNION = "https://ns.adobe.com/xdm/context/profile__union"


@dataclass
class Figures:
    jobs_listed: int
    pages: int
    list_s: float
    concurrent_reads_s: float
    sequential_reads_s: float
    lower_bound_s: float
    sequential_bound_s: float
    requests: int
    retries: int
    raw_reads_s: float

    @property
    def ratio(self) -> float:
        return (self.list_s + self.concurrent_reads_s) / self.lower_bound_s

    @property
    def sequential_ratio(self) -> float:
        return self.sequential_reads_s / self.sequential_bound_s


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The server runs in its own process so its CPU work does not compete with the client's for the GIL.
_SERVER = (
    """
import json, sys
from pathlib import Path
import uvicorn
from aep_exports.platform.app import create_app
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_ORG_ID
from aep_exports.platform.faults import FaultConfig

data_dir, port, jobs, latency_ms = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
app = create_app(data_dir, job_duration_s=3600)
platform = app.platform
caller = Caller(client_id=DEV_CLIENT_ID, org_id=DEV_ORG_ID, sandbox="prod")
dataset_id = platform.catalog.create_dataset(caller, {
    "name": "bench", "schemaRef": {"id": PROFILE_UNION}, "fileDescription": {"format": "parquet"}})
body = {"destination": {"datasetId": dataset_id}, "schema": {"name": "_xdm.context.profile"}}
ids = [int(platform.jobs.create(caller, body)["id"]) for _ in range(jobs)]
platform.jobs.advance()  # start them all now, so the job worker stays idle while we measure
(data_dir / "ids.json").write_text(json.dumps(ids))
platform.faults.configure(FaultConfig(latency_ms=latency_ms))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""
).replace("PROFILE_UNION", repr(PROFILE_UNION))


def start_server(data_dir: Path, jobs: int, latency_ms: float) -> tuple[str, list[int], Callable[[], None]]:
    """Start the platform server process; returns its URL, the seeded job ids and a stop function."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(data_dir), str(port), str(jobs), str(latency_ms)],
    )
    url = f"http://127.0.0.1:{port}"

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            stop()
            raise RuntimeError("the platform server did not start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    return url, json.loads((data_dir / "ids.json").read_text()), stop


def raw_concurrent_reads(url: str, ids: list[int], parallelism: int) -> float:
    """Baseline measured in the same run: the same reads with bare httpx (no retries, limiter or models)."""
    import asyncio

    import httpx

    async def go() -> float:
        limits = httpx.Limits(max_connections=parallelism)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
            form = {
                "grant_type": "client_credentials",
                "client_id": DEV_CLIENT_ID,
                "client_secret": DEV_CLIENT_SECRET,
            }
            token = (await http.post("/ims/token/v3", data=form)).json()["access_token"]
            headers = {
                "authorization": f"Bearer {token}",
                "x-api-key": DEV_CLIENT_ID,
                "x-gw-ims-org-id": DEV_ORG_ID,
                "x-sandbox-name": "prod",
            }
            gate = asyncio.Semaphore(parallelism)

            async def one(job_id: int) -> None:
                async with gate:
                    (
                        await http.get(f"/data/core/ups/export/jobs/{job_id}", headers=headers)
                    ).raise_for_status()

            started = time.perf_counter()
            await asyncio.gather(*(one(job_id) for job_id in ids))
            return time.perf_counter() - started

    return asyncio.run(go())


def run(jobs: int, reads: int, latency_ms: float, parallelism: int) -> Figures:
    latency = latency_ms / 1000.0
    with tempfile.TemporaryDirectory() as tmp:
        url, ids, stop = start_server(Path(tmp), jobs, latency_ms)
        try:
            config = ClientConfig(
                base_url=url,
                org_id=DEV_ORG_ID,
                sandbox="prod",
                credentials=ClientCredentials(DEV_CLIENT_ID, DEV_CLIENT_SECRET, "openid"),
                ims_url=url,
                parallelism=parallelism,
            )
            with connect(config) as client:
                client.list_datasets(limit=1)  # token + connections warm, like a CLI after its first call
                client.reset_stats()
                started = time.perf_counter()
                listed = client.list_export_jobs(page_size=PAGE_SIZE)
                list_s = time.perf_counter() - started
                wanted = ids[:: max(1, len(ids) // reads)][:reads]
                started = time.perf_counter()
                results = client.get_export_jobs(wanted)
                concurrent_s = time.perf_counter() - started
                failures = [r for r in results.values() if isinstance(r, Exception)]
                if len(listed) != jobs or failures:
                    raise SystemExit(f"wrong results: {len(listed)} listed, {len(failures)} failed reads")
                stats = client.stats()
                started = time.perf_counter()
                for job_id in wanted:
                    client.get_export_job(job_id)
                sequential_s = time.perf_counter() - started
            raw_s = raw_concurrent_reads(url, wanted, parallelism)
        finally:
            stop()
    pages = max(1, math.ceil(jobs / PAGE_SIZE))
    return Figures(
        jobs_listed=len(listed),
        pages=pages,
        list_s=list_s,
        concurrent_reads_s=concurrent_s,
        sequential_reads_s=sequential_s,
        lower_bound_s=pages * latency + len(wanted) * latency / parallelism,
        sequential_bound_s=len(wanted) * latency,
        requests=stats.requests,
        retries=stats.retries,
        raw_reads_s=raw_s,
    )


def main(argv: list[str] | None = None) -> Figures:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--parallelism", type=int, default=16)
    args = parser.parse_args(argv)
    f = run(args.jobs, args.reads, args.latency_ms, args.parallelism)
    print(f"latency {args.latency_ms:g} ms, parallelism {args.parallelism}, page size {PAGE_SIZE}")
    print(f"list {f.jobs_listed} jobs: {f.pages} pages in {f.list_s:.2f} s")
    print(
        f"read {args.reads} jobs concurrently: {f.concurrent_reads_s:.2f} s "
        f"(bare httpx, same concurrency: {f.raw_reads_s:.2f} s -> "
        f"client/bare {f.concurrent_reads_s / f.raw_reads_s:.2f}x)"
    )
    print(
        f"refresh wall time {f.list_s + f.concurrent_reads_s:.2f} s, "
        f"{f.requests} requests, {f.retries} retries"
    )
    print(f"lower bound {f.lower_bound_s:.2f} s -> ratio {f.ratio:.2f}x (target <= 1.3x)")
    print(
        f"same reads one by one: {f.sequential_reads_s:.2f} s, bound {f.sequential_bound_s:.2f} s -> ratio "
        f"{f.sequential_ratio:.2f}x; concurrent reads are "
        f"{f.sequential_reads_s / f.concurrent_reads_s:.1f}x faster"
    )
    return f


if __name__ == "__main__":
    main(sys.argv[1:])
