"""Out-of-band findings with stable ids, merged with the ones state remembers (pure).

Every ``out_of_band`` finding gets an id a user can pass to ``state ack``: ``job-<id>`` for a job started
outside aep-exports, else ``<resource>-<key>-<digest of what it says>``. A job finding that state
remembers stays in the plan while the job exists and no run tracks it (``import`` adopts it), even though
the job listing no longer shows it; an acknowledged finding becomes information, with who acknowledged
it, when and why. See :mod:`aep_exports.state.findings`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from aep_exports.plan.model import DriftFinding
from aep_exports.plan.windows import format_instant
from aep_exports.state.findings import FindingRecord

if TYPE_CHECKING:
    from datetime import datetime

    from aep_exports.plan.live import LiveSnapshot
    from aep_exports.plan.model import Plan
    from aep_exports.state.model import StateDocument

JOB_FINDING = "job-"


def finding_id(finding: DriftFinding) -> str:
    """The finding's id: its own (a job's), else derived from what it is about and what it says."""
    if finding.id:
        return finding.id
    said = finding.message + "".join(f"|{c.path}:{c.before!r}:{c.after!r}" for c in finding.changes)
    digest = hashlib.sha256(said.encode("utf-8")).hexdigest()[:6]
    return f"{finding.resource}-{finding.key}-{digest}"


def _job_of(finding_id: str) -> int | None:
    if finding_id.startswith(JOB_FINDING) and finding_id[len(JOB_FINDING):].isdigit():
        return int(finding_id[len(JOB_FINDING):])
    return None


def _still_there(record: FindingRecord, state: StateDocument, live: LiveSnapshot) -> bool:
    """A remembered job finding lasts while the job exists, writes into a managed dataset, and no run
    tracks it. Other findings are seen afresh on every refresh while they last: not remembered here."""
    if record.job_id is None:
        return False
    if record.job_id in live.missing_jobs or record.job_id in state.tracked_job_ids():
        return False
    return record.key in state.datasets


def _acknowledged(finding: DriftFinding, record: FindingRecord) -> DriftFinding:
    ack = record.ack
    assert ack is not None
    why = f": {ack.reason}" if ack.reason else ""
    note = f" (acknowledged by {ack.by} at {format_instant(ack.at.replace(microsecond=0))}{why})"
    return finding.model_copy(update={"kind": "info", "message": finding.message + note})


def remember_findings(
    plan: Plan, state: StateDocument, live: LiveSnapshot, *, in_scope: Callable[[str, str], bool]
) -> Plan:
    """``plan`` with ids on its out-of-band findings, the remembered ones still there added, and the
    acknowledged ones turned into information."""
    drift: list[DriftFinding] = []
    seen: set[str] = set()
    for finding in plan.drift:
        if finding.kind == "out_of_band":
            finding = finding.model_copy(update={"id": finding_id(finding)})
            seen.add(finding.id)
        drift.append(finding)
    for record in state.findings.values():
        if record.id in seen or not in_scope(record.resource, record.key):
            continue
        if not _still_there(record, state, live):
            continue
        since = format_instant(record.first_seen.replace(microsecond=0))
        drift.append(
            DriftFinding(
                kind="out_of_band",
                resource=record.resource,
                key=record.key,
                message=f"{record.message} (first seen {since})",
                id=record.id,
            )
        )
    out = []
    for finding in drift:
        known = state.findings.get(finding.id) if finding.kind == "out_of_band" else None
        out.append(_acknowledged(finding, known) if known is not None and known.acknowledged else finding)
    return plan.model_copy(update={"drift": tuple(out)})


def findings_seen(plan: Plan, at: datetime) -> list[FindingRecord]:
    """The plan's out-of-band findings (acknowledged ones included) as state records them."""
    return [
        FindingRecord(
            id=finding.id,
            resource=finding.resource,
            key=finding.key,
            # Only new findings are recorded from this (state keeps the ones it has): their message is
            # as the plan made it, without the "first seen"/"acknowledged" notes added above.
            message=finding.message,
            first_seen=at,
            job_id=_job_of(finding.id),
        )
        for finding in plan.drift
        if finding.id
    ]
