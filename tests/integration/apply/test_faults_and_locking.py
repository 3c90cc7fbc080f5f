"""Apply under injected faults (real server) and two applies racing for the state lock."""

from __future__ import annotations

import subprocess

import pytest
from apply_project import (
    check_invariants,
    cli_args,
    exports_yaml,
    platform_jobs,
    prepare_server,
    put_faults,
    read_state,
    server_env,
    write_project,
)
from click.testing import CliRunner

from aep_exports.cli.main import cli

NOW = "2024-05-01T04:00:00Z"


def _apply(project, *extra: str):
    return CliRunner().invoke(
        cli, ["--project", str(project), "apply", "--auto-approve", "--now", NOW, *extra]
    )


def test_fifty_due_exports_converge_under_faults_without_duplicates(platform_server, tmp_path, monkeypatch):
    url = platform_server.url
    prepare_server(url)
    for name, value in server_env(url).items():
        if name.startswith("AEP_"):
            monkeypatch.setenv(name, value)
    project = write_project(tmp_path / "project", url, exports_yaml(50))
    put_faults(url, error_rate=0.2, drop_rate=0.05, seed=7)
    outputs = []
    for _ in range(3):
        result = _apply(project, "--parallelism", "8")
        outputs.append(result.output)
        if result.exit_code == 0 and "Nothing to do" in result.output:
            break
    put_faults(url)
    settled = _apply(project)
    assert settled.exit_code == 0 and "Nothing to do" in settled.output, "\n---\n".join(
        [*outputs, settled.output]
    )
    headers = platform_server.headers("dev")
    jobs = platform_jobs(url, headers)
    assert len(jobs) == 50, f"{len(jobs)} jobs for 50 exports"
    check_invariants(project, url, headers)
    assert all(record.last_run().job_id for record in read_state(project).exports.values())


def test_two_applies_started_together_one_fails_naming_the_holder(platform_server, tmp_path):
    url = platform_server.url
    prepare_server(url)
    # Slow enough that the first apply still holds the lock when the second starts, even on a busy machine.
    put_faults(url, latency_ms=200)
    project = write_project(tmp_path / "project", url, exports_yaml(5))
    args = cli_args(project, "apply", "--auto-approve", "--now", NOW)
    first = subprocess.Popen(
        args, env=server_env(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    second = subprocess.Popen(
        args, env=server_env(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    results = [p.communicate(timeout=60) for p in (first, second)]
    codes = sorted(p.returncode for p in (first, second))
    assert codes == [0, 1], results
    loser = next(err for (out, err), p in zip(results, (first, second), strict=True) if p.returncode == 1)
    assert "is locked by pid" in loser and "running 'apply'" in loser, loser
    check_invariants(project, url, platform_server.headers("dev"))
    assert len(platform_jobs(url, platform_server.headers("dev"))) == 5


@pytest.mark.parametrize("fmt", ["text"])
def test_without_a_terminal_apply_refuses_unless_auto_approved(platform_server, tmp_path, monkeypatch, fmt):
    url = platform_server.url
    prepare_server(url)
    for name, value in server_env(url).items():
        if name.startswith("AEP_"):
            monkeypatch.setenv(name, value)
    project = write_project(tmp_path / "project", url, exports_yaml(1))
    refused = CliRunner().invoke(cli, ["--project", str(project), "apply", "--now", NOW])
    assert refused.exit_code == 1
    assert "not a terminal" in refused.output
    assert platform_jobs(url, platform_server.headers("dev")) == []
