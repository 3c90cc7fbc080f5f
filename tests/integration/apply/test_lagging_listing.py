"""A listing that lags behind creates: every answer lost, the lookups see nothing, the POST is sent again.

On a platform whose job listing is eventually consistent, a job created a moment ago may not be listed
yet. Here every POST answer is lost and apply's lookups see no new job (the listing lags), so run A
sends its create three times and ends with its intent unresolved (three jobs on the platform, none in
state). Its twin B, whose job would look the same, is not started in that apply. The next apply
resolves A first: the oldest job is A's, the two others are extras A made itself (it counted three
requests), so they are cancelled, never anything else; then B runs. Every variant of request-id echo
and of what a cancelled job reads as, on the uvicorn server and the in-process app.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aep_exports.apply import runs
from support.never_twice import Bench
from support.shapes import ExportShape, shapes_yaml

NOW = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)
TWINS = [ExportShape("a", incremental=True), ExportShape("b", incremental=True)]


@pytest.fixture(params=["asgi", "server"])
def bench(request: pytest.FixtureRequest, tmp_path: Path) -> Bench:
    return Bench.open(request.param, request, tmp_path)


@pytest.mark.parametrize("request_id", ["generated", "echo"])
@pytest.mark.parametrize("cancelled_job", ["cancelled", "failed", "gone"])
def test_extras_of_a_run_are_cancelled_and_its_twin_waits(
    bench: Bench, request_id: str, cancelled_job: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = bench.project(shapes_yaml(TWINS))
    with bench.admin(project) as admin:
        admin.set_contract(request_id=request_id, cancelled_job=cancelled_job)
    assert "Apply complete" in bench.apply(project, NOW - timedelta(days=1))  # datasets, a first run each

    with bench.admin(project) as admin:
        admin.set_faults(drop_rate=1.0)
    with monkeypatch.context() as lagging:
        lagging.setattr(runs, "list_jobs_since", lambda client, since: [])
        first = bench.apply(project, NOW)
    assert "lost 3 times" in first, first
    assert "not started: the create of a, whose job would look the same, is still unresolved" in first, first
    [intent] = project.state().open_intents()
    assert (intent.key, intent.attempts) == ("a", 3)
    assert bench.check(project).untracked == 3

    with bench.admin(project) as admin:
        admin.set_faults()
    second = bench.apply(project, NOW)
    assert "Recovered: export a: adopted job" in second and "cancelled duplicate job(s)" in second, second
    found = bench.check(project)
    assert found.violations == 0, found.details
    state = project.state()
    slot = NOW.replace(hour=3)
    a_runs: list[Any] = [run for run in state.exports["a"].runs if run.slot == slot]
    assert sorted((run.status, run.cancelled_by_tool) for run in a_runs) == [
        ("CANCELLED", True), ("CANCELLED", True), ("NEW", False)
    ]
    assert [run.job_id is not None for run in state.exports["b"].runs if run.slot == slot] == [True]
    drift = bench.run(project, NOW, "drift")
    assert drift.exit_code == 0, drift.output
