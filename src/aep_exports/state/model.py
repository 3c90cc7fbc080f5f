"""The state document: what aep-exports remembers about one org and sandbox.

One JSON document per (org, sandbox), versioned (``STATE_VERSION``), with:

- ``lineage`` (uuid4 string, set once when the document is first created) and ``serial``
  (bumped by the backend on every write; compare-and-swap guards against lost updates);
- ``datasets``: key -> :class:`DatasetRecord` (platform id, the declared spec last applied);
- ``exports``: key -> :class:`ExportRecord` (what was declared and sent, the watermark, a
  bounded run history of :class:`RunRecord`, newest last);
- ``intents``: id -> :class:`Intent`, write-ahead records: an intent is saved *before* a
  request that changes something, and resolved *after* its outcome is known, so a crash
  at any instant leaves a trace the next command can recover from;
- ``findings``: id -> :class:`FindingRecord`, changes made outside aep-exports (a job started by
  hand into a managed dataset...), kept until the platform no longer shows them or someone
  acknowledges them (``state ack``).

Specs and request bodies are plain JSON underneath (:mod:`aep_exports.state.specs`), so that
state does not depend on the declaration models. Every datetime is timezone-aware UTC and
serialised as RFC 3339. Callers change the document only through the operations of the document
and its records (:mod:`aep_exports.state.records`); ``tests/unit/test_layers.py`` checks it.

Stable names used by other packages: ``STATE_VERSION``, ``RunStatus``, ``UNFINISHED_STATUSES``,
``TERMINAL_STATUSES``, ``JobReport``, ``DEFAULT_RUN_HISTORY``, ``RunRecord``, ``ExportRecord``,
``DatasetRecord``, ``AppliedExport``, ``AppliedDataset``, ``Intent``, ``IntentKind``, ``StateDocument``,
``utc``, ``request_digest``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from aep_exports.state.base import Record, UtcDatetime, request_digest, utc
from aep_exports.state.findings import Acknowledgement, FindingRecord, FindingResource
from aep_exports.state.records import (
    DEFAULT_RUN_HISTORY,
    DatasetRecord,
    ExportRecord,
    Intent,
    IntentKind,
    RunRecord,
)
from aep_exports.state.specs import AppliedDataset, AppliedExport
from aep_exports.state.status import (
    ACTIVE_JOB_STATUSES,
    TERMINAL_STATUSES,
    UNFINISHED_STATUSES,
    JobReport,
    RunStatus,
)

STATE_VERSION = 3
"""The version this build writes; older documents are migrated on read, newer ones refused.

