"""Soak runs of "never twice, never lost" (issue 11's figures), one command each, printing figures.

``kills``: per ``cancelled_job`` variant (what a cancelled job reads as: CANCELLED, FAILED, gone), a real
platform server (uvicorn, in a thread) holding every answer back 120 ms and hanging 25 % of the jobs,
the mix of export shapes of ``tests/support/shapes.py`` (incremental without segments and its twin,
each filter key alone, segmentPerBatch, merge policy with and without version) with ``timeout: 2h``;
``aep-exports apply`` runs as a process, a day later each round, and is killed (SIGKILL) at a random
moment until ``--kills`` kills landed (after each kill, that day's apply runs to its end, three hours
later: what the killed one left is recovered, every export runs, jobs hung since the day before are
cancelled by their timeout). Then faults off, applies converge, and the platform's own
records (internal status, the x-request-id that made each job) are compared with state: duplicates,
untracked jobs, wrongly cancelled jobs (target 0 each); how many jobs aep-exports cancelled, and
whether ``drift`` took any of them for an outside change.

``days``: ``--days`` simulated days, ``--exports`` exports of mixed shapes, 20 % of the API requests
answered 500/503 or 429, 5 % of the POST answers lost; each day ``apply`` runs until ``plan`` has
nothing left to do: the number of applies per day (target <= 2) and duplicates (target 0).

``doctor``: for every value of every contract variant, ``aep-exports platform serve`` with that flag
(a real process), a project applied on it (and one export removed, so a job gets cancelled), then
``aep-exports doctor --format json`` (a process): the value doctor names against the one served.

    .venv/bin/python benchmarks/never_twice_soak.py kills [--kills 30] [--variants cancelled,failed,gone]
    .venv/bin/python benchmarks/never_twice_soak.py days [--days 18] [--exports 20]
    .venv/bin/python benchmarks/never_twice_soak.py doctor [--variants NAME,...]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _support() -> None:
    sys.path.insert(0, str(ROOT / "tests"))  # the test support: platform server, projects, shapes, oracle


def kills(args: argparse.Namespace) -> None:
    _support()
    from support.invariants import never_twice, platform_records
    from support.killing import Killer
    from support.platform import start_platform_server
    from support.projects import Project, server_credentials
    from support.shapes import MIXED, shapes_yaml

    print(f"kill -9 trials: {args.kills} per cancelled-job variant, {len(MIXED)} exports of mixed shapes")
    for variant in args.variants.split(","):
        work = Path(tempfile.mkdtemp(prefix=f"kills-{variant}-"))
        server, stop = start_platform_server(
            work / "platform", job_duration_s=600, contract={"cancelled_job": variant}
        )
        # A killed apply leaves the server a half-read request, which uvicorn logs as an error: expected.
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        try:
            os.environ.update(server_credentials(server.url))
            project = Project(work / "project", platform=server.url).write(shapes_yaml(MIXED, timeout="2h"))
            project.seed()
            with project.admin() as admin:
                admin.set_faults(latency_ms=120, job_hang_rate=0.25, seed=11)
                admin.set_clock(START)
            killer = Killer(project, random.Random(f"kills-{variant}"))
            killer.calibrate(_stamp(START))
            day = START
            started = time.monotonic()
            while killer.kills < args.kills:
                day += timedelta(days=1)
                with project.admin() as admin:
                    admin.set_clock(day)
                killer.round(_stamp(day))
                # Then the day's apply runs to its end: every export runs, yesterday's hung jobs are
                # cancelled by their timeout, so the next kill may land in any of that.
                ended = project.run("apply", "--auto-approve", "--now", _stamp(day + timedelta(hours=3)))
                assert ended.returncode == 0, ended.stdout + ended.stderr
            rounds = (day - START).days
            with project.admin() as admin:
                admin.set_faults()
            applies = 0
            for later in (day, day + timedelta(hours=3), day + timedelta(hours=4)):
                with project.admin() as admin:
                    admin.set_clock(later)
                for _ in range(3):  # timeouts cancel the hung jobs, the retries start and finish
                    applies += 1
                    done = project.run("apply", "--auto-approve", "--now", _stamp(later))
                    assert done.returncode == 0, done.stdout + done.stderr
                    if "Nothing to do" in done.stdout:
                        break
            drift = project.run("drift", "--now", _stamp(day + timedelta(hours=4)))
            state = project.state()
            found = never_twice(state, platform_records(server.platform, "dev"))
            cancels = sum(run.cancelled_by_tool for record in state.exports.values() for run in record.runs)
            print(
                f"  cancelled_job={variant}: {rounds} rounds, {killer.kills} kills landed {killer.killed}, "
                f"{killer.interrupted} left an open intent; then {applies} applies converged; "
                f"{found.jobs} jobs, {found.slots} slots: duplicates {found.duplicates}, untracked "
                f"{found.untracked}, wrongly cancelled {found.wrongly_cancelled}, claimed twice "
                f"{found.tracked_twice}, open intents {found.open_intents}; {cancels} jobs cancelled by "
                f"aep-exports, drift exit {drift.returncode} "
                f"({'none taken for an outside change' if drift.returncode == 0 else drift.stdout.strip()}); "
                f"{time.monotonic() - started:.0f} s"
            )
            for detail in found.details[:10]:
                print(f"    {detail}")
        finally:
            stop()


def _status_counts(url: str) -> dict[str, int]:
    stats = httpx.get(f"{url}/local/stats", timeout=10).json()
    counts: dict[str, int] = {"api": 0, "5xx": 0, "429": 0, "dropped": sum(stats.get("dropped", {}).values())}
    for route, by_status in stats["routes"].items():
        if " /data/" not in route:
            continue
        for status, count in by_status.items():
            counts["api"] += count
            if status in ("500", "503"):
                counts["5xx"] += count
            elif status == "429":
                counts["429"] += count
    return counts


def days(args: argparse.Namespace) -> None:
    _support()
    from aep_exports.cli.main import cli
    from support.invariants import never_twice, platform_records
    from support.platform import start_platform_server
    from support.projects import Project, server_credentials
    from support.shapes import mixed, shapes_yaml

    work = Path(tempfile.mkdtemp(prefix="days-"))
    server, stop = start_platform_server(work / "platform", job_duration_s=600)
    try:
        env = server_credentials(server.url)
        os.environ.update(env)
        project = Project(work / "project", platform=server.url).write(shapes_yaml(mixed(args.exports)))
        project.seed()
        runner = CliRunner()
        per_day: list[int] = []
        started = time.monotonic()
        with project.admin() as admin:
            admin.set_faults(error_rate=0.14, drop_rate=0.05, rate_limit=args.rate_limit, seed=18)
            admin.clear_stats()
        for day in range(args.days):
            now = _stamp(START + timedelta(days=day))
            with project.admin() as admin:
                admin.set_clock(START + timedelta(days=day))
            base = ["--project", str(project.root)]
            applies = 0
            while applies < 5:
                applies += 1
                runner.invoke(cli, [*base, "apply", "--auto-approve", "--now", now], env=env)
                planned = runner.invoke(cli, [*base, "plan", "--detailed-exitcode", "--now", now], env=env)
                if planned.exit_code == 0:
                    break
            per_day.append(applies)
        counts = _status_counts(server.url)
        with project.admin() as admin:
            admin.set_faults()
        found = never_twice(project.state(), platform_records(server.platform, "dev"))
        share = (counts["5xx"] + counts["429"]) / max(1, counts["api"])
        print(
            f"{args.days} simulated days, {args.exports} exports of mixed shapes: applies per day until "
            f"nothing is left {per_day} (max {max(per_day)}, target <= 2); {found.jobs} jobs for "
            f"{found.slots} export-slots: duplicates {found.duplicates}, untracked {found.untracked}, "
            f"wrongly cancelled {found.wrongly_cancelled}, open intents {found.open_intents}; "
            f"{counts['api']} API requests, {counts['5xx']} x 5xx + {counts['429']} x 429 = {share:.0%}, "
            f"{counts['dropped']} POST answers dropped; {time.monotonic() - started:.0f} s"
        )
        for detail in found.details[:10]:
            print(f"  {detail}")
    finally:
        stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(data: Path, flag: str, value: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aep_exports", "platform", "serve", "--port", str(port), "--data", str(data),
         "--job-duration", "600", flag, value],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/local/contract", timeout=1).raise_for_status()
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"platform serve {flag} {value} did not start")


def doctor(args: argparse.Namespace) -> None:
    _support()
    from aep_exports.platform.contract import VARIANTS
    from support.projects import Project, server_credentials
    from support.shapes import SHOWCASE, shapes_yaml

    wanted = set(args.variants.split(",")) if args.variants else None
    right = total = 0
    print("doctor against `platform serve` in each variant (served value -> what doctor names):")
    for variant in VARIANTS:
        if wanted is not None and variant.name not in wanted:
            continue
        for value in variant.values:
            work = Path(tempfile.mkdtemp(prefix=f"doctor-{variant.name}-"))
            proc, url = _serve(work / "platform", variant.flag, value)
            try:
                os.environ.update(server_credentials(url))
                project = Project(work / "project", platform=url).write(shapes_yaml(SHOWCASE))
                project.seed()
                applied = project.run("apply", "--auto-approve")
                assert applied.returncode == 0, applied.stdout + applied.stderr
                project.write(shapes_yaml(SHOWCASE[1:]))  # the removed export's running job is cancelled
                cancelled = project.run("apply", "--auto-approve")
                assert "cancelled job" in cancelled.stdout, cancelled.stdout + cancelled.stderr
                ran = project.run("doctor", "--format", "json")
                report: dict[str, Any] = json.loads(ran.stdout)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            seen = report["contract"][variant.name]
            observable = variant.name not in ("missing_sandbox", "cancel_answer")
            ok = seen["value"] == value if observable else seen["value"] == "unknown"
            total += 1
            right += ok
            print(
                f"  {variant.name}={value}: doctor names {seen['value']!r} "
                f"({'right' if ok else 'WRONG'}{'' if observable else ', not observable read-only'}); "
                f"exit {ran.returncode}, {len(report['record_problems'])} unrecognised record(s)"
            )
    print(f"doctor named {right} of {total} served variant values as expected")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_kills = commands.add_parser("kills", help="kill -9 trials per cancelled-job variant")
    run_kills.add_argument("--kills", type=int, default=30)
    run_kills.add_argument("--variants", default="cancelled,failed,gone")
    run_days = commands.add_parser("days", help="simulated days under 429/5xx and dropped answers")
    run_days.add_argument("--days", type=int, default=18)
    run_days.add_argument("--exports", type=int, default=20)
    run_days.add_argument("--rate-limit", type=float, default=10.0, help="requests/s before 429")
    run_doctor = commands.add_parser("doctor", help="doctor names the variant platform serve shows")
    run_doctor.add_argument("--variants", default="", help="comma-separated variant names (default: all)")
    args = parser.parse_args()
    {"kills": kills, "days": days, "doctor": doctor}[args.command](args)


if __name__ == "__main__":
    main()
