"""Dataset rules of the planner: create, update (patchable fields), replace, orphan/delete, drift."""

from __future__ import annotations

from typing import Any

from aep_exports.plan.actions import (
    CreateDataset,
    DeleteDataset,
    FieldChange,
    Forget,
    OrphanDataset,
    ReplaceDataset,
    UpdateDataset,
)
from aep_exports.plan.changes import field_changes, leaf_paths
from aep_exports.plan.desired import DesiredDataset
from aep_exports.plan.live import LiveSnapshot
from aep_exports.plan.model import DriftFinding, PlanMessage, PlanOptions
from aep_exports.plan.sink import PlanSink
from aep_exports.state.model import DatasetRecord

# Catalog lets PATCH change these; anything else (schemaRef, fileDescription, aspect) needs a new dataset.
PATCHABLE = ("name", "description", "tags")
# Compared as whole values; tags are compared per tag name (the platform may add tags of its own).
_WHOLE = frozenset({"name", "description"})


def _tags(body: dict[str, Any]) -> dict[str, Any]:
    tags = body.get("tags")
    return tags if isinstance(tags, dict) else {}


def declared_view(
    declared: dict[str, Any], other: dict[str, Any], *, tag_names: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields the declaration sets, from both sides (server-filled fields never count).

    Tags count per name: those declared plus ``tag_names`` (the ones applied before, so a tag
    removed from the declaration is noticed) — never tags the platform added on its own.
    """
    mine: dict[str, Any] = {}
    theirs: dict[str, Any] = {}
    names = sorted(set(_tags(declared)) | tag_names)
    if names:
        mine["tags"] = {name: _tags(declared).get(name) for name in names}
        theirs["tags"] = {name: _tags(other).get(name) for name in names}
    for top, value in declared.items():
        if top == "tags":
            continue
        if top in _WHOLE or not isinstance(value, dict):
            mine[top] = value
            theirs[top] = other.get(top)
            continue
        for path, leaf in leaf_paths(value, top).items():
            mine[path] = leaf
            current: Any = other
            for part in path.split("."):
                current = current.get(part) if isinstance(current, dict) else None
            theirs[path] = current
    return mine, theirs


def declared_changes(
    declared: dict[str, Any], actual: dict[str, Any], *, tag_names: frozenset[str] = frozenset()
) -> list[FieldChange]:
    """Field changes from ``actual`` to ``declared``, on declared fields only."""
    mine, theirs = declared_view(declared, actual, tag_names=tag_names)
    return field_changes(theirs, mine)


def observed_changes(applied: dict[str, Any], live_body: dict[str, Any]) -> list[FieldChange]:
    """Field changes from what was applied to what the platform has now (an out-of-band edit)."""
    mine, theirs = declared_view(applied, live_body)
    return field_changes(mine, theirs)


def _is_patchable(change: FieldChange) -> bool:
    return change.path.split(".", 1)[0].split("[", 1)[0] in PATCHABLE


def _flag_changes(want: DesiredDataset, record: DatasetRecord) -> list[FieldChange]:
    """The reconciler's own flags that changed since applied (recorded in state, never sent)."""
    if want.protect == record.spec.protect:
        return []
    return [FieldChange(path="protect", change="changed", before=record.spec.protect, after=want.protect)]


def plan_declared_dataset(
    sink: PlanSink,
    want: DesiredDataset,
    record: DatasetRecord | None,
    live: LiveSnapshot,
    options: PlanOptions,
) -> CreateDataset | ReplaceDataset | None:
    """Plan one declared dataset; returns the action that gives it a new id in this plan, if any."""
    if record is None:
        created = CreateDataset(
            key=want.key,
            reason="declared and not yet created",
            body=want.body,
            spec=want.spec,
            spec_digest=want.spec_digest,
        )
        sink.action(created)
        sink.finding(
            DriftFinding(
                kind="pending", resource="dataset", key=want.key, message="declared but not created yet"
            )
        )
        return created
    presence = live.dataset_state(record.id)
    if presence == "missing":
        created = CreateDataset(
            key=want.key,
            body=want.body,
            spec=want.spec,
            spec_digest=want.spec_digest,
            reason=f"dataset {record.id} was deleted outside aep-exports; recreate it",
        )
        sink.action(created)
        sink.finding(
            DriftFinding(
                kind="out_of_band",
                resource="dataset",
                key=want.key,
                message=f"dataset {record.id} was deleted outside aep-exports",
            )
        )
        return created
    applied = record.spec.body
    applied_tags = frozenset(_tags(applied))
    sent = declared_changes(want.body, applied, tag_names=applied_tags)
    # protect is ours, never sent: a flip is a state-only change, recorded so that prune honours it.
    pending = sent + _flag_changes(want, record)
    if presence == "present":
        live_body = live.datasets[record.id].body
        edited = observed_changes(applied, live_body) if applied else []
        if edited:
            sink.finding(
                DriftFinding(
                    kind="out_of_band",
                    resource="dataset",
                    key=want.key,
                    message=f"dataset {record.id} was edited outside aep-exports",
                    changes=tuple(edited),
                )
            )
        needed = declared_changes(want.body, live_body, tag_names=applied_tags)
    else:
        needed = sent
    if pending:
        sink.finding(
            DriftFinding(
                kind="pending",
                resource="dataset",
                key=want.key,
                message="declaration changed since it was applied",
                changes=tuple(pending),
            )
        )
    if not needed and not pending and record.orphaned:  # declared again, unchanged: managed again
        sink.finding(
            DriftFinding(
                kind="pending",
                resource="dataset",
                key=want.key,
                message="declared again; state still records it as orphaned",
            )
        )
        sink.action(
            UpdateDataset(
                key=want.key,
                dataset_id=record.id,
                patch={},
                changes=[],
                spec=want.spec,
                spec_digest=want.spec_digest,
                reason="declared again after it was orphaned: aep-exports manages it again",
            )
        )
        return None
    if not needed:
        if pending:  # the platform already has what is declared now: only state is behind
            sink.action(
                UpdateDataset(
                    key=want.key,
                    dataset_id=record.id,
                    patch={},
                    changes=pending,
                    spec=want.spec,
                    spec_digest=want.spec_digest,
                    reason="the platform already matches the new declaration; state records it",
                )
            )
        return None
    immutable = [c for c in needed if not _is_patchable(c)]
    if not immutable:
        patch = {
            top: want.body.get(top, {} if top == "tags" else None)
            for top in sorted({c.path.split(".", 1)[0] for c in needed})
        }
        sink.action(
            UpdateDataset(
                key=want.key,
                dataset_id=record.id,
                patch=patch,
                changes=needed,
                spec=want.spec,
                spec_digest=want.spec_digest,
                reason="fields differ: " + ", ".join(sorted(patch)),
            )
        )
        return None
    fields = ", ".join(sorted({c.path for c in immutable}))
    if want.protect:
        sink.error(
            PlanMessage(
                key=want.key,
                location=want.location,
                message=f"dataset {want.key}: {fields} changed, which needs a new dataset, "
                "but it is protected (protect: true); revert the change or "
                "unprotect it",
            )
        )
        return None
    if not options.allow_replace:
        sink.error(
            PlanMessage(
                key=want.key,
                location=want.location,
                message=f"dataset {want.key}: {fields} cannot be changed in place; "
                "replacing the dataset deletes its data: re-run with --allow-replace",
            )
        )
        return None
    replaced = ReplaceDataset(
        key=want.key,
        old_dataset_id=record.id,
        body=want.body,
        changes=needed,
        spec=want.spec,
        spec_digest=want.spec_digest,
        reason=f"{fields} cannot be changed in place",
    )
    sink.action(replaced)
    sink.warning(
        PlanMessage(
            key=want.key,
            location=want.location,
            message=f"dataset {want.key} is replaced: its data is deleted; incremental exports "
            "writing into it continue from their watermark",
        )
    )
    return replaced


def plan_orphaned_dataset(
    sink: PlanSink,
    key: str,
    record: DatasetRecord,
    live: LiveSnapshot,
    options: PlanOptions,
    in_use_ids: frozenset[str],
) -> None:
    """A dataset in state but no longer declared: kept and recorded as orphaned (once), --prune deletes it,
    --forget drops it from state."""
    protected = record.spec.protect
    if key in options.forget:
        sink.action(
            Forget(
                key=key,
                resource="dataset",
                reason="--forget: drop from state; the dataset stays on the platform",
            )
        )
        return
    gone = live.dataset_state(record.id) == "missing"
    if not options.prune:
        _orphan(sink, key, record, "; kept (use --prune to delete it, or --forget to stop managing it)")
        return
    if protected:
        advice = " but is protected; not deleted (use --forget to stop managing it)"
        _orphan(sink, key, record, advice, warn=True)
        return
    if record.id in in_use_ids:
        sink.error(
            PlanMessage(
                key=key,
                message=f"dataset {key} ({record.id}) is no longer declared but a "
                "declared export still writes into it by id",
            )
        )
        return
    if gone:
        sink.action(Forget(key=key, resource="dataset", reason=f"dataset {record.id} is already gone"))
        return
    sink.action(DeleteDataset(key=key, dataset_id=record.id, reason="no longer declared (--prune)"))


def _orphan(sink: PlanSink, key: str, record: DatasetRecord, advice: str, *, warn: bool = False) -> None:
    """Kept on the platform: the first plan records it as orphaned in state; later plans only say so."""
    message = PlanMessage(key=key, message=f"dataset {key} ({record.id}) is no longer declared{advice}")
    if warn:  # --prune was asked for and is refused: the user must hear it
        sink.warning(message)
    if record.orphaned:
        if not warn:
            sink.info(message)
        return
    sink.action(OrphanDataset(key=key, dataset_id=record.id, reason="no longer declared"))
    sink.finding(
        DriftFinding(
            kind="pending",
            resource="dataset",
            key=key,
            message="no longer declared; not yet recorded as orphaned in state",
        )
    )
