"""Plan actions that change only the state: a rename (``moved:``), a restatement (``--restate``), a
new or changed export declaration (export jobs are one-shot: the next run sends it) and a removed
declaration (its record stays, flagged orphaned).

Each is one commit of a named state operation; nothing is sent to the platform, so no write-ahead
intent is needed (the commit either happened or did not).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aep_exports.apply.ledger import Ledger
from aep_exports.state.locking import operator_identity
from aep_exports.state.model import StateDocument

if TYPE_CHECKING:
    from aep_exports.plan.actions import (
        AddExport,
        MoveState,
        OrphanDataset,
        OrphanExport,
        RestateExport,
        UpdateExport,
    )

Clock = Callable[[], datetime]


def move_state(ledger: Ledger, action: MoveState) -> str:
    """Rename the state entry: its record (and intents) now live under the new key."""

    def move(doc: StateDocument) -> None:
        doc.move(action.resource, action.old_key, action.key)

    ledger.commit(move)
    return f"moved {action.resource}.{action.old_key} to {action.resource}.{action.key} (history kept)"


def restate_export(ledger: Ledger, action: RestateExport, clock: Clock) -> str:
    """Move the watermark back to the action's start, recording who (user@host) and when."""
    who = operator_identity()

    def restate(doc: StateDocument) -> None:
        doc.ensure_export(action.key).restate(action.window_from, by=who, at=clock(), reason=action.reason)

    ledger.commit(restate)
    start = action.window_from.isoformat().replace("+00:00", "Z") if action.window_from else "the beginning"
    return f"watermark moved back to {start} (by {who})"


def record_export_spec(ledger: Ledger, action: AddExport | UpdateExport) -> str:
    """Record the export's declaration in state; its next run sends the request it implies."""

    def record(doc: StateDocument) -> None:
        doc.record_export_spec(action.key, action.spec)

    ledger.commit(record)
    return "recorded its declaration; " + action.takes_effect()


def mark_orphaned(ledger: Ledger, action: OrphanDataset | OrphanExport) -> str:
    """Flag the record orphaned: aep-exports stops managing it and keeps it in state until --forget."""

    def mark(doc: StateDocument) -> None:
        doc.mark_orphaned(action.resource, action.key)

    ledger.commit(mark)
    if action.resource == "dataset":
        return "recorded as orphaned; the dataset stays on the platform (--prune deletes it)"
    return f"recorded as orphaned; its history stays in state (--forget {action.key} drops it)"
