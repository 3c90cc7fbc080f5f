"""Apply at scale against a real local platform server (50 ms latency, 50 requests/s rate limit).

Part 1: apply 500 due exports; prints wall time, requests, 429s seen, the ratio of the wall time to
the rate-limit bound (requests / 50 per second; target <= 1.25x), duplicate jobs (target 0), and where
the time went (start-up, recovery + refresh + plan, execution).
Part 2: a warm `plan` with 2,000 then 20,000 jobs of history on the platform (created the week
before, inserted straight through the platform's backend); prints each plan's request count and wall
time: the request count must not grow with the history.

The server is uvicorn on 127.0.0.1 in a thread of this process; the CLI runs in-process (CliRunner).
The platform's clock is set to each command's ``--now`` (a server keeps its own clock). The applied
jobs end an hour later on that clock, so the platform does not run their exports (in this process,
competing with the apply for the interpreter) while the apply is timed.

    .venv/bin/python benchmarks/apply_scale.py [--exports N] [--history N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
RATE, LATENCY_MS = 50, 50
APPLY_AT = "2024-05-01T04:00:00Z"
REFRESH_AT = "2024-05-01T05:10:00Z"
PLAN_AT = "2024-05-01T05:30:00Z"
HISTORY_AT = "2024-04-24T00:00:00Z"  # a week before: long before the last refresh


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


class Phases:
    """Wall-clock marks around the pipeline's steps (patched in; the CLI looks them up at call time)."""

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}

    @contextmanager
    def installed(self) -> Iterator[None]:
        import aep_exports.apply as apply_pkg
        import aep_exports.apply.recording as pipeline

        saved = (pipeline.record_and_plan, apply_pkg.apply_plan)
        pipeline.record_and_plan = self._wrap(saved[0], "plan")  # type: ignore[assignment]
        apply_pkg.apply_plan = self._wrap(saved[1], "execute")  # type: ignore[assignment]
        try:
            yield
        finally:
            pipeline.record_and_plan, apply_pkg.apply_plan = saved  # type: ignore[assignment]

    def _wrap(self, function: Callable[..., Any], name: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.marks[f"{name} start"] = time.monotonic()
            try:
                return function(*args, **kwargs)
            finally:
                self.marks[f"{name} end"] = time.monotonic()

        return timed

    def split(self, started: float, ended: float) -> str:
        m = self.marks
        parts = [
            ("start-up (settings, declarations, client)", m["plan start"] - started),
            ("recovery + refresh + plan", m["plan end"] - m["plan start"]),
            ("render + confirm", m["execute start"] - m["plan end"]),
            ("execution (intents, POSTs, results)", m["execute end"] - m["execute start"]),
            ("summary", ended - m["execute end"]),
        ]
        return "; ".join(f"{name} {seconds:.2f} s" for name, seconds in parts)


def set_clock(url: str, instant: str) -> None:
    # Moving the clock first finishes the jobs that became due (running their exports): be patient.
    httpx.post(f"{url}/local/clock", json={"set": instant}, timeout=300).raise_for_status()


def put_faults(url: str, **faults: Any) -> None:
    httpx.put(f"{url}/local/faults", json=faults, timeout=10).raise_for_status()


def add_history(server: Any, url: str, dataset_id: str, count: int) -> None:
    """``count`` jobs created at HISTORY_AT by another client, through the backend (no HTTP)."""
    from aep_exports.platform.backend.scope import Caller
    from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_ORG_ID

    caller = Caller(DEV_CLIENT_ID, DEV_ORG_ID, "dev")
    body = {
        "destination": {"datasetId": dataset_id},
        "schema": {"name": "_xdm.context.profile"},
        "fields": "identities.id",
    }
    set_clock(url, HISTORY_AT)
    # Created a week ago and never run here: the worker would otherwise run 20,000 exports.
    httpx.put(f"{url}/local/settings", json={"job_duration_s": 10**9}, timeout=10).raise_for_status()
    try:
        for _ in range(count):
            server.platform.jobs.create(caller, body)
    finally:
        httpx.put(f"{url}/local/settings", json={"job_duration_s": 0}, timeout=10).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exports", type=int, default=500)
    parser.add_argument("--history", type=int, default=20_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))  # the test support: the platform server, projects
    from aep_exports.cli.main import cli
    from support.declarations import exports_yaml
    from support.invariants import platform_jobs
    from support.platform import start_platform_server
    from support.projects import Project, server_credentials

    work = Path(tempfile.mkdtemp(prefix="apply-scale-"))
    server, stop = start_platform_server(work / "platform", job_duration_s=0)
    url = server.url
    try:
        env = server_credentials(url)
        os.environ.update(env)
        project = Project(work / "project", platform=url).write(exports_yaml(args.exports)).seed()
        runner = CliRunner()

        def invoke(*cli_args: str, now: str) -> Any:
            set_clock(url, now)
            return runner.invoke(cli, ["--project", str(project.root), *cli_args, "--now", now], env=env)

        put_faults(url, latency_ms=LATENCY_MS, rate_limit=RATE)
        # The jobs end an hour later (platform clock), so that their 500 exports do not run in this
        # process while the apply is timed; the refresh at REFRESH_AT finds them finished.
        httpx.put(f"{url}/local/settings", json={"job_duration_s": 3600}, timeout=10).raise_for_status()
        httpx.delete(f"{url}/local/stats", timeout=10)
        phases = Phases()
        with phases.installed():
            started = time.monotonic()
            result = invoke("apply", "--auto-approve", "--parallelism", "16", now=APPLY_AT)
            ended = time.monotonic()
        assert result.exit_code == 0, result.output[-3000:]
        wall = ended - started
        requests, limited = api_requests(url)
        jobs = platform_jobs(url, server.headers("dev"))
        # One job per export is right; job records do not show which export a job is for (no fields).
        duplicates = max(0, len(jobs) - args.exports)
        bound = requests / RATE
        print(
            f"apply of {args.exports} due exports: wall {wall:.1f} s, {requests} API requests, "
            f"{limited} x 429, rate-limit bound {bound:.1f} s, ratio {wall / bound:.2f}x (target <= 1.25), "
            f"jobs {len(jobs)}, duplicates {duplicates}"
        )
        print(f"  time split: {phases.split(started, ended)}")

        put_faults(url, latency_ms=LATENCY_MS)
        httpx.put(f"{url}/local/settings", json={"job_duration_s": 0}, timeout=10).raise_for_status()
        dataset_id = jobs[0]["destination"]["datasetId"]
        refreshed = invoke("refresh", now=REFRESH_AT)  # records the 500 outcomes: the state is warm
        assert refreshed.exit_code == 0, refreshed.output[-2000:]
        figures = []
        history = 0
        for target in (args.history // 10, args.history):
            building = time.monotonic()
            add_history(server, url, dataset_id, target - history)
            history = target
            built = time.monotonic() - building
            httpx.delete(f"{url}/local/stats", timeout=10)
            started = time.monotonic()
            planned = invoke("plan", now=PLAN_AT)
            elapsed = time.monotonic() - started
            assert planned.exit_code == 0, planned.output[-2000:]
            count, _ = api_requests(url)
            figures.append((target, count, elapsed))
            print(
                f"warm plan with {target + len(jobs)} jobs on the platform ({target} of history, "
                f"built in {built:.1f} s): {count} API requests, {elapsed:.2f} s"
            )
        (small_n, small_req, _), (big_n, big_req, _) = figures
        print(
            f"request growth {small_n} -> {big_n} jobs of history: {small_req} -> {big_req} "
            f"({'constant' if big_req <= small_req else 'GROWS'})"
        )
    finally:
        stop()


if __name__ == "__main__":
    main()
