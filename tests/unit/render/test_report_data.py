"""The report's data model: runs, attempts, cancellations, range, coverage, selection, status reused."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from aep_exports.config.selection import parse_selectors
from aep_exports.ops.report_data import build_report_data, coverage_issues, report_runs
from aep_exports.ops.status import compute_status
from aep_exports.state.model import ExportRecord, RunRecord
from support.plans import applied_export, at, desired, export, run, state

NOW = at(days=5, hours=4)


def _runs() -> list[RunRecord]:
    day = timedelta(days=1)
    return [
        run(at(hours=3), window_from=None, job_id=1, metrics={"totalExportedProfileCounter": 10}),
        run(
            at(days=1, hours=3),
            "FAILED",
            window_from=at(hours=3),
            job_id=2,
            errors=[{"code": "E1", "msg": "engine failed"}],
        ),
        run(
            at(days=1, hours=3),
            "CANCELLED",
            window_from=at(hours=3),
            job_id=3,
            cancelled_by_tool=True,
            attempt=2,
        ),
        run(at(days=2, hours=3), "CANCELLED", window_from=at(hours=3), job_id=4),
        run(
            at(days=3, hours=3),
            window_from=at(hours=3),
            job_id=5,
            created=at(days=3, hours=3),
            finished=at(days=3, hours=3, minutes=9),
            metrics={"totalTime": {"totalTimeInMs": 120_000}, "totalExportedProfileCounter": 7},
        ),
        run(at(days=3, hours=3) + day, "PROCESSING", window_from=at(days=3, hours=3), job_id=6),
    ]


def test_runs_carry_attempts_cancellations_rows_durations_and_errors():
    runs = report_runs(ExportRecord(runs=_runs()), NOW)
    assert [r.job_id for r in runs] == [1, 2, 3, 4, 5, 6]
    assert [r.attempt for r in runs] == [1, 1, 2, 1, 1, 1]  # as state records them: job 3 retried job 2
    assert [r.cancelled_by for r in runs] == [None, None, "tool", "outside", None, None]
    assert [r.outcome for r in runs] == [
        "succeeded",
        "failed",
        "cancelled",
        "cancelled",
        "succeeded",
        "running",
    ]
    assert [r.rows for r in runs] == [10, None, None, None, 7, None]
    assert runs[4].duration == timedelta(minutes=2)  # the job's own metric wins over created → finished
    assert runs[5].duration == NOW - at(days=4, hours=3)  # still running: so far
    assert runs[1].errors == ("engine failed",)
    assert all(r.breaches == () for r in runs)


def test_range_keeps_recent_and_unfinished_runs_and_counts_the_others():
    want = export("daily")
    doc = state(exports={"daily": applied_export(want, _runs())})
    data = build_report_data(doc, desired(want), NOW, since=timedelta(days=2, hours=2))
    (daily,) = data.exports
    assert [r.job_id for r in daily.runs] == [5, 6] and daily.older_runs == 4
    assert data.start == NOW - timedelta(days=2, hours=2) and data.run_count == 2


def test_coverage_finds_gaps_and_overlaps_of_succeeded_incremental_windows_only():
    tiled = [run(at(hours=3)), run(at(days=1, hours=3), window_from=at(hours=3))]
    gap = [*tiled, run(at(days=3, hours=3), window_from=at(days=2, hours=3))]
    overlap = [*tiled, run(at(days=2, hours=3), window_from=at(hours=12))]
    kinds = [
        [i.kind for i in coverage_issues(report_runs(ExportRecord(runs=r), NOW))]
        for r in (tiled, gap, overlap)
    ]
    assert kinds == [[], ["gap"], ["overlap"]]
    full = export("snapshot", incremental=False)
    doc = state(exports={"snapshot": applied_export(full, gap)})
    assert build_report_data(doc, desired(full), NOW).exports[0].coverage == ()


def test_selection_uses_keys_and_declared_labels_and_counts_what_it_left_out():
    crm = export("crm-daily", labels={"team": "crm"})
    ads = export("ads-daily")
    doc = state(exports={"orphan": ExportRecord(runs=[run(at(hours=3))])})
    everything = build_report_data(doc, desired(crm, ads), NOW)
    assert [e.key for e in everything.exports] == ["ads-daily", "crm-daily", "orphan"]
    assert everything.exports[1].labels == {"team": "crm"} and everything.exports[0].labels == {}
    chosen = build_report_data(doc, desired(crm, ads), NOW, selection=parse_selectors(["team=crm"]))
    assert [e.key for e in chosen.exports] == ["crm-daily"]
    assert chosen.excluded == 2 and chosen.selection == "team=crm"


def test_health_lag_and_next_slot_are_status_own():
    want = export("daily", timeout=timedelta(hours=1))
    doc = state(exports={"daily": applied_export(want, _runs())})
    report = build_report_data(doc, desired(want), NOW)
    assert [e.status for e in report.exports] == list(compute_status(doc, desired(want), NOW).exports)
    assert report.counts == {"healthy": 0, "running": 0, "late": 1, "failing": 0, "breached": 0}


@given(st.lists(st.sampled_from(["SUCCEEDED", "FAILED", "CANCELLED"]), min_size=1, max_size=30))
def test_windows_made_by_the_watermark_rule_always_tile(statuses):
    """As the planner makes them: each run starts at the last success's end; failures fold forward."""
    watermark = None
    runs = []
    for index, status in enumerate(statuses):
        runs.append(run(at(hours=index), status, window_from=watermark, job_id=index))
        if status == "SUCCEEDED":
            watermark = at(hours=index)
    assert coverage_issues(report_runs(ExportRecord(runs=runs), NOW)) == []
