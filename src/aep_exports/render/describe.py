"""Words and symbols for actions, shared by the text and Markdown views (so they never disagree)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, assert_never

from aep_exports.plan.actions import (
    Action,
    CancelJob,
    CreateDataset,
    DeleteDataset,
    FieldChange,
    Forget,
    MoveState,
    ReplaceDataset,
    RestateExport,
    RetryExport,
    RunExport,
    UpdateDataset,
)
from aep_exports.plan.changes import leaf_paths
from aep_exports.plan.windows import format_instant

COLOURS = {"+": "green", "~": "yellow", "-/+": "magenta", "-": "red", "!": "red", "<": "yellow", "=>": "cyan"}


def value_text(value: Any) -> str:
    """A value as it reads in a diff line (JSON, so strings are quoted)."""
    if value is None:
        return "(absent)"
    return json.dumps(value, sort_keys=True, default=str)


def resource_name(action: Action) -> str:
    """``dataset.target`` / ``export.daily``."""
    return f"{action.resource}.{action.key}"


def headline(action: Action) -> str:
    """One line saying what the action does."""
    match action:
        case CreateDataset():
            return f'create dataset "{action.key}"'
        case UpdateDataset():
            return f'update dataset "{action.key}" ({action.dataset_id}) in place'
        case ReplaceDataset():
            return f'replace dataset "{action.key}" ({action.old_dataset_id}): delete it, then create it'
        case DeleteDataset():
            return f'delete dataset "{action.key}" ({action.dataset_id})'
        case RetryExport():
            return (
                f'retry export "{action.key}" for slot {format_instant(action.slot)} '
                f"(retry {action.retry_number} of {action.attempts})"
            )
        case RunExport():
            return f'run export "{action.key}" for slot {format_instant(action.slot)}'
        case RestateExport():
            start = format_instant(action.window_from) if action.window_from else "the beginning"
            return f'restate export "{action.key}": its watermark moves back to {start} (state only)'
        case CancelJob():
            return f'cancel job {action.job_id} of export "{action.key}" ({action.cause})'
        case Forget():
            return f"forget {resource_name(action)} (state only; the platform is not touched)"
        case MoveState():
            return f"{action.resource}.{action.old_key} has moved to {resource_name(action)} (state only)"
        case _:
            assert_never(action)


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
    match action:
        case CreateDataset():
            yield from _body_lines(action.body)
        case ReplaceDataset():
            yield from change_lines(action.changes)
            yield from _body_lines(action.body)
        case UpdateDataset():
            yield from change_lines(action.changes)
        case RunExport():
            yield "", f"window      = {window_text(action)}" + (" (restated)" if action.restated else "")
            destination = (
                f"dataset.{action.dataset_key} (its id once created)"
                if action.dataset_key
                else str(action.dataset_id)
            )
            yield "", f"destination = {destination}"
            if action.changes:
                yield "", "changes since the last run:"
                yield from change_lines(action.changes)
        case CancelJob():
            if action.started is not None:
                yield "", f"started     = {format_instant(action.started)}"
        case RestateExport():
            if action.previous_watermark is not None:
                yield "~", f"watermark: {format_instant(action.previous_watermark)} -> " + (
                    format_instant(action.window_from) if action.window_from else "(the beginning)"
                )
        case DeleteDataset() | Forget() | MoveState():
            pass
        case _:
            assert_never(action)


def _body_lines(body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for path, value in leaf_paths(body).items():
        yield "", f"{path} = {value_text(value)}"
