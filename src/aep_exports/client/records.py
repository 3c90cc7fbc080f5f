"""Reading platform records tolerantly: a record the client cannot parse is reported, never fatal.

A listing or a refresh reads many records; one odd record must not fail them all. :func:`salvage` parses
a record; a part it cannot parse is dropped (and reported) when the record stays meaningful without it,
and the whole record is skipped (and reported) when an essential key is unusable. Every problem is a
:class:`RecordProblem` the client keeps (``client.record_problems()``), so that ``doctor`` and ``plan``
can show what the client did not recognise.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from aep_exports.errors import ApiError

M = TypeVar("M", bound=BaseModel)
# Problems kept per client; beyond this the oldest go (a broken platform must not grow memory forever).
MAX_KEPT = 1_000


@dataclass(frozen=True)
class RecordProblem:
    """Something the client did not understand in one record (``skipped``: the record was left out)."""

    kind: str  # "export job", "merge policy", "dataset", ...
    record_id: str | None
    problem: str
    skipped: bool

    def describe(self) -> str:
        what = f"{self.kind} {self.record_id}" if self.record_id is not None else f"a {self.kind} without id"
        return f"{what}: {self.problem}" + (" (skipped)" if self.skipped else " (read without it)")


class UnreadableRecordError(ApiError):
    """A record the client asked for by id could not be parsed (see ``problems``)."""

    def __init__(self, message: str, problems: list[RecordProblem], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.problems = problems


class RecordProblems:
    """The problems one client met, oldest first (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordProblem] = []

    def add(self, problems: Iterable[RecordProblem]) -> None:
        with self._lock:
            self._items.extend(problems)
            del self._items[:-MAX_KEPT]

    def snapshot(self, *, clear: bool = False) -> tuple[RecordProblem, ...]:
        with self._lock:
            items = tuple(self._items)
            if clear:
                self._items.clear()
            return items


def salvage(
    model: type[M], raw: Any, *, kind: str, essential: tuple[str, ...] = ("id",)
) -> tuple[M | None, list[RecordProblem]]:
    """Parse ``raw`` as ``model``; drop unparseable non-essential parts; None when it cannot be read.

    ``essential``: wire keys without which the record means nothing (a problem there skips it).
    """
    record_id = _id_of(raw)
    if not isinstance(raw, dict):
        return None, [RecordProblem(kind, record_id, f"not an object: {_short(raw)}", skipped=True)]
    data: dict[str, Any] = dict(raw)
    dropped: list[RecordProblem] = []
    for _ in range(len(data) + 1):
        try:
            return model.model_validate(data), dropped
        except ValidationError as exc:
            by_path: dict[tuple[str, ...], list[str]] = {}
            for error in exc.errors():
                reasons = by_path.setdefault(_droppable(data, error["loc"]), [])
                if _message(error) not in reasons:
                    reasons.append(_message(error))
            unusable = [path for path in by_path if not path or path[0] in essential]
            if unusable:
                reason = "; ".join(r for path in unusable for r in by_path[path])
                return None, [*dropped, RecordProblem(kind, record_id, reason, skipped=True)]
            for path, reasons in sorted(by_path.items()):
                _remove(data, path)
                dropped.append(RecordProblem(kind, record_id, "; ".join(reasons), skipped=False))
    return None, [*dropped, RecordProblem(kind, record_id, "could not be parsed", skipped=True)]


def _id_of(raw: Any) -> str | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return None if value is None or isinstance(value, dict | list) else str(value)


def _droppable(data: dict[str, Any], loc: tuple[int | str, ...]) -> tuple[str, ...]:
    """The keys to drop for an error at ``loc``: the path of keys the record has, down to the first list
    (a list goes whole); the rest of ``loc`` names pydantic's own steps (union members, validators)."""
    path: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int) or not isinstance(node, dict) or part not in node:
            break
        path.append(part)
        node = node[part]
    return tuple(path)


def _remove(data: dict[str, Any], path: tuple[str, ...]) -> None:
    node: Any = data
    for key in path[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(key), dict):
            return
        node[key] = dict(node[key])  # never change the caller's object
        node = node[key]
    if isinstance(node, dict):
        node.pop(path[-1], None)


def _message(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"] if part not in ("int", "float", "str")) or "record"
    return f"{where}: {error['msg']} (got {_short(error.get('input'))})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
