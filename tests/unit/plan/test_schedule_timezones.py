"""Schedules in a time zone across daylight saving time: a month around each transition, two zones.

The oracle does not use croniter: it lists the wall-clock times a schedule names (every day at
H:M, or every hour at :M) and maps each to an instant by scanning the month minute by minute in
UTC — the first instant whose local clock shows that time (the first of a repeated time), or, for
a time the clock skips, the first instant after the gap. The slots are those instants, once each.
Then the planner runs the month (an apply every 10 minutes, every run succeeding): one run per
slot, none missed, none twice, and the windows tile the month.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aep_exports.plan.planner import make_plan
from aep_exports.plan.schedule import latest_slot, local_time, next_slot
from aep_exports.plan.windows import Window, tiling_issues
from aep_exports.state.model import RunRecord
from support.plans import applied_dataset, dataset, desired, export, live, state

# Each transition's month: from two weeks before to two weeks after.
TRANSITIONS = {
    ("Europe/Paris", "spring"): datetime(2024, 3, 31, 1, tzinfo=UTC),  # 02:00 CET -> 03:00 CEST
    ("Europe/Paris", "fall"): datetime(2024, 10, 27, 1, tzinfo=UTC),  # 03:00 CEST -> 02:00 CET
    ("America/New_York", "spring"): datetime(2024, 3, 10, 7, tzinfo=UTC),  # 02:00 EST -> 03:00 EDT
    ("America/New_York", "fall"): datetime(2024, 11, 3, 6, tzinfo=UTC),  # 02:00 EDT -> 01:00 EST
}
SCHEDULES = ["0 * * * *", "30 * * * *", "0 2 * * *", "30 2 * * *", "30 1 * * *", "0 3 * * *"]
CASES = [(zone, side, schedule) for (zone, side) in TRANSITIONS for schedule in SCHEDULES]
HALF_MONTH = timedelta(days=14)


@cache
def _first_instants(zone: str, start: datetime, end: datetime) -> dict[datetime, datetime]:
    """Local wall time (naive, to the minute) -> the first UTC instant the clocks show it."""
    tz = ZoneInfo(zone)
    first: dict[datetime, datetime] = {}
    moment = start
    while moment <= end:
        first.setdefault(moment.astimezone(tz).replace(tzinfo=None), moment)
        moment += timedelta(minutes=1)
    return first


def expected_slots(zone: str, schedule: str, start: datetime, end: datetime) -> list[datetime]:
    """The oracle: every wall time the schedule names in (start, end], as instants, once each."""
    minute, hour = (int(f) if f != "*" else None for f in schedule.split()[:2])
    first = _first_instants(zone, start - timedelta(days=2), end + timedelta(days=2))
    tz = ZoneInfo(zone)
    day = (start - timedelta(days=1)).astimezone(tz).date()
    slots: set[datetime] = set()
    while day <= (end + timedelta(days=1)).astimezone(tz).date():
        for h in range(24) if hour is None else [hour]:
            wall = datetime(day.year, day.month, day.day, h, minute or 0)
            instant = first.get(wall)
            if instant is None:  # skipped by the clock: the first instant after the gap
                instant = min(i for w, i in first.items() if w > wall)
            slots.add(instant)
        day += timedelta(days=1)
    return sorted(s for s in slots if start < s <= end)


def slots_between(zone: str, schedule: str, start: datetime, end: datetime) -> list[datetime]:
    found, moment = [], start
    while (moment := next_slot(schedule, moment, zone)) <= end:  # type: ignore[operator, assignment]
        found.append(moment)
    return found


@pytest.mark.parametrize(("zone", "side", "schedule"), CASES, ids=[f"{z}-{s}-{c}" for z, s, c in CASES])
def test_slots_follow_wall_time_across_the_transition(zone: str, side: str, schedule: str) -> None:
    middle = TRANSITIONS[(zone, side)]
    start, end = middle - HALF_MONTH, middle + HALF_MONTH
    slots = slots_between(zone, schedule, start, end)
    assert slots == expected_slots(zone, schedule, start, end)
    assert len(set(slots)) == len(slots)
    # latest_slot agrees with next_slot at, just before and between every slot
    for before, after in itertools.pairwise(slots):
        assert latest_slot(schedule, after, zone) == after
        assert latest_slot(schedule, after - timedelta(microseconds=1), zone) == before
        assert latest_slot(schedule, before + (after - before) / 2, zone) == before


@settings(max_examples=60, deadline=None)
@given(
    case=st.sampled_from(CASES),
    offset=st.integers(min_value=0, max_value=int(2 * HALF_MONTH.total_seconds()) - 1),
)
def test_latest_slot_is_the_oracles_at_any_instant(case: tuple[str, str, str], offset: int) -> None:
    zone, side, schedule = case
    start = TRANSITIONS[(zone, side)] - HALF_MONTH
    now = start + timedelta(seconds=offset)
    expected = expected_slots(zone, schedule, start - timedelta(days=2), now)
    assert latest_slot(schedule, now, zone) == expected[-1]


DOCUMENTED = [
    # A daily slot in the spring-forward gap runs once, at the first instant after the gap.
    ("Europe/Paris", "0 2 * * *", datetime(2024, 3, 30, 12, tzinfo=UTC), "2024-03-31 03:00 CEST"),
    ("Europe/Paris", "30 2 * * *", datetime(2024, 3, 30, 12, tzinfo=UTC), "2024-03-31 03:00 CEST"),
    ("America/New_York", "30 2 * * *", datetime(2024, 3, 9, 12, tzinfo=UTC), "2024-03-10 03:00 EDT"),
    # A daily slot in the fall-back repeat runs once, at its first occurrence.
    ("Europe/Paris", "30 2 * * *", datetime(2024, 10, 26, 12, tzinfo=UTC), "2024-10-27 02:30 CEST"),
    ("America/New_York", "30 1 * * *", datetime(2024, 11, 2, 12, tzinfo=UTC), "2024-11-03 01:30 EDT"),
]


@pytest.mark.parametrize(("zone", "schedule", "after", "local"), DOCUMENTED)
def test_the_documented_slot_of_a_transition_day(
    zone: str, schedule: str, after: datetime, local: str
) -> None:
    slot = next_slot(schedule, after, zone)
    assert slot is not None and local_time(slot, zone) == local
    following = next_slot(schedule, slot, zone)
    assert following is not None and following - slot > timedelta(hours=22), "never twice the same day"


def test_an_hourly_schedule_merges_the_gap_and_spans_the_repeat() -> None:
    paris = "Europe/Paris"
    spring = slots_between(
        paris, "0 * * * *", datetime(2024, 3, 30, 23, tzinfo=UTC), datetime(2024, 3, 31, 3, tzinfo=UTC)
    )
    assert [local_time(s, paris)[11:] for s in spring] == [
        "01:00 CET",
        "03:00 CEST",
        "04:00 CEST",
        "05:00 CEST",
    ]
    fall = slots_between(
        paris, "0 * * * *", datetime(2024, 10, 26, 23, tzinfo=UTC), datetime(2024, 10, 27, 3, tzinfo=UTC)
    )
    assert [local_time(s, paris)[11:] for s in fall] == ["02:00 CEST", "03:00 CET", "04:00 CET"]
    assert fall[1] - fall[0] == timedelta(hours=2)  # the repeated hour is one two-hour window


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York"])
@pytest.mark.parametrize("side", ["spring", "fall"])
def test_a_month_of_applies_runs_every_slot_once_and_the_windows_tile(zone: str, side: str) -> None:
    middle = TRANSITIONS[(zone, side)]
    start, end = middle - HALF_MONTH, middle + HALF_MONTH
    ds = dataset()
    exports = [export("hourly", "0 * * * *", timezone=zone), export("daily", "30 2 * * *", timezone=zone)]
    want = desired(ds, *exports)
    doc = state(datasets={"target": applied_dataset(ds)})
    now, job = start, 1
    while now <= end:
        plan = make_plan(want, doc, live(now), now)
        assert not plan.errors, plan.errors
        for action in plan.actions:
            if action.kind == "add_export":  # a new export before its first slot: apply records it
                doc.ensure_export(action.key).spec = action.spec
                continue
            assert action.kind == "run_export", action
            record = doc.ensure_export(action.key)
            record.spec = action.spec  # as apply records what the run was declared and sent with
            run = RunRecord(
                job_id=job,
                slot=action.slot,
                window_from=action.window_from,
                window_to=action.window_to,
                status="SUCCEEDED",
                created=now,
                finished=now,
            )
            record.add_run(run, cap=100_000)
            record.finish_run(run, _succeeded(job, now), now)
            job += 1
        now += timedelta(minutes=10)
    for item in exports:
        runs = doc.exports[item.key].runs
        slots = [r.slot for r in runs]
        # the first apply runs the latest slot at or before the start; then every slot once
        assert slots == [
            latest_slot(item.schedule, start, zone),
            *slots_between(zone, item.schedule or "", start, end),
        ]
        assert len(set(slots)) == len(slots)
        windows = [Window(r.window_from, r.window_to) for r in runs]
        assert tiling_issues(windows) == []
        assert windows[0].start is None and all(
            w.start == p.end for p, w in itertools.pairwise(windows)
        )


def _succeeded(job: int, now: datetime):  # type: ignore[no-untyped-def]
    from aep_exports.state.model import JobReport

    return JobReport(id=job, status="SUCCEEDED", created=now, updated=now)
