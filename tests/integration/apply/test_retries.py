"""Retries on the local platform: a job that fails twice, then succeeds, under the fault injector.

The platform (a real server on 127.0.0.1) fails the next two export jobs (``fail_next_jobs: 2``).
The export retries a failed run up to 3 times, 15 minutes after it ended. Applied at the slot, then
twice more after each delay, it ends with three attempts for one slot, all with one window, one
SUCCEEDED, and the watermark at the slot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aep_exports.state.model import RunStatus
from support.declarations import exports_yaml
from support.invariants import check_invariants

SLOT = datetime(2024, 3, 1, 3, 0, tzinfo=UTC)
KEY = "export000"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_job_failing_twice_then_succeeding_gives_three_attempts_of_one_window(
    platform_server, make_project
):
    project = make_project(
        exports_yaml(1, extra=("retry: {attempts: 3, delay: 15m}",)), platform=platform_server.url
    )
    with project.admin() as admin:

        def cli(*args: str, at: datetime) -> tuple[int, str]:
            admin.set_clock(at)
            result = project.cli(*args, "--now", _stamp(at))
            return result.exit_code, result.output + (str(result.exception) if result.exception else "")

        # a first success the day before gives the export a watermark: every attempt exports (day, slot]
        code, output = cli(
            "apply", "--auto-approve", "--wait", "--wait-timeout", "20", at=SLOT - timedelta(hours=23)
        )
        assert code == 0, output
        admin.set_faults(fail_next_jobs=2)

        code, output = cli(
            "apply", "--auto-approve", "--wait", "--wait-timeout", "20", at=SLOT + timedelta(minutes=5)
        )
        assert code == 1 and "ended FAILED" in output, output
        code, output = cli("plan", at=SLOT + timedelta(minutes=10))
        assert code == 0 and "retry 1 of 3 at 2024-03-01T03:2" in output, output
        assert "No changes" in output, output

        code, output = cli(
            "apply", "--auto-approve", "--wait", "--wait-timeout", "20", at=SLOT + timedelta(minutes=25)
        )
        assert (
            code == 1 and 'retry export "export000" for slot 2024-03-01T03:00:00Z (retry 1 of 3)' in output
        ), output
        code, output = cli(
            "apply", "--auto-approve", "--wait", "--wait-timeout", "20", at=SLOT + timedelta(minutes=45)
        )
        assert code == 0 and "(retry 2 of 3)" in output and "Runs: 1 SUCCEEDED" in output, output
        assert admin.faults()["fail_next_jobs"] == 0

        code, output = cli("plan", at=SLOT + timedelta(hours=2))
        assert code == 0 and "No changes" in output, output

    record = project.state().exports[KEY]
    attempts = [run for run in record.runs if run.slot == SLOT]
    assert [run.attempt for run in attempts] == [1, 2, 3]
    assert [run.status for run in attempts] == [RunStatus.FAILED, RunStatus.FAILED, RunStatus.SUCCEEDED]
    assert {(run.window_from, run.window_to) for run in attempts} == {(SLOT - timedelta(days=1), SLOT)}
    assert record.watermark == SLOT
    status = project.cli("status", "--now", _stamp(SLOT + timedelta(hours=2)))
    assert "attempt 3, slot 2024-03-01T03:00:00Z" in status.output, status.output
    assert check_invariants(project, platform_server.headers("dev")) == {"jobs": 4, "slots": 2}
