"""record_outcomes: finished jobs land in state; only a success moves the watermark."""

from __future__ import annotations

from aep_exports.plan.live import LiveJob
from aep_exports.reconcile.refresh import record_outcomes
from aep_exports.state.model import AppliedExport, ExportRecord
from support.plans import at, export, live, run, state


def doc_with(*runs):
    want = export()
    spec = AppliedExport(declaration=want.spec, request={})
    record = ExportRecord(spec=spec, runs=list(runs), watermark=at(hours=-21))
    return state(exports={"daily": record})


def test_success_records_batches_and_moves_the_watermark():
    doc = doc_with(run(at(hours=3), "PROCESSING", job_id=5, window_from=at(hours=-21)))
    job = LiveJob(id=5, status="SUCCEEDED", updated=at(hours=3, minutes=4), batches=("b1",), metrics={"x": 1})
    outcomes, changed = record_outcomes(doc, live(at(hours=4), jobs=[job]), at(hours=4))
    recorded = doc.exports["daily"].runs[-1]
    assert changed and [(o.job_id, o.status) for o in outcomes] == [(5, "SUCCEEDED")]
    assert recorded.batches == ["b1"] and recorded.finished == at(hours=3, minutes=4)
    assert doc.exports["daily"].watermark == at(hours=3)


def test_failure_keeps_the_watermark_and_unknown_status_is_a_failure():
    doc = doc_with(run(at(hours=3), "PROCESSING", job_id=5))
    job = LiveJob(id=5, status="ABORTED", errors=({"code": "x", "msg": "boom"},))
    record_outcomes(doc, live(at(hours=4), jobs=[job]), at(hours=4))
    recorded = doc.exports["daily"].runs[-1]
    assert recorded.status == "FAILED" and "ABORTED" in recorded.note
    assert doc.exports["daily"].watermark == at(hours=-21)


def test_missing_and_cancelled_outside_are_marked():
    doc = doc_with(run(at(hours=2), "PROCESSING", job_id=4), run(at(hours=3), "NEW", job_id=5))
    snapshot = live(at(hours=4), jobs=[LiveJob(id=5, status="CANCELLED")])
    snapshot = type(snapshot)(**{**snapshot.__dict__, "missing_jobs": frozenset({4})})
    record_outcomes(doc, snapshot, at(hours=4))
    first, second = doc.exports["daily"].runs
    assert first.status == "MISSING"
    assert second.status == "CANCELLED" and second.note == "cancelled outside aep-exports"


def test_still_running_only_updates_the_status():
    doc = doc_with(run(at(hours=3), "NEW", job_id=5))
    outcomes, changed = record_outcomes(
        doc, live(at(hours=4), jobs=[LiveJob(id=5, status="PROCESSING")]), at(hours=4)
    )
    assert outcomes == [] and changed and doc.exports["daily"].runs[-1].status == "PROCESSING"
