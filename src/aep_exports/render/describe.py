"""Words and symbols for actions, shared by the text and Markdown views (so they never disagree)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from aep_exports.plan.actions import (
    Action,
    CancelJob,
    CreateDataset,
    DeleteDataset,
    FieldChange,
    Forget,
    ReplaceDataset,
    RunExport,
    UpdateDataset,
)
from aep_exports.plan.changes import leaf_paths
from aep_exports.plan.windows import format_instant

SYMBOLS = {
    "create_dataset": "+",
    "update_dataset": "~",
    "replace_dataset": "-/+",
    "delete_dataset": "-",
    "run_export": "+",
    "cancel_job": "!",
    "forget": "-",
}
COLOURS = {"+": "green", "~": "yellow", "-/+": "magenta", "-": "red", "!": "red"}


def value_text(value: Any) -> str:
    """A value as it reads in a diff line (JSON, so strings are quoted)."""
    if value is None:
        return "(absent)"
    return json.dumps(value, sort_keys=True, default=str)


def resource_name(action: Action) -> str:
    """``dataset.target`` / ``export.daily``."""
    if isinstance(action, Forget):
        return f"{action.resource}.{action.key}"
    resource = "dataset" if action.kind.endswith("_dataset") else "export"
    return f"{resource}.{action.key}"


def headline(action: Action) -> str:
    """One line saying what the action does."""
    if isinstance(action, CreateDataset):
        return f'create dataset "{action.key}"'
    if isinstance(action, UpdateDataset):
        return f'update dataset "{action.key}" ({action.dataset_id}) in place'
    if isinstance(action, ReplaceDataset):
        return f'replace dataset "{action.key}" ({action.old_dataset_id}): delete it, then create it'
    if isinstance(action, DeleteDataset):
        return f'delete dataset "{action.key}" ({action.dataset_id})'
    if isinstance(action, RunExport):
        return f'run export "{action.key}" for slot {format_instant(action.slot)}'
    if isinstance(action, CancelJob):
        return f'cancel job {action.job_id} of export "{action.key}" ({action.cause})'
    return f"forget {resource_name(action)} (state only; the platform is not touched)"


def window_text(action: RunExport) -> str:
    """``from → to`` of a run."""
    begin = format_instant(action.window_from) if action.window_from else "(everything)"
    return f"{begin} → {format_instant(action.window_to)}"


def change_lines(changes: Iterable[FieldChange]) -> Iterator[tuple[str, str]]:
    """``(symbol, "path: before -> after")`` per field change."""
    for change in changes:
        if change.change == "added":
            yield "+", f"{change.path} = {value_text(change.after)}"
        elif change.change == "removed":
            yield "-", f"{change.path} = {value_text(change.before)}"
        else:
            yield "~", f"{change.path}: {value_text(change.before)} -> {value_text(change.after)}"


def detail_lines(action: Action) -> Iterator[tuple[str, str]]:
    """``(symbol, text)`` lines under an action's headline; symbol "" for plain attributes."""
    if isinstance(action, ReplaceDataset):
        yield from change_lines(action.changes)
    if isinstance(action, CreateDataset | ReplaceDataset):
        for path, value in leaf_paths(action.body).items():
            yield "", f"{path} = {value_text(value)}"
    elif isinstance(action, UpdateDataset):
        yield from change_lines(action.changes)
    elif isinstance(action, RunExport):
        yield "", f"window      = {window_text(action)}"
        destination = (
            f"dataset.{action.dataset_key} (its id once created)"
            if action.dataset_key
            else str(action.dataset_id)
        )
        yield "", f"destination = {destination}"
        if action.changes:
            yield "", "changes since the last run:"
            yield from change_lines(action.changes)
    elif isinstance(action, CancelJob) and action.started is not None:
        yield "", f"started     = {format_instant(action.started)}"
