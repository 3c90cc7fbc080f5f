"""The state document: what aep-exports remembers about one org and sandbox.

One JSON document per (org, sandbox), versioned (``STATE_VERSION``), with:

- ``lineage`` (uuid4 string, set once when the document is first created) and ``serial``
  (bumped by the backend on every write; compare-and-swap guards against lost updates);
- ``datasets``: key -> :class:`DatasetRecord` (platform id, the declared spec last applied);
- ``exports``: key -> :class:`ExportRecord` (the spec last used, the watermark, a bounded run
  history of :class:`RunRecord`, newest last);
- ``intents``: id -> :class:`Intent`, write-ahead records: an intent is saved *before* a
  request that creates something, and resolved *after* its outcome is known, so a crash
  at any instant leaves a trace the next command can recover from.

Specs and request bodies are stored as plain JSON dicts so that state does not depend on
the declaration models. Every datetime is timezone-aware UTC and serialised as RFC 3339.

Stable names used by other packages: ``STATE_VERSION``, ``RunStatus``, ``UNFINISHED_STATUSES``,
``DEFAULT_RUN_HISTORY``, ``RunRecord``, ``ExportRecord``, ``DatasetRecord``, ``Intent``,
``StateDocument``, ``utc``, ``request_digest``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

STATE_VERSION = 1
"""The version this build writes; older documents are migrated on read, newer ones refused."""

DEFAULT_RUN_HISTORY = 50
"""How many runs an export keeps by default (unfinished runs are never dropped)."""


def utc(value: datetime) -> datetime:
    """The same instant in UTC; refuses naive datetimes, which would be ambiguous in state."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(utc)]


def request_digest(body: Any) -> str:
    """A stable digest of a JSON value (``sha256:<hex>``), independent of key order."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class RunStatus:
    """Status words a run can hold: the platform's, plus the tool's own ``INTENT``/``UNKNOWN``/``MISSING``."""

    NEW = "NEW"
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    INTENT = "INTENT"  # intent recorded, request not (known to be) sent yet
    UNKNOWN = "UNKNOWN"  # request sent, outcome unknown (ambiguous write): look for the job
    MISSING = "MISSING"  # the job was tracked but the platform no longer knows it


UNFINISHED_STATUSES = frozenset({RunStatus.NEW, RunStatus.PROCESSING, RunStatus.INTENT, RunStatus.UNKNOWN})
"""A run in one of these may still produce (or be) a job; anything else is finished."""


class _Record(BaseModel):
    # extra="forbid": a field this build does not know means the file is not what we think it is.
    model_config = ConfigDict(extra="forbid", validate_default=True)


class RunRecord(_Record):
    """One run of an export: the job it created (if any), its slot, window and outcome."""

    job_id: int | None = None
    slot: UtcDatetime
    window_from: UtcDatetime | None = None
    window_to: UtcDatetime | None = None
    status: str = RunStatus.INTENT
    created: UtcDatetime | None = None
    finished: UtcDatetime | None = None
    batches: list[str] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    errors: list[dict[str, Any]] = Field(default_factory=list)
    request_digest: str = ""
    intent_id: str = ""
    cancelled_by_tool: bool = False
    note: str = ""

    @property
    def unfinished(self) -> bool:
        """True while the run may still produce (or be) a job on the platform."""
        return self.status in UNFINISHED_STATUSES

    @property
    def succeeded(self) -> bool:
        """True when the job finished with ``SUCCEEDED``."""
        return self.status == RunStatus.SUCCEEDED


class ExportRecord(_Record):
    """What state knows about one declared export: the spec last used, watermark and run history."""

    spec: dict[str, Any] = Field(default_factory=dict)
    watermark: UtcDatetime | None = None
    runs: list[RunRecord] = Field(default_factory=list)
    orphaned: bool = False

    def last_run(self) -> RunRecord | None:
        """The newest run, or None when the export never ran."""
        return self.runs[-1] if self.runs else None

    def last_succeeded(self) -> RunRecord | None:
        """The newest run that finished with ``SUCCEEDED``."""
        for run in reversed(self.runs):
            if run.succeeded:
                return run
        return None

    def unfinished_runs(self) -> list[RunRecord]:
        """Runs that may still produce (or be) a job, oldest first."""
        return [run for run in self.runs if run.unfinished]

    def find_run(self, *, job_id: int | None = None, intent_id: str | None = None) -> RunRecord | None:
        """The newest run with this job id or intent id."""
        for run in reversed(self.runs):
            if job_id is not None and run.job_id == job_id:
                return run
            if intent_id and run.intent_id == intent_id:
                return run
        return None

    def add_run(self, run: RunRecord, *, cap: int = DEFAULT_RUN_HISTORY) -> RunRecord:
        """Append ``run`` (newest last) and trim the history to ``cap`` runs."""
        self.runs.append(run)
        self.trim_runs(cap)
        return run

    def trim_runs(self, cap: int = DEFAULT_RUN_HISTORY) -> None:
        """Drop the oldest finished runs beyond ``cap``; unfinished runs and the last success stay."""
        if cap < 1:
            raise ValueError("run history cap must be at least 1")
        excess = len(self.runs) - cap
        if excess <= 0:
            return
        keep_success = self.last_succeeded()
        kept: list[RunRecord] = []
        for run in self.runs:
            droppable = not run.unfinished and run is not keep_success
            if excess > 0 and droppable:
                excess -= 1
                continue
            kept.append(run)
        self.runs = kept


class DatasetRecord(_Record):
    """A managed dataset: its platform id and the declared spec last applied."""

    id: str
    spec: dict[str, Any] = Field(default_factory=dict)
    created_at: UtcDatetime | None = None
    orphaned: bool = False


IntentKind = Literal["create_dataset", "update_dataset", "replace_dataset", "delete_dataset",
                     "run_export", "cancel_job"]


class Intent(_Record):
    """A write-ahead record: saved before a request, resolved once its outcome is recorded."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    kind: str
    resource: Literal["dataset", "export"]
    key: str
    slot: UtcDatetime | None = None
    request_digest: str = ""
    request_body: dict[str, Any] = Field(default_factory=dict)
    started_at: UtcDatetime
    resolved: bool = False
    resolved_at: UtcDatetime | None = None
    result: dict[str, Any] = Field(default_factory=dict)


