"""Requested dotted paths against the store's inferred structure.

``restrict`` keeps only the requested parts of a structure: a path naming an object keeps
all of it; a path through an array keeps, in every element, the rest of the path; a path
that does not exist (or goes below a scalar) is simply dropped.
"""

from __future__ import annotations

from typing import Any

Path = tuple[str, ...]
Structure = dict[str, Any]


def _restrict_node(node: Any, paths: list[Path]) -> Any:
    if any(not path for path in paths):
        return node  # the requested path ends here: keep everything below
    if isinstance(node, dict):
        restricted = restrict(node, paths)
        return restricted or None
    if isinstance(node, list):
        element = _restrict_node(node[0], paths)
        return None if element is None else [element]
    return None  # a path going below a scalar does not exist


def restrict(structure: Structure, paths: list[Path] | None) -> Structure:
    """The part of ``structure`` the paths select (all of it for None)."""
    if paths is None:
        return structure
    grouped: dict[str, list[Path]] = {}
    for path in paths:
        grouped.setdefault(path[0], []).append(path[1:])
    result: Structure = {}
    for key, rests in grouped.items():
        if key in structure:
            kept = _restrict_node(structure[key], rests)
            if kept is not None:
                result[key] = kept
    return result


def leaves(structure: Structure, prefix: Path = ()) -> list[tuple[Path, Any]]:
    """Merge attributes: every path to a scalar or an array (an array is one attribute)."""
    found: list[tuple[Path, Any]] = []
    for key, node in structure.items():
        if isinstance(node, dict):
            found.extend(leaves(node, (*prefix, key)))
        else:
            found.append(((*prefix, key), node))
    return found
