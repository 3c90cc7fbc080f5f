"""Field-level differences between two JSON values (request bodies, dataset specs), via deepdiff."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import notpresent

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


def _exclusion(path: str) -> str:
    """A dotted path (``filter.fromIngestTimestamp``) as deepdiff's path regex, children included."""
    return "^root" + "".join(rf"\['{re.escape(part)}'\]" for part in path.split(".")) + r"(?:\[|$)"


def _without(value: Any, at: str, ignored: tuple[str, ...]) -> Any:
    """``value`` (found at ``at``) without the ignored paths inside it.

    deepdiff reports a mapping added or removed as a whole at its own path, so an excluded path
    inside it (the watermark in a ``filter`` the previous body lacked) must be taken out here.
    """
    if not isinstance(value, dict):
        return value
    kept: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{at}.{key}" if at != "(root)" else str(key)
        if path in ignored:
            continue
        pruned = _without(item, path, ignored)
        if pruned == {} and item != {}:
            continue  # held only ignored paths
        kept[key] = pruned
    return kept


def field_changes(before: Any, after: Any, *, ignore_paths: Iterable[str] = ()) -> list[FieldChange]:
    """Every field that differs from ``before`` to ``after`` (ignored paths and their children aside)."""
    if before == after:
        return []
    ignored = tuple(ignore_paths)
    diff = DeepDiff(
        before,
        after,
        view="tree",
        ignore_order=False,
        verbose_level=2,
        exclude_regex_paths=[_exclusion(path) for path in ignored] or None,
    )
    changes: list[FieldChange] = []
    for report_type, levels in diff.items():
        kind = _KIND.get(report_type)
        if kind is None:
            continue
        for level in levels:
            path = format_path(level.path(output_format="list"))
            old = None if level.t1 is notpresent else _without(level.t1, path, ignored)
            new = None if level.t2 is notpresent else _without(level.t2, path, ignored)
            side, original = (new, level.t2) if kind == "added" else (old, level.t1)
            if old == new or (kind != "changed" and side == {} and original != {}):
                continue  # what differed was only ignored paths
            changes.append(FieldChange(path=path, change=kind, before=old, after=new))
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
