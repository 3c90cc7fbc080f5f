"""A job someone started by hand is never taken for an interrupted run's own (and refresh records it).

Produced for real on the platform server, per request-id variant (echoed or not):

1. day 1: a clean apply creates the dataset and the export's first run;
2. shortly before the day-2 slot is applied (inside the clock margin recovery allows), a colleague starts
   a run of the same export by hand, into the managed dataset: ``drift`` exits 3 for it;
3. ``refresh`` records the finding (``state.findings``), and it is acknowledged (``state ack``) — or not;
4. the day-2 apply dies (kill -9) after its run's intent reached state, before the POST left: the
   platform holds no job of that intent, only the hand-started look-alike.

The hand-started job is known to state (a finding), so it is never the intent's: ``plan`` says the run
will be dropped and is due again, ``refresh`` leaves the watermark where day 1 put it, and the next
apply creates the day-2 job itself. The hand-started job is never cancelled nor tracked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from support.declarations import exports_yaml
from support.invariants import platform_jobs
from support.leftovers import leave_unsent_intent, stamp
from support.outside import start_outside_job

pytestmark = pytest.mark.timeout(90)

KEY = "export000"
DAY1 = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
BY_HAND = DAY2 - timedelta(minutes=4)  # inside CLOCK_SKEW before the day-2 intent


@pytest.mark.parametrize("acknowledged", [True, False], ids=["acked", "not-acked"])
@pytest.mark.parametrize("request_id", ["generated", "echo"])
def test_a_hand_started_job_is_never_adopted_by_recovery(
    platform_server: Any, make_project: Any, request_id: str, acknowledged: bool
) -> None:
    url, headers = platform_server.url, platform_server.headers("dev")
    project = make_project(exports_yaml(1), platform=url)
    with project.admin() as admin:
        admin.set_contract(request_id=request_id)
        admin.freeze_clock(True)
        admin.set_clock(DAY1)
    first = project.cli("apply", "--auto-approve", "--now", stamp(DAY1))
    assert first.exit_code == 0, first.output
    day1_job = project.state().exports[KEY].runs[-1].job_id

    with project.admin() as admin:
        admin.set_clock(BY_HAND)
    with project.client() as client:
        by_hand = start_outside_job(client, project, export=KEY)
    drift = project.cli("drift", "--now", stamp(BY_HAND))
    assert drift.exit_code == 3, drift.output

    # refresh records the finding (it used to say "State unchanged" and record nothing)
    refreshed = project.cli("refresh", "--now", stamp(BY_HAND))
    assert refreshed.exit_code == 0, refreshed.output
    assert f"job-{by_hand}" in project.state().findings, refreshed.output
    assert "State updated." in refreshed.output, refreshed.output
    watermark = project.state().exports[KEY].watermark
    assert watermark == DAY1.replace(hour=3), "day 1's run finished and moved the watermark"
    if acknowledged:
        acked = project.cli("state", "ack", f"job-{by_hand}", "--reason", "backfill by hand")
        assert acked.exit_code == 0, acked.output

    with project.admin() as admin:
        admin.set_clock(DAY2)
    leave_unsent_intent(project, DAY2, KEY)
    assert [j["id"] for j in platform_jobs(url, headers)] == [by_hand, day1_job], "no day-2 job was sent"

    planned = project.cli("plan", "--now", stamp(DAY2))
    assert planned.exit_code == 0, planned.output
    assert f"will adopt job {by_hand}" not in planned.output, planned.output
    dropped = f"export {KEY}: its job was never created; the run will be dropped"
    assert dropped in planned.output, planned.output

    refreshed = project.cli("refresh", "--now", stamp(DAY2))
    assert refreshed.exit_code == 0, refreshed.output
    state = project.state()
    assert not state.open_intents()
    assert by_hand not in state.tracked_job_ids(), refreshed.output
    assert state.exports[KEY].watermark == watermark, "the watermark moved with someone else's job"
    assert f"job-{by_hand}" in state.findings
    assert (state.findings[f"job-{by_hand}"].ack is not None) == acknowledged

    applied = project.cli("apply", "--auto-approve", "--now", stamp(DAY2))
    assert applied.exit_code == 0, applied.output
    runs = project.state().exports[KEY].runs
    assert [run.job_id for run in runs][:1] == [day1_job] and by_hand not in [run.job_id for run in runs]
    day2 = [run for run in runs if run.slot == DAY2.replace(hour=3)]
    assert len(day2) == 1 and day2[0].job_id not in (None, by_hand), runs
    on_platform = {j["id"]: j["status"] for j in platform_jobs(url, headers)}
    assert on_platform[by_hand] != "CANCELLED", on_platform
