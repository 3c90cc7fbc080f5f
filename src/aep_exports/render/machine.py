"""The version stamp of machine (JSON) output; its shapes are published under ``schemas/``."""

from __future__ import annotations

from typing import Any

OUTPUT_FORMAT_VERSION = 1
"""``format_version`` of the JSON that ``validate``, ``status``, ``drift``, ``apply`` and ``state show``
print (``schemas/<command>.schema.json``); the saved plan has its own. Bump on incompatible changes."""


def versioned(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``format_version`` first, as machine output carries it."""
    return {"format_version": OUTPUT_FORMAT_VERSION, **data}
