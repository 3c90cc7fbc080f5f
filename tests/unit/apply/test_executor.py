"""The executor against the in-process local platform: order, placeholder ids, partial failure."""

from __future__ import annotations

from datetime import UTC, datetime

from aep_exports.apply import CapturedConsole, Ledger, clock_from, execute_plan
from aep_exports.client import ClientConfig, ClientCredentials, connect
from aep_exports.plan.actions import CreateDataset, RunExport, dataset_placeholder, digest_of
from aep_exports.plan.model import Plan
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID
from aep_exports.state.file_backend import FileStateBackend

NOW = datetime(2024, 5, 1, 4, tzinfo=UTC)
BODY = {
    "name": "t",
    "schemaRef": {
        "id": "https://ns.adobe.com/xdm/context/profile__union",
        "contentType": "application/vnd.adobe.xed+json;version=1",
    },
    "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
}


def _run(key: str, dataset_key: str | None, dataset_id: str | None = None) -> RunExport:
    body = {
        "destination": {"datasetId": dataset_id or dataset_placeholder(dataset_key or key)},
        "schema": {"name": "_xdm.context.profile"},
        "fields": f"identities.id,{key}",
    }
    return RunExport(
        key=key,
        reason="test",
        slot=NOW,
        window_from=None,
        window_to=NOW,
        incremental=False,
        dataset_id=dataset_id,
        dataset_key=dataset_key,
        request_body=body,
        body_digest=digest_of(body),
        spec={"request": body},
        spec_digest="x",
        after=[f"create_dataset:{dataset_key}"] if dataset_key else [],
    )


def _setup(platform_app, tmp_path):
    platform_app.platform.seed(DEV_ORG_ID, "dev", 5, 1)
    config = ClientConfig(
        base_url="http://local",
        org_id=DEV_ORG_ID,
        sandbox="dev",
        ims_url="http://local",
        credentials=ClientCredentials(DEV_CLIENT_ID, DEV_CLIENT_SECRET),
        retry_budget=1,
    )
    backend = FileStateBackend(tmp_path / "state", DEV_ORG_ID, "dev")
    return connect(config, app=platform_app), backend


def test_new_dataset_id_flows_into_dependent_runs_and_state_records_everything(platform_app, tmp_path):
    client, backend = _setup(platform_app, tmp_path)
    plan = Plan(
        created_at=NOW,
        now=NOW,
        actions=(
            CreateDataset(key="ds", reason="new", body=BODY, spec={"name": "t"}, spec_digest="d"),
            _run("a", "ds"),
            _run("b", "ds"),
        ),
    )
    console = CapturedConsole()
    with client, backend.lock(timeout=0, command="test"):
        report = execute_plan(plan, Ledger(backend), client, clock_from(NOW), console, parallelism=4)
    assert report.ok, console.text
    assert next(r.kind for r in report.results) == "create_dataset"
    state = backend.read()
    dataset_id = state.datasets["ds"].id
    for key in ("a", "b"):
        run = state.exports[key].runs[-1]
        assert run.job_id is not None and run.status in ("NEW", "PROCESSING", "SUCCEEDED")
    jobs = {job.id: job for job in connect_jobs(platform_app)}
    assert {job.dataset_id for job in jobs.values()} == {dataset_id}
    assert not state.open_intents()


def connect_jobs(platform_app):
    config = ClientConfig(
        base_url="http://local",
        org_id=DEV_ORG_ID,
        sandbox="dev",
        ims_url="http://local",
        credentials=ClientCredentials(DEV_CLIENT_ID, DEV_CLIENT_SECRET),
    )
    with connect(config, app=platform_app) as client:
        return client.list_export_jobs()


def test_a_failed_action_skips_its_dependents_and_the_rest_still_runs(platform_app, tmp_path):
    client, backend = _setup(platform_app, tmp_path)
    bad = dict(BODY, name="")  # the platform refuses an empty name
    good_id = None
    with client:
        good_id = client.create_dataset(BODY)
        plan = Plan(
            created_at=NOW,
            now=NOW,
            actions=(
                CreateDataset(key="broken", reason="new", body=bad, spec={}, spec_digest="d"),
                _run("needs_broken", "broken"),
                _run("independent", None, dataset_id=good_id),
                _run("refused", None, dataset_id="no-such-dataset"),
            ),
        )
        console = CapturedConsole()
        with backend.lock(timeout=0, command="test"):
            report = execute_plan(plan, Ledger(backend), client, clock_from(NOW), console, parallelism=2)
    outcomes = {r.key: r.outcome for r in report.results}
    assert outcomes["independent"] == "done"
    assert outcomes["refused"] == "failed"
    assert outcomes["broken"] == "failed" and outcomes["needs_broken"] == "skipped"
    assert not report.ok and "Apply finished with errors" in report.summary_line()
    state = backend.read()
    assert state.exports["independent"].runs[-1].job_id is not None
    # A refused create leaves no run behind: the export stays due and the next apply retries it.
    assert "refused" not in state.exports or not state.exports["refused"].runs
    assert not state.open_intents()
