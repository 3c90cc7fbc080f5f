"""Words and symbols for actions, shared by the text and Markdown views (so they never disagree)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, assert_never

from aep_exports.plan.actions import (
    DATASET_PLACEHOLDER_PREFIX,
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
        case UpdateDataset() if not action.patch:
            return (
                f'record the new declaration of dataset "{action.key}" '
                "(the platform already has it; state only)"
            )
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
        case AddExport():
            return f'add export "{action.key}": {_first_run(action)}'
        case UpdateExport():
            return f'change export "{action.key}": {action.takes_effect()}'
        case RestateExport():
            start = format_instant(action.window_from) if action.window_from else "the beginning"
            return f'restate export "{action.key}": its watermark moves back to {start} (state only)'
        case CancelJob():
            return f'cancel job {action.job_id} of export "{action.key}" ({action.cause})'
        case Forget():
            return f"forget {resource_name(action)} (state only; the platform is not touched)"
        case OrphanDataset() | OrphanExport():
            return _stop_managing(action)
        case MoveState():
            return f"{action.resource}.{action.old_key} has moved to {resource_name(action)} (state only)"
        case _:
            assert_never(action)


def _stop_managing(action: OrphanDataset | OrphanExport) -> str:
    """A removed declaration: what stays where, and how to go further."""
    what = f'stop managing {action.resource} "{action.key}": no longer declared; '
    if isinstance(action, OrphanDataset):
        return what + "the dataset stays on the platform (--prune deletes it)"
    return what + f"its history stays in state (--forget {action.key} drops it)"


def window_text(action: RunExport) -> str:
    """``from → to`` of a run."""
    begin = format_instant(action.window_from) if action.window_from else "(everything)"
    return f"{begin} → {format_instant(action.window_to)}"


def _first_run(action: AddExport) -> str:
    if action.enabled and action.next_run is not None:
        return f"first run at {format_instant(action.next_run)}"
    if action.enabled and not action.manual:
        return "no run scheduled"
    return action.takes_effect()


def change_lines(changes: Iterable[FieldChange], *, diff: bool = False) -> Iterator[tuple[str, str]]:
    """``(symbol, "path: before -> after")`` per field change.

    ``diff``: a changed field as a ``-`` line (before) and a ``+`` line (after), as a unified diff
    shows it (GitHub colours only those two in a ```diff block).
    """
    for change in changes:
        if change.change == "added":
            yield "+", f"{change.path} = {value_text(change.after)}"
        elif change.change == "removed":
            yield "-", f"{change.path} = {value_text(change.before)}"
        elif diff:  # an absent side has no line of its own
            if change.before is not None:
                yield "-", f"{change.path} = {value_text(change.before)}"
            if change.after is not None:
                yield "+", f"{change.path} = {value_text(change.after)}"
        else:
            yield "~", f"{change.path}: {value_text(change.before)} -> {value_text(change.after)}"


def _destination(dataset_key: str | None, dataset_id: str | None) -> str:
    if dataset_key is None and dataset_id and dataset_id.startswith(DATASET_PLACEHOLDER_PREFIX):
        dataset_key = dataset_id[len(DATASET_PLACEHOLDER_PREFIX) : -1]
    return f"dataset.{dataset_key} (its id once created)" if dataset_key else str(dataset_id)


# Shown on their own lines (window, destination), so left out of a request listed in full.
_SHOWN_APART = ("destination.datasetId", "filter.fromIngestTimestamp")


def request_lines(body: dict[str, Any], symbol: str = "") -> Iterator[tuple[str, str]]:
    """A run's request body, field by field (segments, fields, merge policy, filter...)."""
    for path, value in leaf_paths(body).items():
        if path not in _SHOWN_APART:
            yield symbol, f"request.{path} = {value_text(value)}"


def detail_lines(action: Action, *, diff: bool = False) -> Iterator[tuple[str, str]]:
    """``(symbol, text)`` lines under an action's headline; symbol "" for plain attributes.

    ``diff``: changed fields as ``-``/``+`` pairs (see :func:`change_lines`).
    """
    match action:
        case CreateDataset():
            yield from _body_lines(action.body, "+" if diff else "")
        case ReplaceDataset():
            yield from change_lines(action.changes, diff=diff)
            yield from _body_lines(action.body)
        case UpdateDataset():
            yield from change_lines(action.changes, diff=diff)
        case AddExport():
            start = format_instant(action.window_from) if action.window_from else "(everything)"
            end = format_instant(action.next_run) if action.next_run else "its run"
            yield "", f"window      = {start} → {end} (as of now)"
            target = action.request_body.get("destination", {}).get("datasetId")
            yield "", f"destination = {_destination(None, target)}"
            yield from request_lines(action.request_body, "+" if diff else "")
        case UpdateExport():
            yield from change_lines(action.changes, diff=diff)
        case RunExport():
            yield "", f"window      = {window_text(action)}" + (" (restated)" if action.restated else "")
            yield "", f"destination = {_destination(action.dataset_key, action.dataset_id)}"
            if action.first_run:
                yield from request_lines(action.request_body, "+" if diff else "")
            if action.changes:
                yield "", "changes since the last run:"
                yield from change_lines(action.changes, diff=diff)
        case CancelJob():
            if action.started is not None:
                yield "", f"started     = {format_instant(action.started)}"
        case RestateExport():
            if action.previous_watermark is not None:
                yield "~", f"watermark: {format_instant(action.previous_watermark)} -> " + (
                    format_instant(action.window_from) if action.window_from else "(the beginning)"
                )
        case OrphanDataset():
            yield "", f"id          = {action.dataset_id}"
        case DeleteDataset() | Forget() | MoveState() | OrphanExport():
            pass
        case _:
            assert_never(action)


def _body_lines(body: dict[str, Any], symbol: str = "") -> Iterator[tuple[str, str]]:
    for path, value in leaf_paths(body).items():
        yield symbol, f"{path} = {value_text(value)}"
