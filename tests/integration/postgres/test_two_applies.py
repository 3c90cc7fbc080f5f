"""Two real `aep-exports apply` processes against one PostgreSQL state and one real platform server:
one wins, the other fails naming it, and nothing runs twice."""

from __future__ import annotations

import subprocess
from typing import Any

import httpx

from aep_exports.platform.credentials import DEV_ORG_ID
from aep_exports.state.postgres import PostgresStateBackend
from support.projects import ProjectFactory

SANDBOX = "pg-two-applies"
NOW = "2024-05-01T04:00:00Z"
EXPORTS = 5


def _declarations() -> str:
    lines = ["datasets:", "  target:", "    name: Two applies target", "exports:"]
    for index in range(EXPORTS):
        lines += [f"  export{index}:", "    dataset: target", '    schedule: "0 3 * * *"',
                  "    incremental: true", f"    fields: [identities.id, attr{index}]"]
    return "\n".join(lines) + "\n"


def test_two_applies_one_wins_the_other_names_it_and_nothing_runs_twice(
        platform_server: Any, pg_url: str, make_project: ProjectFactory) -> None:
    url = platform_server.url
    project = make_project(_declarations(), platform=url, sandbox=SANDBOX, profiles=None)
    env = {**project.env(), "AEP_STATE_URL": pg_url}
    args = project.command("apply", "--auto-approve", "--wait", "--now", NOW)
    with project.admin() as admin:
        # Jobs that take 2 s, and --wait: the winner holds the lock well past the loser's start-up.
        admin.configure(job_duration_s=2)
        try:
            procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True)
                     for _ in range(2)]
            results = [p.communicate(timeout=90) for p in procs]
        finally:
            admin.configure(job_duration_s=0)
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

