"""Two real `aep-exports apply` processes against one PostgreSQL state and one real platform server:
one wins, the other fails naming it, and nothing runs twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID
from aep_exports.state.postgres import PostgresStateBackend

SANDBOX = "pg-two-applies"
NOW = "2024-05-01T04:00:00Z"
EXPORTS = 5


def write_project(root: Path, platform_url: str) -> Path:
    lines = ["datasets:", "  target:", "    name: Two applies target", "exports:"]
    for index in range(EXPORTS):
        lines += [f"  export{index}:", "    dataset: target", '    schedule: "0 3 * * *"',
                  "    incremental: true", f"    fields: [identities.id, attr{index}]"]
    (root / "exports").mkdir(parents=True)
    (root / "exports/main.yaml").write_text("\n".join(lines) + "\n")
    (root / "aep-exports.yaml").write_text(f"platform: {platform_url}\nsandbox: {SANDBOX}\n")
    return root


def test_two_applies_one_wins_the_other_names_it_and_nothing_runs_twice(
        platform_server: Any, pg_url: str, tmp_path: Path) -> None:
    pytest.importorskip("aep_exports.cli.apply_cmd", reason="the apply command is not written yet")
    url = platform_server.url
    project = write_project(tmp_path / "project", url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "GITHUB_"))}
    env.update({"AEP_CLIENT_ID": DEV_CLIENT_ID, "AEP_CLIENT_SECRET": DEV_CLIENT_SECRET,
                "AEP_ORG_ID": DEV_ORG_ID, "AEP_IMS_URL": url, "AEP_STATE_URL": pg_url,
                "PYTHONUNBUFFERED": "1"})
    args = [sys.executable, "-m", "aep_exports", "--project", str(project), "apply", "--auto-approve",
            "--wait", "--now", NOW]
    # Jobs that take 2 s, and --wait: the winner holds the lock well past the loser's start-up.
    httpx.put(f"{url}/local/settings", json={"job_duration_s": 2}, timeout=10).raise_for_status()
    try:
        procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        results = [p.communicate(timeout=90) for p in procs]
    finally:
        httpx.put(f"{url}/local/settings", json={"job_duration_s": 0}, timeout=10).raise_for_status()
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 1], results
    winner = procs[codes.index(0)]
    loser_err = results[codes.index(1)][1]
    assert "PostgreSQL state user=postgres dbname=test host=127.0.0.1 port=5432" in loser_err, loser_err
    assert f"is locked by pid {winner.pid} on host" in loser_err and "running 'apply'" in loser_err, loser_err

    state = PostgresStateBackend(pg_url, DEV_ORG_ID, SANDBOX).read()
    assert not state.open_intents()
    assert sorted(state.exports) == [f"export{i}" for i in range(EXPORTS)]
    job_ids = [run.job_id for record in state.exports.values() for run in record.runs]
    assert all(record.last_run().status == "SUCCEEDED" for record in state.exports.values())
    assert len(job_ids) == EXPORTS and None not in job_ids
    headers = platform_server.headers(SANDBOX)
    jobs = httpx.get(f"{url}/data/core/ups/export/jobs", params={"limit": 100}, headers=headers,
                     timeout=30).json()["records"]
    assert sorted(job["id"] for job in jobs) == sorted(job_ids)  # one job per export: no action ran twice
    datasets = httpx.get(f"{url}/data/foundation/catalog/dataSets", headers=headers, timeout=30).json()
    assert len(datasets) == 1 and list(datasets) == [state.datasets["target"].id]

