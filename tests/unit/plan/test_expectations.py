"""``expect:`` against runs and watermarks: a table of outcomes, and what state and status make of it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aep_exports.ops.status import compute_status
from aep_exports.plan.expectations import Expectations, freshness, watermark_lag
from aep_exports.plan.live import LiveJob, LiveSnapshot
from aep_exports.reconcile.refresh import record_outcomes
from aep_exports.state.model import RunRecord
from support.plans import applied_dataset, applied_export, at, dataset, desired, export, run, state

ROWS = "totalExportedProfileCounter"


def finished(rows: int | None, minutes: float, status: str = "SUCCEEDED") -> RunRecord:
    metrics = {ROWS: rows} if rows is not None else {}
    return run(
        at(hours=3), status, created=at(hours=3), finished=at(hours=3, minutes=minutes), metrics=metrics
    )


EXPECT = Expectations(min_rows=10, max_rows=1000, max_duration=timedelta(minutes=30))
TABLE = [
    ("inside every bound", finished(500, 10), []),
    ("at the bounds", finished(10, 30), []),
    ("too few rows", finished(9, 10), ["exported 9 rows, fewer than min_rows 10"]),
    ("too many rows", finished(1001, 10), ["exported 1,001 rows, more than max_rows 1,000"]),
    ("too long", finished(500, 31), ["took 31m, longer than max_duration 30m"]),
    (
        "rows and time",
        finished(0, 45),
        ["exported 0 rows, fewer than min_rows 10", "took 45m, longer than max_duration 30m"],
    ),
    ("rows unknown: not judged on rows", finished(None, 10), []),
    ("a failed run is not judged", finished(0, 45, "FAILED"), []),
]


@pytest.mark.parametrize(("label", "outcome", "breaches"), TABLE, ids=[t[0] for t in TABLE])
def test_run_breaches(label: str, outcome: RunRecord, breaches: list[str]) -> None:
    assert EXPECT.run_breaches(outcome) == breaches


@pytest.mark.parametrize(
    ("lag", "bound", "breach"),
    [
        (timedelta(hours=25), timedelta(hours=26), None),
        (timedelta(hours=26), timedelta(hours=26), None),
        (timedelta(hours=27, minutes=5), timedelta(hours=26), "watermark lag 1d3h is more than max_lag 1d2h"),
        (None, timedelta(hours=26), None),
        (timedelta(days=9), None, None),
    ],
)
def test_lag_breach(lag: timedelta | None, bound: timedelta | None, breach: str | None) -> None:
    assert Expectations(max_lag=bound).lag_breach(lag) == breach


def test_expectations_read_back_from_the_stored_declaration() -> None:
    want = export(
        expect=Expectations(min_rows=3, max_duration=timedelta(hours=1), max_lag=timedelta(hours=26))
    )
    stored = Expectations.from_declaration(want.spec)
    assert stored == want.expect
    assert Expectations.from_declaration({"expect": {"max_duration": "PT1H"}}) == Expectations(
        max_duration=timedelta(hours=1)
    )
    assert Expectations.from_declaration({}) is None


def test_refresh_records_the_breach_of_a_finished_run_and_status_says_breached() -> None:
    want = export(expect=Expectations(min_rows=5, max_lag=timedelta(hours=26)))
    ds = dataset()
    ok = run(at(days=-1, hours=3), job_id=1)
    pending = run(at(hours=3), "PROCESSING", job_id=2, window_from=at(days=-1, hours=3))
    doc = state(
        datasets={"target": applied_dataset(ds)}, exports={"daily": applied_export(want, [ok, pending])}
    )
    job = LiveJob(
        id=2, status="SUCCEEDED", created=at(hours=3), updated=at(hours=3, minutes=2), metrics={ROWS: 0}
    )
    outcomes, _ = record_outcomes(doc, LiveSnapshot(read_at=at(hours=4), jobs={2: job}), at(hours=4))
    assert outcomes[0].breaches == ("exported 0 rows, fewer than min_rows 5",)
    assert doc.exports["daily"].runs[-1].breaches == ["exported 0 rows, fewer than min_rows 5"]
    [item] = compute_status(doc, desired(ds, want), at(hours=4)).exports
    assert (item.health, item.breaches) == ("breached", ("exported 0 rows, fewer than min_rows 5",))
    # a day and a half later, with no new success, the watermark is stale too
    [later] = compute_status(doc, desired(ds, want), at(days=1, hours=16)).exports
    assert later.breaches == (
        "exported 0 rows, fewer than min_rows 5",
        "watermark lag 1d13h is more than max_lag 1d2h",
    )


def test_freshness_during_a_restatement_is_the_watermark_it_replaced() -> None:
    record = applied_export(export(), [run(at(hours=3), job_id=1)])
    record.restate(None, by="a@b", at=at(hours=4))
    assert record.watermark is None and freshness(record) == at(hours=3)
    assert watermark_lag(record, at(hours=5)) == timedelta(hours=2)
