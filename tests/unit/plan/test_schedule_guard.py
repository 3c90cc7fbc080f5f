"""A schedule croniter cannot place is a plan error for that export only; durations read as written.

``validate`` refuses such schedules, so these build the planner's input directly (as a state
carried over from another version, or a far ``--now``, would reach it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aep_exports.ops.status import compute_status
from aep_exports.plan.changes import field_changes
from aep_exports.plan.planner import make_plan
from aep_exports.plan.schedule import ScheduleError, is_due, latest_slot, next_slot
from support.plans import applied_dataset, applied_export, at, dataset, desired, export, live, run, state

DS = dataset()
NEVER = "0 0 31 2 *"


@pytest.mark.parametrize("schedule", [NEVER, "0 0 30 2 *", "0 0 31 4 *"])
def test_slot_functions_raise_schedule_error_not_croniter_errors(schedule: str) -> None:
    for call in (
        lambda: latest_slot(schedule, at()),
        lambda: next_slot(schedule, at()),
        lambda: is_due(schedule, at(), None),
    ):
        with pytest.raises(ScheduleError, match="has no slot"):
            call()


def test_the_calendar_end_is_a_schedule_error() -> None:
    with pytest.raises(ScheduleError):
        next_slot("0 0 1 1 *", datetime(9999, 6, 1, tzinfo=UTC))


def test_one_bad_schedule_does_not_stop_the_others() -> None:
    bad, good = export("broken", NEVER), export("daily", "0 3 * * *")
    doc = state(datasets={"target": applied_dataset(DS)})
    plan = make_plan(desired(DS, bad, good), doc, live(at(hours=4)), at(hours=4))
    assert [e.key for e in plan.errors] == ["broken"]
    assert "schedule '0 0 31 2 *' has no slot" in plan.errors[0].text()
    assert "exports/broken.yaml:10" in plan.errors[0].text()
    assert [a.key for a in plan.actions if a.kind == "run_export"] == ["daily"]


def test_status_reports_the_bad_schedule_and_the_others() -> None:
    bad, good = export("broken", NEVER), export("daily", "0 3 * * *")
    doc = state(
        datasets={"target": applied_dataset(DS)}, exports={"daily": applied_export(good, [run(at(hours=3))])}
    )
    report = compute_status(doc, desired(DS, bad, good), at(hours=4))
    by_key = {e.key: e for e in report.exports}
    assert "has no slot" in by_key["broken"].reason and by_key["broken"].next_slot is None
    assert by_key["daily"].health == "healthy" and by_key["daily"].next_slot == at(days=1, hours=3)


def test_a_timeout_reason_shows_the_duration_as_written() -> None:
    want = export("daily", "0 3 * * *", timeout=timedelta(minutes=45))
    doc = state(
        datasets={"target": applied_dataset(DS)},
        exports={"daily": applied_export(want, [run(at(hours=3), status="PROCESSING", job_id=7)])},
    )
    plan = make_plan(desired(DS, want), doc, live(at(hours=5)), at(hours=5))
    cancel = next(a for a in plan.actions if a.kind == "cancel_job")
    assert cancel.reason.endswith("longer than its timeout (45m)")
    assert "0:45:00" not in plan.to_json()


WINDOW = ("filter.fromIngestTimestamp", "additionalFields.eventList.filter.fromIngestTimestamp")


def test_an_added_filter_holding_only_the_watermark_is_no_change() -> None:
    before = {"fields": "a", "destination": {"datasetId": "d"}}
    after = {**before, "filter": {"fromIngestTimestamp": "2024-05-01T00:00:00Z"}}
    assert field_changes(before, after, ignore_paths=WINDOW) == []
    with_segments = {**before, "filter": {"fromIngestTimestamp": "T", "segments": [{"segmentId": "s"}]}}
    [added] = field_changes(before, with_segments, ignore_paths=WINDOW)
    assert (added.path, added.change, added.after) == ("filter", "added", {"segments": [{"segmentId": "s"}]})
    events = {
        **before,
        "additionalFields": {"eventList": {"fields": "x", "filter": {"fromIngestTimestamp": "T"}}},
    }
    [event_change] = field_changes(before, events, ignore_paths=WINDOW)
    assert event_change.after == {"eventList": {"fields": "x"}}
    removed = field_changes(after, before, ignore_paths=WINDOW)
    assert removed == []
    moved = field_changes(after, {**after, "filter": {"fromIngestTimestamp": "later"}}, ignore_paths=WINDOW)
    assert moved == []
