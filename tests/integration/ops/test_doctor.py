"""``aep-exports doctor`` against the local platform in every contract variant, both ways in.

- it names the variant the platform shows, for every value of every variant a read-only visit can see,
  once the sandbox holds what shows it (jobs with and without segment-per-batch, a job created without a
  merge policy, a job aep-exports cancelled), and says "unknown" (with the values still possible) when
  nothing shows it yet; it finds nothing it does not recognise;
- it is read-only: no lock, no state write, only GETs reach the platform;
- a failed step (token, sandbox entitlement, a missing reference, bad settings) exits 1 with what to do;
  a record the client cannot read is listed (and shown by plan and drift as a warning).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from aep_exports.ops.doctor_contract import VARIANT_NAMES
from aep_exports.platform.contract import VARIANTS
from aep_exports.state.file_backend import FileStateBackend
from support.declarations import MISSING_POLICY, SEGMENT
from support.never_twice import Bench
from support.projects import Project
from support.shapes import SHOWCASE, ExportShape, shapes_yaml

SCHEMA = Path(__file__).resolve().parents[3] / "schemas" / "doctor.schema.json"
DAY1 = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)
SHAPES = SHOWCASE
# Every value of every variant a read-only visit can see, in three platforms.
CONTRACTS = [
    dict(cancelled_job="cancelled", batches="array", merge_policy_paging="links", request_id="generated",
         listed_segments="as-requested", merge_policy_echo="as-requested", dataset_id_key="seed"),
    dict(cancelled_job="failed", batches="object", merge_policy_paging="page", request_id="echo",
         listed_segments="id-only", merge_policy_echo="resolved", dataset_id_key="dataSetId"),
    dict(cancelled_job="gone", batches="array", merge_policy_paging="page", request_id="echo",
         listed_segments="id-only", merge_policy_echo="as-requested", dataset_id_key="datasetId"),
]
NOT_OBSERVABLE = ("missing_sandbox", "cancel_answer")


@pytest.fixture(params=["asgi", "server"])
def bench(request: pytest.FixtureRequest, tmp_path: Path) -> Bench:
    return Bench.open(request.param, request, tmp_path)


def doctor(project: Project, *extra: str, code: int = 0) -> dict[str, Any]:
    result = project.cli("doctor", "--format", "json", *extra)
    assert result.exit_code == code, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    errors = [e.message for e in Draft202012Validator(json.loads(SCHEMA.read_text())).iter_errors(data)]
    assert errors == [], errors
    return data


def test_doctor_knows_every_variant_of_the_platform() -> None:
    assert set(VARIANT_NAMES) == {variant.name for variant in VARIANTS}


@pytest.mark.parametrize("contract", CONTRACTS, ids=["defaults", "others", "gone"])
def test_doctor_names_the_variant_the_platform_shows(bench: Bench, contract: dict[str, str]) -> None:
    project = bench.project(shapes_yaml(SHAPES))
    with bench.admin(project) as admin:
        admin.set_contract(**contract)
    unknown = dict.fromkeys(VARIANT_NAMES, "unknown")
    paging = {"merge_policy_paging": contract["merge_policy_paging"]}  # the seed's policies show it at once
    before = doctor(project)["contract"]
    assert {name: seen["value"] for name, seen in before.items()} == {**unknown, **paging}
    assert before["cancelled_job"]["candidates"] == ["cancelled", "failed", "gone"]

    assert "Apply complete" in bench.apply(project, DAY1)
    project.write(shapes_yaml(SHAPES[1:]))  # "removed" is no longer declared: its running job is cancelled
    assert "cancelled job" in bench.apply(project, DAY1 + timedelta(minutes=5))
    report = doctor(project)

    seen = {name: value["value"] for name, value in report["contract"].items()}
    assert seen == {**unknown, **contract}, report["contract"]
    assert report["ok"] and report["record_problems"] == []
    assert [check["status"] for check in report["checks"]] == ["ok"] * len(report["checks"])


def test_doctor_reads_only(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    project = bench.project(shapes_yaml(SHAPES))
    bench.apply(project, DAY1)
    stored = project.state().model_dump_json()

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("doctor must not lock or write state")

    with bench.admin(project) as admin:
        admin.clear_stats()
    with monkeypatch.context() as patch:
        patch.setattr(FileStateBackend, "lock", forbidden)
        patch.setattr(FileStateBackend, "write", forbidden)
        text = project.cli("doctor")
    assert text.exit_code == 0, text.output
    assert "No problem found." in text.output and "merge_policy_paging" in text.output
    with bench.admin(project) as admin:
        routes = admin.stats()["routes"]
    assert {route.split(" ", 1)[0] for route in routes if " /data/" in route} == {"GET"}, routes
    assert project.state().model_dump_json() == stored


def test_a_failed_step_exits_1_and_says_what_to_do(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    project = bench.project(shapes_yaml([ExportShape("fine")]) + f"""\
  broken:
    dataset: alpha
    schedule: manual
    mergePolicy: {{id: {MISSING_POLICY}}}
    filter:
      segments:
        - segmentId: {SEGMENT}
        - segmentId: no-such-segment
""")
    report = doctor(project, code=1)
    [failed] = [check for check in report["checks"] if check["status"] == "error"]
    assert failed["name"] == "references" and failed["hint"]
    assert failed["details"] == [f"merge policy {MISSING_POLICY}", "segment no-such-segment"]
    text = project.cli("doctor").output
    assert "✗ references" in text and "→ fix the ids in exports/*.yaml" in text
    assert "Doctor found a problem: references." in text

    (project.root / "aep-exports.yaml").write_text("platform: local\nsandbox: [not, a, name]\n")
    report = doctor(project, code=1)
    assert [check["name"] for check in report["checks"]] == ["settings"]
    assert "Traceback" not in project.cli("doctor").output

    if bench.kind == "server":
        project.write(shapes_yaml([ExportShape("fine")]))
        monkeypatch.setenv("AEP_CLIENT_SECRET", "not-the-secret")
        report = doctor(project, code=1)
        assert report["checks"][-1]["name"] == "token" and "secret" in report["checks"][-1]["hint"]
        assert "not-the-secret" not in json.dumps(report)


def test_a_record_the_client_cannot_read_is_listed_and_warned_about(bench: Bench) -> None:
    project = bench.project(shapes_yaml([ExportShape("fine")]))
    bench.apply(project, DAY1)
    [job_id] = project.state().tracked_job_ids()
    # A record in a shape nothing documents (a status that is not a word): the client skips it.
    bench.platform.db.execute("UPDATE jobs SET wire = ? WHERE id = ?",
                              (json.dumps({"id": job_id, "status": {"odd": True}}), job_id))
    report = doctor(project)
    assert report["record_problems"] and f"export job {job_id}" in report["record_problems"][0]
    assert report["checks"][-1]["name"] == "records" and report["checks"][-1]["status"] == "warning"
    plan = bench.run(project, DAY1 + timedelta(minutes=1), "plan")
    assert f"Warning: a platform record aep-exports does not recognise: export job {job_id}" in plan.output
    assert "aep-exports doctor" in plan.output
    drift = bench.run(project, DAY1 + timedelta(minutes=1), "drift")
    assert f"export job {job_id}" in drift.output, drift.output
