"""What state records about a resource's declaration: what was declared, and what was sent.

Both are plain JSON underneath (the declaration models can change without making old state
unreadable); these records only name the parts. Stored under ``spec`` as before, so files
written earlier read unchanged, including the bare shapes of the pre-release format.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from aep_exports.state.base import Record

_EXPORT_KEYS = frozenset({"declaration", "request"})
_DATASET_KEYS = frozenset({"body", "protect"})


class AppliedExport(Record):
    """An export's declaration as last applied and the request body its last run sent."""

    declaration: dict[str, Any] | None = Field(
        default=None, description="The declared export (None: imported as the platform had it)."
    )
    request: dict[str, Any] | None = Field(default=None, description="The body of the last run's POST.")

    @model_validator(mode="before")
    @classmethod
    def _bare_declaration(cls, data: Any) -> Any:
        # Early documents stored the declaration itself as the spec.
        if isinstance(data, dict) and not set(data) <= _EXPORT_KEYS:
            return {"declaration": data}
        return data

    def declared(self) -> dict[str, Any]:
        """The declaration last applied ({} when none is known)."""
        return self.declaration if self.declaration is not None else {}

    def rename_dataset(self, old: str, new: str) -> None:
        """The declared target dataset key ``old`` is now ``new`` (a rename, not a new target)."""
        if self.declaration is not None and self.declaration.get("dataset") == old:
            self.declaration = {**self.declaration, "dataset": new}


class AppliedDataset(Record):
    """A dataset's ``POST /dataSets`` body as last applied, and whether it is protected."""

    body: dict[str, Any] = Field(default_factory=dict)
    protect: bool = False

    @model_validator(mode="before")
    @classmethod
    def _bare_body(cls, data: Any) -> Any:
        # Early documents stored the body itself as the spec.
        if isinstance(data, dict) and not set(data) <= _DATASET_KEYS:
            return {"body": data}
        return data
