"""The base of every declaration model: strict, frozen, camelCase names as the API spells them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown keys are errors (reported with a "did you mean"); instances are immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        str_strip_whitespace=True,
        hide_input_in_errors=False,
    )
