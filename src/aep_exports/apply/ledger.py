"""The state document apply works on, written after every change (write-ahead, group commit).

Actions run in parallel threads; each change goes through :meth:`Ledger.commit`, which applies it
to the in-memory document and returns only once a compare-and-swap write containing it is on
disk. Writers that arrive while a write is in progress are folded into the next one (group
commit), so 500 parallel runs do not mean 1,000 serial fsyncs, yet no request is ever sent before
its intent is stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from aep_exports.state.model import StateDocument

if TYPE_CHECKING:
    from aep_exports.state.backend import StateBackend

T = TypeVar("T")


class Ledger:
    """A state document and the backend it is written to; thread-safe."""

    def __init__(self, backend: StateBackend, doc: StateDocument | None = None) -> None:
        self.backend = backend
        self.doc = doc if doc is not None else backend.read()
        self._mutate = threading.Lock()
        self._write = threading.Lock()
        self._changed = 0  # generation of the latest in-memory change
        self._stored = 0  # generation the last write contained
        self.writes = 0

    def commit(self, change: Callable[[StateDocument], T]) -> T:
        """Apply ``change`` to the document and return once it is stored; returns what it returned."""
        return self.commit_changes(lambda doc: (change(doc), True))

    def commit_changes(self, change: Callable[[StateDocument], tuple[T, bool]]) -> T:
        """Like :meth:`commit`, for a change that says whether it changed anything (``(result, changed)``):
        nothing is written when it did not."""
        with self._mutate:
            result, changed = change(self.doc)
            if not changed:
                return result
            self._changed += 1
            mine = self._changed
        with self._write:
            if self._stored >= mine:
                return result  # a write that started after our change already stored it
            with self._mutate:
                generation = self._changed
                self.backend.write(self.doc, expected_serial=self.doc.serial)
                self.writes += 1
            self._stored = generation
        return result

    def read(self, look: Callable[[StateDocument], T]) -> T:
        """Read the document consistently (no change is half applied meanwhile)."""
        with self._mutate:
            return look(self.doc)
