"""Field-level differences between two JSON values (request bodies, dataset specs), via deepdiff."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from deepdiff import DeepDiff

from aep_exports.plan.actions import FieldChange

_KIND = {
    "values_changed": "changed",
    "type_changes": "changed",
    "dictionary_item_added": "added",
    "iterable_item_added": "added",
    "dictionary_item_removed": "removed",
    "iterable_item_removed": "removed",
}


def format_path(parts: Iterable[Any]) -> str:
    """``['filter', 'segments', 0, 'status']`` → ``filter.segments[0].status``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(root)"


def _present(value: Any) -> Any:
    # deepdiff marks the missing side with a NotPresent object; absent reads better as None.
    return None if type(value).__name__ == "NotPresent" else value


def field_changes(before: Any, after: Any, *, ignore_paths: Iterable[str] = ()) -> list[FieldChange]:
    """Every field that differs from ``before`` to ``after``, sorted by path."""
    if before == after:
        return []
    ignored = set(ignore_paths)
    diff = DeepDiff(before, after, view="tree", ignore_order=False, verbose_level=2)
    changes: list[FieldChange] = []
    for report_type, levels in diff.items():
        kind = _KIND.get(report_type)
        if kind is None:
            continue
        for level in levels:
            path = format_path(level.path(output_format="list"))
            if path in ignored:
                continue
            changes.append(
                FieldChange(path=path, change=kind, before=_present(level.t1), after=_present(level.t2))
            )
    changes.sort(key=lambda c: c.path)
    return changes


def leaf_paths(value: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts to ``{"a.b": leaf}``; lists and scalars are leaves."""
    if not isinstance(value, dict) or not value:
        return {prefix: value} if prefix else {}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(item, dict) and item:
            flat.update(leaf_paths(item, path))
        else:
            flat[path] = item
    return flat
