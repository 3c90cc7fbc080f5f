"""The typed actions of a plan: data that both the renderers and apply walk over.

Every action is a frozen model carrying its ``reason`` and everything apply needs to carry it
out without looking at the declarations again (request bodies are complete; a dataset created in
the same plan is referenced by key through a placeholder that apply fills in).

What a kind means is said once, on its class: ``symbol`` (as plans show it), ``verb`` and ``noun``
(the summary: "1 dataset to create"), ``label`` (apply's result lines: "create dataset KEY"),
``order`` (datasets first, then exports, forgets last) and ``resource`` (what its key names).
Adding a kind is one class here plus the ``match`` statements mypy then reports as incomplete
(executor, recovery, renderers). A retry is a :class:`RetryExport`, a kind of :class:`RunExport`
(apply starts it the same way); :class:`RestateExport` and :class:`MoveState` change state only, as do
:class:`OrphanDataset` and :class:`OrphanExport` (a declaration removed).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from aep_exports.state.model import AppliedDataset, AppliedExport, request_digest

# Stands for the id of a dataset created earlier in the same plan, in a run_export's body.
DATASET_PLACEHOLDER_PREFIX = "${dataset:"


def dataset_placeholder(key: str) -> str:
    """The text standing for the id of dataset ``key`` until apply creates it."""
    return f"{DATASET_PLACEHOLDER_PREFIX}{key}}}"


def digest_of(value: Any) -> str:
    """A stable sha256 of a JSON value; the same function state uses, so digests compare across both."""
    return request_digest(value)


class FieldChange(BaseModel):
    """One field-level difference: ``path`` in dotted/indexed form, before and after (absent = None)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    change: Literal["added", "removed", "changed"]
    before: Any = None
    after: Any = None


Resource = Literal["dataset", "export"]


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: ClassVar[str]
    verb: ClassVar[str]
    noun: ClassVar[str]
    plural: ClassVar[str] = ""  # when not the noun plus "s"
    label: ClassVar[str]
    order: ClassVar[tuple[int, int]]

    key: str = Field(description="Declaration key of the dataset or export the action is about.")
    reason: str = Field(description="Why the planner chose this action, in words.")
    after: list[str] = Field(default_factory=list, description="Action ids that must complete first.")

    @model_validator(mode="before")
    @classmethod
    def _drop_digest(cls, data: Any) -> Any:
        # A saved plan carries each action's digest; it is derived, so loading ignores it here
        # (``plan.saved`` compares it with the recomputed one first).
        if isinstance(data, dict) and "digest" in data:
            return {k: v for k, v in data.items() if k != "digest"}
        return data

    @computed_field(  # type: ignore[prop-decorator]
        description="sha256 of everything else in the action; apply refuses a saved plan where it differs."
    )
    @property
    def digest(self) -> str:
        """A digest of the action's content: a hand edit of a saved plan changes it."""
        return digest_of(self.model_dump(mode="json", exclude={"digest"}))

    @property
    def action_id(self) -> str:
        """Unique within a plan; used for ordering and dependencies."""
        kind: str = getattr(self, "kind")  # noqa: B009 - every subclass defines it
        return f"{kind}:{self.key}"

    @classmethod
    def count_text(cls, n: int) -> str:
        """How a plan summary counts ``n`` of these: ``1 dataset to create``, ``3 exports to run``."""
        noun = cls.noun if n == 1 else (cls.plural or cls.noun + "s")
        return f"{n} {noun} to {cls.verb}"


class CreateDataset(_Action):
    """POST /dataSets with ``body``; record the new id under ``key``."""

    symbol, verb, noun, label, order = "+", "create", "dataset", "create dataset", (0, 0)
    resource: ClassVar[Resource] = "dataset"

    kind: Literal["create_dataset"] = "create_dataset"
    body: dict[str, Any]
    spec: AppliedDataset = Field(description="The declared spec, to record in state once applied.")
    spec_digest: str


class UpdateDataset(_Action):
    """PATCH /dataSets/{dataset_id} with ``patch`` (only name, description, tags)."""

    symbol, verb, noun, label, order = "~", "update", "dataset", "update dataset", (0, 1)
    resource: ClassVar[Resource] = "dataset"

    kind: Literal["update_dataset"] = "update_dataset"
    dataset_id: str
    patch: dict[str, Any]
    changes: list[FieldChange]
    spec: AppliedDataset
    spec_digest: str


