"""Errors of the profile store (the local platform imports nothing from the reconciler)."""

from __future__ import annotations


class StoreError(Exception):
    """A profile store operation failed; ``message`` is fit for a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreBusyError(StoreError):
    """Another process holds the store's DuckDB file."""


class LoadError(StoreError):
    """A JSON-lines file has bad lines; ``problems`` holds one ``line N: ...`` entry each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        lines = "\n".join(f"  {p}" for p in shown) + (f"\n  ... and {more} more" if more > 0 else "")
        count = len(self.problems)
        noun = "bad line" if count == 1 else "bad lines"
        super().__init__(f"{source}: {count} {noun}, nothing was loaded:\n{lines}")
