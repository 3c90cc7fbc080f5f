"""Out-of-band findings: stable ids, remembered until resolved, acknowledged ones are information."""

from __future__ import annotations

from datetime import UTC, datetime

from aep_exports.plan.findings import finding_id, findings_seen, remember_findings
from aep_exports.plan.live import LiveSnapshot
from aep_exports.plan.model import DriftFinding, Plan
from aep_exports.state.findings import FindingRecord
from aep_exports.state.migrations import migrate
from aep_exports.state.model import AppliedDataset, StateDocument

NOW = datetime(2024, 5, 2, 4, tzinfo=UTC)
JOB = FindingRecord(
    id="job-42", resource="job", key="target", message="job 42 (NEW) was not started by aep-exports",
    first_seen=NOW, job_id=42,
)
EDIT = DriftFinding(kind="out_of_band", resource="dataset", key="target", message="dataset d1 was edited")


def _state(*findings: FindingRecord) -> StateDocument:
    doc = StateDocument.empty("org", "dev")
    doc.record_dataset("target", "d1", AppliedDataset(body={"name": "t"}), created_at=NOW)
    doc.sync_findings(findings, NOW)
    return doc


def _plan(*drift: DriftFinding) -> Plan:
    return Plan(created_at=NOW, now=NOW, drift=drift)


def _everything(resource: str, key: str) -> bool:
    return True


def test_ids_are_stable_and_tell_findings_apart() -> None:
    assert finding_id(EDIT) == finding_id(EDIT.model_copy())
    assert finding_id(EDIT).startswith("dataset-target-")
    other = EDIT.model_copy(update={"message": "dataset d1 was deleted outside aep-exports"})
    assert finding_id(other) != finding_id(EDIT)
    assert finding_id(EDIT.model_copy(update={"id": "job-7"})) == "job-7"


def test_a_remembered_job_stays_while_it_exists_and_nobody_tracks_it() -> None:
    plan = remember_findings(_plan(), _state(JOB), LiveSnapshot(read_at=NOW), in_scope=_everything)
    assert [(f.kind, f.id) for f in plan.drift] == [("out_of_band", "job-42")]
    assert "first seen" in plan.drift[0].message


def test_a_remembered_job_that_is_gone_is_resolved() -> None:
    live = LiveSnapshot(read_at=NOW, missing_jobs=frozenset({42}))
    assert remember_findings(_plan(), _state(JOB), live, in_scope=_everything).drift == ()


def test_out_of_scope_findings_are_left_out() -> None:
    plan = remember_findings(_plan(), _state(JOB), LiveSnapshot(read_at=NOW), in_scope=lambda r, k: False)
    assert plan.drift == ()


def test_an_acknowledged_finding_is_information_naming_who_and_why() -> None:
    doc = _state(JOB)
    doc.acknowledge_finding(JOB, by="ana", at=NOW, reason="backfill")
    plan = remember_findings(_plan(), doc, LiveSnapshot(read_at=NOW), in_scope=_everything)
    (finding,) = plan.drift
    assert finding.kind == "info"
    assert "acknowledged by ana" in finding.message and "backfill" in finding.message
    assert [r.id for r in findings_seen(plan, NOW)] == ["job-42"]  # kept in state while it lasts


def test_sync_adds_new_drops_resolved_keeps_acknowledgements() -> None:
    doc = _state(JOB)
    doc.acknowledge_finding(JOB, by="ana", at=NOW)
    edit = FindingRecord(
        id="dataset-target-abc", resource="dataset", key="target", message="m", first_seen=NOW
    )
    assert doc.sync_findings([JOB, edit], NOW)
    assert doc.findings["job-42"].ack is not None and "dataset-target-abc" in doc.findings
    assert not doc.sync_findings([JOB, edit], NOW)  # nothing new: no write needed
    assert doc.sync_findings([edit], NOW, complete=False) is False  # a selected command drops nothing
    assert doc.sync_findings([edit], NOW)
    assert list(doc.findings) == ["dataset-target-abc"]


def test_a_version_2_document_migrates_with_no_findings() -> None:
    data = {"version": 2, "org": "o", "sandbox": "s", "datasets": {}, "exports": {}, "intents": {}}
    migrated = migrate(data)
    assert migrated["version"] == 3 and migrated["findings"] == {}
    assert StateDocument.model_validate(migrated).findings == {}
