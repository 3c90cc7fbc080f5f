"""Apply under injected faults (real server, a mix of export shapes) and two applies racing for the lock."""

from __future__ import annotations

import subprocess

import pytest

from support.declarations import exports_yaml
from support.invariants import check_invariants, never_twice, platform_jobs, platform_records
from support.shapes import mixed, shapes_yaml

NOW = "2024-05-01T04:00:00Z"


def _apply(project, *extra: str):
    return project.cli("apply", "--auto-approve", "--now", NOW, *extra)


def test_fifty_due_exports_converge_under_faults_without_duplicates(platform_server, make_project):
    project = make_project(shapes_yaml(mixed(50)), platform=platform_server.url)
    with project.admin() as admin:
        admin.set_faults(error_rate=0.2, drop_rate=0.05, seed=7)
    outputs = []
    for _ in range(3):
        result = _apply(project, "--parallelism", "8")
        outputs.append(result.output)
        if result.exit_code == 0 and "Nothing to do" in result.output:
            break
    with project.admin() as admin:
        admin.set_faults()
    settled = _apply(project)
    assert settled.exit_code == 0 and "Nothing to do" in settled.output, "\n---\n".join(
        [*outputs, settled.output]
    )
    headers = platform_server.headers("dev")
    jobs = platform_jobs(platform_server.url, headers)
    assert len(jobs) == 50, f"{len(jobs)} jobs for 50 exports"
    check_invariants(project, headers)
    found = never_twice(project.state(), platform_records(platform_server.platform, "dev"))
    assert found.violations == 0, found.details
    assert all(record.last_run().job_id for record in project.state().exports.values())


def test_two_applies_started_together_one_fails_naming_the_holder(platform_server, make_project):
    project = make_project(exports_yaml(5), platform=platform_server.url)
    # Slow enough that the first apply still holds the lock when the second starts, even on a busy machine.
    with project.admin() as admin:
        admin.set_faults(latency_ms=200)
    args = project.command("apply", "--auto-approve", "--now", NOW)
    first = subprocess.Popen(
        args, env=project.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    second = subprocess.Popen(
        args, env=project.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    results = [p.communicate(timeout=60) for p in (first, second)]
    codes = sorted(p.returncode for p in (first, second))
    assert codes == [0, 1], results
    loser = next(err for (out, err), p in zip(results, (first, second), strict=True) if p.returncode == 1)
    assert "is locked by pid" in loser and "running 'apply'" in loser, loser
    check_invariants(project, platform_server.headers("dev"))
    assert len(platform_jobs(platform_server.url, platform_server.headers("dev"))) == 5


@pytest.mark.parametrize("fmt", ["text"])
def test_without_a_terminal_apply_refuses_unless_auto_approved(platform_server, make_project, fmt):
    project = make_project(exports_yaml(1), platform=platform_server.url)
    refused = project.cli("apply", "--now", NOW)
    assert refused.exit_code == 1
    assert "not a terminal" in refused.output
    assert platform_jobs(platform_server.url, platform_server.headers("dev")) == []
