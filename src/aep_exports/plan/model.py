"""The Plan: ordered actions plus everything a reviewer should read beside them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from aep_exports.plan.actions import (
    ACTION_TYPES,
    Action,
    AddExport,
    CancelJob,
    CreateDataset,
    DeleteDataset,
    FieldChange,
    Forget,
    MoveState,
    OrphanDataset,
    OrphanExport,
    ReplaceDataset,
    RestateExport,
    RetryExport,
    RunExport,
    UpdateDataset,
    UpdateExport,
    digest_of,
)

PLAN_FORMAT_VERSION = 1
# Computed on output (plan -o, --format json); a saved plan's values are checked or ignored on load.
DERIVED_FIELDS = ("status", "summary", "seal")

# The header fields the seal covers: what staleness is checked against, and what the actions are for.
SEALED_FIELDS = (
    "format_version",
    "platform",
    "now",
    "org",
    "sandbox",
    "state_lineage",
    "state_serial",
    "declarations_digest",
    "options",
)

PlanStatus = Literal["failed", "changes", "no_changes"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RestateRequest(_Frozen):
    """``--restate KEY[:FROM]``: re-export an incremental export from ``window_from`` (None: the start)."""

    key: str
    window_from: datetime | None = None

    def text(self) -> str:
        """As it was written: ``KEY`` or ``KEY:2024-05-01T00:00:00Z``."""
        if self.window_from is None:
            return self.key
        return f"{self.key}:{self.window_from.isoformat().replace('+00:00', 'Z')}"


class PlanOptions(_Frozen):
    """What the user asked for on the command line; part of the saved plan."""

    select: tuple[str, ...] = Field(
        default=(), description="--select (and --target) selectors: keys, key globs, LABEL=VALUE."
    )
    runs: tuple[str, ...] = ()
    restate: tuple[RestateRequest, ...] = ()
    forget: tuple[str, ...] = ()
    allow_replace: bool = False
    prune: bool = False
    refresh_only: bool = False


class PlanMessage(_Frozen):
    """An error or warning, optionally about one resource and pointing at a declaration."""

    message: str
    key: str | None = None
    location: str | None = Field(default=None, description="file:line of the declaration, when known.")

    def text(self) -> str:
        """One line: ``location: message``."""
        return f"{self.location}: {self.message}" if self.location else self.message


DriftKind = Literal["out_of_band", "pending", "info"]


class DriftFinding(_Frozen):
    """A difference between declarations, state and the platform, classified for `drift`."""

    kind: DriftKind
    resource: Literal["dataset", "export", "job"]
    key: str
    message: str
    changes: tuple[FieldChange, ...] = ()
    id: str = Field(
        default="",
        description="A change made outside aep-exports: its stable id (`job-10047`), for `state ack ID`.",
    )


class RefreshOutcome(_Frozen):
    """A finished run whose outcome refresh recorded into state."""

    key: str
    job_id: int
    status: str
    slot: datetime
    window_from: datetime | None = None
    window_to: datetime | None = None
    note: str = ""
    breaches: tuple[str, ...] = Field(default=(), description="Expectations the run broke.")


class Plan(_Frozen):
    """Everything ``plan`` decided; saved as JSON with ``-o`` and executed by apply."""

    format_version: int = PLAN_FORMAT_VERSION
    created_at: datetime
    now: datetime = Field(description="The clock the plan was made for (--now / AEP_EXPORTS_NOW).")
    platform: str = ""
    org: str = ""
    sandbox: str = ""
    state_lineage: str = ""
    state_serial: int = 0
    declarations_digest: str = ""
    options: PlanOptions = PlanOptions()
    actions: tuple[Action, ...] = ()
    drift: tuple[DriftFinding, ...] = ()
    errors: tuple[PlanMessage, ...] = ()
    warnings: tuple[PlanMessage, ...] = ()
    infos: tuple[PlanMessage, ...] = ()
    skipped_files: tuple[str, ...] = ()
    refreshed: tuple[RefreshOutcome, ...] = ()
    refresh_pending: bool = Field(
        default=False,
        description="True when `refreshed` and `recovery` are only previewed (a read-only plan): the next "
        "apply or refresh records them in state.",
    )
    recovery: tuple[str, ...] = Field(
        default=(),
        description="What the next apply or refresh does with the intents an interrupted apply left open "
        "(adopt a job, cancel extra jobs, drop an unsent run...), one line each.",
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        # Derived on output; loading recomputes them (``plan.saved`` checks the saved seal first).
        if isinstance(data, dict) and any(k in data for k in DERIVED_FIELDS):
            return {k: v for k, v in data.items() if k not in DERIVED_FIELDS}
        return data

    @property
    def has_changes(self) -> bool:
        """True when applying would do anything: its actions, or resolving an interrupted apply's intents
        (which can cancel extra jobs), so ``plan`` and ``drift`` agree on what is pending."""
        return bool(self.actions or self.recovery)

    @property
    def out_of_band(self) -> tuple[DriftFinding, ...]:
        """Drift findings for changes made outside the tool."""
        return tuple(f for f in self.drift if f.kind == "out_of_band")

    @property
    def pending(self) -> tuple[DriftFinding, ...]:
        """Declared changes not yet applied."""
        return tuple(f for f in self.drift if f.kind == "pending")

    def counts(self) -> dict[str, int]:
        """How many actions of each kind."""
        counts: dict[str, int] = {}
        for action in self.actions:
            counts[action.kind] = counts.get(action.kind, 0) + 1
        return counts

    @computed_field(  # type: ignore[prop-decorator]
        description="sha256 over the ordered action digests and the header a saved plan is checked against "
        "(state lineage and serial, declarations digest, now, org, sandbox, options): apply and show refuse "
        "a saved plan where an action was deleted, added or moved, or the header edited."
    )
    @property
    def seal(self) -> str:
        """A digest of the whole plan's content that matters to apply (see :data:`SEALED_FIELDS`)."""
        header = self.model_dump(mode="json", include=set(SEALED_FIELDS))
        return digest_of({**header, "actions": [action.digest for action in self.actions]})

    @computed_field(  # type: ignore[prop-decorator]
        description="failed (the plan has errors: nothing can be applied), changes, or no_changes."
    )
    @property
    def status(self) -> PlanStatus:
        """Whether the plan failed, has changes (``--detailed-exitcode`` 2) or has none."""
        if self.errors:
            return "failed"
        return "changes" if self.has_changes else "no_changes"

    @computed_field(  # type: ignore[prop-decorator]
        description="The plan's last line: `Plan: ...`, `No changes. ...` or `Plan failed: N errors. ...`."
    )
    @property
    def summary(self) -> str:
        """The same as :meth:`summary_line`, for the JSON view."""
        return self.summary_line()

    def summary_line(self) -> str:
        """``Plan: 1 dataset to create, 3 exports to run.``, the no-change line, or, when the plan has
        errors, ``Plan failed: 2 errors. ...``: a plan with errors is never shown as one to apply."""
        if self.errors:
            return failed_summary(len(self.errors))
        return self.actions_summary()

    def actions_summary(self) -> str:
        """``Plan: 1 dataset to create, 3 exports to run, 1 job to cancel.`` or the no-change line,
        errors aside."""
        by_kind: dict[type, list[Action]] = {}
        for action in self.actions:
            by_kind.setdefault(type(action), []).append(action)
        groups = [by_kind[kind] for kind in ACTION_TYPES if kind in by_kind]
        parts = [type(group[0]).count_text(len(group)) + _when(group) for group in groups]
        if self.recovery:
            count = len(self.recovery)
            parts.append(f"{count} interrupted apply record{'s' if count != 1 else ''} to resolve")
        if not parts:
            return "No changes. The platform matches the declarations."
        return "Plan: " + ", ".join(parts) + "."

    def to_json(self) -> str:
        """The plan as saved by ``plan -o``."""
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json_data(cls, data: Any) -> Plan:
        """Validate a parsed saved plan."""
        return cls.model_validate(data)


