"""How an export is operated, beside what it exports: time zone, retries, labels, expectations.

These keys are the reconciler's own (none is sent to the platform):

- ``timezone``: the IANA zone its cron schedule reads in (``Europe/Paris``; default ``UTC``);
- ``retry``: ``{attempts, delay}``, how often a FAILED run is tried again within its slot;
- ``labels``: ``{team: crm}``, for ``--select team=crm`` (datasets carry them too);
- ``expect``: ``{min_rows, max_rows, max_duration, max_lag}``, what a healthy run looks like.
"""

from __future__ import annotations

import functools
import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictInt, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from aep_exports.config.problems import did_you_mean, short_repr
from aep_exports.config.strict import StrictModel
from aep_exports.config.values import Duration

DEFAULT_TIMEZONE = "UTC"
MAX_RETRY_ATTEMPTS = 10
DEFAULT_RETRY_DELAY = timedelta(minutes=15)

LABEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}$"
# No ',' (--select splits on it) and no '=' (it separates a label from its value there).
LABEL_VALUE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/@+-]{0,62}$"


@functools.lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def check_timezone(value: str) -> str:
    """An IANA time zone name that this system's zone database knows (``Europe/Paris``, ``UTC``)."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "timezone",
            "{value} is not an IANA time zone name (e.g. 'Europe/Paris', 'America/New_York', 'UTC'){hint}",
            {"value": short_repr(value), "hint": did_you_mean(value, sorted(_zone_names()))},
        ) from None
    return value


TimeZoneName = Annotated[
    str,
    AfterValidator(check_timezone),
    WithJsonSchema({"type": "string", "examples": ["UTC", "Europe/Paris", "America/New_York"]}),
]


def _label_check(pattern: str, what: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise PydanticCustomError(
                "label",
                "{what} {value} is not valid: {rule}",
                {"what": what, "value": short_repr(value), "rule": _LABEL_RULES[what]},
            )
        return value

    return check


_LABEL_RULES = {
    "label name": "1-63 letters, digits and _ . : / -, starting with a letter or digit",
    "label value": "1-63 letters, digits and _ . : / @ + -, starting with a letter or digit (no ',' or '=')",
}
LabelName = Annotated[
    str,
    AfterValidator(_label_check(LABEL_NAME_PATTERN, "label name")),
    WithJsonSchema({"type": "string", "pattern": LABEL_NAME_PATTERN}),
]
LabelValue = Annotated[
    str,
    AfterValidator(_label_check(LABEL_VALUE_PATTERN, "label value")),
    WithJsonSchema({"type": "string", "pattern": LABEL_VALUE_PATTERN}),
]
Labels = dict[LabelName, LabelValue]


class RetrySpec(StrictModel):
    """Try a FAILED run again, within its slot and with the same window."""

    attempts: StrictInt = Field(
        ge=1, le=MAX_RETRY_ATTEMPTS, description="How many times a failed run is retried (1-10)."
    )
    delay: Duration = Field(
        default=DEFAULT_RETRY_DELAY, description="How long after the failure a retry starts (default 15m)."
    )


class ExpectSpec(StrictModel):
    """What a healthy export looks like; a SUCCEEDED run that breaks it is recorded as a breach."""

    min_rows: StrictInt | None = Field(default=None, ge=0, description="Fewest profiles a run exports.")
    max_rows: StrictInt | None = Field(default=None, ge=0, description="Most profiles a run exports.")
    max_duration: Duration | None = Field(default=None, description="Longest a run may take.")
    max_lag: Duration | None = Field(
        default=None, description="Oldest the watermark (end of the last successful window) may be."
    )

    @model_validator(mode="after")
    def _consistent(self) -> ExpectSpec:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise PydanticCustomError(
                "expect", "give at least one of min_rows, max_rows, max_duration, max_lag"
            )
        if self.min_rows is not None and self.max_rows is not None and self.min_rows > self.max_rows:
            raise PydanticCustomError("expect", "min_rows must not be more than max_rows", {"at": "min_rows"})
        return self


POLICY_DEFAULTS: dict[str, Any] = {"timezone": DEFAULT_TIMEZONE, "retry": None, "labels": {}, "expect": None}
"""The operating keys at their defaults: left out of a declaration's stored form, so adding them to
the models changed nothing recorded for exports that do not use them."""


def without_default_policies(dumped: dict[str, Any]) -> dict[str, Any]:
    """A dumped declaration without the operating keys that hold their default."""
    return {k: v for k, v in dumped.items() if not (k in POLICY_DEFAULTS and v == POLICY_DEFAULTS[k])}