class StateDocument(_Record):
    """The whole state of one org and sandbox; ``serial`` and ``lineage`` are managed by the backend."""

    version: int = STATE_VERSION
    lineage: str = Field(default_factory=lambda: str(uuid.uuid4()))
    serial: int = 0
    org: str
    sandbox: str
    written_by: str = ""
    updated_at: UtcDatetime | None = None
    last_refresh: UtcDatetime | None = None
    datasets: dict[str, DatasetRecord] = Field(default_factory=dict)
    exports: dict[str, ExportRecord] = Field(default_factory=dict)
    intents: dict[str, Intent] = Field(default_factory=dict)

    @classmethod
    def empty(cls, org: str, sandbox: str) -> StateDocument:
        """A fresh document (serial 0, new lineage) for a sandbox that has no state yet."""
        return cls(org=org, sandbox=sandbox)

    @property
    def is_empty(self) -> bool:
        """True when nothing has ever been written (serial 0)."""
        return self.serial == 0

    def ensure_export(self, key: str) -> ExportRecord:
        """The record of export ``key``, created empty if state does not know it yet."""
        record = self.exports.get(key)
        if record is None:
            record = self.exports[key] = ExportRecord()
        return record

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

    def prune_resolved_intents(self) -> int:
        """Forget resolved intents (their outcome lives in the runs and datasets); returns how many."""
        resolved = [key for key, intent in self.intents.items() if intent.resolved]
        for key in resolved:
            del self.intents[key]
        return len(resolved)

    def to_json(self) -> str:
        """The document as stored: compact JSON, RFC 3339 datetimes, fields in declaration order."""
        # Compact, not indented: a large state (10,000 exports x 50 runs) is half the size and
        # writes 3x faster; `aep-exports state show` and jq are the readable views.
        return self.model_dump_json()
