"""A month of daily applies on the platform's clock, with retries on: failures, a retry, a stuck job.

The CLI runs in-process (CliRunner) against a real platform server on 127.0.0.1. Every day at 04:00
(the platform's clock set through its admin API, the CLI's with ``--now``) an incremental export
scheduled at 03:00 is applied: most days with ``--wait``, every third day without it, the outcome then
recorded by a ``refresh`` an hour later. The export retries a failed run once, 20 minutes after it
ended (``retry: {attempts: 1, delay: 20m}``), so an apply half an hour later retries it. On RETRY_DAY
the platform fails the day's first job (``fail_next_jobs: 1``): the retry succeeds. On FAIL_DAY it
fails every job (``job_failure_rate: 1``): the retry fails too, and the next day's run takes over the
window. On STUCK_DAY the job hangs in PROCESSING (``job_hang_rate: 1``): the next day's apply cancels
it (``timeout: 6h``; a cancelled run is not retried) and runs again. Afterwards the SUCCEEDED windows
tile the month exactly, from no watermark to the last slot, one job per slot and attempt.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from aep_exports.state.model import RunStatus
from support.declarations import exports_yaml
from support.invariants import check_invariants

FIRST_SLOT = datetime(2024, 3, 1, 3, 0, tzinfo=UTC)
DAYS = 32  # March 1st .. April 1st: the windows must cover (nothing, 2024-04-01T03:00Z]
FAIL_DAY = 10  # March 10th's jobs end FAILED, its retry too (days with --wait: apply exits 1)
RETRY_DAY = 14  # March 14th's first job ends FAILED; its retry succeeds
STUCK_DAY = 21  # March 21st's job never finishes (a day without --wait: apply, then refresh)
RETRY = "retry: {attempts: 1, delay: 20m}"
KEY = "export000"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_month_of_daily_applies_tiles_the_month_despite_failures_a_retry_and_a_stuck_job(
    platform_server, make_project
):
    project = make_project(exports_yaml(1, timeout="6h", extra=(RETRY,)), platform=platform_server.url)
    with project.admin() as admin:

        def run(*args: str, at: datetime) -> tuple[int, str]:
            # A server's clock is the platform's own: move it, and plan for the same instant (--now).
            admin.set_clock(at)
            result = project.cli(*args, "--now", _stamp(at))
            return result.exit_code, result.output + (str(result.exception) if result.exception else "")

        for day in range(1, DAYS + 1):
            slot = FIRST_SLOT + timedelta(days=day - 1)
            fault = {
                FAIL_DAY: {"job_failure_rate": 1.0},
                RETRY_DAY: {"fail_next_jobs": 1},
                STUCK_DAY: {"job_hang_rate": 1.0},
            }.get(day, {})
            admin.set_faults(**fault)
            applied_at = slot + timedelta(hours=1)
            if day % 3 == 0:
                code, output = run("apply", "--auto-approve", at=applied_at)
                assert code == 0, f"day {day}: {output}"
                admin.set_faults()
                code, refreshed = run("refresh", at=slot + timedelta(hours=2))
                assert code == 0, f"day {day}: {refreshed}"
                if day != STUCK_DAY:
                    assert "SUCCEEDED, window" in refreshed, f"day {day}: {refreshed}"
            else:
                code, output = run("apply", "--auto-approve", "--wait", "--wait-timeout", "20", at=applied_at)
                if day in (FAIL_DAY, RETRY_DAY):
                    assert code == 1 and "ended FAILED" in output, f"day {day}: {output}"
                    code, retried = run(
                        "apply",
                        "--auto-approve",
                        "--wait",
                        "--wait-timeout",
                        "20",
                        at=applied_at + timedelta(minutes=30),
                    )
                    assert "(retry 1 of 1)" in retried, f"day {day}: {retried}"
                    assert code == (1 if day == FAIL_DAY else 0), f"day {day}: {retried}"
                else:
                    assert code == 0, f"day {day}: {output}"
                admin.set_faults()
            assert f"slot {_stamp(slot)}" in output, f"day {day}: no run for its slot\n{output}"
            if day == STUCK_DAY + 1:
                assert "cancelled job" in output and "(timeout)" in output, output

    record = project.state().exports[KEY]
    runs = sorted(record.runs, key=lambda r: (r.slot, r.attempt))
    retried = (FAIL_DAY, RETRY_DAY)
    expected = [
        (FIRST_SLOT + timedelta(days=d), attempt)
        for d in range(DAYS)
        for attempt in ((1, 2) if d + 1 in retried else (1,))
    ]
    assert [(r.slot, r.attempt) for r in runs] == expected, "one run a day, two on the days retried"
    by_day = {(r.slot - FIRST_SLOT).days + 1: r for r in runs}  # the last attempt of each day
    tries = {day: [r for r in runs if (r.slot - FIRST_SLOT).days + 1 == day] for day in retried}
    assert [r.status for r in tries[FAIL_DAY]] == [RunStatus.FAILED, RunStatus.FAILED]
    assert [r.status for r in tries[RETRY_DAY]] == [RunStatus.FAILED, RunStatus.SUCCEEDED]
    for day in retried:  # a retry repeats its failed run's window
        assert (
            tries[day][0].window_from == tries[day][1].window_from
            and tries[day][0].window_to == tries[day][1].window_to
        )
    assert by_day[STUCK_DAY].status == RunStatus.CANCELLED and by_day[STUCK_DAY].cancelled_by_tool
    assert "timeout" in by_day[STUCK_DAY].note
    others = [r for d, r in by_day.items() if d not in (FAIL_DAY, STUCK_DAY)]
    assert all(r.status == RunStatus.SUCCEEDED for r in others), [(r.slot, r.status) for r in others]

    # The failed and the cancelled windows are folded into the next day's: the same `from`.
    for bad in (FAIL_DAY, STUCK_DAY):
        assert by_day[bad + 1].window_from == by_day[bad - 1].window_to == by_day[bad].window_from

    # SUCCEEDED windows tile (nothing, April 1st 03:00]: no gap, no overlap.
    succeeded = [r for r in runs if r.status == RunStatus.SUCCEEDED]
    assert succeeded[0].window_from is None
    for earlier, later in itertools.pairwise(succeeded):
        assert later.window_from == earlier.window_to, (earlier, later)
        assert earlier.window_to is not None and earlier.window_to < later.window_to
    end = FIRST_SLOT + timedelta(days=DAYS - 1)
    assert succeeded[-1].window_to == end == record.watermark
    assert all(r.window_to == r.slot for r in runs)

    figures = check_invariants(project, platform_server.headers("dev"))
    assert figures == {"jobs": DAYS + 2, "slots": DAYS}, figures
