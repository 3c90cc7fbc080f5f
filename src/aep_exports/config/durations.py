"""The one duration grammar of aep-exports: YAML keys and command-line options alike.

``90s``, ``30m``, ``2h``, ``1d``, ``1w``, ``1h30m``, ``1.5h``, ``250ms``, or a plain number of
seconds (``30``, ``0.5``). Units go from largest to smallest, each at most once (``1h1h`` and
``30m1h`` are refused), as in Go's ``time.ParseDuration`` that Terraform users know, plus days
and weeks. A hand-written grammar rather than a library (pytimeparse2): it is twenty lines,
a JSON Schema pattern can state it exactly (editors check YAML values as they are typed), and
it refuses the ambiguous forms such libraries accept (``4:13``, ``1 month``).
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

UNITS: dict[str, float] = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1, "ms": 0.001}
MAX_DURATION = timedelta(days=3650)
"""Longer than any timeout can mean; the bound keeps ``1000000000d`` a clear error, not an overflow."""

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_PART = re.compile(rf"({_NUMBER})\s*(ms|w|d|h|m|s)")
PATTERN = (
    rf"^\s*(?:{_NUMBER}|(?:{_NUMBER}\s*w)?\s*(?:{_NUMBER}\s*d)?\s*(?:{_NUMBER}\s*h)?\s*"
    rf"(?:{_NUMBER}\s*m)?\s*(?:{_NUMBER}\s*s)?\s*(?:{_NUMBER}\s*ms)?)\s*$"
)
"""The grammar as one regular expression (also the JSON Schema ``pattern`` of duration keys)."""
_FULL = re.compile(PATTERN)
EXAMPLES = "'90s', '30m', '1h30m', '1.5h', '1d' or a number of seconds"


class DurationError(ValueError):
    """Not a duration of this grammar, or out of range; the message is written for the user."""


def parse_duration(value: Any, *, allow_zero: bool = True) -> timedelta:
    """``value`` (text, or a number of seconds) as a timedelta in ``[0, MAX_DURATION]``."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DurationError(f"expected a duration like {EXAMPLES}")
    if isinstance(value, str):
        text = value.strip()
        if not text or not _FULL.match(text):
            raise DurationError(f"{value!r} is not a duration like {EXAMPLES}")
        seconds = (
            float(text)
            if _PART.search(text) is None
            else sum(float(number) * UNITS[unit] for number, unit in _PART.findall(text))
        )
    else:
        seconds = float(value)
    if math.isnan(seconds) or seconds < 0:
        raise DurationError(f"{value!r} is negative: a duration is 0 or more")
    if seconds > MAX_DURATION.total_seconds():
        raise DurationError(f"{value!r} is longer than the maximum, {format_duration(MAX_DURATION)}")
    if seconds == 0 and not allow_zero:
        raise DurationError(f"{value!r} is zero: give a positive duration")
    return timedelta(seconds=round(seconds, 3))


def format_duration(value: timedelta, *, parts: int | None = None) -> str:
    """The grammar's own form, largest units first: ``5400s`` → ``1h30m``, ``0.25s`` → ``250ms``.

    ``parts`` keeps only that many units (``2d3h`` for status lines), truncating the rest.
    """
    millis = max(round(value.total_seconds() * 1000), 0)
    out: list[str] = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        if millis >= size and (parts is None or len(out) < parts):
            out.append(f"{millis // size}{unit}")
            millis %= size
    return "".join(out) or "0s"
