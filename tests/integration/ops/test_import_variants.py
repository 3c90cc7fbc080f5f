"""``import export`` adopts a job made from the declaration, whatever the job record shows (every variant).

Job records show only part of the request (never ``fields`` or the filters other than segments), and
platforms differ in what they add: the merge policy's version (``merge_policy_echo=resolved``), the
dataset id's spelling, ``batches`` as an object, segment ids alone in listings. Import compares the
normalised identity (as recovery does), so a job created from the declaration is adopted for every
shape of export (incremental without segments, segmentPerBatch, a merge policy without version, ...),
finished or still running; afterwards ``drift`` finds nothing pending for it and nothing out of band.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aep_exports.cli import wiring
from support.never_twice import Bench
from support.shapes import MIXED, shapes_yaml

NOW = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)
CONTRACTS = [
    {},
    {"merge_policy_echo": "resolved", "listed_segments": "id-only", "dataset_id_key": "dataSetId"},
    {"merge_policy_echo": "resolved", "batches": "object", "dataset_id_key": "datasetId"},
]


@pytest.fixture(params=["asgi", "server"])
def bench(request: pytest.FixtureRequest, tmp_path: Path) -> Bench:
    return Bench.open(request.param, request, tmp_path)


@pytest.mark.parametrize("finished", [True, False], ids=["finished", "running"])
@pytest.mark.parametrize("contract", CONTRACTS, ids=["default", "resolved-id-only", "resolved-object"])
def test_jobs_made_from_the_declarations_are_imported_and_nothing_is_pending(
    bench: Bench, contract: dict[str, str], finished: bool
) -> None:
    shapes = [shape for shape in MIXED if not shape.key.endswith("twin")]
    project = bench.project(shapes_yaml(shapes, schedule="0 3 * * *"))
    with bench.admin(project) as admin:
        admin.set_contract(**contract)
        admin.configure(job_duration_s=0 if finished else 3600)
        admin.set_clock(NOW)
    _, desired = wiring.load_declared(project.settings)
    made: dict[str, int] = {}
    with wiring.open_client(project.settings, app=bench.app) as client:
        datasets = {key: client.create_dataset(want.body) for key, want in desired.datasets.items()}
        for key, want in desired.exports.items():
            assert want.dataset_key is not None
            job = client.create_export_job(want.build_body(datasets[want.dataset_key], None))
            made[key] = job.id
        deadline = time.monotonic() + 60  # a server runs its jobs in a worker thread: wait for them
        while finished and not all(client.get_export_job(job_id).is_finished for job_id in made.values()):
            assert time.monotonic() < deadline, "the platform did not finish the jobs"
            time.sleep(0.05)

    for key, dataset_id in datasets.items():
        imported = project.cli("import", "dataset", key, dataset_id)
        assert imported.exit_code == 0, imported.output
    for key, job_id in made.items():
        imported = project.cli("import", "export", key, str(job_id))
        assert imported.exit_code == 0, (key, contract, imported.output)
        assert f"Imported: job {job_id}" in imported.output

    state = project.state()
    for key, job_id in made.items():
        run: Any = state.exports[key].last_run()
        assert run.job_id == job_id and run.status == ("SUCCEEDED" if finished else "NEW"), (key, run)
    drift = bench.run(project, NOW + timedelta(minutes=5), "drift")
    assert drift.exit_code == 0, drift.output
    assert "spec changed" not in drift.output and "not started by" not in drift.output, drift.output
