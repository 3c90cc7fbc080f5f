"""A second job that looks like an open intent's: cancelled only when it is certainly the intent's own.

The situation is produced for real against the platform server:

1. day 1: a clean apply creates the dataset and the export's first job;
2. day 2: `aep-exports apply` runs as a process while the platform drops every POST answer (the job
   is created, its answer lost) and holds API answers back; the process is killed (SIGKILL) as soon as
   the run is recorded ``UNKNOWN``, i.e. before its own lookup could adopt the job: state holds an open
   intent and the platform holds job A;
3. a second job B with the very same request body is created in the same dataset, after the intent
   started (the platform clock agrees with the tool's ``--now``):

   - by someone else: B is not the intent's (one create request was sent, and A answers for it).
     `plan` adopts A and leaves B alone; `drift` reports B as started outside aep-exports; nothing
     ever cancels it;
   - as a retry of the intent's own request (it carries the intent's ``x-request-id``, on a platform that
     echoes it): B is certainly an extra of the intent. `plan` shows it will adopt A and cancel B;
     `refresh` adopts A, cancels B and records it as a duplicate cancelled by the tool; `drift` stays quiet.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.model import RunStatus
from support.declarations import exports_yaml
from support.invariants import platform_jobs
from support.projects import Project

pytestmark = pytest.mark.timeout(60)

KEY = "export000"
DAY1 = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
SLOT2 = DAY2.replace(hour=3)
# Holds every API answer back so the killed apply is still waiting on its lookup after the lost POST.
LATENCY_MS = 400
POLL_S = 0.005


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _run_unknown(state_path: Path) -> bool:
    """The killed apply's POST answer was lost and recorded, its lookup not done yet."""
    try:
        doc = json.loads(state_path.read_bytes())
    except (OSError, ValueError):
        return False
    runs = ((doc.get("exports") or {}).get(KEY) or {}).get("runs") or []
    return bool(runs) and runs[-1].get("status") == RunStatus.UNKNOWN


