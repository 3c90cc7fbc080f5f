"""Runs whose jobs would look the same on the platform, so that apply starts them one after the other.

A job record shows only part of its request (see ``reconcile.matching``), and some platforms show even less:
listings may give a segment's id alone, and a job created without a merge policy may name the one it
resolved. Two creates whose jobs could match each other's identity must never be unresolved at the same
time, or a lost answer could not tell which job is whose. The *look-alike key* is the coarsest identity
every platform variant shows: destination dataset, the multiset of segment ids, schema. Runs with equal
keys are look-alikes (a coarser key only serialises a little more than strictly needed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from aep_exports.plan.actions import RunExport

LookalikeKey = tuple[str | None, tuple[str, ...], str | None]


def lookalike_key(body: dict[str, Any]) -> LookalikeKey:
    """The key of a request body (a ``${dataset:KEY}`` placeholder stands for one dataset, as an id does)."""
    destination, filter_, schema = (_object(body.get(part)) for part in ("destination", "filter", "schema"))
    listed = filter_.get("segments")
    segments = listed if isinstance(listed, list) else []
    dataset = destination.get("datasetId")
    name = schema.get("name")
    return (
        dataset if isinstance(dataset, str) else None,
        tuple(sorted(str(s.get("segmentId")) for s in segments if isinstance(s, dict))),
        name if isinstance(name, str) else None,
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def lookalike_groups(actions: Iterable[object]) -> list[Sequence[RunExport]]:
    """The runs of ``actions`` that share a look-alike key, in groups of two or more (by first key)."""
    groups: dict[LookalikeKey, list[RunExport]] = {}
    for action in actions:
        if isinstance(action, RunExport):
            groups.setdefault(lookalike_key(action.request_body), []).append(action)
    found = [sorted(group, key=lambda a: a.key) for group in groups.values() if len(group) > 1]
    return sorted(found, key=lambda group: group[0].key)


def serialised_note(group: Sequence[RunExport]) -> str:
    """The plan's info line for one group."""
    keys = [action.key for action in group]
    names = ", ".join(keys[:-1]) + f" and {keys[-1]}"
    return (
        f"runs of {names} are started one after the other: their jobs look the same on the platform "
        "(same dataset and segments), so each create is settled before the next is sent"
    )
