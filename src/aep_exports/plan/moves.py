"""Declared renames (``moved:``) in a plan: a :class:`MoveState` action each, and the state as it will be.

The planner plans against the state with the moves made (a view: the records are shared, never
changed), so a renamed export keeps its watermark and runs and is not exported in full, and a
renamed dataset keeps its id and is not created again. Apply makes the moves first.

For each declared move whose new key is selected:

- ``old`` in state, ``new`` not: move it;
- ``new`` in state, ``old`` not: done already (the entry stays in the files for other states);
- both in state: an error (``state rm`` the one to drop);
- neither: a warning — nothing to move, so ``new`` starts without history (a typo in ``from``?).
"""

from __future__ import annotations

from typing import Any

from aep_exports.plan.actions import MoveState
from aep_exports.plan.desired import Desired, DesiredMove
from aep_exports.plan.model import PlanMessage
from aep_exports.plan.scope import Scope
from aep_exports.plan.sink import PlanSink
from aep_exports.state.model import ExportRecord, StateDocument


def _dataset_renamed(record: ExportRecord, old: str, new: str) -> ExportRecord:
    copy = record.model_copy(deep=True)
    copy.spec.rename_dataset(old, new)
    return copy


def _check(sink: PlanSink, move: DesiredMove, table: dict[str, Any]) -> bool:
    where = f"moved: {move.resource} {move.old} → {move.new}"
    if move.old in table and move.new in table:
        sink.error(
            PlanMessage(
                key=move.new,
                location=move.location,
                message=f"{where}: the state holds both keys; remove the one to drop with "
                f"`aep-exports state rm {move.resource}.{move.old}` (or .{move.new})",
            )
        )
        return False
    if move.old not in table and move.new not in table:
        sink.warning(
            PlanMessage(
                key=move.new,
                location=move.location,
                message=f"{where}: the state holds neither key, so there is nothing to move and "
                f"{move.new} starts without history (is '{move.old}' spelt as in the state?)",
            )
        )
    return move.old in table


def plan_moves(sink: PlanSink, desired: Desired, state: StateDocument, scope: Scope) -> StateDocument:
    """Add a MoveState per move to make; return the state as the rest of the plan sees it."""
    if not desired.moves:
        return state
    datasets: dict[str, Any] = dict(state.datasets)
    exports: dict[str, Any] = dict(state.exports)
    moved = False
    for move in desired.moves:
        selected = scope.has_export if move.resource == "export" else scope.has_dataset
        if not selected(move.new):
            continue
        table = exports if move.resource == "export" else datasets
        if not _check(sink, move, table):
            continue
        table[move.new] = table.pop(move.old)
        moved = True
        if move.resource == "dataset":
            exports = {
                key: _dataset_renamed(record, move.old, move.new)
                if record.spec.declared().get("dataset") == move.old
                else record
                for key, record in exports.items()
            }
        sink.action(
            MoveState(
                key=move.new,
                old_key=move.old,
                resource=move.resource,
                reason=f"renamed from {move.old} (moved: at {move.location}); its "
                + ("id" if move.resource == "dataset" else "watermark and runs")
                + " follow the new key",
            )
        )
    if not moved:
        return state
    return state.model_copy(update={"datasets": datasets, "exports": exports})