class ReplaceDataset(_Action):
    """DELETE the old dataset then POST ``body``: an immutable field (schema, format) changed."""

    symbol, verb, noun, label, order = "-/+", "replace", "dataset", "replace dataset", (0, 2)
    resource: ClassVar[Resource] = "dataset"

    kind: Literal["replace_dataset"] = "replace_dataset"
    old_dataset_id: str
    body: dict[str, Any]
    changes: list[FieldChange]
    spec: AppliedDataset
    spec_digest: str


class DeleteDataset(_Action):
    """DELETE /dataSets/{dataset_id} and drop ``key`` from state (orphaned, with --prune)."""

    symbol, verb, noun, label, order = "-", "delete", "dataset", "delete dataset", (0, 3)
    resource: ClassVar[Resource] = "dataset"

    kind: Literal["delete_dataset"] = "delete_dataset"
    dataset_id: str


class RunExport(_Action):
    """POST /export/jobs with ``request_body``; record the job as the run for ``slot``.

    When ``dataset_key`` is set, the destination dataset is created earlier in this plan and
    ``request_body.destination.datasetId`` holds ``dataset_placeholder(dataset_key)`` until apply
    substitutes the new id (see :meth:`resolved_body`). ``body_digest`` is the digest of
    ``request_body`` exactly as planned (placeholder included), for reviewers; state records the
    digest of the body actually sent.
    """

    symbol, verb, noun, label, order = "+", "run", "export", "run export", (1, 1)
    resource: ClassVar[Resource] = "export"

    kind: Literal["run_export"] = "run_export"
    slot: datetime = Field(description="The scheduled instant this run is for (now when forced).")
    window_from: datetime | None = Field(description="filter.fromIngestTimestamp; None = everything.")
    window_to: datetime = Field(description="End of the window: the run's slot.")
    incremental: bool
    forced: bool = Field(default=False, description="Started by --run rather than by the schedule.")
    dataset_id: str | None = Field(description="Destination id when known; None when created in this plan.")
    dataset_key: str | None = Field(default=None, description="Key of a dataset created in this plan.")
    request_body: dict[str, Any]
    body_digest: str
    spec: AppliedExport = Field(description="The declared export and the planned request, for state.")
    spec_digest: str
    changes: list[FieldChange] = Field(
        default_factory=list, description="Difference from the last run's request body."
    )
    timeout_seconds: int | None = None
    attempt: int = Field(default=1, ge=1, description="1 for a slot's first run, n + 1 for its n-th retry.")
    restated: bool = Field(default=False, description="The window re-exports data exported before.")
    first_run: bool = Field(
        default=False, description="The export's first run: renderers show its request in full."
    )
    timezone: str = Field(default="UTC", description="The zone the export's schedule reads in.")

    def resolved_body(self, dataset_ids: dict[str, str] | None = None) -> dict[str, Any]:
        """The body to send: the placeholder replaced by the id apply got for ``dataset_key``."""
        body = json.loads(json.dumps(self.request_body))
        if self.dataset_key is not None:
            if not dataset_ids or self.dataset_key not in dataset_ids:
                raise KeyError(f"dataset {self.dataset_key!r} has no id yet")
            body.setdefault("destination", {})["datasetId"] = dataset_ids[self.dataset_key]
        return dict(body)


class RetryExport(RunExport):
    """Run the slot of a FAILED run again, with the same window (``retry:`` of the export)."""

    symbol, verb, noun, label, order = "+", "retry", "export", "retry export", (1, 1)

    # A kind of RunExport (apply starts it alike); only its discriminator differs.
    kind: Literal["retry_export"] = "retry_export"  # type: ignore[assignment]
    attempts: int = Field(description="How many retries the export allows (retry.attempts).")
    failed_job_id: int | None = Field(default=None, description="The job whose failure this retries.")

    @property
    def retry_number(self) -> int:
        """1 for the first retry (``attempt`` 2)."""
        return self.attempt - 1


class RestateExport(_Action):
    """Reset an incremental export's watermark to ``window_from`` (``--restate KEY[:FROM]``); state only.

    The run that follows (its ``after`` names this action) exports ``(window_from, slot]`` again.
    """

    symbol, verb, noun, label, order = "<", "restate", "export", "restate export", (1, 0)
    resource: ClassVar[Resource] = "export"

    kind: Literal["restate_export"] = "restate_export"
    window_from: datetime | None = Field(description="The watermark's new value; None = the beginning.")
    previous_watermark: datetime | None = Field(description="The watermark it replaces.")


class MoveState(_Action):
    """Rename a state entry from ``old_key`` to ``key`` (``moved:``); its history follows. State only."""

    symbol, verb, noun, label, order = "=>", "move", "state entry", "move", (-1, 0)
    plural = "state entries"

    kind: Literal["move_state"] = "move_state"
    resource: Resource
    old_key: str

    @property
    def action_id(self) -> str:
        return f"move_state:{self.resource}:{self.key}"