def _kill_after_lost_answer(project: Project, state_path: Path) -> None:
    args = project.command("apply", "--auto-approve", "--parallelism", "1", "--now", _stamp(DAY2))
    proc = subprocess.Popen(args, env=project.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not _run_unknown(state_path) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(POLL_S)
        assert proc.poll() is None, "apply ended before its lost answer could be caught: " + b"".join(
            proc.communicate()
        ).decode(errors="replace")
        assert _run_unknown(state_path), "apply never recorded the lost create answer"
    finally:
        proc.kill()  # SIGKILL: its own lookup never runs
        proc.wait(timeout=30)


def _open_intent_with_job_a(project: Project, url: str, headers: dict[str, str]) -> tuple[Any, int, Any]:
    """Days 1 and 2 above: the open intent of day 2, the day-1 job's id and job A (as listed)."""
    backend = project.backend()
    assert isinstance(backend, FileStateBackend)
    with project.admin() as admin:
        admin.set_clock(DAY1)
    first = project.cli("apply", "--auto-approve", "--wait", "--now", _stamp(DAY1))
    assert first.exit_code == 0, first.output

    # Day 2: jobs now stay PROCESSING (an hour of platform clock), every POST answer is lost.
    with project.admin() as admin:
        admin.configure(job_duration_s=3600)
        admin.set_clock(DAY2)
        admin.set_faults(drop_rate=1.0, latency_ms=LATENCY_MS)
    _kill_after_lost_answer(project, backend.path)
    with project.admin() as admin:
        admin.set_faults()

    state = project.state()
    [intent] = state.open_intents()
    assert (intent.kind, intent.key, intent.slot, intent.attempts) == ("run_export", KEY, SLOT2, 1)
    day1_job = state.exports[KEY].runs[0].job_id
    jobs = platform_jobs(url, headers)
    assert [j["id"] for j in jobs[1:]] == [day1_job], "the killed apply created exactly one job"
    assert jobs[0]["status"] in ("NEW", "PROCESSING")
    return intent, day1_job, jobs[0]


def _create_b(url: str, headers: dict[str, str], intent: Any) -> dict[str, Any]:
    created = httpx.post(
        f"{url}/data/core/ups/export/jobs", json=intent.request_body, headers=headers, timeout=10
    )
    created.raise_for_status()
    job_b: dict[str, Any] = created.json()
    assert datetime.fromtimestamp(job_b["creationTime"] / 1000, UTC) >= intent.started_at
    return job_b


def test_a_look_alike_started_by_someone_else_is_left_alone_and_reported(
    platform_server: Any, make_project: Any
) -> None:
    url = platform_server.url
    headers = platform_server.headers("dev")
    project = make_project(exports_yaml(1), platform=url)
    intent, day1_job, job_a = _open_intent_with_job_a(project, url, headers)
    job_b = _create_b(url, headers, intent)  # someone else's request: its own x-request-id

    before = project.backend().path.read_bytes()
    planned = project.cli("plan", "--now", _stamp(DAY2))
    assert planned.exit_code == 0, planned.output
    assert (
        f"~ export {KEY}: will adopt job {job_a['id']} (its create answer was lost); left job(s) "
        f"{job_b['id']} alone"
    ) in planned.output, planned.output
    assert project.backend().path.read_bytes() == before, "plan is read-only"

    refreshed = project.cli("refresh", "--now", _stamp(DAY2))
    assert refreshed.exit_code == 0, refreshed.output
    assert (
        f"Recovered: export {KEY}: adopted job {job_a['id']} (its answer was lost); left job(s) "
        f"{job_b['id']} alone"
    ) in refreshed.output, refreshed.output

    state = project.state()
    assert not state.open_intents()
    assert [run.job_id for run in state.exports[KEY].runs] == [day1_job, job_a["id"]]
    assert job_b["id"] not in state.tracked_job_ids()

    drift = project.cli("drift", "--now", _stamp(DAY2))
    assert drift.exit_code == 3, drift.output
    assert f"job {job_b['id']} (NEW) was not started by aep-exports" in drift.output, drift.output

    # Later: A finished; B was never cancelled, and apply has nothing to do for the slot.
    with project.admin() as admin:
        admin.advance_clock(timedelta(hours=2))
    later = _stamp(DAY2 + timedelta(hours=2))
    settled = project.cli("apply", "--auto-approve", "--now", later)
    assert settled.exit_code == 0 and "Nothing to do" in settled.output, settled.output
    on_platform = {j["id"]: j["status"] for j in platform_jobs(url, headers)}
    assert on_platform == {day1_job: "SUCCEEDED", job_a["id"]: "SUCCEEDED", job_b["id"]: "SUCCEEDED"}
    last = project.state().exports[KEY].last_run()
    assert last is not None and (last.job_id, last.status) == (job_a["id"], RunStatus.SUCCEEDED)


def test_two_jobs_for_one_intent_one_adopted_the_extra_cancelled(
    platform_server: Any, make_project: Any
) -> None:
    url = platform_server.url
    headers = platform_server.headers("dev")
    project = make_project(exports_yaml(1), platform=url)
    with project.admin() as admin:
        admin.set_contract(request_id="echo")
    intent, day1_job, job_a = _open_intent_with_job_a(project, url, headers)
    assert job_a["requestId"] == intent.request_id  # the platform echoes the intent's x-request-id
    # The intent's request sent again (a proxy's retry): it carries the intent's x-request-id.
    job_b = _create_b(url, {**headers, "x-request-id": intent.request_id}, intent)

    planned = project.cli("plan", "--now", _stamp(DAY2))
    assert planned.exit_code == 0, planned.output
    assert (
        f"~ export {KEY}: will adopt job {job_a['id']} (its create answer was lost); "
        f"will cancel extra job(s) {job_b['id']}"
    ) in planned.output, planned.output
    assert {j["id"]: j["status"] for j in platform_jobs(url, headers)}[job_b["id"]] != "CANCELLED"

    refreshed = project.cli("refresh", "--now", _stamp(DAY2))
    assert refreshed.exit_code == 0, refreshed.output
    assert (
        f"Recovered: export {KEY}: adopted job {job_a['id']} (its answer was lost); "
        f"cancelled duplicate job(s) {job_b['id']}"
    ) in refreshed.output, refreshed.output

    # State: no open intent, one live run for the slot (job A), the extra recorded as cancelled by the tool.
    state = project.state()
    assert not state.open_intents()
    slot_runs = [run for run in state.exports[KEY].runs if run.slot == SLOT2]
    kept = [run for run in slot_runs if not run.cancelled_by_tool]
    extras = [run for run in slot_runs if run.cancelled_by_tool]
    assert [run.job_id for run in kept] == [job_a["id"]], slot_runs
    assert kept[0].status in (RunStatus.NEW, RunStatus.PROCESSING)
    assert [(run.job_id, run.status) for run in extras] == [(job_b["id"], RunStatus.CANCELLED)]
    assert extras[0].note is not None and "duplicate" in extras[0].note
    assert state.exports[KEY].last_run() is kept[0]

    # Platform: A goes on, B was cancelled; nothing else was created.
    on_platform = {j["id"]: j["status"] for j in platform_jobs(url, headers)}
    assert on_platform == {
        day1_job: "SUCCEEDED",
        job_a["id"]: on_platform[job_a["id"]],
        job_b["id"]: "CANCELLED",
    }
    assert on_platform[job_a["id"]] in ("NEW", "PROCESSING")

    # Later: A finished; drift must not call the cancelled extra an out-of-band job or cancel.
    with project.admin() as admin:
        admin.advance_clock(timedelta(hours=2))
    later = _stamp(DAY2 + timedelta(hours=2))
    drift = project.cli("drift", "--now", later)
    assert drift.exit_code == 0, drift.output
    assert "outside aep-exports" not in drift.output and "not started by" not in drift.output, drift.output
    settled = project.cli("apply", "--auto-approve", "--now", later)
    assert settled.exit_code == 0 and "Nothing to do" in settled.output, settled.output
    last = project.state().exports[KEY].last_run()
    assert last is not None and (last.job_id, last.status) == (job_a["id"], RunStatus.SUCCEEDED)
    assert project.state().exports[KEY].watermark == last.window_to
    assert len(platform_jobs(url, headers)) == 3