2: runs carry ``attempt``, ``restated`` and ``breaches``; exports ``restatements`` (all defaulted,
so a version-1 document reads unchanged).
3: ``findings``, out-of-band changes kept until resolved or acknowledged (:mod:`.findings`)."""

MAX_SERIAL = 2**53 - 1
"""The largest serial a document may hold: far beyond any real count of writes (a larger one is a hand
edit), exact in every JSON reader (JavaScript's integers) and in PostgreSQL's ``bigint`` column."""

Resource = Literal["dataset", "export"]


class StateDocument(Record):
    """The whole state of one org and sandbox; ``serial`` and ``lineage`` are managed by the backend."""

    version: int = STATE_VERSION
    lineage: str = Field(default_factory=lambda: str(uuid.uuid4()))
    serial: int = Field(default=0, ge=0, le=MAX_SERIAL)
    org: str
    sandbox: str
    written_by: str = ""
    updated_at: UtcDatetime | None = None
    last_refresh: UtcDatetime | None = None
    datasets: dict[str, DatasetRecord] = Field(default_factory=dict)
    exports: dict[str, ExportRecord] = Field(default_factory=dict)
    intents: dict[str, Intent] = Field(default_factory=dict)
    findings: dict[str, FindingRecord] = Field(default_factory=dict)

    @classmethod
    def empty(cls, org: str, sandbox: str) -> StateDocument:
        """A fresh document (serial 0, new lineage) for a sandbox that has no state yet."""
        return cls(org=org, sandbox=sandbox)

    @property
    def is_empty(self) -> bool:
        """True when nothing has ever been written (serial 0)."""
        return self.serial == 0

    # -- exports ---------------------------------------------------------------------------

    def ensure_export(self, key: str) -> ExportRecord:
        """The record of export ``key``, created empty if state does not know it yet."""
        record = self.exports.get(key)
        if record is None:
            record = self.exports[key] = ExportRecord()
        return record

    def tracked_job_ids(self) -> set[int]:
        """Every job id state knows (such a job can never be adopted for another run)."""
        return {
            run.job_id for record in self.exports.values() for run in record.runs if run.job_id is not None
        }

    def outside_job_ids(self) -> frozenset[int]:
        """Jobs recorded as out-of-band findings (acknowledged or not): someone else started them, so no
        intent of aep-exports may ever adopt or cancel one (``reconcile.matching.choose_jobs``)."""
        return frozenset(f.job_id for f in self.findings.values() if f.job_id is not None)

    def job_requests(self) -> dict[int, str]:
        """Every tracked job id → the id of the intent that created or adopted it ("" when imported).

        An intent's id is the ``x-request-id`` its create requests carried, so a platform that echoes
        it shows, on these jobs, whether it does.
        """
        return {
            run.job_id: run.intent_id
            for record in self.exports.values()
            for run in record.runs
            if run.job_id is not None
        }

    def unfinished_job_ids(self) -> list[int]:
        """Job ids of every unfinished run, sorted."""
        return sorted(
            run.job_id
            for record in self.exports.values()
            for run in record.runs
            if run.unfinished and run.job_id is not None
        )

    def mark_refreshed(self, at: datetime) -> None:
        """Jobs were listed up to ``at``: the next refresh lists only newer ones."""
        self.last_refresh = utc(at)

    # -- datasets --------------------------------------------------------------------------

    def record_dataset(
        self, key: str, dataset_id: str, spec: AppliedDataset, *, created_at: datetime
    ) -> DatasetRecord:
        """Dataset ``key`` is ``dataset_id`` on the platform, as declared by ``spec``."""
        record = self.datasets[key] = DatasetRecord(id=dataset_id, spec=spec, created_at=created_at)
        return record

    def record_export_spec(self, key: str, spec: AppliedExport) -> None:
        """Export ``key``'s declaration changed (or is new, or is declared again) with no run yet: its next
        run sends it. A declared export is managed: no longer orphaned."""
        record = self.ensure_export(key)
        record.spec = spec
        record.orphaned = False

    def record_dataset_spec(self, key: str, spec: AppliedDataset) -> None:
        """Dataset ``key`` was changed in place to ``spec`` (or declared again): managed, not orphaned."""
        record = self.datasets.get(key)
        if record is not None:
            record.spec = spec
            record.orphaned = False

    def mark_orphaned(self, resource: Resource, key: str) -> bool:
        """``key`` is no longer declared: keep its record, flagged orphaned (``--forget`` drops it later).

        False when state does not know ``key``.
        """
        table: dict[str, Any] = self.exports if resource == "export" else self.datasets
        record: DatasetRecord | ExportRecord | None = table.get(key)
        if record is None:
            return False
        record.orphaned = True
        return True

    def drop_dataset(self, key: str, dataset_id: str) -> bool:
        """Dataset ``dataset_id`` is gone: forget it under ``key`` (unless ``key`` names another id now)."""
        record = self.datasets.get(key)
        if record is None or record.id != dataset_id:
            return False
        del self.datasets[key]
        return True

    def move(self, resource: Resource, old: str, new: str) -> DatasetRecord | ExportRecord:
        """Rename ``old`` to ``new`` (``state mv``, ``moved:``): its record and intents follow the key.

        A dataset's id, an export's watermark and runs stay as they are; exports that declared the
        old dataset key are recorded as declaring the new one. KeyError when ``old`` is not in state,
        ValueError when ``new`` already is.
        """
        table: dict[str, Any] = self.exports if resource == "export" else self.datasets
        if old not in table:
            raise KeyError(old)
        if new in table:
            raise ValueError(f"{resource} {new!r} is already in the state")
        record: DatasetRecord | ExportRecord = table.pop(old)
        table[new] = record
        for intent in self.intents.values():
            if intent.key == old and intent.resource == resource:
                intent.key = new
        if resource == "dataset":
            for export in self.exports.values():
                export.spec.rename_dataset(old, new)
        return record

    def forget(self, resource: Resource, key: str) -> DatasetRecord | ExportRecord | None:
        """Drop ``key`` and its intents from state (the platform keeps the resource); returns the record."""
        table: dict[str, Any] = self.exports if resource == "export" else self.datasets
        record: DatasetRecord | ExportRecord | None = table.pop(key, None)
        for intent in list(self.intents.values()):
            if intent.key == key and intent.resource == resource:
                del self.intents[intent.id]
        return record

    # -- write-ahead intents ---------------------------------------------------------------

    def open_intents(self) -> list[Intent]:
        """Intents without a recorded result, oldest first: what may have happened without a trace."""
        return sorted((i for i in self.intents.values() if not i.resolved), key=lambda i: i.started_at)

    def add_intent(self, intent: Intent) -> Intent:
        """Record ``intent`` (to be written to the backend before its request is sent)."""
        self.intents[intent.id] = intent
        return intent

    def resolve_intent(self, intent_id: str, *, at: datetime, result: dict[str, Any] | None = None) -> None:
        """Mark an intent resolved with its outcome (e.g. ``{"job_id": 123}``)."""
        intent = self.intents[intent_id]
        intent.resolved = True
        intent.resolved_at = utc(at)
        intent.result = dict(result or {})

    def count_attempt(self, intent_id: str) -> int:
        """Another create request of run intent ``intent_id`` is about to be sent; returns how many now."""
        intent = self.intents[intent_id]
        intent.attempts += 1
        return intent.attempts

    def note_cancelling(self, intent_id: str, job_ids: Iterable[int]) -> None:
        """Run intent ``intent_id`` is about to cancel ``job_ids`` as extras of its own (stored before the
        DELETEs, so that recovery knows who stopped them)."""
        intent = self.intents[intent_id]
        intent.result = {**intent.result, "cancelling": sorted(intent.cancelling | set(job_ids))}

    def prune_resolved_intents(self) -> int:
        """Forget resolved intents (their outcome lives in the runs and datasets); returns how many."""
        resolved = [key for key, intent in self.intents.items() if intent.resolved]
        for key in resolved:
            del self.intents[key]
        return len(resolved)

    # -- findings (out-of-band changes) --------------------------------------------------------

    def sync_findings(self, seen: Iterable[FindingRecord], at: datetime, *, complete: bool = True) -> bool:
        """Make ``findings`` what a writing refresh ``seen`` now: new ones recorded (first seen ``at``),
        and, when it saw everything (``complete``: no ``--select``), ones no longer seen dropped (resolved);
        acknowledgements are kept. Returns whether anything changed."""
        current = {finding.id: finding for finding in seen}
        gone = [f for f in self.findings if f not in current] if complete else []
        changed = bool(gone) or any(f not in self.findings for f in current)
        for finding_id in gone:
            del self.findings[finding_id]
        for finding_id, finding in current.items():
            if finding_id in self.findings:
                continue
            self.findings[finding_id] = finding.model_copy(update={"first_seen": utc(at), "ack": None})
        return changed

    def acknowledge_finding(
        self, finding: FindingRecord, *, by: str, at: datetime, reason: str = ""
    ) -> FindingRecord:
        """Record that ``by`` accepted ``finding`` (recorded first when state did not have it yet); an
        acknowledgement it replaces is kept in ``earlier_acks`` (callers refuse that without --force)."""
        stored = self.findings.get(finding.id)
        if stored is None:
            stored = self.findings[finding.id] = finding.model_copy(deep=True)
        if stored.ack is not None:
            stored.earlier_acks.append(stored.ack)
        stored.ack = Acknowledgement(by=by, at=utc(at), reason=reason)
        return stored

    def to_json(self) -> str:
        """The document as stored: compact JSON, RFC 3339 datetimes, fields in declaration order."""
        # Compact, not indented: a large state (10,000 exports x 50 runs) is half the size and
        # writes 3x faster; `aep-exports state show` and jq are the readable views.
        return self.model_dump_json()


__all__ = [
    "ACTIVE_JOB_STATUSES",
    "DEFAULT_RUN_HISTORY",
    "MAX_SERIAL",
    "STATE_VERSION",
    "TERMINAL_STATUSES",
    "UNFINISHED_STATUSES",
    "Acknowledgement",
    "AppliedDataset",
    "AppliedExport",
    "DatasetRecord",
    "ExportRecord",
    "FindingRecord",
    "FindingResource",
    "Intent",
    "IntentKind",
    "JobReport",
    "Resource",
    "RunRecord",
    "RunStatus",
    "StateDocument",
    "request_digest",
    "utc",
]
