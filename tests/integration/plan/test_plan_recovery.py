"""A crash between a job's POST and its result: drift and plan show the open intent; apply adopts the job."""

from __future__ import annotations

import pytest

from aep_exports.apply import Ledger, clock_from
from aep_exports.apply.recording import record_and_plan
from aep_exports.apply.runs import start_run
from aep_exports.cli.wiring import agree_on_now, load_declared, open_client, open_state, parse_now
from aep_exports.plan.model import PlanOptions
from aep_exports.state.model import RunStatus
from support.leftovers import DiesAfterPost, Killed
from support.projects import Project

DAY1 = "2024-05-01T04:00:00Z"
DAY2 = "2024-05-02T04:00:00Z"


def _crash_after_post(project: Project) -> int:
    """Plan DAY2 as apply does, then start its run and 'die' right after the POST: returns the job id."""
    settings = project.settings
    _, desired = load_declared(settings)
    backend = open_state(settings)
    with open_client(settings) as client, backend.lock(timeout=5, command="apply"):
        now = agree_on_now(settings, client, parse_now(DAY2))
        planned = record_and_plan(settings, client, backend, desired, now, PlanOptions(), command="apply")
        (action,) = [a for a in planned.plan.actions if a.kind == "run_export"]
        ids = {key: record.id for key, record in planned.state.datasets.items()}
        dying = DiesAfterPost(client)
        with pytest.raises(Killed):
            start_run(
                Ledger(backend, planned.state), dying, action, action.resolved_body(ids), clock_from(now)
            )
    (job_id,) = dying.created
    return job_id


def test_plan_previews_the_adoption_of_an_intent_left_open_by_a_crash_and_apply_does_it(project):
    first = project.cli("apply", "--auto-approve", "--now", DAY1)
    assert first.exit_code == 0, first.output
    job_id = _crash_after_post(project)
    backend = project.backend()
    (intent,) = backend.read().open_intents()
    assert intent.key == "daily"
    before = backend.read().to_json()

    drift = project.cli("drift", "--now", DAY2)
    assert drift.exit_code == 2 and "unresolved intent record" in drift.output, drift.output
    assert f"will adopt job {job_id}" in drift.output, drift.output

    planned = project.cli("plan", "--now", DAY2, "--detailed-exitcode")
    assert f"~ export daily: will adopt job {job_id}" in planned.output, planned.output
    assert "run export" not in planned.output, planned.output
    assert "Plan: 1 interrupted apply record to resolve." in planned.output, planned.output
    assert planned.exit_code == 2, "plan agrees with drift: the next apply has something to do"
    assert backend.read().to_json() == before, "plan and drift must not resolve intents"

    applied = project.cli("apply", "--auto-approve", "--now", DAY2)
    assert applied.exit_code == 0 and "Nothing to do" in applied.output, applied.output
    assert f"Recovered: export daily: adopted job {job_id}" in applied.output, applied.output
    doc = backend.read()
    assert not doc.open_intents()
    run = doc.exports["daily"].last_run()
    assert run is not None and run.job_id == job_id and run.slot == parse_now("2024-05-02T03:00:00Z")
    assert run.status != RunStatus.INTENT
    jobs = [r.job_id for r in doc.exports["daily"].runs]
    assert jobs.count(job_id) == 1 and len(jobs) == 2
