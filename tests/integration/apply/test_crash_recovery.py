"""kill -9 of `aep-exports apply` at random moments never duplicates a job nor loses one.

Each round starts `aep-exports apply` (a real process, one day later than the last, so every export is
due again) against a real platform server whose API answers are held back LATENCY_MS, and kills it
with SIGKILL at a moment drawn from a seeded random. The moment is measured from something the
apply does, not from when the process was started (interpreter start-up varies with the machine's
load and is of no interest):

- ``locked``: a random delay after the apply took the state lock: anywhere in recovery, refresh,
  planning, the requests or the state writes;
- ``intent``: a short random delay after this apply's first write-ahead intent reached the state file:
  while requests are in flight. The injected latency keeps each intent open at least LATENCY_MS, so
  these kills land between an intent and its result almost always, whatever the load.

The exports are the mix of shapes of ``support.shapes.MIXED``: incremental without segments and its
twin, each filter key alone, segments with and without namespace and status, segmentPerBatch, merge
policy with and without version, two datasets.

Rounds go on until KILLS kills landed (an apply that ended first is not counted). Then one last apply
converges, and the invariants hold: no open intent, exactly one job per export per slot, every job on
the platform tracked by exactly one run, no job cancelled but extras of the run that made them, every
watermark the ``to`` of its export's last SUCCEEDED run.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from aep_exports.state.model import RunStatus
from support.invariants import check_invariants, never_twice, platform_records
from support.killing import Killer
from support.shapes import MIXED, shapes_yaml

KILLS = 20
MAX_ROUNDS = 60
LATENCY_MS = 120
START = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_kill_minus_nine_at_random_moments_then_apply_again(platform_server, make_project):
    project = make_project(shapes_yaml(MIXED), platform=platform_server.url)
    with project.admin() as admin:
        admin.set_faults(latency_ms=LATENCY_MS)
    killer = Killer(project, random.Random(20240301))
    killer.calibrate(_stamp(START))  # the first apply, with the datasets to create
    day = 0
    while killer.kills < KILLS:
        day += 1
        assert day <= MAX_ROUNDS, f"only {killer.killed} kills landed in {MAX_ROUNDS} rounds"
        # Each round's apply (one day later) first resolves what the previous kill left, then carries on.
        killer.round(_stamp(START + timedelta(days=day)))

    last_day = _stamp(START + timedelta(days=day))
    final = project.run("apply", "--auto-approve", "--wait", "--now", last_day)
    assert final.returncode == 0, final.stdout + final.stderr
    again = project.run("apply", "--auto-approve", "--now", last_day)
    assert again.returncode == 0 and "Nothing to do" in again.stdout, again.stdout + again.stderr
    check_invariants(project, platform_server.headers("dev"))
    found = never_twice(project.state(), platform_records(platform_server.platform, "dev"))
    assert found.violations == 0, found.details
    last_slot = (START + timedelta(days=day)).replace(hour=3)
    for key, record in project.state().exports.items():
        last = record.last_run()
        assert last is not None and last.slot == last_slot and last.status == RunStatus.SUCCEEDED, key
    print(f"rounds {day}, kills {killer.killed}, left an open intent {killer.interrupted}")
    # Robust by construction (intent-anchored kills land while a request is held back LATENCY_MS).
    assert killer.interrupted >= 3, f"only {killer.interrupted} of {killer.killed} kills left an open intent"
