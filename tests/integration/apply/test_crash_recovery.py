"""kill -9 of `aep-exports apply` at random instants never duplicates a job nor loses one."""

from __future__ import annotations

import random
import subprocess
import time
from datetime import UTC, datetime, timedelta

import httpx
from apply_project import (
    check_invariants,
    cli_args,
    exports_yaml,
    prepare_server,
    read_state,
    run_cli,
    server_env,
    write_project,
)

KILLS = 20
EXPORTS = 6
START = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_kill_minus_nine_at_random_moments_then_apply_again(platform_server, tmp_path):
    url = platform_server.url
    prepare_server(url)
    # Latency stretches each apply over ~1 s, so a random kill lands anywhere in it.
    httpx.put(f"{url}/local/faults", json={"latency_ms": 60}, timeout=10).raise_for_status()
    project = write_project(tmp_path / "project", url, exports_yaml(EXPORTS))
    rng = random.Random(20240301)
    # Calibrate: an uninterrupted apply's wall time; its requests and state writes fill its last part.
    started = time.monotonic()
    first = run_cli(project, url, "apply", "--auto-approve", "--parallelism", "2", "--now", _stamp(START))
    assert first.returncode == 0, first.stdout + first.stderr
    span = time.monotonic() - started
    killed = interrupted = 0
    day = 0
    for _ in range(KILLS):
        day += 1
        now = _stamp(START + timedelta(days=day))
        args = cli_args(project, "apply", "--auto-approve", "--parallelism", "2", "--now", now)
        proc = subprocess.Popen(args, env=server_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.45, 0.95) * span)
        if proc.poll() is None:
            proc.kill()  # SIGKILL: no cleanup, no finally blocks
            killed += 1
        proc.wait(timeout=30)
        doc = read_state(project)
        if doc.open_intents():
            interrupted += 1  # killed between an intent and its result: the next apply must recover it
        # The next iteration's apply (one day later) first recovers what this one left, then carries on.
    assert killed >= KILLS // 2, f"only {killed} applies were killed mid-way"
    last_day = _stamp(START + timedelta(days=day))
    final = run_cli(project, url, "apply", "--auto-approve", "--wait", "--now", last_day)
    assert final.returncode == 0, final.stdout + final.stderr
    figures = check_invariants(project, url, platform_server.headers("dev"))
    assert interrupted >= 3, f"only {interrupted} kills landed between an intent and its result"
    assert figures["jobs"] >= EXPORTS * 4, figures
