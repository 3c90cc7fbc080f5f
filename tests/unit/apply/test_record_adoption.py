"""How an adopted job and its duplicates for one slot are written into state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aep_exports.client.models import ExportJob
from aep_exports.reconcile.adoption import record_adoption
from aep_exports.state.model import Intent, RunRecord, StateDocument

SLOT = datetime(2026, 3, 2, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 1, tzinfo=UTC)


def _doc_with_open_intent() -> tuple[StateDocument, Intent]:
    doc = StateDocument.empty("ORG@AdobeOrg", "prod")
    intent = Intent(kind="run_export", resource="export", key="daily", slot=SLOT, started_at=NOW)
    doc.add_intent(intent)
    doc.ensure_export("daily").add_run(RunRecord(slot=SLOT, intent_id=intent.id, window_to=SLOT))
    return doc, intent


@pytest.mark.parametrize(
    ("extra_status", "deleted", "recorded", "by_tool"),
    [
        ("PROCESSING", True, "CANCELLED", True),
        # A platform may show a job it stopped as FAILED, or no longer list it: our DELETE decides.
        ("FAILED", True, "CANCELLED", True),
        ("SUCCEEDED", False, "SUCCEEDED", False),
        ("FAILED", False, "FAILED", False),
    ],
)
def test_a_duplicate_is_recorded_as_cancelled_only_when_aep_exports_sent_its_delete(
    extra_status: str, deleted: bool, recorded: str, by_tool: bool
) -> None:
    doc, intent = _doc_with_open_intent()
    kept = ExportJob.model_validate({"id": 10, "status": "PROCESSING"})
    extra = ExportJob.model_validate({"id": 11, "status": extra_status})

    record_adoption(
        doc, intent, kept, [extra], NOW, spec=None, adopted=True, cancelled={11} if deleted else set()
    )

    runs = doc.exports["daily"].runs
    assert [r.job_id for r in runs] == [11, 10]  # the kept run stays the export's last run
    duplicate = runs[0]
    assert (duplicate.status, duplicate.cancelled_by_tool) == (recorded, by_tool)
    assert "duplicate of job 10" in (duplicate.note or "")
    assert doc.intents[intent.id].resolved


def test_a_delete_noted_in_the_intent_before_a_crash_still_counts_as_ours() -> None:
    doc, intent = _doc_with_open_intent()
    doc.note_cancelling(intent.id, [11])
    noted = doc.intents[intent.id].model_copy(deep=True)  # what recovery reads back after the crash
    kept = ExportJob.model_validate({"id": 10, "status": "PROCESSING"})
    extra = ExportJob.model_validate({"id": 11, "status": "FAILED"})  # stopped by our DELETE

    record_adoption(doc, noted, kept, [extra], NOW, spec=None, adopted=True)

    duplicate = doc.exports["daily"].runs[0]
    assert (duplicate.job_id, duplicate.status, duplicate.cancelled_by_tool) == (11, "CANCELLED", True)
