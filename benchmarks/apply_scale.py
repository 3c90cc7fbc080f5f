"""Apply at scale against a real local platform server (50 ms latency, 50 requests/s rate limit).

Part 1: apply 500 due exports; prints wall time, requests, 429s seen, the ratio of the wall time to
the rate-limit bound (requests / 50 per second; target <= 1.25x) and duplicate jobs (target 0).
Part 2: a warm `plan` with 20,000 jobs of history on the platform; prints its request count and wall
time, and the same for 2,000 jobs: the request count must not grow with the history.

    .venv/bin/python benchmarks/apply_scale.py [--exports N] [--history N]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
RATE, LATENCY_MS = 50, 50


def _load(name: str, path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def api_requests(url: str) -> tuple[int, int]:
    """(API requests, 429 answers) the platform counted since the last stats reset."""
    stats = httpx.get(f"{url}/local/stats", timeout=10).json()
    total = limited = 0

    def walk(node: object, path: str = "") -> None:
        nonlocal total, limited
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, int) and "/data/" in path and "/local" not in path and "/ims" not in path:
            total += node
            if path.endswith("/429"):
                limited += node

    walk(stats)
    return total, limited


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exports", type=int, default=500)
    parser.add_argument("--history", type=int, default=20_000)
    args = parser.parse_args()
    helpers = _load("apply_project", ROOT / "tests/integration/apply/apply_project.py")
    harness = _load("tests_conftest", ROOT / "tests/conftest.py")
    from aep_exports.cli.main import cli
    from aep_exports.platform.backend.scope import Caller
    from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_ORG_ID

    work = Path(tempfile.mkdtemp(prefix="apply-scale-"))
    server, stop = harness.start_platform_server(work / "platform", job_duration_s=0)
    url = server.url
    try:
        helpers.prepare_server(url)
        project = helpers.write_project(work / "project", url, helpers.exports_yaml(args.exports))
        env = {k: v for k, v in helpers.server_env(url).items() if k.startswith("AEP_")}
        runner = CliRunner()
        invoke = lambda *a: runner.invoke(cli, ["--project", str(project), *a], env=env)  # noqa: E731
        helpers.put_faults(url, latency_ms=LATENCY_MS, rate_limit=RATE)
        httpx.delete(f"{url}/local/stats", timeout=10)
        started = time.monotonic()
        result = invoke("apply", "--auto-approve", "--parallelism", "16", "--now", "2024-05-01T04:00:00Z")
        wall = time.monotonic() - started
        assert result.exit_code == 0, result.output[-3000:]
        requests, limited = api_requests(url)
        jobs = helpers.platform_jobs(url, server.headers("dev"))
        per_body = Counter((j.get("fields"), j["destination"].get("datasetId")) for j in jobs)
        duplicates = sum(n - 1 for n in per_body.values() if n > 1)
        bound = requests / RATE
        print(
            f"apply of {args.exports} due exports: wall {wall:.1f} s, {requests} API requests, "
            f"{limited} x 429, "
            f"rate-limit bound {bound:.1f} s, ratio {wall / bound:.2f}x (target <= 1.25), "
            f"jobs {len(jobs)}, duplicates {duplicates}"
        )

        helpers.put_faults(url, latency_ms=LATENCY_MS)
        caller = Caller(DEV_CLIENT_ID, DEV_ORG_ID, "dev")
        body = {
            "destination": {"datasetId": jobs[0]["destination"]["datasetId"]},
            "schema": {"name": "_xdm.context.profile"},
            "fields": "identities.id",
        }
        figures = []
        # History created 'yesterday' by someone else; the warm plan lists only back to its last refresh.
        for target in (args.history // 10, args.history):
            while len(helpers.platform_jobs(url, server.headers("dev"))) < target:
                for _ in range(min(1000, target)):
                    server.platform.jobs.create(caller, body)
                if len(helpers.platform_jobs(url, server.headers("dev"))) >= target:
                    break
            invoke("refresh", "--now", "2024-05-01T05:10:00Z")
            httpx.delete(f"{url}/local/stats", timeout=10)
            started = time.monotonic()
            planned = invoke("plan", "--now", "2024-05-01T05:30:00Z")
            elapsed = time.monotonic() - started
            assert planned.exit_code == 0, planned.output[-2000:]
            count, _ = api_requests(url)
            figures.append((target, count, elapsed))
            print(f"warm plan with {target} jobs of history: {count} API requests, {elapsed:.2f} s")
        (small_n, small_req, _), (big_n, big_req, _) = figures
        print(
            f"request growth {small_n} -> {big_n} jobs: {small_req} -> {big_req} "
            f"({'constant' if big_req <= small_req + 2 else 'GROWS'})"
        )
    finally:
        stop()


if __name__ == "__main__":
    main()
