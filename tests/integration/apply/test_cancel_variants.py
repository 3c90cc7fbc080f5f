"""Our own cancels are never drift; an outside one is, whatever a cancelled job reads as (every variant).

Per ``cancelled_job`` variant (CANCELLED, FAILED with an error, gone), on the uvicorn server and on
the in-process app:

1. day 1: the export's job hangs; three hours later apply cancels it (``timeout: 2h``): the run is
   CANCELLED by aep-exports, and ``drift`` reports nothing out of band;
2. day 2: the next job is cancelled by someone else (a DELETE straight to the API): ``drift`` exits 3
   ("cancelled outside aep-exports", or "missing on the platform" when the job is gone), except where
   the platform shows a cancelled job as FAILED: then the run is the failure it reads as, reported with
   the platform's error (nothing tells it from a failure but an undocumented message), and retried.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aep_exports.cli import wiring
from aep_exports.state.model import RunStatus
from support.never_twice import Bench
from support.shapes import ExportShape, shapes_yaml

DAY1 = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
KEY = "nightly"
OUTSIDE = {"cancelled": "was cancelled outside aep-exports", "gone": "is missing on the platform"}


@pytest.fixture(params=["asgi", "server"])
def bench(request: pytest.FixtureRequest, tmp_path: Path) -> Bench:
    return Bench.open(request.param, request, tmp_path)


@pytest.mark.parametrize("variant", ["cancelled", "failed", "gone"])
def test_a_timeout_cancel_is_ours_and_an_outside_cancel_is_reported(bench: Bench, variant: str) -> None:
    project = bench.project(shapes_yaml([ExportShape(KEY, incremental=True)], timeout="2h"))
    with bench.admin(project) as admin:
        admin.set_contract(cancelled_job=variant)
        admin.set_faults(job_hang_rate=1.0)
    assert "started job" in bench.apply(project, DAY1)
    hung = project.state().exports[KEY].runs[-1]

    cancelled = bench.apply(project, DAY1 + timedelta(hours=3))
    assert f"cancelled job {hung.job_id} (timeout)" in cancelled, cancelled
    run = project.state().exports[KEY].find_run(job_id=hung.job_id)
    assert run is not None and (run.status, run.cancelled_by_tool) == (RunStatus.CANCELLED, True)
    quiet = bench.run(project, DAY1 + timedelta(hours=4), "drift")
    assert quiet.exit_code == 0, quiet.output
    assert "outside aep-exports" not in quiet.output and "missing on the platform" not in quiet.output

    with bench.admin(project) as admin:
        admin.set_faults()
    bench.converge(project, DAY2)
    job_id = project.state().exports[KEY].runs[-1].job_id
    assert job_id is not None
    with wiring.open_client(project.settings, app=bench.app) as client:
        client.cancel_export_job(job_id)  # someone else's DELETE

    drift = bench.run(project, DAY2 + timedelta(minutes=5), "drift")
    if variant == "failed":
        assert drift.exit_code == 0, drift.output
        assert f"the last run (job {job_id}" in drift.output and "Export job was cancelled." in drift.output
    else:
        assert drift.exit_code == 3, drift.output
        expected = OUTSIDE[variant]
        assert f"job {job_id} (slot 2024-03-02T03:00:00Z) {expected}" in drift.output, drift.output
    refreshed = bench.run(project, DAY2 + timedelta(minutes=5), "refresh")
    assert refreshed.exit_code == 0, refreshed.output
    run = project.state().exports[KEY].find_run(job_id=job_id)
    assert run is not None and not run.cancelled_by_tool
    assert run.status == {"cancelled": "CANCELLED", "failed": "FAILED", "gone": "MISSING"}[variant]