class _ExportSpecChange(_Action):
    """A declaration change that takes effect at the export's next run; apply records it in state only.

    Export jobs are one-shot on the platform: there is nothing to update there. The next run sends
    ``request_body`` (shown in full for a new export, as field changes for a changed one).
    """

    resource: ClassVar[Resource] = "export"

    changes: list[FieldChange] = Field(
        default_factory=list, description="Difference from the declaration last applied."
    )
    spec: AppliedExport = Field(description="The declaration to record in state (the last request kept).")
    spec_digest: str
    next_run: datetime | None = Field(
        description="The run that will use it first (None: manual, or disabled: no scheduled run)."
    )
    enabled: bool = True
    manual: bool = False
    request_body: dict[str, Any] = Field(description="The body the next run would send, as of this plan.")
    window_from: datetime | None = Field(default=None, description="The next run's window start, as of now.")

    def takes_effect(self) -> str:
        """``from the run at 2026-11-21T03:00:00Z``, or why no run is scheduled."""
        if not self.enabled:
            return "no run while disabled (enabled: false)"
        if self.next_run is None:
            return "from its next run (manual: apply --run)" if self.manual else "from its next run"
        return f"from the run at {self.next_run.isoformat().replace('+00:00', 'Z')}"


class AddExport(_ExportSpecChange):
    """A newly declared export with no run due yet: record it; its first run sends ``request_body``."""

    symbol, verb, noun, label, order = "+", "add", "export", "add export", (1, 0)

    kind: Literal["add_export"] = "add_export"

    def takes_effect(self) -> str:
        """When its first run is: at a slot, only with ``--run`` (manual), or not while disabled."""
        if not self.enabled:
            return "disabled: no run until it is enabled"
        if self.next_run is None and self.manual:
            return "manual: runs only with apply --run"
        return super().takes_effect()


class UpdateExport(_ExportSpecChange):
    """A changed export declaration with no run due now: record it; the next run sends the new request."""

    symbol, verb, noun, label, order = "~", "change", "export", "record the new spec of export", (1, 0)

    kind: Literal["update_export"] = "update_export"


class CancelJob(_Action):
    """DELETE /export/jobs/{job_id}: the run timed out, or its export was removed."""

    symbol, verb, noun, label, order = "!", "cancel", "job", "cancel job of", (1, 0)
    resource: ClassVar[Resource] = "export"

    kind: Literal["cancel_job"] = "cancel_job"
    job_id: int
    cause: Literal["timeout", "removed"]
    slot: datetime | None = None
    started: datetime | None = None

    @property
    def action_id(self) -> str:
        return f"cancel_job:{self.key}:{self.job_id}"


class Forget(_Action):
    """Drop ``key`` from state without touching the platform (explicit --forget)."""

    symbol, verb, noun, label, order = "-", "forget", "state entry", "forget", (2, 0)
    plural = "state entries"

    kind: Literal["forget"] = "forget"
    resource: Resource


class _Orphan(_Action):
    """A declaration was removed: record it in state as orphaned (the platform is not touched).

    Until the user decides (``--forget`` drops it from state, ``--prune`` deletes a dataset), aep-exports
    stops managing it; the first plan after the removal says so, so "No changes" stays true.
    """

    symbol, verb, order = "-", "stop managing", (2, 0)


class OrphanDataset(_Orphan):
    """A dataset no longer declared: mark it orphaned in state; it stays on the platform."""

    noun, label = "dataset", "stop managing dataset"
    resource: ClassVar[Resource] = "dataset"

    kind: Literal["orphan_dataset"] = "orphan_dataset"
    dataset_id: str


class OrphanExport(_Orphan):
    """An export no longer declared: mark it orphaned in state; its run history stays."""

    noun, label = "export", "stop managing export"
    resource: ClassVar[Resource] = "export"

    kind: Literal["orphan_export"] = "orphan_export"


Action = Annotated[
    MoveState
    | CreateDataset
    | UpdateDataset
    | ReplaceDataset
    | DeleteDataset
    | RestateExport
    | AddExport
    | UpdateExport
    | RunExport
    | RetryExport
    | CancelJob
    | OrphanDataset
    | OrphanExport
    | Forget,
    Field(discriminator="kind"),
]

ACTION_TYPES: tuple[type[_Action], ...] = get_args(get_args(Action)[0])
"""Every action class, in the order plan summaries count them."""


def action_sort_key(action: _Action) -> tuple[int, str, int, str]:
    """Datasets first, then exports by key (cancel before run), forgets last."""
    stage, rank = action.order
    return (stage, action.key, rank, action.action_id)