def failed_summary(count: int) -> str:
    """The last line of a plan with ``count`` errors: ``Plan failed: 2 errors. Nothing can be applied...``."""
    if count == 1:
        return "Plan failed: 1 error. Nothing can be applied until it is fixed."
    return f"Plan failed: {count} errors. Nothing can be applied until they are fixed."


def _when(actions: list[Action]) -> str:
    """What a summary adds to a count: when declared export changes take effect, how many runs change."""
    specs = [a for a in actions if isinstance(a, AddExport | UpdateExport)]
    if specs:
        effects = {a.takes_effect() for a in specs}
        return f" ({effects.pop()})" if len(effects) == 1 else " (from their next runs)"
    changed = sum(1 for a in actions if isinstance(a, RunExport) and a.changes)
    return f" ({changed} with a changed spec)" if changed else ""


__all__ = [
    "PLAN_FORMAT_VERSION",
    "Action",
    "AddExport",
    "CancelJob",
    "CreateDataset",
    "DeleteDataset",
    "DriftFinding",
    "FieldChange",
    "Forget",
    "MoveState",
    "OrphanDataset",
    "OrphanExport",
    "Plan",
    "PlanMessage",
    "PlanOptions",
    "RefreshOutcome",
    "ReplaceDataset",
    "RestateExport",
    "RestateRequest",
    "RetryExport",
    "RunExport",
    "UpdateDataset",
    "UpdateExport",
]
